package sim

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// runLoad starts a load on a fresh 3-server cluster and runs until it is
// over and answered.
func runLoad(t *testing.T, seed uint64, o LoadOptions) (*Sim, LoadStatus) {
	t.Helper()
	s, _ := newCluster(t, seed, 3)
	st, err := s.StartLoad(o)
	require.NoError(t, err)
	s.Run(st.Duration)
	ok, why := s.WaitQuiet(5 * time.Second)
	require.True(t, ok, why)
	st, _ = s.Load()
	return s, st
}

func TestLoadDefaultsRateAndDuration(t *testing.T) {
	s, st := runLoad(t, 1, LoadOptions{})
	assert.Equal(t, LoadOptions{Clients: 3, Rate: 50, Keys: 3, Duration: 5 * time.Second, Mix: [3]int{1, 1, 1}}, st.LoadOptions)
	assert.False(t, st.Running)
	// 50/s for 5s: 250 asked. A client waits for its answer (~30-40ms)
	// before the next start, so a little less comes out.
	assert.InDelta(t, 250, st.Issued, 40, "operations started")
	assert.Equal(t, st.Issued, st.Answered)
	h := s.History()
	require.Len(t, h, st.Issued)
	counts := map[string]int{}
	written := map[raft.Value]bool{}
	for _, op := range h {
		assert.GreaterOrEqual(t, op.Call, st.Start)
		assert.Less(t, op.Call, st.End, "no operation starts after the load's end")
		assert.True(t, op.Done)
		assert.Equal(t, raft.StatusSuccess, op.Status)
		assert.Contains(t, []string{"k0", "k1", "k2"}, op.Key)
		assert.Contains(t, st.Clients, op.Client)
		assert.False(t, op.Shell)
		name := op.Op.String()
		if op.ReadOnly {
			name += " ro"
		}
		counts[name]++
		if op.Op == raft.OpSet || op.Op == raft.OpCAS {
			assert.False(t, written[op.Value], "value %s written twice", op.Value)
			written[op.Value] = true
		}
	}
	// mix 1:1:1, gets split between ro and the log.
	assert.InDelta(t, st.Issued/3, counts["set"], float64(st.Issued)/8, "sets: %v", counts)
	assert.InDelta(t, st.Issued/3, counts["cas"], float64(st.Issued)/8, "cas: %v", counts)
	assert.InDelta(t, st.Issued/6, counts["get"], float64(st.Issued)/10, "log gets: %v", counts)
	assert.InDelta(t, st.Issued/6, counts["get ro"], float64(st.Issued)/10, "ro gets: %v", counts)
}

func TestLoadRateScales(t *testing.T) {
	// 20 clients, each with 100ms between its starts: a client waits for
	// its answer (~40-50ms under this load) before its next start, so the
	// rate, not the latency, decides how many start.
	_, st := runLoad(t, 3, LoadOptions{Clients: 20, Rate: 200, Duration: 10 * time.Second, Keys: 5, Mix: [3]int{1, 0, 0}})
	assert.InDelta(t, 2000, st.Issued, 300)
	s, st := runLoad(t, 3, LoadOptions{Clients: 1, Rate: 5, Duration: 20 * time.Second, Mix: [3]int{0, 1, 0}})
	assert.InDelta(t, 100, st.Issued, 30)
	for _, op := range s.History() {
		assert.Equal(t, raft.OpGet, op.Op)
	}
}

func TestLoadIsDeterministic(t *testing.T) {
	a, _ := runLoad(t, 7, LoadOptions{Clients: 4})
	b, _ := runLoad(t, 7, LoadOptions{Clients: 4})
	assert.Equal(t, a.History(), b.History())

	// A trace listener does not change what the load does.
	s, _ := newCluster(t, 7, 3)
	var n int
	s.OnEvent(func(TraceEvent) { n++ })
	_, err := s.StartLoad(LoadOptions{Clients: 4})
	require.NoError(t, err)
	s.Run(5 * time.Second)
	s.WaitQuiet(5 * time.Second)
	assert.Equal(t, a.History(), s.History())
	assert.Positive(t, n)

	c, _ := runLoad(t, 8, LoadOptions{Clients: 4})
	assert.NotEqual(t, a.History(), c.History())
}

