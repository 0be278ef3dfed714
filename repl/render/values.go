package render

import (
	"encoding/json"
	"fmt"
	"time"

	"raftsim/check"
	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/sim"
)

// Field values of getAll, rendered as JSON by json.go and for people by
// render.go.
type (
	// LogValue is a server's log.
	LogValue []raft.Entry
	// KV is a state machine: key to value.
	KV map[string]raft.Value
	// NodeRef is a server id that may be raft.None (null).
	NodeRef raft.NodeID
	// IDMap is a leader's nextIndex or matchIndex.
	IDMap map[raft.NodeID]uint64
	// IDs is a list of server ids (a configuration).
	IDs []raft.NodeID
	// SnapshotValue is a server's latest snapshot (§7): the last entry it
	// includes (Index 0: none yet), that entry's term, its configuration
	// (voters, the old voters of a joint change, learners) and its size in
	// bytes.
	SnapshotValue struct {
		Index, Term   uint64
		Config        []raft.NodeID
		Old, Learners []raft.NodeID
		Bytes         int
	}
)

// Result is what one command produced. It is data for a renderer: Exec never
// prints. Exactly one Result comes back per command.
type Result struct {
	Cmd   lang.Command
	Value any  // the command's value; its Go type says how it renders
	OK    bool // false when the command failed or an expect did not hold
	Err   error
	// Events are the debug events that happened while the command ran, in
	// order, already worded for people (by the session).
	Events []EventLine
	// Dropped counts events left out of Events because there were too many.
	Dropped int
	// Sub holds the results of the commands of a `source`d file, or of
	// the statements of a line when Multi is set.
	Sub []Result
	// Multi says the line held several statements (`crash 1; restart 1`):
	// each shows as if typed alone, and the line adds nothing of its own.
	Multi bool
	// Quit asks the shell to leave.
	Quit bool
	// T is the virtual time after the command.
	T time.Duration
	// Where is "FILE:LINE" when the command came from a script.
	Where string
}

// EventLine is one debug event, worded for a student. The renderer adds the
// time stamp and the colour of Node.
type EventLine struct {
	Time time.Duration
	Node raft.NodeID // the server it is about (colour), or raft.None
	Kind string      // short machine name, e.g. "vote", "send", "commit"
	Text string      // e.g. "S0 voted for S2 in term 3"
}

// Started is the value of startServers: the ids of the new servers.
type Started struct{ IDs []raft.NodeID }

// Leader is the value of getLeaderId: an id, or none (null).
type Leader struct {
	ID    raft.NodeID
	Known bool
}

// Reply is the value of clientRequest: the response raft.js would pass to
// the callback.
type Reply struct {
	Resp raft.Response
	// Callback is set when the JS form gave a callback: the reply is shown
	// as `results:  {...}` like raft.js's console.log.
	Callback bool
}

// MemberStatus is the value of addServer, removeServer and
// transferLeadership.
type MemberStatus struct {
	Op     string // "addServer", "removeServer" or "transferLeadership"
	ID     raft.NodeID
	Status raft.Status
}

// Config is a server's configuration as getAll config shows it: its voters,
// and during a joint change the old configuration's, and its learners.
type Config raft.Membership

// Message is a plain sentence result ("S2 crashed").
type Message string

// FieldValue is the value of getAll: one field of every server, or of one.
type FieldValue struct {
	Field  string
	Rows   []FieldRow
	Single bool   // getAll FIELD ID: render the value alone
	Range  string // getAll log [ID] FROM..TO: the range asked for, as typed
}

// FieldRow is one server's value of a field.
type FieldRow struct {
	ID raft.NodeID
	V  any // nil renders as null
	// LastIndex is the index of the last entry of the whole log, for a
	// range past its end ("the log of S0 ends at 2").
	LastIndex uint64
}

// Status is the value of the status command: one row per server.
type Status []StatusRow

// StatusRow is one server of status: what the simulator knows of it, and
// what the session makes of it.
type StatusRow struct {
	sim.ServerInfo
	// Membership is "member" (a voter of the cluster's configuration),
	// "joining" or "leaving" (a voter of only C_new or only C_old, during a
	// joint change), "learner" (a learner, or a new server not yet a
	// voting member) or "removed".
	Membership string
	// Leads is set on the cluster's leader: a leader that reaches a
	// majority (the prompt's L=). A server that believes it leads without
	// one shows as such.
	Leads bool
}

// Group names partition group g (from 1) with a letter, so that groups
// are not read as server ids; 0 (not partitioned) is "-".
func Group(g int) string {
	switch {
	case g <= 0:
		return "-"
	case g <= 26:
		return string(rune('A' + g - 1))
	}
	return fmt.Sprintf("G%d", g)
}

