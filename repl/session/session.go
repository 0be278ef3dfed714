package session

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

// maxEventsPerCommand bounds the debug lines one command keeps, so that
// `run 1h` with debug on cannot exhaust memory.
const maxEventsPerCommand = 20000

// Session is one shell session: a simulated cluster, the user's variables
// and the display options. It is not safe for concurrent use.
type Session struct {
	sim      *sim.Sim
	untraced bool // Options.Untraced
	seed     uint64
	vars     map[string]variable
	debug    int
	// debugServers are servers started with the debug (or verbose) option:
	// their events are shown even when `debug` is off.
	debugServers map[raft.NodeID]int
	// removed holds the servers removed through this session (and not
	// added back), which status shows as such.
	removed map[raft.NodeID]bool
	// down holds the servers crashed through this session, to quiet the
	// retries sent to them at `debug on`.
	down map[raft.NodeID]bool
	// reads counts the ro reads in flight (trackReads).
	reads int
	// stepping is set while `step` runs: every event is shown.
	stepping bool
	// events collects the current command's debug lines.
	events  []render.EventLine
	dropped int
	// argVars maps the index of a substituted argument of the current
	// command to the variable it came from, for error messages.
	argVars map[int]string
	// depth is the nesting of `source` commands, to stop a file that
	// sources itself; tooDeep is set when one did, to stop them all.
	depth   int
	tooDeep bool
	// hist records the commands since the cluster was built, for
	// rewind, goto and save (travel.go).
	hist history
	// poll is installed in every cluster the session builds (SetPoll).
	poll func(sim.Progress) bool
	// fired lists the timers fired by hand (timeout), for why.
	fired []firedTimer
}

// variable is one stored result: canonical JSON text, so that it can be put
// back into a command as a number, a string or null.
type variable struct {
	json string
	from string // the command that set it, for error messages
}

// Options configures a new session.
type Options struct {
	// Seed drives every random choice of the simulation; the same seed and
	// the same lines give byte-identical results.
	Seed uint64
	// Untraced turns off the trace the simulation always records (for
	// export timeline and export trace), for runs nobody can export from:
	// the chaos runner's seeds, which replay as scripts.
	Untraced bool
}

// New returns a session with a fresh cluster (no servers yet) built from
// o.Seed.
func New(o Options) *Session {
	s := &Session{vars: map[string]variable{}, untraced: o.Untraced}
	s.resetSim(o.Seed)
	s.restartHistory()
	return s
}

// Sim returns the session's simulation (for completion and the prompt).
func (s *Session) Sim() *sim.Sim { return s.sim }

// resetSim throws the cluster away and builds an empty one from seed. The
// variables go with it: they named things in the old cluster.
func (s *Session) resetSim(seed uint64) {
	o := sim.Options{Seed: seed}
	if s.untraced {
		o.TraceCap = -1
	}
	s.sim = sim.New(o)
	s.sim.SetPoll(s.poll)
	s.seed = s.sim.Seed()
	s.vars = map[string]variable{}
	s.debugServers = map[raft.NodeID]int{}
	s.down = map[raft.NodeID]bool{}
	s.fired = nil
	s.removed = map[raft.NodeID]bool{}
	s.reads = 0
	s.updateListener()
}

// ErrInterrupted is the error of a command the poll function stopped
// (SetPoll): the shell's Ctrl-C.
var ErrInterrupted = errors.New("interrupted")

// SetPoll installs f as the poll function of the simulation, now and in
// every cluster the session builds later (reset, seed): the simulation calls
// it every sim.PollEvery events, and a command stops when it returns false.
// The command then fails with ErrInterrupted, saying where virtual time
// stopped; the cluster and the variables stay as they are.
func (s *Session) SetPoll(f func(sim.Progress) bool) {
	s.poll = f
	s.sim.SetPoll(f)
}

// Prompt is the interactive prompt: virtual time and leader.
func (s *Session) Prompt() string {
	l := "none" // not "-": "L=->" reads like an arrow
	if id, ok := s.sim.LeaderID(false); ok {
		l = fmt.Sprint(id)
	}
	return fmt.Sprintf("raft t=%s L=%s> ", render.Seconds(s.sim.Now()), l)
}

