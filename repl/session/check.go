package session

import (
	"fmt"
	"io"
	"strings"
	"time"

	"raftsim/check"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/timeline"
)

func (s *Session) checkCmd(c lang.Command) render.Result {
	if len(c.Args) > 0 {
		return render.Result{Err: fmt.Errorf("check: takes no arguments (it checks safety and linearizability; for one of them: expect safe, expect linearizable)")}
	}
	lin, err := s.sim.Linearizable()
	if err != nil {
		return render.Result{Err: simErr("check", err)}
	}
	rep := render.CheckReport{Violations: s.sim.Violations(), Lin: lin}
	// A check that finds a violation fails like an expect, so that a
	// script stops being green; the report still shows what was found.
	return render.Result{OK: !rep.Failed(), Value: rep}
}

// expectLinearizable is `expect linearizable`.
func (s *Session) expectLinearizable(c lang.Command) (render.Expectation, error) {
	if err := noArgs(c, 1); err != nil {
		return render.Expectation{}, err
	}
	lin, err := s.sim.Linearizable()
	if err != nil {
		return render.Expectation{}, fmt.Errorf("expect linearizable: %v", err)
	}
	e := render.Expectation{Expected: "a linearizable client history", Found: lin.String(), Held: lin.Verdict == check.OK}
	if lin.Ops == 0 {
		e.Found = "no client operations yet (nothing to contradict)"
	}
	return e, nil
}

const exportUsage = "export timeline FILE.html | export history FILE.html | export trace FILE.jsonl"

func (s *Session) export(c lang.Command) render.Result {
	if len(c.Args) != 2 || c.Args[0].Key != "" || c.Args[1].Key != "" {
		return render.Result{Err: fmt.Errorf("export: give what and a file (usage: %s)", exportUsage)}
	}
	file := strings.TrimSpace(c.Args[1].Text)
	if file == "" {
		return render.Result{Err: fmt.Errorf("export: the file name is empty (usage: %s)", exportUsage)}
	}
	switch what := strings.ToLower(c.Args[0].Text); what {
	case "history":
		return s.exportHistory(file)
	case "trace":
		return s.exportTrace(file)
	case "timeline":
		return s.exportTimeline(file)
	default:
		return render.Result{Err: fmt.Errorf("export: cannot export %s (%susage: %s)", s.show(0, c.Args[0]), didYouMean(what, []string{"timeline", "history", "trace"}), exportUsage)}
	}
}

// maxWhys bounds the explanations a timeline carries: past it only
// changes of role, term and up or down are explained, not every commit
// (an explanation costs a few passes over the trace to compute and half
// a kilobyte in the page).
const maxWhys = 3000

// exportTimeline draws the run so far as one page (package timeline),
// from the trace the simulation always records.
func (s *Session) exportTimeline(file string) render.Result {
	if len(s.sim.Servers()) == 0 {
		return render.Result{Err: fmt.Errorf("export timeline: no servers yet: run startServers first")}
	}
	in := timeline.FromSim(s.sim, fmt.Sprintf("raftsim timeline, seed %d, t=%s", s.sim.Seed(), render.Seconds(s.sim.Now())))
	in.Why, in.WhyMore = s.WhyOverTime(maxWhys)
	if err := writeFile(file, func(w io.Writer) error { return timeline.Write(w, in) }); err != nil {
		return render.Result{Err: fmt.Errorf("export timeline: %v", err)}
	}
	from := time.Duration(0)
	if in.Dropped > 0 {
		from = in.Trace[0].Time
	}
	detail := fmt.Sprintf("%s of %s from t=%s to t=%s", render.Plural(uint64(len(in.Trace)), "event", "events"),
		render.Plural(uint64(len(in.Servers)), "server", "servers"), render.Seconds(from), render.Seconds(s.sim.Now()))
	if in.Dropped > 0 {
		detail += fmt.Sprintf(" (the %d older ones are no longer kept: the trace holds the newest %d)", in.Dropped, s.sim.TraceStats().Cap)
	}
	detail += "; open it in a browser"
	return render.Result{OK: true, Value: render.Exported{What: "timeline", File: file, Detail: detail}}
}

func (s *Session) exportHistory(file string) render.Result {
	if _, total := s.sim.HistoryTail(1); total == 0 {
		return render.Result{Err: fmt.Errorf("export history: no client operations recorded yet (run a load, or clientRequest, first)")}
	}
	in := timeline.HistoryFromSim(s.sim, fmt.Sprintf("raftsim client history, seed %d, t=%s", s.sim.Seed(), render.Seconds(s.sim.Now())))
	d, err := timeline.BuildHistory(in, check.DefaultBudget)
	if err != nil {
		return render.Result{Err: fmt.Errorf("export history: %v", err)}
	}
	if err := writeFile(file, func(w io.Writer) error { return timeline.WriteData(w, d) }); err != nil {
		return render.Result{Err: fmt.Errorf("export history: %v", err)}
	}
	detail := "the client history and the order the check found for each key, " + d.Verdict + "; open it in a browser"
	return render.Result{OK: true, Value: render.Exported{What: "history", File: file, Detail: detail}}
}
