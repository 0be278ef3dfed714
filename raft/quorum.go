package raft

import "raftsim/raft/quorum"

// This file is where the node asks its configuration for a quorum: the
// commit index (§5.3, §5.4.2), ReadIndex rounds (§6.4), elections and
// pre-votes (§5.2, §9.6) and check-quorum (§6.2) all go through the
// quorum package, so that a joint configuration (§6, dissertation §4.3)
// needs both its majorities for every one of them, in one place.

// Quorum makes the decisions that need a quorum of a configuration:
// quorum.JointConfig is Raft's rule. A node asks it for its commit index
// and ReadIndex rounds (CommittedIndex) and for elections, pre-votes and
// check-quorum (VoteResult).
type Quorum interface {
	CommittedIndex(quorum.AckedIndexer) quorum.Index
	VoteResult(votes map[quorum.ID]bool) quorum.VoteResult
}

// matchAcks reads the leader's progress as acknowledged indexes: each
// server's matchIndex.
type matchAcks struct{ t *progressTable }

func (a matchAcks) AckedIndex(id quorum.ID) (quorum.Index, bool) {
	if pr := a.t.get(id); pr != nil {
		return pr.match, true
	}
	return 0, false
}

// readAcks reads the leader's progress as the heartbeat rounds each
// server has answered in this term (§6.4).
type readAcks struct{ t *progressTable }

func (a readAcks) AckedIndex(id quorum.ID) (quorum.Index, bool) {
	if pr := a.t.get(id); pr != nil {
		return pr.readAck, true
	}
	return 0, false
}

// setMatch raises the leader's matchIndex of server id to idx and keeps
// the commit gate's counts. It reports whether match moved.
func (n *Node) setMatch(id NodeID, pr *progress, idx uint64) bool {
	if idx <= pr.match {
		return false
	}
	if pr.match <= n.commit && idx > n.commit {
		for k, half := range n.conf {
			if half.Contains(id) {
				n.above[k]++
			}
		}
	}
	pr.match = idx
	return true
}

// recountAbove counts again, for each half of the configuration, the
// voters whose match is above the commit index. It runs when the commit
// index, the configuration or the set of progresses changes.
func (n *Node) recountAbove() {
	for k, half := range n.conf {
		c := 0
		for _, id := range half {
			if pr := n.prs.get(id); pr != nil && pr.match > n.commit {
				c++
			}
		}
		n.above[k] = c
	}
}

// commitGate reports whether an acknowledgement could have moved the
// commit index: only once every half of the configuration has a quorum of
// voters above it. Below that the quorum's answer is the commit index as
// it is, and asking would cost a pass over every voter for nothing (at
// 1,000 servers that was most of the leader's time).
func (n *Node) commitGate() bool {
	if n.planted {
		// A planted rule is opaque: ask it whenever a voter is above.
		return n.above[0]+n.above[1] > 0
	}
	for k, half := range n.conf {
		if len(half) > 0 && n.above[k] < half.Quorum() {
			return false
		}
	}
	return true
}

// voteResult is the state of the election or pre-vote in progress. The
// configuration's majorities decide from the running counts (a pass over
// every voter on every answer made an election of 10,000 servers
// quadratic); a planted rule is opaque and is asked with every answer.
func (n *Node) voteResult() quorum.VoteResult {
	if n.planted {
		return n.q.VoteResult(n.votes)
	}
	return n.conf.Tally(n.tally.yes, n.tally.no)
}

// voteTally counts the answers in Node.votes: yes and no per half of the
// configuration, and the yeses of voters of either half (for the trace).
type voteTally struct {
	yes, no [2]int
	granted int
}

// startVote opens a new election or pre-vote with no answers yet.
func (n *Node) startVote() {
	n.votes = map[NodeID]bool{}
	n.tally = voteTally{}
}

// recordVote records id's answer (a later answer replaces an earlier one)
// and keeps the counts.
func (n *Node) recordVote(id NodeID, yes bool) {
	prev, answered := n.votes[id]
	if answered && prev == yes {
		return
	}
	n.votes[id] = yes
	if answered {
		n.countVote(id, prev, -1)
	}
	n.countVote(id, yes, 1)
}

// countVote adds d to the counts of id's answer yes.
func (n *Node) countVote(id NodeID, yes bool, d int) {
	t := &n.tally
	member := false
	for k, half := range n.conf {
		if !half.Contains(id) {
			continue
		}
		member = true
		if yes {
			t.yes[k] += d
		} else {
			t.no[k] += d
		}
	}
	if member && yes {
		t.granted += d
	}
}

// setConf puts conf in force and takes the rule that decides for it. A
// vote under way is counted again, in the new configuration.
func (n *Node) setConf(conf quorum.JointConfig) {
	n.conf, n.q, n.planted = conf, conf, false
	n.selfVoter = conf.Contains(n.id)
	if f := n.cfg.Rules.Quorum; f != nil {
		n.q, n.planted = f(conf), true
	}
	n.tally = voteTally{}
	for id, yes := range n.votes {
		n.countVote(id, yes, 1)
	}
}

// granted counts the yeses of voters so far, for the trace.
func (n *Node) granted() int { return n.tally.granted }
