package raft

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func transferTo(id NodeID) Command { return Command{Op: OpTransferLeader, Server: id} }

// Dissertation §3.10: the leader sends TimeoutNow to the target, which
// campaigns at once, without a pre-vote, and is elected in the next term
// although every voter heard from the leader a moment ago (§4.2.3 would
// refuse an ordinary candidate); the client hears OK.
func TestTransferHandsLeadershipOver_3_10(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.request(0, set("a", "1"))
	tn.replies[clientA] = nil
	tn.request(0, transferTo(2))
	assert.Equal(t, Leader, tn.nodes[2].Role())
	assert.Equal(t, uint64(2), tn.nodes[2].Term(), "one election, no pre-vote term")
	assert.Equal(t, Follower, tn.nodes[0].Role())
	r, ok := tn.lastReply()
	require.True(t, ok)
	assert.Equal(t, StatusOK, r.Status)
	assert.Equal(t, Value("1"), tn.sm(2)["a"])
}

// §3.10: a target that lags is brought up to date before TimeoutNow, so
// it wins (a voter refuses a shorter log, §5.4.1) with every committed
// entry.
func TestTransferCatchesTargetUpFirst_3_10(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.isolate(2, true)
	tn.request(0, set("a", "1"))
	tn.request(0, set("b", "2"))
	tn.isolate(2, false)
	last := tn.nodes[0].LastIndex()
	require.Less(t, tn.nodes[2].LastIndex(), last)
	var sawTimeoutNow bool
	tn.drop = func(m Message) bool {
		if m.Type == MsgTimeoutNow {
			sawTimeoutNow = true
			assert.Equal(t, last, tn.nodes[2].LastIndex(), "TimeoutNow before the target caught up")
		}
		return false
	}
	tn.request(0, transferTo(2))
	tn.advance(60 * time.Millisecond) // the next heartbeat probes S2 again
	assert.True(t, sawTimeoutNow)
	require.Equal(t, Leader, tn.nodes[2].Role())
	assert.Equal(t, Value("2"), tn.sm(2)["b"])
}

// §3.10: while a transfer is under way the leader takes no new client
// request (it sends the client on to the target); a transfer that has not
// handed over within an election timeout is abandoned (TIMEOUT), and the
// leader takes requests again.
func TestTransferStopsRequestsThenTimesOut_3_10(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.drop = func(m Message) bool { return m.Type == MsgTimeoutNow }
	tn.request(0, transferTo(2))
	_, ok := tn.lastReply()
	require.False(t, ok, "waits for the transfer")
	tn.request(0, set("a", "1"))
	r, ok := tn.lastReply()
	require.True(t, ok)
	assert.Equal(t, StatusNotLeader, r.Status)
	assert.Equal(t, NodeID(2), r.LeaderHint, "sent on to the server about to lead")
	tn.replies[clientA] = nil
	tn.advance(160 * time.Millisecond)
	r, ok = tn.lastReply()
	require.True(t, ok)
	assert.Equal(t, StatusTimeout, r.Status)
	assert.Equal(t, Leader, tn.nodes[0].Role())
	tn.request(0, set("a", "1"))
	r, _ = tn.lastReply()
	assert.Equal(t, StatusSuccess, r.Status, "requests are taken again")
}

// §3.10: statuses of a transfer that cannot start: a follower answers
// NOT_LEADER, a target outside the configuration NOT_A_MEMBER, the leader
// itself OK, and a second transfer to another server is refused while the
// first is under way.
func TestTransferStatuses_3_10(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	status := func(to, target NodeID) Response {
		tn.replies[clientA] = nil
		tn.request(to, transferTo(target))
		r, ok := tn.lastReply()
		require.True(t, ok)
		return r
	}
	assert.Equal(t, StatusNotLeader, status(1, 2).Status)
	assert.Equal(t, StatusNotAMember, status(0, 7).Status)
	assert.Equal(t, StatusOK, status(0, 0).Status)
	tn.drop = func(m Message) bool { return m.Type == MsgTimeoutNow }
	tn.request(0, transferTo(1))
	r := status(0, 2)
	assert.Equal(t, StatusError, r.Status)
	assert.Contains(t, r.Err, "transfer to server 1")
}

// §4.2.3 and §3.10: a follower that heard from its leader recently ignores
// an ordinary vote request of a higher term, but grants one of a transfer,
// which that leader asked for.
func TestTransferVotePassesRecentLeaderRule_4_2_3(t *testing.T) {
	for _, transfer := range []bool{false, true} {
		tn := newTestNet(t, 3)
		tn.elect(0)
		tn.advance(10 * time.Millisecond)
		n := tn.nodes[1]
		last, lastTerm := n.LastIndex(), tn.nodes[0].log.lastTerm()
		n.Step(tn.now, &Message{Type: MsgVote, From: 2, To: 1, Term: 2, LastIndex: last, LastTerm: lastTerm, Transfer: transfer})
		tn.collect(n)
		if transfer {
			assert.Equal(t, NodeID(2), n.VotedFor())
		} else {
			assert.Equal(t, uint64(1), n.Term(), "ignored")
		}
	}
}

// The transfer-behind bug (Rules.TransferBehind and Rules.UpToDate) sends
// TimeoutNow at once and has voters grant a transfer's vote whatever the
// log: a target missing committed entries is elected (Leader Completeness,
// §5.4, broken).
func TestBugTransferBehindElectsShortLog(t *testing.T) {
	tn := newTestNetIDs(t, idsUpTo(3), transferBehind)
	tn.elect(0)
	tn.isolate(2, true)
	tn.request(0, set("a", "1"))
	require.Equal(t, uint64(2), tn.nodes[0].CommitIndex())
	// The target comes back, but AppendEntries to it are lost: it cannot
	// catch up before it campaigns.
	tn.isolate(2, false)
	tn.drop = func(m Message) bool { return m.Type == MsgApp && m.To == 2 }
	tn.request(0, transferTo(2))
	require.Equal(t, Leader, tn.nodes[2].Role())
	e, _ := tn.nodes[2].Entry(2)
	assert.NotEqual(t, EntryCommand, e.Kind, "the new leader lacks the committed set a=1")
}

// §3.10 with §7: a target whose log the leader compacted away is caught
// up with the snapshot, and TimeoutNow follows as soon as it has installed
// it when the snapshot holds the whole log, as after entries.
func TestTransferToTargetCaughtUpBySnapshot_3_10(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.isolate(2, true)
	tn.request(0, set("a", "1"))
	tn.request(0, set("b", "2"))
	require.True(t, tn.nodes[0].Compact(tn.now))
	require.Equal(t, tn.nodes[0].LastIndex(), tn.nodes[0].FirstIndex()-1, "the snapshot holds the whole log")
	tn.isolate(2, false)
	tn.replies[clientA] = nil
	tn.request(0, transferTo(2))
	tn.advance(60 * time.Millisecond) // the next heartbeat probes S2, which needs the snapshot
	require.Equal(t, tn.nodes[0].LastIndex(), tn.nodes[2].LastIndex(), "installed the snapshot")
	assert.Equal(t, Leader, tn.nodes[2].Role(), "TimeoutNow once the snapshot is installed")
	r, ok := tn.lastReply()
	require.True(t, ok, "answered")
	assert.Equal(t, StatusOK, r.Status)
}
