package chaos

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// LineKind says what role a line plays in a chaos script. It decides what
// the shrinker may remove and how a failure on the line is judged.
type LineKind uint8

// Line kinds.
const (
	KindHeader LineKind = iota // a comment naming the seed and the flags
	KindSetup                  // seed, startServers, load: the fixed world
	KindFault                  // breaks something: crash, partition, cut, net, disk, membership
	KindUndo                   // mends something: restart, heal, net/disk back to normal
	KindClient                 // a client request of the schedule
	KindRun                    // advances the clock
	KindCheck                  // a final check: expect, until
	KindNote                   // a comment saying why the next check was added
)

// Line is one shell command of a chaos script, with what the runner knows
// about it.
type Line struct {
	Text string
	Kind LineKind
	// Fault is the fault kind a KindFault line injects (for the counts).
	Fault Fault
	// ID names the line for Dep; it is unique within a script.
	ID int
	// Dep is the ID of a line this one cannot run without (a restart needs
	// its crash), or 0. Removing that line removes this one too.
	Dep int
	// Verdict is the kind of violation a failing KindCheck line reports.
	Verdict Verdict
	// During marks a check of liveness during faults (during.go): it is
	// run only where the run shows the violation it was added for.
	During int
}

// Script is a chaos run as the shell commands it is made of.
type Script struct {
	Seed  uint64
	Lines []Line
}

// Text renders the script as a .raft file, one command a line.
func (sc Script) Text() string {
	var b strings.Builder
	for _, l := range sc.Lines {
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// Faults counts the fault lines of the script by kind.
func (sc Script) Faults() map[Fault]int {
	m := map[Fault]int{}
	for _, l := range sc.Lines {
		if l.Kind == KindFault && l.Dep == 0 {
			m[l.Fault]++
		}
	}
	return m
}

// NumFaults is the number of faults. A fault line that depends on another
// (the second link of a bridge) is part of that fault.
func (sc Script) NumFaults() int {
	n := 0
	for _, l := range sc.Lines {
		if l.Kind == KindFault && l.Dep == 0 {
			n++
		}
	}
	return n
}

// without returns the script minus the lines whose IDs are in drop and
// every line that depends, directly or not, on a dropped one.
func (sc Script) without(drop map[int]bool) Script {
	gone := make(map[int]bool, len(drop))
	for id := range drop {
		gone[id] = true
	}
	out := Script{Seed: sc.Seed, Lines: make([]Line, 0, len(sc.Lines))}
	// Lines depend only on earlier lines, so one pass closes the set.
	for _, l := range sc.Lines {
		if gone[l.ID] || (l.Dep != 0 && gone[l.Dep]) {
			gone[l.ID] = true
			continue
		}
		out.Lines = append(out.Lines, l)
	}
	return out
}

// removable lists the IDs of the lines the shrinker may try to remove: all
// but the header, the setup and the checks.
func (sc Script) removable() []int {
	var ids []int
	for _, l := range sc.Lines {
		switch l.Kind {
		case KindFault, KindUndo, KindClient, KindRun:
			ids = append(ids, l.ID)
		}
	}
	return ids
}

// mergeRuns joins adjacent `run` lines into one. `run a` then `run b` is
// the same run as `run a+b`: the simulation processes the same events in
// the same order and ends at the same time, so this changes no outcome.
func (sc Script) mergeRuns() Script {
	out := Script{Seed: sc.Seed, Lines: make([]Line, 0, len(sc.Lines))}
	for _, l := range sc.Lines {
		if n := len(out.Lines); n > 0 && l.Kind == KindRun && out.Lines[n-1].Kind == KindRun {
			a, okA := runDuration(out.Lines[n-1].Text)
			b, okB := runDuration(l.Text)
			if okA && okB {
				out.Lines[n-1].Text = runLine(a + b)
				continue
			}
		}
		out.Lines = append(out.Lines, l)
	}
	return out
}

// runLine is the command that advances the clock by d: "run " and
// fmtDur(d), made in one allocation (the generator folds its many short
// runs into one line, and writes the line again at each fold).
func runLine(d time.Duration) string {
	var b [32]byte
	return string(appendDur(append(b[:0], "run "...), d))
}

// runDuration parses a line written by runLine.
func runDuration(text string) (time.Duration, bool) {
	rest, ok := strings.CutPrefix(text, "run ")
	if !ok {
		return 0, false
	}
	// The fast path reads what fmtDur writes (the generator folds many
	// short runs, and parses each); anything else goes to ParseDuration.
	num, unit := rest, time.Duration(0)
	if n, ok := strings.CutSuffix(rest, "ms"); ok {
		num, unit = n, time.Millisecond
	} else if n, ok := strings.CutSuffix(rest, "s"); ok {
		num, unit = n, time.Second
	}
	if v, err := strconv.ParseInt(num, 10, 64); err == nil && unit > 0 && v > 0 && num[0] != '+' && v <= int64(math.MaxInt64/unit) {
		return time.Duration(v) * unit, true
	}
	d, err := time.ParseDuration(rest)
	return d, err == nil && d > 0
}

// fmtDur writes a duration the shell reads back exactly: whole seconds as
// "2s", anything else in milliseconds (chaos never uses finer steps).
func fmtDur(d time.Duration) string {
	var b [24]byte
	return string(appendDur(b[:0], d))
}

// appendDur appends fmtDur(d) to b.
func appendDur(b []byte, d time.Duration) []byte {
	ms := d.Milliseconds()
	if ms%1000 == 0 {
		return append(strconv.AppendInt(b, ms/1000, 10), 's')
	}
	return append(strconv.AppendInt(b, ms, 10), "ms"...)
}

// rows counts the commands of the script: its lines but the comments.
func (sc Script) rows() int {
	n := 0
	for _, l := range sc.Lines {
		if l.Kind != KindHeader && l.Kind != KindNote {
			n++
		}
	}
	return n
}