// ExecCommand runs one parsed command against the session and returns its result. It
// never panics: a panic inside a command (a bug) becomes an error naming the
// command.
func (s *Session) ExecCommand(c lang.Command) (res render.Result) {
	s.events, s.dropped, s.argVars = nil, 0, nil
	if s.depth == 0 {
		s.sim.ClearInterrupt()
	}
	defer func() {
		if p := recover(); p != nil {
			res = render.Result{Cmd: c, Err: fmt.Errorf("%s: internal error: %v (please report this line)", cmdName(c), p)}
		}
		if s.sim.Interrupted() && !errors.Is(res.Err, ErrInterrupted) {
			res.Value = nil // a half-done command has no result to show
			res.Err = fmt.Errorf("%s: %w at t=%s, after %d events; the cluster and the variables are as they were then",
				cmdName(c), ErrInterrupted, render.Seconds(s.sim.Now()), s.sim.Events())
		}
		res.Cmd = c
		if res.Err != nil {
			res.OK = false
		}
		res.Events, res.Dropped = s.events, s.dropped
		s.events, s.dropped = nil, 0
		res.T = s.sim.Now()
	}()
	if c.Name == "" {
		return render.Result{OK: true}
	}
	sc, err := s.substitute(c)
	if err != nil {
		return render.Result{Err: err}
	}
	for i, a := range sc.Args {
		if sc.Name != "seed" && inexact(a) { // a seed is any 64-bit number
			return render.Result{Err: fmt.Errorf("%s: number %s is too large to be exact (integers go up to 9007199254740991, 2^53-1); quote it to use it as text", cmdName(sc), s.show(i, a))}
		}
	}
	h, ok := handlers[sc.Name]
	if !ok {
		return render.Result{Err: unknownCommand(sc.Name)}
	}
	at := s.sim.Now()
	res = h(s, sc)
	if res.Err == nil && !res.Quit && sc.Assign != "" && sc.Name != "require" {
		s.vars[sc.Assign] = variable{json: string(render.ValueJSON(res.Value)), from: sc.Name}
	}
	s.record(c, res, at)
	return res
}

// handler runs one command. Arguments are already free of variables.
type handler func(s *Session, c lang.Command) render.Result

// handlers maps canonical command names to their implementation. It is
// filled in init to break the cycle with `help` and `source`.
var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"startServers":       (*Session).startServers,
		"addServer":          (*Session).addServer,
		"removeServer":       (*Session).removeServer,
		"changeConfig":       (*Session).changeConfig,
		"addLearner":         (*Session).addLearner,
		"promote":            (*Session).promote,
		"crash":              (*Session).crash,
		"restart":            (*Session).restart,
		"snapshot":           (*Session).snapshot,
		"partition":          (*Session).partition,
		"heal":               (*Session).heal,
		"cut":                (*Session).cut,
		"clientRequest":      (*Session).clientRequest,
		"getLeaderId":        (*Session).getLeaderID,
		"getAll":             (*Session).getAll,
		"status":             (*Session).status,
		"run":                (*Session).run,
		"step":               (*Session).step,
		"until":              (*Session).until,
		"debug":              (*Session).debugCmd,
		"expect":             (*Session).expect,
		"seed":               (*Session).seedCmd,
		"reset":              (*Session).reset,
		"source":             (*Session).source,
		"help":               (*Session).help,
		"quit":               (*Session).quit,
		"exit":               (*Session).quit,
		"print":              (*Session).print,
		"require":            (*Session).require,
		"net":                (*Session).net,
		"disk":               (*Session).disk,
		"load":               (*Session).load,
		"history":            (*Session).history,
		"check":              (*Session).checkCmd,
		"export":             (*Session).export,
		"trace":              (*Session).traceCmd,
		"pending":            (*Session).pending,
		"deliver":            (*Session).deliver,
		"drop":               (*Session).drop,
		"timeout":            (*Session).timeout,
		"rewind":             (*Session).rewind,
		"goto":               (*Session).gotoCmd,
		"save":               (*Session).save,
		"why":                (*Session).why,
		"transferLeadership": (*Session).transferLeadership,
		"clock":              (*Session).clockCmd,
	}
}

