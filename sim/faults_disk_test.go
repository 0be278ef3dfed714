package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// follower returns a live member of the cluster other than the leader and
// other than skip.
func follower(s *Sim, leader, skip raft.NodeID) raft.NodeID {
	for _, id := range s.Servers() {
		if id != leader && id != skip && s.server(id).up {
			return id
		}
	}
	return raft.None
}

// msgLog records the messages a server sends and receives, by time.
type msgLog struct {
	sent, got []TraceEvent
}

func (l *msgLog) listen(e TraceEvent) {
	switch e.Kind {
	case EvSend:
		l.sent = append(l.sent, e)
	case EvDeliver:
		l.got = append(l.got, e)
	}
}

// firstAck returns when from first acknowledged entry index to, or -1.
func (l *msgLog) firstAck(from raft.NodeID, index uint64) time.Duration {
	for _, e := range l.sent {
		if m := e.Msg; m.From == from && m.Type == raft.MsgAppResp && !m.Reject && m.Match >= index {
			return e.Time
		}
	}
	return -1
}

// firstGot returns when to first received an AppendEntries carrying index, or -1.
func (l *msgLog) firstGot(to raft.NodeID, index uint64) time.Duration {
	for _, e := range l.got {
		m := e.Msg
		if m.To != to || m.Type != raft.MsgApp {
			continue
		}
		for _, en := range m.Entries {
			if en.Index == index {
				return e.Time
			}
		}
	}
	return -1
}

func TestFsyncDelaysFollowerAck(t *testing.T) {
	s, l := newCluster(t, 1, 3)
	f := follower(s, l, raft.None)
	const fsync = 40 * time.Millisecond
	require.NoError(t, s.SetFsync(f, fsync))
	var ml msgLog
	s.OnEvent(ml.listen)
	resp, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	require.Equal(t, raft.StatusSuccess, resp.Status)
	s.Run(200 * time.Millisecond)
	idx := s.server(l).node.LastIndex()
	got, ack := ml.firstGot(f, idx), ml.firstAck(f, idx)
	require.Positive(t, got)
	require.Positive(t, ack, "the slow follower acknowledges in the end")
	assert.GreaterOrEqual(t, ack-got, fsync, "the ack waits for the write to be durable")
	// The fast follower answers at once (same instant as the delivery).
	other := follower(s, l, f)
	assert.Equal(t, ml.firstGot(other, idx), ml.firstAck(other, idx))
	requireSafe(t, s)
}

func TestFsyncNothingLeavesBeforeItsWrite(t *testing.T) {
	// Every disk slow from the start: a candidate's RequestVote waits for
	// its new term and self-vote, a voter's answer for its vote.
	s := New(Options{Seed: 4, Fsync: 30 * time.Millisecond})
	var firstTimeout, firstVote, firstGrant time.Duration = -1, -1, -1
	var timedOut raft.NodeID
	s.OnEvent(func(e TraceEvent) {
		switch {
		case e.Kind == EvRaft && e.Raft.Kind == raft.EvTimeout && !e.Raft.Pre && firstTimeout < 0:
			// The real election, after the pre-vote (which writes nothing).
			firstTimeout, timedOut = e.Time, e.Node
		case e.Kind == EvSend && e.Msg.Type == raft.MsgVote && e.Msg.From == timedOut && firstVote < 0:
			firstVote = e.Time
		case e.Kind == EvSend && e.Msg.Type == raft.MsgVoteResp && !e.Msg.Reject && firstGrant < 0:
			firstGrant = e.Time
		}
	})
	require.NoError(t, s.StartServers(3, ServerOptions{}))
	_, ok := s.LeaderID(true)
	require.True(t, ok)
	require.Positive(t, firstTimeout)
	assert.Equal(t, firstTimeout+30*time.Millisecond, firstVote)
	assert.GreaterOrEqual(t, firstGrant, firstVote+DefaultLatencyMin+30*time.Millisecond)
	requireSafe(t, s)
}

