package raft

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writes sends n sets of keys k0..k(n-1) through the leader.
func (tn *testNet) writes(leader NodeID, from, n int) {
	for i := from; i < from+n; i++ {
		tn.request(leader, set(fmt.Sprintf("k%d", i), Value(fmt.Sprint(i))))
	}
}

// §7: every SnapshotThreshold applied entries a server snapshots its state
// machine and compacts its log, keeping a short tail; what it answers and
// what it holds are the same as without compaction.
func TestSnapshotEveryThresholdCompactsLog_7(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.snapThreshold = 8
	for _, id := range tn.ids() {
		tn.start(id)
	}
	tn.elect(0)
	tn.writes(0, 0, 30)
	tn.advance(60 * time.Millisecond)
	for _, id := range tn.ids() {
		n := tn.nodes[id]
		meta, size := n.SnapshotMeta()
		assert.GreaterOrEqual(t, meta.Index, uint64(24), "server %d", id)
		assert.Equal(t, n.log.term(meta.Index), meta.Term)
		assert.Equal(t, []NodeID{0, 1, 2}, meta.Config)
		assert.Positive(t, size)
		assert.Equal(t, meta.Index-2+1, n.FirstIndex(), "server %d keeps a tail of threshold/4 entries", id)
		assert.Len(t, tn.sm(id), 30)
		assert.Equal(t, meta.Index, tn.disks[id].Snapshot.Index, "the snapshot is on the disk")
		require.NotEmpty(t, tn.disks[id].Log)
		assert.Equal(t, meta.Index+1, tn.disks[id].Log[0].Index, "the disk keeps only entries after it")
	}
}

// §7: a restarted server begins from its snapshot (state machine, sessions,
// configuration) plus the log after it, without waiting for a leader.
func TestRestartFromSnapshotPlusTail_7(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.writes(0, 0, 5)
	tn.advance(60 * time.Millisecond)
	require.True(t, tn.nodes[2].Compact(tn.now))
	tn.collect(tn.nodes[2])
	tn.writes(0, 5, 3)
	tn.advance(60 * time.Millisecond)
	snapAt := tn.disks[2].Snapshot.Index
	require.Equal(t, uint64(6), snapAt, "no-op and five writes")
	tn.crash(2)
	n := tn.start(2)
	assert.Equal(t, snapAt, n.CommitIndex(), "what the snapshot holds is committed")
	assert.Equal(t, snapAt, n.LastApplied())
	assert.Len(t, tn.sm(2), 5, "restored from the snapshot at once")
	assert.Equal(t, snapAt+1, n.FirstIndex())
	assert.Equal(t, uint64(9), n.LastIndex(), "the tail after it, from the disk")
	tn.advance(60 * time.Millisecond)
	assert.Len(t, tn.sm(2), 8)
}

// behindSnapshot returns three servers where S0 leads and has compacted
// away the ten writes it took while S2 was cut off (S2 still is): S2's
// next entry is only in S0's snapshot, which goes in chunks of chunk bytes.
func behindSnapshot(t *testing.T, chunk int) *testNet {
	t.Helper()
	tn := newTestNet(t, 3)
	tn.snapChunk = chunk
	for _, id := range tn.ids() {
		tn.start(id)
	}
	tn.elect(0)
	tn.isolate(2, true)
	tn.writes(0, 0, 10)
	require.True(t, tn.nodes[0].Compact(tn.now))
	tn.collect(tn.nodes[0])
	return tn
}

// Figure 13 and §7: a follower whose next entry the leader has compacted
// away gets the leader's snapshot, in chunks at increasing offsets, each
// answered only once written; then replication goes on from there.
func TestInstallSnapshotInChunks_7(t *testing.T) {
	tn := behindSnapshot(t, 16)
	require.Equal(t, uint64(12), tn.nodes[0].FirstIndex(), "no tail without a threshold")
	var offsets []uint64
	tn.drop = func(m Message) bool {
		if m.Type == MsgSnap {
			offsets = append(offsets, m.Offset)
		}
		if m.Type == MsgSnapResp {
			assert.True(t, m.WaitsForDisk(), "a chunk is acknowledged once durable")
		}
		return false
	}
	tn.isolate(2, false)
	tn.advance(200 * time.Millisecond)
	meta, size := tn.nodes[0].SnapshotMeta()
	require.Greater(t, size, 16*3)
	require.NotEmpty(t, offsets)
	assert.Equal(t, uint64(0), offsets[0])
	for i := 1; i < len(offsets); i++ {
		assert.Equal(t, offsets[i-1]+16, offsets[i], "chunk %d follows the one before", i)
	}
	assert.Equal(t, (size+15)/16, len(offsets), "each chunk sent once")
	n2 := tn.nodes[2]
	m2, _ := n2.SnapshotMeta()
	assert.Equal(t, meta, m2)
	assert.Equal(t, tn.sm(0), tn.sm(2))
	assert.Equal(t, tn.nodes[0].LastIndex(), n2.LastIndex())
	assert.Equal(t, meta, tn.disks[2].Snapshot.SnapshotMeta, "installed on the disk")
	tn.request(0, set("after", "1"))
	tn.advance(60 * time.Millisecond)
	assert.Equal(t, Value("1"), tn.sm(2)["after"], "replicating from the snapshot on")
}

