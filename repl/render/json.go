package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"raftsim/raft"
	"raftsim/sim"
)

// JSON shapes of docs/language.md's "JSON output" table. Structs with ordered fields
// (and the ordered object below) keep the bytes stable from run to run.

// jsonLine is the one line a command prints with --json.
type jsonLine struct {
	Cmd    string          `json:"cmd"`
	TMs    json.Number     `json:"t_ms"`
	OK     bool            `json:"ok"`
	Error  string          `json:"error,omitempty"`
	Result json.RawMessage `json:"result"`
}

// jsonEvent is one debug event line with --json.
type jsonEvent struct {
	Event  string       `json:"event"`
	TMs    json.Number  `json:"t_ms"`
	Server *raft.NodeID `json:"server"`
	Text   string       `json:"text"`
}

type jsonEntry struct {
	Index   uint64      `json:"index"`
	Term    uint64      `json:"term"`
	Command jsonCommand `json:"command"`
}

type jsonCommand struct {
	Op      string          `json:"op"`
	Key     string          `json:"key,omitempty"`
	Value   json.RawMessage `json:"value,omitempty"`
	Old     json.RawMessage `json:"old,omitempty"`
	New     json.RawMessage `json:"new,omitempty"`
	Server  *raft.NodeID    `json:"server,omitempty"`
	Servers []raft.NodeID   `json:"servers,omitempty"`
	// A config entry of a joint change (its old voters) or with learners.
	OldServers []raft.NodeID `json:"old_servers,omitempty"`
	Learners   []raft.NodeID `json:"learners,omitempty"`
}

// jsonConfig is getAll config of a joint configuration or one with
// learners (a plain configuration is a list of ids).
type jsonConfig struct {
	Voters   []raft.NodeID `json:"voters"`
	Old      []raft.NodeID `json:"old,omitempty"`
	Learners []raft.NodeID `json:"learners,omitempty"`
}

type jsonReply struct {
	Status     raft.Status     `json:"status"`
	Result     json.RawMessage `json:"result"`
	LeaderHint json.RawMessage `json:"leaderHint"`
	Error      string          `json:"error,omitempty"`
}

type jsonStatus struct {
	ID          raft.NodeID     `json:"id"`
	State       string          `json:"state"`
	CurrentTerm uint64          `json:"currentTerm"`
	VotedFor    json.RawMessage `json:"votedFor"`
	CommitIndex uint64          `json:"commitIndex"`
	LastApplied uint64          `json:"lastApplied"`
	LogLength   int             `json:"logLength"`
	Up          bool            `json:"up"`
	Membership  string          `json:"membership"`         // member, joining, leaving, learner or removed
	Group       *string         `json:"group"`              // partition group letter, or null
	Majority    *bool           `json:"majority,omitempty"` // leaders only: does it reach a majority?
}

type jsonExpect struct {
	Held     bool   `json:"held"`
	Expected string `json:"expected"`
	Found    string `json:"found"`
}

type jsonUntil struct {
	Reached string       `json:"reached"`
	AfterMs json.Number  `json:"after_ms"`
	Leader  *raft.NodeID `json:"leader,omitempty"` // until leader: who, and in which term
	Term    uint64       `json:"term,omitempty"`
}

type jsonSourced struct {
	File     string `json:"file"`
	Commands int    `json:"commands"`
	Failed   int    `json:"failed"`
}

// object is a JSON object whose keys keep their order.
type object []member

type member struct {
	k string
	v json.RawMessage
}

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.k)
		b.Write(k)
		b.WriteByte(':')
		b.Write(m.v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Millis renders a duration as milliseconds: an integer when whole, otherwise
// with as many decimals as needed (down to nanoseconds).
func Millis(d time.Duration) json.Number {
	if d%time.Millisecond == 0 {
		return json.Number(strconv.FormatInt(int64(d/time.Millisecond), 10))
	}
	return json.Number(strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64))
}

