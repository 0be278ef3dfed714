package chaos

import (
	"slices"
	"strings"
	"sync"
	"time"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/repl/session"
)

// Outcome is what executing a script found.
type Outcome struct {
	Verdict Verdict
	// Line is the index in the script of the first line that failed, or
	// -1. The verdict comes from that line alone: later lines are checks
	// that add nothing once one has failed.
	Line   int
	Detail string // that line and its error
	// Ops counts the client operations that completed (status success),
	// of the load and of clientRequest.
	Ops     int
	SimTime time.Duration // virtual time at the end
	// Watched is the virtual time, on the samples of during.go, in which
	// some group of servers was live: liveness was checked during it.
	Watched time.Duration
}

// executor runs chaos lines through a shell session, records them, and
// judges the first failure. The generator and the replayer share it, so a
// script is judged the same way whoever runs it.
type executor struct {
	s      *session.Session
	sc     Script
	out    Outcome
	nextID int
	// stopAtFailure makes exec skip every line after the first failure
	// (replays for shrinking need no more than the verdict).
	stopAtFailure bool
	// live follows the groups Raft must keep live (during.go); with
	// inject (the generator), a violation adds the check that fails.
	live   liveWatch
	inject bool
	note   string // the last KindNote line, for the detail of its check
	// lastRun is the duration of the script's last line while it is a
	// run (0 otherwise): record folds the next run into it. stale says
	// that line's text is not written yet: it is runLine(lastRun), written
	// when another line follows or the script is read (script). The
	// generator steps the clock hundreds of times a seed (runFor, often
	// by 1ms), most of them folded, and writing and parsing the text of
	// each step cost two formats, a parse and two allocations.
	lastRun time.Duration
	stale   bool
}

func newExecutor(seed uint64) *executor {
	// A seed's run is never exported (its replay is, as a script), so it
	// records no trace: that saves about a seventh of the runner's time.
	return &executor{s: session.New(session.Options{Seed: seed, Untraced: true}), sc: Script{Seed: seed}, out: Outcome{Line: -1}}
}

// failed says whether a line has failed yet.
func (x *executor) failed() bool { return x.out.Line >= 0 }

// script returns the script as run so far.
func (x *executor) script() Script {
	x.flush()
	return x.sc
}

// flush writes the text of the last line if it is stale.
func (x *executor) flush() {
	if x.stale {
		x.sc.Lines[len(x.sc.Lines)-1].Text = runLine(x.lastRun)
		x.stale = false
	}
}

// exec records l (giving it an ID if it has none), runs it and judges it.
func (x *executor) exec(l Line) render.Result {
	if l.ID == 0 {
		x.nextID++
		l.ID = x.nextID
	} else if l.ID > x.nextID {
		x.nextID = l.ID
	}
	d, isRun := runDuration(l.Text)
	return x.execParsed(l, d, isRun && l.Kind == KindRun)
}

// runFor is exec of the line runLine(d) (d > 0), which it leaves to be
// written when it is read (stale).
func (x *executor) runFor(d time.Duration) {
	x.nextID++
	x.execParsed(Line{Kind: KindRun, ID: x.nextID}, d, true)
}

// execParsed is exec of l, which has its ID, with what runDuration found
// in its text (isRun: l is a KindRun line of d; its text may be empty,
// for runLine(d)).
func (x *executor) execParsed(l Line, d time.Duration, isRun bool) render.Result {
	if !x.record(l, d, isRun) || (x.stopAtFailure && x.failed()) {
		if l.Kind == KindNote {
			x.note = strings.TrimPrefix(l.Text, "# ")
		}
		return render.Result{OK: true}
	}
	if l.During != duringNone {
		// A check of liveness during faults stands only where the run
		// shows what it was added for (a shrunk replay may not).
		if k, _ := x.live.violation(x.s.Sim()); k != l.During {
			return render.Result{OK: true}
		}
	}
	var r render.Result
	if isRun {
		r = x.run(d)
	} else {
		r = x.execText(l.Text)
		x.live.sample(x.s.Sim())
	}
	x.out.SimTime = x.s.Sim().Now()
	if _, refused := r.Value.(render.MemberStatus); refused && !r.OK && (l.Kind == KindFault || l.Kind == KindUndo) {
		// The cluster said no to a membership change (no leader, one
		// change at a time, ...): under faults that is an answer, not a
		// broken run.
		return r
	}
	if !r.OK && !x.failed() {
		x.out.Line = len(x.sc.Lines) - 1
		x.out.Verdict = judge(l, r)
		x.out.Detail = l.Text + ": failed"
		if r.Err != nil {
			x.out.Detail = r.Err.Error()
			if name, _, _ := strings.Cut(l.Text, " "); !strings.HasPrefix(x.out.Detail, name) {
				x.out.Detail = l.Text + ": " + x.out.Detail // say which line
			}
		}
		if l.During != duringNone && x.note != "" {
			x.out.Detail = x.note + " (" + x.out.Detail + ")"
		}
	}
	// After a run the violation is where its samples stopped; after any
	// other line, at its end.
	if x.inject && !x.failed() && l.During == duringNone {
		if k, note := x.live.violation(x.s.Sim()); k != duringNone && (!isRun || x.s.Sim().Now()%sampleEvery == 0) {
			x.exec(Line{Text: note, Kind: KindNote})
			x.exec(Line{Text: duringLine(k), Kind: KindCheck, Verdict: Liveness, During: k})
		}
	}
	return r
}

