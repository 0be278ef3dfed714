package chaos

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"raftsim/raft"
	"raftsim/sim"
)

// Timing of the schedule.
const (
	warmup      = 500 * time.Millisecond // first election before any fault
	settle      = time.Second            // after healing, before the checks
	leaderBound = 10 * time.Second       // liveness: a leader within this after healing
	idleBound   = 10 * time.Second       // liveness: every operation done within this
	minGap      = 20 * time.Millisecond  // between two actions
	maxGap      = 500 * time.Millisecond
	// memberOpsPer10s bounds the membership changes: each blocks until
	// it commits, and a few per 10 s of faults are plenty. Long runs get
	// as many per 10 s.
	memberOpsPer10s = 4
	numKeys         = 3
)

// undo is a mending line due at a virtual time.
type undo struct {
	at   time.Duration
	line Line
}

// gen builds one seed's script while running it. It may look at the
// simulation (who leads, who voted) to aim its faults; since the
// simulation is itself a function of the lines run so far, the schedule
// stays a function of the seed and the configuration, and the recorded
// lines replay it exactly.
type gen struct {
	cfg  *Config
	feat features
	rnd  *rand.Rand
	x    *executor
	w    weights
	n    int           // servers started
	end  time.Duration // end of the fault phase

	down      map[raft.NodeID]int // crashed servers -> ID of the crash line
	netBroken bool                // a partition or cut may be in force
	netModel  bool                // the network model was changed
	slowDisk  bool                // a disk may be slow
	undos     []undo
	nextNew   raft.NodeID   // the id of the next brand-new server
	removed   []raft.NodeID // servers removed from the configuration
	memberOps int
	values    int // last value written, so every write is distinct

	// lease: the servers serve lease reads (§6.4.1), which allow for
	// clocks that drift by up to bound (parts per million); drifted lists
	// the servers whose clock was made to drift, and driftBeyond says a
	// drift beyond bound happened, which voids the lease's promise.
	lease       bool
	bound       int64
	drifted     []raft.NodeID
	driftBeyond bool
}

// Random streams of the schedule. Each is its own PCG seeded from the seed
// and the stream's number, so the schedule never shares numbers with the
// simulation, and leaving an action out (when shrinking) changes no other
// action's numbers nor any gap.
const (
	streamSetup   = 1 << 40
	streamGaps    = 2 << 40
	streamActions = 3 << 40          // + the action's ordinal
	chaosSalt     = 0x63_68_61_6f_73 // "chaos"
)

func stream(seed, n uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, chaosSalt^n))
}

// Generate builds and runs the script of one seed, returning it with the
// verdict.
func Generate(cfg Config, seed uint64) (Script, Outcome) {
	sc, out, _ := generate(cfg, seed, nil)
	return sc, out
}

// generate runs the schedule of seed, leaving out the actions whose
// ordinals are in skip (their gaps still pass). It returns the script,
// its outcome and how many actions the schedule reached.
func generate(cfg Config, seed uint64, skip map[int]bool) (Script, Outcome, int) {
	return generateTuned(cfg, seed, skip, nil)
}

// generateTuned is generate with the odds changed by tune (tests aim the
// schedule at one tactic with it).
func generateTuned(cfg Config, seed uint64, skip map[int]bool, tune func(*weights)) (Script, Outcome, int) {
	g := &gen{
		cfg: &cfg, feat: available(), rnd: stream(seed, streamSetup), x: newExecutor(seed),
		down: map[raft.NodeID]int{},
	}
	g.x.inject = true
	g.w = weightsFor(&cfg, g.feat)
	if tune != nil {
		tune(&g.w)
	}
	g.setup(seed)
	gaps := stream(seed, streamGaps)
	k := 0
	for ; g.now() < g.end && g.healthy(); k++ {
		gap := minGap + time.Duration(gaps.Int64N(int64((maxGap-minGap)/time.Millisecond)))*time.Millisecond
		g.advance(min(g.now()+gap, g.end))
		if g.now() >= g.end || !g.healthy() {
			break
		}
		if skip[k] {
			continue
		}
		g.rnd = stream(seed, streamActions+uint64(k))
		g.act()
	}
	g.finish()
	g.x.countOps()
	if g.driftBeyond {
		g.x.out = expectedAfterDrift(g.x.out, g.bound)
	}
	return g.x.script(), g.x.out, k
}