// Figure 13 rule 6: a follower that already holds the snapshot's last
// entry keeps the entries after it; rule 7: otherwise it discards its log.
// The seam Rules.DropLogOnSnapshot (the planted snapshot-drops-log bug)
// drops them.
func TestInstallSnapshotKeepsEntriesPastIt_Figure13(t *testing.T) {
	for _, drop := range []bool{false, true} {
		tn := newTestNetIDs(t, []NodeID{0, 1, 2}, Rules{DropLogOnSnapshot: drop})
		tn.elect(0)
		tn.writes(0, 0, 6)
		tn.advance(60 * time.Millisecond)
		leaderSnap := tn.nodes[0]
		require.True(t, leaderSnap.Compact(tn.now))
		s := leaderSnap.snap
		f := tn.nodes[1]
		f.commit, f.applied = 3, 3 // as if it had not yet learnt the rest was committed
		tn.sms[1].data = map[string]Value{}
		last := f.LastIndex()
		f.Step(tn.now, &Message{Type: MsgSnap, From: 0, To: 1, Term: f.Term(), LastIndex: 5, LastTerm: s.Term,
			Snap: &SnapPart{Config: Membership{Voters: s.Config}, Data: s.Data}, Done: true})
		rd := tn.collect(f)
		require.NotNil(t, rd.Snapshot)
		assert.Equal(t, uint64(5), f.LastApplied())
		if !drop {
			assert.Equal(t, last, f.LastIndex(), "entries 6.. kept")
			assert.Equal(t, uint64(6), f.FirstIndex())
		} else {
			assert.Equal(t, uint64(5), f.LastIndex(), "the bug drops them")
		}
	}

	// Rule 7: a log that conflicts with the snapshot is discarded: here
	// the uncommitted entries of term 1 of a server that was cut off.
	tn := newTestNet(t, 3)
	var stale []Entry
	for i := uint64(1); i <= 4; i++ {
		stale = append(stale, Entry{Index: i, Term: 1, Kind: EntryNoop})
	}
	tn.disks[1] = &Storage{HardState: HardState{Term: 1, VotedFor: 1}, Log: stale, Bootstrap: []NodeID{0, 1, 2}}
	f := tn.start(1)
	f.Step(tn.now, &Message{Type: MsgSnap, From: 0, To: 1, Term: 2, LastIndex: 3, LastTerm: 2,
		Snap: &SnapPart{Config: Membership{Voters: []NodeID{0, 1, 2}}, Data: []byte(`{}`)}, Done: true})
	tn.collect(f)
	assert.Equal(t, uint64(3), f.LastIndex())
	assert.Equal(t, uint64(2), f.log.lastTerm(), "the log now ends with the snapshot's last entry")
	assert.Equal(t, uint64(3), tn.disks[1].Snapshot.Index)
	assert.Empty(t, tn.disks[1].Log, "the disk drops its conflicting entries too")
}

// §7 (and dissertation §5.3): a crash in the middle of a transfer loses the
// chunks received so far; the leader starts the snapshot over and the
// follower installs it.
func TestCrashInTheMiddleOfATransfer_7(t *testing.T) {
	tn := behindSnapshot(t, 8)
	chunks := 0
	tn.drop = func(m Message) bool {
		if m.Type == MsgSnap && m.To == 2 {
			chunks++
			if chunks == 3 {
				tn.crash(2) // the third chunk finds it down
				return true
			}
		}
		return false
	}
	tn.isolate(2, false)
	tn.advance(100 * time.Millisecond)
	require.Nil(t, tn.nodes[2])
	require.Zero(t, tn.disks[2].Snapshot.Index, "nothing installed")
	tn.drop = nil
	tn.start(2)
	tn.advance(300 * time.Millisecond)
	assert.Equal(t, tn.sm(0), tn.sm(2))
	meta, _ := tn.nodes[0].SnapshotMeta()
	assert.Equal(t, meta.Index, tn.disks[2].Snapshot.Index)
}

