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

// ends returns the states window w can leave its key in, whatever it
// started from: the value of each write that can be ordered last (no
// other write is called after it returned). nil means the window writes
// nothing for certain, and leaves the key as it found it.
func (h *keyHistory) ends(w [2]int) []kstate {
	maxCall := time.Duration(math.MinInt64)
	for i := w[0]; i < w[1]; i++ {
		if op := h.op(i); writes(op) {
			maxCall = max(maxCall, op.Call)
		}
	}
	var out []kstate
	for i := w[0]; i < w[1]; i++ {
		if op := h.op(i); writes(op) && returns(op) >= maxCall {
			v := op.Value
			if op.Kind == Del {
				v = ""
			}
			out = append(out, kstate{v: v})
		}
	}
	slices.SortFunc(out, compareStates)
	return slices.Compact(out)
}

// writes says whether an operation wrote its key for certain: a set, a
// delete, a cas that swapped (the value is op.Value, or "" for a delete).
// A write without a reply is only in a key's last window, whose end does
// not matter.
func writes(op Operation) bool {
	switch {
	case !op.Completed:
		return false
	case op.Kind == Set, op.Kind == Del:
		return true
	case op.Kind == CAS:
		return op.Output == "true"
	}
	return false
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

// The call order witness. Most windows of a load are linearizable in
// the order their operations were called, and a window whose operations
// were called at distinct times and which the model accepts in that
// order, from the state it starts in, needs no search:
//   - the call order is a linearization: it respects real time (an
//     operation that returned before another was called was called
//     before it; one without a reply has no return to respect; withEnd's
//     read is called after every return), and the model checks every
//     result in it;
//   - it is the first order porcupine tries: its search starts from the
//     earliest event, always a call (a call is sorted before its own
//     return, at equal times too), takes each operation the model
//     accepts and starts again from the earliest that is left, so it
//     returns OK after exactly one step per operation.
// With a budget of at least that, the witness is porcupine's verdict,
// without running it. Ties of calls, whose order porcupine's sort leaves
// open, always go to porcupine.

// witnesses turns the call order witness off, for the tests that compare
// through with porcupine alone.
var witnesses = true

// inCallOrder says whether window w, from state start, was called at
// strictly increasing times and the model accepts each of its operations
// in that order, with the result its client saw; and the state it leaves.
func (h *keyHistory) inCallOrder(w [2]int, start kstate) (kstate, bool) {
	if !witnesses {
		return start, false
	}
	st := start
	for i := w[0]; i < w[1]; i++ {
		op := h.op(i)
		if i > w[0] && op.Call <= h.op(i-1).Call {
			return st, false
		}
		ok, next := stepState(st, toInput(op), toOutput(op))
		if !ok {
			return st, false
		}
		st = next
	}
	return st, true
}

// Small windows have more witnesses. Porcupine's search of n operations
// takes at most n × (2 × 2^n × (n+2) + 1) steps (smallBound): each step
// tries one operation, and between two of its moves (adding a new pair of
// a set of operations and a state to its cache, or backtracking from
// one) it tries each operation once at most; a window's key takes at most
// n+2 states (its start, absent, and one per operation), so there are at
// most 2^n × (n+2) such pairs, each added once and backtracked from once
// at most. Within a budget of that many steps porcupine always settles a
// window, so then any order of it that respects real time and that the
// model accepts is porcupine's verdict too. For 10 operations the bound
// is 245,770 steps, under DefaultBudget's 500,000.

// smallOps is the most operations a window may have (withEnd's read
// included) for inAnOrder to settle it.
const smallOps = 10

// smallBound is the most steps porcupine takes on a window of n
// operations.
func smallBound(n int) int { return n * (2*(1<<n)*(n+2) + 1) }

// small says whether window w is small enough for porcupine to settle
// it within budget b and the model accepts it, from start (and ending in
// *end, if not nil), in one of inAnOrder's orders.
func (h *keyHistory) small(w [2]int, start kstate, end *kstate, b Budget) bool {
	n := w[1] - w[0]
	if end != nil {
		n++
	}
	return witnesses && n <= smallOps && b.Steps >= smallBound(n) && h.inAnOrder(w, start, end)
}

// cannotEnd says whether window w, which is not a key's last, cannot
// leave its key holding c from any start, for a reason simple enough to
// see without a search, and is small enough for porcupine to settle it
// with withEnd's read of c within budget b (see smallBound), so that
// porcupine would say the same. The reason: a read that saw another
// value was called after every write of c had returned. Every order
// then has the read after those writes, so the key holds another value
// there, and only a write of c after it could leave c at the end. (In a
// window that is not the last every operation has its reply, and only
// sets, deletes and cas that swapped change the key.)
func (h *keyHistory) cannotEnd(w [2]int, c kstate, b Budget) bool {
	if n := w[1] - w[0] + 1; !witnesses || n > smallOps || b.Steps < smallBound(n) {
		return false
	}
	lastWrite := time.Duration(math.MinInt64)
	for i := w[0]; i < w[1]; i++ {
		if op := h.op(i); writes(op) && (op.Kind == Del && c.v == "" || op.Kind != Del && op.Value == c.v) {
			lastWrite = max(lastWrite, returns(op))
		}
	}
	for i := w[0]; i < w[1]; i++ {
		if op := h.op(i); op.Kind == Get && op.Completed && op.Output != c.v && op.Call > lastWrite {
			return true
		}
	}
	return false
}

// inAnOrder says whether the model accepts window w from state start in
// one of a few orders that respect real time, and, if end is not nil,
// leaves the key holding *end (withEnd's read of it comes after every
// operation). Each order places every operation at its call or at its
// return, all at their calls but one, or all at their returns, and sorts
// them by those times, an operation placed at its call before one placed
// at its return at the same time (as porcupine sorts a call before a
// return at the same time), and otherwise by position, which is call
// order: an operation that returned before another was called is then
// before it.
func (h *keyHistory) inAnOrder(w [2]int, start kstate, end *kstate) bool {
	n := w[1] - w[0]
	for late := -2; late < n; late++ { // -2: all at their calls; -1: all at their returns
		var order [smallOps]int
		var at [smallOps]time.Duration
		var atRet [smallOps]bool
		for k := range n {
			op := h.op(w[0] + k)
			at[k] = op.Call
			if late == -1 || late == k {
				at[k], atRet[k] = returns(op), true
			}
			// Insert k in order of (at, placed at its return, k).
			j := k
			for ; j > 0 && (at[order[j-1]] > at[k] || at[order[j-1]] == at[k] && atRet[order[j-1]] && !atRet[k]); j-- {
				order[j] = order[j-1]
			}
			order[j] = k
		}
		if h.accepts(w[0], order[:n], start, end) {
			return true
		}
	}
	return false
}

// everyOrder says whether window w (with withEnd's read, if end) has two
// operations, and so every order of it that respects real time is one of
// inAnOrder's, and is small enough for porcupine to settle within budget
// b (see smallBound). Of two operations a and b, a called first, a can
// always go first (the call order), and b first when it was called no
// later than a returned, porcupine's real time; the order with a at its
// return and b at its call then has b first. withEnd's read comes after
// both in every order. When inAnOrder finds no order the model accepts,
// there is none, and porcupine finds none either.
func (h *keyHistory) everyOrder(w [2]int, end *kstate, b Budget) bool {
	n := w[1] - w[0]
	m := n
	if end != nil {
		m++
	}
	return witnesses && n == 2 && b.Steps >= smallBound(m)
}

// accepts says whether the model accepts the operations from+order[i],
// in that order, from state start, and, if end is not nil, leaves the
// key holding *end.
func (h *keyHistory) accepts(from int, order []int, start kstate, end *kstate) bool {
	st := start
	for _, k := range order {
		op := h.op(from + k)
		ok, next := stepState(st, toInput(op), toOutput(op))
		if !ok {
			return false
		}
		st = next
	}
	if end != nil {
		ok, _ := stepState(st, input{kind: Get}, output{known: true, value: end.v})
		return ok
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
	n := w[1] - w[0]
	var ops []porcupine.Operation // converted for the first search
	decide := func(s kstate, end *kstate) Verdict {
		if ops == nil {
			ops = h.conv(w)
		}
		o := ops
		if end != nil {
			o = withEnd(ops, *end)
		}
		v, _ := search(o, s, b.Steps, false)
		return v
	}
	cands := h.ends(w)
	for _, s := range states {
		got, called := h.inCallOrder(w, s)
		if last || len(cands) <= 1 {
			var v Verdict
			switch {
			case called && b.Steps >= n, h.small(w, s, nil, b):
				v = OK
			case h.everyOrder(w, nil, b):
				v = Violation
			default:
				v = decide(s, nil)
			}
			switch v {
			case OK:
				to := s
				switch {
				case len(cands) == 1:
					to = cands[0]
				case len(cands) == 0 && s.wild:
					to = h.readValue(w) // nothing written: every read saw the state
				}
				next = append(next, to)
				tr = append(tr, trans{s, to})
			case Unknown:
				exhausted = true
			}
			continue
		}
		for _, c := range cands {
			// withEnd's read is called last and sees c.
			sees, _ := stepState(got, input{kind: Get}, output{known: true, value: c.v})
			var v Verdict
			switch {
			case called && sees && b.Steps >= n+1, h.small(w, s, &c, b):
				v = OK
			case h.cannotEnd(w, c, b), h.everyOrder(w, &c, b):
				v = Violation
			default:
				v = decide(s, &c)
			}
			switch v {
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

// readValue is the value the first completed read of a window saw, or the
// wild state if it has none.
func (h *keyHistory) readValue(w [2]int) kstate {
	for i := w[0]; i < w[1]; i++ {
		if op := h.op(i); op.Kind == Get && op.Completed {
			return kstate{v: op.Output}
		}
	}
	return kstate{wild: true}
}
