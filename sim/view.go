package sim

import (
	"cmp"
	"slices"
	"time"

	"raftsim/raft"
)

// What a viewer (the web view) reads: a hook between events, the messages
// on the network, the servers' timers. None of it changes what happens.

// Observe installs f to be called before each event is processed (nil
// removes it). When f runs, Now is still the time of the previous event,
// so f sees the state the simulation was in between the two: a viewer that
// records what it sees gets every state the run passed through, with the
// time it began. f must not call back into the simulation except to read
// it (Now, Info, InFlight, Timers, Linked).
func (s *Sim) Observe(f func()) { s.observer = f }

// Flight is a message on the network: sent, not yet delivered or dropped.
type Flight struct {
	// ID names the flight for as long as it is on the network (the
	// sequence number of its delivery event: never reused).
	ID  uint64
	Due time.Duration // when it arrives (or is found blocked and dropped)
	Msg raft.Message  // a copy; Entries is shared and must not be modified
}

// InFlight returns the messages on the network, in the order they arrive.
func (s *Sim) InFlight() []Flight {
	var fs []Flight
	for e := range s.queue.all {
		if e.kind != evDeliver {
			continue
		}
		fs = append(fs, Flight{ID: e.seq, Due: e.at, Msg: *s.pool.get(e.aux)})
	}
	slices.SortFunc(fs, func(a, b Flight) int {
		if c := cmp.Compare(a.Due, b.Due); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return fs
}

// FlightIDs appends to dst the IDs of the messages on the network, in no
// particular order: what InFlight returns, at a fraction of its cost, for
// a viewer that only follows which messages come and go.
func (s *Sim) FlightIDs(dst []uint64) []uint64 {
	for e := range s.queue.all {
		if e.kind == evDeliver {
			dst = append(dst, e.seq)
		}
	}
	return dst
}

// InfoTail is Info with only the last n entries of the log and without
// the state machine: what a viewer that draws every state of a run needs,
// at a cost that does not grow with the log. LastIndex is the index of the
// last entry of the whole log.
func (s *Sim) InfoTail(id raft.NodeID, n int) (si ServerInfo, lastIndex uint64, err error) {
	srv, err := s.lookup("info", id)
	if err != nil {
		return ServerInfo{}, 0, err
	}
	if !srv.up {
		si, _, err = s.brief("info", id) // its disk: read only the tail of its log
		lastIndex = si.LastIndex
		from := max(si.FirstIndex, lastIndex+1-min(lastIndex, uint64(max(n, 0))))
		si.Log = make([]raft.Entry, 0, lastIndex+1-min(from, lastIndex+1))
		for e := range s.Entries(id, from, lastIndex) {
			si.Log = append(si.Log, e)
		}
		return si, lastIndex, err
	}
	nd := srv.node
	si = ServerInfo{ID: id, Up: true, Group: srv.group, Role: nd.Role(), Term: nd.Term(), VotedFor: nd.VotedFor(), Leader: nd.Leader()}
	si.CommitIndex, si.LastApplied = nd.CommitIndex(), nd.LastApplied()
	lastIndex = nd.LastIndex()
	si.Log = make([]raft.Entry, 0, min(lastIndex, uint64(max(n, 0))))
	for i := lastIndex - min(lastIndex, uint64(n)) + 1; i <= lastIndex && n > 0; i++ {
		if e, ok := nd.Entry(i); ok {
			si.Log = append(si.Log, e)
		}
	}
	si.NextIndex, si.MatchIndex = nd.Progress()
	si.Config = nd.Members()
	si.FirstIndex, si.LastIndex = nd.FirstIndex(), lastIndex
	meta, size := nd.SnapshotMeta()
	si.Snapshot = SnapshotInfo{Index: meta.Index, Term: meta.Term, Config: meta.Config, Old: meta.Outgoing, Learners: meta.Learners, Bytes: size}
	si.Membership = nd.Membership()
	return si, lastIndex, nil
}

// NextAt returns the time of the next event, if any is queued.
func (s *Sim) NextAt() (time.Duration, bool) {
	if s.queue.Len() == 0 {
		return 0, false
	}
	return s.queue.peek().at, true
}

// Linked reports whether the network lets a message from a reach b: no
// partition or cut stands between them. Unlike Connected, it does not ask
// whether the servers are up.
func (s *Sim) Linked(a, b raft.NodeID) bool { return s.blocked(a, b) == "" }
