package chaos

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// A campaign of millions of seeds is split into shards, each a run of
// `raftsim chaos --start S --seeds N --json` on whatever machines a batch
// system offers; `raftsim chaos merge` adds their reports up into the one
// report a single run of all the seeds would give (apart from the timing
// lines, where the shards' wall times are added up).

// Range is a run of consecutive seeds: Start, Start+1, ..., Start+Seeds-1.
type Range struct {
	Start uint64
	Seeds int
}

func (r Range) last() uint64 { return r.Start + uint64(r.Seeds) - 1 }

// ranges returns the seeds the summary covers (one range when it was not
// merged).
func (s Summary) ranges() []Range {
	if len(s.Ranges) == 0 && s.Seeds > 0 {
		return []Range{{Start: s.Config.Start, Seeds: s.Seeds}}
	}
	return s.Ranges
}

// rangeText words the seeds run: "1..500", "1..500, 1001..1500".
func (s Summary) rangeText() string {
	var parts []string
	for _, r := range s.ranges() {
		parts = append(parts, fmt.Sprintf("%d..%d", r.Start, r.last()))
	}
	return strings.Join(parts, ", ")
}

// ReadSummary reads a report that `raftsim chaos --json` (or `chaos merge
// --json`) wrote. name says where it came from, for the errors.
func ReadSummary(r io.Reader, name string) (Summary, error) {
	var j jsonSummary
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return Summary{}, fmt.Errorf("%s: not a chaos --json report: %w", name, err)
	}
	if j.Seeds < 1 {
		return Summary{}, fmt.Errorf("%s: a report of %d seeds", name, j.Seeds)
	}
	s := Summary{
		Config: Config{Seeds: j.Seeds, Start: j.Start, Servers: j.Servers, Duration: time.Duration(j.DurationMS) * time.Millisecond, Bug: j.Bug, LeaseRead: j.LeaseRead},
		Seeds:  j.Seeds, Faults: map[Fault]int{}, ByKind: map[Verdict]int{}, Ops: j.Operations,
		SimTime: seconds(j.SimSeconds), Watched: seconds(j.WatchedSeconds), Wall: seconds(j.WallSeconds),
	}
	if s.Config.Bug == "even-majority" && s.Config.Servers == 4 {
		s.Config.Servers = 0 // the report names the size that bug always chooses
	}
	n := 0
	for _, r := range j.Ranges {
		if r[1] < 1 || r[0]+r[1]-1 < r[0] {
			return Summary{}, fmt.Errorf("%s: bad seed range %d+%d", name, r[0], r[1])
		}
		s.Ranges = append(s.Ranges, Range{Start: r[0], Seeds: int(r[1])})
		n += int(r[1])
	}
	if len(s.Ranges) == 0 { // a report without ranges covers start..start+seeds-1
		s.Ranges, n = []Range{{Start: j.Start, Seeds: j.Seeds}}, j.Seeds
	}
	if n != j.Seeds {
		return Summary{}, fmt.Errorf("%s: its ranges hold %d seeds, not %d", name, n, j.Seeds)
	}
	if len(j.FaultKinds) > 0 && len(j.FaultKinds) < len(AllFaults) {
		for _, f := range j.FaultKinds {
			s.Config.Faults = append(s.Config.Faults, Fault(f))
		}
	}
	for f, c := range j.Faults {
		s.Faults[Fault(f)] = c
	}
	for _, v := range Violations {
		s.ByKind[v] = j.ViolationsByKind[v.String()]
	}
	s.ByKind[Unjudged] = j.Unjudged
	s.ByKind[Expected] = j.Expected
	for _, f := range j.Failures {
		v, ok := verdictNamed(f.Verdict)
		if !ok {
			return Summary{}, fmt.Errorf("%s: seed %d has an unknown verdict %q", name, f.Seed, f.Verdict)
		}
		s.Results = append(s.Results, SeedResult{
			Seed: f.Seed, Outcome: Outcome{Verdict: v}, ReplayOutcome: Outcome{Verdict: v, Detail: f.Detail},
			File: f.File, ReplayLines: f.Lines, ReplayFaults: f.Faults, Lines: f.GeneratedLines,
			Faults: map[Fault]int{"": f.GeneratedFaults}, // only their number is known
		})
	}
	return s, nil
}

// seconds reads a JSON number of seconds back to the nanosecond it was.
func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

func verdictNamed(name string) (Verdict, bool) {
	for v := Pass; v <= Expected; v++ {
		if v.String() == name {
			return v, true
		}
	}
	return 0, false
}

// Merge adds the reports of shards of one campaign up. The shards must
// share the settings that decide a seed's schedule (servers, duration,
// fault kinds, bug) and must not overlap; gaps between them are allowed
// and the merged report names its ranges.
func Merge(parts []Summary) (Summary, error) {
	if len(parts) == 0 {
		return Summary{}, errors.New("merge: no reports")
	}
	first := parts[0].Config
	m := Summary{Config: first, Faults: map[Fault]int{}, ByKind: map[Verdict]int{}}
	m.Config.Out, m.Config.Workers, m.Config.Progress = "", 0, nil
	for i, p := range parts {
		c := p.Config
		if settings(c) != settings(first) {
			return Summary{}, fmt.Errorf("merge: report %d ran other settings (%s) than report 1 (%s): its seeds would not be the same campaign", i+1, settings(c), settings(first))
		}
		m.Seeds += p.Seeds
		m.Ranges = append(m.Ranges, p.ranges()...)
		for f, n := range p.Faults {
			m.Faults[f] += n
		}
		for v, n := range p.ByKind {
			m.ByKind[v] += n
		}
		m.Ops += p.Ops
		m.SimTime += p.SimTime
		m.Watched += p.Watched
		m.Wall += p.Wall
		m.Results = append(m.Results, p.Results...)
	}
	slices.SortFunc(m.Ranges, func(a, b Range) int { return cmp.Compare(a.Start, b.Start) })
	joined := m.Ranges[:1]
	for _, r := range m.Ranges[1:] {
		last := &joined[len(joined)-1]
		switch {
		case r.Start <= last.last():
			return Summary{}, fmt.Errorf("merge: seeds %d..%d are in two reports (%d..%d and %d..%d): a seed counted twice would skew the totals",
				r.Start, min(r.last(), last.last()), last.Start, last.last(), r.Start, r.last())
		case r.Start == last.last()+1:
			last.Seeds += r.Seeds
		default:
			joined = append(joined, r)
		}
	}
	m.Ranges = joined
	m.Config.Start, m.Config.Seeds = m.Ranges[0].Start, m.Seeds
	slices.SortFunc(m.Results, func(a, b SeedResult) int { return cmp.Compare(a.Seed, b.Seed) })
	return m, nil
}

// settings words the fields of c that shape a seed's schedule.
func settings(c Config) string {
	servers := "3-5"
	if c.Servers > 0 {
		servers = fmt.Sprint(c.Servers)
	}
	faults := "all"
	if c.Faults != nil {
		var names []string
		for _, f := range AllFaults {
			if c.wants(f) {
				names = append(names, string(f))
			}
		}
		faults = strings.Join(names, ",")
	}
	bug := c.Bug
	if bug == "" {
		bug = "none"
	}
	lease := ""
	if c.LeaseRead {
		lease = ", lease reads on every seed"
	}
	return fmt.Sprintf("servers %s, duration %s, faults %s, bug %s%s", servers, fmtDur(c.Duration), faults, bug, lease)
}
