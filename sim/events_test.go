package sim

import (
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
	a := p.put(&raft.Message{Term: 1}, 0)
	b := p.put(&raft.Message{Term: 2}, 0)
	assert.Equal(t, uint64(1), p.get(a).Term)
	p.free(a)
	c := p.put(&raft.Message{Term: 3}, 0)
	assert.Equal(t, a, c, "a freed slot is reused")
	assert.Equal(t, uint64(2), p.get(b).Term)
	assert.Equal(t, uint64(3), p.get(c).Term)
	assert.Len(t, p.msgs, 2)
}
