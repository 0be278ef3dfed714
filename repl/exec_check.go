package repl

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fatih/color"

	"raftsim/check"
	"raftsim/raft"
	"raftsim/sim"
)

// checkTimeout bounds the linearizability search of check, expect
// linearizable and export history; past it the verdict is "unknown".
const checkTimeout = 20 * time.Second

// CheckReport is the value of check: the safety invariants and the
// linearizability of the client history, now.
type CheckReport struct {
	Violations []sim.Violation
	Lin        check.Result
}

// failed says whether the report found something wrong.
func (c CheckReport) failed() bool {
	return len(c.Violations) > 0 || c.Lin.Verdict == check.Violation
}

func (s *Session) checkCmd(c Command) Result {
	if len(c.Args) > 0 {
		return Result{Err: fmt.Errorf("check: takes no arguments (it checks safety and linearizability; for one of them: expect safe, expect linearizable)")}
	}
	lin, err := s.sim.Linearizable(checkTimeout)
	if err != nil {
		return Result{Err: fmt.Errorf("check: %v", err)}
	}
	rep := CheckReport{Violations: s.sim.Violations(), Lin: lin}
	// A check that finds a violation fails like an expect, so that a
	// script stops being green; the report still shows what was found.
	return Result{OK: !rep.failed(), Value: rep}
}

// expectLinearizable is `expect linearizable`.
func (s *Session) expectLinearizable(c Command) (Expectation, error) {
	if err := noArgs(c, 1); err != nil {
		return Expectation{}, err
	}
	lin, err := s.sim.Linearizable(checkTimeout)
	if err != nil {
		return Expectation{}, fmt.Errorf("expect linearizable: %v", err)
	}
	e := Expectation{Expected: "a linearizable client history", Found: lin.String(), Held: lin.Verdict == check.OK}
	if lin.Ops == 0 {
		e.Found = "no client operations yet (nothing to contradict)"
	}
	return e, nil
}

func (rep CheckReport) asText(r *Renderer) string {
	ok := func(s string) string { return r.paint("✓ "+s, color.FgGreen) }
	bad := func(s string) string { return r.paint("✗ "+s, color.FgRed, color.Bold) }
	var b strings.Builder
	if len(rep.Violations) == 0 {
		b.WriteString(ok("safety") + ": no Raft safety property broken so far\n")
	} else {
		fmt.Fprintf(&b, "%s: %s\n", bad("safety"), plural(uint64(len(rep.Violations)), "violation", "violations"))
		for i, v := range rep.Violations {
			if i == 10 {
				fmt.Fprintf(&b, "  ... and %d more\n", len(rep.Violations)-10)
				break
			}
			b.WriteString("  " + describeViolation(v) + "\n")
		}
	}
	l := rep.Lin
	switch {
	case l.Ops == 0 && l.Dropped == 0:
		b.WriteString(ok("linearizability") + ": no client operations yet (clientRequest and load record them)")
	case l.Verdict == check.OK:
		b.WriteString(ok("linearizability") + ": " + l.String())
	case l.Verdict == check.Unknown:
		b.WriteString(r.paint("? linearizability", color.FgYellow) + ": " + l.String() + "; try again with fewer operations")
	default:
		b.WriteString(bad("linearizability") + ": " + l.String() + "\n  (export history FILE.html shows it in a browser)")
	}
	return b.String()
}

type jsonViolation struct {
	TMs      json.Number   `json:"t_ms"`
	Property string        `json:"property"`
	Servers  []raft.NodeID `json:"servers"`
	Index    uint64        `json:"index"`
	Detail   string        `json:"detail"`
}

type jsonCheck struct {
	Safe         bool            `json:"safe"`
	Violations   []jsonViolation `json:"violations"`
	Linearizable json.RawMessage `json:"linearizable"` // true, false, or null (unknown)
	Verdict      string          `json:"verdict"`
	Operations   int             `json:"operations"`
	Pending      int             `json:"pending"`
	Keys         int             `json:"keys"`
	BadKeys      []string        `json:"bad_keys"`
	Explanation  string          `json:"explanation,omitempty"`
}

func (rep CheckReport) asJSON() json.RawMessage {
	l := rep.Lin
	j := jsonCheck{Safe: len(rep.Violations) == 0, Violations: []jsonViolation{}, Linearizable: json.RawMessage("null"),
		Verdict: l.Verdict.String(), Operations: l.Ops, Pending: l.Pending, Keys: l.Keys, BadKeys: l.BadKeys, Explanation: l.Explanation}
	if j.BadKeys == nil {
		j.BadKeys = []string{}
	}
	switch l.Verdict {
	case check.OK:
		j.Linearizable = json.RawMessage("true")
	case check.Violation:
		j.Linearizable = json.RawMessage("false")
	}
	for _, v := range rep.Violations {
		servers := v.Servers
		if servers == nil {
			servers = []raft.NodeID{}
		}
		j.Violations = append(j.Violations, jsonViolation{TMs: ms(v.Time), Property: v.Property, Servers: servers, Index: v.Index, Detail: v.Detail})
	}
	return mustJSON(j)
}

// Exported is the value of export: what was written where.
type Exported struct {
	What, File string
	Detail     string
}

func (e Exported) asText(*Renderer) string { return "wrote " + e.File + ": " + e.Detail }

func (e Exported) asJSON() json.RawMessage {
	return mustJSON(struct {
		What   string `json:"what"`
		File   string `json:"file"`
		Detail string `json:"detail"`
	}{e.What, e.File, e.Detail})
}

const exportUsage = "export history FILE.html | export trace FILE.jsonl"

func (s *Session) export(c Command) Result {
	if len(c.Args) != 2 || c.Args[0].Key != "" || c.Args[1].Key != "" {
		return Result{Err: fmt.Errorf("export: give what and a file (usage: %s)", exportUsage)}
	}
	file := strings.TrimSpace(c.Args[1].Text)
	if file == "" {
		return Result{Err: fmt.Errorf("export: the file name is empty (usage: %s)", exportUsage)}
	}
	switch what := strings.ToLower(c.Args[0].Text); what {
	case "history":
		return s.exportHistory(file)
	case "trace":
		return s.exportTrace(file)
	default:
		return Result{Err: fmt.Errorf("export: cannot export %s (%susage: %s)", s.show(0, c.Args[0]), didYouMean(what, []string{"history", "trace"}), exportUsage)}
	}
}

func (s *Session) exportHistory(file string) Result {
	if _, total := s.sim.HistoryTail(1); total == 0 {
		return Result{Err: fmt.Errorf("export history: no client operations recorded yet (run a load, or clientRequest, first)")}
	}
	lin, err := s.sim.Linearizable(checkTimeout)
	if err != nil {
		return Result{Err: fmt.Errorf("export history: %v", err)}
	}
	if err := writeFile(file, s.sim.VisualizeHistory); err != nil {
		return Result{Err: fmt.Errorf("export history: %v", err)}
	}
	detail := "porcupine's view of the history, " + lin.String()
	if n := len(s.sim.Annotations()); n > 0 {
		detail += ", with " + plural(uint64(n), "fault annotation", "fault annotations")
	}
	detail += "; open it in a browser"
	return Result{OK: true, Value: Exported{What: "history", File: file, Detail: detail}}
}
