package repl

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"raftsim/raft"
	"raftsim/sim"
)

// Field values of getAll. Each type knows how to render itself as JSON
// (json.go) and for people (render.go).
type (
	// LogValue is a server's log.
	LogValue []raft.Entry
	// KV is a state machine: key to value.
	KV map[string]raft.Value
	// NodeRef is a server id that may be raft.None (null).
	NodeRef raft.NodeID
	// IDMap is a leader's nextIndex or matchIndex.
	IDMap map[raft.NodeID]uint64
	// IDs is a list of server ids (a configuration).
	IDs []raft.NodeID
)

// FieldValue is the value of getAll: one field of every server, or of one.
type FieldValue struct {
	Field  string
	Rows   []FieldRow
	Single bool // getAll FIELD ID: render the value alone
}

// FieldRow is one server's value of a field.
type FieldRow struct {
	ID raft.NodeID
	V  any // nil renders as null
}

// Status is the value of the status command: one row per server.
type Status []sim.ServerInfo

// fields lists getAll's fields (raft.js's names) in help order.
var fields = []string{"log", "stateMachine", "currentTerm", "votedFor", "commitIndex", "lastApplied", "state", "nextIndex", "matchIndex", "config"}

// fieldOf extracts one field from a server's info. Volatile fields of a
// crashed server are null: it has no such state until it restarts.
func fieldOf(field string, in sim.ServerInfo) any {
	switch field {
	case "log":
		return LogValue(in.Log)
	case "currentTerm":
		return in.Term
	case "votedFor":
		return NodeRef(in.VotedFor)
	case "config":
		return IDs(in.Config)
	case "state":
		if !in.Up {
			return "down"
		}
		return in.Role.String()
	}
	if !in.Up {
		return nil
	}
	switch field {
	case "stateMachine":
		return KV(in.StateMachine)
	case "commitIndex":
		return in.CommitIndex
	case "lastApplied":
		return in.LastApplied
	case "nextIndex":
		if in.NextIndex == nil {
			return nil
		}
		return IDMap(in.NextIndex)
	case "matchIndex":
		if in.MatchIndex == nil {
			return nil
		}
		return IDMap(in.MatchIndex)
	}
	return nil
}

func (s *Session) getAll(c Command) Result {
	// getAll log [ID] FROM..TO shows part of a long log.
	var lo, hi uint64
	if n := len(c.Args); n >= 2 && c.Args[n-1].Kind == ArgWord && strings.Contains(c.Args[n-1].Text, "..") {
		var err error
		if lo, hi, err = indexRange(c.Args[n-1].Text); err != nil {
			return Result{Err: err}
		}
		if !strings.EqualFold(c.Args[0].Text, "log") {
			return Result{Err: fmt.Errorf("getAll: a range FROM..TO is for the log only (try getAll log 0 %s)", c.Args[n-1].Text)}
		}
		c.Args = c.Args[:n-1]
	}
	if len(c.Args) == 0 || len(c.Args) > 2 {
		return Result{Err: fmt.Errorf("getAll: give a field and optionally a server id (try getAll log, getAll stateMachine 0 or getAll log 0 5..9; fields: %s)", strings.Join(fields, ", "))}
	}
	name := c.Args[0].Text
	field := ""
	for _, f := range fields {
		if strings.EqualFold(f, name) {
			field = f
		}
	}
	if field == "" || c.Args[0].Kind == ArgNumber {
		return Result{Err: fmt.Errorf("getAll: unknown field %s (%sfields: %s)", s.show(0, c.Args[0]), didYouMean(name, fields), strings.Join(fields, ", "))}
	}
	ids := s.sim.Servers()
	single := len(c.Args) == 2
	if single {
		id, err := s.serverArg(c, 1, true)
		if err != nil {
			return Result{Err: err}
		}
		ids = []raft.NodeID{id}
	}
	v := FieldValue{Field: field, Single: single}
	for _, id := range ids {
		in, err := s.sim.Info(id)
		if err != nil {
			return Result{Err: fmt.Errorf("getAll: %v", err)}
		}
		if hi > 0 {
			in.Log = slices.DeleteFunc(in.Log, func(e raft.Entry) bool { return e.Index < lo || e.Index > hi })
		}
		v.Rows = append(v.Rows, FieldRow{ID: id, V: fieldOf(field, in)})
	}
	return Result{OK: true, Value: v}
}

// indexRange reads "FROM..TO" (both inclusive, FROM >= 1); "FROM.." runs to
// the end of the log.
func indexRange(w string) (lo, hi uint64, err error) {
	from, to, _ := strings.Cut(w, "..")
	bad := fmt.Errorf("getAll: bad range %q (try 5..9, or 5.. for index 5 to the end)", w)
	if lo, err = strconv.ParseUint(from, 10, 64); err != nil || lo == 0 {
		return 0, 0, bad
	}
	hi = math.MaxUint64
	if to != "" {
		if hi, err = strconv.ParseUint(to, 10, 64); err != nil || hi < lo {
			return 0, 0, bad
		}
	}
	return lo, hi, nil
}

func (s *Session) status(c Command) Result {
	if len(c.Args) > 0 {
		return Result{Err: fmt.Errorf("status: takes no arguments (for one field of one server: getAll state 0)")}
	}
	var st Status
	for _, id := range s.sim.Servers() {
		in, err := s.sim.Info(id)
		if err != nil {
			return Result{Err: fmt.Errorf("status: %v", err)}
		}
		st = append(st, in)
	}
	return Result{OK: true, Value: st}
}
