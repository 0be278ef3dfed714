package chaos

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// perSecond divides n by a wall time, guarding against a zero clock.
func perSecond(n float64, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return n / wall.Seconds()
}

// faultList describes the fault counts: "partition 12  crash 7".
func (s Summary) faultList() string {
	var parts []string
	for _, f := range AllFaults {
		if n, ok := s.Faults[f]; ok && n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", f, n))
		}
	}
	return strings.Join(parts, "  ")
}

func (s Summary) totalFaults() int { return sum(s.Faults) }

// WriteTable prints the summary for people. Everything but the lines
// marked as timing is the same on every run of the same seeds.
func (s Summary) WriteTable(w io.Writer) {
	c := s.Config
	servers := "3-5 (by seed)"
	if c.Servers > 0 {
		servers = fmt.Sprint(c.Servers)
	} else if c.Bug == "even-majority" {
		servers = "4"
	}
	bug := c.Bug
	if bug == "" {
		bug = "none (correct Raft)"
	}
	lease := ""
	if c.LeaseRead {
		lease = ", lease reads on every seed"
	}
	fmt.Fprintf(w, "chaos: seeds %s, servers %s, duration %s, bug %s%s\n", s.rangeText(), servers, fmtDur(c.Duration), bug, lease)
	var byKind []string
	for _, v := range Violations {
		byKind = append(byKind, fmt.Sprintf("%s %d", v, s.ByKind[v]))
	}
	row := func(name string, value any, more string) {
		fmt.Fprintf(w, "  %-24s %10v   %s\n", name, value, more)
	}
	row("seeds run", s.Seeds, "")
	row("faults injected", s.totalFaults(), s.faultList())
	row("operations completed", s.Ops, "")
	row("violations", s.Violations(), strings.Join(byKind, "  "))
	row("could not be judged", s.ByKind[Unjudged], "")
	if n := s.ByKind[Expected]; n > 0 {
		row("expected stale reads", n, "(clocks drifted beyond the lease bound: no promise broken)")
	}
	row("simulated time", fmt.Sprintf("%.1fs", s.SimTime.Seconds()), "")
	row("with a live group", fmt.Sprintf("%.1fs", s.Watched.Seconds()), "(liveness checked during faults too)")
	row("wall time", fmt.Sprintf("%.2fs", s.Wall.Seconds()), "(timing)")
	row("seeds per second", fmt.Sprintf("%.1f", perSecond(float64(s.Seeds), s.Wall)), "(timing)")
	row("simulated s per wall s", fmt.Sprintf("%.0f", perSecond(s.SimTime.Seconds(), s.Wall)), "(timing)")
	for _, r := range s.Results {
		where := ""
		if r.File != "" {
			where = fmt.Sprintf(" -> %s (%d lines, %d faults; generated %d lines, %d faults)",
				r.File, r.ReplayLines, r.ReplayFaults, r.Lines, sum(r.Faults))
		}
		fmt.Fprintf(w, "  seed %d: %s: %s%s\n", r.Seed, r.Outcome.Verdict, firstLine(r.ReplayOutcome.Detail), where)
		if r.Err != nil {
			fmt.Fprintf(w, "  seed %d: %v\n", r.Seed, r.Err)
		}
	}
	fmt.Fprintf(w, "seeds=%d violations=%d\n", s.Seeds, s.Violations())
}

// jsonFailure is one failing seed in the JSON report.
type jsonFailure struct {
	Seed    uint64 `json:"seed"`
	Verdict string `json:"verdict"`
	Detail  string `json:"detail"`
	File    string `json:"file,omitempty"`
	Lines   int    `json:"lines"`  // of the replay (shrunk unless --no-shrink)
	Faults  int    `json:"faults"` // in the replay
	// GeneratedLines and GeneratedFaults are the script as generated.
	GeneratedLines  int `json:"generated_lines"`
	GeneratedFaults int `json:"generated_faults"`
}

// jsonSummary is the shape of --json.
type jsonSummary struct {
	Seeds            int            `json:"seeds"`
	Start            uint64         `json:"start"`
	Ranges           [][2]uint64    `json:"ranges"` // [first seed, how many] of each run of seeds
	FaultKinds       []string       `json:"fault_kinds"`
	Servers          int            `json:"servers"` // 0: chosen by each seed (3 to 5)
	DurationMS       int64          `json:"duration_ms"`
	Bug              string         `json:"bug"`
	LeaseRead        bool           `json:"lease_read"` // --lease-read: every seed serves lease reads
	Violations       int            `json:"violations"`
	ViolationsByKind map[string]int `json:"violations_by_kind"`
	Unjudged         int            `json:"unjudged"`
	Expected         int            `json:"expected"` // stale reads after clock drift beyond the lease bound
	FailedSeeds      []uint64       `json:"failed_seeds"`
	Operations       int            `json:"operations"`
	Faults           map[string]int `json:"faults"`
	Failures         []jsonFailure  `json:"failures"`
	SimSeconds       float64        `json:"sim_seconds"`
	WatchedSeconds   float64        `json:"watched_seconds"` // with a live group (liveness checked during faults)
	WallSeconds      float64        `json:"wall_seconds"`    // a merged report adds its parts' up
	SeedsPerSecond   float64        `json:"seeds_per_second"`
	SimPerWall       float64        `json:"sim_seconds_per_wall_second"`
}

// WriteJSON prints the summary as one JSON object on one line.
func (s Summary) WriteJSON(w io.Writer) error {
	j := jsonSummary{
		Seeds: s.Seeds, Start: s.Config.Start, Servers: s.Config.Servers, Ranges: [][2]uint64{}, FaultKinds: []string{},
		DurationMS: s.Config.Duration.Milliseconds(), Bug: s.Config.Bug, LeaseRead: s.Config.LeaseRead,
		Violations: s.Violations(), ViolationsByKind: map[string]int{}, Unjudged: s.ByKind[Unjudged],
		Expected: s.ByKind[Expected], FailedSeeds: s.FailedSeeds(), Operations: s.Ops, Faults: map[string]int{}, Failures: []jsonFailure{},
		SimSeconds: s.SimTime.Seconds(), WatchedSeconds: s.Watched.Seconds(), WallSeconds: s.Wall.Seconds(),
		SeedsPerSecond: perSecond(float64(s.Seeds), s.Wall), SimPerWall: perSecond(s.SimTime.Seconds(), s.Wall),
	}
	if j.Servers == 0 && j.Bug == "even-majority" {
		j.Servers = 4 // what every seed chooses for this bug
	}
	for _, r := range s.ranges() {
		j.Ranges = append(j.Ranges, [2]uint64{r.Start, uint64(r.Seeds)})
	}
	for _, f := range AllFaults {
		if s.Config.wants(f) {
			j.FaultKinds = append(j.FaultKinds, string(f))
		}
	}
	for _, v := range Violations {
		j.ViolationsByKind[v.String()] = s.ByKind[v]
	}
	for f, n := range s.Faults {
		j.Faults[string(f)] = n
	}
	for _, r := range s.Results {
		j.Failures = append(j.Failures, jsonFailure{
			Seed: r.Seed, Verdict: r.Outcome.Verdict.String(), Detail: r.ReplayOutcome.Detail,
			File: r.File, Lines: r.ReplayLines, Faults: r.ReplayFaults,
			GeneratedLines: r.Lines, GeneratedFaults: sum(r.Faults),
		})
	}
	b, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("chaos: encoding the summary: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func sum(m map[Fault]int) int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

// firstLine shortens a detail to its first line, at most 200 characters.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}
