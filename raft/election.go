package raft

import (
	"time"

	"raftsim/raft/quorum"
)

// campaign starts an election (§5.2): a new term, a vote for itself, and a
// RequestVote to every other member. The candidate counts its own vote only
// once the caller reports the new term and vote durable (HardStateStable):
// a lone voter would otherwise lead, and write, in a term a crash can make
// it forget, then win that term again and write different entries under
// the same (index, term) (Figure 2: persist before responding to RPCs).
//
// A campaign that TimeoutNow started (transfer, §3.10) names the leader
// that asked for it, and its vote requests say so: voters grant them past
// the recent-leader rule.
func (n *Node) campaign(transfer bool) {
	why, from := "", None
	switch {
	case transfer:
		why, from = "leadership handed over", n.leader
	case n.role == PreCandidate:
		why = "won the pre-vote"
	}
	n.setTerm(n.term+1, n.id)
	n.role = Candidate
	n.leader = None
	n.startVote()
	n.event(Event{Kind: EvTimeout, Peer: from, Reason: why})
	n.event(Event{Kind: EvBecome, Role: Candidate})
	n.resetElectionTimer()
	last, lastTerm := n.log.lastIndex(), n.log.lastTerm()
	for _, id := range n.members {
		if id != n.id {
			n.send(Message{Type: MsgVote, To: id, LastIndex: last, LastTerm: lastTerm, Transfer: transfer})
		}
	}
}

// HardStateStable tells the node that hs is durable: the caller reports it
// once a Ready's HardState is on the disk. A candidate counts its own vote
// from then on, which may make it leader.
func (n *Node) HardStateStable(now time.Duration, hs HardState) {
	n.setNow(now)
	if hs.Term < n.durable.Term {
		return // an older write finishing late
	}
	n.durable = hs
	// A candidate of this term voted for itself when it entered the term
	// (campaign), so a durable write of the term holds that vote.
	if n.role != Candidate || hs.Term != n.term || n.votes[n.id] {
		return
	}
	n.recordVote(n.id, true)
	n.tallyVotes(n.id)
}

// preCampaign starts a pre-vote (dissertation §9.6): it asks every member
// whether it would vote for this server in the next term, without anyone
// changing term. Only a majority of yeses starts the real election, so a
// server that cannot win (cut off, or with a stale log) never raises its
// term and never deposes a leader when it comes back. Its own pre-vote
// counts at once: it promises nothing a crash could make it forget.
func (n *Node) preCampaign() {
	n.role = PreCandidate
	n.leader = None
	n.startVote()
	n.event(Event{Kind: EvTimeout, Term: n.term + 1, Pre: true})
	n.event(Event{Kind: EvBecome, Role: PreCandidate})
	n.resetElectionTimer()
	last, lastTerm := n.log.lastIndex(), n.log.lastTerm()
	for _, id := range n.members {
		if id != n.id {
			n.send(Message{Type: MsgPreVote, To: id, Term: n.term + 1, LastIndex: last, LastTerm: lastTerm})
		}
	}
	if n.selfVoter {
		n.recordVote(n.id, true)
		n.tallyPreVotes(n.id)
	}
}

// handleVote answers RequestVote (Figure 2, RequestVote RPC) and PreVote
// (§9.6). For RequestVote, m.Term is not above n.term here: Step has
// already adopted a higher term. A PreVote changes nothing here; it is
// granted when its term is above ours and the log is up to date (Step has
// already refused it while a leader was heard recently, with check-quorum).
func (n *Node) handleVote(m *Message) {
	pre := m.Type == MsgPreVote
	respType := MsgVoteResp
	if pre {
		respType = MsgPreVoteResp
	}
	reject := func(reason string) {
		ev := Event{Kind: EvVoteRejected, Peer: m.From, Reason: reason, Index: m.LastIndex, Index2: m.LastTerm, Pre: pre}
		if pre {
			ev.Term = m.Term
		}
		n.event(ev)
		n.send(Message{Type: respType, To: m.From, Reject: true})
	}
	switch {
	case m.Term < n.term:
		reject("stale term")
	case pre && m.Term == n.term:
		reject("already in that term")
	case !pre && n.votedFor != None && n.votedFor != m.From:
		// One vote per term (§5.2); a leader or candidate has voted for
		// itself, so it never votes again in its own term.
		reject("already voted")
	case !n.upToDate(m.LastIndex, m.LastTerm, m.Transfer):
		// Election restriction (§5.4.1).
		reject("log not up to date")
	case pre:
		n.event(Event{Kind: EvVoteGranted, Peer: m.From, Term: m.Term, Pre: true})
		n.send(Message{Type: MsgPreVoteResp, To: m.From, Term: m.Term})
	default:
		n.setTerm(n.term, m.From)
		n.resetElectionTimer() // §5.2: granting a vote resets the timer
		n.event(Event{Kind: EvVoteGranted, Peer: m.From})
		n.send(Message{Type: MsgVoteResp, To: m.From})
	}
}

// upToDate is the election restriction (§5.4.1) for a candidate whose log
// ends at (lastIndex, lastTerm), unless a rule is planted; transfer says
// the candidate campaigns on a leader's TimeoutNow (§3.10), which changes
// nothing in the paper's rule.
func (n *Node) upToDate(lastIndex, lastTerm uint64, transfer bool) bool {
	if f := n.cfg.Rules.UpToDate; f != nil {
		return f(LogPos{lastIndex, lastTerm}, LogPos{n.log.lastIndex(), n.log.lastTerm()}, transfer)
	}
	return n.log.isUpToDate(lastIndex, lastTerm)
}

