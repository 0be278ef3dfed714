package raft

import (
	"testing"

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
