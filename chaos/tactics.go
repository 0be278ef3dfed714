package chaos

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"raftsim/raft"
)

// act does one action of the schedule.
func (g *gen) act() {
	switch g.pick() {
	case actClient:
		g.client()
	case actPartition:
		g.partition()
	case actCut:
		g.cut()
	case actCrash:
		g.crash()
	case actBounce:
		g.bounce()
	case actOrphan:
		g.orphan()
	case actInfant:
		g.infant()
	case actFigure8:
		g.figure8()
	case actNet:
		g.net()
	case actDisk:
		g.disk()
	case actMembership:
		g.membership()
	case actBridge:
		g.bridge()
	case actRevote:
		g.revote()
	case actStaleRead:
		g.staleRead()
	case actSnapshot:
		g.snapshot()
	case actTransfer:
		g.transfer()
	case actClock:
		g.clock()
	case actLease:
		g.leaseRace()
	case actJoint:
		g.jointChange()
	case actLearner:
		g.learner()
	case actJointSplit:
		g.jointSplit()
	}
}

// can says whether the schedule may inject faults of kind f: a tactic of
// one kind that would use another (an orphaned leader that also crashes)
// leaves that part out under --faults.
func (g *gen) can(f Fault) bool {
	return g.cfg.wants(f) && slices.Contains(g.feat.kinds(), f)
}

// servers lists every server created so far.
func (g *gen) servers() []raft.NodeID { return g.sim().Servers() }

// up lists the servers that are running.
func (g *gen) up() []raft.NodeID {
	var out []raft.NodeID
	for _, id := range g.servers() {
		if _, down := g.down[id]; !down {
			out = append(out, id)
		}
	}
	return out
}

// leader is the cluster's leader as the simulation sees it (a leader that
// reaches a majority), without moving the clock.
func (g *gen) leader() (raft.NodeID, bool) { return g.sim().LeaderID(false) }

// believers lists the live servers that believe they lead, deposed ones
// included: the servers a stale client could still be talking to.
func (g *gen) believers() []raft.NodeID {
	var out []raft.NodeID
	for _, id := range g.up() {
		if in, err := g.sim().Brief(id); err == nil && in.Up && in.Role == raft.Leader {
			out = append(out, id)
		}
	}
	return out
}

func (g *gen) oneOf(ids []raft.NodeID) raft.NodeID { return ids[g.rnd.IntN(len(ids))] }

// client sends one request: a write or a read, to the cluster or straight
// to a server that believes it leads.
func (g *gen) client() {
	key := fmt.Sprintf("k%d", g.rnd.IntN(numKeys))
	target := ""
	if b := g.believers(); len(b) > 0 && g.pct(g.w.staleClient) {
		target = fmt.Sprintf("%d ", g.oneOf(b))
	}
	if g.pct(g.w.reads) {
		ro := ""
		if g.pct(60) {
			ro = " ro"
		}
		g.line(KindClient, fmt.Sprintf("clientRequest %sget %s%s", target, key, ro))
		return
	}
	g.values++
	g.line(KindClient, fmt.Sprintf("clientRequest %sset %s %d", target, key, g.values))
}

// partition splits the servers into groups, healed later.
func (g *gen) partition() {
	ids := g.servers()
	if len(ids) < 2 {
		return
	}
	g.rnd.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	var groups [][]raft.NodeID
	l, hasLeader := g.leader()
	switch {
	case hasLeader && g.pct(g.w.isolateLeader):
		// The leader with fewer than half of the others: it stays leader
		// of a minority for a while.
		minority := []raft.NodeID{l}
		for _, id := range ids {
			if id != l && len(minority) < (len(ids)-1)/2 && g.pct(50) {
				minority = append(minority, id)
			}
		}
		groups = [][]raft.NodeID{minority, without(ids, minority)}
	case len(ids)%2 == 0 && g.pct(g.w.evenSplit):
		groups = [][]raft.NodeID{ids[:len(ids)/2], ids[len(ids)/2:]}
	case len(ids) >= 4 && g.pct(15):
		a, b := 1+g.rnd.IntN(len(ids)-2), 0
		b = a + 1 + g.rnd.IntN(len(ids)-a-1)
		groups = [][]raft.NodeID{ids[:a], ids[a:b], ids[b:]}
	default:
		k := 1 + g.rnd.IntN(len(ids)-1)
		groups = [][]raft.NodeID{ids[:k], ids[k:]}
	}
	parts := make([]string, len(groups))
	for i, grp := range groups {
		slices.Sort(grp)
		parts[i] = joinIDs(grp)
	}
	g.fault(FaultPartition, "partition "+strings.Join(parts, " | "))
	g.netBroken = true
	g.later(g.now()+g.duration(300*time.Millisecond, 3*time.Second), Line{Text: "heal", Kind: KindUndo})
}

