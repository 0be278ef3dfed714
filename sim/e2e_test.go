package sim

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

func info(t *testing.T, s *Sim, id raft.NodeID) ServerInfo {
	t.Helper()
	in, err := s.Info(id)
	require.NoError(t, err)
	return in
}

// requireValueEverywhere checks that every live server has applied k = v.
func requireValueEverywhere(t *testing.T, s *Sim, k, v string) {
	t.Helper()
	for _, id := range s.Servers() {
		in := info(t, s, id)
		if !in.Up || !slices.Contains(in.Config, id) {
			continue
		}
		assert.Equal(t, raft.Value(v), in.StateMachine[k], "server %d: %s", id, k)
	}
}

func requireConverged(t *testing.T, s *Sim) {
	t.Helper()
	ok, why := s.Converged()
	require.True(t, ok, why)
}

func leaders(t *testing.T, s *Sim) []raft.NodeID {
	var out []raft.NodeID
	for _, id := range s.Servers() {
		if in := info(t, s, id); in.Up && in.Role == raft.Leader {
			out = append(out, id)
		}
	}
	return out
}

func TestLeaderIsElected(t *testing.T) {
	s, l := newCluster(t, 1, 3)
	assert.Equal(t, []raft.NodeID{l}, leaders(t, s))
	term := info(t, s, l).Term
	assert.GreaterOrEqual(t, term, uint64(1))
	assert.Less(t, s.Now(), 10*DefaultElectionTimeout)
	requireSafe(t, s)
}

func TestSetIsAppliedEverywhere(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	r, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	assert.Equal(t, raft.StatusSuccess, r.Status)
	assert.Equal(t, raft.Value("1"), r.Result)
	// ClientRequest settles: the write is applied on every server now,
	// without running the clock further.
	requireValueEverywhere(t, s, "a", "1")
	requireConverged(t, s)

	r, err = s.ClientRequest(raft.None, raft.Command{Op: raft.OpGet, Key: "a", ReadOnly: true})
	require.NoError(t, err)
	assert.Equal(t, raft.StatusSuccess, r.Status)
	assert.Equal(t, raft.Value("1"), r.Result)
	requireSafe(t, s)
}

func TestRequestToFollowerIsRedirectedOnlyWithoutTarget(t *testing.T) {
	s, l := newCluster(t, 1, 3)
	s.Run(DefaultHeartbeatInterval) // let the followers hear of the leader
	f := (l + 1) % 3
	r, err := s.ClientRequest(f, set("a", "1"))
	require.NoError(t, err)
	assert.Equal(t, raft.StatusNotLeader, r.Status, "an explicit target answers for itself")
	assert.Equal(t, l, r.LeaderHint)

	// A following client that starts at the follower is redirected.
	c := s.newClient()
	s.startRequest(c, f, true, set("a", "2"))
	require.True(t, s.runUntil(func() bool { return !c.pending }, s.now+time.Second))
	assert.Equal(t, raft.StatusSuccess, c.resp.Status)
	assert.Equal(t, l, c.respFrom)
	assert.Equal(t, 2, c.attempts)
}

func TestCrashedLeaderIsReplaced(t *testing.T) {
	s, l := newCluster(t, 2, 3)
	_, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	require.NoError(t, s.Crash(l))
	nl, ok := s.LeaderID(true)
	require.True(t, ok)
	assert.NotEqual(t, l, nl)
	assert.Greater(t, info(t, s, nl).Term, info(t, s, l).Term)

	r, err := s.ClientRequest(raft.None, set("b", "2"))
	require.NoError(t, err)
	assert.Equal(t, raft.StatusSuccess, r.Status)
	require.NoError(t, s.Restart(l))
	require.True(t, s.RunUntil(UntilCond{Kind: "idle"}, 2*time.Second))
	requireValueEverywhere(t, s, "a", "1")
	requireValueEverywhere(t, s, "b", "2")
	requireConverged(t, s)
	requireSafe(t, s)
}

// Figure 2 alone (classic): without check-quorum a leader cut off from its
// majority keeps leading, and takes writes it can never commit.
func TestPartitionedLeaderEntriesRolledBack(t *testing.T) {
	s, l := newClassicCluster(t, 3, 5)
	_, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	require.NoError(t, s.Partition([][]raft.NodeID{{l}}))

	// The old leader takes the write but cannot commit it.
	r, err := s.ClientRequest(l, set("x", "lost"))
	require.NoError(t, err)
	assert.Equal(t, raft.StatusTimeout, r.Status)
	old := info(t, s, l)
	assert.Equal(t, raft.Leader, old.Role, "an isolated leader does not know it is deposed")
	hasLost := func(log []raft.Entry) bool {
		return slices.ContainsFunc(log, func(e raft.Entry) bool { return e.Cmd != nil && e.Cmd.Key == "x" })
	}
	require.True(t, hasLost(old.Log))

	nl, ok := s.LeaderID(true)
	require.True(t, ok)
	require.NotEqual(t, l, nl, "the majority elected a new leader")
	r, err = s.ClientRequest(raft.None, set("y", "kept"))
	require.NoError(t, err)
	assert.Equal(t, raft.StatusSuccess, r.Status)

	s.Heal()
	require.True(t, s.RunUntil(UntilCond{Kind: "idle"}, 2*time.Second))
	back := info(t, s, l)
	assert.Equal(t, raft.Follower, back.Role)
	assert.False(t, hasLost(back.Log), "the uncommitted entry was rolled back")
	_, present := back.StateMachine["x"]
	assert.False(t, present)
	requireValueEverywhere(t, s, "y", "kept")
	requireConverged(t, s)
	requireSafe(t, s)
}

