package raft

import (
	"slices"
	"strconv"
	"time"
)

// Snapshots and log compaction (§7 of the paper, chapter 5 of the
// dissertation). A server snapshots its state machine after the entries it
// has applied, with the configuration in force there, and drops the log up
// to it but for a short tail (so that a follower a little behind still gets
// entries); a follower whose next entry the leader has compacted away gets
// the snapshot instead, in chunks (InstallSnapshot, Figure 13).

// incomingSnap is a snapshot a follower is receiving, chunk by chunk, from
// the leader of term.
type incomingSnap struct {
	meta SnapshotMeta
	term uint64
	data []byte
}

// snapshotTail is how many applied entries a snapshot leaves in the log:
// a quarter of the threshold, at most 1024. A forced snapshot with no
// threshold keeps none.
func (n *Node) snapshotTail() uint64 {
	return min(n.cfg.SnapshotThreshold/4, 1024)
}

// maybeSnapshot takes a snapshot once SnapshotThreshold entries have been
// applied since the last one.
func (n *Node) maybeSnapshot() {
	if t := n.cfg.SnapshotThreshold; t > 0 && n.applied >= n.snap.Index+t {
		n.takeSnapshot("every " + strconv.FormatUint(t, 10) + " applied entries")
	}
}

// Compact makes the node snapshot its state machine now, after the last
// entry it applied, and compact its log (the shell's `snapshot ID`). It
// reports false when nothing was applied since the last snapshot, or when
// the node does not know the configuration at its last applied entry yet
// (a server that joined, until it applies a configuration entry).
func (n *Node) Compact(now time.Duration) bool {
	n.setNow(now)
	return n.takeSnapshot("asked to")
}

// takeSnapshot snapshots the state after n.applied and compacts the log:
// entries up to the snapshot, minus the tail, and only those already
// durable (the disk drops its own copy once the snapshot is written).
func (n *Node) takeSnapshot(why string) bool {
	a := n.applied
	if a <= n.snap.Index || len(n.appliedConfig.Voters) == 0 {
		// No configuration: a server that joined through addServer
		// applies the entries before its own config entry knowing none
		// (the others' bootstrap configuration is in no entry). A
		// snapshot must record one (§7): without it the disk could not
		// be restarted from, nor the snapshot installed by anyone.
		return false
	}
	ac := n.appliedConfig
	meta := SnapshotMeta{Index: a, Term: n.log.term(a), Config: slices.Clone(ac.Voters),
		Outgoing: slices.Clone(ac.Outgoing), Learners: slices.Clone(ac.Learners)}
	n.snap = Snapshot{SnapshotMeta: meta, Data: n.sm.Snapshot()}
	n.snapDirty = true // (installed stays as it is: a take may follow an install in one input)
	to := min(a-min(a, n.snapshotTail()), n.stable)
	n.log.compact(to)
	n.event(Event{Kind: EvSnapshot, Index: a, EntryTerm: meta.Term, Index2: n.log.offset,
		Bytes: uint64(len(n.snap.Data)), Config: meta.Config, Reason: why})
	return true
}

// SnapshotMeta returns the node's latest snapshot (Index 0: none) and its
// size in bytes.
func (n *Node) SnapshotMeta() (SnapshotMeta, int) {
	m := n.snap.SnapshotMeta
	m.Config, m.Outgoing, m.Learners = slices.Clone(m.Config), slices.Clone(m.Outgoing), slices.Clone(m.Learners)
	return m, len(n.snap.Data)
}

// FirstIndex returns the index of the first entry the log holds (entries
// before it are compacted into the snapshot); LastIndex+1 when it holds none.
func (n *Node) FirstIndex() uint64 { return n.log.firstIndex() }

// sendSnapshotChunk sends the next chunk of pr's snapshot, one at a time.
func (n *Node) sendSnapshotChunk(id NodeID, pr *progress) bool {
	if pr.snapSent {
		return false
	}
	data := pr.snap.Data
	off := min(pr.snapOffset, uint64(len(data)))
	end := min(off+uint64(n.cfg.SnapshotChunk), uint64(len(data)))
	done := end == uint64(len(data))
	sn := &pr.snap.SnapshotMeta
	n.prs.sent(pr, n.now)
	n.send(Message{Type: MsgSnap, To: id, LastIndex: sn.Index, LastTerm: sn.Term, Offset: off,
		Snap: &SnapPart{Config: snapConfig(sn), Data: data[off:end:end]}, Done: done, ReadSeq: n.readSeq})
	why := ""
	if done {
		why = "last chunk"
	}
	n.event(Event{Kind: EvSnapshotSent, Peer: id, Index: pr.snap.Index, Index2: off, Bytes: end - off, Reason: why})
	pr.snapSent = true
	pr.lastProgress = n.now
	return true
}