func TestFsyncLeaderCommitWaitsForDurableQuorum(t *testing.T) {
	for _, slowLeader := range []bool{false, true} {
		s, l := newCluster(t, 2, 3)
		down := follower(s, l, raft.None)
		require.NoError(t, s.Crash(down))
		// Two of three are left: every commit needs both durable copies.
		slow := follower(s, l, down)
		if slowLeader {
			slow = l
		}
		const fsync = 100 * time.Millisecond
		require.NoError(t, s.SetFsync(slow, fsync))
		idx := s.server(l).node.LastIndex() + 1 // the next entry
		var commitAt time.Duration = -1
		start := s.Now()
		s.OnEvent(func(e TraceEvent) {
			if e.Kind == EvRaft && e.Raft.Kind == raft.EvCommit && e.Node == l && e.Raft.Index >= idx && commitAt < 0 {
				commitAt = e.Time
			}
		})
		resp, err := s.ClientRequest(raft.None, set("a", "1"))
		require.NoError(t, err)
		require.Equal(t, raft.StatusSuccess, resp.Status)
		require.Positive(t, commitAt)
		assert.GreaterOrEqual(t, commitAt-start, fsync, "slow leader %v: commit waits for the slow disk", slowLeader)
		requireSafe(t, s)
	}
}

func TestFsyncSlowLeaderStillCommitsWithFastFollowers(t *testing.T) {
	// The leader's own copy is one of three: two fast followers are a
	// quorum without it, and the leader replicates while it writes
	// (dissertation §10.2.1), so a slow leader disk does not slow commits,
	// nor silence its heartbeats.
	s, l := newCluster(t, 2, 3)
	s.Run(100 * time.Millisecond)
	require.NoError(t, s.SetFsync(l, time.Second))
	start := s.Now()
	resp, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	require.Equal(t, raft.StatusSuccess, resp.Status)
	assert.Less(t, s.Now()-start, 100*time.Millisecond)
	leader := s.server(l).node
	for _, d := range s.Disks() {
		if d.ID == l {
			assert.Less(t, d.DiskLast, d.MemLast, "the leader's own copy is not durable yet")
		} else {
			assert.Equal(t, leader.LastIndex(), d.DiskLast)
		}
	}
	s.Run(2 * time.Second)
	assert.Equal(t, raft.Leader, leader.Role(), "heartbeats kept it leader")
	requireSafe(t, s)
}