func TestHistoryOrderPerClient(t *testing.T) {
	s, _ := runLoad(t, 2, LoadOptions{Clients: 5, Rate: 150})
	h := s.History()
	last := map[raft.NodeID]HistoryOp{}
	for i, op := range h {
		assert.LessOrEqual(t, op.Call, op.Return, "op %d returns before its call", i)
		if i > 0 {
			assert.LessOrEqual(t, h[i-1].Call, op.Call, "history is in call order")
		}
		if prev, ok := last[op.Client]; ok {
			assert.LessOrEqual(t, prev.Return, op.Call, "a client has one operation at a time")
			assert.Equal(t, prev.Seq+1, op.Seq, "sequence numbers follow each other")
		}
		last[op.Client] = op
	}
	assert.Len(t, last, 5)
}

func TestHistoryRecordsShellRequests(t *testing.T) {
	s, l := newCluster(t, 1, 3)
	t0 := s.Now()
	_, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	_, err = s.ClientRequest(raft.None, raft.Command{Op: raft.OpGet, Key: "a", ReadOnly: true})
	require.NoError(t, err)
	follower := (l + 1) % 3
	r, err := s.ClientRequest(follower, raft.Command{Op: raft.OpDel, Key: "a"})
	require.NoError(t, err)
	require.Equal(t, raft.StatusNotLeader, r.Status)
	_, err = s.AddServer(3, ServerOptions{})
	require.NoError(t, err)

	h := s.History()
	require.Len(t, h, 3, "membership requests are not recorded")
	assert.Equal(t, HistoryOp{Client: h[0].Client, Seq: 1, Op: raft.OpSet, Key: "a", Value: "1", Call: t0, Return: h[0].Return,
		Done: true, Status: raft.StatusSuccess, Result: "1", Shell: true}, h[0])
	assert.Greater(t, h[0].Return, h[0].Call)
	assert.True(t, h[1].ReadOnly)
	assert.Equal(t, raft.Value("1"), h[1].Result)
	assert.Equal(t, raft.StatusNotLeader, h[2].Status)
	assert.Zero(t, s.PendingOps())

	ops := CheckOperations(h)
	require.Len(t, ops, 3)
	assert.True(t, ops[0].Completed)
	assert.False(t, ops[2].Completed, "NOT_LEADER says nothing about whether a write happened")
	r2, err := s.Linearizable()
	require.NoError(t, err)
	assert.Equal(t, "linearizable (3 operations on 1 key, 1 without a reply)", r2.String())
}

func TestBenchClientsAreNotRecorded(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	c := s.newClient()
	c.bench = true
	s.bench = &benchRun{total: 1, keys: []string{"k"}, vals: []raft.Value{"1"}}
	s.benchNext(c)
	s.Run(time.Second)
	assert.Empty(t, s.History())
}

func TestLoadRetriesUntilAnswered(t *testing.T) {
	s, l := newCluster(t, 4, 3)
	st, err := s.StartLoad(LoadOptions{Duration: 2 * time.Second})
	require.NoError(t, err)
	s.Run(500 * time.Millisecond)
	// Take the majority away: nothing can be answered.
	others := []raft.NodeID{(l + 1) % 3, (l + 2) % 3}
	for _, id := range others {
		require.NoError(t, s.Crash(id))
	}
	s.Run(3 * time.Second)
	assert.Positive(t, s.PendingOps())
	ok, why := s.WaitQuiet(time.Second)
	assert.False(t, ok)
	assert.Contains(t, why, "no leader within 1s")
	// Every client is stuck on its one operation, retried under one seq.
	st, _ = s.Load()
	assert.Equal(t, st.Issued-st.Answered, s.PendingOps())
	assert.LessOrEqual(t, s.PendingOps(), 3)
	assert.Positive(t, st.Resends)

	for _, id := range others {
		require.NoError(t, s.Restart(id))
	}
	ok, why = s.WaitQuiet(10 * time.Second)
	require.True(t, ok, why)
	assert.Zero(t, s.PendingOps())
	st, _ = s.Load()
	assert.Equal(t, st.Issued, st.Answered)
	r, err := s.Linearizable()
	require.NoError(t, err)
	assert.Equal(t, "linearizable", r.Verdict.String(), r.String())
	requireSafe(t, s)
}

func TestWaitQuietNamesTheOldestPendingOperation(t *testing.T) {
	s, l := newCluster(t, 4, 3)
	_, err := s.StartLoad(LoadOptions{Duration: time.Second})
	require.NoError(t, err)
	s.Run(200 * time.Millisecond)
	require.NoError(t, s.Partition([][]raft.NodeID{{l}, {(l + 1) % 3}, {(l + 2) % 3}}))
	s.Run(2 * time.Second)
	ok, why := s.WaitQuiet(500 * time.Millisecond)
	require.False(t, ok)
	assert.Regexp(t, `^(no leader within 500ms|\d client operation\(s\) still without an answer 500ms after t=.*; the oldest: client 10\d\d (get|set|cas) k\d \(seq \d+\) called at t=.*)`, why)
}

