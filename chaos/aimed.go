package chaos

import (
	"fmt"
	"slices"
	"time"

	"raftsim/raft"
	"raftsim/sim"
)

// The aimed tactics look at the simulation to strike at a moment that
// matters (a vote just cast, a leader just elected). They stay a function of
// the seed and the flags: the simulation is itself a function of the lines
// run so far.

// bounce provokes an election (the leader crashes and restarts at once, so
// every server can take part) and watches it in millisecond steps; the
// moment a server has voted for a candidate while another candidate of the
// same term is still asking, it crashes and restarts that voter. A correct
// server remembers its vote across the restart (§5.2: votedFor is
// persistent state); one that forgets it votes twice in the term.
func (g *gen) bounce() {
	// The votes are followed through the trace rather than by polling
	// Info, which copies every log each millisecond. Chaos never turns
	// the shell's debug output on, so the listener is free; the trace
	// changes nothing in the run (docs/design.md, principle 4), and the
	// replay, which has no listener, runs the same.
	w := &voteWatch{cand: map[raft.NodeID]uint64{}, voted: map[raft.NodeID]vote{}, term: map[raft.NodeID]uint64{}, leader: map[raft.NodeID]bool{}}
	g.sim().OnEvent(w.on)
	defer g.sim().OnEvent(nil)
	if l, ok := g.leader(); ok {
		g.crashFor(l, 0)
		// No follower times out sooner than an election timeout after
		// the last heartbeat (at most one interval ago): skip ahead.
		g.runTo(min(g.now()+100*time.Millisecond, g.end))
	}
	stop := min(g.now()+300*time.Millisecond, g.end)
	var settled time.Duration // when a leader was first seen, or 0
	for g.now() < stop && g.healthy() {
		g.x.runFor(time.Millisecond)
		if v, ok := w.voterToBounce(); ok {
			g.crashFor(v, 0)
			return
		}
		// Once a leader has been in place for longer than a vote request
		// takes to arrive, this election has no more votes to cast.
		if _, ok := g.leader(); !ok {
			settled = 0
		} else if settled == 0 {
			settled = g.now()
		} else if g.now()-settled > 40*time.Millisecond {
			return
		}
	}
}

// vote is a vote a server cast.
type vote struct {
	term uint64
	for_ raft.NodeID
}

// voteWatch follows an election through the trace: who campaigns in which
// term, who leads, and who voted for whom.
type voteWatch struct {
	cand   map[raft.NodeID]uint64 // candidates and their terms
	voted  map[raft.NodeID]vote   // the last vote of each server
	term   map[raft.NodeID]uint64 // each server's term, as last seen
	leader map[raft.NodeID]bool
}

func (w *voteWatch) on(ev sim.TraceEvent) {
	switch ev.Kind {
	case sim.EvCrash:
		delete(w.cand, ev.Node)
		delete(w.voted, ev.Node)
		delete(w.leader, ev.Node)
	case sim.EvRaft:
		e := ev.Raft
		w.term[e.Node] = max(w.term[e.Node], e.Term)
		switch e.Kind {
		case raft.EvBecome:
			delete(w.cand, e.Node)
			w.leader[e.Node] = e.Role == raft.Leader
			if e.Role == raft.Candidate {
				w.cand[e.Node] = e.Term
			}
		case raft.EvStepDown:
			delete(w.cand, e.Node)
			w.leader[e.Node] = false
		case raft.EvVoteGranted:
			w.voted[e.Node] = vote{term: e.Term, for_: e.Peer}
		}
	}
}

// voterToBounce finds a server that has voted for one candidate in its
// current term while another candidate of that term is campaigning. The
// lowest such id wins, so the choice does not depend on map order.
func (w *voteWatch) voterToBounce() (raft.NodeID, bool) {
	best := raft.None
	for v, vt := range w.voted {
		if vt.term != w.term[v] || w.leader[v] || w.cand[v] != 0 || vt.for_ == v {
			continue
		}
		for c, ct := range w.cand {
			if ct == vt.term && c != vt.for_ && c != v && (best == raft.None || v < best) {
				best = v
			}
		}
	}
	return best, best != raft.None
}

// orphan cuts the leader off with less than half of the others, gives it
// a write it can replicate only to them, and often crashes it before the
// partition heals: the start of Figure 8, entries of an old term on a
// minority that a later leader may or may not carry on.
func (g *gen) orphan() {
	l, ok := g.leader()
	if !ok {
		return
	}
	ids := g.servers()
	minority := []raft.NodeID{l}
	for _, id := range g.up() {
		if id != l && len(minority) < (len(ids)-1)/2 && g.pct(60) {
			minority = append(minority, id)
		}
	}
	rest := without(ids, minority)
	if len(rest) == 0 {
		return // a one-server cluster: there is no majority to cut it from
	}
	slices.Sort(minority)
	g.fault(FaultPartition, fmt.Sprintf("partition %s | %s", joinIDs(minority), joinIDs(rest)))
	g.netBroken = true
	g.values++
	g.line(KindClient, fmt.Sprintf("clientRequest %d set k%d %d", l, g.rnd.IntN(numKeys), g.values))
	if g.can(FaultCrash) && g.pct(70) {
		g.crashFor(l, g.duration(100*time.Millisecond, 2*time.Second))
	}
	g.later(g.now()+g.duration(50*time.Millisecond, time.Second), Line{Text: "heal", Kind: KindUndo})
}

// infant crashes the leader and watches the election in millisecond
// steps; the moment a new leader is in place, before its first entry (the
// §8 no-op) can reach the others, it is crashed or cut off too. Its term
// then exists only in its own log: Figure 8's (b), a leader that wrote an
// entry nobody else has.
func (g *gen) infant() {
	l, ok := g.leader()
	if !ok {
		return
	}
	g.crashFor(l, g.duration(100*time.Millisecond, 1500*time.Millisecond))
	stop := min(g.now()+600*time.Millisecond, g.end)
	for g.now() < stop && g.healthy() {
		g.x.runFor(time.Millisecond)
		nl, ok := g.leader()
		if !ok {
			continue
		}
		if g.pct(50) || !g.can(FaultPartition) {
			g.crashFor(nl, g.duration(100*time.Millisecond, 2*time.Second))
			return
		}
		g.fault(FaultPartition, fmt.Sprintf("partition %d", nl))
		g.netBroken = true
		g.later(g.now()+g.duration(100*time.Millisecond, 2*time.Second), Line{Text: "heal", Kind: KindUndo})
		return
	}
}
