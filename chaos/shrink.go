package chaos

import (
	"strings"
	"time"

	"raftsim/sim"
)

// maxTries bounds the work of shrinking one seed. Each try is a whole run
// of the seed (a few milliseconds); the bound keeps a pathological seed
// from stalling the pool.
const maxTries = 1500

// shrinker reduces a failing seed while it keeps failing the same way.
type shrinker struct {
	cfg   Config
	seed  uint64
	want  Verdict
	tries int
	// limit is the number of tries at which the shrinker stops.
	limit int
	// best is the smallest failing script so far, with its outcome.
	best    Script
	bestOut Outcome
}

// Shrink reduces the failing script of seed (generated from cfg) to fewer
// lines that still fail with the same kind of violation. First, unless
// the failure is one of safety (whose fault phase stops where it broke),
// it looks for the shortest fault phase that still fails: the schedule of a shorter
// duration is a prefix of the longer one (every action and gap has its own
// random numbers), so this drops everything after the damage was done,
// which matters for checks that only look at the end, like
// linearizability. Then, from each of the starts in turn:
//
//  1. a reduction of the schedule's actions: the seed's schedule is
//     generated again with some actions left out (each takes its mends
//     along, and the others keep their random numbers), so aimed faults
//     aim again at the new run;
//  2. rounds over the lines of the best script, repeated while they pay:
//     ddmin over faults, mends, client requests, runs and the checks
//     before the failing one, a removed crash taking its restart along;
//     each fault with its mend; shorter run durations; single removals.
//
// A safety failure found on the way is cut where it broke (see try). The
// checks after the failing one are dropped, so the script ends with the
// check that fails. It returns the script and its outcome; if nothing
// smaller fails the same way, the script as it was.
func Shrink(cfg Config, seed uint64, sc Script, out Outcome) (Script, Outcome) {
	if !out.Verdict.IsViolation() {
		return sc, out
	}
	sh := &shrinker{cfg: cfg, seed: seed, want: out.Verdict, best: trim(sc, out), bestOut: out, limit: maxTries / 4}
	if out.Verdict != Safety {
		// A safety failure ends the fault phase where it happens already;
		// and a full phase leaves room for re-aimed tactics in round 1.
		sh.duration()
	}
	// The failure is often fragile: removing a line changes the timing of
	// all that follows, so which lines can go depends much on where the
	// search starts from. It starts from one place after another (see
	// starts) until the replay is short enough to read or the budget is
	// spent, and keeps the shortest.
	base := *sh
	var best *shrinker
	tries := sh.tries
	for i, start := range starts {
		cur := base
		// Each start may spend its share of what is left, so that one
		// that cannot shrink the failure leaves room for the next.
		cur.tries, cur.limit = tries, tries+(maxTries-tries)*2/(len(starts)-i+1)
		if start(&cur) {
			cur.reduce()
			if best == nil || len(cur.best.Lines) < len(best.best.Lines) {
				best = &cur
			}
		}
		tries = cur.tries
		if best != nil && best.best.rows() <= shortEnough || tries >= maxTries {
			break
		}
	}
	if best == nil {
		return sc, out
	}
	return trim(best.best, best.bestOut), best.bestOut
}

// shortEnough is the length of a replay, in commands, that the shrinker
// stops looking for a shorter one at (issue 6: at most 30 lines).
const shortEnough = 30

// starts are the places the search starts from, in order:
//
//   - the script cut where a safety failure broke, then ddmin over the
//     schedule's actions;
//   - each action of the schedule alone, or each left out: for a bug that
//     a tactic aims at (forget-vote, lease-no-drift), that tactic alone
//     often fails in a short script, where ddmin goes on from the first
//     subset that fails, which need not give the shortest script, and
//     tries single actions alone only once it has split the schedule
//     that far.
//
// A start says whether it found a failing script to reduce.
var starts = []func(*shrinker) bool{
	func(sh *shrinker) bool { sh.try(sh.best); sh.actions(); return true },
	(*shrinker).oneAction,
}

// reduce runs the rounds over the lines of the best script. A round often
// leaves lines that the next one, from the smaller script, can remove, so
// they go on while they pay and the budget lasts.
func (sh *shrinker) reduce() {
	for !sh.spent() {
		n := len(sh.best.Lines)
		sh.lines()
		sh.pairs()
		sh.loads()
		sh.shorten()
		sh.singles()
		if len(sh.best.Lines) >= n {
			return
		}
	}
}

func (sh *shrinker) spent() bool { return sh.tries >= sh.limit }