func TestCrashLosesWritesNotYetDurable(t *testing.T) {
	s, l := newCluster(t, 3, 3)
	s.Run(100 * time.Millisecond) // the leader's no-op reaches every disk
	f := follower(s, l, raft.None)
	before := s.server(f).disk.len()
	require.Positive(t, before)
	require.NoError(t, s.SetFsync(f, time.Second))
	var ml msgLog
	s.OnEvent(ml.listen)
	// Three clients write 20ms apart, without waiting for each other. The
	// entries that reach the slow follower before the leader finds it
	// silent (its acknowledgements are held, and after a heartbeat interval
	// without one the leader only probes it with empty AppendEntries) each
	// wait for its disk, in order (20ms is more than the spread of
	// latencies, 5-15ms, on each hop); an entry that finds the pipeline
	// busy waits for the next batch, which never comes (§5.2: the
	// follower's next message, an interval after the last, is a probe).
	var cs []*client
	for _, k := range []string{"a", "b", "c"} {
		c := s.newClient()
		s.startRequest(c, l, false, set(k, "1"))
		cs = append(cs, c)
		s.Run(20 * time.Millisecond)
	}
	require.True(t, s.runUntil(func() bool {
		return !cs[0].pending && !cs[1].pending && !cs[2].pending
	}, s.now+time.Second))
	for _, c := range cs {
		require.Equal(t, raft.StatusSuccess, c.resp.Status, "committed through the fast follower")
	}
	writes, got := 0, uint64(0)
	for _, e := range ml.got {
		if m := e.Msg; m.To == f && m.Type == raft.MsgApp && len(m.Entries) > 0 {
			writes, got = writes+1, max(got, m.Entries[len(m.Entries)-1].Index)
		}
	}
	require.GreaterOrEqual(t, writes, 2, "entries reached the slow follower in more than one write")
	last := s.server(l).node.LastIndex()
	srv := s.server(f)
	require.Equal(t, got, srv.node.LastIndex(), "the slow follower holds the entries in memory")
	require.Equal(t, before, srv.disk.len(), "but not on its disk yet")
	disks := s.Disks()
	assert.Equal(t, writes, disks[f].Pending)
	assert.Positive(t, disks[f].Held)

	require.NoError(t, s.Crash(f))
	assert.Equal(t, before, srv.disk.len(), "the crash lost the pending writes")
	// The checks follow the log the server comes back with: were they to
	// keep the lost entries, a restarted server missing committed entries
	// could become leader unnoticed.
	assert.Equal(t, before, s.check.srv[f].ph.last(), "the checks rewind to the disk")
	assert.Zero(t, s.Disks()[f].Pending)
	s.Run(3 * time.Second) // well past when the writes would have been durable
	assert.Equal(t, before, srv.disk.len())
	for i := before + 1; i <= last; i++ {
		assert.Equal(t, time.Duration(-1), ml.firstAck(f, i), "no ack for entry %d ever left", i)
	}

	require.NoError(t, s.SetFsync(f, 0))
	require.NoError(t, s.Restart(f))
	info, err := s.Info(f)
	require.NoError(t, err)
	assert.Len(t, info.Log, int(before), "restart boots from the durable disk")
	s.Run(time.Second)
	assert.Equal(t, last, srv.disk.len(), "and catches up from the leader")
	ok, why := s.Converged()
	assert.True(t, ok, why)
	requireSafe(t, s)
}

func TestFsyncZeroIsSynchronousAgain(t *testing.T) {
	s, l := newCluster(t, 5, 3)
	require.NoError(t, s.SetFsync(raft.None, 20*time.Millisecond))
	for _, d := range s.Disks() {
		assert.Equal(t, 20*time.Millisecond, d.Fsync)
	}
	assert.Equal(t, 20*time.Millisecond, s.DefaultFsync())
	_, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	require.NoError(t, s.SetFsync(raft.None, 0))
	s.Run(100 * time.Millisecond) // the queued writes drain in order
	for _, d := range s.Disks() {
		assert.Zero(t, d.Pending)
		assert.Equal(t, d.MemLast, d.DiskLast)
	}
	// From now on writes are durable at once: no queue forms.
	_, err = s.ClientRequest(l, set("b", "2"))
	require.NoError(t, err)
	for _, d := range s.Disks() {
		assert.Zero(t, d.Pending)
	}
	requireSafe(t, s)
}

func TestFsyncErrors(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	assert.ErrorIs(t, s.SetFsync(7, time.Millisecond), ErrNoSuchServer)
	assert.EqualError(t, s.SetFsync(1, -time.Millisecond), "disk 1: fsync must be between 0 and 1h0m0s, got -1ms")
	assert.EqualError(t, s.SetFsync(raft.None, 2*time.Hour), "disk: fsync must be between 0 and 1h0m0s, got 2h0m0s")
	for _, d := range s.Disks() {
		assert.Zero(t, d.Fsync, "errors change nothing")
	}
}

func TestAddedServerGetsDefaultFsync(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	require.NoError(t, s.SetFsync(raft.None, 5*time.Millisecond))
	st, err := s.AddServer(3, ServerOptions{})
	require.NoError(t, err)
	require.Equal(t, raft.StatusOK, st.Status)
	assert.Equal(t, 5*time.Millisecond, s.Disks()[3].Fsync)
	requireSafe(t, s)
}
