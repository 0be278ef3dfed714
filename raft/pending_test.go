package raft

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPendingQueueMatchesAMap plays random puts (mostly past the end, as a
// leader appends, sometimes anywhere), gets, takes (mostly the front, as a
// leader applies) and resets against a map, and compares every answer and
// the order all yields.
func TestPendingQueueMatchesAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var q pendingQueue
	m := map[uint64]pendingReply{}
	next, front := uint64(1), uint64(1)
	for step := range 200000 {
		switch k := r.IntN(100); {
		case k < 45:
			idx := next
			if r.IntN(10) == 0 {
				idx = front + r.Uint64N(next-front+1)
			} else {
				next++
			}
			p := pendingReply{to: NodeID(step), term: uint64(step)}
			q.put(idx, p)
			m[idx] = p
		case k < 90:
			idx := front
			if r.IntN(10) == 0 {
				idx = front + r.Uint64N(next-front+1)
			} else if front < next {
				front++
			}
			got, ok := q.take(idx)
			want, wok := m[idx]
			delete(m, idx)
			require.Equal(t, wok, ok, "step %d take %d", step, idx)
			require.Equal(t, want, got, "step %d take %d", step, idx)
		case k < 99:
			idx := front + r.Uint64N(next-front+1)
			got, ok := q.get(idx)
			want, wok := m[idx]
			require.Equal(t, wok, ok, "step %d get %d", step, idx)
			if ok {
				require.Equal(t, want, *got, "step %d get %d", step, idx)
			}
		default:
			if r.IntN(20) == 0 {
				q.reset()
				clear(m)
			}
		}
		require.Equal(t, len(m), q.len(), "step %d", step)
	}
	keys := make([]uint64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	all := q.all()
	require.Len(t, all, len(keys))
	for i, it := range all {
		require.Equal(t, keys[i], it.idx)
		require.Equal(t, m[it.idx], it.p)
	}
}
