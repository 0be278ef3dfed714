package session

import (
	"fmt"
	"strings"
	"time"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

const defaultUntilTimeout = 10 * time.Second

func (s *Session) run(c lang.Command) render.Result {
	if len(c.Args) != 1 {
		return render.Result{Err: fmt.Errorf("run: give one duration (try run 300ms or run 2s)")}
	}
	d, err := s.durationArg(c, 0, maxRun)
	if err != nil {
		return render.Result{Err: err}
	}
	if err := s.fits("run "+render.Duration(d), d); err != nil {
		return render.Result{Err: err}
	}
	s.sim.Run(d)
	return render.Result{OK: true, Value: render.Advanced{By: d, Now: s.sim.Now()}}
}

func (s *Session) step(c lang.Command) render.Result {
	n := int64(1)
	switch len(c.Args) {
	case 0:
	case 1:
		var err error
		if n, err = s.intArg(c, 0, "number of events", 1, maxStep, "step 10"); err != nil {
			return render.Result{Err: err}
		}
	default:
		return render.Result{Err: fmt.Errorf("step: give at most one number (try step 10)")}
	}
	// step shows what it does: every event, whatever the debug setting.
	s.stepping = true
	s.updateListener()
	defer func() {
		s.stepping = false
		s.updateListener()
	}()
	done := s.sim.Step(int(n))
	return render.Result{OK: true, Value: render.Stepped{Asked: int(n), Done: done, Now: s.sim.Now()}}
}

func (s *Session) until(c lang.Command) render.Result {
	const usage = "until leader [TIMEOUT] | until committed INDEX [TIMEOUT] | until idle [TIMEOUT]"
	if len(c.Args) == 0 {
		return render.Result{Err: fmt.Errorf("until: give a condition (%s)", usage)}
	}
	kind := strings.ToLower(c.Args[0].Text)
	cond := sim.UntilCond{Kind: kind}
	rest := 1
	switch kind {
	case "leader", "idle":
	case "committed":
		if len(c.Args) < 2 {
			return render.Result{Err: fmt.Errorf("until: committed needs an index (try until committed 5)")}
		}
		i, err := s.intArg(c, 1, "index", 1, 1<<53, "until committed 5")
		if err != nil {
			return render.Result{Err: err}
		}
		cond.Index = uint64(i)
		rest = 2
	default:
		return render.Result{Err: fmt.Errorf("until: unknown condition %s (%s%s)", s.show(0, c.Args[0]), didYouMean(kind, []string{"leader", "committed", "idle"}), usage)}
	}
	timeout := defaultUntilTimeout
	switch len(c.Args) - rest {
	case 0:
	case 1:
		var err error
		if timeout, err = s.durationArg(c, rest, maxRun); err != nil {
			return render.Result{Err: err}
		}
	default:
		return render.Result{Err: fmt.Errorf("until: too many arguments (%s)", usage)}
	}
	if len(s.sim.Servers()) == 0 {
		return render.Result{Err: fmt.Errorf("until: no servers yet (start some with: startServers 3)")}
	}
	desc := kind
	if kind == "committed" {
		desc = fmt.Sprintf("committed %d", cond.Index)
	}
	start := s.sim.Now()
	if !s.sim.RunUntil(cond, timeout) {
		return render.Result{Err: fmt.Errorf("until %s: not reached within %s (now t=%s)", desc, render.Duration(timeout), render.Seconds(s.sim.Now()))}
	}
	v := render.Reached{Cond: desc, After: s.sim.Now() - start, Now: s.sim.Now(), Leader: raft.None}
	if l, ok := s.sim.LeaderID(false); ok && kind == "leader" {
		if in, err := s.sim.Brief(l); err == nil {
			v.Leader, v.Term = l, in.Term
		}
	}
	return render.Result{OK: true, Value: v}
}

func (s *Session) debugCmd(c lang.Command) render.Result {
	switch len(c.Args) {
	case 0:
		return render.Result{OK: true, Value: render.DebugState{Level: s.debug}}
	case 1:
	default:
		return render.Result{Err: fmt.Errorf("debug: give on, off or verbose (try debug on)")}
	}
	a := c.Args[0]
	switch {
	case strings.EqualFold(a.Text, "verbose"):
		s.debug = render.DebugVerbose
	case a.Kind == lang.ArgBool || a.Kind == lang.ArgNumber || isOnOff(a.Text):
		s.debug = render.DebugOff
		if truthy(a) {
			s.debug = render.DebugOn
		} else {
			// Off means off: servers started with the debug option
			// (t.startServers({ debug: true })) go quiet too.
			clear(s.debugServers)
		}
	default:
		return render.Result{Err: fmt.Errorf("debug: %s is not on, off or verbose (try debug on)", s.show(0, a))}
	}
	s.updateListener()
	return render.Result{OK: true, Value: render.DebugState{Level: s.debug}}
}

func isOnOff(w string) bool {
	switch strings.ToLower(w) {
	case "on", "off", "true", "false", "yes", "no", "1", "0":
		return true
	}
	return false
}
