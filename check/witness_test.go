package check

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/anishathalye/porcupine"
)

// pop is an operation of a hand-built window; an unknown output (no
// reply) returns at Infinity, as toPorcupine gives it.
func pop(kind Kind, value, old, out string, known bool, call, ret int64) porcupine.Operation {
	o := output{known: known, value: out}
	if !known {
		ret = math.MaxInt64
	}
	return porcupine.Operation{Input: input{kind: kind, key: "k", value: value, old: old}, Output: o, Call: call, Return: ret}
}

// TestWitnessFastPath checks windows that the call order settles and
// windows it must leave to porcupine, and that decide gives porcupine's
// verdict on each.
func TestWitnessFastPath(t *testing.T) {
	absent, one := kstate{}, kstate{v: "1"}
	for _, c := range []struct {
		name    string
		ops     []porcupine.Operation
		start   kstate
		steps   int
		witness bool
		want    Verdict
	}{
		{"set 1 then get 1, overlapping", []porcupine.Operation{
			pop(Set, "1", "", "", true, 0, 5), pop(Get, "", "", "1", true, 2, 6)}, absent, 0, true, OK},
		{"a get called first may still see a concurrent set", []porcupine.Operation{
			pop(Get, "", "", "1", true, 0, 6), pop(Set, "1", "", "", true, 2, 5)}, absent, 0, false, OK},
		{"a stale read", []porcupine.Operation{
			pop(Set, "1", "", "", true, 0, 5), pop(Set, "2", "", "", true, 1, 7), pop(Get, "", "", "", true, 6, 8)}, absent, 0, false, Violation},
		{"a read of a value never written", []porcupine.Operation{
			pop(Set, "1", "", "", true, 0, 5), pop(Get, "", "", "2", true, 1, 6)}, absent, 0, false, Violation},
		{"a write without a reply, seen", []porcupine.Operation{
			pop(Set, "3", "", "", false, 0, 0), pop(Get, "", "", "3", true, 1, 2)}, absent, 0, true, OK},
		{"a write without a reply, not seen yet: it takes effect later", []porcupine.Operation{
			pop(Set, "3", "", "", false, 0, 0), pop(Get, "", "", "", true, 1, 2)}, absent, 0, false, OK},
		{"a cas that failed, from the state it expected", []porcupine.Operation{
			pop(CAS, "2", "1", "false", true, 0, 3), pop(Get, "", "", "1", true, 1, 4)}, one, 0, false, Violation},
		{"a cas that swapped", []porcupine.Operation{
			pop(CAS, "2", "1", "true", true, 0, 3), pop(Get, "", "", "2", true, 1, 4)}, one, 0, true, OK},
		{"any value: a read tells it", []porcupine.Operation{
			pop(Get, "", "", "7", true, 0, 3), pop(Del, "", "", "7", true, 1, 4), pop(Get, "", "", "", true, 2, 5)}, kstate{wild: true}, 0, true, OK},
		{"calls at the same time: porcupine orders them", []porcupine.Operation{
			pop(Set, "1", "", "", true, 0, 5), pop(Get, "", "", "1", true, 0, 6)}, absent, 0, false, OK},
		{"a budget of exactly one step per operation", []porcupine.Operation{
			pop(Set, "1", "", "", true, 0, 5), pop(Get, "", "", "1", true, 2, 6), pop(Set, "2", "", "", true, 3, 7)}, absent, 3, true, OK},
		{"a budget below one step per operation", []porcupine.Operation{
			pop(Set, "1", "", "", true, 0, 5), pop(Get, "", "", "1", true, 2, 6), pop(Set, "2", "", "", true, 3, 7)}, absent, 2, false, Unknown},
	} {
		steps := c.steps
		if steps == 0 {
			steps = DefaultBudget.Steps
		}
		witness := steps >= len(c.ops) && inCallOrder(c.ops, c.start)
		if witness != c.witness {
			t.Errorf("%s: fast path %v, want %v", c.name, witness, c.witness)
		}
		want, _ := search(c.ops, c.start, steps, false)
		if want != c.want {
			t.Errorf("%s: porcupine says %v, the test expects %v", c.name, want, c.want)
		}
		if got := decide(c.ops, c.start, steps); got != want {
			t.Errorf("%s: decide = %v, porcupine %v", c.name, got, want)
		}
	}
}

