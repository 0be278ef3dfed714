package render

import (
	"encoding/json"

	"raftsim/raft"
	"raftsim/sim"
)

// JSON of one trace event: the time, the kind, the servers, the text the
// debug output shows, and the message or Raft event in full.
type jsonTraceEvent struct {
	TMs    json.Number     `json:"t_ms"`
	Kind   string          `json:"kind"`
	What   string          `json:"what"`
	Node   json.RawMessage `json:"node"`
	Peer   json.RawMessage `json:"peer"`
	Text   string          `json:"text"`
	Reason string          `json:"reason,omitempty"`
	Msg    *jsonMsg        `json:"msg,omitempty"`
	Raft   *jsonRaftEvent  `json:"raft,omitempty"`
}

type jsonMsg struct {
	Type          string          `json:"type"`
	From          json.RawMessage `json:"from"`
	To            json.RawMessage `json:"to"`
	Term          uint64          `json:"term"`
	LastIndex     uint64          `json:"lastIndex,omitempty"`
	LastTerm      uint64          `json:"lastTerm,omitempty"`
	PrevIndex     uint64          `json:"prevIndex,omitempty"`
	PrevTerm      uint64          `json:"prevTerm,omitempty"`
	Entries       []jsonEntry     `json:"entries,omitempty"`
	Commit        uint64          `json:"commit,omitempty"`
	ReadSeq       uint64          `json:"readSeq,omitempty"`
	Reject        bool            `json:"reject,omitempty"`
	Match         uint64          `json:"match,omitempty"`
	ConflictTerm  uint64          `json:"conflictTerm,omitempty"`
	ConflictIndex uint64          `json:"conflictIndex,omitempty"`
	Cmd           *jsonTraceCmd   `json:"cmd,omitempty"`
	Resp          *jsonTraceResp  `json:"resp,omitempty"`
}

type jsonTraceCmd struct {
	jsonCommand
	ClientID uint64 `json:"clientId"`
	Seq      uint64 `json:"seq"`
	RO       bool   `json:"ro,omitempty"`
}

type jsonTraceResp struct {
	jsonReply
	ClientID uint64 `json:"clientId"`
	Seq      uint64 `json:"seq"`
}

type jsonRaftEvent struct {
	Node   json.RawMessage `json:"node"`
	Term   uint64          `json:"term"`
	Peer   json.RawMessage `json:"peer"`
	Role   string          `json:"role"`
	Index  uint64          `json:"index,omitempty"`
	Index2 uint64          `json:"index2,omitempty"`
	Reason string          `json:"reason,omitempty"`
	Config []raft.NodeID   `json:"config,omitempty"`
}

// sessionNumber is a client session's id as people see it: the client's
// number (1000 for the shell's), not its network endpoint.
func sessionNumber(id uint64) uint64 { return uint64(sim.ShownID(raft.NodeID(id))) }

// TraceEventJSON is the JSON form of one trace event as `export trace`
// writes it, one object a line; line is the event as the debug output words
// it.
func TraceEventJSON(ev sim.TraceEvent, line EventLine) any {
	j := jsonTraceEvent{TMs: Millis(ev.Time), Kind: ev.Kind.String(), What: line.Kind, Node: nodeJSON(ev.Node), Peer: nodeJSON(ev.Peer),
		Text: line.Text, Reason: ev.Reason}
	if m := ev.Msg; m != nil {
		jm := &jsonMsg{Type: m.Type.String(), From: nodeJSON(m.From), To: nodeJSON(m.To), Term: m.Term,
			LastIndex: m.LastIndex, LastTerm: m.LastTerm, PrevIndex: m.PrevIndex, PrevTerm: m.PrevTerm, Commit: m.Commit,
			ReadSeq: m.ReadSeq, Reject: m.Reject, Match: m.Match, ConflictTerm: m.ConflictTerm, ConflictIndex: m.ConflictIndex}
		for _, e := range m.Entries {
			jm.Entries = append(jm.Entries, entryJSON(e))
		}
		switch m.Type {
		case raft.MsgClient:
			var c raft.Command
			if m.Cmd != nil {
				c = *m.Cmd
			}
			jm.Cmd = &jsonTraceCmd{jsonCommand: commandJSON(c), ClientID: sessionNumber(c.ClientID), Seq: c.Seq, RO: c.ReadOnly}
		case raft.MsgClientResp:
			var r raft.Response
			if m.Resp != nil {
				r = *m.Resp
			}
			jm.Resp = &jsonTraceResp{jsonReply: jsonReply{Status: r.Status, Result: rawValue(r.Result), LeaderHint: nodeJSON(r.LeaderHint), Error: r.Err},
				ClientID: sessionNumber(r.ClientID), Seq: r.Seq}
		}
		j.Msg = jm
	}
	if ev.Kind == sim.EvRaft {
		e := ev.Raft
		j.Raft = &jsonRaftEvent{Node: nodeJSON(e.Node), Term: e.Term, Peer: nodeJSON(e.Peer), Role: e.Role.String(),
			Index: e.Index, Index2: e.Index2, Reason: e.Reason, Config: e.Config}
	}
	return j
}
