package check

import (
	"slices"

	"github.com/anishathalye/porcupine"
)

// Placement is where the linearizability search put one operation.
type Placement struct {
	// Order is the operation's position (from 1) in its key's
	// linearization, or in the longest partial one the search found when
	// there is none; 0 when it was not placed: a read without a result,
	// an operation no order could fit (the first of those is where the
	// history breaks), or one in or after a stretch the search could not
	// decide.
	Order int
	// State is the key's value right after the operation, in that order.
	State string
}

// Placements runs the search of Linearizable and says, for each of ops (by
// index), where the order found put it, with the Result. A key's order is
// its windows' orders one after the other, chained through the states the
// key holds between them.
func Placements(ops []Operation, b Budget) ([]Placement, Result, error) {
	r, keys, results, err := run(ops, b, true)
	if err != nil {
		return nil, Result{}, err
	}
	out := make([]Placement, len(ops))
	for i, h := range keys {
		h.place(results[i], b, out)
	}
	return out, r, nil
}

// place fills out for one key: the windows before the first one that
// broke or could not be decided, in an order that ends in a state the
// next window can start from, then the longest partial order of the
// window that broke.
func (h *keyHistory) place(kr keyResult, b Budget, out []Placement) {
	n := len(h.windows) // the windows placed in full
	var target kstate   // the state the placed windows must end in
	var partial []int
	switch {
	case kr.bad >= 0 && (kr.firstUnd < 0 || kr.firstUnd > kr.bad):
		n = kr.bad
		var next int
		partial, next, target = h.bestPartial(kr, b)
		if next < 0 {
			partial = nil
		}
	case kr.firstUnd >= 0:
		n = kr.firstUnd
		if n > 0 {
			target = kr.paths[n-1][0].to
		}
	default:
		target = kr.paths[n-1][0].to
	}
	// Walk back from the target: each window's way in ends where the
	// next one's begins.
	chain := make([]trans, n)
	for w := n - 1; w >= 0; w-- {
		i := slices.IndexFunc(kr.paths[w], func(t trans) bool { return t.to == target })
		if i < 0 {
			return // cannot happen: every state at a cut came from a transition
		}
		chain[w] = kr.paths[w][i]
		target = chain[w].from
	}
	order := 0
	for w := range n {
		ops := h.conv(h.windows[w])
		if w < len(h.windows)-1 && len(h.ends(h.windows[w])) > 1 {
			ops = withEnd(ops, chain[w].to)
		}
		v, info := search(ops, chain[w].from, b.Steps, true)
		if v != OK {
			return // the same search succeeded before; the budget is the same
		}
		var seq []int
		for _, l := range info.PartialLinearizations()[0] {
			if len(l) > len(seq) {
				seq = l
			}
		}
		order = h.record(ops, seq, chain[w].from, order, out)
	}
	if partial != nil {
		ops := h.conv(h.windows[kr.bad])
		h.record(ops, partial, target, order, out)
	}
}

// record places the operations of one window in the order seq (ids of
// ops), starting from state start after order operations of the key.
func (h *keyHistory) record(ops []porcupine.Operation, seq []int, start kstate, order int, out []Placement) int {
	state := start
	for _, id := range seq {
		op := ops[id]
		_, state = stepState(state, op.Input.(input), op.Output.(output))
		m := op.Metadata.(opMeta)
		if m.index < 0 {
			continue // the read withEnd added
		}
		order++
		desc := "absent"
		if state.v != "" || state.wild {
			desc = state.String()
		}
		out[m.index] = Placement{Order: order, State: desc}
	}
	return order
}
