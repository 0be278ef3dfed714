package raft

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heartbeatsTo returns the followers the queued messages hold a
// Heartbeat for.
func (tn *testNet) heartbeatsTo() []NodeID {
	var to []NodeID
	for _, m := range tn.queue {
		if m.Type == MsgHeartbeat {
			to = append(to, m.To)
		}
	}
	return to
}

// appendCarryingCommit leaves server 0 leading 3 servers, with the last
// AppendEntries to each follower sent age before its next heartbeat and
// carrying its current commit index: entry 3 goes out with commit 2, and
// the answers are lost, so the commit index stays 2.
func appendCarryingCommit(t *testing.T, p protocol, age time.Duration) *testNet {
	tn := newTestNetProto(t, idsUpTo(3), Rules{}, p)
	tn.elect(0)
	tn.fire(0) // a heartbeat: the followers learn the no-op's commit
	tn.deliver()
	tn.now = tn.nodes[0].Deadline() - age - time.Millisecond
	tn.request(0, set("a", "1")) // entry 2, committed
	require.Equal(t, uint64(2), tn.nodes[0].CommitIndex())
	tn.now += time.Millisecond
	tn.drop = func(m Message) bool { return m.Type == MsgAppResp }
	tn.request(0, set("b", "2")) // entry 3, with commit 2; not committed
	tn.drop = nil
	require.Equal(t, uint64(2), tn.nodes[0].CommitIndex())
	require.Equal(t, uint64(2), tn.nodes[1].CommitIndex(), "the append carried the commit")
	return tn
}

// §5.2: heartbeats keep followers from starting elections when the leader
// has nothing to send. A follower that an AppendEntries carrying the
// current commit index left for less than half an interval ago has just
// heard all a heartbeat would say: the next heartbeat skips it (as
// LogCabin, where each AppendEntries pushes a peer's heartbeat back).
func TestHeartbeatSkipsFollowerThatJustGotAppend_5_2(t *testing.T) {
	tn := appendCarryingCommit(t, modern, 10*time.Millisecond)
	tn.fire(0)
	assert.Empty(t, tn.heartbeatsTo(), "both followers got an append with commit 2 10 ms ago")
}

// §5.2: an AppendEntries half an interval old or more does not spare a
// heartbeat, so no follower waits more than 1.5 intervals for a message.
func TestHeartbeatAfterOldAppend_5_2(t *testing.T) {
	for _, age := range []time.Duration{25 * time.Millisecond, 40 * time.Millisecond} {
		tn := appendCarryingCommit(t, modern, age)
		tn.fire(0)
		assert.Equal(t, []NodeID{1, 2}, tn.heartbeatsTo(), "append %v old", age)
	}
}

// §5.2: a follower whose last AppendEntries carried an older commit index
// gets the heartbeat, which tells it the commit (a write is visible on
// every follower one message after it commits, as without the skip).
func TestHeartbeatCarriesNewerCommit_5_2(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.fire(0)
	tn.deliver()
	tn.now = tn.nodes[0].Deadline() - 5*time.Millisecond
	tn.request(0, set("a", "1")) // sent with commit 1, committed at 2
	require.Equal(t, uint64(1), tn.nodes[1].CommitIndex())
	tn.fire(0)
	assert.Equal(t, []NodeID{1, 2}, tn.heartbeatsTo())
	tn.deliver()
	assert.Equal(t, uint64(2), tn.nodes[1].CommitIndex())
	assert.Equal(t, uint64(2), tn.nodes[2].CommitIndex())
}

// Dissertation §6.4: a ReadIndex round needs a majority's answer to it; the
// heartbeat that starts it goes to every follower, however lately each got
// an AppendEntries. Skipped, the read would wait for the next interval.
func TestReadRoundHeartbeatsEveryone_6_4(t *testing.T) {
	tn := appendCarryingCommit(t, modern, 10*time.Millisecond)
	tn.queue = append(tn.queue, Message{Type: MsgClient, From: clientA, To: 0, Cmd: &Command{Op: OpGet, Key: "a", ReadOnly: true}})
	tn.deliverOne(tn.queue[0])
	tn.queue = tn.queue[1:]
	assert.Equal(t, []NodeID{1, 2}, tn.heartbeatsTo(), "the read's round")
	tn.deliver()
	r, ok := tn.lastReply()
	require.True(t, ok, "the round is answered at once")
	assert.Equal(t, Value("1"), r.Result)
}

// Dissertation §6.4.1: with lease reads every heartbeat is a round, whose
// answers renew the lease: none is skipped.
func TestLeaseHeartbeatsEveryone_6_4_1(t *testing.T) {
	tn := appendCarryingCommit(t, leased, 10*time.Millisecond)
	tn.fire(0)
	assert.Equal(t, []NodeID{1, 2}, tn.heartbeatsTo())
}

// The shell's timeout on a leader sends its heartbeats at once, to every
// follower.
func TestExpireHeartbeatsEveryone(t *testing.T) {
	tn := appendCarryingCommit(t, modern, 10*time.Millisecond)
	tn.nodes[0].Expire(tn.now)
	tn.collect(tn.nodes[0])
	assert.Equal(t, []NodeID{1, 2}, tn.heartbeatsTo())
}

// §5.2: whatever the interval and the election timeout, a follower spared
// a heartbeat hears from the leader within the interval plus the skip
// bound: at most 1.5 intervals, and less than the election timeout.
func TestHeartbeatSkipBound_5_2(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct{ hb, et, want time.Duration }{
		{50 * ms, 150 * ms, 25 * ms},
		{100 * ms, 150 * ms, 25 * ms},
		{149 * ms, 150 * ms, ms / 2},
		{10 * ms, 1000 * ms, 5 * ms},
	} {
		n := &Node{cfg: Config{HeartbeatInterval: c.hb, ElectionTimeout: c.et}}
		b := n.heartbeatSkip()
		assert.Equal(t, c.want, b, "interval %v, timeout %v", c.hb, c.et)
		assert.LessOrEqual(t, c.hb+b, c.hb*3/2)
		assert.Less(t, c.hb+b, c.et)
	}
}
