package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// A disk log starts with a small first chunk and grows it: appends of any
// size across the chunk boundaries keep every entry in place, and truncate
// and log see them all.
func TestDiskLogGrowsAcrossChunks(t *testing.T) {
	d := newDisk(raft.Storage{})
	var want []raft.Entry
	next := uint64(1)
	for _, batch := range []int{1, 3, 7, 1, 20, 100, 900, 1, 1500, 5} {
		es := make([]raft.Entry, batch)
		for i := range es {
			es[i] = raft.Entry{Index: next, Term: next % 7}
			next++
		}
		d.append(es)
		want = append(want, es...)
		require.Equal(t, uint64(len(want)), d.len())
	}
	assert.Equal(t, want, d.log())
	for _, i := range []uint64{1, 8, 9, 1024, 1025, 2048, 2538} {
		assert.Equal(t, want[i-1], *d.entry(i), "entry %d", i)
	}
	assert.True(t, d.truncate(1000))
	d.append([]raft.Entry{{Index: 1000, Term: 99}})
	assert.Equal(t, append(want[:999:999], raft.Entry{Index: 1000, Term: 99}), d.log())
}
