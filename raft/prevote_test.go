package raft

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Dissertation §9.6: a pre-vote changes nobody's term. A voter grants it
// when the asked term is above its own and the log is up to date (§5.4.1),
// and answers with the asked term; otherwise it refuses with its own term.
func TestPreVoteChangesNoTerm_9_6(t *testing.T) {
	tn := newTestNetProto(t, idsUpTo(3), Rules{}, protocol{preVote: true})
	tn.disks[2].Log = []Entry{{Index: 1, Term: 1}}
	tn.disks[2].HardState = HardState{Term: 1, VotedFor: None}
	n := tn.start(2)

	n.Step(0, &Message{Type: MsgPreVote, From: 0, To: 2, Term: 2, LastIndex: 1, LastTerm: 1})
	rd := tn.collect(n)
	require.Len(t, rd.Messages, 1)
	assert.Equal(t, Message{Type: MsgPreVoteResp, From: 2, To: 0, Term: 2}, rd.Messages[0])
	assert.False(t, rd.HardStateChanged, "a pre-vote is not a vote")
	assert.Equal(t, uint64(1), n.Term())

	n.Step(0, &Message{Type: MsgPreVote, From: 1, To: 2, Term: 2, LastIndex: 0, LastTerm: 0})
	rd = tn.collect(n)
	assert.True(t, rd.Messages[0].Reject, "a log behind ours gets no pre-vote")
	assert.Equal(t, uint64(1), rd.Messages[0].Term)
	n.Step(0, &Message{Type: MsgPreVote, From: 1, To: 2, Term: 1, LastIndex: 1, LastTerm: 1})
	assert.True(t, tn.collect(n).Messages[0].Reject, "a term that is not above ours gets no pre-vote")
	assert.Equal(t, uint64(1), n.Term())
}

// Dissertation §9.6: a server that times out first asks for pre-votes in
// term+1; only a majority of them starts the real election.
func TestPreVoteMajorityStartsElection_9_6(t *testing.T) {
	tn := newTestNetProto(t, idsUpTo(3), Rules{}, protocol{preVote: true})
	tn.fire(0)
	n := tn.nodes[0]
	assert.Equal(t, PreCandidate, n.Role())
	assert.Equal(t, uint64(0), n.Term(), "no new term before the pre-vote is won")
	require.Len(t, tn.queue, 2)
	for _, m := range tn.queue {
		assert.Equal(t, MsgPreVote, m.Type)
		assert.Equal(t, uint64(1), m.Term)
	}
	tn.deliver()
	assert.Equal(t, Leader, n.Role())
	assert.Equal(t, uint64(1), n.Term())
}

// Dissertation §9.6: a server cut off from the cluster keeps timing out but
// never wins a pre-vote, so its term stays; when it comes back, the leader
// is not deposed. Without pre-vote (the paper's Figure 2) it comes back with
// a higher term, and its first message to the leader makes it step down.
func TestPreVotePartitionedServerCannotDepose_9_6(t *testing.T) {
	for _, p := range []protocol{{preVote: true}, classic} {
		tn := newTestNetProto(t, idsUpTo(3), Rules{}, p)
		tn.elect(0)
		term := tn.nodes[0].Term()
		tn.isolate(2, true)
		tn.advance(2 * time.Second)
		tn.isolate(2, false)
		tn.advance(60 * time.Millisecond) // a heartbeat reaches S2 and it answers
		if p.preVote {
			assert.Equal(t, term, tn.nodes[2].Term(), "the cut-off server's term stayed")
			assert.Equal(t, Leader, tn.nodes[0].Role())
			assert.Equal(t, term, tn.nodes[0].Term(), "the leader was not deposed")
		} else {
			assert.Greater(t, tn.nodes[0].Term(), term, "classic: the returning server's term deposed the leader")
		}
	}
}

// §6.2 with check-quorum: a leader that has not heard from a majority for an
// election timeout steps down, so clients look elsewhere. Without it the
// leader cut off from its majority stays leader for ever.
func TestCheckQuorumLeaderStepsDown_6_2(t *testing.T) {
	for _, p := range []protocol{{checkQuorum: true}, classic} {
		tn := newTestNetProto(t, idsUpTo(3), Rules{}, p)
		tn.elect(0)
		tn.advance(500 * time.Millisecond)
		tn.isolate(0, true)
		cut := tn.now
		tn.advance(140 * time.Millisecond)
		require.Equal(t, Leader, tn.nodes[0].Role(), "not before an election timeout")
		tn.advance(60 * time.Millisecond) // an election timeout and a heartbeat after the cut
		if p.checkQuorum {
			assert.Equal(t, Follower, tn.nodes[0].Role(), "stepped down %v after it was cut off", tn.now-cut)
		} else {
			assert.Equal(t, Leader, tn.nodes[0].Role())
		}
	}
}

