package sim

import (
	"fmt"
	"slices"

	"raftsim/raft"
)

// Servers returns every server ever created, ascending.
func (s *Sim) Servers() []raft.NodeID { return slices.Clone(s.ids) }

// Entry returns entry index of server id's log, if it has it: what the
// debug output says was appended or applied, without copying the log.
func (s *Sim) Entry(id raft.NodeID, index uint64) (raft.Entry, bool) {
	srv := s.server(id)
	if srv == nil || srv.node == nil {
		return raft.Entry{}, false
	}
	return srv.node.Entry(index)
}

// Info returns everything the shell can show about server id. The slices
// and maps are copies the caller may keep.
func (s *Sim) Info(id raft.NodeID) (ServerInfo, error) {
	si, srv, err := s.brief("info", id)
	if err != nil {
		return si, err
	}
	if !srv.up {
		si.Log = srv.disk.log()
		return si, nil
	}
	n := srv.node
	si.Log = slices.Clone(n.Log())
	si.StateMachine = srv.kv.Data()
	si.NextIndex, si.MatchIndex = n.Progress()
	return si, nil
}

// Brief is Info without the log, the state machine and the leader's
// progress (Log, StateMachine, NextIndex and MatchIndex are nil): what a
// question about roles, terms or the membership needs, without copying a
// log on every call (the chaos runner asks after every step).
func (s *Sim) Brief(id raft.NodeID) (ServerInfo, error) {
	si, _, err := s.brief("info", id)
	return si, err
}

func (s *Sim) brief(op string, id raft.NodeID) (ServerInfo, *server, error) {
	srv, err := s.lookup(op, id)
	if err != nil {
		return ServerInfo{}, nil, err
	}
	si := ServerInfo{ID: id, Up: srv.up, Group: srv.group, Leader: raft.None}
	if !srv.up {
		d := srv.disk
		si.Term, si.VotedFor = d.hard.Term, d.hard.VotedFor
		if d.hard.Term == 0 {
			si.VotedFor = raft.None
		}
		si.Config = d.config()
		si.Membership = raft.Membership{Voters: si.Config}
		return si, srv, nil
	}
	n := srv.node
	si.Role, si.Term, si.VotedFor, si.Leader = n.Role(), n.Term(), n.VotedFor(), n.Leader()
	si.CommitIndex, si.LastApplied = n.CommitIndex(), n.LastApplied()
	si.Config = n.Members()
	si.Membership = n.Membership()
	return si, srv, nil
}

// Converged reports whether all live, mutually connected servers of the
// configuration have identical logs and state machines; if not, why not.
// The reference is the leader (or, without one, the lowest live server);
// the servers compared are the live members it reaches.
func (s *Sim) Converged() (bool, string) {
	ref := s.leader()
	if ref == raft.None {
		for _, id := range s.ids {
			if s.servers[id].up {
				ref = id
				break
			}
		}
	}
	if ref == raft.None {
		return false, "no server is up"
	}
	rn := s.server(ref).node
	rlog, rsm := rn.Log(), s.server(ref).kv.Data()
	why := ""
	s.reachable(ref, func(srv *server) bool {
		if srv.id == ref {
			return true
		}
		why = diffServers(ref, rlog, rsm, srv.id, srv.node.Log(), srv.kv.Data())
		return why == ""
	})
	return why == "", why
}

// diffServers describes the first difference between two servers' logs and
// state machines, or returns "".
func diffServers(a raft.NodeID, la []raft.Entry, sa map[string]raft.Value, b raft.NodeID, lb []raft.Entry, sb map[string]raft.Value) string {
	for i := 0; i < min(len(la), len(lb)); i++ {
		if entryHash(&la[i]) != entryHash(&lb[i]) {
			return fmt.Sprintf("logs of servers %d and %d differ at index %d: %s vs %s", a, b, i+1, describe(&la[i]), describe(&lb[i]))
		}
	}
	if len(la) != len(lb) {
		return fmt.Sprintf("server %d's log has %d entries, server %d's has %d", a, len(la), b, len(lb))
	}
	keys := make([]string, 0, len(sa)+len(sb))
	for k := range sa {
		keys = append(keys, k)
	}
	for k := range sb {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		va, oka := sa[k]
		vb, okb := sb[k]
		if va != vb || oka != okb {
			return fmt.Sprintf("state machines of servers %d and %d differ at key %q: %s vs %s", a, b, k, showValue(va, oka), showValue(vb, okb))
		}
	}
	return ""
}

func showValue(v raft.Value, ok bool) string {
	if !ok {
		return "(absent)"
	}
	return string(v)
}
