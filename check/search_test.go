package check

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/anishathalye/porcupine"
)

// randomWindow is a window of n operations on key k with times from a
// few instants (so that calls and returns tie), values from a few, and
// results drawn at random (so that some windows are linearizable and
// some are not); a write may have no reply.
func randomWindow(rnd *rand.Rand, n int) []wop {
	vals := []string{"", "1", "2", "3"}
	ops := make([]wop, n)
	for i := range ops {
		call := int64(rnd.IntN(8))
		op := wop{
			in:   input{kind: Kind(rnd.IntN(4)), key: "k", value: vals[1+rnd.IntN(3)], old: vals[rnd.IntN(4)]},
			call: call, ret: call + int64(rnd.IntN(6)),
		}
		op.out = output{known: true, value: vals[rnd.IntN(4)]}
		switch op.in.kind {
		case CAS:
			op.out.value = []string{"true", "false"}[rnd.IntN(2)]
		case Set:
			op.out.value = ""
		}
		if op.in.kind != Get && rnd.IntN(6) == 0 {
			op.out, op.ret = output{}, math.MaxInt64
		}
		ops[i] = op
	}
	return ops
}

// longWindow is a window of n operations with short overlaps whose
// results are those of applying them in call order (so it is
// linearizable), but for one result changed when spoil is set: long
// enough for the search's sets to take more than one word.
func longWindow(rnd *rand.Rand, n int, spoil bool) []wop {
	vals := []string{"", "1", "2", "3"}
	ops := make([]wop, n)
	state := ""
	for i := range ops {
		call := int64(10*i + rnd.IntN(15))
		in := input{kind: Kind(rnd.IntN(4)), key: "k", value: vals[1+rnd.IntN(3)], old: vals[rnd.IntN(4)]}
		out := output{known: true}
		switch in.kind {
		case Get:
			out.value = state
		case Set:
			state = in.value
		case Del:
			out.value, state = state, ""
		case CAS:
			out.value = "false"
			if state == in.old {
				out.value, state = "true", in.value
			}
		}
		ops[i] = wop{in: in, out: out, call: call, ret: call + 1 + int64(rnd.IntN(15))}
	}
	slices.SortFunc(ops, func(a, b wop) int { return cmp.Compare(a.call, b.call) })
	if spoil {
		i := n - 1 - rnd.IntN(10)
		ops[i].in, ops[i].out = input{kind: Get, key: "k"}, output{known: true, value: "9"}
	}
	return ops
}

// porcupineOps is ops as porcupine's, as conv makes them.
func porcupineOps(ops []wop) []porcupine.Operation {
	out := make([]porcupine.Operation, len(ops))
	for i, op := range ops {
		out[i] = porcupine.Operation{ClientId: i, Input: op.in, Output: op.out, Call: op.call, Return: op.ret, Metadata: opMeta{index: i}}
	}
	return out
}

// TestSearcherIsPorcupinesSearch checks that searcher.decide takes, on
// random windows from every kind of start (and some long ones, whose sets
// of operations take more than a word), exactly the steps porcupine's
// search takes, and comes to the same verdict, also with the budget one
// step short of what the search needs (where both must give up): the
// verdicts of chaos and of `expect linearizable` depend on it.
func TestSearcherIsPorcupinesSearch(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 12))
	starts := []kstate{{}, {v: "1"}, {v: "2"}, {wild: true}}
	var s searcher
	verdicts := map[Verdict]int{}
	for trial := range 4200 {
		ops := randomWindow(rnd, 2+rnd.IntN(9))
		if trial >= 4000 {
			ops = longWindow(rnd, 60+rnd.IntN(80), trial%2 == 0)
		}
		if trial%3 == 0 {
			ops = withEndOf(nil, ops, starts[rnd.IntN(3)])
		}
		start := starts[rnd.IntN(len(starts))]
		want, _, steps := search(porcupineOps(ops), start, DefaultBudget.Steps)
		got, gotSteps := s.decide(ops, start, DefaultBudget.Steps)
		if got != want || gotSteps != steps {
			t.Fatalf("trial %d: decide = %v in %d steps, porcupine %v in %d steps; window %+v from %v", trial, got, gotSteps, want, steps, ops, start)
		}
		verdicts[want]++
		if steps > 0 {
			short, _, _ := search(porcupineOps(ops), start, steps-1)
			if got, _ := s.decide(ops, start, steps-1); got != short || short != Unknown {
				t.Fatalf("trial %d: with %d steps decide = %v, porcupine %v (want unknown)", trial, steps-1, got, short)
			}
		}
	}
	if verdicts[OK] < 500 || verdicts[Violation] < 500 {
		t.Fatalf("the random windows are too one-sided to test anything: %v", verdicts)
	}
}

// BenchmarkSearch compares one window's search by searcher.decide and by
// porcupine, on the same random windows.
func BenchmarkSearch(b *testing.B) {
	rnd := rand.New(rand.NewPCG(3, 4))
	var windows [][]wop
	for range 64 {
		windows = append(windows, randomWindow(rnd, 2+rnd.IntN(6)))
	}
	b.Run("searcher", func(b *testing.B) {
		var s searcher
		i := 0
		for b.Loop() {
			s.decide(windows[i%len(windows)], kstate{}, DefaultBudget.Steps)
			i++
		}
	})
	b.Run("porcupine", func(b *testing.B) {
		conv := make([][]porcupine.Operation, len(windows))
		for i, w := range windows {
			conv[i] = porcupineOps(w)
		}
		i := 0
		for b.Loop() {
			search(conv[i%len(conv)], kstate{}, DefaultBudget.Steps)
			i++
		}
	})
}
