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
// that reaches the log twice (a retry through a new leader) is applied once;
// the copy gets the first answer. A retry after the command was applied is
// answered from the session table without touching the log.
// (The state machine's side, a copy applied once, is kv's
// TestSessionAppliesRetryOnce_6_3.)
func TestSessionAppliesRetryOnce_6_3(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.request(0, cas0)
	last := tn.nodes[0].LastIndex()
	tn.request(0, cas0)
	r := tn.replies[clientA]
	require.Len(t, r, 2)
	assert.Equal(t, r[0], r[1])
	assert.Equal(t, last, tn.nodes[0].LastIndex(), "answered from the session table")
}

var cas0 = Command{ClientID: 7, Seq: 1, Op: OpCAS, Key: "n", Old: "", Value: "1"}

// A client whose entry is overwritten by a new leader never hears success
// for it (a raft.js bug); the deposed leader answers NOT_LEADER.
func TestOverwrittenEntryNeverReportsSuccess(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.advance(60 * time.Millisecond)
	tn.isolate(0, true)
	n := tn.nodes[0]
	n.Step(tn.now, &Message{Type: MsgClient, From: clientA, To: 0, Cmd: setp("a", "old")})
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
	assert.Equal(t, Value(`"new"`), tn.sm(0)["a"])
}