// TestDecideIsPorcupinesVerdict compares decide with porcupine's search
// on random windows (writes without replies, cas, every kind of start,
// with and without withEnd's read; calls distinct or tied), within the
// default budget and within budgets barely above or below a step per
// operation, where porcupine may give up. Whenever the call order is a
// witness, porcupine must also settle the window in exactly one step
// per operation: that is the claim decide rests on.
func TestDecideIsPorcupinesVerdict(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 12))
	vals := []string{"", "1", "2", "3"}
	starts := []kstate{{}, {v: "1"}, {v: "2"}, {wild: true}}
	seen := map[Verdict]int{}
	witnesses, tight := 0, 0
	for trial := range 20000 {
		n := 1 + rnd.IntN(14)
		distinct := rnd.IntN(3) > 0
		start := starts[rnd.IntN(len(starts))]
		// Half the windows tell the truth about a run in the order
		// generated (from the start, or from "2" for any value), but
		// for one result in twenty: most are then linearizable.
		truthful, st := rnd.IntN(2) == 0, start.v
		if start.wild {
			st = "2"
		}
		ops := make([]porcupine.Operation, n)
		call := int64(0)
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
				call += 1 + int64(rnd.IntN(2))
			} else {
				call = int64(rnd.IntN(8))
			}
			ops[i] = pop(kind, value, old, out, kind == Get || rnd.IntN(6) > 0, call, call+int64(rnd.IntN(6)))
			ops[i].ClientId, ops[i].Metadata = i, opMeta{index: i}
		}
		// The windows decide sees are in call order (keyHistory sorts
		// them); with ties, keep the order the calls came in, unsorted.
		if distinct {
			rnd.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
			sortByCall(ops)
		}
		pending := false
		for _, op := range ops {
			pending = pending || op.Return == math.MaxInt64
		}
		if trial%3 == 0 && !pending { // withEnd is for windows that end
			ops = withEnd(ops, starts[rnd.IntN(3)])
		}
		steps := DefaultBudget.Steps
		if trial%2 == 1 {
			steps = len(ops) - 1 + rnd.IntN(4) // one short to two over
		}
		want, _ := search(ops, start, steps, false)
		if got := decide(ops, start, steps); got != want {
			t.Fatalf("trial %d: decide = %v, porcupine %v within %d steps; window %+v from %v", trial, got, want, steps, ops, start)
		}
		seen[want]++
		if inCallOrder(ops, start) {
			witnesses++
			if v, _ := search(ops, start, len(ops), false); v != OK {
				t.Fatalf("trial %d: the call order is a witness, but porcupine within %d steps says %v; window %+v from %v", trial, len(ops), v, ops, start)
			}
			if steps < DefaultBudget.Steps {
				tight++
			}
		}
	}
	t.Logf("verdicts %v, witnesses %d (%d within a tight budget)", seen, witnesses, tight)
	if seen[OK] < 2000 || seen[Violation] < 2000 || seen[Unknown] < 500 || witnesses < 2000 || tight < 500 {
		t.Fatalf("the random windows are too one-sided to test anything: verdicts %v, witnesses %d (%d tight)", seen, witnesses, tight)
	}
}

// sortByCall sorts a window by call time (insertion sort: the windows
// are small, and the test must not depend on the code it checks).
func sortByCall(ops []porcupine.Operation) {
	for i := 1; i < len(ops); i++ {
		for j := i; j > 0 && ops[j].Call < ops[j-1].Call; j-- {
			ops[j], ops[j-1] = ops[j-1], ops[j]
		}
	}
}
