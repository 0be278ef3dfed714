package sim

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

func TestErrorsBeforeStart(t *testing.T) {
	s := New(Options{})
	_, err := s.ClientRequest(raft.None, set("a", "1"))
	assert.ErrorIs(t, err, ErrNotStarted)
	_, err = s.AddServer(3, ServerOptions{})
	assert.ErrorIs(t, err, ErrNotStarted)
	_, err = s.RemoveServer(0)
	assert.ErrorIs(t, err, ErrNotStarted)
	assert.ErrorIs(t, s.Crash(0), ErrNoSuchServer)
	_, err = s.Info(0)
	assert.ErrorIs(t, err, ErrNoSuchServer)
	l, ok := s.LeaderID(true)
	assert.False(t, ok)
	assert.Equal(t, raft.None, l)
	assert.Zero(t, s.Now(), "nothing to wait for: the clock stays")
	assert.Zero(t, s.Step(10))
	assert.True(t, s.RunUntil(UntilCond{Kind: "idle"}, time.Second), "no events left counts as idle")
}

func TestErrorsNameTheOperation(t *testing.T) {
	s, l := newCluster(t, 1, 3)
	assert.ErrorIs(t, s.StartServers(3, ServerOptions{}), ErrAlreadyStarted)

	err := s.Crash(7)
	require.ErrorIs(t, err, ErrNoSuchServer)
	assert.Equal(t, "crash 7: no such server", err.Error())

	require.NoError(t, s.Crash(l))
	err = s.Crash(l)
	require.ErrorIs(t, err, ErrServerDown)
	assert.Contains(t, err.Error(), "crash ")

	err = s.Restart((l + 1) % 3)
	require.ErrorIs(t, err, ErrServerUp)
	assert.Contains(t, err.Error(), "restart ")
	assert.ErrorIs(t, s.Restart(-1), ErrNoSuchServer)

	_, err = s.ClientRequest(9, set("a", "1"))
	assert.ErrorIs(t, err, ErrNoSuchServer)
	_, err = s.ClientRequest(raft.None, raft.Command{Op: 200})
	assert.Error(t, err)
	_, err = s.AddServer(MaxServerID+1, ServerOptions{})
	assert.ErrorIs(t, err, ErrBadServerID)
	_, err = s.AddServer(-3, ServerOptions{})
	assert.ErrorIs(t, err, ErrBadServerID)
	_, err = s.AddServer(5, ServerOptions{ElectionTimeout: -time.Second})
	assert.ErrorIs(t, err, ErrBadOption)
	_, err = s.RemoveServer(42)
	assert.ErrorIs(t, err, ErrNoSuchServer)
	assert.ErrorIs(t, s.SetDebug(42, true), ErrNoSuchServer)
}

func TestStartServersValidates(t *testing.T) {
	for _, c := range []struct {
		n int
		o ServerOptions
	}{
		{0, ServerOptions{}},
		{-1, ServerOptions{}},
		{MaxServers + 1, ServerOptions{}},
		{3, ServerOptions{HeartbeatInterval: time.Second}},
		{3, ServerOptions{ElectionTimeout: 10 * time.Millisecond}}, // below the 50ms heartbeat
		{3, ServerOptions{Bug: "off-by-one"}},
		{3, ServerOptions{ElectionTimeout: 150 * time.Millisecond, ElectionTimeoutMax: 140 * time.Millisecond}}, // range upside down
		{3, ServerOptions{ElectionTimeoutMax: 300 * time.Millisecond}},                                          // a maximum without its minimum
	} {
		s := New(Options{})
		err := s.StartServers(c.n, c.o)
		assert.Error(t, err, "%+v", c)
		assert.Empty(t, s.Servers(), "a failed start creates nothing")
		assert.NoError(t, s.StartServers(3, ServerOptions{}), "and can be retried")
	}
}

func TestStartServersOptionsBecomeTheSimulations(t *testing.T) {
	s := New(Options{})
	require.NoError(t, s.StartServers(3, ServerOptions{ElectionTimeout: time.Second, HeartbeatInterval: 100 * time.Millisecond}))
	assert.Equal(t, time.Second, s.Options().ElectionTimeout)
	_, ok := s.LeaderID(true)
	require.True(t, ok)
	assert.GreaterOrEqual(t, s.Now(), time.Second, "no election before the first timeout")
}

