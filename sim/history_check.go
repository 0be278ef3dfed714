package sim

import (
	"fmt"

	"raftsim/check"
	"raftsim/raft"
)

// CheckOperations turns a history into the operations of the
// linearizability checker. Only a success tells what an operation did; an
// operation answered otherwise (TIMEOUT, NOT_LEADER from a server that
// may have appended it before stepping down, error) or not answered yet
// is incomplete: a write may have taken effect, a read tells nothing.
func CheckOperations(h []HistoryOp) []check.Operation {
	out := make([]check.Operation, 0, len(h))
	for _, op := range h {
		c := check.Operation{
			Client: ShownID(op.Client), Key: op.Key, Value: string(op.Value), Old: string(op.Old),
			Call: op.Call, Return: op.Return,
			Completed: op.Done && op.Status == raft.StatusSuccess,
			Output:    string(op.Result),
		}
		switch op.Op {
		case raft.OpGet:
			c.Kind = check.Get
		case raft.OpSet:
			c.Kind = check.Set
		case raft.OpDel:
			c.Kind = check.Del
		case raft.OpCAS:
			c.Kind = check.CAS
		default:
			continue
		}
		if !c.Completed {
			c.Return, c.Output = 0, ""
		}
		out = append(out, c)
	}
	return out
}

// Linearizable checks the client history so far against the key/value
// model, within check.DefaultBudget.
//
// A history whose oldest operations were dropped (Options.HistoryLimit)
// cannot be checked: the values they wrote are unknown, so any read of
// them would look like a violation. It is refused, saying so.
func (s *Sim) Linearizable() (check.Result, error) {
	if d := s.work.dropped; d > 0 {
		return check.Result{}, fmt.Errorf("the history no longer holds its oldest %d operations (it keeps the newest %d, to bound memory): linearizability of what is left cannot be decided", d, s.opts.HistoryLimit)
	}
	return check.Linearizable(CheckOperations(s.History()), check.DefaultBudget)
}
