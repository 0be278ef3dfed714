package raft

import (
	"encoding/json"
	"maps"
)

// testSM is the state machine of the unit tests: a map of keys to values
// and the last answer of each client session, just enough to see what a
// node applied (the real one, with every operation, is package kv).
type testSM struct {
	data     map[string]Value
	sessions map[uint64]Response
	applied  int // commands executed, copies of a session's command not counted
}

func newTestSM() *testSM {
	return &testSM{data: map[string]Value{}, sessions: map[uint64]Response{}}
}

func (sm *testSM) Apply(e *Entry) Response {
	c := e.Cmd
	if r, ok := sm.sessions[c.ClientID]; ok && c.ClientID != 0 && r.Seq == c.Seq {
		return r
	}
	sm.applied++
	r := Response{ClientID: c.ClientID, Seq: c.Seq, Status: StatusSuccess, LeaderHint: None}
	switch c.Op {
	case OpSet:
		sm.data[c.Key] = c.Value
		r.Result = c.Value
	case OpCAS:
		r.Result = "false"
		if sm.data[c.Key] == c.Old {
			sm.data[c.Key] = c.Value
			r.Result = "true"
		}
	default:
		r.Result = sm.data[c.Key]
	}
	if c.ClientID != 0 {
		sm.sessions[c.ClientID] = r
	}
	return r
}

func (sm *testSM) Read(c Command) Response {
	return Response{ClientID: c.ClientID, Seq: c.Seq, Status: StatusSuccess, Result: sm.data[c.Key], LeaderHint: None}
}

func (sm *testSM) Applied(client, seq uint64) (Response, bool) {
	r, ok := sm.sessions[client]
	return r, ok && r.Seq == seq
}

func (sm *testSM) state() map[string]Value { return maps.Clone(sm.data) }

func (sm *testSM) Snapshot() []byte {
	b, _ := json.Marshal(struct {
		Data     map[string]Value
		Sessions map[uint64]Response
	}{sm.data, sm.sessions})
	return b
}

func (sm *testSM) Restore(b []byte) error {
	var st struct {
		Data     map[string]Value
		Sessions map[uint64]Response
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	sm.data, sm.sessions = st.Data, st.Sessions
	if sm.data == nil {
		sm.data = map[string]Value{}
	}
	if sm.sessions == nil {
		sm.sessions = map[uint64]Response{}
	}
	return nil
}