// consider keeps a candidate's result if it fails the same way and is
// smaller than the best so far.
func (sh *shrinker) consider(c Script, o Outcome) bool {
	if o.Verdict != sh.want {
		return false
	}
	c = trim(c, o)
	if len(c.Lines) > len(sh.best.Lines) || (len(c.Lines) == len(sh.best.Lines) && c.NumFaults() > sh.best.NumFaults()) {
		return true // still failing, so ddmin may go on from it, but not better
	}
	sh.best, sh.bestOut = c, o
	return true
}

// replay runs a candidate script and judges it.
func (sh *shrinker) replay(sc Script) (Script, Outcome) {
	c, o, _ := sh.run(sc)
	return c, o
}

// try replays a candidate and keeps it if it is better (see consider),
// saying whether it fails the same way. A safety failure is then cut where
// it broke, and the cut tried too.
func (sh *shrinker) try(sc Script) bool {
	c, o, cut := sh.run(sc)
	if !sh.consider(c, o) {
		return false
	}
	if len(cut.Lines) > 0 && len(cut.Lines) < len(trim(c, o).Lines) && !sh.spent() {
		sh.consider(sh.replay(cut))
	}
	return true
}

// run replays a candidate as replay (exec.go) does and judges it. For a
// safety failure it also returns the script cut at the first violation:
// the lines before the one during which it happened, that line (a run
// shortened to end just after it), and the failing check. Everything
// before the violation runs as it did, so the cut fails the same way;
// what came after it (the mends, the settling run) cannot matter.
func (sh *shrinker) run(sc Script) (Script, Outcome, Script) {
	if sh.want != Safety {
		sh.tries++
		c, o := replay(sc)
		return c, o, Script{}
	}
	c, o, ends, s := sh.timed(sc)
	if o.Verdict != Safety {
		return c, o, Script{}
	}
	return c, o, cutAt(c, o, ends, s.Violations())
}

// timed replays sc as replay does, and also returns the virtual time at
// the end of each line of the script as run (runs are folded as they are
// recorded, so a line can grow) and the simulation.
func (sh *shrinker) timed(sc Script) (Script, Outcome, []time.Duration, *sim.Sim) {
	sh.tries++
	x := newExecutor(sc.Seed)
	x.stopAtFailure = true
	var ends []time.Duration
	for _, l := range sc.Lines {
		x.exec(l)
		for len(ends) < len(x.sc.Lines) {
			ends = append(ends, 0)
		}
		ends = ends[:len(x.sc.Lines)]
		ends[len(ends)-1] = x.s.Sim().Now()
	}
	return x.script(), x.out, ends, x.s.Sim()
}

// cutAt is the cut of run: sc as executed, with the time at the end of
// each line, and the violations found.
func cutAt(sc Script, o Outcome, ends []time.Duration, vs []sim.Violation) Script {
	if len(vs) == 0 || o.Line < 0 || o.Line >= len(sc.Lines) {
		return Script{}
	}
	at := vs[0].Time
	for _, v := range vs[1:] {
		at = min(at, v.Time)
	}
	i := 0
	for i < o.Line && ends[i] < at {
		i++
	}
	if i >= o.Line {
		return Script{}
	}
	cut := Script{Seed: sc.Seed, Lines: append([]Line(nil), sc.Lines[:i+1]...)}
	if l := sc.Lines[i]; l.Kind == KindRun && i > 0 {
		// Past the violation by a millisecond at least, so that it is
		// found however the run rounds its end.
		cut.Lines[i].Text = runLine((at - ends[i-1]).Truncate(time.Millisecond) + time.Millisecond)
	}
	cut.Lines = append(cut.Lines, sc.Lines[o.Line])
	return cut
}

// duration searches, by bisection, for the shortest fault phase whose
// schedule still fails the same way, and shrinks from there.
func (sh *shrinker) duration() {
	lo, hi := 100*time.Millisecond, sh.cfg.Duration
	for hi-lo > 50*time.Millisecond && !sh.spent() {
		mid := (lo + (hi-lo)/2).Truncate(time.Millisecond)
		cfg := sh.cfg
		cfg.Duration = mid
		sh.tries++
		if c, o, _ := generate(cfg, sh.seed, nil); sh.consider(c, o) {
			hi = mid
		} else {
			lo = mid + time.Millisecond
		}
	}
	sh.cfg.Duration = hi
}

// actions is round 1: ddmin over the action ordinals of the schedule.
func (sh *shrinker) actions() {
	_, _, n := generate(sh.cfg, sh.seed, nil)
	sh.tries++
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	ddmin(all, func(keep []int) bool {
		if sh.spent() {
			return false
		}
		skip := setOf(all)
		for _, k := range keep {
			delete(skip, k)
		}
		sh.tries++
		c, o, _ := generate(sh.cfg, sh.seed, skip)
		return sh.consider(c, o)
	})
}

