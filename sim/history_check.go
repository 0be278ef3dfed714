package sim

import (
	"fmt"
	"io"
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
			Client: int(op.Client), Key: op.Key, Value: string(op.Value), Old: string(op.Old),
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
	if op.Shell {
		b.WriteString("shell, ")
	} else {
		b.WriteString("client " + strconv.Itoa(int(op.Client)) + ", ")
	}
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

// Annotations turns the faults seen into annotations of the visualisation:
// one row per server with the intervals it was down, one row for the
// network with each partition or cut until the next change, and a mark for
// every other network change.
func (s *Sim) Annotations() []check.Annotation {
	var out []check.Annotation
	down := map[raft.NodeID]time.Duration{}
	// The network row: one bar per state of the partitions and cuts,
	// until the next change.
	var part string
	var cuts []string
	var since time.Duration
	closeNet := func(at time.Duration) {
		desc := strings.Join(append([]string{part}, cuts...), ", ")
		if part == "" {
			desc = strings.Join(cuts, ", ")
		}
		if desc != "" {
			out = append(out, check.Annotation{Tag: "network", Start: since, End: at, Description: desc,
				Details: fmt.Sprintf("%s from t=%.3fs to t=%.3fs", desc, since.Seconds(), at.Seconds()), Color: "#fde2b5"})
		}
		since = at
	}
	for _, f := range s.work.faults {
		switch f.Kind {
		case EvCrash:
			down[f.Node] = f.Time
		case EvRestart:
			if at, ok := down[f.Node]; ok {
				out = append(out, downAnnotation(f.Node, at, f.Time))
				delete(down, f.Node)
			}
		case EvPartition:
			switch {
			case strings.HasPrefix(f.Desc, "partition "):
				closeNet(f.Time)
				part = f.Desc
			case strings.HasPrefix(f.Desc, "cut "):
				closeNet(f.Time)
				cuts = append(cuts, f.Desc)
			case f.Desc == "heal":
				closeNet(f.Time)
				part, cuts = "", nil
				out = append(out, check.Annotation{Tag: "network", Start: f.Time, End: f.Time, Description: "heal"})
			default: // a change of the network model: a mark
				out = append(out, check.Annotation{Tag: "network", Start: f.Time, End: f.Time, Description: f.Desc})
			}
		}
	}
	closeNet(s.now)
	for _, id := range s.ids {
		if at, ok := down[id]; ok {
			out = append(out, downAnnotation(id, at, s.now))
		}
	}
	return out
}

func downAnnotation(id raft.NodeID, from, to time.Duration) check.Annotation {
	return check.Annotation{Tag: "S" + strconv.Itoa(int(id)), Start: from, End: to, Description: "down",
		Details: fmt.Sprintf("S%d crashed at t=%.3fs, restarted at t=%.3fs", id, from.Seconds(), to.Seconds()), Color: "#f8c4c4"}
}

// VisualizeHistory writes porcupine's HTML visualisation of the client
// history to w, with the crashes and network changes annotated.
func (s *Sim) VisualizeHistory(w io.Writer) error {
	return check.Visualize(CheckOperations(s.work.history), w, s.Annotations())
}
