package raft

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// §5.2: a follower whose election timeout fires becomes a candidate in a new
// term, votes for itself, and asks every other member for a vote.
func TestElectionTimeoutStartsCampaign_5_2(t *testing.T) {
	tn := newClassic(t, 3)
	n := tn.nodes[0]
	require.Equal(t, Follower, n.Role())
	d := n.Deadline()
	assert.GreaterOrEqual(t, d, 150*time.Millisecond)
	assert.Less(t, d, 300*time.Millisecond, "timeout drawn from [150ms, 300ms)")
	tn.fire(0)
	assert.Equal(t, Candidate, n.Role())
	assert.Equal(t, uint64(1), n.Term())
	assert.Equal(t, NodeID(0), n.VotedFor())
	require.Len(t, tn.queue, 2)
	for _, m := range tn.queue {
		assert.Equal(t, MsgVote, m.Type)
		assert.Equal(t, uint64(1), m.Term)
	}
	assert.Equal(t, HardState{Term: 1, VotedFor: 0}, tn.disks[0].HardState, "term and vote persisted before the requests leave")
}

// §5.2: a candidate with votes from a majority becomes leader and (§8)
// appends a no-op entry of its term.
func TestMajorityElectsLeaderWithNoop_5_2(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(1)
	n := tn.nodes[1]
	assert.Equal(t, NodeID(1), n.Leader())
	e, ok := n.Entry(1)
	require.True(t, ok)
	assert.Equal(t, EntryNoop, e.Kind)
	assert.Equal(t, uint64(1), e.Term)
	assert.Equal(t, uint64(1), n.CommitIndex(), "the no-op commits on the leader")
	tn.advance(50 * time.Millisecond) // followers learn the commit index with the next heartbeat
	for _, id := range []NodeID{0, 2} {
		assert.Equal(t, Follower, tn.nodes[id].Role())
		assert.Equal(t, NodeID(1), tn.nodes[id].Leader())
		assert.Equal(t, uint64(1), tn.nodes[id].CommitIndex(), "the no-op commits")
	}
}

// §5.2: a candidate cut off from the majority never becomes leader; it
// times out again and retries in a higher term.
func TestNoLeaderWithoutQuorum_5_2(t *testing.T) {
	tn := newClassic(t, 3)
	tn.isolate(0, true)
	tn.fire(0)
	tn.deliver()
	assert.Equal(t, Candidate, tn.nodes[0].Role())
	tn.fire(0)
	tn.deliver()
	assert.Equal(t, Candidate, tn.nodes[0].Role())
	assert.Equal(t, uint64(2), tn.nodes[0].Term())
}

// §5.2: at most one vote per term, first come first served; and the vote is
// persisted, so a restart does not free it.
func TestOneVotePerTermPersisted_5_2(t *testing.T) {
	tn := newTestNet(t, 3)
	n := tn.nodes[2]
	n.Step(0, &Message{Type: MsgVote, From: 0, To: 2, Term: 1})
	rd := tn.collect(n)
	require.True(t, rd.HardStateChanged)
	assert.False(t, rd.Messages[0].Reject)
	n.Step(0, &Message{Type: MsgVote, From: 1, To: 2, Term: 1})
	assert.True(t, tn.collect(n).Messages[0].Reject, "second candidate in the same term refused")

	tn.crash(2)
	n = tn.start(2)
	assert.Equal(t, NodeID(0), n.VotedFor())
	n.Step(0, &Message{Type: MsgVote, From: 1, To: 2, Term: 1})
	assert.True(t, tn.collect(n).Messages[0].Reject, "vote survives restart")
}

// The persisted state is a seam (Rules.Persist): the forget-vote bug writes
// no vote, so a restarted server votes twice in one term. This is what the
// bug must look like.
func TestPersistSeamForgetsVote(t *testing.T) {
	tn := newTestNetIDs(t, []NodeID{0, 1, 2}, forgetVote)
	n := tn.nodes[2]
	n.Step(0, &Message{Type: MsgVote, From: 0, To: 2, Term: 1})
	tn.collect(n)
	tn.crash(2)
	n = tn.start(2)
	n.Step(0, &Message{Type: MsgVote, From: 1, To: 2, Term: 1})
	assert.False(t, tn.collect(n).Messages[0].Reject)
}

// A leader (or candidate) has voted for itself: it never votes for another
// server in its own term (a raft.js bug).
func TestLeaderDoesNotVoteInItsTerm_5_2(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	n := tn.nodes[0]
	n.Step(tn.now, &Message{Type: MsgVote, From: 1, To: 0, Term: 1, LastIndex: 5, LastTerm: 1})
	rd := tn.collect(n)
	require.Len(t, rd.Messages, 1)
	assert.True(t, rd.Messages[0].Reject)
	assert.Equal(t, Leader, n.Role())
}

