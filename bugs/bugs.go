// Package bugs plants known mistakes in Raft servers, so that a class can
// watch the checkers catch them and the checkers prove they can fail. Each
// bug is a broken rule put in from outside the core, through one of the
// seams of raft.Rules (the quorum function, the vote check, the persisted
// state, the read path, the commit rule): package raft itself holds only
// the protocol as the paper writes it. The names are the shell's
// (`startServers 3 bug=NAME`) and chaos's (`chaos --bug NAME`).
package bugs

import (
	"slices"
	"time"

	"raftsim/raft"
	"raftsim/raft/quorum"
)

// Bug is one planted mistake.
type Bug struct {
	Name  string     // as the shell spells it: "figure8"
	What  string     // the mistake, in a few words
	Rules raft.Rules // the broken rules it plants
}

// all lists the bugs in the order the documentation gives them.
var all = []Bug{
	{
		Name: "figure8",
		What: "no no-op at the start of a term, and an entry of an earlier term committed by counting replicas (§5.4.2, Figure 8)",
		// raft.js's design. With the no-op an old entry would almost
		// always travel with an entry of the new term, so both go.
		Rules: raft.Rules{Commit: func(entryTerm, term uint64) bool { return true }, NoNoop: true},
	},
	{
		Name:  "forget-vote",
		What:  "votedFor not persisted: a restarted server votes twice in a term",
		Rules: raft.Rules{Persist: forgetVote},
	},
	{
		Name:  "stale-read",
		What:  "ro reads served from the leader's state machine without confirming leadership (§6.4)",
		Rules: raft.Rules{UnconfirmedReads: true},
	},
	{
		Name:  "short-log-vote",
		What:  "votes granted to candidates whose log is less up to date (§5.4.1)",
		Rules: raft.Rules{UpToDate: func(candidate, own raft.LogPos, transfer bool) bool { return true }},
	},
	{
		Name:  "even-majority",
		What:  "half of the servers count as a majority",
		Rules: raft.Rules{Quorum: func(c quorum.JointConfig) raft.Quorum { return halfMajority(c) }},
	},
	{
		Name:  "joint-new-majority",
		What:  "in C_old,new an entry commits with a majority of C_new alone (§6: it needs a majority of both)",
		Rules: raft.Rules{Quorum: func(c quorum.JointConfig) raft.Quorum { return newAlone(c) }},
	},
	{
		Name: "transfer-behind",
		What: "TimeoutNow sent before the target is up to date, and a transfer's vote granted past the log check (§3.10, §5.4.1)",
		Rules: raft.Rules{TransferBehind: true, UpToDate: func(c, own raft.LogPos, transfer bool) bool {
			return transfer || c.Term > own.Term || c.Term == own.Term && c.Index >= own.Index
		}},
	},
	{
		Name: "lease-no-drift",
		What: "lease reads for a whole election timeout, with no margin for clocks that drift (§6.4.1)",
		Rules: raft.Rules{Lease: func(electionTimeout time.Duration, maxDriftPPM int) time.Duration {
			return electionTimeout
		}},
	},
	{
		Name:  "snapshot-drops-log",
		What:  "a follower that installs a snapshot discards its whole log, entries past the snapshot it had acknowledged included, and installs one it already has (§7, Figure 13)",
		Rules: raft.Rules{DropLogOnSnapshot: true},
	},
}

// All returns every planted bug.
func All() []Bug { return slices.Clone(all) }

// Names returns the names of every planted bug.
func Names() []string {
	out := make([]string, len(all))
	for i, b := range all {
		out[i] = b.Name
	}
	return out
}

// Lookup returns the bug called name; "" and "none" are the correct Raft
// (a Bug with no rules) and found.
func Lookup(name string) (Bug, bool) {
	if name == "" || name == "none" {
		return Bug{Name: name}, true
	}
	for _, b := range all {
		if b.Name == name {
			return b, true
		}
	}
	return Bug{}, false
}

// forgetVote writes the term without the vote: after a crash the server
// believes it voted for nobody in that term.
func forgetVote(hs raft.HardState) raft.HardState {
	hs.VotedFor = raft.None
	return hs
}

// halfMajority decides with (n+1)/2 of each half's n voters: 2 of 4 are a
// "quorum", so two disjoint halves of a 4-server cluster both elect and
// both commit. (For an odd n it is the true majority.)
type halfMajority quorum.JointConfig

func need(c quorum.MajorityConfig) int { return (len(c) + 1) / 2 }

func (h halfMajority) CommittedIndex(l quorum.AckedIndexer) quorum.Index {
	idx := uint64(1<<64 - 1)
	for _, c := range h {
		if len(c) == 0 {
			continue
		}
		acked := make([]uint64, 0, len(c))
		for _, id := range c {
			a, _ := l.AckedIndex(id)
			acked = append(acked, a)
		}
		slices.Sort(acked)
		idx = min(idx, acked[len(acked)-need(c)])
	}
	return idx
}

func (h halfMajority) VoteResult(votes map[quorum.ID]bool) quorum.VoteResult {
	res := quorum.VoteWon
	for _, c := range h {
		if len(c) == 0 {
			continue
		}
		yes, no := 0, 0
		for _, id := range c {
			if g, ok := votes[id]; ok && g {
				yes++
			} else if ok {
				no++
			}
		}
		switch {
		case yes >= need(c):
		case len(c)-no >= need(c):
			res = min(res, quorum.VotePending)
		default:
			return quorum.VoteLost
		}
	}
	return res
}

// newAlone commits with the voters of C_new alone, as if C_old had already
// been left; elections and everything else still need both majorities.
type newAlone quorum.JointConfig

func (q newAlone) CommittedIndex(l quorum.AckedIndexer) quorum.Index {
	return quorum.JointConfig{q[0]}.CommittedIndex(l)
}

func (q newAlone) VoteResult(votes map[quorum.ID]bool) quorum.VoteResult {
	return quorum.JointConfig(q).VoteResult(votes)
}