// parsed holds the commands of the lines the executors have run, by text,
// for every worker and seed: the generator writes the same few hundred
// lines (heal, crash 2, expect leader, clientRequest get k0 ro, ...) over
// and over, and parsing them was 3% of a seed's instructions. It keeps
// the first maxParsed texts only: the common ones come early, and a table
// of thousands (every value written, every drift) cost the garbage
// collector's marking more than it saved.
var parsed struct {
	sync.Mutex
	m map[string]lang.Command
}

const maxParsed = 1 << 8

// execText is x.s.Exec(text), parsing each text once for all seeds: the
// same as Exec does for a line of one statement that parses, which are
// the only ones kept (any other goes to Exec).
func (x *executor) execText(text string) render.Result {
	parsed.Lock()
	c, ok := parsed.m[text]
	parsed.Unlock()
	if ok {
		c.Args = slices.Clone(c.Args) // a handler may change its own
		return x.s.ExecCommand(c)
	}
	if len(lang.Statements(text)) > 1 {
		return x.s.Exec(text)
	}
	c, err := lang.Parse(text)
	if err != nil {
		return x.s.Exec(text)
	}
	if c.Line == "" {
		c.Line = text
	}
	parsed.Lock()
	if parsed.m == nil {
		parsed.m = make(map[string]lang.Command)
	}
	if len(parsed.m) < maxParsed {
		parsed.m[text] = c
		c.Args = slices.Clone(c.Args)
	}
	parsed.Unlock()
	return x.s.ExecCommand(c)
}

// run advances the clock by d as the shell's `run` does, sampling the live
// groups on the grid of sampleEvery on the way. The generator stops early
// at a sample that shows a violation, and the recorded run says how far it
// went.
func (x *executor) run(d time.Duration) render.Result {
	s := x.s.Sim()
	start := s.Now()
	end := start + d
	for s.Now() < end {
		next := (s.Now()/sampleEvery + 1) * sampleEvery
		s.Run(min(next, end) - s.Now())
		if s.Now() != next {
			continue
		}
		x.live.sample(s)
		if len(x.live.groups) > 0 {
			x.out.Watched += sampleEvery
		}
		if x.inject && !x.failed() {
			if k, _ := x.live.violation(s); k != duringNone {
				break
			}
		}
	}
	if ran := s.Now() - start; ran < d {
		// The run is the last line (record wrote it, or folded it in).
		n := len(x.sc.Lines)
		if left := x.lastRun - (d - ran); left > 0 {
			x.lastRun, x.stale = left, true
		} else {
			x.sc.Lines = x.sc.Lines[:n-1]
			x.lastRun, x.stale = 0, false // the line before a run is never one: it would have been folded
		}
	}
	// No Value: nobody reads what exec returns for a run, and boxing one
	// was an allocation for each of a seed's hundreds of runs.
	return render.Result{OK: true}
}

// record appends l to the script and says whether it is to be run (a
// header is not). A run right after a run is folded into it: the two are
// the same run as one (see Script.mergeRuns), and the generator's many
// short steps would otherwise bloat the replay.
//
// d and isRun are what runDuration found in l, for a KindRun line; the
// last line's duration is kept (lastRun), not read back from its text,
// and a fold leaves the text to be written (stale), as does a run line
// without text (runFor).
func (x *executor) record(l Line, d time.Duration, isRun bool) bool {
	if n := len(x.sc.Lines); n > 0 && isRun && x.lastRun > 0 {
		x.lastRun += d
		x.stale = true
		return true
	}
	x.flush()
	x.sc.Lines = append(x.sc.Lines, l)
	x.lastRun = 0
	if isRun {
		x.lastRun, x.stale = d, l.Text == ""
	}
	return l.Kind != KindHeader && l.Kind != KindNote
}

// linUnknown starts what `expect linearizable` finds when the search's
// budget could not decide (check.Result.String for an Unknown verdict).
const linUnknown = "no verdict ("

// countOps counts the client operations that completed with success, of
// the load and of clientRequest, from the simulation's history.
func (x *executor) countOps() {
	n := 0
	for _, op := range x.s.Sim().History() {
		if op.Done && op.Status == raft.StatusSuccess {
			n++
		}
	}
	x.out.Ops = n
}

// judge classifies the first failing line. A final check that did not hold
// is a violation of the kind the check stands for; anything else (a fault
// command refused, a check that could not decide) leaves the seed unjudged.
func judge(l Line, r render.Result) Verdict {
	if l.Kind != KindCheck {
		return Unjudged
	}
	if e, ok := r.Value.(render.Expectation); ok && !e.Held {
		if l.Verdict == Linearizability && strings.HasPrefix(e.Found, linUnknown) {
			return Unjudged // the search's budget ran out: no answer either way
		}
		return l.Verdict
	}
	if strings.HasPrefix(l.Text, "until ") && r.Err != nil && strings.Contains(r.Err.Error(), "not reached") {
		return l.Verdict
	}
	return Unjudged
}

// replay executes a script from a fresh session and judges it, stopping
// at the first failing line. It returns the script as run (runs folded,
// IDs given) and what it found.
func replay(sc Script) (Script, Outcome) {
	x := newExecutor(sc.Seed)
	x.stopAtFailure = true
	for _, l := range sc.Lines {
		x.exec(l)
	}
	return x.script(), x.out
}