// bridge splits the servers into two sides that cannot reach each other
// and one server that reaches both (a partial partition), healed later.
// Often one side is the leader alone, so that it leads on through the
// bridge, which keeps it informed but cannot give it a majority: with
// classic Raft the other side may then never elect (the bridge stays loyal
// to the leader); with check-quorum the leader steps down and the bridge
// and the other side elect.
func (g *gen) bridge() {
	ids := g.servers()
	if len(ids) < 3 {
		return
	}
	g.rnd.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	x, rest := ids[0], ids[1:]
	var a, b []raft.NodeID
	if l, ok := g.leader(); ok && l != x && g.pct(50) {
		a, b = []raft.NodeID{l}, without(rest, []raft.NodeID{l})
	} else {
		k := 1 + g.rnd.IntN(len(rest)-1)
		a, b = rest[:k], rest[k:]
	}
	slices.Sort(a)
	slices.Sort(b)
	// One line per link; the first names the fault, the others belong to it.
	first := 0
	for _, p := range a {
		for _, q := range b {
			l := Line{Text: fmt.Sprintf("cut %d<->%d", p, q), Kind: KindFault, Fault: FaultBridge, Dep: first}
			g.x.exec(l)
			if first == 0 {
				first = g.x.sc.Lines[len(g.x.sc.Lines)-1].ID
			}
		}
	}
	g.netBroken = true
	g.later(g.now()+g.duration(300*time.Millisecond, 3*time.Second), Line{Text: "heal", Kind: KindUndo})
}

// cut blocks one link, one way or both, healed later.
func (g *gen) cut() {
	ids := g.servers()
	if len(ids) < 2 {
		return
	}
	a := g.oneOf(ids)
	b := g.oneOf(without(ids, []raft.NodeID{a}))
	if l, ok := g.leader(); ok && g.pct(40) && l != b {
		a = l // the leader's own links matter most
	}
	arrow := "->"
	if g.pct(30) {
		arrow = "<->"
	}
	g.fault(FaultCut, fmt.Sprintf("cut %d%s%d", a, arrow, b))
	g.netBroken = true
	g.later(g.now()+g.duration(200*time.Millisecond, 2*time.Second), Line{Text: "heal", Kind: KindUndo})
}

// crash stops a server (often the leader) and restarts it later, sometimes
// at once.
func (g *gen) crash() {
	up := g.up()
	if len(up) == 0 {
		return
	}
	id := g.oneOf(up)
	if l, ok := g.leader(); ok && g.pct(g.w.crashLeader) {
		id = l
	}
	after := g.duration(50*time.Millisecond, 2*time.Second)
	if g.pct(10) {
		after = 0
	}
	g.crashFor(id, after)
}

// snapshot makes a live server snapshot now (§7), most often the leader,
// whose compacted log sends the followers behind it snapshots.
func (g *gen) snapshot() {
	up := g.up()
	if len(up) == 0 {
		return
	}
	id := g.oneOf(up)
	if l, ok := g.leader(); ok && g.pct(50) {
		id = l
	}
	g.fault(FaultSnapshot, fmt.Sprintf("snapshot %d", id))
}

// crashFor crashes id and restarts it after d (at once when d is 0).
func (g *gen) crashFor(id raft.NodeID, d time.Duration) {
	crash := g.fault(FaultCrash, fmt.Sprintf("crash %d", id))
	g.down[id] = crash
	restart := Line{Text: fmt.Sprintf("restart %d", id), Kind: KindUndo, Dep: crash}
	if d == 0 {
		delete(g.down, id)
		g.x.exec(restart)
		return
	}
	g.later(g.now()+d, restart)
}

