package raft

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// settledLeader elects server 0 of tn and lets its no-op reach everyone,
// so that every follower is in stateReplicate with nothing in flight.
func settledLeader(t *testing.T, tn *testNet) *Node {
	tn.elect(0)
	tn.advance(60 * time.Millisecond)
	require.Empty(t, tn.queue)
	l := tn.nodes[0]
	for _, id := range l.peers {
		require.Equal(t, stateReplicate, l.prs.get(id).state)
		require.Empty(t, l.prs.get(id).inflight)
	}
	return l
}

// propose steps k client requests into the leader, one Ready each, and
// delivers nothing.
func propose(tn *testNet, l *Node, k int) {
	for range k {
		// A new sequence number each: the log only grows.
		l.Step(tn.now, &Message{Type: MsgClient, From: clientA, To: l.ID(),
			Cmd: &Command{ClientID: 7, Seq: l.LastIndex() + 1, Op: OpSet, Key: "k", Value: "1"}})
		tn.collect(l)
	}
}

// appsTo returns the AppendEntries to id waiting in tn's queue.
func appsTo(tn *testNet, id NodeID) []Message {
	var out []Message
	for _, m := range tn.queue {
		if m.Type == MsgApp && m.To == id {
			out = append(out, m)
		}
	}
	return out
}

// deliverFirst delivers the first queued message matching f, and only it.
func deliverFirst(t *testing.T, tn *testNet, f func(Message) bool) {
	for i, m := range tn.queue {
		if f(m) {
			tn.queue = append(tn.queue[:i:i], tn.queue[i+1:]...)
			tn.deliverOne(m)
			return
		}
	}
	require.Fail(t, "no such message in the queue")
}

// Batching (dissertation §10.2.1, with §5.3's pipelining): entries proposed
// while an AppendEntries is in flight to a follower do not get a message
// each; they wait in the log and go together, in one message, when the
// follower's answer frees the pipeline.
func TestBatchProposalsWhileAppendInFlightGoTogether_10_2_1(t *testing.T) {
	tn := newTestNet(t, 3)
	l := settledLeader(t, tn)
	first := l.LastIndex() + 1
	propose(tn, l, 10)
	apps := appsTo(tn, 1)
	require.Len(t, apps, 1, "the first proposal goes at once; the next nine wait for its answer")
	require.Len(t, apps[0].Entries, 1)
	assert.Equal(t, first, apps[0].Entries[0].Index)

	deliverFirst(t, tn, func(m Message) bool { return m.Type == MsgApp && m.To == 1 })
	deliverFirst(t, tn, func(m Message) bool { return m.Type == MsgAppResp && m.From == 1 })
	apps = appsTo(tn, 1)
	require.Len(t, apps, 1, "the answer sends what waited, in one message")
	require.Len(t, apps[0].Entries, 9)
	assert.Equal(t, first+1, apps[0].Entries[0].Index)
	assert.Equal(t, first+9, apps[0].Entries[8].Index)

	tn.deliver()
	assert.Equal(t, l.Log(), tn.nodes[1].Log())
	assert.Equal(t, l.Log(), tn.nodes[2].Log())
	assert.Equal(t, first+9, l.CommitIndex())
}

// Batching costs a lone request nothing (§10.2.1): with nothing in flight,
// a proposal goes to every follower in the Ready of the step that appended
// it, as it would without batching.
func TestBatchLoneProposalGoesAtOnce_10_2_1(t *testing.T) {
	tn := newTestNet(t, 5)
	l := settledLeader(t, tn)
	for round := range 3 {
		propose(tn, l, 1)
		for _, id := range l.peers {
			apps := appsTo(tn, id)
			require.Len(t, apps, 1, "round %d, server %d", round, id)
			require.Len(t, apps[0].Entries, 1)
			assert.Equal(t, l.LastIndex(), apps[0].Entries[0].Index)
		}
		tn.deliver()
		assert.Equal(t, l.LastIndex(), l.CommitIndex())
	}
}

// MaxBatch bounds a batch (§10.2.1): a message never carries more than
// MaxBatch entries, and once a whole batch waits it goes at once, even with
// messages in flight (whole batches pipeline, §5.3). What the answer finds
// waiting goes in batches too, as far as the in-flight window allows.
func TestBatchMaxBatchBoundsEachMessage_10_2_1(t *testing.T) {
	tn := newBatchNet(t, 3, 4)
	l := settledLeader(t, tn)
	first := l.LastIndex() + 1
	propose(tn, l, 11)
	var sizes []int
	for _, m := range appsTo(tn, 1) {
		sizes = append(sizes, len(m.Entries))
	}
	assert.Equal(t, []int{1, 4, 4}, sizes, "the first at once, then each whole batch; 2 entries wait")
	assert.Equal(t, first+9, l.prs.get(1).next)

	// Hold follower 1's answers back while 30 more entries pile up.
	queued := len(tn.queue)
	propose(tn, l, 30)
	sizes = sizes[:0]
	for _, m := range tn.queue[queued:] {
		if m.Type == MsgApp && m.To == 1 {
			sizes = append(sizes, len(m.Entries))
		}
	}
	assert.Equal(t, []int{4, 4, 4, 4, 4, 4, 4, 4}, sizes)
	most := 0
	tn.drop = func(m Message) bool {
		if m.Type == MsgApp {
			most = max(most, len(m.Entries))
		}
		return false
	}
	tn.deliver()
	assert.Equal(t, 4, most, "no message carries more than MaxBatch entries")
	assert.Equal(t, l.Log(), tn.nodes[1].Log())
	for _, id := range l.peers {
		assert.Equal(t, l.LastIndex(), l.prs.get(id).match)
	}
	assert.Equal(t, first+40, l.CommitIndex())
}

