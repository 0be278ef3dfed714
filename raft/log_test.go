package raft

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func filledLog(n uint64) *raftLog {
	l := &raftLog{}
	for i := uint64(1); i <= n; i++ {
		l.append(Entry{Index: i, Term: 1 + i/100})
	}
	return l
}

// The chunked log behaves like one flat slice across chunk boundaries.
func TestLogAcrossChunks(t *testing.T) {
	n := uint64(3*chunkSize + 17)
	l := filledLog(n)
	require.Equal(t, n, l.lastIndex())
	for _, i := range []uint64{1, chunkSize, chunkSize + 1, 2 * chunkSize, n} {
		e, ok := l.entry(i)
		require.True(t, ok)
		assert.Equal(t, i, e.Index)
	}
	_, ok := l.entry(n + 1)
	assert.False(t, ok)
	s := l.slice(chunkSize-1, chunkSize+5)
	assert.Len(t, s, 2, "slice stops at the chunk boundary")
	all := l.sliceAll(chunkSize-1, chunkSize+5)
	require.Len(t, all, 7)
	for k, e := range all {
		assert.Equal(t, uint64(chunkSize-1+k), e.Index)
	}
	assert.Len(t, l.all(), int(n))
	assert.Equal(t, uint64(1000), l.firstIndexOfTerm(1050), "term 11 starts at 1000, across a chunk boundary")
	assert.Equal(t, uint64(1099), l.lastIndexOfTerm(11))
}

// §5.3 truncation, at a chunk's start and in its middle, and the entries a
// message still holds are never overwritten by later appends.
func TestLogTruncateKeepsSharedEntries(t *testing.T) {
	for _, cut := range []uint64{chunkSize + 1, chunkSize + 10, 5} {
		l := filledLog(2*chunkSize + 3)
		held := l.slice(cut, cut+2)
		before := append([]Entry(nil), held...)
		l.truncate(cut)
		assert.Equal(t, cut-1, l.lastIndex())
		for i := cut; i < cut+2*chunkSize; i++ {
			l.append(Entry{Index: i, Term: 99})
		}
		assert.Equal(t, before, held, "cut at %d: a shared slice was overwritten", cut)
		e, _ := l.entry(cut)
		assert.Equal(t, uint64(99), e.Term)
		e, _ = l.entry(cut - 1)
		assert.NotEqual(t, uint64(99), e.Term)
		assert.Equal(t, cut+2*chunkSize-1, l.lastIndex())
	}
}

// The first chunk starts small and grows by copying: entries handed out
// before it grew stay as they were, and every entry is still found.
func TestLogFirstChunkGrows(t *testing.T) {
	l := filledLog(firstChunkCap)
	early := l.slice(1, firstChunkCap)
	require.Len(t, early, firstChunkCap)
	for i := uint64(firstChunkCap + 1); i <= chunkSize+3; i++ {
		l.append(Entry{Index: i, Term: 1})
	}
	for k, e := range early {
		assert.Equal(t, uint64(k+1), e.Index, "a slice taken before the growth")
	}
	for _, i := range []uint64{1, firstChunkCap, firstChunkCap + 1, chunkSize, chunkSize + 1, chunkSize + 3} {
		e, ok := l.entry(i)
		require.True(t, ok)
		assert.Equal(t, i, e.Index)
	}
}

// A follower fed a leader's log in AppendEntries of any size holds the
// leader's entries themselves, not copies, wherever the leader's arrays
// allow (every chunk after the first, which the leader grew by copying);
// an entry of its own, after it truncates or when it leads, goes to an
// array of its own, and neither log's later appends show in the other.
func TestLogBorrowsALeadersEntries(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	last := uint64(3*chunkSize + 5)
	leader := filledLog(last)
	follower := &raftLog{}
	for lo := uint64(1); lo <= last; {
		hi := min(last, lo+uint64(r.IntN(40)))
		es := leader.slice(lo, hi)
		if r.IntN(10) == 0 {
			es = leader.sliceAll(lo, hi) // a copy: nothing to borrow from
		}
		follower.appendAll(es)
		lo += uint64(len(es))
	}
	require.Equal(t, leader.all(), follower.all())
	require.Len(t, follower.chunks, len(leader.chunks))
	for c := 1; c < len(leader.chunks); c++ {
		assert.Same(t, &leader.chunks[c][0], &follower.chunks[c][0], "chunk %d is the leader's array", c)
		assert.Len(t, follower.chunks[c], len(leader.chunks[c]))
	}

	// The follower leads, and appends into the chunk it borrowed; the
	// old leader appends into its own array after the same entries.
	follower.append(Entry{Index: last + 1, Term: 9})
	leader.append(Entry{Index: last + 1, Term: 1})
	fe, _ := follower.entry(last + 1)
	le, _ := leader.entry(last + 1)
	assert.Equal(t, uint64(9), fe.Term)
	assert.Equal(t, uint64(1), le.Term)
	assert.Equal(t, leader.all()[:last], follower.all()[:last])

	// A follower that truncates a borrowed chunk and gets the entries
	// after the cut again copies them: its chunk's capacity was cut.
	f2 := &raftLog{base: chunkSize, offset: chunkSize, offsetTerm: 11} // as after a snapshot
	f2.appendAll(leader.slice(chunkSize+1, chunkSize+20))
	f2.truncate(chunkSize + 11)
	f2.appendAll(leader.slice(chunkSize+11, chunkSize+20))
	assert.Equal(t, leader.sliceAll(chunkSize+1, chunkSize+20), f2.all())
	assert.NotSame(t, &leader.chunks[1][0], &f2.chunks[0][0], "the chunk was copied after the cut")
}