func TestSingleServerCluster(t *testing.T) {
	s, l := newCluster(t, 1, 1)
	assert.Equal(t, raft.NodeID(0), l)
	r, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	assert.Equal(t, raft.StatusSuccess, r.Status)
}

func TestRequestToDownServerTimesOut(t *testing.T) {
	s, l := newCluster(t, 1, 3)
	require.NoError(t, s.Crash(l))
	start := s.Now()
	r, err := s.ClientRequest(l, set("a", "1"))
	require.NoError(t, err)
	assert.Equal(t, raft.StatusTimeout, r.Status)
	assert.Equal(t, start+10*DefaultElectionTimeout, s.Now(), "the client gives up after its bound")
	assert.Zero(t, s.pending)
}

func TestRequestWithoutLeaderWaitsForOne(t *testing.T) {
	// Right after start nobody leads: the client is told NOT_LEADER with
	// no hint, pauses, and retries until an election is over.
	s := New(Options{Seed: 2})
	require.NoError(t, s.StartServers(3, ServerOptions{}))
	r, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	assert.Equal(t, raft.StatusSuccess, r.Status)
	requireValueEverywhere(t, s, "a", "1")
}

func TestRunAndStep(t *testing.T) {
	s := New(Options{})
	require.NoError(t, s.StartServers(3, ServerOptions{}))
	s.Run(100 * time.Millisecond)
	assert.Equal(t, 100*time.Millisecond, s.Now(), "Run moves the clock exactly")
	s.Run(-time.Second)
	assert.Equal(t, 100*time.Millisecond, s.Now())
	var seen int
	s.OnEvent(func(TraceEvent) { seen++ })
	assert.Equal(t, 5, s.Step(5))
	assert.Positive(t, seen)
	assert.Greater(t, s.Now(), 100*time.Millisecond)
}

func TestRunUntil(t *testing.T) {
	s := New(Options{})
	require.NoError(t, s.StartServers(3, ServerOptions{}))
	assert.False(t, s.RunUntil(UntilCond{Kind: "nonsense"}, time.Second))
	assert.Zero(t, s.Now())
	assert.True(t, s.RunUntil(UntilCond{Kind: "leader"}, 0))
	assert.True(t, s.RunUntil(UntilCond{Kind: "committed", Index: 1}, time.Second), "the leader's no-op")
	assert.True(t, s.RunUntil(UntilCond{Kind: "idle"}, time.Second))
	before := s.Now()
	assert.False(t, s.RunUntil(UntilCond{Kind: "committed", Index: 5}, 200*time.Millisecond))
	assert.Equal(t, before+200*time.Millisecond, s.Now(), "a failed wait runs out its timeout")
	for _, id := range s.Servers() {
		assert.GreaterOrEqual(t, info(t, s, id).CommitIndex, uint64(1))
	}
}

func TestLeaderIgnoresIsolatedStaleLeader(t *testing.T) {
	s, l := newCluster(t, 1, 3)
	require.NoError(t, s.Partition([][]raft.NodeID{{l}}))
	got, ok := s.LeaderID(false)
	assert.False(t, ok, "a leader cut off from its majority is not the leader")
	assert.Equal(t, raft.None, got)
	got, ok = s.LeaderID(true)
	require.True(t, ok)
	assert.NotEqual(t, l, got)
}

func TestInfoOfUpAndDownServers(t *testing.T) {
	s, l := newCluster(t, 1, 3)
	_, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	up := info(t, s, l)
	assert.True(t, up.Up)
	assert.Equal(t, raft.Leader, up.Role)
	assert.Equal(t, []raft.NodeID{0, 1, 2}, up.Config)
	assert.NotNil(t, up.NextIndex)
	assert.Len(t, up.Log, 2)
	up.Log[0].Term = 99 // a copy: the server's log is untouched
	assert.NotEqual(t, uint64(99), info(t, s, l).Log[0].Term)

	require.NoError(t, s.Crash(l))
	down := info(t, s, l)
	assert.False(t, down.Up)
	assert.Equal(t, up.Term, down.Term, "term comes from the disk")
	assert.Equal(t, l, down.VotedFor)
	assert.Equal(t, info(t, s, l).Log, down.Log)
	assert.Len(t, down.Log, 2)
	assert.Zero(t, down.CommitIndex)
	assert.Equal(t, raft.None, down.Leader)
	assert.Equal(t, []raft.NodeID{0, 1, 2}, down.Config)
}

