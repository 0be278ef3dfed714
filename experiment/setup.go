// Package experiment reproduces the leader-election measurements of the
// Raft paper (§9.3, Figure 16) and of Ongaro's dissertation (chapter 9) on
// the simulated cluster: the time from a leader's crash to a new leader,
// over many trials, per election-timeout range, network and protocol
// variant.
//
// Every trial is a script: the driver calls the simulator exactly as the
// shell's commands do and records those commands, so any trial can be
// written out and replayed with `raftsim run` (Trial.Script). Trials are
// independent and deterministic by their seed, so they run in parallel on
// every core and the results do not depend on the number of workers.
package experiment

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"raftsim/sim"
)

// Range is a range of durations [Min, Max); Min = Max is a constant.
type Range struct{ Min, Max time.Duration }

// String writes the range the way the paper labels its lines: "150-155"
// in milliseconds, or one number for a constant network latency.
func (r Range) String() string {
	return msText(r.Min) + "-" + msText(r.Max)
}

// latencyString writes a latency: one number when it is constant.
func (r Range) latencyString() string {
	if r.Min == r.Max {
		return msText(r.Min) + "ms"
	}
	return r.String() + "ms"
}

// ms writes d in milliseconds, without a unit and without trailing zeros.
func msText(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64)
}

// ParseRange reads MIN-MAX in milliseconds ("150-155", "0.5-1.5") or with
// units ("150ms-155ms"); a single value is a constant (Min = Max).
func ParseRange(s string) (Range, error) {
	s = strings.TrimSpace(s)
	lo, hi, two := strings.Cut(s, "-")
	if !two {
		hi = lo
	}
	a, err := parseMS(lo)
	if err != nil {
		return Range{}, fmt.Errorf("range %q: %v", s, err)
	}
	b, err := parseMS(hi)
	if err != nil {
		return Range{}, fmt.Errorf("range %q: %v", s, err)
	}
	if b < a {
		return Range{}, fmt.Errorf("range %q: the maximum is below the minimum", s)
	}
	return Range{a, b}, nil
}

// ParseRanges reads a comma-separated list of ranges.
func ParseRanges(s string) ([]Range, error) {
	var out []Range
	for _, f := range strings.Split(s, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		r, err := ParseRange(f)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no range given (write MIN-MAX in ms, e.g. 150-300)")
	}
	return out, nil
}

