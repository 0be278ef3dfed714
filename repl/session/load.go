package session

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

const loadUsage = "load [clients=N] [rate=R/s] [keys=K] [for=DURATION] [mix=set:get:cas] [loop=closed|open] | load status | load stop"

// load starts a client load, or shows or stops the current one.
func (s *Session) load(c lang.Command) render.Result {
	if len(c.Args) == 1 && c.Args[0].Key == "" {
		switch w := strings.ToLower(c.Args[0].Text); w {
		case "status", "stop":
			st, ok := s.sim.Load()
			if !ok {
				return render.Result{Err: fmt.Errorf("load %s: no load has been started (start one with: load, or %s)", w, loadUsage)}
			}
			action := "status"
			if w == "stop" && st.Running {
				st, _ = s.sim.StopLoad()
				action = "stopped"
			}
			return render.Result{OK: true, Value: render.LoadShown{St: st, Action: action, Now: s.sim.Now()}}
		}
	}
	var o sim.LoadOptions
	for i, a := range c.Args {
		if a.Key == "" {
			return render.Result{Err: fmt.Errorf("load: unexpected %s (usage: %s)", s.show(i, a), loadUsage)}
		}
		if err := s.loadOption(c, i, &o); err != nil {
			return render.Result{Err: err}
		}
	}
	if len(s.sim.Servers()) == 0 {
		return render.Result{Err: fmt.Errorf("load: no servers yet (start some with: startServers 3)")}
	}
	st, err := s.sim.StartLoad(o)
	if err != nil {
		return render.Result{Err: err}
	}
	return render.Result{OK: true, Value: render.LoadShown{St: st, Action: "started", Now: s.sim.Now()}}
}

// loadOption reads one key=value option of load into o.
func (s *Session) loadOption(c lang.Command, i int, o *sim.LoadOptions) error {
	a := c.Args[i]
	one := lang.Command{Name: "load " + a.Key, Args: []lang.Arg{a}}
	switch strings.ToLower(a.Key) {
	case "clients":
		n, err := s.intArg(one, 0, "the number of clients", 1, sim.MaxLoadClients, "load clients=5")
		o.Clients = int(n)
		return err
	case "keys":
		n, err := s.intArg(one, 0, "the number of keys", 1, sim.MaxLoadKeys, "load keys=3")
		o.Keys = int(n)
		return err
	case "rate":
		r, ok := parseRate(a.Text)
		if !ok || r <= 0 || r > sim.MaxLoadRate {
			return fmt.Errorf("load: bad rate %s (operations per second above 0 and at most %g, like rate=50/s, rate=2.5 or rate=600/m)", s.show(i, a), sim.MaxLoadRate)
		}
		o.Rate = r
	case "for", "duration":
		d, err := s.durationArg(lang.Command{Name: "load for", Args: []lang.Arg{a}}, 0, sim.MaxLoadDuration)
		if err != nil {
			return err
		}
		o.Duration = d
	case "mix":
		parts := strings.Split(a.Text, ":")
		if len(parts) != 3 {
			return fmt.Errorf("load: bad mix %s (three weights set:get:cas, like mix=1:1:1 or mix=1:4:0)", s.show(i, a))
		}
		for k, p := range parts {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || n < 0 || n > 1_000_000 {
				return fmt.Errorf("load: bad mix %s: %q is not a weight (whole numbers from 0, like mix=1:1:1)", s.show(i, a), p)
			}
			o.Mix[k] = n
		}
		if o.Mix == [3]int{} {
			return fmt.Errorf("load: bad mix %s: the weights cannot all be 0", s.show(i, a))
		}
	case "loop":
		switch strings.ToLower(a.Text) {
		case "open":
			o.Open = true
		case "closed":
			o.Open = false
		default:
			return fmt.Errorf("load: bad loop %s (loop=closed: each client waits for its answer before its next operation, the default; loop=open: operations arrive at the rate whatever the answers)", s.show(i, a))
		}
	default:
		known := []string{"clients", "rate", "keys", "for", "mix", "loop"}
		return fmt.Errorf("load: unknown option %q (%susage: %s)", a.Key, didYouMean(a.Key, known), loadUsage)
	}
	return nil
}

// parseRate reads operations per second: 50, 50/s, 2.5/s, 600/m.
func parseRate(text string) (float64, bool) {
	t := strings.ToLower(strings.TrimSpace(text))
	per := 1.0
	if n, unit, ok := strings.Cut(t, "/"); ok {
		switch unit {
		case "s", "sec", "second":
		case "m", "min", "minute":
			per = 60
		default:
			return 0, false
		}
		t = n
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f / per, true
}

const historyUsage = "history [N] | history all"

func (s *Session) history(c lang.Command) render.Result {
	n := int64(20)
	switch {
	case len(c.Args) > 1:
		return render.Result{Err: fmt.Errorf("history: too many arguments (usage: %s)", historyUsage)}
	case len(c.Args) == 1 && strings.EqualFold(c.Args[0].Text, "all") && c.Args[0].Key == "":
		n = 0
	case len(c.Args) == 1:
		var err error
		if n, err = s.intArg(c, 0, "the number of operations", 1, math.MaxInt32, "history 50, or history all"); err != nil {
			return render.Result{Err: err}
		}
	}
	ops, total := s.sim.HistoryTail(int(n))
	return render.Result{OK: true, Value: render.HistoryShown{Ops: ops, Total: total, Pending: s.sim.PendingOps()}}
}
