package repl

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// SeedValue is the value of seed and reset.
type SeedValue struct {
	Seed  uint64
	Reset bool // the cluster was rebuilt
}

// HelpText is the value of help.
type HelpText string

// Printed is the value of print: the values of its arguments, or the
// variables when it has none.
type Printed struct {
	Names  []string // variable names when listing variables
	Values []string // canonical JSON of each value
}

// Sourced is the value of source.
type Sourced struct {
	File     string
	Commands int
	Failed   int
}

// maxSourceDepth stops a file that sources itself.
const maxSourceDepth = 8

// maxScriptBytes refuses to read something that is surely not a script.
const maxScriptBytes = 16 << 20

func (s *Session) seedCmd(c Command) Result {
	switch len(c.Args) {
	case 0:
		return Result{OK: true, Value: SeedValue{Seed: s.seed}}
	case 1:
	default:
		return Result{Err: fmt.Errorf("seed: give one number (try seed 42)")}
	}
	a := c.Args[0]
	n, err := strconv.ParseUint(strings.TrimSpace(a.Text), 10, 64)
	if err != nil || a.Kind == ArgString {
		return Result{Err: fmt.Errorf("seed: %s is not a seed (a seed is a whole number from 0 to 18446744073709551615; try seed 42)", s.show(0, a))}
	}
	s.resetSim(n)
	return Result{OK: true, Value: SeedValue{Seed: s.seed, Reset: true}}
}

func (s *Session) reset(c Command) Result {
	if len(c.Args) > 0 {
		return Result{Err: fmt.Errorf("reset: takes no arguments (to change the seed too: seed 42)")}
	}
	s.resetSim(s.seed)
	return Result{OK: true, Value: SeedValue{Seed: s.seed, Reset: true}}
}

func (s *Session) quit(c Command) Result {
	if len(c.Args) > 0 {
		return Result{Err: fmt.Errorf("%s: takes no arguments (type quit, or press Ctrl-D)", c.Name)}
	}
	return Result{OK: true, Quit: true}
}

func (s *Session) require(c Command) Result {
	name := c.Assign
	if name == "" {
		name = "t"
	}
	return Result{OK: true, Value: Message(name + " is the simulated cluster (the `" + name + ".` prefix is optional); start it with " + name + ".startServers()")}
}

func (s *Session) print(c Command) Result {
	if len(c.Args) == 0 {
		p := Printed{}
		for _, n := range s.varNames() {
			p.Names = append(p.Names, n)
			p.Values = append(p.Values, s.vars[n].json)
		}
		return Result{OK: true, Value: p}
	}
	p := Printed{}
	for _, a := range c.Args {
		p.Values = append(p.Values, string(valueArg(a)))
	}
	return Result{OK: true, Value: p}
}

func (s *Session) source(c Command) Result {
	if len(c.Args) != 1 {
		return Result{Err: fmt.Errorf("source: give one file (try source scripts/tutorial.raft)")}
	}
	file := c.Args[0].Text
	if s.depth >= maxSourceDepth {
		return Result{Err: fmt.Errorf("source: %s: files source each other more than %d deep (a file sourcing itself?)", file, maxSourceDepth)}
	}
	text, err := readScript(file)
	if err != nil {
		return Result{Err: fmt.Errorf("source: %v", err)}
	}
	sc, err := parseScript(file, text)
	if err != nil {
		return Result{Err: fmt.Errorf("source: %v", err)}
	}
	s.depth++
	defer func() { s.depth-- }()
	v := Sourced{File: file}
	var subs []Result
	var firstErr error
	for _, cmd := range sc.commands() {
		r := s.execText(cmd.Text)
		r.Where = fmt.Sprintf("%s:%d", file, cmd.Line)
		subs = append(subs, r)
		v.Commands++
		if !r.OK {
			v.Failed++
			if firstErr == nil {
				firstErr = fmt.Errorf("source: %s: %v", r.Where, r.Err)
			}
		}
		if r.Quit {
			break // quit ends the file, not the shell
		}
	}
	return Result{OK: firstErr == nil, Err: firstErr, Value: v, Sub: subs}
}

// execText parses and runs one command's text. A parse error becomes a
// failed Result like any other, naming the command when it can be told.
func (s *Session) execText(text string) Result {
	c, err := Parse(text)
	if err != nil {
		msg := err.Error()
		if name := leadingName(text); name != "" {
			msg = name + ": " + strings.TrimPrefix(msg, "parse: ")
		}
		return Result{Cmd: Command{Line: text}, Err: errors.New(msg), T: s.sim.Now()}
	}
	if c.Line == "" {
		c.Line = text
	}
	return s.Exec(c)
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
	if sug := Suggest(t); sug != "" && strings.EqualFold(sug, t) {
		if sug == "exit" {
			return "quit"
		}
		return sug
	}
	return ""
}

// ExecLine parses and runs one line (or one multi-line call) as typed.
func (s *Session) ExecLine(text string) Result { return s.execText(text) }

func readScript(file string) (string, error) {
	st, err := os.Stat(file)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %v", file, unwrapPathErr(err))
	}
	if st.IsDir() {
		return "", fmt.Errorf("%s is a directory, not a script", file)
	}
	if st.Size() > maxScriptBytes {
		return "", fmt.Errorf("%s is too big for a script (%d bytes)", file, st.Size())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %v", file, unwrapPathErr(err))
	}
	return string(b), nil
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
