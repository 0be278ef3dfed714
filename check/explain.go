package check

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// explain says, for a student, why one key's history is not
// linearizable. It searches the window no state explains again, from each
// state the key could hold when it began, and takes the longest partial
// linearization porcupine found (the most operations some order
// explains); it finds the operation that should come next (the earliest
// to return among the rest) and says why it cannot: what it saw against
// what the key held, and, when it is recognisable, the kind of anomaly (a
// stale read, a lost write, a value nobody wrote).
func (h *keyHistory) explain(kr keyResult, b Budget) string {
	w := h.windows[kr.bad]
	conv, kept := h.conv(w), h.kept(w[0], w[1])
	best, next, start := h.bestPartial(kr, b)
	if next < 0 {
		return fmt.Sprintf("no order of its %d operations explains every result", len(conv))
	}
	state := start
	for _, id := range best {
		_, state = stepState(state, conv[id].Input.(input), conv[id].Output.(output))
	}
	op := kept[next]
	s := fmt.Sprintf("%s %s cannot be ordered", describeOp(conv[next]), when(op))
	// refused: the state itself rules the operation out (not just the
	// real-time order of the others).
	ok, _ := stepState(state, conv[next].Input.(input), conv[next].Output.(output))
	switch {
	case len(best) == 0 && kr.bad == 0:
		s += fmt.Sprintf(" first, when %s = %s", op.Key, state)
	case len(best) == 0:
		s += fmt.Sprintf(" first after %s, when every earlier operation on %s had returned and it held %s", secs(kept[0].Call), op.Key, statesText(kr.badStarts))
	case len(best) == 1:
		s += fmt.Sprintf(": the only operation that can be ordered before it is %s %s", describeOp(conv[best[0]]), when(kept[best[0]]))
	default:
		last := best[len(best)-1]
		s += fmt.Sprintf(": the longest order found has %d operations and ends with %s %s", len(best), describeOp(conv[last]), when(kept[last]))
	}
	if kr.bad > 0 && len(best) > 0 {
		s += fmt.Sprintf(" (counted from %s, when every earlier operation on %s had returned and it held %s)", secs(kept[0].Call), op.Key, statesText(kr.badStarts))
	}
	if !ok && len(best) > 0 {
		s += fmt.Sprintf(", leaving %s = %s", op.Key, state)
	}
	if why := anomaly(op, kept, best, h.kept(0, len(h.idx)), w[0], kr.badStarts); why != "" {
		s += "; " + why
	}
	return s
}

// bestPartial searches the window no state explains from each state the
// key could hold when it began, and returns the longest partial order
// found (see pickPartial), the operation that should come next in it, and
// the state it starts from.
func (h *keyHistory) bestPartial(kr keyResult, b Budget) (best []int, next int, start kstate) {
	conv := h.conv(h.windows[kr.bad])
	next = -1
	found := false
	for _, s := range kr.badStarts {
		_, info := search(conv, s, b.Steps, true)
		partials := [][]int{nil} // nothing could be ordered at all
		if parts := info.PartialLinearizations(); len(parts) > 0 && len(parts[0]) > 0 {
			partials = parts[0]
		}
		seq, n := pickPartial(partials, conv, s)
		if !found || len(seq) > len(best) {
			best, next, start, found = seq, n, s, true
		}
	}
	return best, next, start
}

// statesText lists the values a key could hold: "3", "3 or 5".
func statesText(states []kstate) string {
	var out []string
	for _, s := range states {
		out = append(out, s.String())
	}
	return strings.Join(out, " or ")
}

// pickPartial chooses, among porcupine's partial linearizations from
// state start, a longest one, preferring one after which the next
// operation (the earliest to return that it leaves out) is refused by the
// model outright: that is the clearest story. Ties go to the smallest
// sequence of ids, so the choice does not depend on porcupine's map
// order. It returns the partial and the next operation's index (-1 if
// none is left out).
func pickPartial(partials [][]int, conv []porcupine.Operation, start kstate) ([]int, int) {
	type cand struct {
		seq     []int
		next    int
		refused bool
	}
	var best *cand
	for _, p := range partials {
		c := cand{seq: p, next: nextOp(p, conv)}
		if c.next >= 0 {
			state := start
			for _, id := range p {
				_, state = stepState(state, conv[id].Input.(input), conv[id].Output.(output))
			}
			ok, _ := stepState(state, conv[c.next].Input.(input), conv[c.next].Output.(output))
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
//
// kept is the window, prefix the order found in it; all is every
// operation on the key, of which the first from came before the window,
// which began with the key holding one of starts.
func anomaly(op Operation, kept []Operation, prefix []int, all []Operation, from int, starts []kstate) string {
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
	// Nothing in the window before it: the write that left the key as
	// the window found it, if there was one state and one such write.
	if last == nil && len(starts) == 1 && !starts[0].wild && starts[0].v != v {
		for i := range all[:from] {
			o := all[i]
			if w, ok := wrote(o); ok && o.Completed && w == starts[0].v && (last == nil || o.Return >= last.Return) {
				last = &all[i]
			}
		}
	}
	everWritten := v == ""
	for _, o := range all {
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
