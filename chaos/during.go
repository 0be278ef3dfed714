package chaos

import (
	"fmt"
	"slices"
	"time"

	"raftsim/raft"
	"raftsim/sim"
)

// Liveness during faults. Raft promises progress not only once every fault
// is healed: whenever a group of servers it must keep live (sim.LiveGroups:
// a majority, up, fully connected over the default network, and — unless
// the cluster runs pre-vote and check-quorum — cut off from every other
// live server) has been so for long enough, and the cluster has been
// without a leader for long enough too, a leader must be in place; and the
// clients' operations must be answered. The executor follows the
// groups through the run and, the moment one has been live for longer than
// a bound without a leader, or with an operation unanswered for longer
// than another, adds a check that fails: `expect leader`, or `until idle
// 1ms` for the operation, after a comment saying what was seen.
//
// The bounds are for chaos's timing (election timeouts of 150-300 ms,
// heartbeats every 50 ms): more than a dozen election rounds, so that a
// run of split votes does not count as a violation.
const (
	duringLeaderBound = 2 * time.Second
	duringOpBound     = 4 * time.Second
	// sampleEvery is the grid of virtual time on which the groups are
	// followed during a run. It is absolute (multiples of it), so that
	// `run 300ms` and `run 100ms` + `run 200ms` see the same samples, and
	// a replay whose runs are merged judges as the generation did.
	sampleEvery = 50 * time.Millisecond
)

// Kinds of check a liveness-during-faults line makes.
const (
	duringNone   = iota
	duringLeader // expect leader
	duringOps    // until idle 1ms: every operation answered
)

// liveSource is what the watch reads from the simulation (*sim.Sim; tests
// hand-build one).
type liveSource interface {
	Now() time.Duration
	LiveGroups() [][]raft.NodeID
	LeaderID(wait bool) (raft.NodeID, bool)
	OldestOpen() (sim.HistoryOp, bool)
}

// liveWatch follows the live groups of a run, and the leader. A group may
// have been live while a leader outside it led the cluster (a majority of
// five includes three, and the leader may be one of the other two); when
// that leader is lost, the group needs an election of its own, so the
// bounds run from the later of the group's start and the leader's loss.
type liveWatch struct {
	// groups are the live groups at the last sample, each with the time
	// it has been live since; there are a few at most, so a slice serves
	// (a map by group was a tenth of what watching cost).
	groups []liveGroup
	last   [][]raft.NodeID // the groups groups was made from
	// lostAt is when the cluster last went without a leader; leaderless
	// says it still is.
	lostAt     time.Duration
	leaderless bool
}

// liveGroup is a live group and the time it has been live since.
type liveGroup struct {
	ids   []raft.NodeID
	since time.Duration
}

// sample records the live groups now.
func (w *liveWatch) sample(s liveSource) {
	now := s.Now()
	if _, ok := s.LeaderID(false); ok {
		w.leaderless = false
	} else if !w.leaderless {
		w.leaderless, w.lostAt = true, now
	}
	groups := s.LiveGroups()
	if len(groups) == 0 && len(w.groups) == 0 {
		return
	}
	if slices.EqualFunc(groups, w.last, slices.Equal) {
		return // the same groups, live since the same times
	}
	w.last = groups
	next := make([]liveGroup, 0, len(groups))
	for _, g := range groups {
		since := now
		for _, old := range w.groups {
			if slices.Equal(old.ids, g) {
				since = old.since
				break
			}
		}
		next = append(next, liveGroup{ids: g, since: since})
	}
	w.groups = next
}

// oldest returns the group live the longest, and since when; of groups
// live since the same time, the first in the order of their ids.
func (w *liveWatch) oldest() ([]raft.NodeID, time.Duration, bool) {
	var best *liveGroup
	for i := range w.groups {
		g := &w.groups[i]
		if best == nil || g.since < best.since || (g.since == best.since && slices.Compare(g.ids, best.ids) < 0) {
			best = g
		}
	}
	if best == nil {
		return nil, 0, false
	}
	return best.ids, best.since, true
}

// violation returns the check a run now fails, with a comment saying why,
// or duringNone.
func (w *liveWatch) violation(s liveSource) (kind int, note string) {
	k, since, ok := w.oldest()
	if !ok {
		return duringNone, ""
	}
	now := s.Now()
	// The note is written only for a violation: the runner asks after
	// every command and sample, and the answer is nearly always none.
	group := func() string { return "servers " + joinIDs(k) }
	from := max(since, w.lostAt)
	if now-from < min(duringLeaderBound, duringOpBound) {
		// Neither bound has passed: no need to ask for the leader. The
		// runner asks after each of a seed's hundreds of steps, mostly
		// within the bounds.
		return duringNone, ""
	}
	if _, ok := s.LeaderID(false); !ok && now-from >= duringLeaderBound {
		return duringLeader, fmt.Sprintf("# liveness during faults: %s live since t=%s (a connected majority), no leader since t=%s nor at t=%s",
			group(), secs(since), secs(w.lostAt), secs(now))
	}
	if now-from < duringOpBound {
		return duringNone, ""
	}
	// The oldest open operation is the first to have waited too long.
	if op, ok := s.OldestOpen(); ok && now-max(op.Call, from) >= duringOpBound {
		return duringOps, fmt.Sprintf("# liveness during faults: %s live since t=%s (a connected majority), client %d's %s %s (seq %d), called at t=%s, unanswered at t=%s",
			group(), secs(since), sim.ShownID(op.Client), op.Op, op.Key, op.Seq, secs(op.Call), secs(now))
	}
	return duringNone, ""
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

// duringLine is the shell line of a check kind.
func duringLine(kind int) string {
	if kind == duringLeader {
		return "expect leader"
	}
	return "until idle 1ms"
}