// §4.2.3 applies only with check-quorum (as in etcd's raft): a follower
// that heard from its leader within the election timeout ignores a vote
// request of a higher term then; without check-quorum it adopts the term.
func TestVoteIgnoredInLeaseOnlyWithCheckQuorum_4_2_3(t *testing.T) {
	for _, p := range []protocol{{checkQuorum: true}, classic} {
		tn := newTestNetProto(t, idsUpTo(3), Rules{}, p)
		tn.elect(0)
		tn.advance(10 * time.Millisecond)
		n := tn.nodes[1]
		n.Step(tn.now, &Message{Type: MsgVote, From: 2, To: 1, Term: 5, LastIndex: 9, LastTerm: 4})
		tn.collect(n)
		if p.checkQuorum {
			assert.Equal(t, uint64(1), n.Term())
			assert.Equal(t, NodeID(0), n.Leader())
		} else {
			assert.Equal(t, uint64(5), n.Term())
			assert.Equal(t, NodeID(2), n.VotedFor())
		}
	}
}

// Point 3 of the partial partition: five servers, S4 down, the leader S3
// cut from S1 and S2 but not from S0. With check-quorum S3 hears from two
// of five, steps down, S0 stops being loyal to it, and S0, S1, S2, live and
// connected, elect a leader among themselves (§6.2, §4.2.3).
func TestCheckQuorumHealsPartialPartition_6_2(t *testing.T) {
	tn := newTestNet(t, 5)
	tn.elect(3)
	tn.advance(200 * time.Millisecond)
	tn.crash(4)
	for _, id := range []NodeID{1, 2} {
		tn.cut[[2]NodeID{3, id}], tn.cut[[2]NodeID{id, 3}] = true, true
	}
	tn.advance(2 * time.Second)
	leaders := 0
	for _, id := range []NodeID{0, 1, 2} {
		if tn.nodes[id].Role() == Leader {
			leaders++
		}
	}
	assert.Equal(t, 1, leaders, "one of S0, S1, S2 leads")
	assert.NotEqual(t, Leader, tn.nodes[3].Role())
}

// Dissertation §9.6: a pre-candidate gives up only when the servers that
// refused leave too few to make a majority. A refusal the network delivers
// twice is still one server's refusal: with three servers, S1's duplicated
// no must not end a pre-vote that S2's yes still wins.
func TestPreVoteCountsRefusalsPerServer_9_6(t *testing.T) {
	tn := newTestNetProto(t, idsUpTo(3), Rules{}, protocol{preVote: true})
	tn.fire(0)
	n := tn.nodes[0]
	require.Equal(t, PreCandidate, n.Role())
	tn.queue = nil // the pre-votes are answered by hand
	no := Message{Type: MsgPreVoteResp, From: 1, To: 0, Term: 0, Reject: true}
	n.Step(0, &no)
	n.Step(0, &no)
	tn.collect(n)
	assert.Equal(t, PreCandidate, n.Role(), "one server's refusal, twice, is not a majority of refusals")
	n.Step(0, &Message{Type: MsgPreVoteResp, From: 2, To: 0, Term: 1})
	tn.collect(n)
	assert.NotEqual(t, PreCandidate, n.Role(), "S0's and S2's yes are a majority: the real election starts")
	assert.Equal(t, uint64(1), n.Term())
}

// Dissertation §9.6 with an even cluster: of four servers three make a
// majority, so two refusals already leave too few; the pre-candidate stops
// asking instead of waiting for a third.
func TestPreVoteGivesUpWhenItCannotWin_9_6(t *testing.T) {
	tn := newTestNetProto(t, idsUpTo(4), Rules{}, protocol{preVote: true})
	tn.fire(0)
	n := tn.nodes[0]
	require.Equal(t, PreCandidate, n.Role())
	tn.queue = nil
	n.Step(0, &Message{Type: MsgPreVoteResp, From: 1, To: 0, Term: 0, Reject: true})
	tn.collect(n)
	assert.Equal(t, PreCandidate, n.Role(), "one refusal of four: it can still win")
	n.Step(0, &Message{Type: MsgPreVoteResp, From: 2, To: 0, Term: 0, Reject: true})
	tn.collect(n)
	assert.Equal(t, Follower, n.Role(), "two refusals of four: at most two yeses remain, not a majority")
}
