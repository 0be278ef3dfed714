// Package kv is the replicated key/value service that raftsim runs on each
// server: a map of keys to values and the client sessions of dissertation
// §6.3, driven by the committed entries of a raft.Node through the
// raft.StateMachine interface. The Raft core orders commands; this package
// says what they mean.
package kv

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"raftsim/raft"
)

// Store is one server's copy of the key/value state machine with client
// sessions: for each client, the last sequence number applied and its
// response, so that a retried command is applied once. It implements
// raft.StateMachine.
type Store struct {
	data     map[string]raft.Value
	sessions map[uint64]session
}

type session struct {
	seq  uint64
	resp raft.Response
}

// New returns an empty store.
func New() *Store {
	return &Store{data: map[string]raft.Value{}, sessions: map[uint64]session{}}
}

const (
	valTrue  raft.Value = "true"
	valFalse raft.Value = "false"
)

// Apply executes the command of committed entry e and returns its
// response. A command whose session sequence number was already applied is
// not executed again: the copy gets the first answer (§6.3).
func (s *Store) Apply(e *raft.Entry) raft.Response {
	cmd := &e.Cmd
	if cmd.ClientID != 0 {
		if ss, ok := s.sessions[cmd.ClientID]; ok && cmd.Seq <= ss.seq {
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
		s.sessions[cmd.ClientID] = session{seq: cmd.Seq, resp: r}
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
	ss, ok := s.sessions[clientID]
	if !ok || ss.seq != seq {
		return raft.Response{}, false
	}
	return ss.resp, true
}

// Data returns a copy of the key/value map.
func (s *Store) Data() map[string]raft.Value { return maps.Clone(s.data) }

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
}

type sessionState struct {
	Client uint64      `json:"client"`
	Seq    uint64      `json:"seq"`
	Status raft.Status `json:"status"`
	Result raft.Value  `json:"result,omitempty"`
	Err    string      `json:"err,omitempty"`
}

// Snapshot returns the whole state, the key/value map and the client
// sessions (§7: a server restored from it must still apply a retried
// command once), as JSON.
func (s *Store) Snapshot() []byte {
	st := snapshotState{Data: s.data}
	for _, c := range slices.Sorted(maps.Keys(s.sessions)) {
		ss := s.sessions[c]
		st.Sessions = append(st.Sessions, sessionState{Client: c, Seq: ss.seq, Status: ss.resp.Status, Result: ss.resp.Result, Err: ss.resp.Err})
	}
	b, err := json.Marshal(st)
	if err != nil {
		panic("kv: a snapshot that cannot be encoded: " + err.Error()) // strings and numbers always can
	}
	return b
}

// Restore replaces the state by that of a snapshot Snapshot made.
func (s *Store) Restore(data []byte) error {
	var st snapshotState
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("kv: restore: %w", err)
	}
	if st.Data == nil {
		st.Data = map[string]raft.Value{}
	}
	s.data = st.Data
	s.sessions = make(map[uint64]session, len(st.Sessions))
	for _, ss := range st.Sessions {
		s.sessions[ss.Client] = session{seq: ss.Seq, resp: raft.Response{ClientID: ss.Client, Seq: ss.Seq,
			Status: ss.Status, Result: ss.Result, Err: ss.Err, LeaderHint: raft.None}}
	}
	return nil
}
