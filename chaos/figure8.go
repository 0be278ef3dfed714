package chaos

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"raftsim/raft"
)

// figure8 plays Figure 8 of the Raft paper (§5.4.2), steering every
// election by partitions so that only the intended side has a majority:
//
//	(a) the leader L1 of term T, cut off with fewer than half of the others
//	    (S1: none, or one of five), takes a write at index i that it stores
//	    on S1 only; meanwhile the others elect L2 (term T+1);
//	(b) L2 is cut off from everyone and takes a write at index i that
//	    reaches nobody (L1 may have crashed meanwhile, and restarts now);
//	(c) L1 (or a server of S1) is elected with just enough of the others to
//	    make a majority, all of them without a log as up to date as its
//	    own, and sends them its term-T entry at i: it is on a majority now,
//	    and nothing of the new term is (no client reaches this leader);
//	(d) that leader crashes or is cut off, and L2, whose last term T+1
//	    beats every other log's T, is elected by a majority and overwrites
//	    index i.
//
// A correct Raft never commits the term-T entry in (c), since it commits
// only through an entry of its own term; a Raft that commits by counting
// replicas has committed it, and (d) loses a committed entry: `expect
// safe` fails (Leader Completeness, State Machine Safety). The client load
// pauses for the play, since a client write to the leader of (c) would put
// an entry of its term on a majority. Which servers play which part, the
// term T and the gaps between the steps come from the seed and the run.
func (g *gen) figure8() {
	g.mendAll()
	stop := g.pauseLoad()
	defer g.resumeLoad(stop)
	// Let the pending operations end: one that reaches the leader of (c)
	// late would put an entry of its term on a majority.
	g.runWhile(3*time.Second, func() bool {
		st, ok := g.sim().Load()
		return ok && st.Answered < st.Issued
	})
	g.runTo(g.now() + g.duration(20*time.Millisecond, 500*time.Millisecond))
	l1, ok := g.awaitLeader(nil, 2*time.Second)
	if !ok {
		return
	}
	members, ok := g.wholeCluster(l1)
	if !ok {
		return
	}
	n := len(members)
	maj := raft.Majority(members)
	others := without(g.servers(), members) // no votes: they go anywhere
	followers := without(members, []raft.NodeID{l1})
	g.rnd.Shuffle(len(followers), func(i, j int) { followers[i], followers[j] = followers[j], followers[i] })
	// L2's side must be a majority of servers without the entry at i.
	s1 := followers[:g.rnd.IntN(n-maj)]
	sideB := append(slices.Clone(followers[len(s1):]), others...)

	// (a)
	g.partitionGroups(append([]raft.NodeID{l1}, s1...), sideB)
	key := fmt.Sprintf("k%d", g.rnd.IntN(numKeys))
	g.values++
	g.line(KindClient, fmt.Sprintf("clientRequest %d set %s %d", l1, key, g.values))
	if g.can(FaultCrash) && g.pct(40) {
		g.crashFor(l1, g.duration(500*time.Millisecond, 3*time.Second))
	}
	g.runTo(g.now() + g.duration(0, 300*time.Millisecond))
	l2, ok := g.awaitLeader(followers[len(s1):], time.Second)
	if !ok || !g.healthy() {
		return
	}

	// (b) and (c)
	rest := without(followers[len(s1):], []raft.NodeID{l2})
	g.rnd.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	k := maj - 1 - len(s1) // the others (c)'s leader needs, on top of L1 and S1
	sideC := append(append([]raft.NodeID{l1}, s1...), rest[:k]...)
	g.partitionGroups([]raft.NodeID{l2}, sideC, append(slices.Clone(rest[k:]), others...))
	g.restart(l1) // if it crashed in (a)
	g.values++
	g.line(KindClient, fmt.Sprintf("clientRequest %d set %s %d", l2, key, g.values))
	g.runTo(g.now() + g.duration(0, 300*time.Millisecond))
	lc, ok := g.awaitLeader(sideC, time.Second)
	if !ok || !g.healthy() {
		return
	}

	// (d)
	if g.can(FaultCrash) && g.pct(70) {
		g.crashFor(lc, g.duration(200*time.Millisecond, 2*time.Second))
	}
	voters := without(members, []raft.NodeID{lc, l2})
	g.rnd.Shuffle(len(voters), func(i, j int) { voters[i], voters[j] = voters[j], voters[i] })
	sideD := append([]raft.NodeID{l2}, voters[:maj-1]...)
	g.partitionGroups(sideD, without(g.servers(), sideD))
	g.runWhile(1500*time.Millisecond, func() bool {
		l, ok := g.leader()
		return !ok || l != l2
	})
}

