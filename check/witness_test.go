package check

import (
	"cmp"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"
)

// kop is an operation on key k of a hand-built window; done false is an
// operation without a reply.
func kop(kind Kind, value, old, out string, done bool, call, ret int) Operation {
	return Operation{Kind: kind, Key: "k", Value: value, Old: old, Output: out, Completed: done, Call: time.Duration(call), Return: time.Duration(ret)}
}

// window is a key history of ops, in call order, searched as one window.
func window(ops ...Operation) *keyHistory {
	h := &keyHistory{key: "k", all: ops}
	for i := range ops {
		h.idx = append(h.idx, int32(i))
	}
	slices.SortStableFunc(h.idx, func(a, b int32) int { return cmp.Compare(ops[a].Call, ops[b].Call) })
	h.windows = [][2]int{{0, len(ops)}}
	return h
}

// throughBoth runs through on window 0 of h with the call order witness
// and with porcupine alone, and fails the test unless they agree.
func throughBoth(t *testing.T, name string, h *keyHistory, states []kstate, last bool, b Budget) (next []kstate, exhausted bool) {
	t.Helper()
	next, tr, exhausted := h.through(h.windows[0], states, last, b)
	witnesses = false
	defer func() { witnesses = true }()
	pNext, pTr, pExhausted := h.through(h.windows[0], states, last, b)
	if !reflect.DeepEqual(next, pNext) || !reflect.DeepEqual(tr, pTr) || exhausted != pExhausted {
		t.Errorf("%s: through gives %v %v exhausted %v, porcupine alone %v %v exhausted %v; window %+v from %v (last %v, %d steps)",
			name, next, tr, exhausted, pNext, pTr, pExhausted, h.all, states, last, b.Steps)
	}
	return next, exhausted
}

// TestWitnessFastPath checks windows that the call order settles and
// windows it must leave to porcupine, and that through then finds what
// porcupine alone finds.
func TestWitnessFastPath(t *testing.T) {
	absent, one := kstate{}, kstate{v: "1"}
	for _, c := range []struct {
		name    string
		ops     []Operation
		start   kstate
		steps   int
		witness bool // the call order witnesses it
		small   bool // another order of inAnOrder's does
		ends    bool // some state, not none, is reachable
	}{
		{"set 1 then get 1, overlapping", []Operation{
			kop(Set, "1", "", "", true, 0, 5), kop(Get, "", "", "1", true, 2, 6)}, absent, 0, true, true, true},
		{"a get called first may still see a concurrent set", []Operation{
			kop(Get, "", "", "1", true, 0, 6), kop(Set, "1", "", "", true, 2, 5)}, absent, 0, false, true, true},
		{"a stale read", []Operation{
			kop(Set, "1", "", "", true, 0, 5), kop(Set, "2", "", "", true, 1, 7), kop(Get, "", "", "", true, 6, 8)}, absent, 0, false, false, false},
		{"a read of a value never written", []Operation{
			kop(Set, "1", "", "", true, 0, 5), kop(Get, "", "", "2", true, 1, 6)}, absent, 0, false, false, false},
		{"a write without a reply, seen", []Operation{
			kop(Set, "3", "", "", false, 0, 0), kop(Get, "", "", "3", true, 1, 2)}, absent, 0, true, true, true},
		{"a write without a reply, not seen yet: it takes effect later", []Operation{
			kop(Set, "3", "", "", false, 0, 0), kop(Get, "", "", "", true, 1, 2)}, absent, 0, false, true, true},
		{"a cas that failed, from the state it expected", []Operation{
			kop(CAS, "2", "1", "false", true, 0, 3), kop(Get, "", "", "1", true, 1, 4)}, one, 0, false, false, false},
		{"a cas that swapped", []Operation{
			kop(CAS, "2", "1", "true", true, 0, 3), kop(Get, "", "", "2", true, 1, 4)}, one, 0, true, true, true},
		{"any value: a read tells it", []Operation{
			kop(Get, "", "", "7", true, 0, 3), kop(Del, "", "", "7", true, 1, 4), kop(Get, "", "", "", true, 2, 5)}, kstate{wild: true}, 0, true, true, true},
		{"calls at the same time: porcupine orders them", []Operation{
			kop(Set, "1", "", "", true, 0, 5), kop(Get, "", "", "1", true, 0, 6)}, absent, 0, false, true, true},
		{"a budget of exactly one step per operation", []Operation{
			kop(Set, "1", "", "", true, 0, 5), kop(Get, "", "", "1", true, 2, 6), kop(Set, "2", "", "", true, 3, 7)}, absent, 3, true, false, true},
		{"a budget below one step per operation", []Operation{
			kop(Set, "1", "", "", true, 0, 5), kop(Get, "", "", "1", true, 2, 6), kop(Set, "2", "", "", true, 3, 7)}, absent, 2, true, false, false},
	} {
		b := DefaultBudget
		if c.steps > 0 {
			b.Steps = c.steps
		}
		h := window(c.ops...)
		if _, called := h.inCallOrder(h.windows[0], c.start); called != c.witness {
			t.Errorf("%s: call order witness %v, want %v", c.name, called, c.witness)
		}
		if small := h.small(h.windows[0], c.start, nil, b); small != c.small {
			t.Errorf("%s: small window witness %v, want %v", c.name, small, c.small)
		}
		next, exhausted := throughBoth(t, c.name, h, []kstate{c.start}, true, b)
		if (len(next) > 0) != c.ends || exhausted != (c.steps > 0 && !c.ends) {
			t.Errorf("%s: ends in %v (exhausted %v), want some: %v", c.name, next, exhausted, c.ends)
		}
	}
}

