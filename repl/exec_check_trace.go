package repl

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"raftsim/raft"
	"raftsim/sim"
)

// maxTraceEvents bounds the trace kept by `trace on`: the latest events are
// kept, the oldest dropped (about 100 MB at most).
const maxTraceEvents = 500_000

// traceLog is the trace recorded since `trace on`: every event of the
// simulation, in a ring that keeps the latest maxTraceEvents. Recording
// is off by default because it costs time and memory on every event.
type traceLog struct {
	on      bool
	since   time.Duration // virtual time recording (last) started
	events  []sim.TraceEvent
	next    int // the oldest event, once the ring is full
	dropped int // events pushed out of the ring
}

func (t *traceLog) add(ev sim.TraceEvent) {
	if len(t.events) < maxTraceEvents {
		t.events = append(t.events, ev)
		return
	}
	t.events[t.next] = ev
	t.next = (t.next + 1) % maxTraceEvents
	t.dropped++
}

// all returns the events in order.
func (t *traceLog) all() []sim.TraceEvent {
	return append(append([]sim.TraceEvent(nil), t.events[t.next:]...), t.events[:t.next]...)
}

const traceUsage = "trace on | trace off | trace"

// traceCmd turns the recording of the trace on or off, or says how much
// was recorded.
func (s *Session) traceCmd(c Command) Result {
	if len(c.Args) > 1 || (len(c.Args) == 1 && c.Args[0].Key != "") {
		return Result{Err: fmt.Errorf("trace: unexpected arguments (usage: %s)", traceUsage)}
	}
	if len(c.Args) == 0 {
		return Result{OK: true, Value: Message(s.traceState())}
	}
	switch w := strings.ToLower(c.Args[0].Text); w {
	case "on":
		if s.trace == nil || !s.trace.on {
			s.trace = &traceLog{on: true, since: s.sim.Now()}
		}
		s.updateListener()
		return Result{OK: true, Value: Message(fmt.Sprintf("trace: recording every event from t=%s (the last %d are kept); export trace FILE.jsonl writes them", fmtSeconds(s.trace.since), maxTraceEvents))}
	case "off":
		if s.trace != nil {
			s.trace.on = false
		}
		s.updateListener()
		return Result{OK: true, Value: Message(s.traceState())}
	default:
		return Result{Err: fmt.Errorf("trace: %s is not on or off (usage: %s)", s.show(0, c.Args[0]), traceUsage)}
	}
}

func (s *Session) traceState() string {
	t := s.trace
	switch {
	case t == nil:
		return "trace: not recording (trace on starts)"
	case t.on:
		return fmt.Sprintf("trace: recording since t=%s, %s kept", fmtSeconds(t.since), plural(uint64(len(t.events)), "event", "events"))
	}
	return fmt.Sprintf("trace: stopped; %s recorded from t=%s kept for export (trace on starts afresh)", plural(uint64(len(t.events)), "event", "events"), fmtSeconds(t.since))
}

func (s *Session) exportTrace(file string) Result {
	t := s.trace
	if t == nil {
		return Result{Err: fmt.Errorf("export trace: the trace is not being recorded (turn it on with: trace on, run the cluster, then export)")}
	}
	events := t.all()
	err := writeFile(file, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, ev := range events {
			if err := enc.Encode(s.traceEventJSON(ev)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Result{Err: fmt.Errorf("export trace: %v", err)}
	}
	detail := fmt.Sprintf("%s from t=%s, one JSON object a line", plural(uint64(len(events)), "event", "events"), fmtSeconds(t.since))
	if t.dropped > 0 {
		detail += fmt.Sprintf(" (the %d oldest were dropped: only the last %d are kept)", t.dropped, maxTraceEvents)
	}
	return Result{OK: true, Value: Exported{What: "trace", File: file, Detail: detail}}
}

// writeFile creates name and writes it through write, buffered.
func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot write %s: %v", name, err)
	}
	bw := bufio.NewWriter(f)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %v", name, err)
	}
	return nil
}

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

func (s *Session) traceEventJSON(ev sim.TraceEvent) jsonTraceEvent {
	line := s.describe(ev)
	j := jsonTraceEvent{TMs: ms(ev.Time), Kind: ev.Kind.String(), What: line.Kind, Node: nodeJSON(ev.Node), Peer: nodeJSON(ev.Peer),
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
			jm.Cmd = &jsonTraceCmd{jsonCommand: commandJSON(m.Cmd), ClientID: m.Cmd.ClientID, Seq: m.Cmd.Seq, RO: m.Cmd.ReadOnly}
		case raft.MsgClientResp:
			r := m.Resp
			jm.Resp = &jsonTraceResp{jsonReply: jsonReply{Status: r.Status, Result: rawValue(r.Result), LeaderHint: nodeJSON(r.LeaderHint), Error: r.Err},
				ClientID: r.ClientID, Seq: r.Seq}
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
