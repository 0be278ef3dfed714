package raft

import (
	"slices"

	"raftsim/raft/quorum"
)

// Broken rules for the tests of the seams (Rules): each is the mistake the
// bugs package plants through that seam, written again here because bugs
// imports raft. The tests show that each seam reaches the rule it names.
var (
	// anyTermCommits is raft.js's commit rule: count replicas of any term,
	// and no no-op at the start of a term.
	anyTermCommits = Rules{Commit: func(uint64, uint64) bool { return true }, NoNoop: true}
	// forgetVote writes every HardState without its vote.
	forgetVote = Rules{Persist: func(hs HardState) HardState { hs.VotedFor = None; return hs }}
	// unconfirmedReads serves reads without a heartbeat round.
	unconfirmedReads = Rules{UnconfirmedReads: true}
	// anyLogVotes grants votes whatever the candidate's log.
	anyLogVotes = Rules{UpToDate: func(LogPos, LogPos, bool) bool { return true }}
	// transferBehind sends TimeoutNow to a target that lags, and voters
	// grant a transfer's vote past the log check.
	transferBehind = Rules{TransferBehind: true,
		UpToDate: func(c, o LogPos, transfer bool) bool {
			return transfer || c.Term > o.Term || c.Term == o.Term && c.Index >= o.Index
		}}
	// halfQuorum counts half of the voters as a quorum.
	halfQuorum = Rules{Quorum: func(c quorum.JointConfig) Quorum { return halfOf(c[0]) }}
)

// halfOf decides with (n+1)/2 of n voters: 2 of 4.
type halfOf quorum.MajorityConfig

func (h halfOf) need() int { return (len(h) + 1) / 2 }

func (h halfOf) CommittedIndex(l quorum.AckedIndexer) quorum.Index {
	var acked []uint64
	for _, id := range h {
		idx, _ := l.AckedIndex(id)
		acked = append(acked, idx)
	}
	slices.Sort(acked)
	return acked[len(acked)-h.need()]
}

func (h halfOf) VoteResult(votes map[quorum.ID]bool) quorum.VoteResult {
	yes := 0
	for _, id := range h {
		if votes[id] {
			yes++
		}
	}
	if yes >= h.need() {
		return quorum.VoteWon
	}
	return quorum.VotePending
}