// mendAll heals the network and restarts the crashed servers, so that
// partitions alone decide who can win an election.
func (g *gen) mendAll() {
	if g.netBroken {
		g.line(KindUndo, "heal")
		g.netBroken = false
	}
	for _, id := range g.servers() {
		if _, down := g.down[id]; down {
			g.restart(id)
		}
	}
}

// restart brings a crashed server back now (its scheduled restart, if
// any, then does nothing).
func (g *gen) restart(id raft.NodeID) {
	crash, ok := g.down[id]
	if !ok {
		return
	}
	delete(g.down, id)
	g.x.exec(Line{Text: fmt.Sprintf("restart %d", id), Kind: KindUndo, Dep: crash})
}

// partitionGroups splits the servers into the non-empty groups given (the
// partition is healed later, by the schedule or at the end).
func (g *gen) partitionGroups(groups ...[]raft.NodeID) {
	var parts []string
	for _, grp := range groups {
		if len(grp) > 0 {
			grp = slices.Clone(grp)
			slices.Sort(grp)
			parts = append(parts, joinIDs(grp))
		}
	}
	g.fault(FaultPartition, "partition "+strings.Join(parts, " | "))
	if !g.netBroken {
		g.netBroken = true
		g.later(g.now()+g.duration(100*time.Millisecond, time.Second), Line{Text: "heal", Kind: KindUndo})
	}
}

// wholeCluster returns leader l's configuration if it has at least three
// members and every one of them is up: the aimed plays split a whole
// cluster, and say nothing about a smaller or a damaged one.
func (g *gen) wholeCluster(l raft.NodeID) ([]raft.NodeID, bool) {
	in, err := g.sim().Brief(l)
	if err != nil {
		return nil, false
	}
	if len(in.Config) < 3 || len(without(in.Config, g.up())) > 0 {
		return nil, false
	}
	return in.Config, true
}

// awaitLeader runs the clock in small steps until a leader is in place,
// one of among if among is not nil, for at most d.
func (g *gen) awaitLeader(among []raft.NodeID, d time.Duration) (raft.NodeID, bool) {
	found := func() (raft.NodeID, bool) {
		l, ok := g.leader()
		return l, ok && (among == nil || slices.Contains(among, l))
	}
	g.runWhile(d, func() bool { _, ok := found(); return !ok })
	return found()
}

// runWhile runs the clock in steps of 10ms while cond holds and the run is
// healthy, for at most d. The steps fold into one run line.
func (g *gen) runWhile(d time.Duration, cond func() bool) {
	stop := g.now() + d
	for g.now() < stop && g.healthy() && cond() {
		g.runTo(min(g.now()+10*time.Millisecond, stop))
	}
}

// pauseLoad stops the client load, if it is running, and returns the ID of
// the line that stopped it (0: none).
func (g *gen) pauseLoad() int {
	if st, ok := g.sim().Load(); !ok || !st.Running {
		return 0
	}
	return g.line(KindClient, "load stop").ID
}

// resumeLoad starts the load again, after pauseLoad stopped it, for the
// rest of the fault phase.
func (g *gen) resumeLoad(stop int) {
	left := (g.end - g.now()).Truncate(time.Millisecond)
	if stop == 0 || !g.healthy() || left < 100*time.Millisecond {
		return
	}
	g.x.exec(Line{Text: fmt.Sprintf("load clients=3 rate=50/s keys=%d for=%s", numKeys, fmtDur(left)), Kind: KindClient, Dep: stop})
}
