package web

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/repl/session"
	"raftsim/sim"
)

// entry is one command of the session, with the virtual time it was typed
// at and the time it left the clock at. The seed and the entries are the
// whole session: replaying them rebuilds any state it passed through.
type entry struct {
	At, End time.Duration
	Line    string
	// Cut says the command was stopped at End, in its middle (the page's
	// stop button): a replay stops it there too.
	Cut bool
}

// output is what one command printed, for the consoles of every page.
type output struct {
	Line string  `json:"line"`
	Text string  `json:"text"`
	OK   bool    `json:"ok"`
	T    float64 `json:"t"`
	// Where says who typed it: "console", "click", "lesson", "script".
	Where string `json:"where"`
}

// world is the simulation the pages look at: a shell session, the entries
// that built it, the frames recorded for playback, and the display clock.
// Its methods are called with the server's lock held.
type world struct {
	seed    uint64
	sess    *session.Session
	entries []entry
	// cursor counts the entries the current simulation has run. Entries
	// after it are the future of a seek back: they run again when the
	// clock reaches their time, unless the user acts first (a fork).
	cursor  int
	horizon time.Duration // the furthest time this branch has reached
	rec     *recorder

	v       time.Duration // the time the pages show
	playing bool
	speed   float64 // virtual seconds per wall second; 0: as fast as it goes

	lesson *lesson

	// stop asks the running command to stop (the page's stop button); it
	// is read by the simulation's poll function, without the lock.
	stop      atomic.Bool
	inCommand bool // a command of the user's is running (only it can be stopped)

	// outputs is filled by exec and emptied by the server (ready), which
	// sends the lines to the pages.
	outputs []output
	// changed says the pages must be sent a new view.
	changed bool
}

// newWorld builds an empty session from seed.
func newWorld(seed uint64) *world {
	w := &world{seed: seed, rec: newRecorder(), speed: defaultSpeed}
	w.rebuild()
	return w
}

// defaultSpeed shows a message crossing a link in about half a second and
// an election timeout in several: slow enough to follow, as RaftScope is.
const defaultSpeed = 0.02

func (w *world) sim() *sim.Sim { return w.sess.Sim() }

// rebuild starts a new session from the seed, with nothing run.
func (w *world) rebuild() {
	w.sess = session.New(session.Options{Seed: w.seed})
	w.sess.SetPoll(func(sim.Progress) bool { return !(w.inCommand && w.stop.Load()) })
	w.cursor = 0
	w.observe()
	w.rec.reset()
	w.rec.capture(w.sim())
	w.v = 0
	w.changed = true
}

// observe records every state the simulation passes through.
func (w *world) observe() {
	s := w.sim()
	s.Observe(func() { w.rec.observe(s) })
}

// exec runs what was typed now (in the console, or by a click): it
// happens at the time the display shows (a playback is cut short) and is
// added to the session there; see run. It is read as the shell reads
// input (lang.Inputs, lang.Statements): several lines, a call over
// several lines, several statements on one line; each statement runs as
// a command of its own, and a line stops at its first failing statement,
// as in the shell. It returns the last output.
func (w *world) exec(text, where string) output {
	o := output{Line: text, OK: true, Where: where}
	inputs := lang.Inputs(text)
	if len(inputs) == 0 {
		return o
	}
	w.catchUp()
	for _, in := range inputs {
		for _, st := range lang.Statements(in) {
			if o = w.run(st, where, true); !o.OK {
				break
			}
		}
	}
	return o
}

// readOnly lists the commands that change nothing a replay needs: typed
// after a seek back they do not fork the run (unless they store a
// variable).
var readOnly = map[string]bool{
	"help": true, "status": true, "getAll": true, "history": true, "print": true, "why": true,
	"pending": true, "check": true, "expect": true, "export": true, "require": true,
}

