package chaos

import (
	"fmt"
	"slices"
	"time"

	"raftsim/raft"
)

// revote stages an election in which a voter is asked twice in one term
// (§5.2: votedFor must survive a restart). The servers are split into two
// sides of s servers and k swing voters (k = 1 for an odd cluster, 2 for an
// even one), so that each side with the swing voters is a majority:
//
//  1. with the load paused and the logs alike, side B crashes and the
//     leader is crashed and restarted at once: side A and the swing voters
//     elect a leader W of term T, without B;
//  2. the moment W leads, it is cut off with the rest of side A, before its
//     first entry reaches the swing voters, and the swing voters crash and
//     restart: a correct server still knows it voted for W in T;
//  3. side B restarts, with a log as up to date as the swing voters', and
//     campaigns in term T (the term it missed) with the swing voters.
//
// A server that forgot its vote votes again in T, and B's candidate becomes
// a second leader of term T: `expect safe` fails (Election Safety). A
// correct swing voter refuses, B's candidate tries again in a later term
// and wins it. Which servers play which part comes from the seed.
func (g *gen) revote() {
	if !g.can(FaultPartition) {
		return
	}
	g.mendAll()
	stop := g.pauseLoad()
	defer g.resumeLoad(stop)
	g.runWhile(3*time.Second, func() bool {
		st, ok := g.sim().Load()
		return ok && st.Answered < st.Issued
	})
	g.runWhile(time.Second, func() bool { ok, _ := g.sim().Converged(); return !ok })
	l, ok := g.awaitLeader(nil, 2*time.Second)
	if !ok || !g.healthy() {
		return
	}
	members, ok := g.wholeCluster(l)
	if !ok {
		return
	}
	n := len(members)
	k := 1 + (n+1)%2
	s := (n - k) / 2
	followers := without(members, []raft.NodeID{l})
	g.rnd.Shuffle(len(followers), func(i, j int) { followers[i], followers[j] = followers[j], followers[i] })
	sideB := slices.Clone(followers[:s])

	// 1.
	w := &voteWatch{cand: map[raft.NodeID]uint64{}, voted: map[raft.NodeID]vote{}, term: map[raft.NodeID]uint64{}, leader: map[raft.NodeID]bool{}}
	g.sim().OnEvent(w.on)
	defer g.sim().OnEvent(nil)
	for _, b := range sideB {
		g.crashFor(b, 10*time.Second) // restarted in 3., or by the schedule
	}
	g.crashFor(l, 0)
	win, term := raft.None, uint64(0)
	for deadline := g.now() + time.Second; g.now() < deadline && g.healthy(); {
		g.x.runFor(time.Millisecond)
		if nl, ok := g.leader(); ok {
			win, term = nl, w.term[nl]
			break
		}
	}
	if win == raft.None || !g.healthy() {
		return
	}

	// 2. The swing voters: k servers that voted for W in T.
	var swing []raft.NodeID
	for _, id := range without(members, append([]raft.NodeID{win}, sideB...)) {
		if v := w.voted[id]; v.term == term && v.for_ == win && len(swing) < k {
			swing = append(swing, id)
		}
	}
	if len(swing) < k {
		return
	}
	sideBK := append(slices.Clone(swing), sideB...)
	slices.Sort(sideBK)
	sideA := without(g.servers(), sideBK)
	g.fault(FaultPartition, fmt.Sprintf("partition %s | %s", joinIDs(sideA), joinIDs(sideBK)))
	g.netBroken = true
	g.later(g.now()+g.duration(1500*time.Millisecond, 3*time.Second), Line{Text: "heal", Kind: KindUndo})
	for _, v := range swing {
		g.crashFor(v, 0)
	}

	// 3.
	for _, b := range sideB {
		g.restart(b)
	}
	g.runWhile(1500*time.Millisecond, func() bool {
		nl, ok := g.leader()
		return !ok || !slices.Contains(sideBK, nl)
	})
}

// staleRead asks a deposed leader for a read it can answer only from its
// own, stale state machine (§6.4: a leader must confirm it still leads
// before it answers a read). The leader is cut off alone; the others elect
// a new leader, which commits a write; then the old leader, which has heard
// nothing of it and still believes it leads, is asked for the key. A read
// served without a heartbeat round returns the old value after the new one
// was acknowledged: `expect linearizable` fails. A correct leader cannot
// confirm its leadership and never answers.
func (g *gen) staleRead() {
	l, ok := g.leader()
	if !ok {
		return
	}
	if g.netBroken {
		g.line(KindUndo, "heal")
		g.netBroken = false
	}
	rest := without(g.servers(), []raft.NodeID{l})
	if len(rest) == 0 {
		return
	}
	g.fault(FaultPartition, fmt.Sprintf("partition %d", l))
	g.netBroken = true
	g.later(g.now()+g.duration(time.Second, 3*time.Second), Line{Text: "heal", Kind: KindUndo})
	if _, ok := g.awaitLeader(rest, 1500*time.Millisecond); !ok || !g.healthy() {
		return
	}
	key := fmt.Sprintf("k%d", g.rnd.IntN(numKeys))
	g.values++
	g.line(KindClient, fmt.Sprintf("clientRequest set %s %d", key, g.values))
	g.line(KindClient, fmt.Sprintf("clientRequest %d get %s ro", l, key))
}
