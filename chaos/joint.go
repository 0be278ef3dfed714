package chaos

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"raftsim/raft"
)

// Joint changes and learners (§6, dissertation §4.2.1 and §4.3) as action
// classes: any change at once, learners added and promoted later, and an
// aimed play for the mistake of committing C_old,new with C_new alone.

// jointChange changes the membership at once through C_old,new: it removes
// up to two live voters and adds up to two servers (brand-new ones, or
// ones removed earlier), keeping at least three voters.
func (g *gen) jointChange() {
	l, ok := g.leader()
	if !ok || !g.canChangeMembers() {
		return
	}
	in, err := g.sim().Brief(l)
	if err != nil || in.Membership.Joint() {
		return
	}
	voters := in.Membership.Voters
	live := without(voters, g.downIDs())
	var add, remove []raft.NodeID
	for range g.rnd.IntN(3) {
		if len(live) == 0 || len(voters)-len(remove) <= 3 {
			break
		}
		id := g.oneOf(live)
		live = without(live, []raft.NodeID{id})
		remove = append(remove, id)
	}
	for range 1 + g.rnd.IntN(2) {
		if len(voters)-len(remove)+len(add) >= maxServers {
			break
		}
		if back := without(g.removed, append(g.downIDs(), remove...)); len(back) > 0 && g.pct(50) {
			id := g.oneOf(back)
			g.removed = without(g.removed, []raft.NodeID{id})
			add = append(add, id)
			continue
		}
		add = append(add, g.nextNew)
		g.nextNew++
	}
	if len(add)+len(remove) == 0 {
		return
	}
	g.memberOps++
	g.removed = append(g.removed, remove...)
	g.fault(FaultMembership, changeLine(add, remove))
}

// changeLine is the changeConfig line that adds add and removes remove.
func changeLine(add, remove []raft.NodeID) string {
	var b strings.Builder
	b.WriteString("changeConfig")
	for _, id := range add {
		fmt.Fprintf(&b, " +%d", id)
	}
	for _, id := range remove {
		fmt.Fprintf(&b, " -%d", id)
	}
	return b.String()
}

// learner adds a brand-new server as a learner, and promotes it a little
// later.
func (g *gen) learner() {
	if !g.canChangeMembers() || len(g.servers()) >= maxServers {
		return
	}
	id := g.nextNew
	g.nextNew++
	g.memberOps++
	g.fault(FaultMembership, fmt.Sprintf("addLearner %d", id))
	g.later(g.now()+g.duration(200*time.Millisecond, 2*time.Second), Line{Text: fmt.Sprintf("promote %d", id), Kind: KindUndo})
}

// jointSplit plays a joint change in which the old voters other than the
// leader hear of C_old,new only late: the links from the leader to a
// majority of them become slow (two seconds), then the leader replaces
// them with new servers. A correct leader commits C_old,new only once a
// majority of C_old has it too, so the slow ones learn of the change
// before anything depends on it. One that commits with C_new alone moves
// on, while the slow ones, hearing nothing, elect one of themselves with
// a majority of C_old: a leader without the committed entries (Leader
// Completeness, §5.4), and two clusters.
func (g *gen) jointSplit() {
	l, ok := g.leader()
	if !ok || !g.canChangeMembers() || !g.can(FaultNet) {
		return
	}
	members, ok := g.wholeCluster(l)
	if !ok {
		return
	}
	in, err := g.sim().Brief(l)
	if err != nil || in.Membership.Joint() {
		return
	}
	followers := without(members, []raft.NodeID{l})
	g.rnd.Shuffle(len(followers), func(i, j int) { followers[i], followers[j] = followers[j], followers[i] })
	slow := followers[:raft.Majority(members)]
	var add []raft.NodeID
	for range len(slow) {
		add = append(add, g.nextNew)
		g.nextNew++
	}
	slices.Sort(slow)
	for _, id := range slow {
		g.fault(FaultNet, fmt.Sprintf("net %d->%d latency=2s-2001ms", l, id))
	}
	g.netModel = true
	g.memberOps++
	g.removed = append(g.removed, slow...)
	g.fault(FaultMembership, changeLine(add, slow))
	g.later(g.now()+g.duration(100*time.Millisecond, time.Second), Line{Text: "net reset", Kind: KindUndo})
}
