package check

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ms = time.Millisecond

// Helpers build operations of client c over [call, ret] milliseconds.
func set(c int, key, v string, call, ret int) Operation {
	return Operation{Client: c, Kind: Set, Key: key, Value: v, Call: time.Duration(call) * ms, Return: time.Duration(ret) * ms, Completed: true}
}

func get(c int, key, out string, call, ret int) Operation {
	return Operation{Client: c, Kind: Get, Key: key, Output: out, Call: time.Duration(call) * ms, Return: time.Duration(ret) * ms, Completed: true}
}

func cas(c int, key, old, v string, ok bool, call, ret int) Operation {
	out := "false"
	if ok {
		out = "true"
	}
	return Operation{Client: c, Kind: CAS, Key: key, Old: old, Value: v, Output: out, Call: time.Duration(call) * ms, Return: time.Duration(ret) * ms, Completed: true}
}

// noReply makes op incomplete: the client never learnt what happened.
func noReply(op Operation) Operation {
	op.Completed, op.Return, op.Output = false, 0, ""
	return op
}

func verdict(t *testing.T, ops ...Operation) Result {
	t.Helper()
	r, err := Linearizable(ops, DefaultBudget)
	require.NoError(t, err)
	return r
}

func TestSequentialHistoryIsLinearizable(t *testing.T) {
	r := verdict(t,
		set(1, "a", "1", 0, 10),
		get(2, "a", "1", 20, 30),
		cas(1, "a", "1", "2", true, 40, 50),
		cas(2, "a", "1", "3", false, 60, 70),
		get(1, "a", "2", 80, 90),
		Operation{Client: 2, Kind: Del, Key: "a", Output: "2", Call: 100 * ms, Return: 110 * ms, Completed: true},
		get(1, "a", "", 120, 130),
	)
	assert.Equal(t, OK, r.Verdict, r.String())
	assert.Equal(t, 7, r.Ops)
	assert.Equal(t, 1, r.Keys)
	assert.Equal(t, "linearizable (7 operations on 1 key)", r.String())
}

func TestStaleReadIsCaught(t *testing.T) {
	r := verdict(t,
		set(1, "x", "1", 0, 10),
		set(1, "x", "2", 20, 30),
		get(2, "x", "1", 40, 50), // 2 had been written and acknowledged: 1 is stale
	)
	require.Equal(t, Violation, r.Verdict)
	assert.Equal(t, "x", r.Key)
	assert.Equal(t, []string{"x"}, r.BadKeys)
	assert.Contains(t, r.Explanation, "`get x -> 1` (client 2, 0.040s-0.050s) cannot be ordered")
	assert.Contains(t, r.Explanation, "it held 2")
	assert.Contains(t, r.Explanation, "a stale read: 1 had been overwritten by `set x 2`, which returned at 0.030s")
	assert.True(t, strings.HasPrefix(r.String(), "not linearizable on key x: "), r.String())
}

func TestLostWriteIsCaught(t *testing.T) {
	r := verdict(t,
		set(1, "k", "7", 0, 10),
		get(2, "k", "", 20, 30),
	)
	require.Equal(t, Violation, r.Verdict)
	assert.Equal(t, "k", r.Key)
	assert.Contains(t, r.Explanation, "a lost write")
	assert.Contains(t, r.Explanation, "`set k 7`")
}

func TestValueNobodyWroteIsCaught(t *testing.T) {
	r := verdict(t, set(1, "k", "7", 0, 10), get(2, "k", "8", 20, 30))
	require.Equal(t, Violation, r.Verdict)
	assert.Contains(t, r.Explanation, "no operation ever wrote 8")
}

func TestCASResultMustMatchState(t *testing.T) {
	// The key held 1, so cas 1 -> 2 must succeed; a client told false saw
	// something impossible.
	r := verdict(t, set(1, "a", "1", 0, 10), cas(2, "a", "1", "2", false, 20, 30))
	assert.Equal(t, Violation, r.Verdict)
	r = verdict(t, set(1, "a", "1", 0, 10), cas(2, "a", "5", "2", true, 20, 30))
	assert.Equal(t, Violation, r.Verdict)
}

