package check

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"
)

// A key's history is checked in windows. A quiescent point is a moment
// when every operation of the key called before it has returned; the
// operations called after it must all be ordered after those called
// before, so the history is linearizable iff each window between two
// quiescent points is, chained by the states the key can hold at the cuts.
// The search of a window is porcupine's, from each state the key can hold
// when the window begins, bounded by a count of steps; the states it can
// hold when the window ends come from the writes that can be ordered last
// (see ends). A write without a reply may take effect at any later time,
// so no quiescent point follows it: it stays in the key's last window.

// kstate is the value of one key during the search. wild stands for any
// value: after a window that could not be decided, the next starts from
// it, which can only explain more than the truth, so a violation found
// from it is still a violation.
type kstate struct {
	v    string
	wild bool
}

func (s kstate) String() string {
	if s.wild {
		return "any value"
	}
	return show(s.v)
}

func compareStates(a, b kstate) int {
	if a.wild != b.wild {
		if a.wild {
			return 1
		}
		return -1
	}
	return cmp.Compare(a.v, b.v)
}

// stepState is step, extended to the wild state: what an operation
// observed becomes the state; what it did not observe stays unknown.
func stepState(s kstate, in input, out output) (bool, kstate) {
	if !s.wild {
		ok, v := step(s.v, in, out)
		return ok, kstate{v: v}
	}
	switch in.kind {
	case Get:
		if out.known {
			return true, kstate{v: out.value}
		}
		return true, s
	case Set:
		return true, kstate{v: in.value}
	case Del:
		return true, kstate{}
	case CAS:
		switch {
		case !out.known:
			return true, s
		case out.value == "true":
			return true, kstate{v: in.value}
		case out.value == "false":
			return true, s // not old, whatever it is
		}
	}
	return false, s
}

// keyHistory is one key's operations in call order, as indices into the
// history given; the search converts one window at a time to porcupine's
// operations, so memory follows the window, not the history.
type keyHistory struct {
	key     string
	all     []Operation
	idx     []int32
	windows [][2]int // [start, end) of each window in idx
}

// byKey splits a history by key, in key order (a fixed order keeps the
// verdict and the explanation reproducible), each key's operations sorted
// by call time and cut into windows; reads without a result are left out
// (a read that told nothing constrains nothing). A key/value history is
// linearizable iff every key's history is: each operation touches one key
// (Herlihy and Wing's locality).
func byKey(ops []Operation) []*keyHistory {
	m := map[string]*keyHistory{}
	var keys []*keyHistory
	for i, op := range ops {
		if !op.Completed && op.Kind == Get {
			continue
		}
		h := m[op.Key]
		if h == nil {
			h = &keyHistory{key: op.Key, all: ops}
			m[op.Key] = h
			keys = append(keys, h)
		}
		h.idx = append(h.idx, int32(i))
	}
	slices.SortFunc(keys, func(a, b *keyHistory) int { return cmp.Compare(a.key, b.key) })
	for _, h := range keys {
		h.idx = slices.Clip(h.idx)
		slices.SortStableFunc(h.idx, func(a, b int32) int { return cmp.Compare(ops[a].Call, ops[b].Call) })
		h.windows = h.cut()
	}
	return keys
}

// op is the i-th operation of the key, in call order.
func (h *keyHistory) op(i int) Operation { return h.all[h.idx[i]] }

// conv is window w as porcupine's operations.
func (h *keyHistory) conv(w [2]int) []porcupine.Operation {
	out := make([]porcupine.Operation, 0, w[1]-w[0])
	for _, i := range h.idx[w[0]:w[1]] {
		out = append(out, toPorcupine(h.all[i], int(i)))
	}
	return out
}

// kept is the key's operations from..to, in call order.
func (h *keyHistory) kept(from, to int) []Operation {
	out := make([]Operation, 0, to-from)
	for _, i := range h.idx[from:to] {
		out = append(out, h.all[i])
	}
	return out
}

// cut finds the quiescent points of the key's history: before an
// operation called after every earlier one has returned. Porcupine orders
// a call at the same instant as a return before it, so equal times are
// concurrent, not a cut.
func (h *keyHistory) cut() [][2]int {
	var out [][2]int
	start, maxRet := 0, time.Duration(math.MinInt64)
	for i := range h.idx {
		op := h.op(i)
		if i > start && maxRet < op.Call {
			out = append(out, [2]int{start, i})
			start = i
		}
		maxRet = max(maxRet, returns(op))
	}
	if start < len(h.idx) {
		out = append(out, [2]int{start, len(h.idx)})
	}
	return out
}

