package chaos

import (
	"fmt"
	"slices"
	"time"

	"raftsim/raft"
	"raftsim/sim"
)

// transfer hands leadership over (dissertation §3.10): mostly to the
// member that lags most (the one a mistake about catching it up would
// hurt), else to any member the leader can reach. Only transfers that can
// succeed are asked for (a live target connected both ways, no lossy
// network): a refused one would fail its line when the replay of a seed
// runs as a script. Abandoned transfers have tests of their own.
func (g *gen) transfer() {
	l, ok := g.leader()
	if !ok || g.netModel {
		return
	}
	in, err := g.sim().Brief(l)
	if err != nil {
		return
	}
	both := func(a, b raft.NodeID) bool { return a == b || g.sim().Connected(a, b) && g.sim().Connected(b, a) }
	up := without(in.Config, g.downIDs())
	var live []raft.NodeID
	for _, id := range without(up, []raft.NodeID{l}) {
		// The target must reach the leader, and a quorum to win.
		var reach []raft.NodeID
		for _, v := range up {
			if both(id, v) {
				reach = append(reach, v)
			}
		}
		if both(l, id) && in.Membership.HasQuorum(reach) {
			live = append(live, id)
		}
	}
	if len(live) == 0 {
		return
	}
	target := g.oneOf(live)
	if g.pct(60) {
		target = live[0] // the member furthest behind the leader
		_, match := g.sim().Progress(l)
		for _, id := range live[1:] {
			if match[id] < match[target] {
				target = id
			}
		}
	}
	g.fault(FaultTransfer, fmt.Sprintf("transferLeadership %d", target))
}

// clock makes a server's clock drift for a while, on seeds with lease
// reads: within the bound the leases allow for (they must stay safe), or
// on the correct Raft now and then beyond it, after which a stale read is
// expected (Expected), not a bug.
func (g *gen) clock() {
	if !g.lease {
		return
	}
	id := g.oneOf(g.servers())
	if l, ok := g.leader(); ok && g.pct(50) {
		id = l // the leader's clock measures the lease
	}
	// In steps of 0.5%: within the bound, often right at its edge.
	steps := g.bound / 5_000
	ppm := g.rnd.Int64N(2*steps+1)*5_000 - g.bound
	if g.pct(30) {
		ppm = g.bound
		if g.pct(50) {
			ppm = -g.bound
		}
	}
	if g.cfg.Bug == "" && g.pct(15) {
		// Beyond: up to ten times the bound, at most 50%.
		ppm = g.bound + 5_000 + g.rnd.Int64N(max(min(9*g.bound, sim.MaxDriftPPM-g.bound)/5_000, 1))*5_000
		if g.pct(50) {
			ppm = -ppm
		}
		g.driftBeyond = true
	}
	g.fault(FaultClock, fmt.Sprintf("clock %d drift=%s", id, sim.FormatDrift(ppm)))
	if !slices.Contains(g.drifted, id) {
		g.drifted = append(g.drifted, id)
	}
	g.later(g.now()+g.duration(500*time.Millisecond, 4*time.Second), Line{Text: fmt.Sprintf("clock %d drift=0", id), Kind: KindUndo})
}

// leaseRace plays the race a lease must win (§6.4.1): the leader's clock
// runs slow and every other server's fast, both at the edge of the bound,
// so a lease measured on the leader's clock lasts exactly as long, in true
// time, as the followers' promise not to vote (§4.2.3) measured on theirs.
// Then the leader is cut off alone, the others elect a leader and commit a
// write, and the old leader is asked for the key: inside its lease it
// answers from its own state machine. A correct lease has run out by the
// time a new leader can be elected; one that forgets the bound has not,
// and the read is stale.
func (g *gen) leaseRace() {
	if !g.lease || !g.can(FaultPartition) {
		return // the race needs the leader cut off
	}
	l, ok := g.leader()
	if !ok {
		return
	}
	members, ok := g.wholeCluster(l)
	if !ok {
		return
	}
	if g.netBroken {
		g.line(KindUndo, "heal")
		g.netBroken = false
	}
	first := 0
	for _, id := range members {
		ppm := g.bound
		if id == l {
			ppm = -g.bound
		}
		g.x.exec(Line{Text: fmt.Sprintf("clock %d drift=%s", id, sim.FormatDrift(ppm)), Kind: KindFault, Fault: FaultClock, Dep: first})
		if first == 0 {
			first = g.x.sc.Lines[len(g.x.sc.Lines)-1].ID
		}
		if !slices.Contains(g.drifted, id) {
			g.drifted = append(g.drifted, id)
		}
	}
	mend := g.now() + g.duration(time.Second, 3*time.Second)
	for _, id := range members {
		g.later(mend, Line{Text: fmt.Sprintf("clock %d drift=0", id), Kind: KindUndo})
	}
	g.staleRead()
}

// expectedAfterDrift judges the outcome of a seed in which a clock drifted
// beyond the bound (parts per million) its lease reads allow for: a stale
// read is then what the trade-off of §6.4.1 costs, reported as Expected
// rather than as a broken promise. Every other verdict stands: drift never
// excuses a broken safety property or a cluster that stops.
func expectedAfterDrift(out Outcome, bound int64) Outcome {
	if out.Verdict == Linearizability {
		out.Verdict = Expected
		out.Detail = "clock drift beyond the lease bound (" + sim.FormatDrift(bound)[1:] + "): " + out.Detail
	}
	return out
}
