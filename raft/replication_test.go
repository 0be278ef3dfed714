package raft

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// §5.3: a follower refuses AppendEntries whose previous entry it does not
// hold, and hints where to resume: its log length when too short, or the
// first index of the conflicting term.
func TestConsistencyCheckWithHint_5_3(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.disks[1].Log = []Entry{{Index: 1, Term: 1}, {Index: 2, Term: 2}, {Index: 3, Term: 2}}
	tn.disks[1].HardState = HardState{Term: 3, VotedFor: None}
	n := tn.start(1)

	n.Step(0, &Message{Type: MsgApp, From: 0, To: 1, Term: 3, PrevIndex: 7, PrevTerm: 3, Probe: true})
	m := tn.collect(n).Messages[0]
	assert.True(t, m.Reject)
	assert.Equal(t, uint64(0), m.ConflictTerm)
	assert.Equal(t, uint64(4), m.ConflictIndex, "too short: resume at its length + 1")

	n.Step(0, &Message{Type: MsgApp, From: 0, To: 1, Term: 3, PrevIndex: 3, PrevTerm: 3})
	m = tn.collect(n).Messages[0]
	assert.True(t, m.Reject)
	assert.Equal(t, uint64(2), m.ConflictTerm)
	assert.Equal(t, uint64(2), m.ConflictIndex, "first index of the conflicting term")
}

// A pipelined AppendEntries that overtook the ones before it is held, not
// refused, and handled when they arrive: each entry crosses once. A probe
// beyond the log is refused at once (TestConsistencyCheckWithHint_5_3).
func TestAppendAheadOfItsPredecessorIsHeld(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	n := tn.nodes[1]
	last := n.LastIndex()
	e := func(i uint64) []Entry { return []Entry{{Index: i, Term: 1, Kind: EntryCommand, Cmd: setp("k", "1")}} }
	n.Step(tn.now, &Message{Type: MsgApp, From: 0, To: 1, Term: 1, PrevIndex: last + 1, PrevTerm: 1, Entries: e(last + 2)})
	assert.Empty(t, tn.collect(n).Messages, "held: no refusal")
	n.Step(tn.now, &Message{Type: MsgApp, From: 0, To: 1, Term: 1, PrevIndex: last, PrevTerm: 1, Entries: e(last + 1)})
	rd := tn.collect(n)
	require.Len(t, rd.Messages, 2, "both answered once the first arrived")
	assert.Equal(t, last+1, rd.Messages[0].Match)
	assert.Equal(t, last+2, rd.Messages[1].Match)
	assert.Equal(t, last+2, n.LastIndex())
}

// §5.3: an existing entry that conflicts with a new one is deleted with all
// that follow; the follower's disk is told to truncate before appending.
func TestConflictTruncation_5_3(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.disks[1].Log = []Entry{{Index: 1, Term: 1}, {Index: 2, Term: 2}, {Index: 3, Term: 2}}
	tn.disks[1].HardState = HardState{Term: 3, VotedFor: None}
	n := tn.start(1)
	n.Step(0, &Message{Type: MsgApp, From: 0, To: 1, Term: 3, PrevIndex: 1, PrevTerm: 1,
		Entries: []Entry{{Index: 2, Term: 3, Kind: EntryCommand, Cmd: setp("x", "1")}}})
	rd := tn.collect(n)
	assert.False(t, rd.Messages[0].Reject)
	assert.Equal(t, uint64(2), rd.Messages[0].Match)
	assert.Equal(t, uint64(2), rd.TruncateFrom)
	assert.Equal(t, uint64(2), n.LastIndex())
	require.Len(t, tn.disks[1].Log, 2)
	assert.Equal(t, uint64(3), tn.disks[1].Log[1].Term)
}