// §7: a snapshot holds the configuration of its last entry, so a server
// restored from it (or installing it) follows the right membership when the
// configuration entry itself is compacted away.
func TestSnapshotCarriesConfiguration_7(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.joining(3)
	tn.request(0, addServer(3))
	tn.advance(100 * time.Millisecond)
	require.Equal(t, []NodeID{0, 1, 2, 3}, tn.nodes[1].Members())
	tn.writes(0, 0, 3)
	tn.advance(60 * time.Millisecond)
	require.True(t, tn.nodes[1].Compact(tn.now))
	tn.collect(tn.nodes[1])
	meta, _ := tn.nodes[1].SnapshotMeta()
	assert.Equal(t, []NodeID{0, 1, 2, 3}, meta.Config)
	tn.crash(1)
	n := tn.start(1)
	assert.Equal(t, []NodeID{0, 1, 2, 3}, n.Members(), "not the bootstrap [0 1 2]")
}

// §7 and dissertation §6.3: client sessions are part of the snapshot, so a
// retry of a command applied before the snapshot is still answered from
// the session, not applied again, by a server restored from it.
func TestSnapshotKeepsSessions_7(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.request(0, cas0)
	tn.advance(60 * time.Millisecond)
	for _, id := range tn.ids() {
		require.True(t, tn.nodes[id].Compact(tn.now))
		tn.collect(tn.nodes[id])
	}
	tn.crash(0)
	tn.start(0)
	tn.elect(1)
	tn.replies[clientA] = nil
	last := tn.nodes[1].LastIndex()
	tn.request(1, cas0)
	r, ok := tn.lastReply()
	require.True(t, ok)
	assert.Equal(t, Value("true"), r.Result, "the first answer, from the restored session")
	assert.Equal(t, last, tn.nodes[1].LastIndex(), "not appended again")
}

// Figure 13: a chunk is answered only once written, however many chunks
// the node takes before its caller next asks for a Ready: the Ready's
// SnapshotChunk holds every one of them.
func TestSnapshotChunksWrittenBeforeAnswered_Figure13(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.isolate(2, true)
	tn.writes(0, 0, 10)
	require.True(t, tn.nodes[0].Compact(tn.now))
	snap := tn.nodes[0].snap
	require.Greater(t, len(snap.Data), 32)
	n := tn.nodes[2]
	for _, off := range []uint64{0, 16} {
		n.Step(tn.now, &Message{Type: MsgSnap, From: 0, To: 2, Term: tn.nodes[0].Term(), LastIndex: snap.Index,
			LastTerm: snap.Term, Offset: off, Snap: &SnapPart{Config: Membership{Voters: snap.Config}, Data: snap.Data[off : off+16]}})
	}
	rd := n.Ready()
	acked := uint64(0)
	for _, m := range rd.Messages {
		if m.Type == MsgSnapResp {
			acked = max(acked, m.Offset)
		}
	}
	require.Equal(t, uint64(32), acked, "both chunks answered")
	require.NotNil(t, rd.SnapshotChunk)
	assert.Equal(t, uint64(0), rd.SnapshotChunk.Offset)
	assert.Equal(t, snap.Data[:32], rd.SnapshotChunk.Data, "both chunks written")
}

// §7 with §4.1: a snapshot records the configuration in force at its last
// entry. A server that joins through addServer knows none until it applies
// a configuration entry (the others' bootstrap configuration is in no
// entry), so it takes no snapshot before that: one with no configuration
// would make it refuse its own disk at the next restart, and sent on by it
// as a leader would leave its receivers with no member.
func TestJoiningServerSnapshotsOnlyOnceItKnowsTheConfiguration_7(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.writes(0, 0, 10)
	n3 := tn.joining(3)
	tn.drop = func(m Message) bool { // the config entry does not reach S3 yet
		return m.Type == MsgApp && m.To == 3 && slices.ContainsFunc(m.Entries, func(e Entry) bool { return e.Kind == EntryConfig })
	}
	tn.request(0, addServer(3))
	require.Greater(t, n3.LastApplied(), uint64(10), "caught up and applied")
	took := n3.Compact(tn.now)
	meta, _ := n3.SnapshotMeta()
	assert.False(t, took && len(meta.Config) == 0, "a snapshot with no configuration")
	tn.collect(n3)
	tn.crash(3)
	tn.start(3) // its disk must be one it can restart from
	tn.drop = nil
	tn.advance(100 * time.Millisecond)
	assert.True(t, tn.nodes[3].Compact(tn.now), "once it applied the config entry")
	meta, _ = tn.nodes[3].SnapshotMeta()
	assert.Equal(t, []NodeID{0, 1, 2, 3}, meta.Config)
}