func TestConcurrentOperationsMayTakeEffectInAnyOrder(t *testing.T) {
	r := verdict(t,
		set(1, "a", "1", 0, 100),  // long write...
		get(2, "a", "", 5, 15),    // ...one read sees it not yet done,
		get(3, "a", "1", 10, 20),  // an overlapping one sees it done,
		set(4, "a", "2", 30, 200), // and two writes overlap a read
		set(5, "a", "3", 40, 210),
		get(2, "a", "2", 220, 230), // 3 then 2 is an order that fits
	)
	assert.Equal(t, OK, r.Verdict, r.String())

	// But once a read has seen the new value, a later read cannot see the
	// old one again.
	r = verdict(t,
		set(1, "a", "1", 0, 100),
		get(3, "a", "1", 10, 20),
		get(2, "a", "", 30, 40),
	)
	assert.Equal(t, Violation, r.Verdict)
}

func TestIncompleteOperations(t *testing.T) {
	// A write without a reply may take effect later...
	r := verdict(t,
		noReply(set(1, "a", "1", 0, 0)),
		get(2, "a", "", 50, 60),
		get(2, "a", "1", 70, 80),
	)
	assert.Equal(t, OK, r.Verdict, r.String())
	assert.Equal(t, 1, r.Pending)
	// ...or never.
	r = verdict(t, noReply(set(1, "a", "1", 0, 0)), get(2, "a", "", 500, 600))
	assert.Equal(t, OK, r.Verdict, r.String())
	// But not before it was called.
	r = verdict(t, get(2, "a", "1", 0, 10), noReply(set(1, "a", "1", 20, 0)))
	assert.Equal(t, Violation, r.Verdict)
	// A cas without a reply does what the state says, if anything.
	r = verdict(t, set(1, "a", "1", 0, 10), noReply(cas(2, "a", "1", "2", false, 20, 0)), get(1, "a", "2", 30, 40))
	assert.Equal(t, OK, r.Verdict, r.String())
	r = verdict(t, set(1, "a", "1", 0, 10), noReply(cas(2, "a", "9", "2", false, 20, 0)), get(1, "a", "2", 30, 40))
	assert.Equal(t, Violation, r.Verdict)
	// A read without a result is dropped: it constrains nothing.
	r = verdict(t, set(1, "a", "1", 0, 10), noReply(get(2, "a", "", 20, 0)))
	assert.Equal(t, OK, r.Verdict)
	assert.Equal(t, 1, r.Dropped)
	assert.Equal(t, 1, r.Ops)
}

func TestKeysArePartitioned(t *testing.T) {
	ops := []Operation{
		set(1, "b", "2", 0, 10),
		set(1, "a", "1", 20, 30),
		get(2, "a", "1", 40, 50),
		get(2, "b", "2", 60, 70),
	}
	r := verdict(t, ops...)
	assert.Equal(t, OK, r.Verdict)
	assert.Equal(t, 2, r.Keys)

	keys := byKey(ops)
	require.Len(t, keys, 2)
	for i, want := range []string{"a", "b"} {
		assert.Equal(t, want, keys[i].key)
		require.Len(t, keys[i].idx, 2)
		for j := range keys[i].idx {
			assert.Equal(t, want, keys[i].op(j).Key)
		}
	}
	conv := wholeConv(ops)
	// The per-key model is right only because of the partition: reading
	// b's value on a is wrong, and the verdict names a, not b.
	bad := append(ops, get(3, "a", "2", 80, 90))
	r = verdict(t, bad...)
	require.Equal(t, Violation, r.Verdict)
	assert.Equal(t, "a", r.Key)
	assert.Equal(t, []string{"a"}, r.BadKeys)
	// Without partitioning, the same model (a single value) would be wrong
	// for this good history: that is what the split by key is for.
	whole := porcupine.Model{Init: func() any { return kstate{} }, Step: func(st, in, out any) (bool, any) {
		return stepState(st.(kstate), in.(input), out.(output))
	}}
	assert.False(t, porcupine.CheckOperations(whole, conv))
}

func TestBadKeysAreAllNamed(t *testing.T) {
	r := verdict(t,
		set(1, "b", "1", 0, 10), set(1, "b", "2", 20, 30), get(2, "b", "1", 40, 50),
		set(1, "a", "1", 0, 10), get(2, "a", "", 20, 30),
		set(1, "c", "1", 0, 10), get(2, "c", "1", 20, 30),
	)
	require.Equal(t, Violation, r.Verdict)
	assert.Equal(t, []string{"a", "b"}, r.BadKeys)
	assert.Equal(t, "a", r.Key)
	assert.True(t, strings.HasPrefix(r.String(), "not linearizable on keys a, b: "), r.String())
}

