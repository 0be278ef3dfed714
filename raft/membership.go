package raft

import (
	"slices"
	"time"

	"raftsim/raft/quorum"
)

// catchupRounds bounds the catch-up phase of new servers (dissertation
// §4.2.1): the leader replicates in rounds, each up to its last index when the
// round began; if a round completes within an election timeout the servers
// are caught up, and after this many rounds the change is abandoned.
const catchupRounds = 10

// catchup is a membership change waiting for new voters to catch up before
// its configuration entry is appended.
type catchup struct {
	servers    []NodeID // the new voters, ascending
	req        pendingReply
	round      int
	target     uint64
	roundStart time.Duration
	deadline   time.Duration // the whole change gives up here (TIMEOUT)
	ready      bool          // caught up; waiting to append the config entry
}

func (c *catchup) has(id NodeID) bool { return c != nil && slices.Contains(c.servers, id) }

// refreshConfig sets the configuration in force: the latest config entry in
// the log, committed or not (§4.1, §6), else the snapshot's, else the
// bootstrap membership. It is called after a config entry is appended or
// truncated away, and after a snapshot is installed.
func (n *Node) refreshConfig() {
	voters, outgoing, learners := n.bootstrap, []NodeID(nil), []NodeID(nil)
	n.configIndex = 0
	ev := Event{Kind: EvConfig}
	if n.snap.Index > 0 {
		voters, outgoing, learners = n.snap.Config, n.snap.Outgoing, n.snap.Learners
		ev.Index, ev.Reason = n.snap.Index, "snapshot"
	}
	for i := n.log.lastIndex(); i > n.log.offset; i-- {
		if e, _ := n.log.entry(i); e.Kind == EntryConfig {
			voters, outgoing, learners, n.configIndex = e.Config.Voters, e.Config.Outgoing, e.Config.Learners, i
			break
		}
	}
	cur := quorum.MajorityConfig(voters) // the bootstrap membership, normalized by NewNode
	if n.snap.Index > 0 || n.configIndex > 0 {
		cur = asConfig(voters)
	}
	n.setConf(quorum.JointConfig{cur, asConfig(outgoing)})
	n.members = n.conf[0]
	if n.conf.Joint() {
		n.members = n.conf.IDs()
	}
	n.learners = quorum.NewMajorityConfig(learners...)
	n.leaving = !n.selfVoter && n.configIndex > 0 && n.votedBefore(n.configIndex)
	if n.configIndex > 0 {
		ev.Index, ev.Reason = n.configIndex, ""
	}
	ev.Config, ev.Outgoing, ev.Learners = n.conf[0], n.conf[1], n.learners
	n.event(ev)
	if n.role != Leader {
		return
	}
	for _, id := range n.members {
		n.addProgress(id, true)
	}
	for _, id := range n.learners {
		n.addProgress(id, false)
	}
	for _, id := range n.peers {
		// A server being removed keeps receiving entries until the change
		// commits, so it learns of its removal and stays quiet; but it no
		// longer votes.
		n.prs.get(id).voter = n.isMember(id)
	}
	n.recountAbove()
}

// votedBefore reports whether this node was a voter of the configuration
// in force just before the config entry at index: the latest config entry
// before it, or else the snapshot's configuration, or else the bootstrap
// membership.
func (n *Node) votedBefore(index uint64) bool {
	for i := index - 1; i > n.log.offset; i-- {
		if e, _ := n.log.entry(i); e.Kind == EntryConfig {
			return e.Config.IsVoter(n.id)
		}
	}
	if n.snap.Index > 0 {
		return slices.Contains(n.snap.Config, n.id) || slices.Contains(n.snap.Outgoing, n.id)
	}
	return slices.Contains(n.bootstrap, n.id)
}

// asConfig returns ids as a configuration: ids itself when it is one
// already (ascending, no duplicates), as the bootstrap membership, a
// snapshot's and a config entry's are. A configuration is only read,
// never changed in place, so it may be shared: the servers of a cluster
// then hold one copy of their membership, not one each (10,000 servers
// would hold 10^8 ids).
func asConfig(ids []NodeID) quorum.MajorityConfig {
	if strictlyIncreasing(ids) {
		return ids
	}
	return quorum.NewMajorityConfig(ids...)
}

