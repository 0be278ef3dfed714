package repl

import (
	"fmt"
	"strings"
	"time"

	"raftsim/sim"
)

// Advanced is the value of run: how far the clock moved, and where it is.
type Advanced struct{ By, Now time.Duration }

// Stepped is the value of step.
type Stepped struct {
	Asked, Done int
	Now         time.Duration
}

// Reached is the value of until.
type Reached struct {
	Cond  string
	After time.Duration // virtual time it took
	Now   time.Duration
}

// DebugState is the value of debug.
type DebugState struct{ Level int }

const defaultUntilTimeout = 10 * time.Second

func (s *Session) run(c Command) Result {
	if len(c.Args) != 1 {
		return Result{Err: fmt.Errorf("run: give one duration (try run 300ms or run 2s)")}
	}
	d, err := s.durationArg(c, 0, maxRun)
	if err != nil {
		return Result{Err: err}
	}
	s.sim.Run(d)
	return Result{OK: true, Value: Advanced{By: d, Now: s.sim.Now()}}
}

func (s *Session) step(c Command) Result {
	n := int64(1)
	switch len(c.Args) {
	case 0:
	case 1:
		var err error
		if n, err = s.intArg(c, 0, "number of events", 1, maxStep, "step 10"); err != nil {
			return Result{Err: err}
		}
	default:
		return Result{Err: fmt.Errorf("step: give at most one number (try step 10)")}
	}
	// step shows what it does: every event, whatever the debug setting.
	s.stepping = true
	s.updateListener()
	defer func() {
		s.stepping = false
		s.updateListener()
	}()
	done := s.sim.Step(int(n))
	return Result{OK: true, Value: Stepped{Asked: int(n), Done: done, Now: s.sim.Now()}}
}

func (s *Session) until(c Command) Result {
	const usage = "until leader [TIMEOUT] | until committed INDEX [TIMEOUT] | until idle [TIMEOUT]"
	if len(c.Args) == 0 {
		return Result{Err: fmt.Errorf("until: give a condition (%s)", usage)}
	}
	kind := strings.ToLower(c.Args[0].Text)
	cond := sim.UntilCond{Kind: kind}
	rest := 1
	switch kind {
	case "leader", "idle":
	case "committed":
		if len(c.Args) < 2 {
			return Result{Err: fmt.Errorf("until: committed needs an index (try until committed 5)")}
		}
		i, err := s.intArg(c, 1, "index", 1, 1<<53, "until committed 5")
		if err != nil {
			return Result{Err: err}
		}
		cond.Index = uint64(i)
		rest = 2
	default:
		return Result{Err: fmt.Errorf("until: unknown condition %s (%s%s)", s.show(0, c.Args[0]), didYouMean(kind, []string{"leader", "committed", "idle"}), usage)}
	}
	timeout := defaultUntilTimeout
	switch len(c.Args) - rest {
	case 0:
	case 1:
		var err error
		if timeout, err = s.durationArg(c, rest, maxRun); err != nil {
			return Result{Err: err}
		}
	default:
		return Result{Err: fmt.Errorf("until: too many arguments (%s)", usage)}
	}
	if len(s.sim.Servers()) == 0 {
		return Result{Err: fmt.Errorf("until: no servers yet (start some with: startServers 3)")}
	}
	desc := kind
	if kind == "committed" {
		desc = fmt.Sprintf("committed %d", cond.Index)
	}
	start := s.sim.Now()
	if !s.sim.RunUntil(cond, timeout) {
		return Result{Err: fmt.Errorf("until %s: not reached within %s (now t=%s)", desc, timeout, fmtSeconds(s.sim.Now()))}
	}
	return Result{OK: true, Value: Reached{Cond: desc, After: s.sim.Now() - start, Now: s.sim.Now()}}
}

func (s *Session) debugCmd(c Command) Result {
	switch len(c.Args) {
	case 0:
		return Result{OK: true, Value: DebugState{Level: s.debug}}
	case 1:
	default:
		return Result{Err: fmt.Errorf("debug: give on, off or verbose (try debug on)")}
	}
	a := c.Args[0]
	switch {
	case strings.EqualFold(a.Text, "verbose"):
		s.debug = debugVerbose
	case a.Kind == ArgBool || a.Kind == ArgNumber || isOnOff(a.Text):
		s.debug = debugOff
		if truthy(a) {
			s.debug = debugOn
		}
	default:
		return Result{Err: fmt.Errorf("debug: %s is not on, off or verbose (try debug on)", s.show(0, a))}
	}
	s.updateListener()
	return Result{OK: true, Value: DebugState{Level: s.debug}}
}

func isOnOff(w string) bool {
	switch strings.ToLower(w) {
	case "on", "off", "true", "false", "yes", "no", "1", "0":
		return true
	}
	return false
}