// The read accessors see what Info shows, one entry or key at a time:
// the node's log when the server is up, its disk's when it is down, only
// what compaction kept.
func TestReadAccessorsMatchInfo(t *testing.T) {
	s, l := newCluster(t, 1, 3)
	for _, k := range []string{"a", "b", "c"} {
		_, err := s.ClientRequest(raft.None, set(k, "1"))
		require.NoError(t, err)
	}
	took, err := s.Snapshot(l)
	require.NoError(t, err)
	require.True(t, took)
	for _, k := range []string{"d", "e"} {
		_, err = s.ClientRequest(raft.None, set(k, "2"))
		require.NoError(t, err)
	}
	for _, crash := range []bool{false, true} {
		if crash {
			require.NoError(t, s.Crash(l))
		}
		in := info(t, s, l)
		require.NotEmpty(t, in.Log)
		require.Greater(t, in.FirstIndex, uint64(1), "the snapshot compacted the log")
		assert.Equal(t, in.Log, slices.Collect(s.Entries(l, 0, math.MaxUint64)), "up=%v", in.Up)
		assert.Equal(t, in.Log[1:2], slices.Collect(s.Entries(l, in.FirstIndex+1, in.FirstIndex+1)))
		assert.Empty(t, slices.Collect(s.Entries(l, in.LastIndex+1, math.MaxUint64)))
		_, ok := s.LogEntry(l, in.FirstIndex-1)
		assert.False(t, ok, "a compacted entry is not held")
		e, ok := s.LogEntry(l, in.LastIndex)
		assert.True(t, ok)
		assert.Equal(t, in.Log[len(in.Log)-1], e)
		assert.Equal(t, in.StateMachine, s.StateMachine(l))
		next, match := s.Progress(l)
		assert.Equal(t, in.NextIndex, next)
		assert.Equal(t, in.MatchIndex, match)
		v, ok := s.Value(l, "d")
		assert.Equal(t, !crash, ok)
		keys := slices.Sorted(s.Keys(l))
		if crash {
			assert.Equal(t, raft.Value(""), v)
			assert.Empty(t, keys, "a server that is down has no state machine")
		} else {
			assert.Equal(t, raft.Value("2"), v)
			assert.Equal(t, []string{"a", "b", "c", "d", "e"}, keys)
		}
	}
	assert.Empty(t, slices.Collect(s.Entries(99, 0, math.MaxUint64)), "no such server")
}

func TestConvergedExplainsDifferences(t *testing.T) {
	s, l := newCluster(t, 1, 3)
	ok, why := s.Converged()
	assert.False(t, ok, "the new leader's no-op is not replicated yet")
	assert.Equal(t, fmt.Sprintf("server %d's log has 1 entries, server %d's has 0", l, (l+1)%3), why)
	require.True(t, s.RunUntil(UntilCond{Kind: "idle"}, time.Second))
	ok, why = s.Converged()
	assert.True(t, ok, why)
	f := (l + 1) % 3
	require.NoError(t, s.Partition([][]raft.NodeID{{f}}))
	_, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	// The partitioned follower is not compared: it is not reachable.
	ok, why = s.Converged()
	assert.True(t, ok, why)
	s.Heal()
	// Healed but not yet caught up: the logs differ.
	ok, why = s.Converged()
	assert.False(t, ok)
	assert.Contains(t, why, "log")
	require.True(t, s.RunUntil(UntilCond{Kind: "idle"}, time.Second))
	ok, why = s.Converged()
	assert.True(t, ok, why)
}

func TestDebugMarks(t *testing.T) {
	s := New(Options{})
	require.NoError(t, s.StartServers(2, ServerOptions{Debug: true}))
	assert.True(t, s.IsDebug(0))
	assert.False(t, s.IsDebug(5))
	require.NoError(t, s.SetDebug(1, false))
	assert.False(t, s.IsDebug(1))
}

func TestErrorsWrapSentinels(t *testing.T) {
	s := New(Options{})
	err := s.Restart(3)
	assert.True(t, errors.Is(err, ErrNoSuchServer))
	assert.Equal(t, "restart 3: no such server", err.Error())
}