// ends returns the states a window can leave its key in, whatever it
// started from: the value of each write that can be ordered last (no other
// write is called after it returned). nil means the window writes nothing
// for certain, and leaves the key as it found it.
func ends(ops []porcupine.Operation) []kstate {
	maxCall := int64(math.MinInt64)
	for _, op := range ops {
		if _, ok := writes(op); ok {
			maxCall = max(maxCall, op.Call)
		}
	}
	var out []kstate
	for _, op := range ops {
		if v, ok := writes(op); ok && op.Return >= maxCall {
			out = append(out, kstate{v: v})
		}
	}
	slices.SortFunc(out, compareStates)
	return slices.Compact(out)
}

// writes says whether a completed operation wrote its key, and what.
func writes(op porcupine.Operation) (string, bool) {
	in, out := op.Input.(input), op.Output.(output)
	switch {
	case !out.known:
		return "", false // only in a key's last window, whose end does not matter
	case in.kind == Set:
		return in.value, true
	case in.kind == Del:
		return "", true
	case in.kind == CAS && out.value == "true":
		return in.value, true
	}
	return "", false
}

// search runs porcupine over one window from state start, within steps.
// The model counts its steps and refuses every one past the budget, which
// makes porcupine unwind at once; a search that could not finish is
// Unknown, never a violation. With verbose, it also returns porcupine's
// partial linearizations.
func search(ops []porcupine.Operation, start kstate, steps int, verbose bool) (Verdict, porcupine.LinearizationInfo) {
	n := 0
	m := porcupine.Model{
		Init: func() any { return start },
		Step: func(st, in, out any) (bool, any) {
			if n++; n > steps {
				return false, st
			}
			return stepState(st.(kstate), in.(input), out.(output))
		},
	}
	// No Partition: one window is one search, in one goroutine, so the
	// count of steps is the same on every run.
	var res porcupine.CheckResult
	var info porcupine.LinearizationInfo
	if verbose {
		res, info = porcupine.CheckOperationsVerbose(m, ops, 0)
	} else {
		res = porcupine.CheckOperationsTimeout(m, ops, 0)
	}
	switch {
	case res == porcupine.Ok:
		return OK, info
	case n > steps:
		return Unknown, info
	}
	return Violation, info
}

// decide is search's verdict on one window from state start, ops in
// call order, with a fast path for the common case: a window whose
// operations were called at distinct times and which the model accepts
// in the order of their calls (inCallOrder). That order is a
// linearization: it respects real time (an operation that returned
// before another was called was called before it; one without a reply
// has no return to respect) and the model accepts every output in it.
// It is also the first order porcupine tries: its search starts from
// the earliest event, which is always a call (an operation's call is
// sorted before its return, at equal times too), takes each operation
// the model accepts and starts again from the earliest that is left, so
// it returns OK after exactly len(ops) steps. decide therefore returns
// porcupine's verdict, within any budget of at least len(ops) steps,
// without running it. Otherwise (ties of calls, whose order porcupine's
// sort leaves open, a refusal, or a smaller budget) porcupine searches.
func decide(ops []porcupine.Operation, start kstate, steps int) Verdict {
	if steps >= len(ops) && inCallOrder(ops, start) {
		return OK
	}
	v, _ := search(ops, start, steps, false)
	return v
}

// inCallOrder says whether ops, from state start, were called at
// strictly increasing times and the model accepts each of them in that
// order, with the output its client saw.
func inCallOrder(ops []porcupine.Operation, start kstate) bool {
	st := start
	for i, op := range ops {
		if i > 0 && op.Call <= ops[i-1].Call {
			return false
		}
		ok, next := stepState(st, op.Input.(input), op.Output.(output))
		if !ok {
			return false
		}
		st = next
	}
	return true
}

// withEnd appends to a window a read that must come after every operation
// in it and sees v: the window is then linearizable iff some order of it
// leaves the key holding v.
func withEnd(ops []porcupine.Operation, v kstate) []porcupine.Operation {
	last := int64(math.MinInt64)
	for _, op := range ops {
		last = max(last, op.Return)
	}
	in := ops[0].Input.(input)
	return append(slices.Clip(ops), porcupine.Operation{
		ClientId: -1,
		Input:    input{kind: Get, key: in.key},
		Output:   output{known: true, value: v.v},
		Call:     last + 1,
		Return:   last + 2,
		Metadata: opMeta{index: -1},
	})
}

