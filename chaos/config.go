// Package chaos runs raftsim clusters through random faults, seed after
// seed, and judges each run: safety, linearizability and liveness.
//
// A chaos run for a seed is a script: ordinary shell command lines,
// generated deterministically from the seed and the flags and executed
// through a session.Session, the same code path as `raftsim run FILE`. The
// script of a failing seed is therefore its own replay; the runner shrinks
// it by delta debugging to the fewest faults that still fail and writes it
// out.
package chaos

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Fault is a kind of fault the schedule may inject.
type Fault string

// Fault kinds, as --faults names them.
const (
	FaultPartition  Fault = "partition"
	FaultCut        Fault = "cut"
	FaultCrash      Fault = "crash"
	FaultNet        Fault = "net"
	FaultDisk       Fault = "disk"
	FaultMembership Fault = "membership"
	// FaultBridge is a partial partition: two sides that cannot reach
	// each other, and one server that reaches both.
	FaultBridge Fault = "bridge"
	// FaultSnapshot is a snapshot forced on a server (`snapshot ID`, §7):
	// not a failure, but a moment Raft's compaction must survive.
	FaultSnapshot Fault = "snapshot"
	// FaultTransfer is a leadership transfer (dissertation §3.10), often
	// to a server that lags or cannot answer.
	FaultTransfer Fault = "transfer"
	// FaultClock makes a server's clock drift; only seeds with lease reads
	// (§6.4.1) have it, since nothing else depends on clocks agreeing.
	FaultClock Fault = "clock"
)

// AllFaults lists every fault kind in the order reports show them.
var AllFaults = []Fault{FaultPartition, FaultCut, FaultCrash, FaultNet, FaultDisk, FaultMembership, FaultBridge, FaultSnapshot, FaultTransfer, FaultClock}

// Verdict is the judgement of one seed.
type Verdict uint8

// Verdicts. Safety, Linearizability and Liveness are violations; Unjudged
// means the run could not be judged (a command failed, a check gave up).
const (
	Pass Verdict = iota
	Safety
	Linearizability
	Liveness
	Unjudged
	// Expected is a linearizability violation of a seed whose clocks
	// drifted beyond the bound its lease reads allow for (§6.4.1): the
	// lease promises nothing then, so it is reported, not counted as a
	// broken promise of Raft.
	Expected
)

// Violations lists the violation kinds in report order.
var Violations = []Verdict{Safety, Linearizability, Liveness}

func (v Verdict) String() string {
	switch v {
	case Pass:
		return "pass"
	case Safety:
		return "safety"
	case Linearizability:
		return "linearizability"
	case Liveness:
		return "liveness"
	case Unjudged:
		return "unjudged"
	case Expected:
		return "expected"
	}
	return fmt.Sprintf("verdict(%d)", v)
}

// IsViolation says whether v is a broken promise of Raft.
func (v Verdict) IsViolation() bool { return v == Safety || v == Linearizability || v == Liveness }

// Config is what the chaos command line chooses. The schedule of a seed is
// a function of the seed and these fields only (Workers and Out change
// nothing in it).
type Config struct {
	Seeds int    // how many seeds
	Start uint64 // the first seed
	// Servers is the cluster size; 0 lets each seed choose 3, 4 or 5
	// (always 4 with the even-majority bug, whose mistake needs an even
	// cluster).
	Servers  int
	Duration time.Duration // virtual time of the fault phase
	Faults   []Fault       // the kinds to inject; nil: every kind available
	Bug      string        // planted bug name ("" for the correct Raft)
	Out      string        // where failing seeds' scripts go ("" writes nothing)
	Workers  int           // parallel seeds; 0: runtime.NumCPU()
	NoShrink bool          // write failing scripts as generated
	// Progress, if set, is called after each seed with the number done
	// so far and the total, from the workers' goroutines (the counts may
	// arrive out of order).
	Progress func(done, total int)
	// LeaseRead runs every seed with lease reads (§6.4.1) and clock drift;
	// without it one correct-Raft seed in four does (seeds 2 mod 4).
	LeaseRead bool
}

// Defaults of the command line.
const (
	DefaultSeeds    = 100
	DefaultDuration = 10 * time.Second
	DefaultOut      = "chaos-out"
	maxServers      = 9
	maxDuration     = time.Hour
)

// Bugs are the planted bugs (package bugs) chaos knows how to provoke
// (docs/language.md, "Planted bugs").
var Bugs = []string{"figure8", "forget-vote", "stale-read", "short-log-vote", "even-majority", "snapshot-drops-log", "transfer-behind", "lease-no-drift", "joint-new-majority"}

// ParseFaults reads a comma-separated --faults list.
func ParseFaults(s string) ([]Fault, error) {
	if strings.TrimSpace(s) == "" || s == "all" {
		return nil, nil
	}
	var out []Fault
	for _, part := range strings.Split(s, ",") {
		f := Fault(strings.ToLower(strings.TrimSpace(part)))
		if !slices.Contains(AllFaults, f) {
			names := make([]string, len(AllFaults))
			for i, a := range AllFaults {
				names[i] = string(a)
			}
			return nil, fmt.Errorf("--faults: unknown fault kind %q (kinds: %s)", part, strings.Join(names, ","))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// Validate checks the configuration and fills in defaults.
func (c *Config) Validate() error {
	if c.Seeds < 1 || c.Seeds > 100_000_000 {
		return fmt.Errorf("--seeds %d is out of range (1 to 100000000)", c.Seeds)
	}
	if last := c.Start + uint64(c.Seeds) - 1; last < c.Start {
		// Seeds near 2^64 would wrap around to 0.
		return fmt.Errorf("--start %d with --seeds %d runs past the last seed, %d (start at most %d)", c.Start, c.Seeds, uint64(math.MaxUint64), uint64(math.MaxUint64)-uint64(c.Seeds)+1)
	}
	if c.Servers != 0 && (c.Servers < 1 || c.Servers > maxServers) {
		return fmt.Errorf("--servers %d is out of range (1 to %d)", c.Servers, maxServers)
	}
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if c.Duration < 100*time.Millisecond || c.Duration > maxDuration {
		return fmt.Errorf("--duration %s is out of range (100ms to %s)", c.Duration, maxDuration)
	}
	if c.Duration%time.Millisecond != 0 {
		return fmt.Errorf("--duration %s: give whole milliseconds", c.Duration)
	}
	if c.Bug == "none" {
		c.Bug = ""
	}
	if c.Bug != "" && !slices.Contains(Bugs, c.Bug) {
		return fmt.Errorf("--bug %q is not a planted bug (bugs: %s)", c.Bug, strings.Join(Bugs, ", "))
	}
	if c.Out != "" {
		// The directory itself is made when missing, its parents never: a
		// typo in a path must not build a tree of directories silently.
		if parent := filepath.Dir(filepath.Clean(c.Out)); parent != "." {
			if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
				return fmt.Errorf("--out %s: the directory %s does not exist (create it first, or choose another --out)", c.Out, parent)
			}
		}
	}
	if c.Workers < 0 {
		return fmt.Errorf("workers %d must not be negative", c.Workers)
	}
	return nil
}

// wants says whether the configuration allows fault kind f.
func (c *Config) wants(f Fault) bool {
	return c.Faults == nil || slices.Contains(c.Faults, f)
}
