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
// AppendEntries to each follower sent age before the interval since the
// last heartbeat ends, and carrying its current commit index: entry 3 goes
// out with commit 2, and the answers are lost, so the commit index stays 2.
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
// has nothing to send. A follower that an AppendEntries left for less than
// an interval ago is not due one: it has just heard from the leader (as
// RaftScope and LogCabin push a peer's heartbeat back on every
// AppendEntries). The leader's tick at the interval is check-quorum's.
func TestHeartbeatSkipsFollowerThatJustGotAppend_5_2(t *testing.T) {
	for _, age := range []time.Duration{10 * time.Millisecond, 25 * time.Millisecond, 40 * time.Millisecond} {
		tn := appendCarryingCommit(t, modern, age)
		tn.fire(0)
		assert.Empty(t, tn.heartbeatsTo(), "both followers got an append %v ago", age)
	}
}

// §5.2 (Figure 2, Rules for Servers, Leaders: heartbeats "repeat during
// idle periods to prevent election timeouts"): a follower's heartbeat is
// due exactly an interval after the leader last sent it anything, never
// later, whatever the leader's own election timeout, and without
// check-quorum the leader has no other tick.
func TestHeartbeatDueAnIntervalAfterLastMessage_5_2(t *testing.T) {
	for _, p := range []protocol{modern, classic} {
		tn := newTestNetProto(t, idsUpTo(3), Rules{}, p)
		tn.elect(0)
		tn.fire(0)
		tn.deliver()
		tn.now = tn.nodes[0].Deadline() - 10*time.Millisecond
		sent := tn.now
		tn.request(0, set("a", "1")) // answered at once
		if p.checkQuorum {
			tn.fire(0) // check-quorum's tick: nobody is due
			require.Empty(t, tn.heartbeatsTo())
			tn.deliver()
		}
		assert.Equal(t, sent+50*time.Millisecond, tn.nodes[0].Deadline(), "%+v", p)
		tn.fire(0)
		assert.Equal(t, []NodeID{1, 2}, tn.heartbeatsTo(), "%+v", p)
	}
}

// §5.2: followers sent messages at different times (entries to one, an
// answer that let the pipeline go on) get their heartbeats in one round
// again: a follower due takes with it every follower due within half an
// interval, so an idle cluster heartbeats once an interval, all together.
func TestHeartbeatRoundGathersFollowersDueSoon_5_2(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		due  NodeID        // the follower due at the tick
		age  time.Duration // how long before the tick the other was sent a message
		want []NodeID
	}{
		{1, 30 * ms, []NodeID{1, 2}}, // 2 due in 20 ms: sooner than half an interval
		{2, 30 * ms, []NodeID{1, 2}},
		{1, 25 * ms, []NodeID{1, 2}},
		{2, 24 * ms, []NodeID{2}}, // 1 due in 26 ms: on its own
		{1, 10 * ms, []NodeID{1}},
	} {
		tn := newClassic(t, 3)
		tn.elect(0)
		tn.deliver()
		l := tn.nodes[0]
		tick := tn.now + 100*ms
		other := 3 - c.due
		l.prs.sent(l.prs.get(c.due), tick-50*ms)
		l.prs.sent(l.prs.get(other), tick-c.age)
		require.Equal(t, tick, l.Deadline())
		tn.fire(0)
		assert.Equal(t, c.want, tn.heartbeatsTo(), "%+v", c)
		tn.deliver()
		if len(c.want) == 2 {
			assert.Equal(t, tick+50*ms, l.Deadline(), "one round an interval from now")
		} else {
			assert.Equal(t, tick-c.age+50*ms, l.Deadline(), "the other's own")
		}
	}
}

// §5.2: a follower whose last AppendEntries carried an older commit index
// learns the commit from its next message, the heartbeat an interval
// after that AppendEntries at the latest.
func TestHeartbeatCarriesNewerCommit_5_2(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.fire(0)
	tn.deliver()
	tn.now = tn.nodes[0].Deadline() - 5*time.Millisecond
	sent := tn.now
	tn.request(0, set("a", "1")) // sent with commit 1, committed at 2
	require.Equal(t, uint64(1), tn.nodes[1].CommitIndex())
	for tn.now < sent+50*time.Millisecond {
		tn.fire(0)
	}
	assert.Equal(t, sent+50*time.Millisecond, tn.now)
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