// §5.3: a delayed AppendEntries carrying entries the follower already holds
// must not truncate the entries after them.
func TestStaleAppendDoesNotTruncate_5_3(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.disks[1].Log = []Entry{{Index: 1, Term: 1}, {Index: 2, Term: 1}, {Index: 3, Term: 1}}
	tn.disks[1].HardState = HardState{Term: 1, VotedFor: None}
	n := tn.start(1)
	n.Step(0, &Message{Type: MsgApp, From: 0, To: 1, Term: 1, PrevIndex: 0, PrevTerm: 0,
		Entries: []Entry{{Index: 1, Term: 1}}})
	rd := tn.collect(n)
	assert.Equal(t, uint64(3), n.LastIndex())
	assert.Equal(t, uint64(0), rd.TruncateFrom, "nothing to write")
}

// Figure 2: a follower's commitIndex is min(leaderCommit, index of last new
// entry), never beyond what it has verified matches the leader.
func TestFollowerCommitBoundedByLastNewEntry_5_3(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.disks[1].Log = []Entry{{Index: 1, Term: 1}, {Index: 2, Term: 1}, {Index: 3, Term: 1}}
	tn.disks[1].HardState = HardState{Term: 2, VotedFor: None}
	n := tn.start(1)
	n.Step(0, &Message{Type: MsgApp, From: 0, To: 1, Term: 2, PrevIndex: 1, PrevTerm: 1, Commit: 10})
	tn.collect(n)
	assert.Equal(t, uint64(1), n.CommitIndex(), "entries 2 and 3 are not yet known to match the leader")
}

// §5.3 with fast backtracking: a follower far behind with a long conflicting
// suffix is repaired in a handful of round trips, not one per entry.
func TestFastBacktrackingRepairsLongConflict_5_3(t *testing.T) {
	tn := newTestNet(t, 3)
	var stale []Entry
	for i := uint64(1); i <= 50; i++ {
		stale = append(stale, Entry{Index: i, Term: 1 + i/10})
	}
	tn.disks[2].Log = stale
	for id := range tn.disks {
		tn.disks[id].HardState = HardState{Term: 7, VotedFor: None}
		tn.start(id)
	}
	tn.isolate(2, true)
	tn.elect(0)
	for i := 0; i < 100; i++ {
		tn.request(0, set("k", Value("1")))
	}
	tn.isolate(2, false)
	before := tn.sent
	tn.advance(200 * time.Millisecond)
	assert.Equal(t, tn.nodes[0].LastIndex(), tn.nodes[2].LastIndex())
	assert.Equal(t, tn.nodes[0].Log(), tn.nodes[2].Log())
	assert.Less(t, tn.sent-before, 60, "repair took %d messages", tn.sent-before)
}

// §5.4.2 (Figure 8): a leader never commits an entry of an earlier term by
// counting replicas; it commits it only through an entry of its own term.
func TestNoCommitOfEarlierTermByCounting_5_4_2(t *testing.T) {
	for _, rules := range []Rules{{}, anyTermCommits} {
		tn := newTestNetProto(t, idsUpTo(5), rules, classic)
		// Server 0 is leader of term 4 with an entry of term 2 at index 1
		// that it has just replicated to a majority; its own no-op of
		// term 4 (index 2) has reached nobody yet.
		for _, id := range []NodeID{0, 1, 2} {
			tn.disks[id].Log = []Entry{{Index: 1, Term: 2, Kind: EntryCommand, Cmd: setp("x", "1")}}
		}
		for id := range tn.disks {
			tn.disks[id].HardState = HardState{Term: 3, VotedFor: None}
			tn.start(id)
		}
		for _, id := range []NodeID{1, 2, 3, 4} {
			tn.isolate(id, true)
		}
		tn.fire(0)
		n := tn.nodes[0]
		for _, id := range []NodeID{1, 2} {
			n.Step(tn.now, &Message{Type: MsgVoteResp, From: id, To: 0, Term: 4})
		}
		tn.collect(n)
		require.Equal(t, Leader, n.Role())
		for _, id := range []NodeID{1, 2} {
			n.Step(tn.now, &Message{Type: MsgAppResp, From: id, To: 0, Term: 4, Match: 1})
		}
		tn.collect(n)
		if rules.Commit != nil {
			assert.Equal(t, uint64(1), n.LastIndex(), "the figure8 bug appends no no-op, as raft.js did not")
			assert.Equal(t, uint64(1), n.CommitIndex(), "and commits the term-2 entry by counting replicas")
			continue
		}
		assert.Equal(t, uint64(0), n.CommitIndex(), "index 1 (term 2) is on a majority but must not commit")
		n.Step(tn.now, &Message{Type: MsgAppResp, From: 1, To: 0, Term: 4, Match: 2})
		n.Step(tn.now, &Message{Type: MsgAppResp, From: 2, To: 0, Term: 4, Match: 2})
		tn.collect(n)
		assert.Equal(t, uint64(2), n.CommitIndex(), "the no-op of term 4 commits both")
	}
}