// run executes line. With keep, a command that changes the run is
// recorded as an entry, and forks the run if a seek back left a future. A
// command that builds a new simulation (seed N, reset) starts the session
// over from its seed. rewind, goto and save are the page's own.
func (w *world) run(line, where string, keep bool) output {
	if c, err := lang.Parse(line); err == nil {
		switch {
		case c.Name == "rewind" || c.Name == "goto" || c.Name == "save":
			// The page's time travel: the shell's session cannot see the
			// time the page's clock ran; the page's entries hold it.
			o := w.travel(c)
			o.Line, o.Where, o.T = line, where, ms(w.v)
			w.outputs = append(w.outputs, o)
			w.changed = true
			return o
		case readOnly[c.Name] && c.Assign == "":
			keep = false
		}
	}
	if keep && w.cursor < len(w.entries) {
		w.entries = w.entries[:w.cursor] // a fork: the old future is gone
		w.horizon = w.sim().Now()
	}
	before := w.sim()
	at := before.Now()
	if isQuit(line) {
		o := output{Line: line, OK: true, Text: "the web view keeps running: close the page to leave, or stop `raftsim serve` with Ctrl-C\n", T: ms(at), Where: where}
		w.outputs = append(w.outputs, o)
		return o
	}
	if w.speed > 0 {
		w.rec.budget = commandFrames // the display plays the command back
	}
	w.stop.Store(false)
	w.inCommand = true
	res := w.sess.Exec(line)
	w.inCommand = false
	w.rec.budget = 0
	cut := w.sim().Interrupted()
	w.sim().ClearInterrupt() // the page's clock runs on
	r := render.Renderer{}
	o := output{Line: line, Text: r.Text(res), OK: res.OK, Where: where}
	if res.Err != nil && !strings.Contains(o.Text, res.Err.Error()) {
		o.Text += res.Err.Error() + "\n"
	}
	s := w.sim()
	if s != before {
		// seed N or reset: a new simulation, so a new session.
		w.seed = s.Seed()
		w.entries, w.cursor, w.horizon = nil, 0, 0
		w.observe()
		w.rec.reset()
		keep = false
	}
	w.rec.capture(s)
	if keep {
		w.entries = append(w.entries, entry{At: at, End: s.Now(), Line: line, Cut: cut})
		w.cursor = len(w.entries)
	}
	w.horizon = max(w.horizon, s.Now())
	o.T = ms(s.Now())
	w.outputs = append(w.outputs, o)
	w.changed = true
	return o
}

func isQuit(line string) bool {
	c, err := lang.Parse(line)
	return err == nil && (c.Name == "quit" || c.Name == "exit")
}

// ready returns the console lines to print now: a command's output waits
// until the display has played the command back, so that the console does
// not tell what the picture has not shown yet.
func (w *world) ready() []output {
	n := 0
	for n < len(w.outputs) && w.outputs[n].T <= ms(w.v) {
		n++
	}
	out := w.outputs[:n:n]
	w.outputs = w.outputs[n:]
	return out
}

// catchUp ends a playback: the display jumps to the present, so that
// what the user does next happens at the time they see.
func (w *world) catchUp() {
	if w.v < w.sim().Now() {
		w.v = w.sim().Now()
		w.changed = true
	}
}

// advance moves the simulation to virtual time t, running the entries of
// the future (after a seek back) when the clock reaches them.
func (w *world) advance(t time.Duration) {
	s := w.sim()
	for w.cursor < len(w.entries) && w.entries[w.cursor].At <= t {
		e := w.entries[w.cursor]
		if e.At > s.Now() {
			s.Run(e.At - s.Now())
		}
		w.cursor++
		if e.Cut {
			s.SetHorizon(e.End) // stopped in its middle, as it was
		}
		w.run(e.Line, "replay", false)
		s.SetHorizon(sim.NoHorizon)
		s = w.sim()
	}
	if t > s.Now() {
		s.Run(t - s.Now())
	}
	w.rec.capture(s)
	w.horizon = max(w.horizon, s.Now())
	w.changed = true
}

// seek shows the run at virtual time t, rebuilding it from the seed and
// the entries up to t (the simulation is deterministic, so this is the
// same run). The entries after t stay as its future until the user acts.
func (w *world) seek(t time.Duration) {
	t = max(0, min(t, w.horizon))
	if t < w.sim().Now() {
		w.rec.off = true
		w.rebuild()
		w.rec.off = false
	}
	quiet := w.outputs
	w.advance(t)
	w.outputs = quiet // a replay prints nothing: it was all printed once
	for i := range w.outputs {
		w.outputs[i].T = 0 // and what waited for the old playback is printed now
	}
	w.rec.reset()
	w.rec.capture(w.sim())
	w.v = w.sim().Now()
	w.playing = false
	w.changed = true
}

// tick moves the display clock on by wall (scaled by the speed): through
// the recorded frames first, then by running the simulation.
func (w *world) tick(wall time.Duration) {
	if !w.playing {
		return
	}
	s := w.sim()
	if w.speed <= 0 {
		w.runFast()
		return
	}
	target := w.v + time.Duration(float64(wall)*w.speed)
	if target <= s.Now() {
		w.v = target
		w.changed = true
		return
	}
	if w.lesson != nil {
		w.v = s.Now()
		w.lesson.proceed(w)
		return
	}
	w.advance(target)
	w.v = target
}

// fastBudget is how long one tick may compute when the speed is "as fast
// as it goes".
const fastBudget = 25 * time.Millisecond

func (w *world) runFast() {
	if w.lesson != nil {
		w.v = w.sim().Now()
		w.lesson.proceed(w)
		return
	}
	start := time.Now()
	for time.Since(start) < fastBudget {
		w.advance(w.sim().Now() + 10*time.Millisecond)
	}
	w.v = w.sim().Now()
}