// §5.4.1: a vote goes only to a candidate whose log is at least as up to
// date: later last term wins, then longer log.
func TestVoteRequiresUpToDateLog_5_4_1(t *testing.T) {
	cases := []struct {
		name              string
		lastIndex, lastTm uint64
		grant             bool
	}{
		{"lower last term, longer log", 10, 1, false},
		{"same last term, shorter log", 1, 2, false},
		{"same last term, same length", 2, 2, true},
		{"higher last term, shorter log", 1, 3, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tn := newTestNet(t, 3)
			tn.disks[2].Log = []Entry{{Index: 1, Term: 1}, {Index: 2, Term: 2}}
			tn.disks[2].HardState = HardState{Term: 2, VotedFor: None}
			n := tn.start(2)
			n.Step(0, &Message{Type: MsgVote, From: 0, To: 2, Term: 3, LastIndex: c.lastIndex, LastTerm: c.lastTm})
			rd := tn.collect(n)
			require.Len(t, rd.Messages, 1)
			assert.Equal(t, !c.grant, rd.Messages[0].Reject)
			assert.Equal(t, uint64(3), n.Term(), "the higher term is adopted either way")
		})
	}
}

// The vote check is a seam (Rules.UpToDate): the short-log-vote bug grants
// votes the §5.4.1 check refuses.
func TestUpToDateSeamGrants(t *testing.T) {
	tn := newTestNetIDs(t, []NodeID{0, 1, 2}, anyLogVotes)
	tn.disks[2].Log = []Entry{{Index: 1, Term: 2}}
	tn.disks[2].HardState = HardState{Term: 2, VotedFor: None}
	n := tn.start(2)
	n.Step(0, &Message{Type: MsgVote, From: 0, To: 2, Term: 3, LastIndex: 0, LastTerm: 0})
	assert.False(t, tn.collect(n).Messages[0].Reject)
}

// §5.1: a server that sees a higher term in any message becomes a follower
// of that term; a stale-term request is refused with the current term.
func TestHigherTermDeposes_5_1(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	n := tn.nodes[0]
	n.Step(tn.now, &Message{Type: MsgAppResp, From: 1, To: 0, Term: 5, Reject: true})
	tn.collect(n)
	assert.Equal(t, Follower, n.Role())
	assert.Equal(t, uint64(5), n.Term())
	assert.Equal(t, None, n.VotedFor())

	n.Step(tn.now, &Message{Type: MsgApp, From: 2, To: 0, Term: 3})
	rd := tn.collect(n)
	require.Len(t, rd.Messages, 1)
	assert.True(t, rd.Messages[0].Reject)
	assert.Equal(t, uint64(5), rd.Messages[0].Term)
}

// Dissertation §4.2.3: a follower that heard from its leader within the
// minimum election timeout ignores a higher-term vote request, so a server
// that was removed or partitioned cannot disrupt the cluster.
func TestFollowerIgnoresDisruptiveVote_4_2_3(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.advance(10 * time.Millisecond)
	f := tn.nodes[1]
	f.Step(tn.now, &Message{Type: MsgVote, From: 2, To: 1, Term: 9, LastIndex: 9, LastTerm: 9})
	rd := tn.collect(f)
	assert.Empty(t, rd.Messages)
	assert.Equal(t, uint64(1), f.Term())
}

// §5.2: a candidate that hears AppendEntries from a leader of its own term
// returns to follower.
func TestCandidateStepsDownForLeaderOfSameTerm_5_2(t *testing.T) {
	tn := newClassic(t, 3)
	tn.isolate(2, true)
	tn.fire(2)
	require.Equal(t, Candidate, tn.nodes[2].Role())
	n := tn.nodes[2]
	n.Step(tn.now, &Message{Type: MsgApp, From: 0, To: 2, Term: 1})
	tn.collect(n)
	assert.Equal(t, Follower, n.Role())
	assert.Equal(t, NodeID(0), n.Leader())
}

// Figure 2: a follower's election timer is reset by AppendEntries from the
// current leader or by granting a vote, not by a vote request it refuses.
func TestRefusedVoteDoesNotResetTimer_5_2(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.disks[2].Log = []Entry{{Index: 1, Term: 1}}
	tn.disks[2].HardState = HardState{Term: 1, VotedFor: None}
	n := tn.start(2)
	d := n.Deadline()
	tn.now = d - time.Millisecond
	n.Step(tn.now, &Message{Type: MsgVote, From: 0, To: 2, Term: 2, LastIndex: 0, LastTerm: 0})
	rd := tn.collect(n)
	assert.True(t, rd.Messages[0].Reject)
	assert.Equal(t, uint64(2), n.Term())
	assert.Equal(t, d, n.Deadline(), "the deadline did not move")
}

