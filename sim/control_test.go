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

// Removing any event keeps the queue ordered: what is left pops in time
// order, exactly the events that were not removed.
func TestEventQueueRemoveKeepsOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 200; round++ {
		var q eventQueue
		n := 1 + r.IntN(60)
		for i := 0; i < n; i++ {
			q.push(event{at: time.Duration(r.IntN(20))})
		}
		var want []event
		for e := range q.all {
			want = append(want, *e)
		}
		require.Len(t, want, n)
		for k := r.IntN(n); k > 0 && q.Len() > 0; k-- {
			seq := want[r.IntN(len(want))].seq
			e, ok := q.removeSeq(seq)
			require.True(t, ok)
			require.Equal(t, seq, e.seq)
			want = slices.DeleteFunc(want, func(x event) bool { return x.seq == e.seq })
		}
		slices.SortFunc(want, func(a, b event) int {
			if a.before(&b) {
				return -1
			}
			return 1
		})
		var got []event
		for q.Len() > 0 {
			got = append(got, q.pop())
		}
		require.Equal(t, want, got, "round %d", round)
	}
}

// A cluster played by hand: no clock runs; an election timer is fired,
// its vote requests delivered one by one, the rest dropped.
// The election is Figure 2's (classic): one round of RequestVote, no
// pre-vote before it.
func TestPlayElectionByHand(t *testing.T) {
	s := New(Options{Seed: 5, NoPreVote: true, NoCheckQuorum: true})
	require.NoError(t, s.StartServers(3, ServerOptions{}))
	require.Empty(t, s.InFlight())
	require.Len(t, s.Timers(), 3)

	hb, err := s.FireTimer(2)
	require.NoError(t, err)
	assert.False(t, hb)
	fl := s.InFlight()
	require.Len(t, fl, 2, "a vote request to each other server")
	for _, f := range fl {
		assert.Equal(t, raft.MsgVote, f.Msg.Type)
		assert.Greater(t, f.Due, s.Now(), "due after the latency")
	}
	m, lost, err := s.DeliverNow(fl[0].ID)
	require.NoError(t, err)
	assert.Empty(t, lost)
	assert.Equal(t, fl[0].Msg.To, m.To)
	dropped, err := s.DropNow(fl[1].ID)
	require.NoError(t, err)
	assert.Equal(t, fl[1].Msg.To, dropped.To)
	_, _, err = s.DeliverNow(fl[1].ID)
	assert.ErrorIs(t, err, ErrNoSuchMessage, "a dropped message is gone")

	// The one vote arrives back: with its own, the candidate has two of three.
	fl = s.InFlight()
	require.Len(t, fl, 1)
	assert.Equal(t, raft.MsgVoteResp, fl[0].Msg.Type)
	_, _, err = s.DeliverNow(fl[0].ID)
	require.NoError(t, err)
	in, _ := s.Info(2)
	assert.Equal(t, raft.Leader, in.Role)
	assert.Equal(t, time.Duration(0), s.Now(), "nothing moved the clock")

	hb, err = s.FireTimer(2)
	require.NoError(t, err)
	assert.True(t, hb, "a leader's timer is its heartbeat")
	require.NoError(t, s.Crash(1))
	_, err = s.FireTimer(1)
	assert.ErrorIs(t, err, ErrServerDown)
	for _, f := range s.InFlight() {
		if f.Msg.To == 1 {
			_, lost, err := s.DeliverNow(f.ID)
			require.NoError(t, err)
			assert.Equal(t, "down", lost)
		}
	}
	requireSafe(t, s)
}

// The horizon stops every wait at its time, with the clock there.
func TestHorizonStopsWaits(t *testing.T) {
	s := New(Options{Seed: 1})
	require.NoError(t, s.StartServers(3, ServerOptions{}))
	s.SetHorizon(100 * time.Millisecond)
	s.Run(time.Second)
	assert.Equal(t, 100*time.Millisecond, s.Now())
	_, ok := s.LeaderID(true)
	assert.False(t, ok, "no election timeout is below 150ms")
	assert.Equal(t, 100*time.Millisecond, s.Now())
	assert.Zero(t, s.Step(100))
	s.SetHorizon(NoHorizon)
	l, ok := s.LeaderID(true)
	require.True(t, ok)

	// A request stopped at the horizon goes on by itself; the next one
	// gets a client of its own, and both are answered.
	s.SetHorizon(s.Now() + time.Millisecond)
	r, err := s.ClientRequest(l, set("a", "1"))
	require.NoError(t, err)
	assert.Empty(t, r.Status, "stopped before the answer")
	s.SetHorizon(NoHorizon)
	r, err = s.ClientRequest(l, set("b", "2"))
	require.NoError(t, err)
	assert.Equal(t, raft.StatusSuccess, r.Status)
	require.True(t, s.RunUntil(UntilCond{Kind: "idle"}, time.Second))
	h := s.History()
	require.Len(t, h, 2)
	assert.NotEqual(t, h[0].Client, h[1].Client)
	assert.True(t, h[0].Done && h[1].Done)
	requireSafe(t, s)
}

// Stopping a run at the horizon and going on gives the same run as not
// stopping: the horizon only pauses.
func TestHorizonOnlyPauses(t *testing.T) {
	a := New(Options{Seed: 9})
	b := New(Options{Seed: 9})
	var ta, tb []string
	a.OnEvent(func(e TraceEvent) { ta = append(ta, formatEvent(e)) })
	b.OnEvent(func(e TraceEvent) { tb = append(tb, formatEvent(e)) })
	for _, s := range []*Sim{a, b} {
		require.NoError(t, s.StartServers(3, ServerOptions{}))
	}
	a.Run(2 * time.Second)
	for _, stop := range []time.Duration{123 * time.Millisecond, 700 * time.Millisecond, 1500 * time.Millisecond} {
		b.SetHorizon(stop)
		b.Run(2 * time.Second)
		require.Equal(t, stop, b.Now())
	}
	b.SetHorizon(NoHorizon)
	b.Run(2*time.Second - b.Now())
	assert.Equal(t, ta, tb)
}