// oneAction generates the schedule with each action alone, then with each
// left out alone, and says whether one of them made a shorter script that
// fails the same way. A schedule has few actions (a tactic is one), so
// this costs little.
func (sh *shrinker) oneAction() bool {
	_, _, n := generate(sh.cfg, sh.seed, nil)
	sh.tries++
	start := len(sh.best.Lines)
	for k := 0; k < n && !sh.spent(); k++ {
		only := make(map[int]bool, n)
		for j := range n {
			only[j] = j != k
		}
		sh.schedule(only)
	}
	for k := 0; k < n && !sh.spent(); k++ {
		sh.schedule(map[int]bool{k: true})
	}
	return len(sh.best.Lines) < start
}

// schedule generates the seed's schedule without the actions in skip and
// keeps the script if it is better, saying whether it fails the same way.
// A safety failure that is the best so far is then cut where it broke (see
// try): the generator runs on to the next action and mends all.
func (sh *shrinker) schedule(skip map[int]bool) bool {
	sh.tries++
	c, o, _ := generate(sh.cfg, sh.seed, skip)
	if !sh.consider(c, o) {
		return false
	}
	if c = trim(c, o); sh.want == Safety && len(c.Lines) == len(sh.best.Lines) && !sh.spent() {
		sh.try(c)
	}
	return true
}

// lines is round 2: ddmin over the removable lines of the best script.
func (sh *shrinker) lines() {
	base := sh.best
	ids := sh.removable()
	ddmin(ids, func(keep []int) bool {
		if sh.spent() {
			return false
		}
		drop := setOf(ids)
		for _, id := range keep {
			delete(drop, id)
		}
		return sh.try(base.without(drop))
	})
}

// removable lists the IDs of the best script's lines the shrinker may try
// to remove: those of Script.removable, and the checks that held before
// the failing one (expect safe before expect linearizable, say), which
// need not be in a replay that fails on its last line.
func (sh *shrinker) removable() []int {
	ids := sh.best.removable()
	for i, l := range sh.best.Lines {
		if l.Kind == KindCheck && i < sh.bestOut.Line {
			ids = append(ids, l.ID)
		}
	}
	return ids
}

// pairs tries removing each fault together with the later line that mends
// it, where the two are not tied by Dep (a heal mends every partition, a
// drift's reset may come from the end of the run): alone, neither may go,
// the fault because the failure needs it, the mend because without it the
// fault would last and change the run.
func (sh *shrinker) pairs() {
	for i := 0; i < len(sh.best.Lines) && !sh.spent(); i++ {
		l := sh.best.Lines[i]
		if l.Kind != KindFault {
			continue
		}
		j := mendOf(sh.best.Lines, i)
		if j < 0 || sh.best.Lines[j].Dep == l.ID {
			continue
		}
		n := len(sh.best.Lines)
		sh.try(sh.best.without(map[int]bool{l.ID: true, sh.best.Lines[j].ID: true}))
		if len(sh.best.Lines) < n {
			i-- // the next line is at i now
		}
	}
}

// loads folds each `load stop` into the load it stops: a load started at
// time s with for=D and stopped at t < s+D is the load started with
// for=t-s (the simulator's StopLoad ends the load where its time would
// have run out), one line fewer. The times come from a replay of the best
// script (commands like transferLeadership advance the clock too); the
// fold is tried like any other candidate.
func (sh *shrinker) loads() {
	var ends []time.Duration
	for j := 0; j < len(sh.best.Lines) && !sh.spent(); j++ {
		lines := sh.best.Lines
		if lines[j].Text != "load stop" {
			continue
		}
		i := j - 1
		for i >= 0 && !strings.HasPrefix(lines[i].Text, "load ") {
			i--
		}
		if i <= 0 || lines[i].Text == "load stop" {
			continue
		}
		if len(ends) != len(lines) {
			_, _, ends, _ = sh.timed(sh.best)
			if len(ends) != len(lines) {
				return // not the script that was judged: nothing to go by
			}
		}
		// A line starts where the one before it ended.
		text, ok := loadFor(lines[i].Text, ends[j-1]-ends[i-1])
		if !ok {
			continue
		}
		cand := Script{Seed: sh.best.Seed, Lines: make([]Line, 0, len(lines)-1)}
		cand.Lines = append(append(cand.Lines, lines[:j]...), lines[j+1:]...)
		cand.Lines[i].Text = text
		n := len(lines)
		sh.try(cand)
		if len(sh.best.Lines) < n {
			ends = nil
			j-- // the next line is at j now
		}
	}
}

// loadFor returns the load command text with its for= shortened to d, and
// whether it is a load that d shortens.
func loadFor(text string, d time.Duration) (string, bool) {
	f := strings.Fields(text)
	for k, w := range f {
		v, ok := strings.CutPrefix(w, "for=")
		if !ok {
			continue
		}
		old, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d >= old {
			return "", false
		}
		f[k] = "for=" + fmtDur(d)
		return strings.Join(f, " "), true
	}
	return "", false
}