// Majority means more than half: in a cluster of 4, two copies are not
// enough (a raft.js bug). The quorum function is a seam (Rules.Quorum):
// the even-majority bug gets this wrong through it.
func TestEvenClusterNeedsThreeOfFour(t *testing.T) {
	for _, rules := range []Rules{{}, halfQuorum} {
		tn := newTestNetProto(t, idsUpTo(4), rules, classic)
		for _, id := range []NodeID{2, 3} {
			tn.isolate(id, true)
		}
		tn.fire(0)
		tn.deliver()
		if rules.Quorum == nil {
			assert.Equal(t, Candidate, tn.nodes[0].Role(), "2 votes of 4 do not elect")
		} else {
			assert.Equal(t, Leader, tn.nodes[0].Role(), "the even-majority bug elects with 2 of 4")
			assert.Equal(t, uint64(1), tn.nodes[0].CommitIndex(), "and commits with 2 of 4")
		}
	}
}

// Persist before you speak (docs/design.md): the Ready that carries a follower's
// acknowledgement also carries the entries it acknowledges.
func TestEntriesPersistedInSameReadyAsAck(t *testing.T) {
	tn := newTestNet(t, 3)
	n := tn.nodes[1]
	n.Step(0, &Message{Type: MsgApp, From: 0, To: 1, Term: 1, Entries: []Entry{{Index: 1, Term: 1}}})
	rd := n.Ready()
	require.Len(t, rd.Messages, 1)
	assert.Equal(t, uint64(1), rd.Messages[0].Match)
	assert.Equal(t, uint64(1), rd.TruncateFrom)
	assert.Len(t, rd.Entries, 1)
	assert.True(t, rd.HardStateChanged, "the new term is persisted with it")
}

// Pipelining: the leader sends a second batch before the first is
// acknowledged, up to MaxInflight messages. With MaxBatch 1 every entry is
// a whole batch (TestBatch* test batches of more).
func TestPipelinedAppends(t *testing.T) {
	tn := newBatchNet(t, 3, 1)
	tn.elect(0)
	tn.advance(60 * time.Millisecond)
	n := tn.nodes[0]
	n.Step(tn.now, &Message{Type: MsgClient, From: clientA, To: 0, Cmd: setp("a", "1")})
	n.Step(tn.now, &Message{Type: MsgClient, From: clientA, To: 0, Cmd: setp("b", "2")})
	rd := tn.collect(n)
	apps := 0
	for _, m := range rd.Messages {
		if m.Type == MsgApp && m.To == 1 {
			apps++
		}
	}
	assert.Equal(t, 2, apps, "two AppendEntries in flight to server 1")
	tn.queue = nil
}