func (n *Node) handleVoteResp(m *Message) {
	if n.role != Candidate || m.Term != n.term || m.Reject {
		return
	}
	n.recordVote(m.From, true)
	n.tallyVotes(m.From)
}

// handlePreVoteResp counts an answer to our pre-vote: a majority of yeses
// starts the real election, a majority of noes ends the pre-vote.
func (n *Node) handlePreVoteResp(m *Message) {
	if n.role != PreCandidate || !n.isMember(m.From) {
		return
	}
	if m.Reject {
		if m.Term > n.term {
			return // Step has made us a follower of that term
		}
		if _, answered := n.votes[m.From]; !answered {
			n.recordVote(m.From, false)
		}
		// Give up once the servers that refused leave too few to make a
		// quorum: with 4 members and a quorum of 3, two refusals do.
		if n.voteResult() == quorum.VoteLost {
			n.becomeFollower(n.term, None)
		}
		return
	}
	if m.Term != n.term+1 {
		return // an answer to an earlier pre-vote
	}
	n.recordVote(m.From, true)
	n.tallyPreVotes(m.From)
}

func (n *Node) tallyPreVotes(from NodeID) {
	if from != n.id && n.cfg.Trace {
		n.event(Event{Kind: EvVoteReceived, Peer: from, Term: n.term + 1, Index: uint64(n.granted()), Pre: true})
	}
	if n.voteResult() == quorum.VoteWon {
		n.campaign(false)
	}
}

// tallyVotes counts the votes granted by members (from just added one) and
// takes office on a quorum (of each half, during a joint change).
func (n *Node) tallyVotes(from NodeID) {
	if from != n.id && n.cfg.Trace {
		n.event(Event{Kind: EvVoteReceived, Peer: from, Index: uint64(n.granted())})
	}
	if n.voteResult() == quorum.VoteWon {
		n.becomeLeader()
	}
}

// checkQuorum is the leader side of §6.2 with check-quorum on: a leader
// that has not heard from a majority of its configuration (itself included)
// for an election timeout steps down, so that clients look for another
// leader and the servers it still reaches stop ignoring vote requests on
// its behalf (§4.2.3). It reports whether the leader stepped down.
func (n *Node) checkQuorum() bool {
	if !n.cfg.CheckQuorum || n.now < n.leaderSince+n.cfg.ElectionTimeout {
		return false
	}
	if n.heard == nil {
		n.heard = map[NodeID]bool{}
	}
	clear(n.heard)
	for _, id := range n.members {
		if pr := n.prs.get(id); pr != nil && (id == n.id || n.now-pr.lastAck < n.cfg.ElectionTimeout) {
			n.heard[id] = true
		}
	}
	if n.q.VoteResult(n.heard) == quorum.VoteWon {
		return false
	}
	n.event(Event{Kind: EvCheckQuorum, Index: uint64(len(n.heard)), Index2: uint64(len(n.members))})
	n.becomeFollower(n.term, None)
	return true
}

// inLease reports whether this server heard from a leader within the
// election timeout (a leader: is one), so that with check-quorum it ignores
// vote requests and pre-votes (§4.2.3): that leader is working, since with
// check-quorum it would have stepped down otherwise. It is a matter of time
// only, not of the term or the leader this server now knows of: a higher
// term that reached it since (a stale answer, not a vote) says nothing of
// that leader, whose lease (§6.4.1) still counts on the refusal.
//
// With lease reads, a server that has just booted keeps quiet for an
// election timeout too: it cannot know whether it acknowledged a leader's
// lease just before it crashed, and a vote now could elect another leader
// while that lease runs (§6.4.1).
func (n *Node) inLease() bool {
	if n.role == Leader || (n.cfg.LeaseRead && n.now-n.bootedAt < n.cfg.ElectionTimeout) {
		return true
	}
	return n.now-n.lastLeaderContact < n.cfg.ElectionTimeout
}

// becomeLeader takes office: progress for every peer, and a no-op entry of
// the new term (§8), through which entries of earlier terms get committed.
func (n *Node) becomeLeader() {
	n.role = Leader
	n.leader = n.id
	n.leaderSince = n.now
	n.votes = nil
	n.leaseBroken = false
	n.leaseRounds = n.leaseRounds[:0]
	n.event(Event{Kind: EvBecome, Role: Leader})
	n.prs.reset()
	n.peers = n.peers[:0]
	for _, id := range n.members {
		n.addProgress(id, true)
	}
	n.recountAbove()
	if pr := n.prs.get(n.id); pr != nil {
		n.setMatch(n.id, pr, n.stable) // what is already durable counts from the start
		// The leader acknowledges its own rounds (§6.4). readSeq carries
		// over from an earlier term (round numbers are never reused), so
		// at 0 its own acknowledgement would lag the round its first
		// heartbeats carry, and its first read would wait for the next
		// heartbeat whenever the others alone are no quorum.
		pr.readAck = n.readSeq
	}
	if !n.cfg.Rules.NoNoop {
		n.appendEntry(Entry{Kind: EntryNoop})
	}
	n.heartbeat(true)
}

// abandonLeadership answers every client still waiting on this former
// leader: their entries may or may not commit, so the answer is NOT_LEADER,
// never success (a retry with the same session sequence is applied once).
func (n *Node) abandonLeadership() {
	for _, it := range n.pending.all() {
		n.replyNotLeader(it.p.to, it.p.cmd)
	}
	n.pending.reset()
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
	n.endTransfer()
	n.prs.reset()
	n.peers = nil
}
