package sim

import (
	"fmt"
	"iter"
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

// DiskEntry returns entry index of server id's disk: what a crash now
// would leave it. The log in memory runs ahead of it while writes wait
// for their fsync (disk ID fsync=D); entries the disk's snapshot covers are
// not held.
func (s *Sim) DiskEntry(id raft.NodeID, index uint64) (raft.Entry, bool) {
	srv := s.server(id)
	if srv == nil || index < srv.disk.first() || index > srv.disk.len() {
		return raft.Entry{}, false
	}
	return *srv.disk.entry(index), true
}

// LogEntry returns entry index of the log Info shows for server id: the
// node's when it is up, its disk's when it is down; false when that log
// does not hold index (compacted, past its end, or no such server).
func (s *Sim) LogEntry(id raft.NodeID, index uint64) (raft.Entry, bool) {
	srv := s.server(id)
	switch {
	case srv == nil:
		return raft.Entry{}, false
	case srv.up:
		return srv.node.Entry(index)
	case index < srv.disk.first() || index > srv.disk.len():
		return raft.Entry{}, false
	}
	return *srv.disk.entry(index), true
}

// Entries yields entries from..to (inclusive) of the log Info shows for
// server id, in order, as far as that log holds them: what a command
// that shows part of a log reads, one entry at a time instead of a copy
// of the whole log. The simulation must not run while it yields.
func (s *Sim) Entries(id raft.NodeID, from, to uint64) iter.Seq[raft.Entry] {
	return func(yield func(raft.Entry) bool) {
		srv := s.server(id)
		if srv == nil {
			return
		}
		first, last := srv.disk.first(), srv.disk.len()
		if srv.up {
			first, last = srv.node.FirstIndex(), srv.node.LastIndex()
		}
		for i := max(from, first); i <= min(to, last); i++ {
			e, ok := s.LogEntry(id, i)
			if !ok || !yield(e) {
				return
			}
		}
	}
}

// StateMachine returns a copy of server id's key/value map, nil when it
// is down or does not exist.
func (s *Sim) StateMachine(id raft.NodeID) map[string]raft.Value {
	if srv := s.server(id); srv != nil && srv.up {
		return srv.kv.Data()
	}
	return nil
}

// Value returns the value of key k in server id's state machine; false
// when the key is absent, the server down or unknown.
func (s *Sim) Value(id raft.NodeID, k string) (raft.Value, bool) {
	if srv := s.server(id); srv != nil && srv.up {
		return srv.kv.Get(k)
	}
	return "", false
}

// Keys yields the keys of server id's state machine, in no particular
// order, without copying it (nothing when it is down). The simulation
// must not run while it yields.
func (s *Sim) Keys(id raft.NodeID) iter.Seq[string] {
	return func(yield func(string) bool) {
		srv := s.server(id)
		if srv == nil || !srv.up {
			return
		}
		for k := range srv.kv.All() {
			if !yield(k) {
				return
			}
		}
	}
}

// Progress returns the nextIndex and matchIndex server id keeps for each
// peer while it leads (copies; nil maps otherwise).
func (s *Sim) Progress(id raft.NodeID) (next, match map[raft.NodeID]uint64) {
	if srv := s.server(id); srv != nil && srv.up {
		return srv.node.Progress()
	}
	return nil, nil
}

// Info returns everything the shell can show about server id. The slices
// and maps are copies the caller may keep: the whole log among them, so a
// caller that shows part of a server's state reads it with Brief and
// Entries, LogEntry, StateMachine, Value, Keys or Progress instead.
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
	si.Log = n.Log()
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

// Up says whether server id is up, with Brief's error for a server that
// does not exist: what crash, restart and snapshot ask first, without
// Brief's reading of a down server's configuration off its disk (a
// quarter of what a chaos seed's restarts cost).
func (s *Sim) Up(id raft.NodeID) (bool, error) {
	srv, err := s.lookup("info", id)
	if err != nil {
		return false, err
	}
	return srv.up, nil
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
		si.Membership = d.membership()
		si.FirstIndex, si.LastIndex = d.first(), d.len()
		si.Snapshot = SnapshotInfo{Index: d.snap.Index, Term: d.snap.Term, Config: slices.Clone(d.snap.Config),
			Old: slices.Clone(d.snap.Outgoing), Learners: slices.Clone(d.snap.Learners), Bytes: len(d.snap.Data)}
		return si, srv, nil
	}
	n := srv.node
	si.Role, si.Term, si.VotedFor, si.Leader = n.Role(), n.Term(), n.VotedFor(), n.Leader()
	si.CommitIndex, si.LastApplied = n.CommitIndex(), n.LastApplied()
	si.Config = n.Members()
	si.Membership = n.Membership()
	si.FirstIndex, si.LastIndex = n.FirstIndex(), n.LastIndex()
	meta, size := n.SnapshotMeta()
	si.Snapshot = SnapshotInfo{Index: meta.Index, Term: meta.Term, Config: meta.Config, Old: meta.Outgoing, Learners: meta.Learners, Bytes: size}
	return si, srv, nil
}

// Snapshot makes server id snapshot its state machine now and compact its
// log (the shell's `snapshot ID`, §7). It reports false when the server has
// applied nothing since its last snapshot.
func (s *Sim) Snapshot(id raft.NodeID) (bool, error) {
	srv, err := s.lookup("snapshot", id)
	if err != nil {
		return false, err
	}
	if !srv.up {
		return false, fmt.Errorf("snapshot %d: %w", id, ErrServerDown)
	}
	p := prior{role: srv.node.Role(), term: srv.node.Term()}
	took := srv.node.Compact(s.localNow(srv))
	s.afterInput(srv, p, false)
	return took, nil
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
	rsrv := s.server(ref)
	rsm := rsrv.kv.Data()
	why := ""
	s.reachable(ref, func(srv *server) bool {
		if srv.id == ref {
			return true
		}
		why = diffServers(rsrv.id, rsrv.node, rsm, srv.id, srv.node, srv.kv.Data())
		return why == ""
	})
	return why == "", why
}

// diffServers describes the first difference between two servers' logs
// (where both hold entries: a snapshot replaces a prefix) and state
// machines, or returns "".
func diffServers(a raft.NodeID, na *raft.Node, sa map[string]raft.Value, b raft.NodeID, nb *raft.Node, sb map[string]raft.Value) string {
	for i := max(na.FirstIndex(), nb.FirstIndex()); i <= min(na.LastIndex(), nb.LastIndex()); i++ {
		ea, _ := na.Entry(i)
		eb, _ := nb.Entry(i)
		// Entries replicated from one leader share their command and
		// configuration: equal fields need no fingerprint. chaos asks
		// Converged every 10ms of a wait, over whole logs.
		if ea != eb && entryHash(&ea) != entryHash(&eb) {
			return fmt.Sprintf("logs of servers %d and %d differ at index %d: %s vs %s", a, b, i, describe(&ea), describe(&eb))
		}
	}
	if la, lb := na.LastIndex(), nb.LastIndex(); la != lb {
		return fmt.Sprintf("server %d's log has %d entries, server %d's has %d", a, la, b, lb)
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
