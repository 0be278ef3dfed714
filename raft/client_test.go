package raft

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Dissertation §6.2: a server that is not the leader answers NOT_LEADER with
// the leader it knows of.
func TestFollowerRedirects_6_2(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(1)
	tn.request(2, set("a", "1"))
	r, ok := tn.lastReply()
	require.True(t, ok)
	assert.Equal(t, StatusNotLeader, r.Status)
	assert.Equal(t, NodeID(1), r.LeaderHint)
}

// §5.3/§6: the leader answers a write only after it is committed and
// applied, with the state machine's result.
func TestLeaderRepliesAfterApply(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.isolate(1, true)
	tn.isolate(2, true)
	tn.request(0, set("a", "1"))
	_, ok := tn.lastReply()
	assert.False(t, ok, "no quorum, no reply")
	tn.isolate(1, false)
	tn.advance(60 * time.Millisecond)
	r, ok := tn.lastReply()
	require.True(t, ok)
	assert.Equal(t, Response{Status: StatusSuccess, Result: "1", LeaderHint: None}, r)
}

// Dissertation §6.3: with a session (client id + sequence number), a command
// retried after it was applied is not applied again; the first answer is
// returned.
func TestSessionAppliesRetryOnce_6_3(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.request(0, Command{ClientID: 7, Seq: 1, Op: OpSet, Key: "n", Value: "1"})
	// Two copies of the same cas in the log (a retry after a lost reply):
	// the second must not run again and must return the first's result.
	cas := Command{ClientID: 7, Seq: 2, Op: OpCAS, Key: "n", Old: "1", Value: "2"}
	n := tn.nodes[0]
	n.Step(tn.now, Message{Type: MsgClient, From: clientA, To: 0, Cmd: cas})
	n.Step(tn.now, Message{Type: MsgClient, From: clientA, To: 0, Cmd: cas})
	tn.collect(n)
	tn.deliver()
	tn.advance(60 * time.Millisecond)
	r := tn.replies[clientA]
	require.Len(t, r, 3)
	assert.Equal(t, Value("true"), r[1].Result)
	assert.Equal(t, Value("true"), r[2].Result, "the duplicate gets the first answer, not false")
	for _, id := range []NodeID{0, 1, 2} {
		assert.Equal(t, Value("2"), tn.nodes[id].StateMachine()["n"])
	}
	assert.Equal(t, uint64(4), n.LastIndex(), "noop, set, cas, cas")
}

// A client whose entry is overwritten by a new leader never hears success
// for it (a raft.js bug); the deposed leader answers NOT_LEADER.
func TestOverwrittenEntryNeverReportsSuccess(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.advance(60 * time.Millisecond)
	tn.isolate(0, true)
	n := tn.nodes[0]
	n.Step(tn.now, Message{Type: MsgClient, From: clientA, To: 0, Cmd: set("a", "old")})
	tn.collect(n)
	tn.queue = nil
	tn.elect(1)
	tn.request(1, set("a", `"new"`))
	tn.replies[clientA] = nil
	tn.isolate(0, false)
	tn.advance(200 * time.Millisecond)
	r := tn.replies[clientA]
	require.NotEmpty(t, r)
	for _, resp := range r {
		assert.NotEqual(t, StatusSuccess, resp.Status)
	}
	assert.Equal(t, Value(`"new"`), tn.nodes[0].StateMachine()["a"])
}

// Dissertation §6.4: a read-only request is served only after a heartbeat
// round confirms leadership. A deposed leader cut off from the cluster
// never answers from its stale state machine.
func TestReadIndexRefusesStaleLeader_6_4(t *testing.T) {
	for _, bug := range []Bug{BugNone, BugStaleRead} {
		tn := newTestNetIDs(t, []NodeID{0, 1, 2}, bug)
		tn.elect(0)
		tn.request(0, set("a", "1"))
		tn.isolate(0, true)
		tn.elect(1)
		tn.request(1, set("a", "2"))
		tn.replies[clientA] = nil
		// The old leader still believes it leads; the client can reach it.
		delete(tn.cut, [2]NodeID{clientA, 0})
		delete(tn.cut, [2]NodeID{0, clientA})
		tn.request(0, Command{Op: OpGet, Key: "a", ReadOnly: true})
		r, ok := tn.lastReply()
		if bug == BugNone {
			assert.False(t, ok, "no answer without a quorum's confirmation, got %+v", r)
		} else {
			require.True(t, ok)
			assert.Equal(t, Value("1"), r.Result, "the stale-read bug serves the stale value")
		}
	}
}

// §6.4: a read on a healthy leader is answered with the latest value, and
// it does not add an entry to the log.
func TestReadIndexServesCommittedValue_6_4(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.request(0, set("a", "1"))
	last := tn.nodes[0].LastIndex()
	tn.request(0, Command{Op: OpGet, Key: "a", ReadOnly: true})
	r, ok := tn.lastReply()
	require.True(t, ok)
	assert.Equal(t, StatusSuccess, r.Status)
	assert.Equal(t, Value("1"), r.Result)
	assert.Equal(t, last, tn.nodes[0].LastIndex())
}

// A read that arrives before the new leader committed its no-op waits for
// it (§6.4 step 1) and is then served.
func TestReadWaitsForNoop_6_4(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.fire(0)
	// Deliver only the vote exchange; then ask for a read at once.
	for len(tn.queue) > 0 && tn.nodes[0].Role() != Leader {
		m := tn.queue[0]
		tn.queue = tn.queue[1:]
		tn.deliverOne(m)
	}
	require.Equal(t, Leader, tn.nodes[0].Role())
	require.Equal(t, uint64(0), tn.nodes[0].CommitIndex())
	held := tn.queue
	tn.queue = nil
	tn.request(0, Command{Op: OpGet, Key: "a", ReadOnly: true})
	tn.queue = append(held, tn.queue...)
	tn.deliver()
	r, ok := tn.lastReply()
	require.True(t, ok)
	assert.Equal(t, StatusSuccess, r.Status)
}

func TestKVOperations(t *testing.T) {
	kv := newKV()
	assert.Equal(t, Value("1"), kv.apply(Command{Op: OpSet, Key: "a", Value: "1"}).Result)
	assert.Equal(t, Value("1"), kv.apply(Command{Op: OpGet, Key: "a"}).Result)
	assert.Equal(t, Value("false"), kv.apply(Command{Op: OpCAS, Key: "a", Old: "2", Value: "3"}).Result)
	assert.Equal(t, Value("true"), kv.apply(Command{Op: OpCAS, Key: "a", Old: "1", Value: "3"}).Result)
	assert.Equal(t, Value("3"), kv.apply(Command{Op: OpDel, Key: "a"}).Result)
	assert.Equal(t, Value(""), kv.apply(Command{Op: OpGet, Key: "a"}).Result)
	assert.Equal(t, Value("true"), kv.apply(Command{Op: OpCAS, Key: "b", Old: "", Value: "1"}).Result, "cas from absent")
}