// trans is one way through a window: from a state at its start to one at
// its end.
type trans struct{ from, to kstate }

// keyResult is what the windowed search found on one key.
type keyResult struct {
	bad       int      // the window no state explains, or -1
	firstUnd  int      // the first window not decided, or -1
	badStarts []kstate // the states the key could hold when it began
	undecided []Undecided
	// paths[w] holds window w's transitions (only when asked for).
	paths [][]trans
}

// check runs the windowed search over the key's history. With paths it
// records, for each window, the transitions it found (for Placements).
func (h *keyHistory) check(b Budget, paths bool) keyResult {
	r := keyResult{bad: -1, firstUnd: -1}
	states := []kstate{{}} // the key starts absent
	for wi, w := range h.windows {
		n := w[1] - w[0]
		last := wi == len(h.windows)-1
		und := func(reason string) {
			if r.firstUnd < 0 {
				r.firstUnd = wi
			}
			r.undecided = append(r.undecided, Undecided{Key: h.key, From: h.op(w[0]).Call, To: h.end(w), Ops: n, Reason: reason})
		}
		if n > b.Window {
			und(fmt.Sprintf("always an operation in flight, too many to search at once (at most %d)", b.Window))
			states = []kstate{{wild: true}}
			cands := h.ends(w)
			if len(cands) > 0 {
				states = cands // whatever it started from, it ends with one of these
			}
			if paths {
				r.paths = append(r.paths, nil)
			}
			continue
		}
		next, tr, exhausted := h.through(w, states, last, b)
		if paths {
			r.paths = append(r.paths, tr)
		}
		switch {
		case exhausted:
			und(fmt.Sprintf("the search took more than %d steps", b.Steps))
			// What it did find may not be all: go on from every state
			// the window can end in, which holds more than the truth.
			next = h.ends(w)
			if len(next) == 0 {
				next = states
			}
		case len(next) == 0:
			r.bad, r.badStarts = wi, states
			return r
		}
		slices.SortFunc(next, compareStates)
		states = slices.Compact(next)
	}
	return r
}

// through finds the ways through window w from each of states: the
// states it can end in, the transitions, and whether some search ran out
// of steps. The last window's end does not matter, only that it has one.
func (h *keyHistory) through(w [2]int, states []kstate, last bool, b Budget) (next []kstate, tr []trans, exhausted bool) {
	if w[1]-w[0] == 1 {
		// Most windows of a load are one operation: no search, and
		// nothing to convert.
		op := h.op(w[0])
		in, out := toInput(op), toOutput(op)
		for _, s := range states {
			if ok, to := stepState(s, in, out); ok {
				next = append(next, to)
				tr = append(tr, trans{s, to})
			}
		}
		return next, tr, false
	}
	ops := h.conv(w)
	cands := ends(ops)
	for _, s := range states {
		if last || len(cands) <= 1 {
			switch decide(ops, s, b.Steps) {
			case OK:
				to := s
				switch {
				case len(cands) == 1:
					to = cands[0]
				case len(cands) == 0 && s.wild:
					to = readValue(ops) // nothing written: every read saw the state
				}
				next = append(next, to)
				tr = append(tr, trans{s, to})
			case Unknown:
				exhausted = true
			}
			continue
		}
		for _, c := range cands {
			switch decide(withEnd(ops, c), s, b.Steps) {
			case OK:
				next = append(next, c)
				tr = append(tr, trans{s, c})
			case Unknown:
				exhausted = true
			}
		}
	}
	return next, tr, exhausted
}

// end is the last return of window w (Infinity while a write without a
// reply keeps it open).
func (h *keyHistory) end(w [2]int) time.Duration {
	end := time.Duration(0)
	for i := w[0]; i < w[1]; i++ {
		end = max(end, returns(h.op(i)))
	}
	return end
}

// ends is ends of window w (converted for the purpose, then dropped).
func (h *keyHistory) ends(w [2]int) []kstate {
	return ends(h.conv(w))
}

// readValue is the value the first completed read of a window saw, or the
// wild state if it has none.
func readValue(ops []porcupine.Operation) kstate {
	for _, op := range ops {
		if in, out := op.Input.(input), op.Output.(output); in.kind == Get && out.known {
			return kstate{v: out.value}
		}
	}
	return kstate{wild: true}
}
