// Package kv is the replicated key/value service that raftsim runs on each
// server: a map of keys to values and the client sessions of dissertation
// §6.3, driven by the committed entries of a raft.Node through the
// raft.StateMachine interface. The Raft core orders commands; this package
// says what they mean.
package kv

import (
	"cmp"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"slices"
	"time"

	"raftsim/raft"
)

// Store is one server's copy of the key/value state machine with client
// sessions: for each client, the last sequence number applied and its
// response, so that a retried command is applied once. It implements
// raft.StateMachine.
//
// Sessions expire (dissertation §6.3) by the time carried in the log: each
// entry holds its leader's clock, the store's clock is the latest of them,
// and a session with no command for longer than the timeout is over. Every
// server applies the same entries, so every server expires the same
// sessions at the same entry, whatever its own clock says. A command of an
// expired session is answered SESSION_EXPIRED and not applied: the store
// no longer knows whether it applied it before, so applying it could apply
// it twice. The ids of expired sessions are kept (a few bytes per client,
// not per command) so that they stay expired.
type Store struct {
	data map[string]raft.Value
	// sessions holds each session by pointer, so that applying a
	// command looks its session up once and updates it in place.
	sessions map[uint64]*session
	// timeout is how long a session lives without a command (0: for
	// ever); clock is the log's time, the latest Entry.Time applied;
	// expired holds the sessions that timed out, and is nil until one
	// does, so that asking it costs no read of a map in memory.
	timeout time.Duration
	clock   time.Duration
	expired map[uint64]bool
	// lastID's session is lastSession (nil: none cached): a client's
	// commands usually come one after another, and the store's fields
	// share a cache line where the map's header and slot are two more
	// lines to fetch (in a cluster of 1,000 servers every store is cold
	// by the time its next entry comes).
	lastID      uint64
	lastSession *session
	// snap is Snapshot's memory, kept from one snapshot to the next: a
	// server with a small snapshot threshold snapshots every few entries.
	snap snapScratch
}

// snapScratch holds the sorted keys and the sessions of the last
// snapshot, whose arrays the next one reuses, and its length, which sizes
// the next one's buffer.
type snapScratch struct {
	keys     []string
	clients  []uint64
	expired  []uint64
	sessions []sessionState
	size     int
}

type session struct {
	seq  uint64
	resp raft.Response
	last time.Duration // the log's time at its last command
}

// New returns an empty store whose client sessions expire after
// sessionTimeout of log time without a command (0: never). Every server of
// a cluster must have the same.
func New(sessionTimeout time.Duration) *Store {
	return &Store{data: map[string]raft.Value{}, sessions: map[uint64]*session{}, timeout: sessionTimeout}
}

// session returns client's session, or nil.
func (s *Store) session(client uint64) *session {
	if client == s.lastID && s.lastSession != nil {
		return s.lastSession
	}
	ss := s.sessions[client]
	if ss != nil {
		s.lastID, s.lastSession = client, ss
	}
	return ss
}

// expire forgets client's session and marks it expired.
func (s *Store) expire(client uint64) {
	delete(s.sessions, client)
	if client == s.lastID {
		s.lastSession = nil
	}
	if s.expired == nil {
		s.expired = map[uint64]bool{}
	}
	s.expired[client] = true
}

// isExpired says whether client's session is over at the log's time now.
func (s *Store) isExpired(client uint64) bool {
	return s.expired[client] || s.over(s.session(client))
}

// over says whether session ss (nil: none) has had no command for longer
// than the timeout at the log's time now.
func (s *Store) over(ss *session) bool {
	return ss != nil && s.timeout > 0 && s.clock-ss.last > s.timeout
}

// sweep forgets the sessions that are over, keeping their ids. It runs
// when the log's time enters a new period of the timeout, so it happens at
// the same entries on every server (its only effect is memory: isExpired
// answers the same before and after it).
func (s *Store) sweep(before time.Duration) {
	if s.timeout <= 0 || s.clock/s.timeout == before/s.timeout {
		return
	}
	for _, c := range slices.Sorted(maps.Keys(s.sessions)) {
		if s.isExpired(c) {
			s.expire(c)
		}
	}
}

const (
	valTrue  raft.Value = "true"
	valFalse raft.Value = "false"
)

// Apply executes the command of committed entry e and returns its
// response. A command whose session sequence number was already applied is
// not executed again: the copy gets the first answer (§6.3).
func (s *Store) Apply(e *raft.Entry) raft.Response {
	cmd := e.Cmd
	if e.Time > s.clock {
		before := s.clock
		s.clock = e.Time
		s.sweep(before)
	}
	var ss *session
	if cmd.ClientID != 0 {
		ss = s.session(cmd.ClientID)
		if s.expired[cmd.ClientID] || s.over(ss) {
			s.expire(cmd.ClientID)
			return raft.Response{ClientID: cmd.ClientID, Seq: cmd.Seq, Status: raft.StatusSessionExpired,
				Err: "the client's session expired: open a new one", LeaderHint: raft.None}
		}
		if ss != nil && cmd.Seq <= ss.seq {
			if cmd.Seq == ss.seq {
				return ss.resp
			}
			return raft.Response{ClientID: cmd.ClientID, Seq: cmd.Seq, Status: raft.StatusError, Err: "stale request: the client has moved on"}
		}
	}
	r := raft.Response{ClientID: cmd.ClientID, Seq: cmd.Seq, Status: raft.StatusSuccess, LeaderHint: raft.None}
	switch cmd.Op {
	case raft.OpGet:
		r.Result = s.data[cmd.Key]
	case raft.OpSet:
		s.data[cmd.Key] = cmd.Value
		r.Result = cmd.Value
	case raft.OpDel:
		r.Result = s.data[cmd.Key]
		delete(s.data, cmd.Key)
	case raft.OpCAS:
		if s.data[cmd.Key] == cmd.Old {
			if cmd.Value == "" {
				delete(s.data, cmd.Key)
			} else {
				s.data[cmd.Key] = cmd.Value
			}
			r.Result = valTrue
		} else {
			r.Result = valFalse
		}
	default:
		r.Status = raft.StatusError
		r.Err = "unknown operation " + cmd.Op.String()
	}
	if cmd.ClientID != 0 {
		if ss == nil {
			ss = &session{}
			s.sessions[cmd.ClientID] = ss
			s.lastID, s.lastSession = cmd.ClientID, ss
		}
		*ss = session{seq: cmd.Seq, resp: r, last: s.clock}
	}
	return r
}

