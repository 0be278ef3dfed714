package raft

import (
	"slices"
	"time"

	"raftsim/raft/quorum"
)

// catchupRounds bounds the catch-up phase of a new server (dissertation
// §4.2.1): the leader replicates in rounds, each up to its last index when the
// round began; if a round completes within an election timeout the server is
// caught up, and after this many rounds the change is abandoned.
const catchupRounds = 10

type catchup struct {
	server     NodeID
	req        pendingReply
	round      int
	target     uint64
	roundStart time.Duration
	deadline   time.Duration // the whole change gives up here (TIMEOUT)
	ready      bool          // caught up; waiting to append the config entry
}

// refreshConfig sets the configuration in force: the latest config entry in
// the log, committed or not (§4.1), else the snapshot's, else the bootstrap
// membership. It is called after a config entry is appended or truncated
// away, and after a snapshot is installed.
func (n *Node) refreshConfig() {
	n.members, n.configIndex = n.bootstrap, 0
	ev := Event{Kind: EvConfig}
	if n.snap.Index > 0 {
		n.members = n.snap.Config
		ev.Index, ev.Reason = n.snap.Index, "snapshot"
	}
	for i := n.log.lastIndex(); i > n.log.offset; i-- {
		if e, _ := n.log.entry(i); e.Kind == EntryConfig {
			n.members, n.configIndex = e.Config, i
			break
		}
	}
	n.setConf(quorum.JointConfig{quorum.NewMajorityConfig(n.members...)})
	if n.configIndex > 0 {
		ev.Index, ev.Reason = n.configIndex, ""
	}
	ev.Config = n.members
	n.event(ev)
	if n.role != Leader {
		return
	}
	for _, id := range n.members {
		n.addProgress(id, true)
	}
	for _, id := range slices.Clone(n.peers) {
		if pr := n.prs[id]; pr.voter && !n.isMember(id) {
			// Keep replicating to a server being removed until the change
			// commits, so it learns of its removal and stays quiet; but it
			// no longer votes.
			pr.voter = false
		}
	}
	n.recountAbove()
}

func (n *Node) configPending() bool {
	return n.configIndex > n.commit || n.catchup != nil || n.configWait != nil
}

func (n *Node) handleMembership(from NodeID, cmd Command) {
	resp := func(s Status) {
		n.reply(from, Response{ClientID: cmd.ClientID, Seq: cmd.Seq, Status: s, LeaderHint: None})
	}
	switch {
	case cmd.Op == OpAddServer && n.isMember(cmd.Server):
		resp(StatusAlreadyAMember)
	case cmd.Op == OpRemoveServer && !n.isMember(cmd.Server):
		resp(StatusNotAMember)
	case cmd.Op == OpRemoveServer && len(n.members) == 1:
		// With no member left nobody could ever be elected again.
		n.reply(from, Response{ClientID: cmd.ClientID, Seq: cmd.Seq, Status: StatusError,
			Err: "cannot remove the last member of the cluster"})
	case n.configPending():
		// One change at a time (§4.1).
		resp(StatusPendingConfigChange)
	case cmd.Op == OpAddServer:
		n.ensureTermEntry()
		et := n.cfg.ElectionTimeout
		n.catchup = &catchup{
			server: cmd.Server, req: pendingReply{to: from, term: n.term, cmd: cmd},
			round: 1, target: n.log.lastIndex(), roundStart: n.now,
			deadline: n.now + time.Duration(catchupRounds)*2*et,
		}
		n.addProgress(cmd.Server, false)
		n.sendAppend(cmd.Server, n.prs[cmd.Server])
	default:
		n.ensureTermEntry()
		n.configWait = &pendingReply{to: from, term: n.term, cmd: cmd}
		n.checkCatchup()
	}
}

// checkCatchup moves a membership change along: rounds of catch-up for a
// new server, then the config entry. The entry waits until the leader has
// committed an entry of its own term, which keeps single-server changes safe
// across leader changes (Ongaro's correction to §4.1).
func (n *Node) checkCatchup() {
	if n.role != Leader {
		return
	}
	if c := n.catchup; c != nil && !c.ready {
		pr := n.prs[c.server]
		switch {
		case pr.match >= c.target:
			n.event(Event{Kind: EvCatchUp, Peer: c.server, Index: pr.match, Index2: uint64(c.round)})
			if n.now-c.roundStart < n.cfg.ElectionTimeout || pr.match == n.log.lastIndex() {
				c.ready = true
			} else if c.round < catchupRounds {
				c.round++
				c.target, c.roundStart = n.log.lastIndex(), n.now
			} else {
				n.abortCatchup()
				return
			}
		case n.now >= c.deadline:
			n.abortCatchup()
			return
		}
	}
	if n.log.term(n.commit) != n.term || n.configIndex > n.commit {
		return
	}
	if c := n.catchup; c != nil && c.ready {
		n.catchup = nil
		n.configWait = &c.req
		members := append(slices.Clone(n.members), c.server)
		slices.Sort(members)
		n.appendEntry(Entry{Kind: EntryConfig, Config: members})
		n.broadcastAppend()
		return
	}
	if w := n.configWait; w != nil && w.cmd.Op == OpRemoveServer && n.configIndex <= n.commit && n.isMember(w.cmd.Server) {
		members := slices.DeleteFunc(slices.Clone(n.members), func(id NodeID) bool { return id == w.cmd.Server })
		n.appendEntry(Entry{Kind: EntryConfig, Config: members})
		n.broadcastAppend()
	}
}

func (n *Node) abortCatchup() {
	c := n.catchup
	n.catchup = nil
	n.removeProgress(c.server)
	n.reply(c.req.to, Response{ClientID: c.req.cmd.ClientID, Seq: c.req.cmd.Seq, Status: StatusTimeout, LeaderHint: None})
}

// configCommitted runs when a config entry is applied: the waiting client
// gets OK, servers no longer in the configuration stop receiving entries,
// and a leader that removed itself steps down (§4.2.2).
func (n *Node) configCommitted(e Entry) {
	if n.role != Leader {
		return
	}
	if w := n.configWait; w != nil && e.Index == n.configIndex {
		n.configWait = nil
		n.reply(w.to, Response{ClientID: w.cmd.ClientID, Seq: w.cmd.Seq, Status: StatusOK, LeaderHint: None})
	}
	for _, id := range slices.Clone(n.peers) {
		if !n.prs[id].voter && (n.catchup == nil || n.catchup.server != id) {
			// Tell it the entry is committed once more, then let it go.
			n.sendHeartbeat(id, n.prs[id])
			n.removeProgress(id)
		}
	}
	if !n.selfVoter {
		// Tell the remaining members the new commit index before leaving,
		// so that whoever wins next need not learn it from an election.
		n.heartbeat()
		n.becomeFollower(n.term, None)
	}
}
