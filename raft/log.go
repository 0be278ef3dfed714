package raft

// raftLog is a server's log in memory. Entries are kept in a slice that starts
// after offset (the index of the last entry dropped from the front), so that
// snapshots can compact the prefix later without changing any caller.
type raftLog struct {
	offset  uint64
	entries []Entry
	// unstable is the lowest index changed since the last Ready; 0 when the
	// log and the disk agree.
	unstable uint64
}

func (l *raftLog) lastIndex() uint64 { return l.offset + uint64(len(l.entries)) }

func (l *raftLog) lastTerm() uint64 { return l.term(l.lastIndex()) }

// term returns the term of entry i, 0 for index 0 or an index past the end.
func (l *raftLog) term(i uint64) uint64 {
	if i <= l.offset || i > l.lastIndex() {
		return 0
	}
	return l.entries[i-l.offset-1].Term
}

func (l *raftLog) entry(i uint64) (Entry, bool) {
	if i <= l.offset || i > l.lastIndex() {
		return Entry{}, false
	}
	return l.entries[i-l.offset-1], true
}

// slice returns entries lo..hi inclusive, sharing the backing array: entries
// are immutable and truncate never writes into a shared array.
func (l *raftLog) slice(lo, hi uint64) []Entry {
	if lo > hi {
		return nil
	}
	return l.entries[lo-l.offset-1 : hi-l.offset : hi-l.offset]
}

// append adds e at lastIndex+1 and marks it for persisting.
func (l *raftLog) append(e Entry) {
	l.entries = append(l.entries, e)
	l.markUnstable(e.Index)
}

// truncate drops every entry from index i on (§5.3: a conflicting entry and
// all that follow it). The capacity is cut too, so that the next append
// copies into a new array instead of overwriting entries that a message in
// flight or a Ready may still share.
func (l *raftLog) truncate(i uint64) {
	n := i - l.offset - 1
	l.entries = l.entries[:n:n]
	l.markUnstable(i)
}

func (l *raftLog) markUnstable(i uint64) {
	if l.unstable == 0 || i < l.unstable {
		l.unstable = i
	}
}

// firstIndexOfTerm returns the first index at or before i whose entry has the
// same term as entry i (for the fast-backtracking hint of §5.3).
func (l *raftLog) firstIndexOfTerm(i uint64) uint64 {
	t := l.term(i)
	for i > l.offset+1 && l.term(i-1) == t {
		i--
	}
	return i
}

// lastIndexOfTerm returns the last index holding an entry of term t, or 0.
func (l *raftLog) lastIndexOfTerm(t uint64) uint64 {
	for i := l.lastIndex(); i > l.offset; i-- {
		switch et := l.term(i); {
		case et == t:
			return i
		case et < t:
			return 0
		}
	}
	return 0
}

// isUpToDate reports whether a log ending at (lastTerm, lastIndex) is at least
// as up to date as this one (§5.4.1): a later last term wins; with equal last
// terms, the longer log wins.
func (l *raftLog) isUpToDate(lastIndex, lastTerm uint64) bool {
	my := l.lastTerm()
	return lastTerm > my || (lastTerm == my && lastIndex >= l.lastIndex())
}
