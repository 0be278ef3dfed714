package session

import (
	"fmt"
	"io"
	"maps"
	"strings"
	"time"

	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

// Time travel. The simulation is deterministic, so the seed and the
// commands typed since are the whole session: replaying them rebuilds any
// state it passed through, exactly. A session keeps them (the commands
// that change something; status, why and the like are not needed), and
// rewind and goto replay them from the seed up to the time asked for. A
// command typed after going back forks the run: the commands that were
// ahead are forgotten.

// entry is one command of the session's history.
type entry struct {
	line    string        // as typed
	at, end time.Duration // the clock when it was typed and when it returned
	// cut says a goto stopped the command at end, in its middle, and the
	// run went on from there (a fork): a replay stops it there too.
	cut bool
}

// origin is what the history starts from: a fresh cluster built from the
// seed, with the display settings the session had then.
type origin struct {
	seed  uint64
	debug int
}

// history is the session's record of itself.
type history struct {
	from    origin
	entries []entry
	// cursor counts the entries the cluster has run; those after it are
	// ahead of a goto back, for a goto forward to replay again.
	cursor int
	// midway says the cluster stands in the middle of entries[cursor-1]:
	// a goto stopped it there.
	midway bool
	// replaying turns recording off while a replay runs the entries.
	replaying bool
}

// readOnly lists commands that change nothing a replay needs (unless
// they store a variable).
var readOnly = map[string]bool{
	"help": true, "status": true, "getAll": true, "history": true, "print": true,
	"why": true, "pending": true, "save": true, "export": true, "check": true,
	"expect": true, "quit": true, "require": true,
}

// record adds a command that just ran to the history.
func (s *Session) record(c lang.Command, res render.Result, at time.Duration) {
	h := &s.hist
	if h.replaying || c.Name == "" {
		return
	}
	switch c.Name {
	case "rewind", "goto", "source":
		return // they replay, or run, commands that are recorded themselves
	case "seed", "reset":
		if res.OK && (c.Name == "reset" || len(c.Args) > 0) {
			s.restartHistory()
		}
		return
	case "debug", "trace":
		if len(c.Args) == 0 {
			return
		}
	}
	end := s.sim.Now()
	if readOnly[c.Name] && c.Assign == "" && end == at {
		return
	}
	if res.Err != nil && end == at {
		return // a refused command changed nothing
	}
	if h.cursor < len(h.entries) || h.midway {
		// A fork: what was ahead is forgotten, and a command stopped in
		// its middle stays stopped there.
		h.entries = h.entries[:h.cursor]
		if h.midway {
			last := &h.entries[h.cursor-1]
			last.end, last.cut = at, true
			h.midway = false
		}
	}
	// An interrupted command (Ctrl-C) stopped at end, between two instants:
	// a replay stops it there too.
	h.entries = append(h.entries, entry{line: c.Line, at: at, end: end, cut: s.sim.Interrupted()})
	h.cursor = len(h.entries)
}

// restartHistory starts the history afresh from the current, empty
// cluster (New, seed N, reset).
func (s *Session) restartHistory() {
	s.hist = history{from: origin{seed: s.seed, debug: s.debug}}
}

// Goto moves the session to virtual time t of its run: back by replaying
// its commands from the seed up to t (a command that was running at t is
// stopped there, exactly where it was), or forward along the commands a
// goto back left ahead, then by running the clock. A command typed next
// forks the run. It is the shell's goto (rewind is Goto(Now - d)).
func (s *Session) Goto(t time.Duration) (render.Travelled, error) {
	from := s.sim.Now()
	t = max(t, 0)
	f := New(Options{Seed: s.hist.from.seed, Untraced: s.untraced})
	f.debug = s.hist.from.debug
	f.updateListener()
	f.SetPoll(s.poll) // Ctrl-C stops a long replay, and works after it
	f.hist = s.hist
	f.hist.entries = append([]entry(nil), s.hist.entries...)
	f.hist.replaying, f.hist.cursor, f.hist.midway = true, 0, false
	f.depth = s.depth
	tr := render.Travelled{From: from, To: t}
	for i, e := range f.hist.entries {
		if e.end > t && e.at >= t {
			break
		}
		stop := e.end
		if e.end > t {
			stop = t // the command was running at t: stop it there
		}
		saved := maps.Clone(f.vars)
		if e.cut || stop < e.end {
			f.sim.SetHorizon(stop)
		}
		f.Exec(e.line)
		f.sim.SetHorizon(sim.NoHorizon)
		if f.sim.Interrupted() {
			return render.Travelled{}, fmt.Errorf("%w during the replay, at t=%s of it; the session stays at t=%s", ErrInterrupted, render.Seconds(f.sim.Now()), render.Seconds(from))
		}
		tr.Replayed++
		f.hist.cursor = i + 1
		if stop < e.end {
			// A command stopped in its middle has not returned: it has
			// stored nothing yet.
			f.vars = saved
			f.hist.midway, tr.Cut = true, true
		}
		if f.sim.Now() != stop {
			return render.Travelled{}, fmt.Errorf("the replay of %q ended at t=%s, not at t=%s as it did (a bug in the simulator's determinism: please report it)",
				e.line, render.Seconds(f.sim.Now()), render.Seconds(stop))
		}
		if tr.Cut {
			break
		}
	}
	f.hist.replaying = false
	if now := f.sim.Now(); now < t && f.hist.cursor == len(f.hist.entries) {
		// Past the end of the run: the clock runs on, as `run` would.
		f.Exec("run " + (t - now).String())
	}
	tr.To = f.sim.Now()
	tr.Future = len(f.hist.entries) - f.hist.cursor
	if f.hist.midway {
		tr.Future++ // the rest of the command stopped in its middle
	}
	events := s.events
	*s = *f
	s.events = events
	s.updateListener() // the listener was bound to f
	return tr, nil
}

func (s *Session) rewind(c lang.Command) render.Result {
	if len(c.Args) != 1 {
		return render.Result{Err: fmt.Errorf("rewind: give how far back (try rewind 500ms or rewind 2s)")}
	}
	d, err := s.durationArg(c, 0, maxRun)
	if err != nil {
		return render.Result{Err: err}
	}
	tr, err := s.Goto(s.sim.Now() - min(d, s.sim.Now()))
	if err != nil {
		return render.Result{Err: fmt.Errorf("rewind: %v", err)}
	}
	return render.Result{OK: true, Value: tr}
}

func (s *Session) gotoCmd(c lang.Command) render.Result {
	if len(c.Args) != 1 {
		return render.Result{Err: fmt.Errorf("goto: give a virtual time (try goto 1.5s, or goto 0 for the start)")}
	}
	t, ok := parseDuration(c.Args[0])
	if !ok || t < 0 {
		return render.Result{Err: fmt.Errorf("goto: bad time %s (a virtual time like 1.5s or 300ms; goto 0 is the start)", s.show(0, c.Args[0]))}
	}
	if t > s.sim.Now()+maxRun {
		return render.Result{Err: fmt.Errorf("goto: t=%s is too far ahead (at most %s from now)", render.Seconds(t), maxRun)}
	}
	tr, err := s.Goto(t)
	if err != nil {
		return render.Result{Err: fmt.Errorf("goto: %v", err)}
	}
	return render.Result{OK: true, Value: tr}
}

// Script returns the session so far as a script that replays it exactly,
// each command followed by the output it gives (a golden file: `raftsim
// test FILE` checks that it still does). It holds the commands that built
// the state, not the read-only ones (status, why, ...); a command a goto
// stopped in its middle is followed by that goto.
func (s *Session) Script() (string, error) {
	h := &s.hist
	var b strings.Builder
	fmt.Fprintf(&b, "# The session saved at t=%s: the commands that built its state, each with\n", render.Seconds(s.sim.Now()))
	b.WriteString("# its output. `raftsim run FILE` replays it; `raftsim test FILE` checks the output.\n\n")
	fmt.Fprintf(&b, "seed %d\n\n", h.from.seed)
	if h.from.debug != render.DebugOff {
		fmt.Fprintf(&b, "debug %s\n\n", debugWord(h.from.debug))
	}
	for i, e := range h.entries[:h.cursor] {
		end, stopped := e.end, e.cut
		if h.midway && i == h.cursor-1 {
			end, stopped = s.sim.Now(), true
		}
		if !stopped {
			b.WriteString(e.line + "\n\n")
			continue
		}
		if c, err := lang.Parse(e.line); err == nil && c.Name == "run" && c.Assign == "" {
			fmt.Fprintf(&b, "run %s\n\n", end-e.at) // a run stopped early is a shorter run
			continue
		}
		fmt.Fprintf(&b, "%s\n\ngoto %s\n\n", e.line, end)
	}
	text := b.String()
	sc, err := lang.ParseScript("save", text)
	if err != nil {
		return "", err
	}
	f := New(Options{Seed: h.from.seed})
	r := &render.Renderer{}
	outputs := make([]string, len(sc.Blocks))
	for i, bl := range sc.Blocks {
		var out strings.Builder
		for _, c := range bl.Cmds {
			out.WriteString(r.Text(f.Exec(c.Text)))
		}
		outputs[i] = out.String()
	}
	return sc.Format(outputs), nil
}

// BlockOutputs runs every block of sc in a fresh session, as `raftsim
// test` does (seed 1 unless the script says seed N; nothing after quit),
// and returns what each printed, without colours.
func BlockOutputs(sc *lang.Script) []string {
	s := New(Options{Seed: 1})
	r := &render.Renderer{}
	outputs := make([]string, len(sc.Blocks))
	quit := false
	for i, b := range sc.Blocks {
		var out strings.Builder
		for _, c := range b.Cmds {
			if quit {
				break
			}
			res := s.Exec(c.Text)
			out.WriteString(r.Text(res))
			quit = res.Quit
		}
		outputs[i] = out.String()
	}
	return outputs
}

// GoldenScript returns the script text with the output of each block
// after it (a golden file: `raftsim test` checks that it still gives
// them). name names the script in errors.
func GoldenScript(name, text string) (string, error) {
	sc, err := lang.ParseScript(name, text)
	if err != nil {
		return "", err
	}
	return sc.Format(BlockOutputs(sc)), nil
}

func debugWord(level int) string {
	switch level {
	case render.DebugVerbose:
		return "verbose"
	case render.DebugOn:
		return "on"
	}
	return "off"
}

func (s *Session) save(c lang.Command) render.Result {
	if len(c.Args) != 1 || c.Args[0].Text == "" {
		return render.Result{Err: fmt.Errorf("save: give a file (try save session.raft)")}
	}
	file := c.Args[0].Text
	text, err := s.Script()
	if err == nil {
		err = writeFile(file, func(w io.Writer) error {
			_, err := io.WriteString(w, text)
			return err
		})
	}
	if err != nil {
		return render.Result{Err: fmt.Errorf("save: %v", err)}
	}
	n := s.hist.cursor
	return render.Result{OK: true, Value: render.Message(fmt.Sprintf("saved %s to %s (raftsim run %s replays it; raftsim test %s checks its output)",
		render.Plural(uint64(n), "command", "commands"), file, file, file))}
}