// isLearner reports whether id is a learner of the configuration in force.
func (n *Node) isLearner(id NodeID) bool { return n.learners.Contains(id) }

// configPending reports whether a membership change is under way: its
// entry not yet committed, new servers catching up, a client waiting, or a
// joint configuration not yet left.
func (n *Node) configPending() bool {
	return n.configIndex > n.commit || n.catchup != nil || n.configWait != nil || n.conf.Joint()
}

func (n *Node) handleMembership(from NodeID, cmd *Command) {
	resp := func(s Status) {
		n.reply(from, Response{ClientID: cmd.ClientID, Seq: cmd.Seq, Status: s, LeaderHint: None})
	}
	refuse := func(why string) {
		n.reply(from, Response{ClientID: cmd.ClientID, Seq: cmd.Seq, Status: StatusError, Err: why})
	}
	add := []NodeID{cmd.Server}
	var ch ConfigChange
	switch cmd.Op {
	case OpChangeConfig:
		if cmd.Change != nil {
			ch = *cmd.Change
		}
		add = ch.Add
	case OpRemoveServer, OpAddLearner:
		add = nil
	}
	switch {
	case (cmd.Op == OpAddServer || cmd.Op == OpAddLearner) && n.isMember(cmd.Server),
		cmd.Op == OpAddLearner && n.isLearner(cmd.Server),
		cmd.Op == OpChangeConfig && slices.ContainsFunc(ch.Add, n.isMember):
		resp(StatusAlreadyAMember)
	case cmd.Op == OpRemoveServer && !n.isMember(cmd.Server) && !n.isLearner(cmd.Server),
		cmd.Op == OpPromote && !n.isLearner(cmd.Server),
		cmd.Op == OpChangeConfig && slices.ContainsFunc(ch.Remove, func(id NodeID) bool { return !n.isMember(id) }):
		resp(StatusNotAMember)
	case cmd.Op == OpChangeConfig && len(ch.Add)+len(ch.Remove) == 0:
		refuse("no change: give servers to add (+ID) or remove (-ID)")
	case cmd.Op == OpRemoveServer && n.isMember(cmd.Server) && len(n.members) == 1,
		cmd.Op == OpChangeConfig && len(n.changed(ch.Add, ch.Remove)) == 0:
		// With no member left nobody could ever be elected again.
		refuse("cannot remove the last member of the cluster")
	case n.configPending():
		// One change at a time (§4.1; a joint change is one change, §6).
		resp(StatusPendingConfigChange)
	case len(add) > 0:
		// New voters first catch up as non-voting members (§4.2.1).
		n.ensureTermEntry()
		et := n.cfg.ElectionTimeout
		n.catchup = &catchup{
			servers: quorum.NewMajorityConfig(add...), req: pendingReply{to: from, term: n.term, cmd: cmd},
			round: 1, target: n.log.lastIndex(), roundStart: n.now,
			deadline: n.now + time.Duration(catchupRounds)*2*et,
		}
		for _, id := range n.catchup.servers {
			n.addProgress(id, false)
			n.sendAppend(id, n.prs.get(id))
		}
		n.checkCatchup()
	default:
		n.ensureTermEntry()
		n.configWait = &pendingReply{to: from, term: n.term, cmd: cmd}
		n.checkCatchup()
	}
}

// changed returns the voters after adding add and removing remove.
func (n *Node) changed(add, remove []NodeID) []NodeID {
	out := slices.DeleteFunc(append(slices.Clone(n.conf[0]), add...), func(id NodeID) bool { return slices.Contains(remove, id) })
	return quorum.NewMajorityConfig(out...)
}

func without(ids []NodeID, drop ...NodeID) []NodeID {
	return slices.DeleteFunc(slices.Clone(ids), func(id NodeID) bool { return slices.Contains(drop, id) })
}