// TestWitnessEnds checks the call order witness of a window with
// several writes that can be last, searched with withEnd's read for
// each: it only settles the one the call order ends with; and cannotEnd's
// refutation of an end.
func TestWitnessEnds(t *testing.T) {
	h := window(kop(Set, "1", "", "", true, 0, 10), kop(Set, "2", "", "", true, 1, 10), kop(Get, "", "", "2", true, 2, 3), kop(Get, "", "", "1", true, 4, 5))
	if got := h.ends(h.windows[0]); !reflect.DeepEqual(got, []kstate{{v: "1"}, {v: "2"}}) {
		t.Fatalf("ends = %v, want 1 and 2", got)
	}
	if got, called := h.inCallOrder(h.windows[0], kstate{}); called {
		t.Errorf("set 1, set 2, get -> 2, get -> 1 in call order: witness ending in %v, want none", got)
	}
	next, _ := throughBoth(t, "two sets, reads of the second and then the first", h, []kstate{{}}, false, DefaultBudget)
	if !reflect.DeepEqual(next, []kstate{{v: "1"}}) {
		t.Errorf("through ends in %v, want 1 only (it was read after 2)", next)
	}
	// A read of 2 called after the set of 1 returned: the window cannot
	// end holding 1, and cannotEnd says so without a search; called at
	// the instant it returned, the two are concurrent, and it can.
	for _, c := range []struct {
		call int
		want []kstate
	}{{6, []kstate{{v: "2"}}}, {5, []kstate{{v: "1"}, {v: "2"}}}} {
		h := window(kop(Set, "1", "", "", true, 0, 5), kop(Set, "2", "", "", true, 1, 10), kop(Get, "", "", "2", true, c.call, 11))
		if got := h.cannotEnd(h.windows[0], kstate{v: "1"}, DefaultBudget); got != (c.call == 6) {
			t.Errorf("read of 2 called at %d: cannotEnd(1) = %v", c.call, got)
		}
		if h.cannotEnd(h.windows[0], kstate{v: "2"}, DefaultBudget) {
			t.Errorf("read of 2 called at %d: cannotEnd(2), want false", c.call)
		}
		if next, _ := throughBoth(t, "a read of 2 after the set of 1", h, []kstate{{}}, false, DefaultBudget); !reflect.DeepEqual(next, c.want) {
			t.Errorf("read of 2 called at %d: through ends in %v, want %v", c.call, next, c.want)
		}
	}
	h = window(kop(Set, "1", "", "", true, 0, 10), kop(Set, "2", "", "", true, 1, 10), kop(Get, "", "", "2", true, 2, 3))
	if got, called := h.inCallOrder(h.windows[0], kstate{}); !called || got != (kstate{v: "2"}) {
		t.Errorf("set 1, set 2, get -> 2 in call order: witness %v ending in %v, want one ending in 2", called, got)
	}
	next, _ = throughBoth(t, "two sets, a read of the second", h, []kstate{{}}, false, DefaultBudget)
	if !reflect.DeepEqual(next, []kstate{{v: "1"}, {v: "2"}}) {
		t.Errorf("through ends in %v, want 1 and 2", next)
	}
}