func (g *gen) now() time.Duration { return g.x.s.Sim().Now() }
func (g *gen) sim() *sim.Sim      { return g.x.s.Sim() }

// healthy says whether the fault phase should go on: once a safety
// property has broken or a command failed, more faults add nothing but
// lines to the replay.
func (g *gen) healthy() bool {
	return !g.x.failed() && len(g.sim().Violations()) == 0
}

// duration draws a duration in [lo, hi) in whole milliseconds.
func (g *gen) duration(lo, hi time.Duration) time.Duration {
	span := (hi - lo).Milliseconds()
	return lo + time.Duration(g.rnd.Int64N(max(span, 1)))*time.Millisecond
}

func (g *gen) setup(seed uint64) {
	g.n = g.cfg.Servers
	if g.n == 0 {
		g.n = 3 + g.rnd.IntN(3)
		if g.cfg.Bug == "even-majority" {
			g.n = 4
		}
	}
	g.nextNew = raft.NodeID(g.n)
	// Clock drift means something only with lease reads: asking for it
	// by name (--faults clock) asks for lease reads on every seed.
	leaseEverywhere := g.cfg.LeaseRead || (g.cfg.Faults != nil && g.cfg.wants(FaultClock))
	classic := g.cfg.Bug == "" && seed%4 == 0 && !leaseEverywhere
	switch g.cfg.Bug {
	case "stale-read", "forget-vote", "figure8":
		classic = true
	}
	// Lease reads need check-quorum, so never on classic servers; on the
	// correct Raft one seed in four has them (or every seed, --lease-read).
	g.lease = !classic && (leaseEverywhere || g.cfg.Bug == "lease-no-drift" || (g.cfg.Bug == "" && seed%4 == 2))
	if g.lease {
		g.bound = raft.DefaultMaxDriftPPM
		switch {
		case g.cfg.Bug == "lease-no-drift":
			// The widest bound: a lease of a third of the election
			// timeout, which forgetting the bound overstays visibly.
			g.bound = sim.MaxDriftPPM
		case g.pct(30):
			g.bound = 200_000
		}
	} else {
		g.w.act[actClock], g.w.act[actLease] = 0, 0
		delete(g.w.fault, FaultClock)
	}
	faults := make([]string, 0, len(AllFaults))
	for _, f := range AllFaults {
		if g.w.fault[f] > 0 {
			faults = append(faults, string(f))
		}
	}
	bug := g.cfg.Bug
	if bug == "" {
		bug = "none"
	}
	g.line(KindHeader, fmt.Sprintf("# chaos seed=%d servers=%d duration=%s faults=%s bug=%s",
		seed, g.n, fmtDur(g.cfg.Duration), strings.Join(faults, ","), bug))
	g.line(KindSetup, fmt.Sprintf("seed %d", seed))
	start := fmt.Sprintf("startServers %d", g.n)
	switch g.cfg.Bug {
	case "":
		// One seed in four runs Figure 2 alone, so that both the
		// defaults and the paper's Raft meet every fault (and the
		// liveness promise of each, sim.LiveGroups).
		if classic {
			start += " classic"
		}
	case "stale-read", "forget-vote", "figure8":
		// Pre-vote and check-quorum hide these mistakes of Figure 2: a
		// deposed leader steps down about when the next one is elected, a
		// restarted server is rarely asked twice in one term, and the
		// Figure 8 play steers elections by partitions as the paper does.
		// They are played on Figure 2 alone.
		start += " classic bug=" + g.cfg.Bug
	default:
		start += " bug=" + g.cfg.Bug
	}
	// Two seeds in three compact their logs as they go (§7), some every
	// few entries, so that followers behind are sent snapshots; the bug
	// that mishandles them always does. The draw has a stream of its own:
	// the rest of the schedule is as it was without it.
	thresholds := []int{0, 8, 30, 200}
	if t := thresholds[stream(seed, streamSetup+1).IntN(len(thresholds))]; t > 0 || g.cfg.Bug == "snapshot-drops-log" {
		start += fmt.Sprintf(" snapshotThreshold=%d", max(t, 8))
	}
	if g.lease {
		start += " leaseRead=true"
		if g.bound != raft.DefaultMaxDriftPPM {
			start += " maxDrift=" + sim.FormatDrift(g.bound)[1:]
		}
		if g.cfg.Bug == "lease-no-drift" {
			// Frequent rounds: the lease runs from one that began just
			// before the leader was cut off.
			start += " heartbeatTime=20ms"
		}
	}
	g.line(KindSetup, start)
	if g.feat.Load {
		g.line(KindSetup, fmt.Sprintf("load clients=3 rate=50/s keys=%d for=%s", numKeys, fmtDur(warmup+g.cfg.Duration)))
	}
	g.line(KindRun, runLine(warmup))
	g.end = g.now() + g.cfg.Duration
}