// step shows the next thing that happens: the next recorded frame, or the
// next event of the simulation (a future entry first, if it comes before).
func (w *world) step() {
	w.playing = false
	w.changed = true
	if t, ok := w.rec.next(w.v); ok {
		w.v = t
		return
	}
	s := w.sim()
	if w.lesson != nil {
		w.lesson.proceed(w)
		w.v = w.sim().Now()
		return
	}
	if w.cursor == len(w.entries) {
		// The shell's own step: one event, printed in the console.
		w.run("step", "step", true)
		w.v = w.sim().Now()
		return
	}
	// In the future of a seek back, a step is not a command (that would
	// fork the run): the next event, and every other one at its instant,
	// exactly as the replay's clock will run them.
	next, ok := s.NextAt()
	if !ok || w.entries[w.cursor].At <= next {
		w.advance(w.entries[w.cursor].At)
	} else {
		w.advance(next)
	}
	w.v = w.sim().Now()
}

// script writes the session as a replay script: the seed, then each
// command, with the time that passed between them as `run`. `raftsim run`
// plays it back exactly.
func (w *world) script() string {
	return "# a raftsim web session\n" + strings.Join(w.lines(), "\n") + "\n"
}

// golden writes the session as a golden script: the replay script with
// each command in a block of its own, followed by the output it gives
// (the format of scripts/*.raft), so that `raftsim test` checks that the
// run still does what it did.
func (w *world) golden() (string, error) {
	text := fmt.Sprintf("# A raftsim web session, saved at t=%s: the commands typed and clicked, with the\n"+
		"# time between them as run. `raftsim run FILE` replays it; `raftsim test FILE`\n# checks each output.\n\n",
		render.Seconds(w.sim().Now())) + strings.Join(w.lines(), "\n\n") + "\n"
	return session.GoldenScript("save", text)
}

// lines are the session's commands as script lines (see script).
func (w *world) lines() []string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d\n", w.seed)
	var end time.Duration
	upto := w.entries
	if w.cursor < len(upto) {
		upto = upto[:w.cursor]
	}
	for _, e := range upto {
		if e.At > end {
			fmt.Fprintf(&b, "run %s\n", e.At-end)
		}
		switch d, isRun := runDuration(e.Line); {
		case e.Cut && isRun:
			fmt.Fprintf(&b, "run %s\n", min(d, e.End-e.At)) // a run stopped early is a shorter run
		case e.Cut:
			fmt.Fprintf(&b, "%s\ngoto %s\n", e.Line, e.End) // the shell's goto stops it where it was
		default:
			b.WriteString(e.Line + "\n")
		}
		end = e.End
	}
	if now := w.sim().Now(); now > end {
		fmt.Fprintf(&b, "run %s\n", now-end)
	}
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

// load replaces the session by a script's: every command runs (a `run`
// is time passing between commands), then the display goes back to the
// start, so that playing shows the whole scenario.
func (w *world) load(name, text, where string) error {
	steps, err := parseLesson(name, text)
	if err != nil {
		return err
	}
	w.lesson = nil
	w.entries, w.horizon = nil, 0
	w.rebuild()
	w.rec.off = true // only the state the script leaves is shown
	defer func() {
		w.rec.off = false
		w.rec.reset()
		w.rec.capture(w.sim())
		w.v = w.sim().Now()
	}()
	for _, st := range steps {
		if st.Caption != "" {
			continue
		}
		if d, ok := runDuration(st.Line); ok {
			w.advance(w.sim().Now() + d)
			continue
		}
		w.run(st.Line, where, true)
	}
	return nil
}

// travel runs rewind DURATION, goto TIME and save FILE on the page's
// session: back (or forward, up to the furthest time reached) by replay,
// or the session written as a replay script.
func (w *world) travel(c lang.Command) output {
	if len(c.Args) != 1 {
		return output{Text: fmt.Sprintf("%s: give one argument (rewind 500ms, goto 1.2s, save FILE.raft)\n", c.Name)}
	}
	if c.Name == "save" {
		f := c.Args[0].Text
		sc, err := w.golden()
		if err == nil {
			err = os.WriteFile(f, []byte(sc), 0o644)
		}
		if err != nil {
			return output{Text: fmt.Sprintf("save: %v\n", err)}
		}
		return output{OK: true, Text: fmt.Sprintf("wrote %s: %d commands from seed %d, each with its output; raftsim run %s replays them, raftsim test %s checks the output\n",
			f, w.cursor, w.seed, f, f)}
	}
	d, ok := argDuration(c.Args[0])
	if !ok {
		return output{Text: fmt.Sprintf("%s: %s is not a duration (try 500ms or 1.5s)\n", c.Name, c.Args[0].Text)}
	}
	t := d
	if c.Name == "rewind" {
		t = max(0, w.v-d)
	}
	from := w.v
	w.seek(min(t, w.horizon))
	if t > w.sim().Now() {
		w.advance(t) // past the end of the run: the clock runs on
		w.v = w.sim().Now()
	}
	return output{OK: true, Text: fmt.Sprintf("t=%s (from t=%s: replayed from seed %d); %d later command(s) will run again at their times unless you act first (the run then forks)\n",
		render.Seconds(w.sim().Now()), render.Seconds(from), w.seed, len(w.entries)-w.cursor)}
}