// rawValue is a state-machine value as JSON: "" (no value) is null.
func rawValue(v raft.Value) json.RawMessage {
	if v == "" {
		return json.RawMessage("null")
	}
	if json.Valid([]byte(v)) {
		return json.RawMessage(v)
	}
	b, _ := json.Marshal(string(v))
	return b
}

func nodeJSON(id raft.NodeID) json.RawMessage {
	if id == raft.None {
		return json.RawMessage("null")
	}
	return json.RawMessage(strconv.Itoa(sim.ShownID(id)))
}

func mustJSON(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only our own types reach here; a failure is a bug, shown not hidden.
		s, _ := json.Marshal("unencodable result: " + err.Error())
		return s
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

func entryJSON(e raft.Entry) jsonEntry {
	out := jsonEntry{Index: e.Index, Term: e.Term}
	switch e.Kind {
	case raft.EntryNoop:
		out.Command = jsonCommand{Op: "noop"}
	case raft.EntryConfig:
		out.Command = jsonCommand{Op: "config", Servers: append([]raft.NodeID{}, e.Config.Voters...), OldServers: e.Config.Outgoing, Learners: e.Config.Learners}
	default:
		out.Command = commandJSON(*e.Cmd)
	}
	return out
}

func commandJSON(c raft.Command) jsonCommand {
	out := jsonCommand{Op: c.Op.String(), Key: c.Key}
	switch c.Op {
	case raft.OpSet:
		out.Value = rawValue(c.Value)
	case raft.OpCAS:
		out.Old, out.New = rawValue(c.Old), rawValue(c.Value)
	case raft.OpAddServer, raft.OpRemoveServer, raft.OpTransferLeader:
		id := c.Server
		out.Server = &id
	}
	return out
}

// ValueJSON is the JSON of a command's value (the "result" of its line, and
// what a variable stores).
func ValueJSON(v any) json.RawMessage {
	switch x := v.(type) {
	case nil:
		return json.RawMessage("null")
	case Started:
		return mustJSON(IDs(x.IDs))
	case Leader:
		if !x.Known {
			return json.RawMessage("null")
		}
		return nodeJSON(x.ID)
	case Reply:
		r := jsonReply{Status: x.Resp.Status, Result: rawValue(x.Resp.Result), LeaderHint: nodeJSON(x.Resp.LeaderHint), Error: x.Resp.Err}
		return mustJSON(r)
	case MemberStatus:
		return mustJSON(x.Status)
	case FieldValue:
		if x.Single && len(x.Rows) == 1 {
			return ValueJSON(x.Rows[0].V)
		}
		o := make(object, len(x.Rows))
		for i, r := range x.Rows {
			o[i] = member{strconv.Itoa(int(r.ID)), ValueJSON(r.V)}
		}
		return mustJSON(o)
	case LogValue:
		out := make([]jsonEntry, len(x))
		for i, e := range x {
			out[i] = entryJSON(e)
		}
		return mustJSON(out)
	case KV:
		m := make(map[string]json.RawMessage, len(x)) // encoding/json sorts map keys
		for k, val := range x {
			m[k] = rawValue(val)
		}
		return mustJSON(m)
	case NodeRef:
		return nodeJSON(raft.NodeID(x))
	case IDMap:
		o := make(object, 0, len(x))
		for _, id := range sortedIDs(x) {
			o = append(o, member{strconv.Itoa(int(id)), json.RawMessage(strconv.FormatUint(x[id], 10))})
		}
		return mustJSON(o)
	case IDs:
		if x == nil {
			x = IDs{}
		}
		return mustJSON([]raft.NodeID(x))
	case SnapshotValue:
		if x.Config == nil {
			x.Config = []raft.NodeID{}
		}
		return mustJSON(struct {
			Index    uint64        `json:"index"`
			Term     uint64        `json:"term"`
			Config   []raft.NodeID `json:"config"`
			Old      []raft.NodeID `json:"old,omitempty"`      // a joint change's old voters
			Learners []raft.NodeID `json:"learners,omitempty"` // non-voting members
			Bytes    int           `json:"bytes"`
		}{x.Index, x.Term, x.Config, x.Old, x.Learners, x.Bytes})
	case Config:
		if len(x.Outgoing) == 0 && len(x.Learners) == 0 {
			return mustJSON(append([]raft.NodeID{}, x.Voters...))
		}
		return mustJSON(jsonConfig{Voters: append([]raft.NodeID{}, x.Voters...), Old: x.Outgoing, Learners: x.Learners})
	case Status:
		out := make([]jsonStatus, len(x))
		for i, in := range x {
			state := "down"
			if in.Up {
				state = in.Role.String()
			}
			out[i] = jsonStatus{ID: in.ID, State: state, CurrentTerm: in.Term, VotedFor: nodeJSON(in.VotedFor),
				CommitIndex: in.CommitIndex, LastApplied: in.LastApplied, LogLength: int(in.LastIndex), Up: in.Up,
				Membership: in.Membership, Group: nil}
			if in.Group > 0 {
				g := Group(in.Group)
				out[i].Group = &g
			}
			if in.Up && in.Role == raft.Leader {
				m := in.Leads
				out[i].Majority = &m
			}
		}
		return mustJSON(out)
	case Expectation:
		return mustJSON(jsonExpect{Held: x.Held, Expected: x.Expected, Found: x.Found})
	case Stepped:
		return mustJSON(x.Done)
	case Reached:
		u := jsonUntil{Reached: x.Cond, AfterMs: Millis(x.After)}
		if x.Leader != raft.None {
			l := x.Leader
			u.Leader, u.Term = &l, x.Term
		}
		return mustJSON(u)
	case DebugState:
		return mustJSON(debugName(x.Level))
	case SeedValue:
		return mustJSON(x.Seed)
	case Printed:
		if x.Names != nil {
			o := make(object, len(x.Names))
			for i, n := range x.Names {
				o[i] = member{n, json.RawMessage(x.Values[i])}
			}
			return mustJSON(o)
		}
		if len(x.Values) == 1 {
			return json.RawMessage(x.Values[0])
		}
		vals := make([]json.RawMessage, len(x.Values))
		for i, s := range x.Values {
			vals[i] = json.RawMessage(s)
		}
		return mustJSON(vals)
	case Sourced:
		return mustJSON(jsonSourced(x))
	case Advanced:
		return json.RawMessage("null")
	case Message:
		return mustJSON(string(x))
	case HelpText:
		return mustJSON(string(x))
	case uint64, int, string, bool:
		return mustJSON(x)
	case jsonValue:
		return x.asJSON()
	}
	return json.RawMessage("null")
}

func debugName(level int) string {
	switch level {
	case DebugOn:
		return "on"
	case DebugVerbose:
		return "verbose"
	}
	return "off"
}

// jsonValue is a result that renders itself as JSON; ValueJSON defers to
// it.
type jsonValue interface {
	asJSON() json.RawMessage
}

// netModelJSON writes the settings of m that set names (all of them for
// the global model), numbers in milliseconds and probabilities.
func netModelJSON(m sim.NetModel, set sim.NetField) json.RawMessage {
	r := sim.NetRule{Set: set, Model: m}
	o := object{}
	num := func(f float64) json.RawMessage { return json.RawMessage(strconv.FormatFloat(f, 'g', -1, 64)) }
	dur := func(d time.Duration) json.RawMessage { return mustJSON(Millis(d)) }
	if r.Sets("loss") {
		o = append(o, member{"loss", num(m.Loss)})
	}
	if r.Sets("dup") {
		o = append(o, member{"dup", num(m.Dup)})
	}
	if r.Sets("latency") {
		o = append(o, member{"latency_min_ms", dur(m.LatencyMin)}, member{"latency_max_ms", dur(m.LatencyMax)})
	}
	if r.Sets("dist") {
		o = append(o, member{"dist", mustJSON(m.Dist.String())})
	}
	if r.Sets("reorder") {
		o = append(o, member{"reorder", num(m.Reorder)})
	}
	if r.Sets("longdelay") {
		o = append(o, member{"longdelay", num(m.LongDelay)},
			member{"longdelay_min_ms", dur(m.LongDelayMin)}, member{"longdelay_max_ms", dur(m.LongDelayMax)})
	}
	return mustJSON(o)
}

const allNetFields = sim.NetLoss | sim.NetDup | sim.NetLatency | sim.NetDist | sim.NetReorder | sim.NetLongDelay

// asJSON is {"global": {...}, "links": [{"link": "0->1", "from": 0, "to": 1,
// "set": {only the fields the rule sets}, "effective": {...}}]}, one entry
// per direction.
func (n NetShown) asJSON() json.RawMessage {
	links := make([]json.RawMessage, 0, len(n.View.Links))
	for _, l := range n.View.Links {
		links = append(links, mustJSON(object{
			{"link", mustJSON(LinkText(l.From, l.To, false))},
			{"from", nodeJSON(l.From)},
			{"to", nodeJSON(l.To)},
			{"set", netModelJSON(l.Rule.Model, l.Rule.Set)},
			{"effective", netModelJSON(l.Effective, allNetFields)},
		}))
	}
	return mustJSON(object{
		{"global", netModelJSON(n.View.Global, allNetFields)},
		{"links", mustJSON(links)},
	})
}

// asJSON is {"default_fsync_ms": 0, "servers": [{"id", "up", "fsync_ms",
// "pending", "held", "next_durable_ms" (null when nothing is pending),
// "disk_term", "disk_log", "memory_log" (null while down)}]}.
func (d DiskShown) asJSON() json.RawMessage {
	srvs := make([]json.RawMessage, 0, len(d.Disks))
	for _, di := range d.Disks {
		next, mem := json.RawMessage("null"), json.RawMessage("null")
		if di.Pending > 0 {
			next = mustJSON(Millis(di.NextDurable))
		}
		if di.Up {
			mem = mustJSON(di.MemLast)
		}
		srvs = append(srvs, mustJSON(object{
			{"id", nodeJSON(di.ID)},
			{"up", mustJSON(di.Up)},
			{"fsync_ms", mustJSON(Millis(di.Fsync))},
			{"pending", mustJSON(di.Pending)},
			{"held", mustJSON(di.Held)},
			{"next_durable_ms", next},
			{"disk_term", mustJSON(di.DiskTerm)},
			{"disk_log", mustJSON(di.DiskLast)},
			{"memory_log", mem},
		}))
	}
	return mustJSON(object{
		{"default_fsync_ms", mustJSON(Millis(d.Default))},
		{"servers", mustJSON(srvs)},
	})
}

// renderJSON prints the event lines of a result, the lines of the commands
// it sourced, then its own line.
func (r *Renderer) renderJSON(res Result) {
	for _, e := range res.Events {
		ev := jsonEvent{Event: e.Kind, TMs: Millis(e.Time), Text: e.Text}
		if e.Node != raft.None {
			id := e.Node
			ev.Server = &id
		}
		writeLine(r.W, mustJSON(ev))
	}
	if res.Dropped > 0 {
		writeLine(r.W, mustJSON(jsonEvent{Event: "dropped", TMs: Millis(res.T), Text: fmt.Sprintf("%d more events not shown", res.Dropped)}))
	}
	for _, sub := range res.Sub {
		r.renderJSON(sub)
	}
	if res.Multi {
		return // each statement printed its own line
	}
	line := jsonLine{Cmd: res.Cmd.Line, TMs: Millis(res.T), OK: res.OK, Result: ValueJSON(res.Value)}
	if res.Err != nil {
		line.Error = res.Err.Error()
		if res.Where != "" {
			line.Error = res.Where + ": " + line.Error
		}
	}
	if res.Err == nil && !res.OK {
		line.Error = "failed"
	}
	writeLine(r.W, mustJSON(line))
}

// writeLine writes b and a newline.
func writeLine(w io.Writer, b []byte) {
	w.Write(b)
	w.Write([]byte{'\n'})
}
