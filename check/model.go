// Package check decides whether a history of key/value client operations is
// linearizable, with github.com/anishathalye/porcupine, and draws porcupine's
// visualisation of it.
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
	"slices"
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
	// Note is shown with the operation in the visualisation (e.g. "seq 4, ro").
	Note string
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

// partitionByKey splits a history into one history per key, in key order
// (a fixed order keeps the visualisation and the verdict reproducible).
// A key/value history is linearizable iff every key's history is: each
// operation touches one key (Herlihy and Wing's locality).
func partitionByKey(history []porcupine.Operation) [][]porcupine.Operation {
	byKey := map[string][]porcupine.Operation{}
	var keys []string
	for _, op := range history {
		k := op.Input.(input).key
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], op)
	}
	slices.Sort(keys)
	out := make([][]porcupine.Operation, len(keys))
	for i, k := range keys {
		out[i] = byKey[k]
	}
	return out
}

// Model is the key/value model for porcupine, partitioned per key. Its
// Input and Output values are this package's own; build histories with
// Linearizable or Visualize rather than by hand.
var Model = porcupine.Model{
	Partition: partitionByKey,
	Init:      func() any { return "" },
	Step: func(state, in, out any) (bool, any) {
		return step(state.(string), in.(input), out.(output))
	},
	DescribeOperation: func(in, out any) string { return describe(in.(input), out.(output)) },
	DescribeState: func(state any) string {
		if state.(string) == "" {
			return "absent"
		}
		return state.(string)
	},
	DescribeOperationMetadata: func(info any) string {
		if info == nil {
			return ""
		}
		return info.(opMeta).note
	},
}

// opMeta is what an operation carries through porcupine: its index among
// the operations given, so that a linearization can be mapped back, and
// its note for the visualisation.
type opMeta struct {
	index int
	note  string
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

// convert turns Operations into porcupine's, dropping reads without a
// result and giving writes without one an infinite return time. Client
// ids become 0..n-1 in ascending order (the visualisation wants them dense).
// It returns the operations kept, in the same order as conv.
func convert(ops []Operation) (conv []porcupine.Operation, kept []Operation, err error) {
	var clients []int
	for _, op := range ops {
		clients = append(clients, op.Client)
	}
	slices.Sort(clients)
	clients = slices.Compact(clients)
	for i, op := range ops {
		if op.Kind > Del {
			return nil, nil, fmt.Errorf("check: operation %d: unknown kind %d", i, op.Kind)
		}
		if op.Completed && op.Return < op.Call {
			return nil, nil, fmt.Errorf("check: operation %d (%s %s of client %d): returns at %v, before its call at %v", i, op.Kind, op.Key, op.Client, op.Return, op.Call)
		}
		if !op.Completed && op.Kind == Get {
			continue // a read that told nothing constrains nothing
		}
		ret, out := op.Return, output{known: true, value: op.Output}
		if !op.Completed {
			ret, out = Infinity, output{}
		}
		cid, _ := slices.BinarySearch(clients, op.Client)
		meta := opMeta{index: i, note: op.Note}
		conv = append(conv, porcupine.Operation{
			ClientId: cid,
			Input:    input{kind: op.Kind, key: op.Key, value: op.Value, old: op.Old},
			Call:     int64(op.Call),
			Output:   out,
			Return:   int64(ret),
			Metadata: meta,
		})
		kept = append(kept, op)
	}
	return conv, kept, nil
}