// Read serves a read-only get outside the log (ReadIndex, §6.4).
func (s *Store) Read(cmd raft.Command) raft.Response {
	return raft.Response{ClientID: cmd.ClientID, Seq: cmd.Seq, Status: raft.StatusSuccess, Result: s.data[cmd.Key], LeaderHint: raft.None}
}

// Applied returns the response to the client's command seq if it is the
// last one its session applied.
func (s *Store) Applied(clientID, seq uint64) (raft.Response, bool) {
	ss := s.session(clientID)
	if ss == nil || ss.seq != seq || s.expired[clientID] || s.over(ss) {
		return raft.Response{}, false
	}
	return ss.resp, true
}

// Data returns a copy of the key/value map.
func (s *Store) Data() map[string]raft.Value { return maps.Clone(s.data) }

// All yields every key and its value, in no particular order, without
// copying the map; the store must not change while it runs.
func (s *Store) All() iter.Seq2[string, raft.Value] { return maps.All(s.data) }

// Len returns the number of keys.
func (s *Store) Len() int { return len(s.data) }

// Get returns the value of key k.
func (s *Store) Get(k string) (raft.Value, bool) {
	v, ok := s.data[k]
	return v, ok
}

// snapshotState is the form a snapshot takes: JSON, with the sessions in
// client order, so that equal states give equal bytes on every server.
type snapshotState struct {
	Data     map[string]raft.Value `json:"data"`
	Sessions []sessionState        `json:"sessions,omitempty"`
	Clock    time.Duration         `json:"clock,omitempty"`
	Expired  []uint64              `json:"expired,omitempty"`
}

type sessionState struct {
	Client uint64        `json:"client"`
	Seq    uint64        `json:"seq"`
	Status raft.Status   `json:"status"`
	Result raft.Value    `json:"result,omitempty"`
	Err    string        `json:"err,omitempty"`
	Last   time.Duration `json:"last,omitempty"`
}

// Snapshot returns the whole state, the key/value map and the client
// sessions (§7: a server restored from it must still apply a retried
// command once), as JSON.
func (s *Store) Snapshot() []byte {
	sc := &s.snap
	sc.expired = sortedKeys(sc.expired, s.expired)
	sc.clients = sortedKeys(sc.clients, s.sessions)
	sc.keys = sortedKeys(sc.keys, s.data)
	st := snapshotState{Data: s.data, Clock: s.clock, Expired: sc.expired, Sessions: sc.sessions[:0]}
	for _, c := range sc.clients {
		ss := s.sessions[c]
		st.Sessions = append(st.Sessions, sessionState{Client: c, Seq: ss.seq, Status: ss.resp.Status, Result: ss.resp.Result, Err: ss.resp.Err, Last: ss.last})
	}
	b := appendSnapshot(make([]byte, 0, sc.size+sc.size/8+64), &st, sc.keys)
	sc.sessions, sc.size = st.Sessions, len(b)
	clear(sc.keys) // the keys and the sessions' strings are the store's to free
	clear(sc.sessions)
	return b
}

// sortedKeys returns m's keys in order, in buf's array.
func sortedKeys[K cmp.Ordered, V any](buf []K, m map[K]V) []K {
	buf = buf[:0]
	for k := range m {
		buf = append(buf, k)
	}
	slices.Sort(buf)
	return buf
}

// Restore replaces the state by that of a snapshot Snapshot made.
func (s *Store) Restore(data []byte) error {
	var st snapshotState
	if !parseSnapshot(data, &st) {
		st = snapshotState{}
		if err := json.Unmarshal(data, &st); err != nil {
			return fmt.Errorf("kv: restore: %w", err)
		}
	}
	if st.Data == nil {
		st.Data = map[string]raft.Value{}
	}
	s.data = st.Data
	s.clock = st.Clock
	s.sessions = make(map[uint64]*session, len(st.Sessions))
	for _, ss := range st.Sessions {
		s.sessions[ss.Client] = &session{seq: ss.Seq, last: ss.Last, resp: raft.Response{ClientID: ss.Client, Seq: ss.Seq,
			Status: ss.Status, Result: ss.Result, Err: ss.Err, LeaderHint: raft.None}}
	}
	s.lastSession = nil
	s.expired = nil
	for _, c := range st.Expired {
		if s.expired == nil {
			s.expired = make(map[uint64]bool, len(st.Expired))
		}
		s.expired[c] = true
	}
	return nil
}
