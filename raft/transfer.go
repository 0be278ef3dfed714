package raft

import (
	"fmt"
	"time"
)

// transfer is a leadership transfer in progress (dissertation §3.10).
type transfer struct {
	target   NodeID
	req      pendingReply
	deadline time.Duration // abandoned here: an election timeout after it began
	sent     bool          // TimeoutNow has gone to the target
	// handedOver: the target has shown up in a higher term (it
	// campaigned, or leads): the leader stepped down because of it.
	handedOver bool
}

// Reasons of EvTransfer events.
const (
	transferStarted   = "started"
	transferSent      = "timeout now sent"
	transferAbandoned = "abandoned after an election timeout"
	transferDone      = "handed over"
	transferLost      = "lost leadership to another"
)

// handleTransfer starts a leadership transfer to cmd.Server (§3.10): the
// leader stops taking client requests (they would lengthen the log the
// target must catch up to), brings the target's log up to date, then
// sends it TimeoutNow, which makes it campaign at once. A transfer that
// has not handed over within an election timeout is abandoned, and the
// leader takes requests again. A second transfer to the same server waits
// with the first; one to another server is refused while the first runs.
func (n *Node) handleTransfer(from NodeID, cmd *Command) {
	resp := func(s Status, err string) {
		n.reply(from, Response{ClientID: cmd.ClientID, Seq: cmd.Seq, Status: s, LeaderHint: None, Err: err})
	}
	to := cmd.Server
	switch t := n.transfer; {
	case to == n.id:
		resp(StatusOK, "") // it leads already
		return
	case !n.isMember(to):
		resp(StatusNotAMember, "")
		return
	case t != nil && t.target == to:
		t.req = pendingReply{to: from, term: n.term, cmd: cmd}
		return
	case t != nil:
		resp(StatusError, fmt.Sprintf("a leadership transfer to server %d is under way", t.target))
		return
	}
	n.transfer = &transfer{target: to, req: pendingReply{to: from, term: n.term, cmd: cmd},
		deadline: n.now + n.cfg.ElectionTimeout}
	n.event(Event{Kind: EvTransfer, Peer: to, Reason: transferStarted})
	n.maybeSendTimeoutNow(to)
}

// maybeSendTimeoutNow sends TimeoutNow to the transfer's target once its
// log matches the leader's to the end; until then it sends it entries.
func (n *Node) maybeSendTimeoutNow(id NodeID) {
	t := n.transfer
	if t == nil || t.sent || t.target != id || n.role != Leader {
		return
	}
	pr := n.prs.get(id)
	if pr == nil {
		return
	}
	if pr.match < n.log.lastIndex() && !n.cfg.Rules.TransferBehind {
		n.sendAppend(id, pr)
		return
	}
	t.sent = true
	// From now on the target may be elected at any moment, past the rule
	// that protects a lease (§4.2.3): no lease read in this term again.
	n.leaseBroken = true
	n.event(Event{Kind: EvTransfer, Peer: id, Reason: transferSent, Index: pr.match})
	n.send(Message{Type: MsgTimeoutNow, To: id})
}

// checkTransfer abandons a transfer that has not handed over within an
// election timeout (the target is down, cut off, or lost its election):
// the waiting client gets TIMEOUT and the leader takes requests again.
func (n *Node) checkTransfer() {
	if t := n.transfer; t != nil && n.now >= t.deadline {
		n.transfer = nil
		n.event(Event{Kind: EvTransfer, Peer: t.target, Reason: transferAbandoned})
		n.reply(t.req.to, Response{ClientID: t.req.cmd.ClientID, Seq: t.req.cmd.Seq, Status: StatusTimeout, LeaderHint: None})
	}
}

// endTransfer answers the client of a transfer when the leader steps
// down: OK if the target took over (it appeared in a higher term),
// NOT_LEADER if someone else did.
func (n *Node) endTransfer() {
	t := n.transfer
	if t == nil {
		return
	}
	n.transfer = nil
	st, why := StatusNotLeader, transferLost
	if t.handedOver {
		st, why = StatusOK, transferDone
	}
	n.event(Event{Kind: EvTransfer, Peer: t.target, Reason: why})
	r := Response{ClientID: t.req.cmd.ClientID, Seq: t.req.cmd.Seq, Status: st, LeaderHint: None}
	if st == StatusNotLeader {
		r.LeaderHint = n.leader
	}
	n.respond(t.req.to, r)
}

// handleTimeoutNow is the target's side (§3.10): the leader of its term
// has brought its log up to date and asks it to campaign now, without a
// pre-vote and with a vote request that voters grant although they heard
// from that leader recently.
func (n *Node) handleTimeoutNow(m *Message) {
	if m.Term < n.term || n.role == Leader || !n.selfVoter {
		return // stale, or nothing to take over
	}
	n.leader = m.From // the leader of our term: campaign names it
	n.campaign(true)
}
