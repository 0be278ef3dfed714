package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft/quorum"
)

// §5.2 and §4.3: the running count of an election's answers decides as a
// count of all of them would, whatever arrives: repeated answers, an
// answer that changes, answers of non-voters, and a configuration that
// changes in the middle of the vote (counted again in the new one).
func TestVoteCountMatchesRecount_5_2(t *testing.T) {
	n := newTestNet(t, 5).nodes[0]
	recount := func(step string) {
		t.Helper()
		granted := 0
		for id, yes := range n.votes {
			if yes && n.isMember(id) {
				granted++
			}
		}
		assert.Equal(t, n.conf.VoteResult(n.votes), n.voteResult(), step)
		assert.Equal(t, granted, n.granted(), step)
	}
	n.startVote()
	recount("no answers")
	steps := []struct {
		id  NodeID
		yes bool
	}{{0, true}, {1, false}, {1, false}, {9, true}, {2, true}, {1, true}, {3, false}, {4, false}}
	for _, s := range steps {
		n.recordVote(s.id, s.yes)
		recount("after an answer")
	}
	assert.Equal(t, quorum.VoteWon, n.voteResult(), "0, 1 and 2 said yes")
	n.setConf(quorum.JointConfig{{5, 6, 7}, {0, 1, 2, 3, 4}})
	recount("joint configuration: the new half has no answers")
	assert.Equal(t, quorum.VotePending, n.voteResult())
	n.recordVote(5, true)
	n.recordVote(6, true)
	recount("both halves won")
	assert.Equal(t, quorum.VoteWon, n.voteResult())
	n.recordVote(2, false)
	n.recordVote(0, false)
	recount("the old half lost")
	assert.Equal(t, quorum.VoteLost, n.voteResult())
}

// A node keeps a sorted bootstrap membership as it is, so that the servers
// of a cluster can share one (Storage.Bootstrap): 10,000 servers holding a
// copy each held 10^8 ids, 3.7 GB for an election.
func TestNodeSharesSortedBootstrap(t *testing.T) {
	cfg := newTestNet(t, 5).config(0)
	cfg.StateMachine = newTestSM()
	boot := []NodeID{0, 1, 2, 3, 4}
	n, err := NewNode(cfg, Storage{HardState: HardState{VotedFor: None}, Bootstrap: boot}, 0)
	require.NoError(t, err)
	assert.Same(t, &boot[0], &n.MembersView()[0], "the membership is the bootstrap slice itself")
	unsorted := []NodeID{2, 0, 1, 1}
	n, err = NewNode(cfg, Storage{HardState: HardState{VotedFor: None}, Bootstrap: unsorted}, 0)
	require.NoError(t, err)
	assert.Equal(t, []NodeID{0, 1, 2}, n.MembersView())
	assert.Equal(t, []NodeID{2, 0, 1, 1}, unsorted, "an unsorted one is copied, not sorted in place")
}