func TestHugeDurationsDoNotOverflow(t *testing.T) {
	s := New(Options{})
	require.NoError(t, s.StartServers(1, ServerOptions{}))
	require.NoError(t, s.Crash(0)) // nothing left to happen
	s.Run(time.Duration(1<<63 - 1))
	assert.Equal(t, time.Duration(1<<63-1), s.Now())
	s.Run(time.Hour)
	assert.Equal(t, time.Duration(1<<63-1), s.Now(), "the clock saturates")
	assert.False(t, s.RunUntil(UntilCond{Kind: "leader"}, time.Hour))
}

func TestLargeCluster(t *testing.T) {
	n := 101
	if testing.Short() {
		n = 21
	}
	s := New(Options{Seed: 1})
	require.NoError(t, s.StartServers(n, ServerOptions{}))
	_, ok := s.LeaderID(true)
	require.True(t, ok)
	r, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	require.Equal(t, raft.StatusSuccess, r.Status)
	requireValueEverywhere(t, s, "a", "1")
	requireSafe(t, s)
}

// TestServerIDsPastClients: server ids run past 999, where client ids once
// began (issue 11): servers 1000 and 5000 join and take messages meant for
// them, while the clients keep their numbers from 1000 in what people see.
func TestServerIDsPastClients(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	for _, id := range []raft.NodeID{1000, 5000} {
		r, err := s.AddServer(id, ServerOptions{})
		require.NoError(t, err)
		require.Equal(t, raft.StatusOK, r.Status, "addServer %d: %s", id, r.Err)
	}
	r, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	require.Equal(t, raft.StatusSuccess, r.Status)
	s.Run(time.Second)
	for _, id := range []raft.NodeID{1000, 5000} {
		info, err := s.Info(id)
		require.NoError(t, err)
		assert.Equal(t, raft.Value("1"), info.StateMachine["a"], "server %d", id)
	}
	h := s.History()
	require.NotEmpty(t, h)
	for _, op := range h {
		assert.True(t, IsClient(op.Client))
		assert.GreaterOrEqual(t, ShownID(op.Client), FirstClientNumber)
	}
	assert.Equal(t, FirstClientNumber, ShownID(h[0].Client))
	assert.Equal(t, 1000, ShownID(1000), "a server is shown by its id")
	assert.Equal(t, -1, ShownID(raft.None))
	requireSafe(t, s)
}

// TestStartServersLimits: the most servers a cluster may have starts; one
// more is refused with the limit.
func TestStartServersLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 10,000 servers")
	}
	s := New(Options{Seed: 1, NoSafetyCheck: true})
	require.NoError(t, s.StartServers(MaxServers, ServerOptions{}))
	assert.Len(t, s.Servers(), MaxServers)
	err := New(Options{}).StartServers(MaxServers+1, ServerOptions{})
	assert.ErrorContains(t, err, "between 1 and 10000")
}

// TestThousandAndOneServers: a cluster of 1,001 servers, past the 999 where
// server ids once stopped, elects a leader and commits an entry that server
// 1000 applies too (issue 11). The timeouts are spread over seconds so that
// a thousand candidates do not split the vote for ever.
func TestThousandAndOneServers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 1,001 servers")
	}
	s := New(Options{Seed: 1})
	require.NoError(t, s.StartServers(1001, ServerOptions{ElectionTimeout: 2 * time.Second, ElectionTimeoutMax: 4 * time.Second}))
	_, ok := s.LeaderID(true)
	require.True(t, ok, "no leader")
	r, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	require.Equal(t, raft.StatusSuccess, r.Status)
	requireValueEverywhere(t, s, "a", "1")
	info, err := s.Info(1000)
	require.NoError(t, err)
	assert.Equal(t, raft.Value("1"), info.StateMachine["a"])
	requireSafe(t, s)
}

// TestUpAgreesWithBrief checks Up against Brief: up, down, and the same
// error for a server that does not exist.
func TestUpAgreesWithBrief(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	require.NoError(t, s.Crash(1))
	for _, id := range []raft.NodeID{0, 1, 2, 7} {
		up, err := s.Up(id)
		info, berr := s.Brief(id)
		if berr != nil {
			require.Error(t, err)
			assert.Equal(t, berr.Error(), err.Error())
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, info.Up, up, "server %d", id)
	}
	up, _ := s.Up(1)
	assert.False(t, up)
}
