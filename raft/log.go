package raft

// chunkSize is the number of entries per chunk of the in-memory log. A
// chunked log grows without copying what it holds (a flat slice would copy
// the whole log each time it doubles), which matters for long runs.
const chunkSize = 1024

// firstChunkCap is the capacity the first chunk starts with; it grows by
// append up to chunkSize. Most logs of a short run (a test, one trial of an
// experiment) hold a handful of entries: a full chunk for each would
// allocate 100 KB per server boot.
const firstChunkCap = 8

// raftLog is a server's log in memory. Entries live in chunks; chunks[0]
// starts after index base. offset is the index of the last entry dropped
// from the front (compacted into a snapshot, §7), with its term: entries
// offset+1..lastIndex are held. Compaction drops whole chunks only, so a
// chunk's array is never written again once a message may share it.
//
// A chunk is either the log's own array or borrowed: the entries of the
// AppendEntries that brought them, which are a stretch of the leader's log
// (see appendAll). Borrowing makes a follower's log the leader's entries
// themselves rather than a copy: in a cluster of five, one array of
// entries for the collector to scan instead of five, and no copying.
type raftLog struct {
	base       uint64
	offset     uint64
	offsetTerm uint64
	chunks     [][]Entry // every chunk but the last holds chunkSize entries
	n          uint64    // slots used in chunks, from base
	// borrowed says the last chunk's array is not the log's own: its
	// capacity after the entries is the owner's to fill, so an append
	// here copies the chunk into an array of the log's own first.
	borrowed bool
	// unstable is the lowest index changed since the last Ready; 0 when the
	// log and the disk agree.
	unstable uint64
}

func (l *raftLog) lastIndex() uint64 { return l.base + l.n }

// firstIndex returns the index of the first entry held (lastIndex+1 when
// none is).
func (l *raftLog) firstIndex() uint64 { return l.offset + 1 }

func (l *raftLog) lastTerm() uint64 { return l.term(l.lastIndex()) }

// at returns a pointer to entry i, which must be held.
func (l *raftLog) at(i uint64) *Entry {
	k := i - l.base - 1
	return &l.chunks[k/chunkSize][k%chunkSize]
}

// term returns the term of entry i, 0 for index 0, an index past the end
// or one compacted away; the term of the last compacted entry is kept
// (the consistency check of §5.3 needs it: §7's lastIncludedTerm).
func (l *raftLog) term(i uint64) uint64 {
	if i == l.offset {
		return l.offsetTerm
	}
	if i < l.offset || i > l.lastIndex() {
		return 0
	}
	return l.at(i).Term
}

func (l *raftLog) entry(i uint64) (Entry, bool) {
	if i <= l.offset || i > l.lastIndex() {
		return Entry{}, false
	}
	return *l.at(i), true
}

// slice returns entries lo..hi inclusive, or a prefix of them that ends at a
// chunk boundary. It shares the chunk's array: entries are immutable and
// truncate never lets an append write into a shared array. Its capacity
// runs on over the array's slots after hi, which hold, once written, the
// entries that follow hi: a follower that gets the next entries in the
// same array extends its chunk over them instead of copying (appendAll).
func (l *raftLog) slice(lo, hi uint64) []Entry {
	if lo > hi {
		return nil
	}
	k := lo - l.base - 1
	c, from := k/chunkSize, k%chunkSize
	to := min(from+(hi-lo)+1, uint64(len(l.chunks[c])))
	return l.chunks[c][from:to]
}

// sliceAll returns entries lo..hi inclusive as one slice, copying only when
// they span chunks. A stretch of one chunk is slice's, capacity included:
// the slots after it hold, once written, the entries that follow, so a
// Ready's caller can tell that one Ready's entries continue the last's in
// one array (the simulator's disk keeps such stretches as one segment, not
// one per Ready).
func (l *raftLog) sliceAll(lo, hi uint64) []Entry {
	s := l.slice(lo, hi)
	if uint64(len(s)) == hi-lo+1 || lo > hi {
		return s
	}
	out := make([]Entry, 0, hi-lo+1)
	for lo <= hi {
		s = l.slice(lo, hi)
		out = append(out, s...)
		lo += uint64(len(s))
	}
	return out
}

