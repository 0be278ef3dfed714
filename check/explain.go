package check

import (
	"fmt"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"
)

// explain says, for a student, why one key's history is not linearizable.
// It takes porcupine's longest partial linearization (the most operations
// some order explains), finds the operation that should come next (the
// earliest to return among the rest) and says why it cannot: what it saw
// against what the key held, and, when it is recognisable, the kind of
// anomaly (a stale read, a lost write, a value nobody wrote).
func explain(ops []Operation, timeout time.Duration) string {
	conv, kept, err := convert(ops)
	if err != nil || len(conv) == 0 {
		return ""
	}
	_, info := porcupine.CheckOperationsVerbose(single, conv, timeout)
	parts := info.PartialLinearizations()
	if len(parts) == 0 {
		return ""
	}
	best, next := pickPartial(parts[0], conv)
	if next < 0 {
		return fmt.Sprintf("no order of its %d operations explains every result", len(conv))
	}
	state := ""
	for _, id := range best {
		_, state = step(state, conv[id].Input.(input), conv[id].Output.(output))
	}
	op := kept[next]
	s := fmt.Sprintf("%s %s cannot be ordered", describeOp(conv[next]), when(op))
	// refused: the state itself rules the operation out (not just the
	// real-time order of the others).
	ok, _ := step(state, conv[next].Input.(input), conv[next].Output.(output))
	switch {
	case len(best) == 0:
		s += fmt.Sprintf(" first, when %s = %s", op.Key, show(state))
	case len(best) == 1:
		s += fmt.Sprintf(": the only operation that can be ordered before it is %s %s", describeOp(conv[best[0]]), when(kept[best[0]]))
	default:
		last := best[len(best)-1]
		s += fmt.Sprintf(": the longest order found has %d operations and ends with %s %s", len(best), describeOp(conv[last]), when(kept[last]))
	}
	if !ok && len(best) > 0 {
		s += fmt.Sprintf(", leaving %s = %s", op.Key, show(state))
	}
	if why := anomaly(op, kept, best); why != "" {
		s += "; " + why
	}
	return s
}

// pickPartial chooses, among porcupine's partial linearizations, a longest
// one, preferring one after which the next operation (the earliest to
// return that it leaves out) is refused by the model outright: that is the
// clearest story. Ties go to the smallest sequence of ids, so the choice
// does not depend on porcupine's map order. It returns the partial and the
// next operation's index (-1 if none is left out).
func pickPartial(partials [][]int, conv []porcupine.Operation) ([]int, int) {
	type cand struct {
		seq     []int
		next    int
		refused bool
	}
	var best *cand
	for _, p := range partials {
		c := cand{seq: p, next: nextOp(p, conv)}
		if c.next >= 0 {
			state := ""
			for _, id := range p {
				_, state = step(state, conv[id].Input.(input), conv[id].Output.(output))
			}
			ok, _ := step(state, conv[c.next].Input.(input), conv[c.next].Output.(output))
			c.refused = !ok
		}
		switch {
		case best == nil,
			len(c.seq) > len(best.seq),
			len(c.seq) == len(best.seq) && c.refused && !best.refused,
			len(c.seq) == len(best.seq) && c.refused == best.refused && slices.Compare(c.seq, best.seq) < 0:
			best = &c
		}
	}
	if best == nil {
		return nil, -1
	}
	return best.seq, best.next
}

// nextOp returns the operation left out of seq that returns first (ties:
// the earlier call, then the lower index), or -1.
func nextOp(seq []int, conv []porcupine.Operation) int {
	in := make([]bool, len(conv))
	for _, id := range seq {
		in[id] = true
	}
	next := -1
	for i, op := range conv {
		if in[i] {
			continue
		}
		if next < 0 || op.Return < conv[next].Return || (op.Return == conv[next].Return && op.Call < conv[next].Call) {
			next = i
		}
	}
	return next
}

// anomaly names what a refused read saw, when it is one of the classic
// anomalies: the value it returned was overwritten by a write that
// finished before the read began (a stale read), the key read as absent
// although a write had finished (a stale read of the initial state, or a
// write lost: one read cannot tell which), or nobody wrote that value.
func anomaly(op Operation, kept []Operation, prefix []int) string {
	if op.Kind != Get || !op.Completed {
		return ""
	}
	v := op.Output
	wrote := func(o Operation) (string, bool) {
		switch o.Kind {
		case Set:
			return o.Value, true
		case CAS:
			if !o.Completed || o.Output == "true" {
				return o.Value, true
			}
		case Del:
			return "", true
		}
		return "", false
	}
	// The last write in the linearized prefix that finished before the
	// read began: the read must see it or something later.
	var last *Operation
	for _, id := range prefix {
		o := kept[id]
		if w, ok := wrote(o); ok && o.Completed && o.Return < op.Call && w != v {
			last = &kept[id]
		}
	}
	everWritten := v == ""
	for _, o := range kept {
		if w, ok := wrote(o); ok && w == v {
			everWritten = true
		}
	}
	switch {
	case !everWritten:
		return fmt.Sprintf("no operation ever wrote %s", show(v))
	case last == nil:
		return ""
	case v == "":
		return fmt.Sprintf("the key read as absent although %s had returned at %s, before this read began: a stale read, or a lost write", describeKept(*last), secs(last.Return))
	}
	return fmt.Sprintf("a stale read: %s had been overwritten by %s, which returned at %s, before this read began", show(v), describeKept(*last), secs(last.Return))
}

func describeOp(op porcupine.Operation) string {
	return "`" + describe(op.Input.(input), op.Output.(output)) + "`"
}

func describeKept(op Operation) string {
	return describeOp(porcupine.Operation{
		Input:  input{kind: op.Kind, key: op.Key, value: op.Value, old: op.Old},
		Output: output{known: op.Completed, value: op.Output},
	})
}

// when says who issued an operation and when: "(client 1001, 1.200s-1.215s)".
func when(op Operation) string {
	if !op.Completed {
		return fmt.Sprintf("(client %d, called %s, no reply)", op.Client, secs(op.Call))
	}
	return fmt.Sprintf("(client %d, %s-%s)", op.Client, secs(op.Call), secs(op.Return))
}

// secs renders a virtual time in seconds, to the microsecond when the
// millisecond would hide an ordering.
func secs(d time.Duration) string {
	if d%time.Millisecond == 0 {
		return fmt.Sprintf("%.3fs", d.Seconds())
	}
	return fmt.Sprintf("%.6fs", d.Seconds())
}