// net makes the network misbehave for a while, on every link (loss,
// duplication, reordering, long delays, slow and long-tailed latency) or
// on one link, then sets it back.
func (g *gen) net() {
	var set []string
	add := func(p int, format string, args ...any) {
		if g.pct(p) {
			set = append(set, fmt.Sprintf(format, args...))
		}
	}
	add(60, "loss=0.%02d", 1+g.rnd.IntN(25))
	add(40, "dup=0.%02d", 1+g.rnd.IntN(15))
	add(40, "reorder=0.%02d", 1+g.rnd.IntN(30))
	add(30, "longdelay=0.%02d:200ms-%dms", 1+g.rnd.IntN(10), 300+g.rnd.IntN(1700))
	add(40, "latency=%dms-%dms", 1+g.rnd.IntN(10), 20+g.rnd.IntN(80))
	add(30, "dist=exp")
	if len(set) == 0 {
		set = append(set, "loss=0.20")
	}
	ids := g.servers()
	mend := "net reset"
	target := ""
	if len(ids) >= 2 && g.pct(35) {
		// One bad link, often the leader's.
		a := g.oneOf(ids)
		if l, ok := g.leader(); ok && g.pct(50) {
			a = l
		}
		b := g.oneOf(without(ids, []raft.NodeID{a}))
		arrow := "<->"
		if g.pct(40) {
			arrow = "->"
		}
		target = fmt.Sprintf("%d%s%d ", a, arrow, b)
		mend = fmt.Sprintf("net %d%s%d reset", a, arrow, b)
	}
	g.fault(FaultNet, "net "+target+strings.Join(set, " "))
	g.netModel = true
	g.later(g.now()+g.duration(300*time.Millisecond, 4*time.Second), Line{Text: mend, Kind: KindUndo})
}

// disk makes one server's disk slow for a while, sometimes every disk:
// writes become durable late, and a crash loses what is not yet durable.
func (g *gen) disk() {
	fsync := fmt.Sprintf("fsync=%dms", 1+g.rnd.IntN(40))
	if g.pct(20) {
		g.fault(FaultDisk, "disk "+fsync)
		g.slowDisk = true
		g.later(g.now()+g.duration(300*time.Millisecond, 4*time.Second), Line{Text: "disk fsync=0", Kind: KindUndo})
		return
	}
	id := g.oneOf(g.servers())
	g.fault(FaultDisk, fmt.Sprintf("disk %d %s", id, fsync))
	g.slowDisk = true
	g.later(g.now()+g.duration(300*time.Millisecond, 4*time.Second), Line{Text: fmt.Sprintf("disk %d fsync=0", id), Kind: KindUndo})
}

// canChangeMembers says whether a membership change can go through now:
// it blocks until it commits, so only try with a leader in place.
func (g *gen) canChangeMembers() bool {
	_, ok := g.leader()
	return ok && g.memberOps < g.maxMemberOps()
}

// maxMemberOps is how many membership changes the schedule makes at most:
// memberOpsPer10s for every 10 s of the fault phase (started ones count).
func (g *gen) maxMemberOps() int {
	return memberOpsPer10s * int((g.cfg.Duration+10*time.Second-1)/(10*time.Second))
}

// membership removes a member (adding it back later) or adds a new server.
func (g *gen) membership() {
	l, ok := g.leader()
	if !ok || !g.canChangeMembers() {
		return
	}
	in, err := g.sim().Brief(l)
	if err != nil {
		return
	}
	members := in.Config
	g.memberOps++
	live := without(members, g.downIDs())
	if len(members) > 3 && len(live) > 0 && (len(members) > g.n || g.pct(60)) {
		// A crashed server is not removed: adding it back would wait for
		// a catch-up that cannot happen.
		id := g.oneOf(live)
		g.fault(FaultMembership, fmt.Sprintf("removeServer %d", id))
		g.removed = append(g.removed, id)
		g.later(g.now()+g.duration(500*time.Millisecond, 3*time.Second), Line{Text: fmt.Sprintf("addServer %d", id), Kind: KindUndo})
		return
	}
	if len(members) >= maxServers {
		return
	}
	id := g.nextNew
	g.nextNew++
	g.fault(FaultMembership, fmt.Sprintf("addServer %d", id))
}

// downIDs lists the crashed servers.
func (g *gen) downIDs() []raft.NodeID {
	var out []raft.NodeID
	for id := range g.down {
		out = append(out, id)
	}
	return out
}

// without returns ids minus drop, in order.
func without(ids, drop []raft.NodeID) []raft.NodeID {
	var out []raft.NodeID
	for _, id := range ids {
		if !slices.Contains(drop, id) {
			out = append(out, id)
		}
	}
	return out
}

func joinIDs(ids []raft.NodeID) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(int(id))
	}
	return strings.Join(parts, ",")
}