// line runs a line of the given kind with no dependency.
func (g *gen) line(k LineKind, text string) Line {
	l := Line{Text: text, Kind: k}
	g.x.exec(l)
	g.x.flush()
	return g.x.sc.Lines[len(g.x.sc.Lines)-1]
}

// fault runs a fault line and returns its ID.
func (g *gen) fault(f Fault, text string) int {
	g.x.exec(Line{Text: text, Kind: KindFault, Fault: f})
	return g.x.sc.Lines[len(g.x.sc.Lines)-1].ID
}

// later schedules a mending line.
func (g *gen) later(at time.Duration, l Line) {
	g.undos = append(g.undos, undo{at: at, line: l})
	// Stable, so mends due at the same time keep the order they were made.
	slices.SortStableFunc(g.undos, func(a, b undo) int { return int(a.at - b.at) })
}

// runTo advances the clock to t with a run line (nothing if t is not
// ahead).
func (g *gen) runTo(t time.Duration) {
	if d := (t - g.now()).Truncate(time.Millisecond); d > 0 {
		g.x.runFor(d)
	}
}

// advance runs the clock to t, applying the mends due on the way.
func (g *gen) advance(t time.Duration) {
	for len(g.undos) > 0 && g.undos[0].at <= t && g.healthy() {
		u := g.undos[0]
		g.undos = g.undos[1:]
		g.runTo(u.at)
		g.mend(u.line)
	}
	if g.healthy() {
		g.runTo(t)
	}
}

// mend runs a scheduled mending line, keeping the bookkeeping in step.
func (g *gen) mend(l Line) {
	switch {
	case strings.HasPrefix(l.Text, "restart "):
		id := lineServer(l.Text)
		if _, ok := g.down[id]; !ok {
			return // restarted already
		}
		delete(g.down, id)
	case l.Text == "heal":
		if !g.netBroken {
			return
		}
		g.netBroken = false
	case strings.HasPrefix(l.Text, "addServer "):
		id := lineServer(l.Text)
		_, down := g.down[id]
		if !slices.Contains(g.removed, id) || down || !g.canChangeMembers() {
			return
		}
		g.removed = slices.DeleteFunc(g.removed, func(r raft.NodeID) bool { return r == id })
		g.memberOps++
	case strings.HasPrefix(l.Text, "promote "):
		if _, down := g.down[lineServer(l.Text)]; down || !g.canChangeMembers() {
			return
		}
	}
	g.x.exec(l)
}

// lineServer reads the server id that ends a line like "restart 3".
func lineServer(text string) raft.NodeID {
	f := strings.Fields(text)
	var id int
	fmt.Sscan(f[len(f)-1], &id)
	return raft.NodeID(id)
}

// finish mends everything, lets the cluster settle and adds the checks.
func (g *gen) finish() {
	if g.netBroken {
		g.line(KindUndo, "heal")
	}
	for _, id := range g.sim().Servers() {
		if crash, ok := g.down[id]; ok {
			g.x.exec(Line{Text: fmt.Sprintf("restart %d", id), Kind: KindUndo, Dep: crash})
		}
	}
	if g.netModel {
		g.line(KindUndo, "net reset")
	}
	if g.slowDisk {
		g.line(KindUndo, "disk fsync=0")
	}
	for _, id := range g.drifted {
		g.line(KindUndo, fmt.Sprintf("clock %d drift=0", id))
	}
	g.undos = nil
	g.line(KindRun, runLine(settle))
	g.check(Safety, "expect safe")
	g.check(Liveness, "until leader "+fmtDur(leaderBound))
	g.check(Liveness, "expect leader")
	g.check(Liveness, "until idle "+fmtDur(idleBound))
	if g.feat.Linearizable {
		g.check(Linearizability, "expect linearizable")
	}
}

func (g *gen) check(v Verdict, text string) {
	g.x.exec(Line{Text: text, Kind: KindCheck, Verdict: v})
}