func TestFullClusterRestartLosesNoAcknowledgedWrite(t *testing.T) {
	s, _ := newCluster(t, 4, 3)
	acked := map[string]string{}
	for i, k := range []string{"a", "b", "c", "d", "e"} {
		v := string(rune('1' + i))
		r, err := s.ClientRequest(raft.None, set(k, v))
		require.NoError(t, err)
		if r.Status == raft.StatusSuccess {
			acked[k] = v
		}
	}
	require.Len(t, acked, 5)
	for _, id := range s.Servers() {
		require.NoError(t, s.Crash(id))
	}
	down := info(t, s, 0)
	assert.False(t, down.Up)
	assert.NotEmpty(t, down.Log, "the log survives on disk")
	assert.Nil(t, down.StateMachine, "the state machine is volatile")
	for _, id := range s.Servers() {
		require.NoError(t, s.Restart(id))
	}
	_, ok := s.LeaderID(true)
	require.True(t, ok)
	require.True(t, s.RunUntil(UntilCond{Kind: "idle"}, 2*time.Second))
	for k, v := range acked {
		requireValueEverywhere(t, s, k, v)
	}
	requireSafe(t, s)
}

func TestAddServer(t *testing.T) {
	s, l := newCluster(t, 5, 3)
	_, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)

	st, err := s.AddServer(3, ServerOptions{Debug: true})
	require.NoError(t, err)
	assert.Equal(t, raft.StatusOK, st.Status)
	assert.True(t, s.IsDebug(3))
	assert.Equal(t, []raft.NodeID{0, 1, 2, 3}, info(t, s, l).Config)
	assert.Equal(t, []raft.NodeID{0, 1, 2, 3}, info(t, s, 3).Config)
	requireValueEverywhere(t, s, "a", "1")

	st, err = s.AddServer(3, ServerOptions{})
	require.NoError(t, err)
	assert.Equal(t, raft.StatusAlreadyAMember, st.Status)

	// The new server takes part: with 4 members, writes need 3 of them.
	require.NoError(t, s.Crash((l+1)%3))
	r, err := s.ClientRequest(raft.None, set("b", "2"))
	require.NoError(t, err)
	assert.Equal(t, raft.StatusSuccess, r.Status)
	assert.Equal(t, raft.Value("2"), info(t, s, 3).StateMachine["b"])
	requireSafe(t, s)
}

func TestRemoveFollower(t *testing.T) {
	s, l := newCluster(t, 6, 3)
	f := (l + 1) % 3
	st, err := s.RemoveServer(f)
	require.NoError(t, err)
	assert.Equal(t, raft.StatusOK, st.Status)
	assert.NotContains(t, info(t, s, l).Config, f)

	st, err = s.RemoveServer(f)
	require.NoError(t, err)
	assert.Equal(t, raft.StatusNotAMember, st.Status)

	r, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	assert.Equal(t, raft.StatusSuccess, r.Status)
	s.Run(2 * time.Second) // the removed server stays quiet
	assert.Equal(t, l, must(s.LeaderID(false)))
	requireConverged(t, s)
	requireSafe(t, s)
}

func TestRemoveLeader(t *testing.T) {
	s, l := newCluster(t, 7, 3)
	_, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	st, err := s.RemoveServer(l)
	require.NoError(t, err)
	assert.Equal(t, raft.StatusOK, st.Status)
	assert.NotEqual(t, raft.Leader, info(t, s, l).Role, "a removed leader steps down")

	nl, ok := s.LeaderID(true)
	require.True(t, ok)
	assert.NotEqual(t, l, nl)
	assert.Equal(t, 2, len(info(t, s, nl).Config))
	r, err := s.ClientRequest(raft.None, set("b", "2"))
	require.NoError(t, err)
	assert.Equal(t, raft.StatusSuccess, r.Status)
	requireValueEverywhere(t, s, "a", "1")
	requireValueEverywhere(t, s, "b", "2")
	requireSafe(t, s)
}

func must(id raft.NodeID, ok bool) raft.NodeID {
	if !ok {
		return raft.None
	}
	return id
}

// A deliberately broken Raft must be caught: with votes granted to
// candidates with shorter logs, a server that missed committed writes can
// win an election after the leader crashes.
func TestPlantedShortLogVoteIsCaught(t *testing.T) {
	caught := 0
	for seed := uint64(1); seed <= 20; seed++ {
		s := New(Options{Seed: seed})
		require.NoError(t, s.StartServers(3, ServerOptions{Bug: "short-log-vote"}))
		l, ok := s.LeaderID(true)
		require.True(t, ok)
		behind := (l + 1) % 3
		require.NoError(t, s.Crash(behind))
		for _, k := range []string{"a", "b", "c"} {
			_, err := s.ClientRequest(raft.None, set(k, "1"))
			require.NoError(t, err)
		}
		require.NoError(t, s.Crash(l))
		require.NoError(t, s.Restart(behind))
		s.Run(3 * time.Second)
		require.NoError(t, s.Restart(l))
		s.Run(time.Second)
		for _, v := range s.Violations() {
			if v.Property == PropLeaderCompleteness {
				caught++
				break
			}
		}
	}
	t.Logf("caught in %d of 20 seeds", caught)
	assert.Positive(t, caught, "no seed produced a Leader Completeness violation")
}