func TestMalformedHistory(t *testing.T) {
	_, err := Linearizable([]Operation{set(1, "a", "1", 10, 5)}, DefaultBudget)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "returns at 5ms, before its call at 10ms")
	_, err = Linearizable([]Operation{{Kind: 9, Key: "a"}}, DefaultBudget)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown kind 9")
	r, err := Linearizable(nil, DefaultBudget)
	require.NoError(t, err)
	assert.Equal(t, OK, r.Verdict)
}

// hard is a history whose search space is huge: 40 writes without a
// reply and 40 overlapping reads of them in a scrambled order, then an
// impossible read.
func hard() []Operation {
	var ops []Operation
	for i := range 40 {
		ops = append(ops, noReply(set(i, "a", strconv.Itoa(i), 0, 0)))
	}
	for i := range 40 {
		ops = append(ops, get(100+i, "a", strconv.Itoa((i*7)%40), 10+i, 1000))
	}
	return append(ops, get(200, "a", "999", 2000, 2001))
}

// TestStepBudgetGivesUnknown: a search that runs out of steps says so,
// with the key, the stretch and the reason, and the same every time (the
// budget is a count, not a time); it is never a violation.
func TestStepBudgetGivesUnknown(t *testing.T) {
	b := Budget{Window: 1000, Steps: 2000}
	r, err := Linearizable(hard(), b)
	require.NoError(t, err)
	assert.Equal(t, Unknown, r.Verdict)
	assert.Equal(t, "no verdict (81 operations on 1 key, 40 without a reply): no violation found, but 1 stretch was not decided: "+
		"key a from 0.000s to the end (a write without a reply keeps it open) (81 operations): the search took more than 2000 steps", r.String())
	require.Len(t, r.Undecided, 1)
	assert.Equal(t, Undecided{Key: "a", From: 0, To: Infinity, Ops: 81, Reason: "the search took more than 2000 steps"}, r.Undecided[0])
	for range 3 {
		again, err := Linearizable(hard(), b)
		require.NoError(t, err)
		assert.Equal(t, r, again)
	}
}

// TestWindows: a key's history is cut where nothing is in flight, and a
// long history is many small searches.
func TestWindows(t *testing.T) {
	var ops []Operation
	for i := range 1000 {
		at := 100 * i
		ops = append(ops, set(1, "a", strconv.Itoa(i), at, at+10), get(2, "a", strconv.Itoa(i), at+5, at+20))
	}
	r := verdict(t, ops...)
	assert.Equal(t, OK, r.Verdict, r.String())
	assert.Equal(t, 1000, r.Windows)
	// A window of 2 and 4 steps per window is enough for each of them.
	r, err := Linearizable(ops, Budget{Window: 2, Steps: 4})
	require.NoError(t, err)
	assert.Equal(t, OK, r.Verdict, r.String())

	// Touching at one instant is concurrent, not a cut: 0-10 and 10-20.
	assert.Equal(t, [][2]int{{0, 2}, {2, 3}}, byKey([]Operation{set(1, "a", "1", 0, 10), get(2, "a", "", 10, 20), get(2, "a", "1", 21, 30)})[0].windows)
	// A write without a reply may take effect at any later time: no cut
	// after it.
	assert.Equal(t, [][2]int{{0, 1}, {1, 4}}, byKey([]Operation{set(1, "a", "1", 0, 10), noReply(set(1, "a", "2", 20, 0)), get(2, "a", "1", 30, 40), get(2, "a", "2", 50, 60)})[0].windows)
}

