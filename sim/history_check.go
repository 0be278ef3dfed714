package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

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
			Note:      opNote(op),
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

// opNote describes an operation for the visualisation's tooltip.
func opNote(op HistoryOp) string {
	var b strings.Builder
	// One name per client everywhere: the shell's is an id like the load's.
	b.WriteString("client " + strconv.Itoa(ShownID(op.Client)) + ", ")
	b.WriteString("seq " + strconv.FormatUint(op.Seq, 10))
	if op.ReadOnly {
		b.WriteString(", ro (ReadIndex)")
	}
	fmt.Fprintf(&b, ", called t=%.6fs", op.Call.Seconds())
	switch {
	case !op.Done:
		b.WriteString(", no answer yet")
	case op.Status != raft.StatusSuccess:
		fmt.Fprintf(&b, ", %s at t=%.6fs", op.Status, op.Return.Seconds())
	default:
		fmt.Fprintf(&b, ", answered t=%.6fs", op.Return.Seconds())
	}
	return b.String()
}

// Linearizable checks the client history so far against the key/value
// model (timeout 0: no limit).
func (s *Sim) Linearizable(timeout time.Duration) (check.Result, error) {
	return check.Linearizable(CheckOperations(s.work.history), timeout)
}