// Dissertation §6.4: a read-only request is served only after a heartbeat
// round confirms leadership. A deposed leader cut off from the cluster
// never answers from its stale state machine.
func TestReadIndexRefusesStaleLeader_6_4(t *testing.T) {
	for _, rules := range []Rules{{}, unconfirmedReads} {
		tn := newTestNetIDs(t, []NodeID{0, 1, 2}, rules)
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
		if !rules.UnconfirmedReads {
			assert.False(t, ok, "no answer without a quorum's confirmation, got %+v", r)
		} else {
			require.True(t, ok)
			assert.Equal(t, Value("1"), r.Result, "Rules.UnconfirmedReads (the stale-read bug) serves the stale value")
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
	tn.winVotesOnly(0) // then ask for a read at once
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

// A client that retries a command still waiting in the leader's log (its
// reply was slow, not lost) does not get a second copy appended.
func TestRetryOfPendingCommandNotAppendedTwice_6_3(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.isolate(1, true)
	tn.isolate(2, true)
	cmd := Command{ClientID: 9, Seq: 1, Op: OpSet, Key: "a", Value: "1"}
	tn.request(0, cmd)
	tn.request(0, cmd)
	tn.request(0, cmd)
	assert.Equal(t, uint64(2), tn.nodes[0].LastIndex(), "noop and one copy")
	tn.isolate(1, false)
	tn.advance(60 * time.Millisecond)
	r := tn.replies[clientA]
	require.Len(t, r, 1)
	assert.Equal(t, StatusSuccess, r[0].Status)
}

// With Rules.NoNoop (the figure8 bug) a leader has no no-op at the start of
// a term; a read or a membership change then appends one itself, so the
// broken Raft still answers (its mistake is in counting, not in liveness).
func TestNoNoopReadAppendsNoop(t *testing.T) {
	tn := newTestNetIDs(t, []NodeID{0, 1, 2}, anyTermCommits)
	tn.elect(0)
	require.Equal(t, uint64(0), tn.nodes[0].LastIndex())
	tn.request(0, Command{Op: OpGet, Key: "a", ReadOnly: true})
	r, ok := tn.lastReply()
	require.True(t, ok)
	assert.Equal(t, StatusSuccess, r.Status)
	assert.Equal(t, uint64(1), tn.nodes[0].LastIndex())
}

// §6.4: a heartbeat round confirms leadership only for the term it was sent
// in. A follower that rejects an AppendEntries of an old term answers with its
// own (newer) term; if that answer echoed the old round number, a server
// re-elected in the follower's term would take it for an acknowledgement of
// its own round and serve a read no quorum confirmed (found by chaos).
func TestReadIndexIgnoresEchoOfOldTermRound_6_4(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.request(0, set("a", "1"))
	for range 5 {
		tn.request(0, Command{Op: OpGet, Key: "a", ReadOnly: true})
	}
	// A term-1 heartbeat to S1, carrying the latest round, is held back.
	tn.fire(0)
	var old Message
	for _, m := range tn.queue {
		if (m.Type == MsgApp || m.Type == MsgHeartbeat) && m.To == 1 {
			old = m
		}
	}
	require.NotZero(t, old.ReadSeq)
	tn.queue = nil
	tn.elect(1) // term 2
	tn.elect(0) // term 3: S0 leads again
	require.Equal(t, uint64(3), tn.nodes[0].Term())
	tn.advance(60 * time.Millisecond)
	tn.isolate(0, true)
	tn.replies[clientA] = nil

	// The old heartbeat reaches S1 now; S1's rejection (term 3) reaches S0.
	tn.nodes[1].Step(tn.now, &old)
	rd := tn.collect(tn.nodes[1])
	tn.queue = nil
	for _, m := range rd.Messages {
		if m.To == 0 {
			tn.nodes[0].Step(tn.now, &m)
		}
	}
	tn.nodes[0].Step(tn.now, &Message{Type: MsgClient, From: clientA, To: 0, Cmd: &Command{Op: OpGet, Key: "a", ReadOnly: true}})
	for _, m := range tn.collect(tn.nodes[0]).Messages {
		assert.NotEqual(t, MsgClientResp, m.Type, "a read served with no round acknowledged by a quorum: %+v", m)
	}
}

// §6.4: reads coalesce into rounds. On a leader cut off from its quorum, a
// client retrying one read a thousand times leaves one read waiting, and a
// thousand different reads share rounds: one round is out at a time, so
// the leader sends a heartbeat per follower per round, not per read; past a
// bound, reads are refused at once instead of piling up.
func TestReadIndexCoalescesRounds_6_4(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.request(0, set("a", "1"))
	tn.isolate(1, true)
	tn.isolate(2, true)
	n := tn.nodes[0]
	sent := func(cmds ...Command) (apps, replies int) {
		for _, cmd := range cmds {
			n.Step(tn.now, &Message{Type: MsgClient, From: clientA, To: 0, Cmd: &cmd})
			for _, m := range tn.collect(n).Messages {
				switch m.Type {
				case MsgApp, MsgHeartbeat:
					apps++
				case MsgClientResp:
					replies++
				}
			}
		}
		tn.queue = nil
		return apps, replies
	}
	read := Command{ClientID: 5, Seq: 1, Op: OpGet, Key: "a", ReadOnly: true}
	var retries []Command
	for range 1000 {
		retries = append(retries, read)
	}
	apps, replies := sent(retries...)
	assert.Equal(t, 2, apps, "one round: a heartbeat to each follower")
	assert.Zero(t, replies)
	assert.Equal(t, 1, len(n.reads), "the retries replace the read they retry")

	var others []Command
	for i := range 2000 {
		others = append(others, Command{ClientID: uint64(100 + i), Seq: 1, Op: OpGet, Key: "a", ReadOnly: true})
	}
	apps, replies = sent(others...)
	assert.Zero(t, apps, "every new read waits for the next round")
	assert.Equal(t, maxReads, len(n.reads))
	assert.Equal(t, 2000-maxReads+1, replies, "reads past the bound are refused at once")

	// The next heartbeat carries the next round; when the followers are
	// back, they answer it and every waiting read is served.
	tn.isolate(1, false)
	tn.isolate(2, false)
	tn.replies[clientA] = nil
	tn.advance(60 * time.Millisecond)
	assert.Empty(t, n.reads)
	assert.Equal(t, maxReads, len(tn.replies[clientA]))
}

// §6.4: a leader acknowledges its own heartbeat rounds. Re-elected, it
// carries its round number over from its earlier term; its own
// acknowledgement must come along, or its first read waits for a round
// no quorum of the others alone can confirm (with a follower down, until
// the next heartbeat).
func TestReadIndexFirstReadOfReelectedLeader_6_4(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.request(0, set("a", "1"))
	tn.request(0, Command{Op: OpGet, Key: "a", ReadOnly: true})
	require.NotZero(t, tn.nodes[0].readSeq)
	tn.elect(1)
	tn.advance(60 * time.Millisecond)
	tn.isolate(1, true)
	tn.elect(0) // term 3: S0 leads again, its round number carried over
	tn.replies[clientA] = nil
	tn.request(0, Command{Op: OpGet, Key: "a", ReadOnly: true}) // no clock moves
	r, ok := tn.lastReply()
	require.True(t, ok, "the read waits for a round the leader's own acknowledgement would have confirmed")
	assert.Equal(t, Value("1"), r.Result)
}

// Dissertation §6.3: the leader stamps each entry it appends with its
// clock, and the entry carries that time to every server, so that state
// machines expire client sessions by the log's time, alike everywhere.
func TestEntriesCarryTheLeadersTime_6_3(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.advance(500 * time.Millisecond)
	sent := tn.now
	tn.request(0, set("a", "1"))
	tn.advance(60 * time.Millisecond)
	for _, id := range tn.ids() {
		e, ok := tn.nodes[id].Entry(tn.nodes[0].LastIndex())
		require.True(t, ok)
		assert.Equal(t, sent, e.Time, "server %d holds the leader's time of append", id)
	}
}
