package session

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

// fields lists getAll's fields (raft.js's names) in help order.
var fields = []string{"log", "stateMachine", "currentTerm", "votedFor", "commitIndex", "lastApplied", "state", "nextIndex", "matchIndex", "config", "snapshot"}

// fieldOf extracts one field from a server's info. Volatile fields of a
// crashed server are null: it has no such state until it restarts.
func fieldOf(field string, in sim.ServerInfo) any {
	switch field {
	case "log":
		return render.LogValue(in.Log)
	case "currentTerm":
		return in.Term
	case "votedFor":
		return render.NodeRef(in.VotedFor)
	case "config":
		return render.Config(in.Membership)
	case "snapshot":
		sn := in.Snapshot
		return render.SnapshotValue{Index: sn.Index, Term: sn.Term, Config: sn.Config, Old: sn.Old, Learners: sn.Learners, Bytes: sn.Bytes}
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
		return render.KV(in.StateMachine)
	case "commitIndex":
		return in.CommitIndex
	case "lastApplied":
		return in.LastApplied
	case "nextIndex":
		if in.NextIndex == nil {
			return nil
		}
		return render.IDMap(in.NextIndex)
	case "matchIndex":
		if in.MatchIndex == nil {
			return nil
		}
		return render.IDMap(in.MatchIndex)
	}
	return nil
}

func (s *Session) getAll(c lang.Command) render.Result {
	// getAll log [ID] FROM..TO shows part of a long log.
	var lo, hi uint64
	rangeText := ""
	if n := len(c.Args); n >= 2 && c.Args[n-1].Kind == lang.ArgWord && strings.Contains(c.Args[n-1].Text, "..") {
		rangeText = c.Args[n-1].Text
		var err error
		if lo, hi, err = indexRange(c.Args[n-1].Text); err != nil {
			return render.Result{Err: err}
		}
		if !strings.EqualFold(c.Args[0].Text, "log") {
			return render.Result{Err: fmt.Errorf("getAll: a range FROM..TO is for the log only (try getAll log 0 %s)", c.Args[n-1].Text)}
		}
		c.Args = c.Args[:n-1]
	}
	if len(c.Args) == 0 || len(c.Args) > 2 {
		return render.Result{Err: fmt.Errorf("getAll: give a field and optionally a server id (try getAll log, getAll stateMachine 0 or getAll log 0 5..9; fields: %s)", strings.Join(fields, ", "))}
	}
	name := c.Args[0].Text
	field := ""
	for _, f := range fields {
		if strings.EqualFold(f, name) {
			field = f
		}
	}
	if field == "" || c.Args[0].Kind == lang.ArgNumber {
		return render.Result{Err: fmt.Errorf("getAll: unknown field %s (%sfields: %s)", s.show(0, c.Args[0]), didYouMean(name, fields), strings.Join(fields, ", "))}
	}
	ids := s.sim.Servers()
	single := len(c.Args) == 2
	if single {
		id, err := s.serverArg(c, 1, true)
		if err != nil {
			return render.Result{Err: err}
		}
		ids = []raft.NodeID{id}
	}
	v := render.FieldValue{Field: field, Single: single}
	if hi > 0 {
		v.Range = rangeText
	} else {
		lo, hi = 0, math.MaxUint64
	}
	for _, id := range ids {
		in, err := s.fieldInfo(id, field, lo, hi)
		if err != nil {
			return render.Result{Err: simErr("getAll", err)}
		}
		v.Rows = append(v.Rows, render.FieldRow{ID: id, LastIndex: in.LastIndex, V: fieldOf(field, in)})
	}
	return render.Result{OK: true, Value: v}
}

// fieldInfo reads what getAll FIELD shows of server id: its brief state,
// and only for the fields that show them its entries lo..hi, its state
// machine or its leader's progress; so that a term or one entry costs the
// same on a log of a million entries as on a short one.
func (s *Session) fieldInfo(id raft.NodeID, field string, lo, hi uint64) (sim.ServerInfo, error) {
	in, err := s.sim.Brief(id)
	if err != nil {
		return in, err
	}
	switch field {
	case "log":
		n := uint64(0)
		if from, to := max(lo, in.FirstIndex), min(hi, in.LastIndex); from <= to {
			n = to - from + 1
		}
		in.Log = make([]raft.Entry, 0, n)
		for e := range s.sim.Entries(id, lo, hi) {
			in.Log = append(in.Log, e)
		}
	case "stateMachine":
		in.StateMachine = s.sim.StateMachine(id)
	case "nextIndex", "matchIndex":
		in.NextIndex, in.MatchIndex = s.sim.Progress(id)
	}
	return in, nil
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

func (s *Session) status(c lang.Command) render.Result {
	if len(c.Args) > 0 {
		return render.Result{Err: fmt.Errorf("status: takes no arguments (for one field of one server: getAll state 0)")}
	}
	var st render.Status
	for _, id := range s.sim.Servers() {
		in, err := s.sim.Brief(id) // status shows no entry: no log is read
		if err != nil {
			return render.Result{Err: simErr("status", err)}
		}
		st = append(st, render.StatusRow{ServerInfo: in})
	}
	leader, hasLeader := s.sim.LeaderID(false)
	config := referenceConfig(st, leader, hasLeader)
	for i := range st {
		row := &st[i]
		row.Leads = hasLeader && row.ID == leader
		inNew, inOld := slices.Contains(config.Voters, row.ID), slices.Contains(config.Outgoing, row.ID)
		switch {
		case inNew && (inOld || !config.Joint()):
			row.Membership = "member"
		case inNew:
			row.Membership = "joining" // C_new only, during a joint change
		case inOld:
			row.Membership = "leaving" // C_old only
		case s.removed[row.ID]:
			row.Membership = "removed"
		default:
			row.Membership = "learner"
		}
	}
	return render.Result{OK: true, Value: st}
}

// referenceConfig is the configuration status judges membership by: the
// leader's, or without one the newest a live server follows (highest term,
// then longest log).
func referenceConfig(st render.Status, leader raft.NodeID, hasLeader bool) raft.Membership {
	var best *render.StatusRow
	for i := range st {
		r := &st[i]
		if hasLeader && r.ID == leader {
			return r.ServerInfo.Membership
		}
		if best == nil || r.Up && !best.Up || r.Up == best.Up && (r.Term > best.Term || r.Term == best.Term && held(r.ServerInfo) > held(best.ServerInfo)) {
			best = r
		}
	}
	if best == nil {
		return raft.Membership{}
	}
	return best.ServerInfo.Membership
}

// held is the number of entries a server's log holds (FirstIndex..LastIndex:
// the entries a snapshot replaced are not counted).
func held(in sim.ServerInfo) uint64 { return in.LastIndex + 1 - in.FirstIndex }
