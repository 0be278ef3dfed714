package raft

import "time"

// leaseRound is when heartbeat round seq was sent.
type leaseRound struct {
	seq uint64
	at  time.Duration
}

// newRound starts heartbeat round readSeq+1 (§6.4): the leader
// acknowledges it itself at once, and with lease reads remembers when it
// was sent.
func (n *Node) newRound() {
	n.readSeq++
	if pr := n.prs.get(n.id); pr != nil {
		pr.readAck = n.readSeq
	}
	if n.cfg.LeaseRead {
		n.leaseRounds = append(n.leaseRounds, leaseRound{seq: n.readSeq, at: n.now})
	}
}

// trimLeaseRounds forgets the rounds older than the latest one a
// majority confirmed: the lease runs from that one's start.
func (n *Node) trimLeaseRounds() {
	if len(n.leaseRounds) == 0 {
		return
	}
	c := n.readConfirmed()
	k := 0
	for k < len(n.leaseRounds)-1 && n.leaseRounds[k].seq < c {
		k++
	}
	if k > 0 {
		n.leaseRounds = append(n.leaseRounds[:0], n.leaseRounds[k:]...)
	}
}

// leaseHeld reports whether this leader may serve a read from its lease
// (dissertation §6.4.1): lease reads are on, it has committed an entry of
// its term (so its commit index is the cluster's), it has sent no
// TimeoutNow in this term, and less than the lease has passed on its
// clock since the start of the latest heartbeat round a majority of its
// configuration acknowledged. Each of that majority heard from it after
// the round began and refuses votes for an election timeout after that
// (§4.2.3), so no majority can have elected another leader yet.
func (n *Node) leaseHeld() bool {
	if !n.cfg.LeaseRead || n.role != Leader || n.leaseBroken || n.transfer != nil ||
		n.log.term(n.commit) != n.term || n.applied < n.commit {
		return false
	}
	n.trimLeaseRounds()
	c := n.readConfirmed()
	for _, r := range n.leaseRounds {
		if r.seq == c {
			return n.now < r.at+n.leaseDur
		}
	}
	return false // no round of this term confirmed yet
}
