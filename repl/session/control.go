package session

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"raftsim/repl/lang"
	"raftsim/repl/render"
)

// maxSourceDepth stops a file that sources itself.
const maxSourceDepth = 8

func (s *Session) seedCmd(c lang.Command) render.Result {
	switch len(c.Args) {
	case 0:
		return render.Result{OK: true, Value: render.SeedValue{Seed: s.seed}}
	case 1:
	default:
		return render.Result{Err: fmt.Errorf("seed: give one number (try seed 42)")}
	}
	a := c.Args[0]
	n, err := strconv.ParseUint(strings.TrimSpace(a.Text), 10, 64)
	if err != nil || a.Kind == lang.ArgString {
		return render.Result{Err: fmt.Errorf("seed: %s is not a seed (a seed is a whole number from 0 to 18446744073709551615; try seed 42)", s.show(0, a))}
	}
	s.resetSim(n)
	return render.Result{OK: true, Value: render.SeedValue{Seed: s.seed, Reset: true}}
}

func (s *Session) reset(c lang.Command) render.Result {
	if len(c.Args) > 0 {
		return render.Result{Err: fmt.Errorf("reset: takes no arguments (to change the seed too: seed 42)")}
	}
	s.resetSim(s.seed)
	return render.Result{OK: true, Value: render.SeedValue{Seed: s.seed, Reset: true}}
}

func (s *Session) quit(c lang.Command) render.Result {
	if len(c.Args) > 0 {
		return render.Result{Err: fmt.Errorf("%s: takes no arguments (type quit, or press Ctrl-D)", c.Name)}
	}
	return render.Result{OK: true, Quit: true}
}

func (s *Session) require(c lang.Command) render.Result {
	name := c.Assign
	if name == "" {
		name = "t"
	}
	return render.Result{OK: true, Value: render.Message(name + " is the simulated cluster (the `" + name + ".` prefix is optional); start it with " + name + ".startServers()")}
}

func (s *Session) print(c lang.Command) render.Result {
	if len(c.Args) == 0 {
		p := render.Printed{}
		for _, n := range s.varNames() {
			p.Names = append(p.Names, n)
			p.Values = append(p.Values, s.vars[n].json)
		}
		return render.Result{OK: true, Value: p}
	}
	p := render.Printed{}
	for _, a := range c.Args {
		p.Values = append(p.Values, string(valueArg(a)))
	}
	return render.Result{OK: true, Value: p}
}

func (s *Session) source(c lang.Command) render.Result {
	if len(c.Args) != 1 {
		return render.Result{Err: fmt.Errorf("source: give one file (try source scripts/tutorial.raft)")}
	}
	file := c.Args[0].Text
	if s.depth >= maxSourceDepth {
		// Every file of the chain stops here, not only the deepest: ten
		// lines of `source` in a file that sources itself would otherwise
		// run 10^8 files.
		s.tooDeep = true
		return render.Result{Err: fmt.Errorf("source: %s: files source each other more than %d deep (a file sourcing itself?): every file of the chain stops here", file, maxSourceDepth)}
	}
	if s.depth == 0 {
		s.tooDeep = false
	}
	text, err := lang.ReadScript(file)
	if err != nil {
		return render.Result{Err: fmt.Errorf("source: %v", err)}
	}
	sc, err := lang.ParseScript(file, text)
	if err != nil {
		return render.Result{Err: fmt.Errorf("source: %v", err)}
	}
	if cmds := sc.Commands(); len(cmds) > 0 && !looksLikeCommand(cmds[0].Text) {
		// Not a script (source /etc/shadow): say so without showing its
		// lines, and run none of them.
		return render.Result{Err: fmt.Errorf("source: %s:%d is not a raftsim command, so %s does not look like a script: nothing of it ran (its lines are not shown)", file, cmds[0].Line, file)}
	}
	s.depth++
	defer func() { s.depth-- }()
	v := render.Sourced{File: file}
	var subs []render.Result
	var firstErr error
	for _, cmd := range sc.Commands() {
		r := s.Exec(cmd.Text)
		r.Where = fmt.Sprintf("%s:%d", file, cmd.Line)
		subs = append(subs, r)
		v.Commands++
		if !r.OK {
			v.Failed++
			if firstErr == nil {
				firstErr = fmt.Errorf("source: %s: %v", r.Where, r.Err)
			}
		}
		if r.Quit || s.sim.Interrupted() || s.tooDeep {
			break // quit ends the file, not the shell; Ctrl-C ends both
		}
	}
	return render.Result{OK: firstErr == nil, Err: firstErr, Value: v, Sub: subs}
}

// Exec parses and runs one line (or one multi-line call) as typed, and
// returns its result: exactly one per line, never a panic. A parse error
// becomes a failed Result like any other, naming the command when it can
// be told.
func (s *Session) Exec(text string) render.Result {
	if stmts := lang.Statements(text); len(stmts) > 1 {
		return s.execAll(text, stmts)
	}
	c, err := lang.Parse(text)
	if err != nil {
		msg := err.Error()
		if name := leadingName(text); name != "" {
			msg = name + ": " + strings.TrimPrefix(msg, "parse: ")
		}
		return render.Result{Cmd: lang.Command{Line: text}, Err: errors.New(msg), T: s.sim.Now()}
	}
	if c.Line == "" {
		c.Line = text
	}
	return s.ExecCommand(c)
}

// looksLikeCommand says whether text parses as a command the shell knows
// (or a variable to print): what the first line of a script must be.
func looksLikeCommand(text string) bool {
	c, err := lang.Parse(lang.Statements(text)[0])
	if err != nil {
		return false
	}
	_, known := handlers[c.Name]
	return known || c.Name == ""
}

// execAll runs the statements of one line (`crash 1; restart 1`) in
// order, stopping at the first that fails, as JavaScript stops at an
// exception. The result holds theirs.
func (s *Session) execAll(text string, stmts []string) render.Result {
	res := render.Result{Cmd: lang.Command{Line: text}, Multi: true, OK: true}
	for _, st := range stmts {
		r := s.Exec(st)
		res.Sub = append(res.Sub, r)
		res.Cmd.Name = r.Cmd.Name
		if r.Quit || !r.OK {
			res.Quit, res.OK = r.Quit, r.OK
			break
		}
	}
	res.T = s.sim.Now()
	return res
}

// leadingName returns the canonical name of the command a line starts
// with (after an optional `x =` and `t.`), or "" when it is not a known
// command.
func leadingName(text string) string {
	t := strings.TrimSpace(text)
	if i := strings.Index(t, "="); i > 0 {
		if lhs := strings.TrimSpace(t[:i]); !strings.ContainsAny(lhs, " \t({'\"") {
			t = strings.TrimSpace(t[i+1:])
		}
	}
	t = strings.TrimPrefix(t, "t.")
	end := strings.IndexAny(t, " \t\n(;")
	if end >= 0 {
		t = t[:end]
	}
	if sug := lang.Suggest(t); sug != "" && strings.EqualFold(sug, t) {
		if sug == "exit" {
			return "quit"
		}
		return sug
	}
	return ""
}