func TestLoadErrors(t *testing.T) {
	s := New(Options{})
	_, err := s.StartLoad(LoadOptions{})
	assert.ErrorIs(t, err, ErrNotStarted)
	require.NoError(t, s.StartServers(3, ServerOptions{}))
	for _, o := range []LoadOptions{{Clients: -1}, {Clients: 5000}, {Rate: -3}, {Keys: -1}, {Duration: -time.Second}, {Mix: [3]int{-1, 1, 1}}, {Duration: 48 * time.Hour}} {
		_, err := s.StartLoad(o)
		assert.True(t, errors.Is(err, ErrBadOption), "%+v: %v", o, err)
	}
	_, ok := s.Load()
	assert.False(t, ok)
	_, ok = s.StopLoad()
	assert.False(t, ok)

	_, err = s.StartLoad(LoadOptions{Duration: 10 * time.Second})
	require.NoError(t, err)
	s.Run(time.Second)
	_, err = s.StartLoad(LoadOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a load is already running until t=")
	st, ok := s.StopLoad()
	require.True(t, ok)
	assert.False(t, st.Running)
	issued := st.Issued
	s.Run(2 * time.Second)
	st, _ = s.Load()
	assert.Equal(t, issued, st.Issued, "no operation starts after load stop")
	assert.Equal(t, st.Issued, st.Answered)
	_, err = s.StartLoad(LoadOptions{Clients: 1, Duration: time.Second})
	require.NoError(t, err, "a new load may start once the last one stopped")
}

// TestOpenLoopKeepsItsRate: operations arrive at the rate whatever the
// answers. Through an outage a closed loop stalls (each client waits for
// its answer) while the open loop keeps arriving, fills every client, and
// drops and counts what finds them all busy; once the cluster is back
// every operation started is answered, and the history is linearizable.
func TestOpenLoopKeepsItsRate(t *testing.T) {
	outage := func(open bool) (*Sim, LoadStatus) {
		s, l := newCluster(t, 4, 3)
		_, err := s.StartLoad(LoadOptions{Rate: 200, Clients: 10, Duration: 4 * time.Second, Open: open})
		require.NoError(t, err)
		s.Run(time.Second)
		others := []raft.NodeID{(l + 1) % 3, (l + 2) % 3}
		for _, id := range others {
			require.NoError(t, s.Crash(id))
		}
		s.Run(2 * time.Second)
		st, _ := s.Load()
		assert.LessOrEqual(t, st.Issued-st.Answered, 10, "at most one operation per client in flight")
		for _, id := range others {
			require.NoError(t, s.Restart(id))
		}
		s.Run(time.Second)
		ok, why := s.WaitQuiet(10 * time.Second)
		require.True(t, ok, why)
		st, _ = s.Load()
		assert.Equal(t, st.Issued, st.Answered)
		for _, op := range s.History() {
			require.True(t, op.Done, "an operation left behind: %+v", op)
		}
		r, err := s.Linearizable()
		require.NoError(t, err)
		assert.Equal(t, "linearizable", r.Verdict.String(), r.String())
		requireSafe(t, s)
		return s, st
	}
	_, closed := outage(false)
	_, open := outage(true)
	asked := 200 * 4.0
	assert.True(t, open.Open)
	assert.Zero(t, closed.Dropped)
	assert.Positive(t, open.Dropped, "arrivals during the outage find every client busy")
	// Every arrival is started or dropped: the rate holds (Poisson, so
	// within a few standard deviations of 800).
	assert.InDelta(t, asked, open.Issued+open.Dropped, 4*28)
	assert.Less(t, float64(closed.Issued), 0.8*asked, "the closed loop stalled through the outage")
	assert.Len(t, open.Clients, 10, "clients are made as arrivals need them, up to the bound")
}

func TestOpenLoopMakesClientsAsNeeded(t *testing.T) {
	_, st := runLoad(t, 1, LoadOptions{Rate: 20, Duration: 2 * time.Second, Open: true})
	assert.Equal(t, DefaultOpenClients, st.LoadOptions.Clients)
	// 20/s against answers in ~40 ms: one or two in flight at a time.
	assert.Less(t, len(st.Clients), 6)
	assert.Zero(t, st.Dropped)
	assert.InDelta(t, 40, st.Issued, 4*6.3)
}
