package check

import (
	"fmt"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// Verdict is the outcome of a linearizability check.
type Verdict uint8

// Verdicts.
const (
	OK        Verdict = iota // linearizable: some order of the operations explains every result
	Violation                // not linearizable: no order does, a client saw something impossible
	Unknown                  // the search ran out of time before deciding
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
	// BadKeys lists the keys whose history is not linearizable, in order;
	// Key is the first of them, and Explanation says what went wrong there.
	BadKeys     []string
	Key         string
	Explanation string
	// Elapsed is the wall time the check took.
	Elapsed time.Duration
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
		return "unknown: the check ran out of time (" + ops + ")"
	}
	s := "not linearizable on key " + r.Key
	if len(r.BadKeys) > 1 {
		s = "not linearizable on keys " + strings.Join(r.BadKeys, ", ")
	}
	if r.Explanation != "" {
		s += ": " + r.Explanation
	}
	return s
}

// Linearizable checks the history against the key/value model, one key at
// a time. A timeout of 0 means no limit; when the search runs out of time
// the verdict is Unknown. The error is for a malformed history.
func Linearizable(ops []Operation, timeout time.Duration) (Result, error) {
	start := time.Now()
	conv, kept, err := convert(ops)
	if err != nil {
		return Result{}, err
	}
	parts := partitionByKey(conv)
	r := Result{Ops: len(conv), Keys: len(parts), Dropped: len(ops) - len(conv)}
	for _, op := range kept {
		if !op.Completed {
			r.Pending++
		}
	}
	switch porcupine.CheckOperationsTimeout(Model, conv, timeout) {
	case porcupine.Ok:
		r.Verdict = OK
	case porcupine.Unknown:
		r.Verdict = Unknown
	default:
		r.Verdict = Violation
		// porcupine stops at the first bad partition it meets, in no fixed
		// order; look at every key again, in order, to name them all.
		r.BadKeys = badKeys(parts, remaining(start, timeout))
		if len(r.BadKeys) == 0 {
			r.Explanation = "no order of the operations explains the results (the per-key search ran out of time)"
			break
		}
		r.Key = r.BadKeys[0]
		var keyOps []Operation
		for _, op := range kept {
			if op.Key == r.Key {
				keyOps = append(keyOps, op)
			}
		}
		r.Explanation = explain(keyOps, remaining(start, timeout))
	}
	r.Elapsed = time.Since(start)
	return r, nil
}

// remaining is what is left of timeout since start: 0 (no limit) stays 0,
// and an exhausted budget still gets a moment, so that a verdict already
// known is not thrown away for want of a millisecond.
func remaining(start time.Time, timeout time.Duration) time.Duration {
	if timeout <= 0 {
		return 0
	}
	return max(timeout-time.Since(start), 10*time.Millisecond)
}

// single checks one key's history on its own.
var single = porcupine.Model{
	Init:                      Model.Init,
	Step:                      Model.Step,
	DescribeOperation:         Model.DescribeOperation,
	DescribeState:             Model.DescribeState,
	DescribeOperationMetadata: Model.DescribeOperationMetadata,
}

// badKeys returns the keys, in order, whose history is not linearizable.
func badKeys(parts [][]porcupine.Operation, timeout time.Duration) []string {
	var bad []string
	for _, p := range parts {
		if porcupine.CheckOperationsTimeout(single, p, timeout) == porcupine.Illegal {
			bad = append(bad, p[0].Input.(input).key)
		}
	}
	return bad
}

// plural writes "1 key", "3 keys".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