// checkCatchup moves a membership change along: rounds of catch-up for new
// voters, then the config entry; for a joint change, the entry C_new once
// C_old,new has committed. An entry waits until the leader has committed an
// entry of its own term, which keeps single-server changes safe across
// leader changes (Ongaro's correction to §4.1).
func (n *Node) checkCatchup() {
	if n.role != Leader {
		return
	}
	if c := n.catchup; c != nil && !c.ready {
		lowest := n.log.lastIndex()
		for _, id := range c.servers {
			lowest = min(lowest, n.prs.get(id).match)
		}
		switch {
		case lowest >= c.target:
			for _, id := range c.servers {
				n.event(Event{Kind: EvCatchUp, Peer: id, Index: n.prs.get(id).match, Index2: uint64(c.round)})
			}
			if n.now-c.roundStart < n.cfg.ElectionTimeout || lowest == n.log.lastIndex() {
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
	if n.conf.Joint() {
		// C_old,new is committed: now C_new alone (§6). A leader that took
		// office during the change finishes it too.
		n.appendConfig(n.conf[0], nil, n.learners)
		return
	}
	if c := n.catchup; c != nil && c.ready {
		n.catchup = nil
		n.configWait = &c.req
		switch cmd := c.req.cmd; cmd.Op {
		case OpChangeConfig:
			n.appendConfig(n.changed(cmd.Change.Add, cmd.Change.Remove), n.conf[0], without(n.learners, cmd.Change.Add...))
		default: // addServer, promote: one voter more (§4.1)
			n.appendConfig(n.changed(c.servers, nil), nil, without(n.learners, c.servers...))
		}
		return
	}
	w := n.configWait
	if w == nil || n.configIndex > n.commit {
		return
	}
	switch cmd := w.cmd; {
	case cmd.Op == OpRemoveServer && n.isMember(cmd.Server):
		n.appendConfig(without(n.conf[0], cmd.Server), nil, n.learners)
	case cmd.Op == OpRemoveServer && n.isLearner(cmd.Server):
		n.appendConfig(n.conf[0], nil, without(n.learners, cmd.Server))
	case cmd.Op == OpChangeConfig:
		// Only removals: nobody to catch up, C_old,new at once.
		n.appendConfig(n.changed(nil, cmd.Change.Remove), n.conf[0], n.learners)
	case cmd.Op == OpAddLearner && !n.isLearner(cmd.Server):
		n.appendConfig(n.conf[0], nil, append(slices.Clone(n.learners), cmd.Server))
	}
}

// appendConfig appends a configuration entry and sends it on.
func (n *Node) appendConfig(voters, outgoing, learners []NodeID) {
	n.appendEntry(Entry{Kind: EntryConfig, Config: &Membership{Voters: quorum.NewMajorityConfig(voters...),
		Outgoing: quorum.NewMajorityConfig(outgoing...), Learners: quorum.NewMajorityConfig(learners...)}})
	n.broadcastAppend()
}

func (n *Node) abortCatchup() {
	c := n.catchup
	n.catchup = nil
	for _, id := range c.servers {
		if !n.isMember(id) && !n.isLearner(id) {
			n.removeProgress(id)
		}
	}
	n.reply(c.req.to, Response{ClientID: c.req.cmd.ClientID, Seq: c.req.cmd.Seq, Status: StatusTimeout, LeaderHint: None})
}

// configCommitted runs when a config entry is applied: the waiting client
// gets OK (for a joint change, once C_new commits), servers no longer in the
// configuration stop receiving entries, and a leader that is not in it
// steps down (§4.2.2, §6).
func (n *Node) configCommitted(e Entry) {
	if n.role != Leader {
		return
	}
	if e.Config.Joint() {
		return // C_old,new: checkCatchup appends C_new
	}
	if w := n.configWait; w != nil && e.Index == n.configIndex {
		n.configWait = nil
		n.reply(w.to, Response{ClientID: w.cmd.ClientID, Seq: w.cmd.Seq, Status: StatusOK, LeaderHint: None})
	}
	if e.Index != n.configIndex {
		return // a newer configuration is in force already
	}
	for _, id := range slices.Clone(n.peers) {
		if !n.isMember(id) && !n.isLearner(id) && !n.catchup.has(id) {
			// Tell it the entry is committed once more, then let it go.
			n.sendHeartbeat(id, n.prs.get(id))
			n.removeProgress(id)
		}
	}
	if !n.selfVoter {
		// Tell the remaining members the new commit index before leaving,
		// so that whoever wins next need not learn it from an election.
		n.heartbeat(true)
		n.becomeFollower(n.term, None)
	}
}