// TestThroughIsPorcupinesSearch compares through with and without the
// call order witness on random windows (writes without replies, cas,
// every kind of start, a key's last window or one searched with
// withEnd's read for each end; calls distinct or tied), within the
// default budget and within budgets barely above or below a step per
// operation, where porcupine may give up. Whenever the call order is a
// witness, porcupine must also settle the window in exactly one step per
// operation, and it must settle every small window within smallBound:
// those are the claims the witnesses rest on.
func TestThroughIsPorcupinesSearch(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 12))
	vals := []string{"", "1", "2", "3"}
	starts := []kstate{{}, {v: "1"}, {v: "2"}, {wild: true}}
	var witnessed, tight, withEnds, smallWitnessed, smallEnds, refuted, none, some, exhausted int
	for trial := range 10000 {
		n := 2 + rnd.IntN(12)
		distinct := rnd.IntN(3) > 0
		var states []kstate
		for _, s := range starts {
			if rnd.IntN(3) == 0 {
				states = append(states, s)
			}
		}
		if len(states) == 0 {
			states = starts[:1]
		}
		// Half the windows tell the truth about a run in call order from
		// the first start (any value: "2") but for one result in twenty:
		// most are then linearizable.
		truthful, st := rnd.IntN(2) == 0, states[0].v
		if states[0].wild {
			st = "2"
		}
		ops := make([]Operation, n)
		call := 0
		for i := range ops {
			kind := Kind(rnd.IntN(4))
			value, old := vals[1+rnd.IntN(3)], vals[rnd.IntN(4)]
			out := vals[rnd.IntN(4)]
			switch kind {
			case CAS:
				out = []string{"true", "false"}[rnd.IntN(2)]
			case Set:
				out = ""
			}
			if truthful && rnd.IntN(20) > 0 {
				switch kind {
				case Get, Del:
					out = st
				case CAS:
					out = strconv.FormatBool(st == old)
				}
			}
			_, st = step(st, input{kind: kind, value: value, old: old}, output{})
			if distinct {
				call += 1 + rnd.IntN(2)
			} else {
				call = rnd.IntN(8)
			}
			ops[i] = kop(kind, value, old, out, kind == Get || rnd.IntN(6) > 0, call, call+rnd.IntN(6))
			ops[i].Client = i
		}
		h := window(ops...)
		pending := slices.ContainsFunc(ops, func(op Operation) bool { return !op.Completed })
		last := pending || rnd.IntN(2) == 0 // withEnd is for windows that end
		b := DefaultBudget
		if trial%2 == 1 {
			b.Steps = n - 1 + rnd.IntN(4) // one short to two over
		}
		next, ex := throughBoth(t, "trial "+strconv.Itoa(trial), h, states, last, b)
		if t.Failed() {
			t.FailNow()
		}
		switch {
		case ex:
			exhausted++
		case len(next) == 0:
			none++
		default:
			some++
		}
		conv := h.conv(h.windows[0])
		for _, s := range states {
			// The bound small windows rest on: porcupine settles them
			// within it, with and without an end read.
			if n <= smallOps {
				if v, _ := search(conv, s, smallBound(n), false); v == Unknown {
					t.Fatalf("trial %d: porcupine cannot settle %d operations from %v within %d steps; window %+v", trial, n, s, smallBound(n), ops)
				}
				if h.inAnOrder(h.windows[0], s, nil) {
					smallWitnessed++
					if v, _ := search(conv, s, DefaultBudget.Steps, false); v != OK {
						t.Fatalf("trial %d: inAnOrder found a witness from %v, porcupine says %v; window %+v", trial, s, v, ops)
					}
				}
			}
			if !pending && n+1 <= smallOps {
				for _, c := range h.ends(h.windows[0]) {
					e := withEnd(conv, c)
					if v, _ := search(e, s, smallBound(n+1), false); v == Unknown {
						t.Fatalf("trial %d: porcupine cannot settle %d operations from %v within %d steps; window %+v", trial, n+1, s, smallBound(n+1), e)
					}
					if h.cannotEnd(h.windows[0], c, DefaultBudget) {
						refuted++
						if v, _ := search(e, s, DefaultBudget.Steps, false); v != Violation {
							t.Fatalf("trial %d: cannotEnd says the window cannot end in %v, porcupine from %v says %v; window %+v", trial, c, s, v, ops)
						}
					}
					if h.inAnOrder(h.windows[0], s, &c) {
						smallEnds++
						if v, _ := search(e, s, DefaultBudget.Steps, false); v != OK {
							t.Fatalf("trial %d: inAnOrder found a witness from %v ending in %v, porcupine says %v; window %+v", trial, s, c, v, ops)
						}
					}
				}
			}
			got, called := h.inCallOrder(h.windows[0], s)
			if !called {
				continue
			}
			witnessed++
			if b.Steps < DefaultBudget.Steps {
				tight++
			}
			if v, _ := search(conv, s, n, false); v != OK {
				t.Fatalf("trial %d: the call order is a witness from %v, but porcupine within %d steps says %v; window %+v", trial, s, n, v, ops)
			}
			if !pending && !got.wild {
				withEnds++
				if v, _ := search(withEnd(conv, got), s, n+1, false); v != OK {
					t.Fatalf("trial %d: the call order is a witness from %v ending in %v, but porcupine with the end read within %d steps says %v; window %+v", trial, s, got, n+1, v, ops)
				}
			}
		}
	}
	t.Logf("windows ending somewhere %d, nowhere %d, undecided %d; call order witnesses %d (%d within a tight budget, %d with an end read); small window witnesses %d, %d with an end read; ends refuted %d",
		some, none, exhausted, witnessed, tight, withEnds, smallWitnessed, smallEnds, refuted)
	if some < 1500 || none < 1500 || exhausted < 500 || witnessed < 2000 || tight < 500 || withEnds < 1000 || smallWitnessed < 1000 || smallEnds < 1000 || refuted < 300 {
		t.Fatalf("the random windows are too one-sided to test anything")
	}
}