// Lost AppendEntries are recovered: with every message to a follower dropped
// for a while, the leader probes again from matchIndex on the heartbeat.
func TestLostAppendsRecovered(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.cut[[2]NodeID{0, 2}] = true
	for i := 0; i < 5; i++ {
		tn.request(0, set("k", Value("1")))
	}
	delete(tn.cut, [2]NodeID{0, 2})
	tn.advance(200 * time.Millisecond)
	assert.Equal(t, tn.nodes[0].Log(), tn.nodes[2].Log())
	assert.Equal(t, tn.nodes[0].CommitIndex(), tn.nodes[2].CommitIndex())
}

// Restart (Figure 2): commitIndex and the state machine are volatile; a
// restarted server rebuilds them from its log as the leader tells it what
// is committed. Indexes stay as they were (no shift on reload).
func TestRestartRebuildsStateMachine(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.request(0, set("a", "1"))
	tn.request(0, set("b", `"x"`))
	tn.advance(60 * time.Millisecond)
	require.Equal(t, map[string]Value{"a": "1", "b": `"x"`}, tn.sm(2))
	log := tn.nodes[2].Log()
	tn.crash(2)
	n := tn.start(2)
	assert.Equal(t, uint64(0), n.CommitIndex())
	assert.Empty(t, tn.sm(2))
	assert.Equal(t, log, n.Log())
	tn.advance(60 * time.Millisecond)
	assert.Equal(t, map[string]Value{"a": "1", "b": `"x"`}, tn.sm(2))
	assert.Equal(t, uint64(3), n.LastApplied())
}

// Persist before you count: the leader's own copy of an entry counts toward
// the quorum only once the caller reports it durable (StableTo); with slow
// disks a crash could still lose it.
func TestLeaderCountsOwnCopyOnlyWhenStable(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.advance(60 * time.Millisecond)
	n := tn.nodes[0]
	n.Step(tn.now, &Message{Type: MsgClient, From: clientA, To: 0, Cmd: setp("a", "1")})
	rd := n.Ready() // not persisted yet: no StableTo
	require.Len(t, rd.Entries, 1)
	idx := rd.Entries[0].Index
	n.Step(tn.now, &Message{Type: MsgAppResp, From: 1, To: 0, Term: 1, Match: idx})
	assert.Less(t, n.CommitIndex(), idx, "one durable copy of three is not a quorum")
	n.StableTo(tn.now, idx, rd.Entries[0].Term)
	assert.Equal(t, idx, n.CommitIndex())
}

// A follower that a new leader has never heard from is probed, not flooded:
// when it returns, only what it lacks is sent (§5.3 with the hint), not the
// whole log from index 1 on every heartbeat.
func TestReturningFollowerGetsOnlyWhatItLacks_5_3(t *testing.T) {
	tn := newTestNet(t, 5)
	tn.elect(0)
	for i := 0; i < 200; i++ {
		tn.request(0, set("k", Value("1")))
	}
	tn.advance(60 * time.Millisecond)
	tn.crash(4)
	tn.crash(0)
	tn.elect(1)
	tn.request(1, set("k", Value("2")))
	tn.advance(300 * time.Millisecond)
	tn.start(4)
	before := tn.entriesTo[4]
	tn.advance(300 * time.Millisecond)
	assert.Equal(t, tn.nodes[1].Log(), tn.nodes[4].Log())
	assert.LessOrEqual(t, tn.entriesTo[4]-before, 5, "entries resent to the returning follower")
}