// TestViolationsAcrossWindows: the state a window leaves is carried into
// the next, so an anomaly whose parts lie in different windows is caught,
// and one late in a long history too.
func TestViolationsAcrossWindows(t *testing.T) {
	// Stale: 1 was overwritten by 2 two windows before the read.
	r := verdict(t, set(1, "x", "1", 0, 10), set(1, "x", "2", 20, 30), get(2, "x", "1", 40, 50))
	require.Equal(t, Violation, r.Verdict)
	assert.Equal(t, 3, r.Windows)
	assert.Contains(t, r.Explanation, "`get x -> 1` (client 2, 0.040s-0.050s) cannot be ordered first after 0.040s, when every earlier operation on x had returned and it held 2")

	// Two writes at once may end either way: both reads fit...
	r = verdict(t, set(1, "x", "1", 0, 10), set(2, "x", "2", 0, 10), get(3, "x", "1", 20, 30))
	assert.Equal(t, OK, r.Verdict, r.String())
	r = verdict(t, set(1, "x", "1", 0, 10), set(2, "x", "2", 0, 10), get(3, "x", "2", 20, 30))
	assert.Equal(t, OK, r.Verdict, r.String())
	// ...but not both, one after the other, nor a value neither wrote.
	r = verdict(t, set(1, "x", "1", 0, 10), set(2, "x", "2", 0, 10), get(3, "x", "1", 20, 30), get(3, "x", "2", 40, 50))
	assert.Equal(t, Violation, r.Verdict)
	assert.Contains(t, r.Explanation, "held 1")
	r = verdict(t, set(1, "x", "1", 0, 10), set(2, "x", "2", 0, 10), get(3, "x", "3", 20, 30))
	assert.Equal(t, Violation, r.Verdict)
	assert.Contains(t, r.Explanation, "held 1 or 2")
	assert.Contains(t, r.Explanation, "no operation ever wrote 3")
	// A write that cannot be ordered last does not end the window: 2 was
	// called after 1 returned.
	r = verdict(t, set(1, "x", "1", 0, 10), set(2, "x", "2", 5, 20), get(3, "x", "3", 15, 18), set(3, "x", "3", 12, 16), get(1, "x", "1", 30, 40))
	assert.Equal(t, Violation, r.Verdict)

	// A stale read after 5,000 good windows.
	var ops []Operation
	for i := range 5000 {
		at := 100 * i
		ops = append(ops, set(1, "k", strconv.Itoa(i), at, at+10), get(2, "k", strconv.Itoa(i), at+20, at+30))
	}
	ops = append(ops, get(2, "k", "4998", 500000, 500010))
	r = verdict(t, ops...)
	require.Equal(t, Violation, r.Verdict)
	assert.Contains(t, r.Explanation, "`get k -> 4998` (client 2, 500.000s-500.010s) cannot be ordered first after 500.000s, when every earlier operation on k had returned and it held 4999")
	assert.Contains(t, r.Explanation, "a stale read")
}

// TestUndecidedWindowsStillFindViolations: past a window the budget could
// not decide, the key may hold any value the window can leave; a later
// violation under every one of them is still a violation, and one that
// some value would explain is not claimed.
func TestUndecidedWindowsStillFindViolations(t *testing.T) {
	b := Budget{Window: 3, Steps: 1000}
	// Four overlapping operations: too many for a window of 3. It ends
	// with set 9 whatever happened in it.
	busy := []Operation{set(1, "a", "1", 0, 50), get(2, "a", "1", 10, 60), set(3, "a", "2", 20, 40), set(4, "a", "9", 55, 80)}
	r, err := Linearizable(append(busy, get(1, "a", "9", 100, 110)), b)
	require.NoError(t, err)
	assert.Equal(t, Unknown, r.Verdict)
	require.Len(t, r.Undecided, 1)
	assert.Equal(t, "always an operation in flight, too many to search at once (at most 3)", r.Undecided[0].Reason)
	assert.Equal(t, Undecided{Key: "a", From: 0, To: 80 * ms, Ops: 4, Reason: r.Undecided[0].Reason}, r.Undecided[0])

	r, err = Linearizable(append(busy, get(1, "a", "2", 100, 110)), b)
	require.NoError(t, err)
	require.Equal(t, Violation, r.Verdict)
	assert.Contains(t, r.String(), "held 9")
	assert.Contains(t, r.String(), "(and 1 stretch was not decided: key a from 0.000s to 0.080s (4 operations)")

	// Reads only: the window leaves any value at all. Two reads of
	// different values with no write between cannot both be right...
	reads := []Operation{get(1, "a", "", 0, 50), get(2, "a", "", 10, 60), get(3, "a", "", 20, 70), get(4, "a", "", 30, 80)}
	r, err = Linearizable(append(slices.Clone(reads), get(1, "a", "5", 100, 110), get(1, "a", "6", 120, 130)), b)
	require.NoError(t, err)
	assert.Equal(t, Violation, r.Verdict)
	// ...but any one value could be (the search did not decide which).
	r, err = Linearizable(append(slices.Clone(reads), get(1, "a", "5", 100, 110), get(1, "a", "5", 120, 130)), b)
	require.NoError(t, err)
	assert.Equal(t, Unknown, r.Verdict)
}