// A lost batch is recovered (§5.3): the follower's log catches up with the
// leader's within heartbeat intervals, and the lost entries cross again
// once, not once per heartbeat.
func TestBatchLostBatchRecovered_5_3(t *testing.T) {
	tn := newTestNet(t, 3)
	l := settledLeader(t, tn)
	lost := 0
	tn.drop = func(m Message) bool {
		if m.Type == MsgApp && m.To == 2 && len(m.Entries) == 9 && lost == 0 {
			lost++
			return true
		}
		return false
	}
	propose(tn, l, 10)
	tn.entriesTo = map[NodeID]int{}
	tn.deliver()
	require.Equal(t, 1, lost, "the batch of nine was sent, and lost")
	assert.Less(t, tn.nodes[2].LastIndex(), l.LastIndex())
	tn.advance(200 * time.Millisecond)
	assert.Equal(t, l.Log(), tn.nodes[2].Log())
	assert.Equal(t, l.CommitIndex(), tn.nodes[2].CommitIndex())
	assert.Equal(t, 18, tn.entriesTo[2], "the nine sent twice: lost once, then recovered")
}

// The wait for a batch is bounded by a heartbeat interval (§10.2.1, §5.2):
// when the answer that would free the pipeline is lost, the next heartbeat
// sends what waits (or probes a pipeline without progress), and the
// follower has every entry after one interval.
func TestBatchHeartbeatSendsWhatWaits_10_2_1(t *testing.T) {
	tn := newTestNet(t, 3)
	l := settledLeader(t, tn)
	first := l.LastIndex() + 1
	tn.drop = func(m Message) bool { return m.Type == MsgAppResp && m.From == 1 && m.Match == first }
	propose(tn, l, 10)
	tn.deliver()
	require.Less(t, tn.nodes[1].LastIndex(), l.LastIndex(), "nine wait for an answer that was lost")
	tn.drop = nil
	tn.advance(l.cfg.HeartbeatInterval)
	assert.Equal(t, l.Log(), tn.nodes[1].Log())
}

// MaxBatch 1 turns batching off: every entry is a whole batch, and goes in
// a message of its own at once, up to MaxInflight messages.
func TestBatchOffWithMaxBatchOne(t *testing.T) {
	tn := newBatchNet(t, 3, 1)
	l := settledLeader(t, tn)
	propose(tn, l, 10)
	apps := appsTo(tn, 1)
	require.Len(t, apps, 10)
	for _, m := range apps {
		assert.Len(t, m.Entries, 1)
	}
}

// A follower that catches up gets its backlog pipelined (§5.3,
// dissertation §10.2.1): once a probe's answer says where its log ends,
// the leader sends whole batches up to MaxInflight messages at once, not
// one message per round trip.
func TestBatchCatchUpPipelines_10_2_1(t *testing.T) {
	tn := newBatchNet(t, 3, 4)
	l := settledLeader(t, tn)
	tn.crash(2)
	for range 40 {
		propose(tn, l, 1)
		tn.deliver()
	}
	tn.advance(200 * time.Millisecond) // probes go unanswered
	tn.start(2)
	tn.fire(0) // a heartbeat: the probe
	trips := 0
	for ; trips < 50 && tn.nodes[2].LastIndex() < l.LastIndex(); trips++ {
		// One round trip: what is queued for server 2, then its answers.
		out := tn.queue
		tn.queue = nil
		for _, m := range out {
			if m.To == 2 {
				tn.deliverOne(m)
			}
		}
		back := tn.queue
		tn.queue = nil
		for _, m := range back {
			if m.From == 2 {
				tn.deliverOne(m)
			}
		}
	}
	assert.Equal(t, l.Log(), tn.nodes[2].Log())
	assert.LessOrEqual(t, trips, 3, "probe, then the backlog of 40 entries in one window (10 round trips one message at a time)")
}

// A commit round ends when its entries are committed (§10.2.1): a
// proposal that finds the messages in flight to a follower all committed,
// the quorum having answered before it, goes to that follower at once,
// though its answer is still on the way. Holding it back would make the
// new entry's commit wait for the slowest follower's round trip.
func TestBatchNewRoundGoesAtOnce_10_2_1(t *testing.T) {
	tn := newTestNet(t, 3)
	l := settledLeader(t, tn)
	propose(tn, l, 1)
	deliverFirst(t, tn, func(m Message) bool { return m.Type == MsgApp && m.To == 1 })
	deliverFirst(t, tn, func(m Message) bool { return m.Type == MsgAppResp && m.From == 1 })
	require.Equal(t, l.LastIndex(), l.CommitIndex(), "S0 and S1 are a quorum")
	require.Len(t, l.prs.get(2).inflight, 1, "S2 has not answered yet")
	propose(tn, l, 1)
	apps := appsTo(tn, 2)
	require.Len(t, apps, 2, "the new entry goes to S2 at once")
	assert.Equal(t, l.LastIndex(), apps[1].Entries[0].Index)
	propose(tn, l, 1)
	assert.Len(t, appsTo(tn, 2), 2, "a round is under way again: the next entry waits")
}
