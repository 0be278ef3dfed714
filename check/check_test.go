package check

import (
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
	r, err := Linearizable(ops, 10*time.Second)
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
	assert.Contains(t, r.Explanation, "leaving x = 2")
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

	conv, _, err := convert(ops)
	require.NoError(t, err)
	parts := partitionByKey(conv)
	require.Len(t, parts, 2)
	for i, want := range []string{"a", "b"} {
		require.Len(t, parts[i], 2)
		for _, op := range parts[i] {
			assert.Equal(t, want, op.Input.(input).key)
		}
	}
	// The per-key model is right only because of the partition: reading
	// b's value on a is wrong, and the verdict names a, not b.
	bad := append(ops, get(3, "a", "2", 80, 90))
	r = verdict(t, bad...)
	require.Equal(t, Violation, r.Verdict)
	assert.Equal(t, "a", r.Key)
	assert.Equal(t, []string{"a"}, r.BadKeys)
	// Without partitioning, the same model (a single value) would be wrong
	// for this good history: that is what Partition is for.
	whole := porcupine.Model{Init: Model.Init, Step: Model.Step}
	assert.False(t, porcupine.CheckOperations(whole, conv))
	assert.True(t, porcupine.CheckOperations(Model, conv))
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
	_, err := Linearizable([]Operation{set(1, "a", "1", 10, 5)}, 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "returns at 5ms, before its call at 10ms")
	_, err = Linearizable([]Operation{{Kind: 9, Key: "a"}}, 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown kind 9")
	r, err := Linearizable(nil, 0)
	require.NoError(t, err)
	assert.Equal(t, OK, r.Verdict)
}

func TestTimeoutGivesUnknown(t *testing.T) {
	// 40 writes without a reply and 40 overlapping reads of them in a
	// scrambled order: the search space is huge, and the impossible last
	// read cannot be reached in time.
	var ops []Operation
	for i := range 40 {
		ops = append(ops, noReply(set(i, "a", strconv.Itoa(i), 0, 0)))
	}
	for i := range 40 {
		ops = append(ops, get(100+i, "a", strconv.Itoa((i*7)%40), 10+i, 1000))
	}
	ops = append(ops, get(200, "a", "999", 2000, 2001))
	start := time.Now()
	r, err := Linearizable(ops, 50*time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, Unknown, r.Verdict)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Equal(t, "unknown: the check ran out of time (81 operations on 1 key, 40 without a reply)", r.String())
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
	places, bad, err := Placements(ops, 10*time.Second)
	require.NoError(t, err)
	require.Len(t, places, len(ops))
	assert.Equal(t, Placement{Order: 1, State: "1"}, places[0])
	assert.Equal(t, Placement{Order: 2, State: "1"}, places[1])
	assert.Equal(t, Placement{Order: 3, State: "2"}, places[2])
	assert.Equal(t, Placement{}, places[3])
	assert.Equal(t, []string{"x"}, bad)
	assert.Equal(t, 1, places[4].Order)
	assert.Equal(t, 2, places[5].Order)
	assert.Zero(t, places[6].Order, "the stale read cannot be placed")
}
