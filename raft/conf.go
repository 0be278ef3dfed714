package raft

import (
	"slices"

	"raftsim/raft/quorum"
)

// Membership is a cluster configuration as the shell, the simulator and
// the checkers see it. Outside the raft package, every question of the
// form "is this a majority?" goes through it, so that nothing recomputes
// a quorum by hand.
type Membership struct {
	// Voters are the voting members (C_new during a joint change).
	Voters []NodeID
	// Outgoing are the voters of the configuration being left while a
	// change goes through joint consensus (C_old); empty otherwise.
	Outgoing []NodeID
	// Learners receive the log and never vote (dissertation §4.2.1).
	Learners []NodeID
}

// Joint reports whether m is in the middle of a joint change (C_old,new).
func (m Membership) Joint() bool { return len(m.Outgoing) > 0 }

// quorum returns m as the quorum package decides for it.
func (m Membership) quorum() quorum.JointConfig {
	return quorum.JointConfig{quorum.NewMajorityConfig(m.Voters...), quorum.NewMajorityConfig(m.Outgoing...)}
}

// IsVoter reports whether id votes in m (in either half of a joint
// configuration).
func (m Membership) IsVoter(id NodeID) bool {
	return slices.Contains(m.Voters, id) || slices.Contains(m.Outgoing, id)
}

// AllVoters returns the voters of both halves, ascending, each once.
func (m Membership) AllVoters() []NodeID { return m.quorum().IDs() }

// HasQuorum reports whether the servers ids make a quorum of m: a
// majority of its voters and, during a joint change, a majority of the
// outgoing voters too. Servers that do not vote are ignored.
//
// It counts in place, without the set and the sorted copies of the
// halves a vote takes (the simulator's liveness watch asks it of every
// group it considers): a voter named twice in a half counts once, as in
// quorum.NewMajorityConfig.
func (m Membership) HasQuorum(ids []NodeID) bool {
	for _, half := range [2][]NodeID{m.Voters, m.Outgoing} {
		distinct, yes := 0, 0
		for i, id := range half {
			if slices.Contains(half[:i], id) {
				continue
			}
			distinct++
			if slices.Contains(ids, id) {
				yes++
			}
		}
		if distinct > 0 && yes < distinct/2+1 {
			return false
		}
	}
	return true
}

// HasQuorumOf is HasQuorum for the servers for which in returns true,
// asked of each voter once, without building a set: the simulator asks it
// of a leader after every event, and at 1,000 servers a set a call was
// most of what a commit allocated.
func (m Membership) HasQuorumOf(in func(NodeID) bool) bool {
	for _, half := range [2]quorum.MajorityConfig{m.Voters, m.Outgoing} {
		if len(half) == 0 {
			continue // no second half: nothing to agree
		}
		n := 0
		for _, id := range half {
			if in(id) {
				n++
			}
		}
		if n < half.Quorum() {
			return false
		}
	}
	return true // as HasQuorum: an empty configuration holds nothing back
}

// Majority returns how many of voters make a majority of them: more than
// half (§5.2).
func Majority(voters []NodeID) int { return quorum.NewMajorityConfig(voters...).Quorum() }

// Membership returns the configuration this node follows.
func (n *Node) Membership() Membership {
	return Membership{Voters: slices.Clone(n.conf[0]), Outgoing: slices.Clone(n.conf[1]), Learners: slices.Clone(n.learners)}
}

// MembershipView is Membership without the copies, for callers that only
// read it and ask often: its slices are shared and must not be modified (a
// configuration is never changed in place, a new one is new slices).
func (n *Node) MembershipView() Membership {
	return Membership{Voters: n.conf[0], Outgoing: n.conf[1], Learners: n.learners}
}
