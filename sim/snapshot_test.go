package sim

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// Checks across compaction (§7): a server whose log now begins with a
// snapshot of the committed log is followed from there, and what it does
// next is checked as before; a snapshot past anything committed, or one of
// its own that its log disagrees with, is reported.
func TestCheckerFollowsSnapshots(t *testing.T) {
	c := newChecker()
	c.roleChanged(0, raft.Leader, 1)
	log := ents(ent(1, 1, "a"), ent(2, 1, "b"), ent(3, 1, "c"))
	for _, id := range []raft.NodeID{0, 1} {
		c.logChanged(id, 1, log, id == 0)
		c.committed(id, 1, 3)
		c.applied(id, 3)
	}
	c.snapshotted(0, 3, nil, false) // S0 compacts its own applied log
	// S2 was down all along: it installs the leader's snapshot, then
	// appends and applies after it.
	c.snapshotted(2, 3, nil, true)
	c.logChanged(2, 4, ents(ent(4, 1, "d")), false)
	c.logChanged(0, 4, ents(ent(4, 1, "d")), true)
	c.committed(0, 1, 4)
	c.committed(2, 1, 4)
	c.applied(0, 4)
	c.applied(2, 4)
	assert.Empty(t, c.violations, "a clean run across compaction")

	// Log Matching still compares S2's new entries with the others'.
	c.logChanged(2, 5, ents(ent(5, 1, "x")), false)
	c.logChanged(1, 4, ents(ent(4, 1, "d"), ent(5, 1, "y")), false)
	onlyViolation(t, c, PropLogMatching)

	c = newChecker()
	c.roleChanged(0, raft.Leader, 1)
	c.logChanged(0, 1, log, true)
	c.committed(0, 1, 2)
	c.snapshotted(1, 3, nil, true) // entry 3 is not committed
	assert.Equal(t, PropStateMachineSafety, onlyViolation(t, c, PropStateMachineSafety).Property)

	c = newChecker()
	c.roleChanged(0, raft.Leader, 1)
	c.logChanged(0, 1, log, true)
	c.logChanged(1, 1, ents(ent(1, 1, "a"), ent(2, 2, "other")), false)
	c.committed(0, 1, 2)
	c.snapshotted(1, 2, nil, false) // its own log up to 2 is not the committed one
	onlyViolation(t, c, PropStateMachineSafety)
}

// snapCluster starts a 3-server cluster that snapshots every 10 applied
// entries, writes n values and returns it with its leader.
func snapCluster(t *testing.T, n int) (*Sim, raft.NodeID) {
	t.Helper()
	s := New(Options{Seed: 3})
	every := uint64(10)
	require.NoError(t, s.StartServers(3, ServerOptions{SnapshotThreshold: &every}))
	l, ok := s.LeaderID(true)
	require.True(t, ok)
	for i := range n {
		r, err := s.ClientRequest(raft.None, set(fmt.Sprintf("k%d", i%7), fmt.Sprint(i)))
		require.NoError(t, err)
		require.Equal(t, raft.StatusSuccess, r.Status)
	}
	return s, l
}

// §7: the disk holds the snapshot and the log after it, not the log the
// snapshot replaced; the node holds a short tail.
func TestDiskKeepsSnapshotAndTail(t *testing.T) {
	s, l := snapCluster(t, 45)
	srv := s.server(l)
	in, err := s.Info(l)
	require.NoError(t, err)
	require.GreaterOrEqual(t, in.Snapshot.Index, uint64(40))
	assert.Equal(t, in.Snapshot.Index, srv.disk.snap.Index)
	assert.Equal(t, in.Snapshot.Index+1, srv.disk.first())
	assert.Equal(t, in.LastIndex, srv.disk.len())
	assert.Less(t, len(srv.disk.log()), 10, "the disk keeps only the log after its snapshot")
	assert.Equal(t, in.Snapshot.Index-2+1, in.FirstIndex, "the node keeps a tail of threshold/4")
	requireSafe(t, s)
}

