// Package check decides whether a history of key/value client operations is
// linearizable, with github.com/anishathalye/porcupine's search, and says
// what order it found (Placements) or why there is none.
//
// The search is NP-hard in general, so its budget is counted, in
// operations and in search steps, never in time: a verdict is the same on
// every machine. Each key's history is checked on its own, cut at its
// quiescent points into windows, so memory follows the longest window,
// not the whole history; what the budget could not decide is reported as
// such (which key, from when to when, why), never as linearizable.
//
// It knows nothing of the simulator: callers (sim, repl) turn what their
// clients saw into Operations. The one rule they must follow is the meaning
// of Completed: true only when the reply says what the operation did. An
// operation without such a reply (no answer, a timeout, NOT_LEADER from a
// server that may have appended it before stepping down) is given here as
// incomplete, and this package models it: a write may have taken effect at
// any moment after its call, or never; a read without a result is dropped.
package check

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/anishathalye/porcupine"
)

// Kind is what an operation does.
type Kind uint8

// The operations of the key/value store.
const (
	Get Kind = iota // read Key; Output is the value ("" = absent)
	Set             // write Value to Key
	CAS             // if Key holds Old, write Value ("" deletes); Output "true" or "false"
	Del             // delete Key; Output is the value it held
)

func (k Kind) String() string {
	switch k {
	case Get:
		return "get"
	case Set:
		return "set"
	case CAS:
		return "cas"
	case Del:
		return "del"
	}
	return "op" + strconv.Itoa(int(k))
}

// Operation is one client operation as the client saw it. Values are opaque
// strings compared for equality; "" means "no value" (the key is absent).
type Operation struct {
	Client int // who issued it (any number; a client has one operation at a time)
	Kind   Kind
	Key    string
	Value  string // Set: the value written; CAS: the new value ("" deletes the key)
	Old    string // CAS: the value expected ("" = the key is absent)
	Call   time.Duration
	Return time.Duration // when the reply arrived; only meaningful if Completed
	// Completed says the reply told what happened, and Output holds it.
	Completed bool
	Output    string // Get: the value read; CAS: "true" / "false"; Del: the old value; Set: unused
}

// Infinity is the return time given to a write whose outcome is unknown:
// porcupine may then linearize it anywhere after its call, including after
// everything else (which is the same as never).
const Infinity = time.Duration(math.MaxInt64)

// input and output are porcupine's Input and Output of one operation. They
// are comparable values, so porcupine's default equality works on them.
type input struct {
	kind       Kind
	key        string
	value, old string
}

type output struct {
	known bool // false: the outcome is unknown (an incomplete write)
	value string
}

// step is the sequential specification of one key: state is its value ("" =
// absent). It returns whether the operation, with the output the client
// saw, could happen in that state, and the state after it.
func step(state string, in input, out output) (bool, string) {
	switch in.kind {
	case Get:
		return !out.known || out.value == state, state
	case Set:
		return true, in.value
	case Del:
		return !out.known || out.value == state, ""
	case CAS:
		swapped := state == in.old
		next := state
		if swapped {
			next = in.value
		}
		if !out.known {
			return true, next // it did whatever the state said
		}
		return out.value == strconv.FormatBool(swapped), next
	}
	return false, state
}

// opMeta is what an operation carries through porcupine: its index among
// the operations given, so that a linearization can be mapped back (-1:
// the read withEnd adds).
type opMeta struct {
	index int
}

// show renders a value for people: "" is null.
func show(v string) string {
	if v == "" {
		return "null"
	}
	return v
}

// describe renders one operation: "get a -> 3", "cas a 1 -> 2 ok", "set a 7 ?".
func describe(in input, out output) string {
	var s string
	switch in.kind {
	case Get:
		s = "get " + in.key
	case Set:
		s = "set " + in.key + " " + show(in.value)
	case Del:
		s = "del " + in.key
	case CAS:
		s = "cas " + in.key + " " + show(in.old) + " " + show(in.value)
	default:
		s = in.kind.String() + " " + in.key
	}
	switch {
	case !out.known:
		return s + " -> ? (no reply)"
	case in.kind == Set:
		return s
	}
	return s + " -> " + show(out.value)
}

// validate checks that ops is a history: known kinds, no return before
// its call.
func validate(ops []Operation) error {
	for i, op := range ops {
		if op.Kind > Del {
			return fmt.Errorf("check: operation %d: unknown kind %d", i, op.Kind)
		}
		if op.Completed && op.Return < op.Call {
			return fmt.Errorf("check: operation %d (%s %s of client %d): returns at %v, before its call at %v", i, op.Kind, op.Key, op.Client, op.Return, op.Call)
		}
	}
	return nil
}

// returns is when op returned, for the search: Infinity for a write
// without a reply, which may take effect at any time after its call.
func returns(op Operation) time.Duration {
	if !op.Completed {
		return Infinity
	}
	return op.Return
}

func toInput(op Operation) input {
	return input{kind: op.Kind, key: op.Key, value: op.Value, old: op.Old}
}

func toOutput(op Operation) output {
	if !op.Completed {
		return output{}
	}
	return output{known: true, value: op.Output}
}

// toPorcupine is op, the index-th of those given, as porcupine's.
func toPorcupine(op Operation, index int) porcupine.Operation {
	return porcupine.Operation{
		ClientId: op.Client,
		Input:    toInput(op),
		Call:     int64(op.Call),
		Output:   toOutput(op),
		Return:   int64(returns(op)),
		Metadata: opMeta{index: index},
	}
}
