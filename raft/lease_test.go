package raft

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var roGet = Command{Op: OpGet, Key: "a", ReadOnly: true}

// leaderSends hands cmd to leader and returns the heartbeats and
// AppendEntries it sends in answer, and its reply if it answers at once.
// What it sends is not delivered.
func leaderSends(tn *testNet, leader NodeID, cmd Command) (rounds int, r Response, ok bool) {
	n := tn.nodes[leader]
	n.Step(tn.now, &Message{Type: MsgClient, From: clientA, To: leader, Cmd: &cmd})
	for _, m := range tn.collect(n).Messages {
		switch m.Type {
		case MsgHeartbeat, MsgApp:
			rounds++
		case MsgClientResp:
			r, ok = *m.Resp, true
		}
	}
	tn.queue = nil
	return rounds, r, ok
}

// Dissertation §6.4.1: with lease reads, a leader whose last heartbeat
// round a majority acknowledged serves a read at once, with no round of
// its own; without them (ReadIndex, §6.4) the read costs a round.
func TestLeaseReadServedWithoutRound_6_4_1(t *testing.T) {
	for _, p := range []protocol{leased, modern} {
		tn := newTestNetProto(t, idsUpTo(3), Rules{}, p)
		tn.elect(0)
		tn.request(0, set("a", "1"))
		tn.advance(60 * time.Millisecond)
		rounds, r, ok := leaderSends(tn, 0, roGet)
		if p.leaseRead {
			require.True(t, ok, "served from the lease")
			assert.Equal(t, Value("1"), r.Result)
			assert.Zero(t, rounds)
		} else {
			assert.False(t, ok, "ReadIndex waits for its round")
			assert.Equal(t, 2, rounds, "a heartbeat to each follower")
		}
	}
}

// §6.4.1: the lease runs from the start of the last round a majority
// acknowledged, for the election timeout shortened by the drift bound. A
// leader cut off from the others serves reads until then, and after it
// only with a round (which nobody answers).
func TestLeaseRunsFromLastAcknowledgedRound_6_4_1(t *testing.T) {
	tn := newTestNetProto(t, idsUpTo(3), Rules{}, leased)
	tn.elect(0)
	tn.request(0, set("a", "1"))
	tn.advance(60 * time.Millisecond)
	n := tn.nodes[0]
	start := n.leaseRounds[len(n.leaseRounds)-1].at // acknowledged at once here
	tn.isolate(1, true)
	tn.isolate(2, true)
	delete(tn.cut, [2]NodeID{clientA, 0})
	delete(tn.cut, [2]NodeID{0, clientA})
	lease := n.cfg.leaseDuration()
	tn.advance(start + lease - time.Millisecond - tn.now)
	_, _, ok := leaderSends(tn, 0, roGet)
	assert.True(t, ok, "within the lease")
	tn.advance(2 * time.Millisecond)
	require.Equal(t, Leader, n.Role())
	_, _, ok = leaderSends(tn, 0, roGet)
	assert.False(t, ok, "the lease ran out: a round, which nobody answers")
}

// §6.4.1: the lease allows for clocks that drift by the bound: an
// election timeout times (1-d)/(1+d). The planted bug takes the whole
// election timeout.
func TestLeaseDurationAllowsForDrift_6_4_1(t *testing.T) {
	c, err := Config{Rand: rand.New(rand.NewPCG(1, 1)), CheckQuorum: true, LeaseRead: true, StateMachine: newTestSM()}.normalized()
	require.NoError(t, err)
	assert.Equal(t, time.Duration(135_714_285), c.leaseDuration(), "150ms * 0.95 / 1.05")
	c.MaxDriftPPM = 10_000
	assert.Equal(t, time.Duration(147_029_702), c.leaseDuration())
	c.Rules.Lease = func(et time.Duration, _ int) time.Duration { return et } // the lease-no-drift bug
	assert.Equal(t, 150*time.Millisecond, c.leaseDuration(), "Rules.Lease replaces it")
}

// §6.4.1 relies on §4.2.3, which needs check-quorum: lease reads without
// it are refused.
func TestLeaseNeedsCheckQuorum_6_4_1(t *testing.T) {
	_, err := NewNode(Config{Rand: rand.New(rand.NewPCG(1, 1)), LeaseRead: true, StateMachine: newTestSM()}, Storage{Bootstrap: []NodeID{0}}, 0)
	assert.ErrorIs(t, err, ErrLeaseNeedsCheckQuorum)
}

// §3.10 and §6.4.1: once a leader has sent TimeoutNow, its target may be
// elected at any moment past the recent-leader rule: no lease read in that
// term again, even after the transfer is abandoned.
func TestLeaseEndsWithTimeoutNow_6_4_1(t *testing.T) {
	tn := newTestNetProto(t, idsUpTo(3), Rules{}, leased)
	tn.elect(0)
	tn.request(0, set("a", "1"))
	tn.advance(60 * time.Millisecond)
	tn.drop = func(m Message) bool { return m.Type == MsgTimeoutNow }
	tn.request(0, transferTo(2))
	tn.advance(160 * time.Millisecond) // abandoned
	require.Equal(t, Leader, tn.nodes[0].Role())
	rounds, _, _ := leaderSends(tn, 0, roGet)
	assert.NotZero(t, rounds, "a ReadIndex round, not the lease")
}