// TestPlacements: a linearizable key has every operation in order, with
// the value after each; a broken key leaves the operation no order can
// hold unplaced, and is named; a read without a result is never placed.
func TestPlacements(t *testing.T) {
	ops := []Operation{
		set(1, "a", "1", 0, 10),
		get(2, "a", "1", 20, 30),
		cas(1, "a", "1", "2", true, 15, 40), // overlaps the read: it must come after it
		noReply(get(2, "a", "", 50, 0)),
		set(1, "x", "1", 0, 10),
		set(1, "x", "2", 20, 30),
		get(2, "x", "1", 40, 50), // stale
	}
	places, r, err := Placements(ops, DefaultBudget)
	require.NoError(t, err)
	require.Len(t, places, len(ops))
	assert.Equal(t, Placement{Order: 1, State: "1"}, places[0])
	assert.Equal(t, Placement{Order: 2, State: "1"}, places[1])
	assert.Equal(t, Placement{Order: 3, State: "2"}, places[2])
	assert.Equal(t, Placement{}, places[3])
	assert.Equal(t, []string{"x"}, r.BadKeys)
	assert.Equal(t, 1, places[4].Order)
	assert.Equal(t, 2, places[5].Order)
	assert.Zero(t, places[6].Order, "the stale read cannot be placed")
}

// TestWindowedAgreesWithWholeSearch compares the windowed search with
// porcupine's over the whole of each history, on random histories of one
// key: made from a sequential run with overlapping intervals around its
// linearization points (linearizable), half of them with one result
// changed (most of those are not). Both must agree on every one.
func TestWindowedAgreesWithWholeSearch(t *testing.T) {
	whole := porcupine.Model{Init: func() any { return kstate{} }, Step: func(st, in, out any) (bool, any) {
		return stepState(st.(kstate), in.(input), out.(output))
	}}
	rnd := rand.New(rand.NewPCG(1, 2))
	counts := map[Verdict]int{}
	for n := range 3000 {
		var ops []Operation
		state, at := "", 0
		for i := range 2 + rnd.IntN(10) {
			at += rnd.IntN(20)
			call, ret := at-rnd.IntN(25), at+rnd.IntN(25)
			call = max(call, 0)
			op := Operation{Client: i, Key: "a", Call: time.Duration(call) * ms, Return: time.Duration(ret) * ms, Completed: true}
			v := strconv.Itoa(rnd.IntN(3))
			switch rnd.IntN(4) {
			case 0:
				op.Kind, op.Output = Get, state
			case 1:
				op.Kind, op.Value, state = Set, v, v
			case 2:
				op.Kind, op.Old, op.Value = CAS, strconv.Itoa(rnd.IntN(3)), v
				op.Output = strconv.FormatBool(state == op.Old)
				if state == op.Old {
					state = v
				}
			case 3:
				op.Kind, op.Output, state = Del, state, ""
			}
			if op.Kind != Get && rnd.IntN(8) == 0 {
				op = noReply(op)
			}
			ops = append(ops, op)
		}
		if n%2 == 1 {
			i := rnd.IntN(len(ops))
			if ops[i].Kind == Get || ops[i].Kind == Del {
				ops[i].Output = strconv.Itoa(rnd.IntN(3))
			} else if ops[i].Kind == CAS && ops[i].Completed {
				ops[i].Output = strconv.FormatBool(ops[i].Output != "true")
			}
		}
		want := Violation
		if porcupine.CheckOperations(whole, wholeConv(ops)) {
			want = OK
		}
		r, err := Linearizable(ops, DefaultBudget)
		require.NoError(t, err)
		require.Equal(t, want, r.Verdict, "history %d: %+v", n, ops)
		counts[want]++
		if want == OK {
			places, pr, err := Placements(ops, DefaultBudget)
			require.NoError(t, err)
			require.Equal(t, OK, pr.Verdict)
			// The order placed is a linearization: replaying it in order
			// gives every result.
			byOrder := make([]int, len(ops)+1)
			for i, p := range places {
				if p.Order > 0 {
					byOrder[p.Order] = i + 1
				}
			}
			placed := 0
			for _, p := range places {
				if p.Order > 0 {
					placed++
				}
			}
			require.Equal(t, len(ops), placed, "history %d: every operation placed, once", n)
			s := kstate{}
			for o := 1; o <= len(ops) && byOrder[o] > 0; o++ {
				c := toPorcupine(ops[byOrder[o]-1], 0)
				ok, next := stepState(s, c.Input.(input), c.Output.(output))
				require.True(t, ok, "history %d: order %d", n, o)
				s = next
			}
		}
	}
	t.Logf("verdicts: %v", counts)
	assert.Greater(t, counts[OK], 1000)
	assert.Greater(t, counts[Violation], 500)
}

// wholeConv is the whole history as porcupine's operations, reads
// without a result left out, for a search without windows.
func wholeConv(ops []Operation) []porcupine.Operation {
	var out []porcupine.Operation
	for i, op := range ops {
		if op.Completed || op.Kind != Get {
			out = append(out, toPorcupine(op, i))
		}
	}
	return out
}