// What a node hands out in Ready.Entries and in its AppendEntries is never
// written again, however its log changes afterwards: the simulator's disk
// keeps the Ready's segments instead of copying them, and the messages in
// flight share the leader's arrays. Leaders cut off with entries of their
// own (over a chunk boundary now and then) are overwritten by their
// successors (§5.3), logs cross chunk boundaries, are compacted (§7) and
// replaced by snapshots, and servers restart from their disks; every
// slice handed out must read at the end as its deep copy taken then.
func TestHandedOutEntriesAreNeverWrittenAgain(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		r := rand.New(rand.NewPCG(seed, 5))
		tn := newClassic(t, 3)
		tn.snapThreshold = []uint64{0, 0, 40, 300}[seed-1]
		type handed struct {
			what string
			es   []Entry
			was  []Entry
		}
		var all []handed
		keep := func(what string, es []Entry) {
			if len(es) > 0 {
				all = append(all, handed{what, es, deepCopy(Message{Entries: es}).Entries})
			}
		}
		truncated := 0
		tn.onReady = func(id NodeID, rd *Ready) {
			for _, e := range rd.Events {
				if e.Kind == EvTruncate {
					truncated++
				}
			}
			keep(fmt.Sprintf("server %d's Ready.Entries", id), rd.Entries)
			for i := range rd.Messages {
				keep(fmt.Sprintf("an AppendEntries %d->%d", id, rd.Messages[i].To), rd.Messages[i].Entries)
			}
		}
		for _, id := range []NodeID{0, 1, 2} {
			tn.start(id) // again, now that its Readys are watched
		}
		lead := NodeID(0)
		tn.elect(lead)
		for round := range 12 {
			// The leader, cut off from the others (not from the client),
			// appends entries nobody else gets.
			cut := func(id NodeID, on bool) {
				for other := range NodeID(3) {
					tn.cut[[2]NodeID{id, other}], tn.cut[[2]NodeID{other, id}] = on, on
				}
			}
			cut(lead, true)
			k := 1 + r.IntN(20)
			if r.IntN(4) == 0 {
				k = chunkSize - 10 + r.IntN(40)
			}
			for i := range k {
				tn.request(lead, set("k", Value(fmt.Sprint(round*10000+i))))
			}
			// Another is elected and commits entries of its own; the old
			// leader, back, truncates its suffix and takes the new one.
			next := (lead + 1 + NodeID(r.IntN(2))) % 3
			tn.elect(next)
			for i := range 1 + r.IntN(30) {
				tn.request(next, set("j", Value(fmt.Sprint(i))))
			}
			cut(lead, false)
			if r.IntN(3) == 0 {
				id := NodeID(r.IntN(3))
				tn.crash(id)
				tn.start(id)
			}
			tn.advance(200 * time.Millisecond)
			lead = None
			for id, n := range tn.nodes {
				if n.Role() == Leader {
					lead = id
				}
			}
			if lead == None {
				lead = next
				tn.elect(lead)
			}
		}
		require.GreaterOrEqual(t, truncated, 6, "seed %d: too few logs truncated to prove anything", seed)
		for _, h := range all {
			require.Equal(t, h.was, deepCopy(Message{Entries: h.es}).Entries, "seed %d: %s was written to after it was handed out", seed, h.what)
			// What a Ready's capacity runs over holds, if anything, the
			// entries that follow, in order: a caller that joins two
			// stretches of one array (the simulator's disk) joins
			// consecutive entries.
			for i, e := range h.es[:cap(h.es)] {
				if e.Index != 0 {
					require.Equal(t, h.es[0].Index+uint64(i), e.Index, "seed %d: %s: slot %d of its array", seed, h.what, i)
				}
			}
		}
	}
}