func parseMS(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f < 0 || f > 1e6 {
			return 0, fmt.Errorf("%s ms is out of range (0 to 1000000)", s)
		}
		return time.Duration(f * float64(time.Millisecond)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q (a bare number is milliseconds)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return d, nil
}

// Setup is everything one line of an experiment fixes; each trial adds
// only its seed.
type Setup struct {
	Servers int   // cluster size (the leader is one of them)
	Timeout Range // election timeouts, uniform in [Min, Max)
	// Heartbeat is the leader's heartbeat interval; 0 is half the minimum
	// election timeout, as in every test of the paper.
	Heartbeat time.Duration
	Latency   Range         // one-way network latency, uniform in [Min, Max)
	Fsync     time.Duration // time to make a write durable (a vote, a term, entries)
	// Failed is how many servers besides the leader are down when it
	// crashes (the dissertation's WAN runs have one or two failures in
	// all, leader included).
	Failed int
	// Lagging makes the servers' logs differ in length, so that some
	// servers cannot win (§9.3: "to generate a worst-case scenario").
	Lagging bool
	// CrashWithin crashes the leader at a time uniform within its heartbeat
	// interval (Figure 16); without it the leader crashes right after a
	// heartbeat, so every timer starts together (the dissertation's
	// simulations of split votes).
	CrashWithin bool
	Variant     Variant
	// Cap bounds a trial's wait for a new leader in virtual time; a trial
	// that reaches it is censored (it counts as slower than every other).
	Cap time.Duration
}

// heartbeat is the heartbeat interval in force.
func (s Setup) heartbeat() time.Duration {
	if s.Heartbeat > 0 {
		return s.Heartbeat
	}
	return max(s.Timeout.Min/2, time.Microsecond)
}

// Validate checks a setup before any trial runs.
func (s Setup) Validate() error {
	switch {
	case s.Servers < 3 || s.Servers > 99:
		return fmt.Errorf("servers: %d is out of range (3 to 99)", s.Servers)
	case s.Timeout.Min <= 0:
		return fmt.Errorf("timeouts: %v: the minimum must be positive", s.Timeout)
	case s.heartbeat() >= s.Timeout.Min:
		return fmt.Errorf("heartbeat %v must be below the minimum election timeout %v", s.heartbeat(), s.Timeout.Min)
	case s.Failed < 0 || s.Servers-(s.Failed+1) < s.Servers/2+1:
		return fmt.Errorf("failed: with %d of %d servers down no majority is left to elect a leader", s.Failed+1, s.Servers)
	case s.Fsync < 0:
		return fmt.Errorf("fsync must not be negative")
	case s.Cap <= 0:
		return fmt.Errorf("the cap on a trial must be positive")
	}
	if s.Lagging && s.Servers-(s.Failed+1) < 3 {
		return fmt.Errorf("logs of different lengths need at least 3 live servers after the crash")
	}
	if _, ok := variants[s.Variant]; !ok {
		return fmt.Errorf("unknown variant %q (variants: %s)", s.Variant, strings.Join(VariantNames(), ", "))
	}
	return nil
}

// Variant names a version of the protocol to compare.
type Variant string

// The variants: the paper's Figure 2 alone, and with the dissertation's
// extensions for elections, pre-vote (§9.6) and check-quorum (§6.2, with
// the §4.2.3 rule that a server that heard from a leader recently ignores
// vote requests).
const (
	Classic     Variant = "classic"
	PreVote     Variant = "prevote"
	CheckQuorum Variant = "checkquorum"
	Both        Variant = "prevote+checkquorum"
)

// variant is how a Variant starts its servers: the startServers words a
// script passes, so a replay runs the same protocol, and the same options
// for the simulator.
type variant struct {
	words                string
	preVote, checkQuorum bool
}

var variants = map[Variant]variant{
	Classic:     {"classic", false, false},
	PreVote:     {"preVote=true checkQuorum=false", true, false},
	CheckQuorum: {"preVote=false checkQuorum=true", false, true},
	Both:        {"preVote=true checkQuorum=true", true, true},
}

// VariantNames lists the variants, in order.
func VariantNames() []string {
	return []string{string(Classic), string(PreVote), string(CheckQuorum), string(Both)}
}

// ParseVariants reads a comma-separated list of variant names.
func ParseVariants(s string) ([]Variant, error) {
	var out []Variant
	for _, f := range strings.Split(s, ",") {
		v := Variant(strings.ToLower(strings.TrimSpace(f)))
		if v == "" {
			continue
		}
		if _, ok := variants[v]; !ok {
			return nil, fmt.Errorf("unknown variant %q (variants: %s)", v, strings.Join(VariantNames(), ", "))
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no variant given (variants: %s)", strings.Join(VariantNames(), ", "))
	}
	return out, nil
}

// netRule is the latency rule of the setup, as `net latency=...` sets it.
func (s Setup) netRule() (sim.NetRule, string, error) {
	text := "latency=" + fmtDur(s.Latency.Min) + "-" + fmtDur(s.Latency.Max)
	var r sim.NetRule
	err := sim.ParseNetSetting(&r, "latency", fmtDur(s.Latency.Min)+"-"+fmtDur(s.Latency.Max))
	return r, text, err
}

// fmtDur writes a duration exactly, in a form the shell reads back.
func fmtDur(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return strings.ReplaceAll(d.String(), "µs", "us")
}
