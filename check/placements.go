package check

import (
	"time"

	"github.com/anishathalye/porcupine"
)

// Placement is where the linearizability search put one operation.
type Placement struct {
	// Order is the operation's position (from 1) in its key's
	// linearization, or in the longest partial one the search found when
	// there is none; 0 when it was not placed: a read without a result,
	// or an operation no order could fit (the first of those is where
	// the history breaks).
	Order int
	// State is the key's value right after the operation, in that order.
	State string
}

// Placements runs the search of Linearizable and says, for each of ops (by
// index), where the order found put it, and which keys have no order.
func Placements(ops []Operation, timeout time.Duration) ([]Placement, []string, error) {
	conv, _, err := convert(ops)
	if err != nil {
		return nil, nil, err
	}
	_, info := porcupine.CheckOperationsVerbose(Model, conv, timeout)
	parts := partitionByKey(conv) // porcupine's partitions, in the same order
	out := make([]Placement, len(ops))
	var bad []string
	for p, partials := range info.PartialLinearizationsOperations() {
		var best []porcupine.Operation
		for _, l := range partials {
			if len(l) > len(best) {
				best = l
			}
		}
		if len(best) < len(parts[p]) {
			bad = append(bad, parts[p][0].Input.(input).key)
		}
		state := Model.Init()
		for j, op := range best {
			_, state = Model.Step(state, op.Input, op.Output)
			out[op.Metadata.(opMeta).index] = Placement{Order: j + 1, State: Model.DescribeState(state)}
		}
	}
	return out, bad, nil
}