// mendOf returns the index of the first line after lines[i] that mends
// the fault of lines[i], or -1.
func mendOf(lines []Line, i int) int {
	want := mendText(lines[i].Text)
	if want == "" {
		return -1
	}
	for j := i + 1; j < len(lines); j++ {
		if lines[j].Kind == KindUndo && lines[j].Text == want {
			return j
		}
	}
	return -1
}

// mendText is the line that mends the fault line text, or "".
func mendText(text string) string {
	verb, rest, _ := strings.Cut(text, " ")
	switch verb {
	case "partition", "cut":
		return "heal"
	case "crash":
		return "restart " + rest
	case "net":
		return "net reset"
	case "clock", "disk":
		f := strings.Fields(rest)
		if len(f) == 0 {
			return ""
		}
		last := f[len(f)-1]
		key, _, ok := strings.Cut(last, "=")
		if !ok {
			return ""
		}
		f[len(f)-1] = key + "=0"
		return verb + " " + strings.Join(f, " ")
	}
	return ""
}

// shorten halves each run's duration while the failure persists: a replay
// that fails after 300ms is easier to follow than one after 5s.
func (sh *shrinker) shorten() {
	for i := 0; i < len(sh.best.Lines) && !sh.spent(); i++ {
		if sh.best.Lines[i].Kind != KindRun {
			continue
		}
		for !sh.spent() {
			d, ok := runDuration(sh.best.Lines[i].Text)
			half := (d / 2).Truncate(time.Millisecond)
			if !ok || half < time.Millisecond {
				break
			}
			cand := Script{Seed: sh.best.Seed, Lines: append([]Line(nil), sh.best.Lines...)}
			cand.Lines[i].Text = runLine(half)
			c, o := sh.replay(cand)
			if o.Verdict != sh.want || len(trim(c, o).Lines) != len(sh.best.Lines) {
				break
			}
			sh.best, sh.bestOut = trim(c, o), o
		}
	}
}

// singles tries removing each removable line once more: shorter runs can
// make lines unnecessary that ddmin had to keep.
func (sh *shrinker) singles() {
	for _, id := range sh.removable() {
		if sh.spent() {
			return
		}
		sh.try(sh.best.without(map[int]bool{id: true}))
	}
}

// ddmin is Zeller's delta debugging: test(items) holds; it looks for a
// smaller subset for which test holds by splitting the items into n
// chunks, keeping one chunk alone or dropping one, and refining the split
// when neither works. It returns a subset no single item of which can be
// dropped (within the tests' budget).
func ddmin(items []int, test func(keep []int) bool) []int {
	n := 2
	for len(items) > 0 {
		n = min(n, len(items))
		chunks := split(items, n)
		reduced := false
		// Keeping one chunk alone shrinks fastest when few items matter.
		for i := 0; i < len(chunks) && !reduced && n > 2; i++ {
			if test(chunks[i]) {
				items, n, reduced = chunks[i], 2, true
			}
		}
		for i := 0; i < len(chunks) && !reduced; i++ {
			rest := complement(chunks, i)
			if test(rest) {
				items, n, reduced = rest, max(n-1, 2), true
			}
		}
		if reduced {
			continue
		}
		if n >= len(items) {
			break
		}
		n = min(2*n, len(items))
	}
	return items
}

// complement joins every chunk but the i-th.
func complement(chunks [][]int, i int) []int {
	var out []int
	for j, c := range chunks {
		if j != i {
			out = append(out, c...)
		}
	}
	return out
}

// trim drops the lines after the first failing one, keeping the expect that
// follows a failed `until` (so that a liveness replay ends with its expect).
func trim(sc Script, o Outcome) Script {
	if o.Line < 0 || o.Line >= len(sc.Lines) {
		return sc
	}
	end := o.Line + 1
	if strings.HasPrefix(sc.Lines[o.Line].Text, "until ") && end < len(sc.Lines) {
		if next := sc.Lines[end]; next.Kind == KindCheck && next.Verdict == sc.Lines[o.Line].Verdict && strings.HasPrefix(next.Text, "expect ") {
			end++
		}
	}
	return Script{Seed: sc.Seed, Lines: append([]Line(nil), sc.Lines[:end]...)}
}

// split cuts ids into n chunks of nearly equal size.
func split(ids []int, n int) [][]int {
	out := make([][]int, 0, n)
	for i := range n {
		lo, hi := i*len(ids)/n, (i+1)*len(ids)/n
		if hi > lo {
			out = append(out, ids[lo:hi])
		}
	}
	return out
}

func setOf(ids []int) map[int]bool {
	m := make(map[int]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}
