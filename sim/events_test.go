package sim

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

func TestEventQueuePopsInTimeOrder(t *testing.T) {
	var q eventQueue
	r := rand.New(rand.NewPCG(1, 2))
	var want []time.Duration
	for range 1000 {
		at := time.Duration(r.Int64N(100))
		want = append(want, at)
		q.push(event{at: at})
	}
	slices.Sort(want)
	var got []time.Duration
	for q.Len() > 0 {
		got = append(got, q.pop().at)
	}
	assert.Equal(t, want, got)
}

func TestEventQueueEqualTimesPopInPushOrder(t *testing.T) {
	var q eventQueue
	// Interleave two instants so that sifting has to move equal keys past
	// each other.
	for i := range 200 {
		q.push(event{at: time.Duration(i % 2), aux: uint64(i)})
	}
	var evens, odds []uint64
	for q.Len() > 0 {
		e := q.pop()
		if e.at == 0 {
			require.Empty(t, odds, "an event at t=0 came after one at t=1")
			evens = append(evens, e.aux)
		} else {
			odds = append(odds, e.aux)
		}
	}
	assert.True(t, slices.IsSorted(evens), "events at the same time must pop in the order pushed: %v", evens)
	assert.True(t, slices.IsSorted(odds), "events at the same time must pop in the order pushed: %v", odds)
	assert.Len(t, evens, 100)
	assert.Len(t, odds, 100)
}

// TestEventQueueMatchesASortedList plays random pushes, peeks, pops and
// removals, with times now and then before the last one taken out (the
// queue spreads its buckets again), against a list kept sorted by (at,
// seq): every event must come out exactly as from the list. The queue
// fills up to 300 events and drains again and again, so that it changes
// form (sortedMax, sortedMin) both ways many times.
func TestEventQueueMatchesASortedList(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var q eventQueue
	var ref []event
	seq := uint64(0)
	now := time.Duration(1 << 40)
	forms := 0
	for step := range 100000 {
		pushes := 5 // of 10: the queue fills
		if step/2000%2 == 1 {
			pushes = 2 // it drains
		}
		big := q.big
		switch k := r.IntN(10); {
		case (k < pushes || len(ref) == 0) && len(ref) < 300:
			at := now + time.Duration(r.Int64N(1<<uint(r.IntN(40))))
			if r.IntN(50) == 0 {
				at = now - time.Duration(r.Int64N(1<<30)) // behind the clock
			}
			q.push(event{at: at, aux: uint64(step)})
			seq++
			// After every event at the same time or earlier: pushed last.
			i, _ := slices.BinarySearchFunc(ref, at, func(e event, at time.Duration) int {
				return cmp.Or(cmp.Compare(e.at, at), -1)
			})
			ref = slices.Insert(ref, i, event{at: at, aux: uint64(step), seq: seq})
		case k < 6:
			require.Equal(t, ref[0], *q.peek(), "step %d", step)
		case k < 7:
			i := r.IntN(len(ref))
			e, ok := q.removeSeq(ref[i].seq)
			require.True(t, ok)
			require.Equal(t, ref[i], e, "step %d", step)
			ref = slices.Delete(ref, i, i+1)
		case k < 8:
			// popUntil takes the earliest only if it is due by end.
			end := now + time.Duration(r.Int64N(1<<uint(r.IntN(40))))
			e, ok := q.popUntil(end)
			if len(ref) == 0 || ref[0].at > end {
				require.False(t, ok, "step %d", step)
				break
			}
			require.True(t, ok, "step %d", step)
			require.Equal(t, ref[0], e, "step %d", step)
			ref = ref[1:]
			now = e.at
		default:
			e := q.pop()
			require.Equal(t, ref[0], e, "step %d", step)
			ref = ref[1:]
			now = e.at
		}
		require.Equal(t, len(ref), q.Len())
		if q.big != big {
			forms++
		}
	}
	assert.Greater(t, forms, 40, "changes of form")
}

func TestEventQueueInterleavedPushPop(t *testing.T) {
	var q eventQueue
	r := rand.New(rand.NewPCG(3, 4))
	now := time.Duration(0)
	for range 10000 {
		if q.Len() == 0 || r.IntN(3) > 0 {
			q.push(event{at: now + time.Duration(r.Int64N(50))})
			continue
		}
		e := q.pop()
		require.GreaterOrEqual(t, e.at, now, "time went backwards")
		now = e.at
	}
}

func TestMsgPoolReusesSlots(t *testing.T) {
	var p msgPool
	a := p.put(&raft.Message{Term: 1}, recRef{})
	b := p.put(&raft.Message{Term: 2}, recRef{})
	assert.Equal(t, uint64(1), p.get(a).Term)
	p.free(a)
	c := p.put(&raft.Message{Term: 3}, recRef{})
	assert.Equal(t, a, c, "a freed slot is reused")
	assert.Equal(t, uint64(2), p.get(b).Term)
	assert.Equal(t, uint64(3), p.get(c).Term)
	assert.Len(t, p.msgs, 2)
}
