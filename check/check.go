package check

import (
	"fmt"
	"strings"
	"time"
)

// Verdict is the outcome of a linearizability check.
type Verdict uint8

// Verdicts.
const (
	OK        Verdict = iota // linearizable: some order of the operations explains every result
	Violation                // not linearizable: no order does, a client saw something impossible
	Unknown                  // no violation found, but part of the history could not be decided within the budget
)

func (v Verdict) String() string {
	switch v {
	case OK:
		return "linearizable"
	case Violation:
		return "not linearizable"
	case Unknown:
		return "unknown"
	}
	return "verdict?"
}

// Budget bounds the linearizability search by counts, never by time, so
// that a verdict is the same on every machine. Each key's history is cut
// at its quiescent points (moments with no operation of the key in
// flight) into windows, searched one at a time; what a window costs is
// bounded by both numbers.
type Budget struct {
	// Window is the most operations searched at once. A stretch of one
	// key's history with always an operation in flight, longer than
	// this, is not searched: it is reported as undecided.
	Window int
	// Steps is the most search steps spent on one window (a step tries
	// one operation against the model in one state). A window the search
	// cannot settle within them is reported as undecided.
	Steps int
}

// DefaultBudget is what the shell and chaos use. The search's memory is
// its cache, a bitset of the window for each state it reaches, so one
// window costs at most about Steps × Window / 8 bytes: 256 MB at the
// worst, whatever the length of the history. An ordinary load's window is
// tens of operations and settles in a few steps per operation.
var DefaultBudget = Budget{Window: 4096, Steps: 500_000}

// Undecided is a stretch of one key's history the search could not
// decide, and why.
type Undecided struct {
	Key      string
	From, To time.Duration // the first call and the last return of the window (Infinity: still open)
	Ops      int           // its operations
	Reason   string        // e.g. "the search took more than 500000 steps"
}

// Result is what Linearizable found.
type Result struct {
	Verdict Verdict
	// Ops counts the operations checked: completed ones, and writes whose
	// outcome is unknown.
	Ops int
	// Pending counts the writes whose outcome is unknown (checked as
	// possibly applied); Dropped counts reads without a result (ignored).
	Pending, Dropped int
	Keys             int // distinct keys checked
	Windows          int // the windows the keys' histories were cut into
	// BadKeys lists the keys whose history is not linearizable, in order;
	// Key is the first of them, and Explanation says what went wrong there.
	BadKeys     []string
	Key         string
	Explanation string
	// Undecided lists, in key order, the windows the budget could not
	// decide. A violation is reported as such even when other windows are
	// undecided; with no violation, any undecided window makes the
	// verdict Unknown.
	Undecided []Undecided
}

// String is a one-line summary, e.g. "not linearizable on key a: ...".
func (r Result) String() string {
	ops := plural(r.Ops, "operation") + " on " + plural(r.Keys, "key")
	if r.Pending > 0 {
		ops += fmt.Sprintf(", %d without a reply", r.Pending)
	}
	switch r.Verdict {
	case OK:
		return "linearizable (" + ops + ")"
	case Unknown:
		return "no verdict (" + ops + "): no violation found, but " + r.undecidedText()
	}
	s := "not linearizable on key " + r.Key
	if len(r.BadKeys) > 1 {
		s = "not linearizable on keys " + strings.Join(r.BadKeys, ", ")
	}
	if r.Explanation != "" {
		s += ": " + r.Explanation
	}
	if len(r.Undecided) > 0 {
		s += " (and " + r.undecidedText() + ")"
	}
	return s
}

// undecidedText says which windows were not decided and why, the first
// three in full: "2 stretches were not decided: key k1 from 1.200s to
// 3.400s (5000 operations): ...".
func (r Result) undecidedText() string {
	var b strings.Builder
	if len(r.Undecided) == 1 {
		b.WriteString("1 stretch was not decided: ")
	} else {
		fmt.Fprintf(&b, "%d stretches were not decided: ", len(r.Undecided))
	}
	for i, u := range r.Undecided {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(r.Undecided)-3)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		to := "the end (a write without a reply keeps it open)"
		if u.To != Infinity {
			to = secs(u.To)
		}
		fmt.Fprintf(&b, "key %s from %s to %s (%s): %s", u.Key, secs(u.From), to, plural(u.Ops, "operation"), u.Reason)
	}
	return b.String()
}

// Linearizable checks the history against the key/value model, one key
// and one window at a time, within budget b. The error is for a
// malformed history.
func Linearizable(ops []Operation, b Budget) (Result, error) {
	r, _, _, err := run(ops, b, false)
	return r, err
}

// run is Linearizable; it also returns each key's history and what the
// search found on it (with the transitions of every window, if paths).
func run(ops []Operation, b Budget, paths bool) (Result, []*keyHistory, []keyResult, error) {
	if err := validate(ops); err != nil {
		return Result{}, nil, nil, err
	}
	keys := byKey(ops)
	r := Result{Keys: len(keys)}
	for _, op := range ops {
		switch {
		case op.Completed:
			r.Ops++
		case op.Kind == Get:
			r.Dropped++
		default:
			r.Ops++
			r.Pending++
		}
	}
	results := make([]keyResult, len(keys))
	for i, k := range keys {
		kr := k.check(b, paths)
		results[i] = kr
		r.Windows += len(k.windows)
		r.Undecided = append(r.Undecided, kr.undecided...)
		if kr.bad < 0 {
			continue
		}
		r.BadKeys = append(r.BadKeys, k.key)
		if r.Key == "" {
			r.Key = k.key
			r.Explanation = k.explain(kr, b)
		}
	}
	switch {
	case len(r.BadKeys) > 0:
		r.Verdict = Violation
	case len(r.Undecided) > 0:
		r.Verdict = Unknown
	}
	return r, keys, results, nil
}

// plural writes "1 key", "3 keys".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
