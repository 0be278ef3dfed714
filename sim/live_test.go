package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

func TestLiveGroupsOfAClassicCluster(t *testing.T) {
	ids := func(xs ...int) []raft.NodeID {
		out := make([]raft.NodeID, len(xs))
		for i, x := range xs {
			out[i] = raft.NodeID(x)
		}
		return out
	}
	s, _ := newCluster(t, 1, 5)
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