// handleSnap is the follower side of InstallSnapshot (Figure 13): chunks
// are gathered in order (offset 0 starts a snapshot afresh; one out of
// order is answered with what arrived, which is where the leader goes on),
// each written to the disk before it is acknowledged; the last installs the
// snapshot.
func (n *Node) handleSnap(m *Message) {
	if m.Term < n.term {
		n.send(Message{Type: MsgSnapResp, To: m.From, LastIndex: m.LastIndex, Reject: true})
		return
	}
	if n.role != Follower || n.leader != m.From {
		n.becomeFollower(n.term, m.From)
	}
	n.lastLeaderContact = n.now
	n.resetElectionTimer()
	var part SnapPart
	if m.Snap != nil {
		part = *m.Snap
	}
	c := part.Config
	meta := SnapshotMeta{Index: m.LastIndex, Term: m.LastTerm, Config: c.Voters, Outgoing: c.Outgoing, Learners: c.Learners}
	resp := Message{Type: MsgSnapResp, To: m.From, LastIndex: meta.Index, ReadSeq: m.ReadSeq}
	if meta.Index <= n.commit && !n.cfg.Rules.DropLogOnSnapshot {
		// Everything the snapshot holds is committed here already (a
		// duplicate, or a transfer overtaken by entries): the log matches
		// the leader's up to the commit index.
		n.incoming = nil
		resp.Done, resp.Match = true, n.commit
		n.send(resp)
		return
	}
	in := n.incoming
	if m.Offset == 0 {
		in = &incomingSnap{meta: meta, term: m.Term}
		n.incoming = in
	}
	if in == nil || in.meta.Index != meta.Index || in.meta.Term != meta.Term || in.term != m.Term || m.Offset != uint64(len(in.data)) {
		if in != nil && in.meta.Index == meta.Index && in.meta.Term == meta.Term && in.term == m.Term {
			resp.Offset = uint64(len(in.data))
		}
		n.send(resp)
		return
	}
	in.data = append(in.data, part.Data...)
	resp.Offset = uint64(len(in.data))
	if !m.Done {
		if c := n.chunk; c != nil && c.Meta.Index == meta.Index && c.Meta.Term == meta.Term && c.Offset+uint64(len(c.Data)) == m.Offset {
			// A chunk that follows one not yet handed to the disk: the
			// next Ready writes both, since both are answered once it is
			// durable.
			c.Data = append(c.Data[:len(c.Data):len(c.Data)], part.Data...)
		} else {
			n.chunk = &SnapshotChunk{Meta: meta, Offset: m.Offset, Data: part.Data}
		}
		n.send(resp)
		return
	}
	n.incoming = nil
	if !n.installSnapshot(Snapshot{SnapshotMeta: meta, Data: in.data}, m.From) {
		return
	}
	resp.Done, resp.Match = true, meta.Index
	n.send(resp)
	n.releaseHeld()
}

// installSnapshot replaces the state machine by snapshot s. If the log
// holds s's last entry (same index and term), the entries after it are
// kept: they may be newer than the snapshot (Figure 13 rule 6); otherwise
// the whole log is discarded (rule 7).
func (n *Node) installSnapshot(s Snapshot, from NodeID) bool {
	if err := n.sm.Restore(s.Data); err != nil {
		n.violation("installing a snapshot the state machine cannot restore", s.Index, 0)
		return false
	}
	why := "discarded its log"
	if !n.cfg.Rules.DropLogOnSnapshot && s.Index <= n.log.lastIndex() && n.log.term(s.Index) == s.Term {
		why = "kept its entries after it"
		if s.Index == n.log.lastIndex() {
			why = "its log ended there"
		}
		n.log.compact(s.Index)
	} else {
		n.log.reset(s.Index, s.Term)
		n.stable = s.Index
		n.held = n.held[:0]
	}
	n.snap = s
	n.snapDirty, n.snapInstalled = true, true
	n.commit, n.applied = s.Index, s.Index
	n.appliedConfig = Membership{Voters: slices.Clone(s.Config), Outgoing: slices.Clone(s.Outgoing), Learners: slices.Clone(s.Learners)}
	n.refreshConfig()
	n.event(Event{Kind: EvSnapshotInstalled, Peer: from, Index: s.Index, EntryTerm: s.Term,
		Bytes: uint64(len(s.Data)), Config: s.Config, Reason: why})
	return true
}

// handleSnapResp is the leader side: the next chunk, or, once the follower
// has installed the snapshot, replication from there.
func (n *Node) handleSnapResp(m *Message) {
	if n.role != Leader || m.Term != n.term {
		return
	}
	pr := n.prs.get(m.From)
	if pr == nil {
		return
	}
	n.ackRead(pr, m)
	if n.role != Leader || pr.state != stateSnapshot || m.LastIndex != pr.snap.Index || m.Reject {
		return // an answer about another transfer
	}
	if m.Done {
		moved := n.setMatch(m.From, pr, m.Match)
		pr.becomeReplicate(n.now)
		if moved {
			n.progressed(m.From, pr)
		} else {
			n.checkCatchup()
		}
		if n.role == Leader {
			n.sendAppend(m.From, pr)
		}
		return
	}
	pr.snapOffset = m.Offset
	if pr.snapOffset > uint64(len(pr.snap.Data)) {
		pr.snapOffset = 0
	}
	pr.snapSent = false
	pr.lastProgress = n.now
	n.sendSnapshotChunk(m.From, pr)
}

// snapConfig is the configuration of snapshot m as a MsgSnap carries it:
// the voters, and the old voters and learners only when there are any, so
// that a follower's snapshot has nil for an empty half however the
// leader's spelled it.
func snapConfig(m *SnapshotMeta) Membership {
	c := Membership{Voters: m.Config}
	if len(m.Outgoing) > 0 || len(m.Learners) > 0 {
		c.Outgoing, c.Learners = m.Outgoing, m.Learners
	}
	return c
}