func unknownCommand(name string) error {
	if sug := lang.Suggest(name); sug != "" && sug != name {
		return fmt.Errorf("%s: unknown command (did you mean %s?)", name, sug)
	}
	return fmt.Errorf("%s: unknown command (type help for the list of commands)", name)
}

func cmdName(c lang.Command) string {
	if c.Name == "" {
		return "command"
	}
	return c.Name
}

// commandNames lists the commands in the order help shows them.
func commandNames() []string {
	names := make([]string, 0, len(handlers))
	for n := range handlers {
		if n != "exit" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// substitute replaces variable arguments ($lid, bare lid) by their values.
func (s *Session) substitute(c lang.Command) (lang.Command, error) {
	has := false
	for _, a := range c.Args {
		if a.Kind == lang.ArgVar || a.Kind == lang.ArgTemplate {
			has = true
		}
	}
	if !has {
		return c, nil
	}
	s.argVars = map[int]string{}
	out := c
	out.Args = make([]lang.Arg, len(c.Args))
	for i, a := range c.Args {
		if a.Kind == lang.ArgTemplate {
			w, err := s.expand(c, a)
			if err != nil {
				return c, err
			}
			out.Args[i] = w
			continue
		}
		if a.Kind != lang.ArgVar {
			out.Args[i] = a
			continue
		}
		v, ok := s.vars[a.Text]
		if !ok && bareWord(c) {
			// A lone unknown word is more likely a mistyped command.
			if sug := lang.Suggest(a.Text); sug != "" {
				return c, fmt.Errorf("%s: unknown command (did you mean %s?)", a.Text, sug)
			}
			return c, fmt.Errorf("%s: unknown command or variable (type help for the commands; set a variable with: %s = getLeaderId)", a.Text, a.Text)
		}
		if !ok {
			return c, fmt.Errorf("%s: unknown variable $%s (set one with: %s = getLeaderId)", cmdName(c), a.Text, a.Text)
		}
		out.Args[i] = argFromJSON(a.Key, v.json)
		s.argVars[i] = a.Text
	}
	return out, nil
}

// expand puts the values of the variables into a word that holds them
// ($lid->1 with lid = 0 is 0->1). A value that is not a number, a string
// or a boolean cannot stand inside a word.
func (s *Session) expand(c lang.Command, a lang.Arg) (lang.Arg, error) {
	var b strings.Builder
	last := 0
	for _, r := range lang.TemplateRefs(a.Text) {
		b.WriteString(a.Text[last:r.Start])
		last = r.End
		v, ok := s.vars[r.Name]
		if !ok {
			return a, fmt.Errorf("%s: unknown variable $%s in %s (set one with: %s = getLeaderId)", cmdName(c), r.Name, a.Text, r.Name)
		}
		switch x := argFromJSON("", v.json); x.Kind {
		case lang.ArgNull:
			return a, fmt.Errorf("%s: $%s is null in %s (was there no leader when it was set? set it again with: %s = getLeaderId)", cmdName(c), r.Name, a.Text, r.Name)
		case lang.ArgJSON:
			held := v.json
			if len(held) > 40 {
				held = held[:37] + "..."
			}
			return a, fmt.Errorf("%s: $%s holds %s (from %s), which cannot stand inside the word %s", cmdName(c), r.Name, held, v.from, a.Text)
		default:
			b.WriteString(x.Text)
		}
	}
	b.WriteString(a.Text[last:])
	return lang.Literal(a.Key, b.String()), nil
}

// bareWord says whether c is a lone word (`lid` or `lid;`), which the JS
// form reads as printing a variable.
func bareWord(c lang.Command) bool {
	if c.Name != "print" || len(c.Args) != 1 {
		return false
	}
	line := strings.TrimSuffix(strings.TrimSpace(c.Line), ";")
	return strings.TrimSpace(line) == c.Args[0].Text
}

// varNames returns the variable names, sorted.
func (s *Session) varNames() []string {
	names := make([]string, 0, len(s.vars))
	for n := range s.vars {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// serverList describes the existing servers for error messages.
func (s *Session) serverList() string {
	ids := s.sim.Servers()
	if len(ids) == 0 {
		return "no servers yet; start some with: startServers 3"
	}
	return "servers: " + render.JoinIDs(ids, ", ")
}