// MaxInflight bounds the AppendEntries in flight to a follower: answers to
// heartbeats free nothing (only an acknowledgement of the entries does), so
// a follower that hears the heartbeats but loses every entry is sent one
// window of messages, then probed one message at a time. MaxBatch 1 makes
// each request a message of its own, so that 100 requests can fill it.
func TestInflightWindowIsABound(t *testing.T) {
	tn := newBatchNet(t, 3, 1)
	tn.elect(0)
	tn.advance(60 * time.Millisecond)
	msgsTo1 := 0
	tn.drop = func(m Message) bool {
		if m.Type == MsgApp && m.To == 1 && (len(m.Entries) > 0 || m.Probe) {
			msgsTo1++
			return true
		}
		return false
	}
	for i := range 100 {
		tn.request(0, Command{ClientID: 9, Seq: uint64(i + 1), Op: OpSet, Key: "k", Value: "1"})
	}
	assert.Equal(t, DefaultMaxInflight, msgsTo1, "a full window, no more")
	tn.advance(45 * time.Millisecond) // the followers were sent entries under an interval ago: no heartbeat (§5.2)
	assert.Equal(t, DefaultMaxInflight, msgsTo1, "no more entries")
	tn.advance(10 * time.Millisecond) // an interval since the entries, no progress: probe
	assert.Equal(t, stateProbe, tn.nodes[0].prs.get(1).state)
	assert.Equal(t, DefaultMaxInflight+1, msgsTo1, "then one probe at a time")
	tn.advance(50 * time.Millisecond) // unanswered: the next heartbeat probes again
	assert.Equal(t, DefaultMaxInflight+2, msgsTo1)
}

// §5.3 (Log Matching) for heartbeats: a heartbeat moves a follower's
// commit index up to the matchIndex the leader knows for it, or to the
// leader's commit index when the follower holds the leader's entry there
// (same index and term: the logs agree up to it), never onto an entry of
// its own that conflicts with the leader's.
func TestHeartbeatCommitsOnlyWhereLogsMatch_5_3(t *testing.T) {
	st := Storage{HardState: HardState{Term: 3, VotedFor: None}, Bootstrap: []NodeID{0, 1, 2},
		Log: []Entry{{Index: 1, Term: 1}, {Index: 2, Term: 1}, {Index: 3, Term: 2}}} // 3@t2: an old leader's, not committed
	cfg := Config{ID: 1, Rand: rand.New(rand.NewPCG(1, 1)), StateMachine: newTestSM()}
	n, err := NewNode(cfg, st, 0)
	require.NoError(t, err)
	n.Ready()
	hb := Message{Type: MsgHeartbeat, From: 0, To: 1, Term: 3, Commit: 1, PrevIndex: 3, PrevTerm: 3}
	n.Step(0, &hb)
	assert.Equal(t, uint64(1), n.CommitIndex(), "the leader's 3@t3 is not our 3@t2: only up to the known match")
	hb.PrevIndex, hb.PrevTerm = 2, 1
	n.Step(0, &hb)
	assert.Equal(t, uint64(2), n.CommitIndex(), "our 2@t1 is the leader's: so is everything before it")
	for _, m := range n.Ready().Messages {
		assert.Equal(t, MsgHeartbeatResp, m.Type)
	}
}

// An AppendEntries that begins inside a follower's snapshot is checked and
// appended from the snapshot's last entry on (§7): the entries before it
// are committed, so they are the leader's too. Step leaves the caller's
// message as it was (it skips over the entries in a copy).
func TestAppendEntriesBeginningInsideTheSnapshot_7(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.writes(0, 0, 6)
	tn.advance(60 * time.Millisecond)
	l, f := tn.nodes[0], tn.nodes[1]
	require.True(t, f.Compact(tn.now))
	tn.collect(f)
	off := f.log.offset
	require.Greater(t, off, uint64(2), "the follower compacted its log")
	m := Message{Type: MsgApp, From: 0, To: 1, Term: l.Term(), PrevIndex: off - 2, PrevTerm: l.log.term(off - 2),
		Entries: l.log.sliceAll(off-1, l.LastIndex()), Commit: l.CommitIndex()}
	sent := m
	f.Step(tn.now, &m)
	assert.Equal(t, sent, m, "Step modified the message it was given")
	rd := tn.collect(f)
	require.Len(t, rd.Messages, 1)
	assert.Equal(t, MsgAppResp, rd.Messages[0].Type)
	assert.False(t, rd.Messages[0].Reject)
	assert.Equal(t, l.LastIndex(), rd.Messages[0].Match)
}