// §6.4.1 with §4.2.3: a server that has just booted does not know whether
// it acknowledged a lease before it crashed, so with lease reads it
// ignores vote requests for an election timeout.
func TestLeaseRestartedServerWaitsBeforeVoting_6_4_1(t *testing.T) {
	tn := newTestNetProto(t, idsUpTo(3), Rules{}, leased)
	tn.elect(0)
	tn.advance(60 * time.Millisecond)
	tn.crash(1)
	n := tn.start(1)
	vote := Message{Type: MsgVote, From: 2, To: 1, Term: 5, LastIndex: 9, LastTerm: 4}
	n.Step(tn.now+100*time.Millisecond, &vote)
	tn.collect(n)
	assert.Equal(t, uint64(1), n.Term(), "ignored within an election timeout of the boot")
	n.Step(tn.now+160*time.Millisecond, &vote)
	tn.collect(n)
	assert.Equal(t, NodeID(2), n.VotedFor(), "granted after it")
}

// §6.4.1 with §4.2.3: a server that heard from the leader within an
// election timeout refuses to vote for another, whatever raised its term in
// the meantime. Here a stale answer (to a heartbeat the follower sent when
// it led, long ago) carries a higher term: the follower adopts it (Figure
// 2), but it heard from the leader a moment ago, so it must still refuse
// the vote that would elect a second leader while the first one's lease
// runs. Granting it lets the new leader commit a write that the old one,
// within its lease, reads past.
func TestLeaseSurvivesTermRaisedByStaleAnswer_6_4_1(t *testing.T) {
	tn := newTestNetProto(t, idsUpTo(3), Rules{}, protocol{checkQuorum: true, leaseRead: true})
	tn.elect(1)
	tn.advance(10 * time.Millisecond)
	// Server 1's next heartbeats are held in the network, to be answered
	// much later.
	stale := map[NodeID]Message{}
	tn.drop = func(m Message) bool {
		if _, held := stale[m.To]; m.From == 1 && m.Type == MsgHeartbeat && !held {
			stale[m.To] = m
			return true
		}
		return false
	}
	tn.advance(50 * time.Millisecond)
	tn.drop = nil
	require.Len(t, stale, 2)

	// Server 1 is cut off and deposed; another leads term 2 with it.
	tn.isolate(1, true)
	tn.advance(160 * time.Millisecond)
	if tn.nodes[0].Role() != Leader && tn.nodes[2].Role() != Leader {
		tn.nodes[0].Expire(tn.now)
		tn.collect(tn.nodes[0])
		tn.deliver()
	}
	var lead, other NodeID = 0, 2
	if tn.nodes[2].Role() == Leader {
		lead, other = 2, 0
	}
	require.Equal(t, Leader, tn.nodes[lead].Role())
	tn.isolate(1, false)
	tn.request(lead, set("a", "1"))
	tn.advance(60 * time.Millisecond)
	require.Equal(t, tn.nodes[lead].Term(), tn.nodes[1].Term())

	// The other server is cut off and campaigns in vain, raising its term.
	tn.isolate(other, true)
	tn.advance(400 * time.Millisecond)
	require.Equal(t, Leader, tn.nodes[lead].Role())
	require.Greater(t, tn.nodes[other].Term(), tn.nodes[lead].Term())
	_, r, ok := leaderSends(tn, lead, roGet)
	require.True(t, ok, "the leader holds its lease")
	require.Equal(t, Value("1"), r.Result)

	// Now, at the same instant: the held heartbeat reaches the cut-off
	// server, whose answer (of its higher term) reaches server 1; then it
	// campaigns again, and a write goes to it.
	for _, pair := range [][2]NodeID{{other, 1}, {1, other}, {clientA, other}, {other, clientA}} {
		delete(tn.cut, pair)
	}
	tn.queue = append(tn.queue, stale[other])
	tn.deliver()
	require.Greater(t, tn.nodes[1].Term(), tn.nodes[lead].Term(), "the stale answer raised server 1's term")
	tn.nodes[other].Expire(tn.now)
	tn.collect(tn.nodes[other])
	tn.deliver()
	assert.NotEqual(t, Leader, tn.nodes[other].Role(),
		"server 1 heard from the leader within an election timeout: it must refuse its vote")
	if tn.nodes[other].Role() == Leader {
		tn.request(other, set("a", "2"))
	}
	_, r, ok = leaderSends(tn, lead, roGet)
	if ok && tn.nodes[1].CommitIndex() > tn.nodes[lead].CommitIndex() {
		assert.NotEqual(t, Value("1"), r.Result, "a lease read older than a committed write (stale read)")
	}
}

// §6.4.1 with §4.2.3, the same in the term the stale answer raised: a
// vote request of that term (a copy the network delivered late) is not
// granted within an election timeout of hearing from the leader either.
func TestLeaseRefusesVoteOfRaisedTerm_6_4_1(t *testing.T) {
	tn := newTestNetProto(t, idsUpTo(3), Rules{}, protocol{checkQuorum: true, leaseRead: true})
	tn.elect(0)
	tn.advance(60 * time.Millisecond)
	n := tn.nodes[1]
	term := n.Term()
	n.Step(tn.now, &Message{Type: MsgHeartbeatResp, From: 2, To: 1, Term: term + 1})
	tn.collect(n)
	require.Equal(t, term+1, n.Term(), "a higher term is adopted (Figure 2)")
	n.Step(tn.now, &Message{Type: MsgVote, From: 2, To: 1, Term: term + 1, LastIndex: 9, LastTerm: term})
	tn.collect(n)
	assert.Equal(t, None, n.VotedFor(), "heard from the leader a moment ago: no vote")
	tn.queue = nil
	n.Step(tn.now+150*time.Millisecond, &Message{Type: MsgVote, From: 2, To: 1, Term: term + 1, LastIndex: 9, LastTerm: term})
	tn.collect(n)
	assert.Equal(t, NodeID(2), n.VotedFor(), "granted an election timeout later")
}
