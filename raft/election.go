package raft

import "time"

// campaign starts an election (§5.2): a new term, a vote for itself, and a
// RequestVote to every other member. The candidate counts its own vote only
// once the caller reports the new term and vote durable (HardStateStable):
// a lone voter would otherwise lead, and write, in a term a crash can make
// it forget, then win that term again and write different entries under
// the same (index, term) (Figure 2: persist before responding to RPCs).
func (n *Node) campaign() {
	n.setTerm(n.term+1, n.id)
	n.role = Candidate
	n.leader = None
	n.votes = map[NodeID]bool{}
	n.event(Event{Kind: EvTimeout})
	n.event(Event{Kind: EvBecome, Role: Candidate})
	n.resetElectionTimer()
	last, lastTerm := n.log.lastIndex(), n.log.lastTerm()
	for _, id := range n.members {
		if id != n.id {
			n.send(Message{Type: MsgVote, To: id, LastIndex: last, LastTerm: lastTerm})
		}
	}
}

// HardStateStable tells the node that hs is durable: the caller reports it
// once a Ready's HardState is on the disk. A candidate counts its own vote
// from then on, which may make it leader.
func (n *Node) HardStateStable(now time.Duration, hs HardState) {
	n.now = now
	if hs.Term < n.durable.Term {
		return // an older write finishing late
	}
	n.durable = hs
	if n.role != Candidate || hs.Term != n.term || n.votes[n.id] {
		return
	}
	if hs.VotedFor != n.id && n.cfg.Bug != BugForgetVote {
		return
	}
	n.votes[n.id] = true
	n.tallyVotes(n.id)
}

// handleVote answers RequestVote (Figure 2, RequestVote RPC). m.Term is not
// above n.term here: Step has already adopted a higher term.
func (n *Node) handleVote(m Message) {
	reject := func(reason string) {
		n.event(Event{Kind: EvVoteRejected, Peer: m.From, Reason: reason, Index: m.LastIndex, Index2: m.LastTerm})
		n.send(Message{Type: MsgVoteResp, To: m.From, Reject: true})
	}
	switch {
	case m.Term < n.term:
		reject("stale term")
	case n.votedFor != None && n.votedFor != m.From:
		// One vote per term (§5.2); a leader or candidate has voted for
		// itself, so it never votes again in its own term.
		reject("already voted")
	case n.cfg.Bug != BugShortLogVote && !n.log.isUpToDate(m.LastIndex, m.LastTerm):
		// Election restriction (§5.4.1).
		reject("log not up to date")
	default:
		n.setTerm(n.term, m.From)
		n.resetElectionTimer() // §5.2: granting a vote resets the timer
		n.event(Event{Kind: EvVoteGranted, Peer: m.From})
		n.send(Message{Type: MsgVoteResp, To: m.From})
	}
}

func (n *Node) handleVoteResp(m Message) {
	if n.role != Candidate || m.Term != n.term || m.Reject {
		return
	}
	n.votes[m.From] = true
	n.tallyVotes(m.From)
}

// tallyVotes counts the votes granted by members (from just added one) and
// takes office on a quorum.
func (n *Node) tallyVotes(from NodeID) {
	granted := 0
	for id := range n.votes {
		if n.isMember(id) {
			granted++
		}
	}
	if from != n.id {
		n.event(Event{Kind: EvVoteReceived, Peer: from, Index: uint64(granted)})
	}
	if granted >= n.quorum() {
		n.becomeLeader()
	}
}

// becomeLeader takes office: progress for every peer, and a no-op entry of
// the new term (§8), through which entries of earlier terms get committed.
func (n *Node) becomeLeader() {
	n.role = Leader
	n.leader = n.id
	n.votes = nil
	n.event(Event{Kind: EvBecome, Role: Leader})
	n.prs = map[NodeID]*progress{}
	n.peers = n.peers[:0]
	for _, id := range n.members {
		n.addProgress(id, true)
	}
	if pr := n.prs[n.id]; pr != nil {
		pr.match = n.stable // what is already durable counts from the start
	}
	if n.cfg.Bug != BugFigure8 {
		// The figure8 bug is raft.js's design: no no-op, and commits by
		// counting replicas of any term. With the no-op an old entry would
		// almost always travel with an entry of the new term.
		n.appendEntry(Entry{Kind: EntryNoop})
	}
	n.heartbeat()
}

// abandonLeadership answers every client still waiting on this former
// leader: their entries may or may not commit, so the answer is NOT_LEADER,
// never success (a retry with the same session sequence is applied once).
func (n *Node) abandonLeadership() {
	for _, idx := range sortedKeys(n.pending) {
		p := n.pending[idx]
		n.replyNotLeader(p.to, p.cmd)
	}
	clear(n.pending)
	clear(n.proposed)
	for _, r := range n.reads {
		n.replyNotLeader(r.to, r.cmd)
	}
	n.reads = nil
	if c := n.catchup; c != nil {
		n.replyNotLeader(c.req.to, c.req.cmd)
		n.catchup = nil
	}
	if w := n.configWait; w != nil {
		n.replyNotLeader(w.to, w.cmd)
		n.configWait = nil
	}
	n.prs = nil
	n.peers = nil
}