// append adds e at lastIndex+1 and marks it for persisting. The caller has
// checked that e.Index is lastIndex+1 (see Node.violation).
func (l *raftLog) append(e Entry) {
	if len(l.chunks) == 0 || len(l.chunks[len(l.chunks)-1]) == chunkSize {
		c := chunkSize
		if len(l.chunks) == 0 {
			c = firstChunkCap
		}
		l.chunks = append(l.chunks, make([]Entry, 0, c))
		l.borrowed = false
	}
	last := &l.chunks[len(l.chunks)-1]
	if len(*last) == cap(*last) || l.borrowed {
		// The first chunk (or one cut by truncate) is full: double it,
		// not by append, which grows a slice this long by a quarter
		// at a time and so copies the chunk's entries about twice as
		// often on its way to chunkSize. A borrowed chunk is copied
		// into an array of the log's own: its capacity is another's.
		grown := make([]Entry, len(*last), min(chunkSize, max(firstChunkCap, 2*len(*last), cap(*last))))
		copy(grown, *last)
		*last, l.borrowed = grown, false
	}
	*last = append(*last, e)
	l.n++
	l.markUnstable(e.Index)
}

// appendAll adds es, the entries of an AppendEntries, at lastIndex+1 (the
// caller has checked that they follow it) and marks them for persisting.
// It borrows them where it can: es is a stretch of the leader's log, never
// written again, so a chunk may be es itself, and a borrowed chunk that es
// continues in the same array grows over it. Anything else is copied, as
// append does. Either way the log holds the same entries at the same
// chunks, so what it sends and hands out is the same.
func (l *raftLog) appendAll(es []Entry) {
	if len(es) > 0 {
		l.markUnstable(es[0].Index)
	}
	for len(es) > 0 {
		if len(l.chunks) == 0 || len(l.chunks[len(l.chunks)-1]) == chunkSize {
			k := min(chunkSize, len(es))
			l.chunks = append(l.chunks, es[:k])
			l.borrowed = true
			l.n += uint64(k)
			es = es[k:]
			continue
		}
		last := &l.chunks[len(l.chunks)-1]
		if k := min(chunkSize-len(*last), len(es)); l.borrowed && continues(*last, es[:k]) {
			*last = (*last)[:len(*last)+k]
			l.n += uint64(k)
			es = es[k:]
			continue
		}
		l.append(es[0])
		es = es[1:]
	}
}

// continues reports whether b lies in the array of a right after a's
// entries, so that a[:len(a)+len(b)] holds exactly a's entries and b's.
func continues(a, b []Entry) bool {
	return len(b) <= cap(a)-len(a) && &a[:len(a)+1][len(a)] == &b[0]
}

// truncate drops every entry from index i on (§5.3: a conflicting entry and
// all that follow it). The chunk's capacity is cut too, so that the next
// append copies into a new array instead of overwriting entries that a
// message in flight or a Ready may still share.
func (l *raftLog) truncate(i uint64) {
	k := i - l.base - 1
	c, from := k/chunkSize, k%chunkSize
	clear(l.chunks[c+1:])
	if from == 0 {
		l.chunks = l.chunks[:c]
	} else {
		l.chunks[c] = l.chunks[c][:from:from]
		l.chunks = l.chunks[:c+1]
	}
	l.n = k
	l.markUnstable(i)
}

// all returns a copy of every entry held.
func (l *raftLog) all() []Entry {
	if l.offset >= l.lastIndex() {
		return []Entry{}
	}
	return append([]Entry(nil), l.sliceAll(l.offset+1, l.lastIndex())...)
}

// compact drops the entries up to index i, which must be held (§7: they
// are in a snapshot). Only whole chunks are freed; the entries of the
// first chunk before i stay in its array, which a message may still share.
func (l *raftLog) compact(i uint64) {
	if i <= l.offset || i > l.lastIndex() {
		return
	}
	l.offsetTerm = l.term(i)
	l.offset = i
	for len(l.chunks) > 1 && l.base+chunkSize <= l.offset {
		l.chunks[0] = nil
		l.chunks = l.chunks[1:]
		l.base += chunkSize
		l.n -= chunkSize
	}
	if len(l.chunks) == 1 && l.base+uint64(len(l.chunks[0])) <= l.offset {
		// The only chunk is wholly compacted: start afresh after it.
		l.chunks, l.base, l.n = nil, l.offset, 0
	}
	if l.unstable != 0 && l.unstable <= l.offset {
		l.unstable = l.offset + 1
	}
}

// reset empties the log: it begins after (index, term), the last entry of
// a snapshot (§7, Figure 13 rule 7: the whole log is discarded). The disk
// is told to drop everything after index too.
func (l *raftLog) reset(index, term uint64) {
	*l = raftLog{base: index, offset: index, offsetTerm: term, unstable: index + 1}
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
