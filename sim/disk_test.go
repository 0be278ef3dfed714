package sim

import (
	"math/rand/v2"
	"slices"
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

// TestDiskLogMatchesASlice plays random appends (of runs of one entry to
// a few hundred), truncations and snapshots on a disk and on a plain
// slice, and checks after each that the disk holds the same log: the
// segments it keeps, cut by truncate and by snapshots in the middle of a
// segment or of a block, read back as the entries appended, and what was
// handed to it is never written to.
func TestDiskLogMatchesASlice(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	d := newDisk(raft.Storage{})
	var want []raft.Entry // entries snap+1 .. len
	snap, term := uint64(0), uint64(1)
	var handed [][]raft.Entry // what was appended, and copies to compare
	var copies [][]raft.Entry
	for step := range 5000 {
		last := snap + uint64(len(want))
		switch x := rnd.IntN(20); {
		case x == 0 && len(want) > 0:
			i := snap + 1 + rnd.Uint64N(uint64(len(want)))
			require.True(t, d.truncate(i))
			want = want[:i-snap-1]
			term++
		case x == 1 && len(want) > 0:
			i := snap + 1 + rnd.Uint64N(uint64(len(want)))
			d.installSnapshot(&raft.Snapshot{SnapshotMeta: raft.SnapshotMeta{Index: i}}, 0)
			want = want[i-snap:]
			snap = i
		default:
			n := 1 + rnd.IntN(4)
			if rnd.IntN(10) == 0 {
				n = 1 + rnd.IntN(300)
			}
			es := make([]raft.Entry, n)
			for k := range es {
				es[k] = raft.Entry{Index: last + 1 + uint64(k), Term: term, Cmd: &raft.Command{Key: "k", Seq: uint64(step)}}
			}
			d.append(es[:n:n])
			handed, copies = append(handed, es), append(copies, slices.Clone(es))
			want = append(want, es...)
		}
		require.Equal(t, snap+uint64(len(want)), d.len(), "step %d", step)
		require.Equal(t, snap+1, d.first())
		if step%50 == 0 || len(want) < 20 {
			require.Equal(t, append([]raft.Entry{}, want...), d.log(), "step %d", step)
		}
		for range 3 {
			if len(want) > 0 {
				i := rnd.IntN(len(want))
				require.Equal(t, want[i], *d.entry(snap + 1 + uint64(i)), "step %d entry %d", step, snap+1+uint64(i))
			}
		}
	}
	for i := range handed {
		require.Equal(t, copies[i], handed[i], "the disk wrote into what it was handed")
	}
}

// Stretches of one array handed over one after another, as a node hands
// over its log a Ready at a time, are kept as one segment; a stretch of
// another array, or one that follows entries truncated away, starts a new
// one. The log reads back the same either way.
func TestDiskJoinsConsecutiveStretches(t *testing.T) {
	segs := func(d *disk) int {
		n := 0
		for _, blk := range d.blocks {
			n += len(blk)
		}
		return n
	}
	arr := make([]raft.Entry, 100)
	for i := range arr {
		arr[i] = raft.Entry{Index: uint64(i + 1), Term: 1}
	}
	d := newDisk(raft.Storage{})
	for i := 0; i < 50; i += 5 {
		d.append(arr[i : i+5]) // with the array's capacity after them, as a node's Ready
	}
	assert.Equal(t, 1, segs(d))
	assert.Equal(t, arr[:50], d.log())

	other := []raft.Entry{{Index: 51, Term: 2}}
	d.append(other)
	assert.Equal(t, 2, segs(d))

	require.True(t, d.truncate(31))
	d.append(arr[30:40])
	assert.Equal(t, 2, segs(d), "a stretch after a truncation starts a segment of its own")
	assert.Equal(t, arr[:40], d.log())

	d.installSnapshot(&raft.Snapshot{SnapshotMeta: raft.SnapshotMeta{Index: 10}}, 0)
	d.append(arr[40:45])
	assert.Equal(t, 2, segs(d))
	assert.Equal(t, arr[10:45], d.log())
}