// Figure 2 ("updated on stable storage before responding to RPCs") and §5.2:
// a candidate's own vote is one of the votes it counts, so it counts only
// once the caller reports the new term and vote durable. A lone voter stays
// a candidate, writing nothing of the new term, until then.
func TestSelfVoteCountsOnceDurable_5_2(t *testing.T) {
	n, err := NewNode(Config{ID: 0, Rand: rand.New(rand.NewPCG(1, 2)), StateMachine: newTestSM()}, Storage{Bootstrap: []NodeID{0}}, 0)
	require.NoError(t, err)
	n.Ready()
	now := n.Deadline()
	n.Tick(now)
	rd := n.Ready()
	require.True(t, rd.HardStateChanged)
	assert.Equal(t, HardState{Term: 1, VotedFor: 0}, rd.HardState)
	assert.Equal(t, Candidate, n.Role(), "no leader before its term is durable")
	assert.Empty(t, rd.Entries, "nothing written in a term that is not durable")

	n.HardStateStable(now, HardState{Term: 0, VotedFor: None})
	assert.Equal(t, Candidate, n.Role(), "an older state on the disk is not the vote")
	n.HardStateStable(now, rd.HardState)
	assert.Equal(t, Leader, n.Role())
	assert.Equal(t, uint64(1), n.Ready().Entries[0].Term, "the no-op of term 1, now that term 1 is durable")
}

// §5.2: election timeouts are drawn uniformly from [ElectionTimeout,
// ElectionTimeoutMax): a narrow range keeps every deadline inside it, and a
// range of width zero makes the timeout constant (the paper's 150-150ms
// line of Figure 16, §9.3).
func TestElectionTimeoutRange_5_2(t *testing.T) {
	for _, c := range []struct{ lo, hi time.Duration }{
		{150 * time.Millisecond, 155 * time.Millisecond},
		{12 * time.Millisecond, 24 * time.Millisecond},
		{150 * time.Millisecond, 150 * time.Millisecond},
	} {
		cfg := Config{ID: 0, ElectionTimeout: c.lo, ElectionTimeoutMax: c.hi, HeartbeatInterval: c.lo / 2,
			Rand: rand.New(rand.NewPCG(1, 2)), StateMachine: newTestSM()}
		n, err := NewNode(cfg, Storage{Bootstrap: []NodeID{0, 1, 2}}, 0)
		require.NoError(t, err)
		seen := map[time.Duration]bool{}
		for range 200 {
			n.resetElectionTimer()
			d := n.Deadline() - n.now
			seen[d] = true
			assert.GreaterOrEqual(t, d, c.lo, "%v-%v", c.lo, c.hi)
			if c.hi > c.lo {
				assert.Less(t, d, c.hi, "%v-%v", c.lo, c.hi)
			} else {
				assert.Equal(t, c.lo, d, "a range of width zero is a constant timeout")
			}
		}
		if c.hi > c.lo {
			assert.Greater(t, len(seen), 100, "%v-%v: timeouts are random within the range", c.lo, c.hi)
		}
	}
}

// §5.2: an election timer expired by hand (the shell's `timeout ID`) starts
// an election at once, long before the drawn timeout; a leader's expired
// timer sends its heartbeats at once instead.
func TestExpireStartsElectionNow_5_2(t *testing.T) {
	tn := newClassic(t, 3)
	n := tn.nodes[2]
	require.Greater(t, n.Deadline(), tn.now, "the drawn timeout lies ahead")
	n.Expire(tn.now)
	tn.collect(n)
	assert.Equal(t, Candidate, n.Role())
	assert.Equal(t, uint64(1), n.Term())
	require.Len(t, tn.queue, 2, "a vote request to each other member")
	tn.deliver()
	require.Equal(t, Leader, n.Role())

	tn.queue = nil
	before := n.Deadline()
	n.Expire(tn.now)
	tn.collect(n)
	require.Len(t, tn.queue, 2, "a heartbeat to each follower")
	for _, m := range tn.queue {
		assert.Equal(t, MsgHeartbeat, m.Type)
	}
	assert.Equal(t, uint64(1), n.Term(), "a leader's timer does not start an election")
	assert.GreaterOrEqual(t, n.Deadline(), before, "the next heartbeat is a full interval away")
}