// StateText is a server's state as status shows it: its role, "down", a
// leader without a majority as such, and a removed server's campaign as
// one nobody listens to.
func (r StatusRow) StateText() string {
	switch {
	case !r.Up:
		return "down"
	case r.Role == raft.Leader && !r.Leads:
		return "leader (no majority)"
	case r.Membership == "removed" && (r.Role == raft.Candidate || r.Role == raft.PreCandidate):
		return r.Role.String() + " (removed: ignored)"
	}
	return r.Role.String()
}

// Advanced is the value of run: how far the clock moved, and where it is.
type Advanced struct{ By, Now time.Duration }

// Stepped is the value of step.
type Stepped struct {
	Asked, Done int
	Now         time.Duration
}

// Reached is the value of until.
type Reached struct {
	Cond  string
	After time.Duration // virtual time it took
	Now   time.Duration
	// Leader and Term name the leader `until leader` found (Leader is
	// raft.None for the other conditions).
	Leader raft.NodeID
	Term   uint64
}

// DebugState is the value of debug.
type DebugState struct{ Level int }

// SeedValue is the value of seed and reset.
type SeedValue struct {
	Seed  uint64
	Reset bool // the cluster was rebuilt
}

// HelpText is the value of help.
type HelpText string

// Printed is the value of print: the values of its arguments, or the
// variables when it has none.
type Printed struct {
	Names  []string // variable names when listing variables
	Values []string // canonical JSON of each value
}

// Sourced is the value of source.
type Sourced struct {
	File     string
	Commands int
	Failed   int
}

// CheckReport is the value of check: the safety invariants and the
// linearizability of the client history, now.
type CheckReport struct {
	Violations []sim.Violation
	Lin        check.Result
}

// Failed says whether the report found something wrong, or could not
// decide.
func (rep CheckReport) Failed() bool {
	// A verdict that could not be reached is no pass: it fails, saying why.
	return len(rep.Violations) > 0 || rep.Lin.Verdict != check.OK
}

func (rep CheckReport) asJSON() json.RawMessage {
	l := rep.Lin
	j := jsonCheck{Safe: len(rep.Violations) == 0, Violations: []jsonViolation{}, Linearizable: json.RawMessage("null"),
		Verdict: l.Verdict.String(), Operations: l.Ops, Pending: l.Pending, Keys: l.Keys, BadKeys: l.BadKeys, Explanation: l.Explanation}
	if j.BadKeys == nil {
		j.BadKeys = []string{}
	}
	j.Windows, j.Undecided = l.Windows, []jsonUndecided{}
	for _, u := range l.Undecided {
		ju := jsonUndecided{Key: u.Key, FromMs: Millis(u.From), Ops: u.Ops, Reason: u.Reason}
		if u.To != check.Infinity {
			to := Millis(u.To)
			ju.ToMs = &to
		}
		j.Undecided = append(j.Undecided, ju)
	}
	switch l.Verdict {
	case check.OK:
		j.Linearizable = json.RawMessage("true")
	case check.Violation:
		j.Linearizable = json.RawMessage("false")
	}
	for _, v := range rep.Violations {
		servers := v.Servers
		if servers == nil {
			servers = []raft.NodeID{}
		}
		j.Violations = append(j.Violations, jsonViolation{TMs: Millis(v.Time), Property: v.Property, Servers: servers, Index: v.Index, Detail: v.Detail})
	}
	return mustJSON(j)
}

// Exported is the value of export: what was written where.
type Exported struct {
	What, File string
	Detail     string
}

func (e Exported) asJSON() json.RawMessage {
	return mustJSON(struct {
		What   string `json:"what"`
		File   string `json:"file"`
		Detail string `json:"detail"`
	}{e.What, e.File, e.Detail})
}

// LoadShown is the value of load: the load's settings and progress.
type LoadShown struct {
	St     sim.LoadStatus
	Action string // "started", "status", "stopped"
	Now    time.Duration
}

func (v LoadShown) asJSON() json.RawMessage {
	st := v.St
	mix := object{{"set", mustJSON(st.Mix[0])}, {"get", mustJSON(st.Mix[1])}, {"cas", mustJSON(st.Mix[2])}}
	loop := "closed"
	if st.Open {
		loop = "open"
	}
	return mustJSON(jsonLoad{Action: v.Action, Clients: shownIDs(st.Clients), Rate: st.Rate, Keys: st.Keys, ForMs: Millis(st.Duration), Mix: mix,
		StartMs: Millis(st.Start), EndMs: Millis(st.End), Running: st.Running, Issued: st.Issued, Answered: st.Answered,
		Pending: st.Issued - st.Answered, Resends: st.Resends, Loop: loop, MaxClients: st.LoadOptions.Clients, Dropped: st.Dropped})
}

// HistoryShown is the value of history: the last operations recorded.
type HistoryShown struct {
	Ops     []sim.HistoryOp
	Total   int
	Pending int
}

