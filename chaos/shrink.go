package chaos

import (
	"strings"
	"time"
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
// linearizability. Then two rounds of delta debugging (ddmin):
//
//  1. over the schedule's actions: the seed's schedule is generated again
//     with some actions left out (each takes its mends along, and the
//     others keep their random numbers), so aimed faults aim again at the
//     new run;
//  2. over the lines of the best script: faults, mends, client requests
//     and runs, a removed crash taking its restart along; then shorter
//     run durations, and single removals once more.
//
// The checks after the failing one are dropped, so the script ends with
// the check that fails. It returns the script and its outcome; if nothing
// smaller fails the same way, the script as it was.
func Shrink(cfg Config, seed uint64, sc Script, out Outcome) (Script, Outcome) {
	if !out.Verdict.IsViolation() {
		return sc, out
	}
	sh := &shrinker{cfg: cfg, seed: seed, want: out.Verdict, best: trim(sc, out), bestOut: out}
	if out.Verdict != Safety {
		// A safety failure ends the fault phase where it happens already;
		// and a full phase leaves room for re-aimed tactics in round 1.
		sh.duration()
	}
	sh.actions()
	sh.lines()
	sh.shorten()
	sh.singles()
	return trim(sh.best, sh.bestOut), sh.bestOut
}

func (sh *shrinker) spent() bool { return sh.tries >= maxTries }

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
	sh.tries++
	return replay(sc)
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

// lines is round 2: ddmin over the removable lines of the best script.
func (sh *shrinker) lines() {
	base := sh.best
	ids := base.removable()
	ddmin(ids, func(keep []int) bool {
		if sh.spent() {
			return false
		}
		drop := setOf(ids)
		for _, id := range keep {
			delete(drop, id)
		}
		return sh.consider(sh.replay(base.without(drop)))
	})
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
	for _, id := range sh.best.removable() {
		if sh.spent() {
			return
		}
		sh.consider(sh.replay(sh.best.without(map[int]bool{id: true})))
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