// §7 with a slow disk: a follower that crashes in the middle of a transfer
// loses the chunks it had (they were durable, but a partial snapshot is no
// use to a restarted server), gets the snapshot again from offset 0, and
// ends with the leader's state; nothing the checks follow breaks.
func TestCrashInTheMiddleOfATransferOnASlowDisk(t *testing.T) {
	s, l := snapCluster(t, 2)
	f := raft.NodeID((int(l) + 1) % 3)
	require.NoError(t, s.Crash(f))
	for i := range 60 {
		// Many keys, so the snapshot spans several chunks.
		_, err := s.ClientRequest(raft.None, set(fmt.Sprintf("key-%02d-%s", i, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), fmt.Sprint(i)))
		require.NoError(t, err)
	}
	require.NoError(t, s.SetFsync(f, 5*time.Millisecond))
	var offsets []uint64
	crashed := false
	s.OnNodeEvent(func(e TraceEvent) {
		if e.Kind == EvRaft && e.Raft.Kind == raft.EvSnapshotSent && e.Raft.Peer == f {
			offsets = append(offsets, e.Raft.Index2)
		}
	})
	require.NoError(t, s.Restart(f))
	for i := 0; i < 400 && !crashed; i++ {
		s.Run(time.Millisecond)
		if len(offsets) >= 2 && s.server(f).disk.snap.Index == 0 && len(s.server(f).disk.partial) > 0 {
			require.NoError(t, s.Crash(f))
			crashed = true
		}
	}
	require.True(t, crashed, "the transfer was caught in its middle (chunks sent at %v)", offsets)
	require.NoError(t, s.Restart(f))
	assert.Empty(t, s.server(f).disk.partial, "the restart drops what arrived of the snapshot")
	s.Run(time.Second)
	in, err := s.Info(f)
	require.NoError(t, err)
	lead, err := s.Info(l)
	require.NoError(t, err)
	assert.Equal(t, lead.StateMachine, in.StateMachine)
	assert.Positive(t, in.Snapshot.Index)
	assert.Contains(t, offsets[2:], uint64(0), "the transfer starts over from offset 0 (offsets %v)", offsets)
	ok, why := s.Converged()
	assert.True(t, ok, why)
	requireSafe(t, s)
}

// Figure 13 rule 6 and the planted bug: a snapshot received twice (the
// network duplicates it) finds the follower with entries past it; the
// correct follower keeps them, the buggy one drops even the committed ones,
// and the checks say so.
func TestDuplicatedSnapshotCaughtWithTheBug(t *testing.T) {
	for _, bug := range []string{"", "snapshot-drops-log"} {
		s := New(Options{Seed: 3})
		every := uint64(10)
		require.NoError(t, s.StartServers(3, ServerOptions{SnapshotThreshold: &every, Bug: bug}))
		l, ok := s.LeaderID(true)
		require.True(t, ok)
		f := raft.NodeID((int(l) + 1) % 3)
		require.NoError(t, s.Crash(f))
		for i := range 30 {
			_, err := s.ClientRequest(raft.None, set("k", fmt.Sprint(i)))
			require.NoError(t, err)
		}
		var dup *raft.Message
		s.OnEvent(func(e TraceEvent) {
			if e.Kind == EvDeliver && e.Msg != nil && e.Msg.Type == raft.MsgSnap && e.Msg.To == f && dup == nil {
				m := *e.Msg
				dup = &m
			}
		})
		require.NoError(t, s.Restart(f))
		s.Run(200 * time.Millisecond)
		require.NotNil(t, dup, "a snapshot was sent")
		for i := range 5 {
			_, err := s.ClientRequest(raft.None, set("k", fmt.Sprint(100+i)))
			require.NoError(t, err)
		}
		// The copy arrives late.
		s.stepServer(s.server(f), dup)
		s.Run(200 * time.Millisecond)
		if bug == "" {
			requireSafe(t, s)
			ok, why := s.Converged()
			assert.True(t, ok, why)
		} else {
			require.NotEmpty(t, s.Violations())
			assert.Equal(t, PropLogIntegrity, s.Violations()[0].Property, "%+v", s.Violations())
		}
	}
}

