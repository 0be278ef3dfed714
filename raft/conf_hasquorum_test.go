package raft

import (
	"math/rand/v2"
	"testing"

	"raftsim/raft/quorum"
)

// TestHasQuorumIsAVote checks HasQuorum, which counts in place, against
// a vote of the joint configuration in which ids say yes, on random
// memberships (joint or not, voters named twice, unsorted) and sets.
func TestHasQuorumIsAVote(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	pick := func(n int) []NodeID {
		var out []NodeID
		for range n {
			out = append(out, NodeID(rnd.IntN(7)))
		}
		return out
	}
	for trial := range 20000 {
		m := Membership{Voters: pick(rnd.IntN(6)), Outgoing: pick(rnd.IntN(3) * rnd.IntN(4))}
		ids := pick(rnd.IntN(7))
		votes := map[NodeID]bool{}
		for _, id := range ids {
			votes[id] = true
		}
		want := m.quorum().VoteResult(votes) == quorum.VoteWon
		if got := m.HasQuorum(ids); got != want {
			t.Fatalf("trial %d: HasQuorum(%v) of %+v = %v, a vote says %v", trial, ids, m, got, want)
		}
	}
}
