package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"raftsim/raft"
	"raftsim/sim"
)

// clientName names the client of an operation by its id, the shell's
// (1000) as the load's (1001, ...): the name debug output gives it too.
func clientName(op sim.HistoryOp) string {
	return strconv.Itoa(sim.ShownID(op.Client))
}

// opText describes a client operation in shell words: "cas k0 7 -> 9".
func opText(op sim.HistoryOp) string {
	switch op.Op {
	case raft.OpSet:
		return "set " + op.Key + " " + jsValue(op.Value)
	case raft.OpGet:
		if op.ReadOnly {
			return "get " + op.Key + " ro"
		}
		return "get " + op.Key
	case raft.OpCAS:
		return "cas " + op.Key + " " + jsValue(op.Old) + " " + jsValue(op.Value)
	}
	return op.Op.String() + " " + op.Key
}

// DescribeCmd words a client command: "set a=1", "cas a 1→2".
func DescribeCmd(c raft.Command) string {
	switch c.Op {
	case raft.OpSet:
		return fmt.Sprintf("set %s=%s", c.Key, c.Value)
	case raft.OpGet:
		if c.ReadOnly {
			return "get " + c.Key + " (ro)"
		}
		return "get " + c.Key
	case raft.OpDel:
		return "del " + c.Key
	case raft.OpCAS:
		old := c.Old
		if old == "" {
			old = "null"
		}
		return fmt.Sprintf("cas %s %s→%s", c.Key, old, c.Value)
	case raft.OpAddServer, raft.OpRemoveServer, raft.OpTransferLeader:
		return fmt.Sprintf("%s %d", c.Op, c.Server)
	}
	return c.Op.String()
}

// DescribeResp words a reply to a client: "success result 1",
// "NOT_LEADER (leader hint S2)".
func DescribeResp(r raft.Response) string {
	out := string(r.Status)
	if r.Result != "" {
		out += " result " + string(r.Result)
	}
	switch {
	case r.Status != raft.StatusNotLeader:
	case r.LeaderHint == raft.None:
		out += " (no leader known)"
	default:
		out += fmt.Sprintf(" (leader hint S%d)", r.LeaderHint)
	}
	if r.Err != "" {
		out += ": " + r.Err
	}
	return out
}

// Plural counts n things: "1 entry", "3 entries".
func Plural(n uint64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// DescribeViolation words a safety violation: the property, the time, the
// servers, the index and what was seen.
func DescribeViolation(v sim.Violation) string {
	out := fmt.Sprintf("%s broken at t=%s", v.Property, Seconds(v.Time))
	if len(v.Servers) > 0 {
		out += " on S" + JoinIDs(v.Servers, ", S")
	}
	if v.Index > 0 {
		out += fmt.Sprintf(" at index %d", v.Index)
	}
	if v.Detail != "" {
		out += ": " + v.Detail
	}
	return out
}

// Seconds renders a virtual time as seconds with millisecond precision.
func Seconds(d time.Duration) string {
	return fmt.Sprintf("%.3fs", d.Seconds())
}

// JoinIDs writes server ids separated by sep: "0, 1, 2".
func JoinIDs(ids []raft.NodeID, sep string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(int(id))
	}
	return strings.Join(parts, sep)
}

// shortIDs lists ids as JoinIDs does, but a long list by its ends and
// count ("0, 1, 2, ..., 999 (1000 servers)"): a thousand ids are no help.
func shortIDs(ids []raft.NodeID) string {
	if len(ids) <= 10 {
		return JoinIDs(ids, ", ")
	}
	return fmt.Sprintf("%s, ..., %d (%d servers)", JoinIDs(ids[:3], ", "), ids[len(ids)-1], len(ids))
}

// LinkText names a link as the shell writes it: "0->1", or "0<->1" for
// both directions.
func LinkText(from, to raft.NodeID, both bool) string {
	arrow := "->"
	if both {
		arrow = "<->"
	}
	return fmt.Sprintf("%d%s%d", from, arrow, to)
}

// Duration writes d as a person would: 24h, 1h30m, 90s, 300ms — Go's
// String without its trailing zero units (24h0m0s).
func Duration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
