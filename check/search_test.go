package check

import (
	"math/rand/v2"
	"testing"

	"github.com/anishathalye/porcupine"
)

// porcupineSteps is search with porcupine, and the steps it took (model
// calls), without a budget.
func porcupineSteps(ops []porcupine.Operation, start kstate) (Verdict, int) {
	n := 0
	m := porcupine.Model{
		Init: func() any { return start },
		Step: func(st, in, out any) (bool, any) {
			n++
			return stepState(st.(kstate), in.(input), out.(output))
		},
	}
	if porcupine.CheckOperations(m, ops) {
		return OK, n
	}
	return Violation, n
}

// TestQuickSearchIsPorcupine compares quickSearch with porcupine on random
// windows (ties of calls and returns, writes without replies, cas, every
// kind of start, with and without withEnd's read): the same verdict, and
// the same number of steps, so that a budget runs out for both at once.
func TestQuickSearchIsPorcupine(t *testing.T) {
	rnd := rand.New(rand.NewPCG(21, 22))
	vals := []string{"", "1", "2", "3"}
	starts := []kstate{{}, {v: "1"}, {v: "2"}, {wild: true}}
	verdicts := map[Verdict]int{}
	for trial := range 4000 {
		n := 1 + rnd.IntN(14)
		ops := make([]Operation, n)
		st := "2"
		for i := range ops {
			kind := Kind(rnd.IntN(4))
			value, old, out := vals[1+rnd.IntN(3)], vals[rnd.IntN(4)], vals[rnd.IntN(4)]
			switch kind {
			case CAS:
				out = []string{"true", "false"}[rnd.IntN(2)]
			case Set:
				out = ""
			}
			if rnd.IntN(12) > 0 { // mostly the truth of a run in call order
				switch kind {
				case Get, Del:
					out = st
				case CAS:
					out = "false"
					if st == old {
						out = "true"
					}
				}
			}
			_, st = step(st, input{kind: kind, value: value, old: old}, output{})
			call := rnd.IntN(2 * n) // ties are common
			ops[i] = kop(kind, value, old, out, kind == Get || rnd.IntN(6) > 0, call, call+rnd.IntN(6))
			ops[i].Client = i
		}
		h := window(ops...)
		w := h.windows[0]
		start := starts[rnd.IntN(len(starts))]
		var end *kstate
		conv := h.conv(w)
		if rnd.IntN(2) == 0 {
			end = &kstate{v: vals[rnd.IntN(4)]}
			conv = withEnd(conv, *end)
		}
		want, steps := porcupineSteps(conv, start)
		verdicts[want]++
		for _, budget := range []int{steps, steps - 1, rnd.IntN(steps + 1), steps + 5} {
			if budget < 0 {
				continue
			}
			exp := want
			if budget < steps {
				exp = Unknown
			}
			got, ok := h.quickSearch(w, end, start, budget)
			if !ok || got != exp {
				t.Fatalf("trial %d: quickSearch gives %v (ok %v) within %d steps, porcupine %v in %d steps; window %+v from %v, end %v",
					trial, got, ok, budget, want, steps, ops, start, end)
			}
			if v, _ := search(conv, start, budget, false); v != exp {
				t.Fatalf("trial %d: search gives %v within %d steps, want %v", trial, v, budget, exp)
			}
		}
	}
	if verdicts[OK] < 500 || verdicts[Violation] < 500 {
		t.Fatalf("the random windows are too one-sided to test anything: %v", verdicts)
	}
}