// Dissertation §6.3: with sessionTimeout, a client idle for longer finds
// its session expired: the command is answered SESSION_EXPIRED and not
// applied, and the client's next request opens a new session.
func TestExpiredSessionIsRefusedThenRenewed(t *testing.T) {
	s := New(Options{Seed: 1})
	require.NoError(t, s.StartServers(3, ServerOptions{SessionTimeout: time.Second}))
	r, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	require.Equal(t, raft.StatusSuccess, r.Status)
	// Another client keeps the log's time moving.
	_, err = s.StartLoad(LoadOptions{Clients: 1, Rate: 20, Keys: 1, Duration: 3 * time.Second})
	require.NoError(t, err)
	s.Run(3 * time.Second)
	r, err = s.ClientRequest(raft.None, set("a", "2"))
	require.NoError(t, err)
	assert.Equal(t, raft.StatusSessionExpired, r.Status)
	r, err = s.ClientRequest(raft.None, set("a", "3"))
	require.NoError(t, err)
	assert.Equal(t, raft.StatusSuccess, r.Status, "a new session")
	in, err := s.Info(0)
	require.NoError(t, err)
	assert.Equal(t, raft.Value("3"), in.StateMachine["a"])
	_, err = s.AddServer(5, ServerOptions{SessionTimeout: time.Second})
	assert.ErrorIs(t, err, ErrBadOption, "the cluster's timeout, not a server's")
	requireSafe(t, s)
}

// Long runs (issue 7): once every server's log begins with a snapshot, the
// checks drop what they kept of the indexes before it, so their memory
// follows the compacted logs; what happens after is still checked.
func TestCheckerTrimsBehindEverySnapshot(t *testing.T) {
	c := newChecker()
	c.roleChanged(0, raft.Leader, 1)
	var log []raft.Entry
	for i := uint64(1); i <= 3*trimSlack; i++ {
		log = append(log, ent(i, 1, fmt.Sprint(i)))
	}
	snapAt := uint64(2 * trimSlack)
	for _, id := range []raft.NodeID{0, 1, 2} {
		c.logChanged(id, 1, log, id == 0)
		c.committed(id, 1, uint64(len(log)))
		c.applied(id, uint64(len(log)))
	}
	for _, id := range []raft.NodeID{0, 1, 2} {
		c.snapshotted(id, snapAt, log[snapAt:], false)
	}
	assert.Equal(t, snapAt-1, c.base, "everything before the snapshots is dropped")
	assert.LessOrEqual(t, len(c.lm), trimSlack+1)
	assert.LessOrEqual(t, len(c.commitPH), trimSlack+1)
	assert.Empty(t, c.violations)

	next := uint64(len(log)) + 1
	c.logChanged(0, next, ents(ent(next, 1, "x")), true)
	c.logChanged(1, next, ents(ent(next, 1, "y")), false)
	require.Len(t, c.violations, 1)
	assert.Equal(t, PropLogMatching, c.violations[0].Property, "still checked after the trim")
}

// The history keeps at most Options.HistoryLimit operations (a quarter
// more between trims), dropping the oldest answered ones, and then refuses
// to judge linearizability instead of judging a history with a hole.
func TestHistoryLimitDropsOldestAndRefusesCheck(t *testing.T) {
	s := New(Options{Seed: 1, HistoryLimit: 100})
	require.NoError(t, s.StartServers(3, ServerOptions{}))
	_, err := s.StartLoad(LoadOptions{Clients: 3, Rate: 100, Keys: 2, Duration: 5 * time.Second})
	require.NoError(t, err)
	s.Run(6 * time.Second)
	h, total := s.HistoryTail(0)
	assert.Positive(t, s.HistoryDropped())
	assert.LessOrEqual(t, len(h), 125)
	assert.Equal(t, total, s.HistoryDropped()+len(h))
	assert.Greater(t, total, 300)
	_, err = s.Linearizable()
	assert.ErrorContains(t, err, "cannot be decided")
	ok, why := s.WaitQuiet(time.Second)
	assert.True(t, ok, why)
	requireSafe(t, s)
}
