package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

func ids(xs ...int) []raft.NodeID {
	out := make([]raft.NodeID, len(xs))
	for i, x := range xs {
		out[i] = raft.NodeID(x)
	}
	return out
}

func TestLiveGroupsOfAClassicCluster(t *testing.T) {
	s := New(Options{Seed: 1, NoPreVote: true, NoCheckQuorum: true})
	require.NoError(t, s.StartServers(5, ServerOptions{}))
	s.Run(time.Second)
	// Every server up and connected: one group.
	assert.Equal(t, [][]raft.NodeID{ids(0, 1, 2, 3, 4)}, s.LiveGroups())

	// A clean partition: the majority side is a group, the minority not.
	require.NoError(t, s.Partition([][]raft.NodeID{ids(0, 1), ids(2, 3, 4)}))
	assert.Equal(t, [][]raft.NodeID{ids(2, 3, 4)}, s.LiveGroups())

	// A server that bridges the sides (partial connectivity): without
	// check-quorum and pre-vote nothing is promised.
	s.Heal()
	require.NoError(t, s.Cut(0, 3, true))
	require.NoError(t, s.Cut(0, 4, true))
	require.NoError(t, s.Cut(1, 3, true))
	require.NoError(t, s.Cut(1, 4, true))
	assert.Empty(t, s.LiveGroups(), "2 bridges {0,1} and {3,4}")

	// A one-way cut inside the majority breaks it too.
	s.Heal()
	require.NoError(t, s.Partition([][]raft.NodeID{ids(0, 1), ids(2, 3, 4)}))
	require.NoError(t, s.Cut(2, 3, false))
	assert.Empty(t, s.LiveGroups())

	// Crashed servers are not in the way; a minority of live servers is
	// no group.
	s.Heal()
	require.NoError(t, s.Crash(0))
	assert.Equal(t, [][]raft.NodeID{ids(1, 2, 3, 4)}, s.LiveGroups())
	require.NoError(t, s.Crash(1))
	require.NoError(t, s.Crash(2))
	assert.Empty(t, s.LiveGroups())
	for _, id := range ids(0, 1, 2) {
		require.NoError(t, s.Restart(id))
	}

	// A lossy link or a slow disk inside the group: no promise.
	require.NoError(t, s.SetLinkNet(1, 2, false, NetRule{Set: NetLoss, Model: NetModel{Loss: 0.1}}))
	assert.Empty(t, s.LiveGroups())
	require.NoError(t, s.ClearLinkNet(1, 2, false))
	assert.NotEmpty(t, s.LiveGroups())
	require.NoError(t, s.SetFsync(3, 10*time.Millisecond))
	assert.Empty(t, s.LiveGroups())
	require.NoError(t, s.SetFsync(3, 0))
	s.Run(time.Second)
	assert.NotEmpty(t, s.LiveGroups())
}

// With pre-vote and check-quorum, every clean majority is a group, however
// the rest of the network is broken.
func TestLiveGroupsWithPreVoteAndCheckQuorum(t *testing.T) {
	s, _ := newCluster(t, 1, 5)
	// S2 bridges {0,1} and {3,4}: {0,1,2} and {2,3,4} are clean majorities.
	for _, c := range [][2]int{{0, 3}, {0, 4}, {1, 3}, {1, 4}} {
		require.NoError(t, s.Cut(raft.NodeID(c[0]), raft.NodeID(c[1]), true))
	}
	assert.Equal(t, [][]raft.NodeID{ids(0, 1, 2), ids(2, 3, 4)}, s.LiveGroups())
	// A minority partition: every 3 of the majority side.
	s.Heal()
	require.NoError(t, s.Partition([][]raft.NodeID{ids(0), ids(1, 2, 3, 4)}))
	assert.Equal(t, [][]raft.NodeID{ids(1, 2, 3), ids(1, 2, 4), ids(1, 3, 4), ids(2, 3, 4)}, s.LiveGroups())
	// A lossy link takes the groups with both its ends out.
	require.NoError(t, s.SetLinkNet(1, 2, false, NetRule{Set: NetLoss, Model: NetModel{Loss: 0.5}}))
	assert.Equal(t, [][]raft.NodeID{ids(1, 3, 4), ids(2, 3, 4)}, s.LiveGroups())
	// Two servers down of five, the other three split: nothing.
	s.Heal()
	require.NoError(t, s.ClearLinkNet(1, 2, false))
	require.NoError(t, s.Crash(0))
	require.NoError(t, s.Crash(1))
	require.NoError(t, s.Cut(2, 3, false))
	assert.Empty(t, s.LiveGroups())
}

// TestLiveGroupsKeptAnswerMatchesAFreshOne drives clusters through random
// faults of every kind LiveGroups looks at (crashes, partitions, cuts, the
// network model of every link and of one, slow disks, membership changes,
// on clusters with and without pre-vote and check-quorum) and checks after
// every step that the kept answer is the one computed afresh.
func TestLiveGroupsKeptAnswerMatchesAFreshOne(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		s := New(Options{Seed: seed, NoPreVote: seed%2 == 0, NoCheckQuorum: seed%2 == 0})
		require.NoError(t, s.StartServers(5, ServerOptions{}))
		_, err := s.StartLoad(LoadOptions{Clients: 2, Rate: 20, Keys: 2, Duration: 20 * time.Second})
		require.NoError(t, err)
		rnd := newStream(seed, "test/live")
		some := func() raft.NodeID { return s.Servers()[rnd.IntN(len(s.Servers()))] }
		redone, kept := 0, 0
		for step := range 400 {
			switch rnd.IntN(12) {
			case 0:
				_ = s.Crash(some())
			case 1:
				_ = s.Restart(some())
			case 2:
				a := some()
				_ = s.Partition([][]raft.NodeID{{a}})
			case 3:
				_ = s.Cut(some(), some(), rnd.IntN(2) == 0)
			case 4:
				s.Heal()
			case 5:
				_ = s.SetNet(NetRule{Set: NetLoss, Model: NetModel{Loss: 0.1 * float64(rnd.IntN(2))}})
			case 6:
				_ = s.SetLinkNet(some(), some(), true, NetRule{Set: NetDup, Model: NetModel{Dup: 0.2}})
			case 7:
				_ = s.ClearLinkNet(some(), some(), true)
			case 8:
				s.ResetNet()
			case 9:
				_ = s.SetFsync(some(), time.Duration(rnd.IntN(2))*20*time.Millisecond)
			case 10:
				if step%5 == 0 {
					_, _ = s.RemoveServer(some())
				}
			case 11:
				if step%5 == 0 {
					_, _ = s.AddServer(raft.NodeID(5+rnd.IntN(3)), ServerOptions{})
				}
			}
			for range 1 + rnd.IntN(3) {
				if s.live.fresh(s) {
					kept++
				} else {
					redone++
				}
				got, want := s.LiveGroups(), s.liveGroups()
				require.Equal(t, want, got, "seed %d, step %d", seed, step)
				require.True(t, s.live.fresh(s), "seed %d, step %d: the answer was not kept", seed, step)
				s.Run(time.Duration(1+rnd.IntN(30)) * time.Millisecond)
			}
		}
		// The answer must have been both kept and redone, or the test
		// proves nothing.
		assert.Positive(t, kept, "seed %d", seed)
		assert.Positive(t, redone, "seed %d", seed)
		t.Logf("seed %d: %d answers kept, %d computed", seed, kept, redone)
	}
}