func (v HistoryShown) asJSON() json.RawMessage {
	out := make([]jsonHistoryOp, len(v.Ops))
	for i, op := range v.Ops {
		out[i] = historyOpJSON(op)
	}
	return mustJSON(out)
}

// NetShown is the result of `net` alone: the network model in force.
type NetShown struct{ View sim.NetView }

// DiskShown is the result of `disk` alone: every server's disk.
type DiskShown struct {
	Disks   []sim.DiskInfo
	Default time.Duration // fsync of servers created later
	Now     time.Duration
}

// Expectation is the value of expect: what was checked and what was found.
type Expectation struct {
	Pred     string // the predicate as written, e.g. "leader 2"
	Held     bool
	Expected string
	Found    string
}

type jsonViolation struct {
	TMs      json.Number   `json:"t_ms"`
	Property string        `json:"property"`
	Servers  []raft.NodeID `json:"servers"`
	Index    uint64        `json:"index"`
	Detail   string        `json:"detail"`
}

type jsonCheck struct {
	Safe         bool            `json:"safe"`
	Violations   []jsonViolation `json:"violations"`
	Linearizable json.RawMessage `json:"linearizable"` // true, false, or null (unknown)
	Verdict      string          `json:"verdict"`
	Operations   int             `json:"operations"`
	Pending      int             `json:"pending"`
	Keys         int             `json:"keys"`
	BadKeys      []string        `json:"bad_keys"`
	Explanation  string          `json:"explanation,omitempty"`
	Windows      int             `json:"windows"`
	Undecided    []jsonUndecided `json:"undecided"`
}

// jsonUndecided is a stretch of one key's history the check could not
// decide; to_ms is null while a write without a reply keeps it open.
type jsonUndecided struct {
	Key    string       `json:"key"`
	FromMs json.Number  `json:"from_ms"`
	ToMs   *json.Number `json:"to_ms"`
	Ops    int          `json:"ops"`
	Reason string       `json:"reason"`
}

type jsonLoad struct {
	Action   string      `json:"action"`
	Clients  []int       `json:"clients"`
	Rate     float64     `json:"rate"`
	Keys     int         `json:"keys"`
	ForMs    json.Number `json:"for_ms"`
	Mix      object      `json:"mix"`
	StartMs  json.Number `json:"start_ms"`
	EndMs    json.Number `json:"end_ms"`
	Running  bool        `json:"running"`
	Issued   int         `json:"issued"`
	Answered int         `json:"answered"`
	Pending  int         `json:"pending"`
	Resends  int         `json:"resends"`
	// Loop is "closed" or "open"; in an open loop, max_clients bounds the
	// operations in flight and dropped counts the arrivals that found
	// every client busy.
	Loop       string `json:"loop"`
	MaxClients int    `json:"max_clients"`
	Dropped    int    `json:"dropped"`
}

type jsonHistoryOp struct {
	Client   json.RawMessage `json:"client"` // the client id (the shell's is 1000)
	Seq      uint64          `json:"seq"`
	Op       string          `json:"op"`
	Key      string          `json:"key"`
	Old      json.RawMessage `json:"old,omitempty"`
	Value    json.RawMessage `json:"value,omitempty"`
	RO       bool            `json:"ro,omitempty"`
	CallMs   json.Number     `json:"call_ms"`
	ReturnMs json.RawMessage `json:"return_ms"` // null while pending
	Status   string          `json:"status"`    // "pending" while pending
	Result   json.RawMessage `json:"result"`
}

func historyOpJSON(op sim.HistoryOp) jsonHistoryOp {
	j := jsonHistoryOp{Client: mustJSON(sim.ShownID(op.Client)), Seq: op.Seq, Op: op.Op.String(), Key: op.Key, RO: op.ReadOnly,
		CallMs: Millis(op.Call), ReturnMs: json.RawMessage("null"), Status: "pending", Result: json.RawMessage("null")}
	switch op.Op {
	case raft.OpSet:
		j.Value = rawValue(op.Value)
	case raft.OpCAS:
		j.Old, j.Value = rawValue(op.Old), rawValue(op.Value)
	}
	if op.Done {
		j.ReturnMs = json.RawMessage(Millis(op.Return))
		j.Status = string(op.Status)
		j.Result = rawValue(op.Result)
	}
	return j
}

// Debug levels of the session and of debug-marked servers.
const (
	DebugOff     = 0
	DebugOn      = 1 // elections, appends, commits, non-heartbeat messages
	DebugVerbose = 2 // also heartbeats, acks and deliveries
)

// shownIDs is sim.ShownID of each id: clients as people number them.
func shownIDs(ids []raft.NodeID) []int {
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = sim.ShownID(id)
	}
	return out
}
