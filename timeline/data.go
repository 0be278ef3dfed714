// Package timeline draws a run of the simulator as one self-contained HTML
// page: a lane per server with its role and term over time, down
// intervals and partitions, the messages between servers as arrows (a
// space-time diagram), commits, applies and configuration changes, and
// the client operations on lanes of their own. The page needs no network:
// its script and style are embedded, and the run is embedded as data.
//
// The page is built from what the simulator records anyway — the trace
// (sim.Sim.Trace), the client history and the faults — so it can be
// exported at any moment of a session. It reads messages generically:
// a message's type is its name, its details are its non-zero fields, so a
// new message type shows up without a change here.
package timeline

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"raftsim/raft"
	"raftsim/sim"
)

// Input is what a page is drawn from.
type Input struct {
	Title   string
	Seed    uint64
	Now     time.Duration    // the end of the run so far
	Servers []sim.ServerInfo // every server, as it is now
	Trace   []sim.TraceEvent // oldest first
	// Dropped counts the trace events older than Trace[0] that are no
	// longer kept; the page then starts at Trace[0].
	Dropped int
	History []sim.HistoryOp
	Faults  []sim.FaultEvent
	// Why says why each server is in the state it is, as of the times its
	// state changed (see session.WhyOverTime), in time order; a lane's
	// tooltip at a time shows the newest one at or before it. WhyMore
	// says some changes (of the commit index) were left unexplained.
	Why     []Why
	WhyMore bool
}

// Why is what the shell's why said of a server as of a time.
type Why struct {
	Server raft.NodeID
	At     time.Duration
	Text   string
}

// FromSim collects the Input of a simulation as it is now.
func FromSim(s *sim.Sim, title string) Input {
	in := HistoryFromSim(s, title)
	in.Trace, in.Dropped = s.Trace(), s.TraceStats().Dropped
	return in
}

// HistoryFromSim is FromSim without the trace, which the history page
// does not draw.
func HistoryFromSim(s *sim.Sim, title string) Input {
	in := Input{Title: title, Seed: s.Seed(), Now: s.Now(), History: s.History(), Faults: s.Faults()}
	for _, id := range s.Servers() {
		if si, err := s.Brief(id); err == nil { // the log and state machine are not drawn
			si.NextIndex, si.MatchIndex = s.Progress(id)
			in.Servers = append(in.Servers, si)
		}
	}
	return in
}

// Data is what the page's script draws: everything in columns of numbers
// (times in nanoseconds of virtual time), with strings in a shared table,
// so that a run of a few hundred thousand events stays a few megabytes.
type Data struct {
	Mode    string   `json:"mode"` // "timeline", or "history" (see WriteHistory)
	Title   string   `json:"title"`
	Seed    uint64   `json:"seed"`
	Start   int64    `json:"start"` // the first instant drawn
	End     int64    `json:"end"`
	Dropped int      `json:"dropped"` // trace events before Start that are no longer kept
	Lanes   []Lane   `json:"lanes"`   // servers, then clients
	Strings []string `json:"strings"` // the string table: fields named ...Str index it
	Types   []string `json:"types"`   // message type names, by first appearance
	Cats    []string `json:"cats"`    // message categories (see category)
	Roles   []string `json:"roles"`   // what Bands.Role indexes
	Marks   []string `json:"markKinds"`

	Bands  Bands  `json:"bands"`
	Shades Shades `json:"shades"`
	Msgs   Msgs   `json:"msgs"`
	Points Points `json:"points"`
	Ops    Ops    `json:"ops"`
	Net    Shades `json:"net"` // the network's states over time, on the network lane (Lane -1)
	Why    Whys   `json:"why"`
	// WhyMore says some changes of the commit index are not explained.
	WhyMore bool `json:"whyMore"`

	// The history page's: the verdict, and the keys no order explains.
	Verdict string   `json:"verdict"`
	BadKeys []string `json:"badKeys"`
}

// Whys are the explanations of servers over time, in time order: Text
// holds as of T on Lane, until the lane's next one.
type Whys struct {
	Lane []int   `json:"lane"`
	T    []int64 `json:"t"`
	Text []int   `json:"textStr"`
}

// Lane is one row of the picture.
type Lane struct {
	Name   string `json:"name"` // "S0", "client 1000"
	Server bool   `json:"server"`
	ID     int    `json:"id"`
	Now    string `json:"now"` // the state at the end, for the lane's tooltip
}

// Bands are the role intervals of servers: Role indexes Data.Roles.
type Bands struct {
	Lane []int   `json:"lane"`
	T0   []int64 `json:"t0"`
	T1   []int64 `json:"t1"`
	Role []int   `json:"role"`
	Term []int64 `json:"term"`
	Lead []int   `json:"lead"` // follower: the leader it follows (lane), or -1
}

// Shades are labelled intervals laid over lanes: partitions and cuts.
type Shades struct {
	Lane  []int   `json:"lane"`
	T0    []int64 `json:"t0"`
	T1    []int64 `json:"t1"`
	Label []int   `json:"labelStr"`
	Text  []int   `json:"textStr"`
	Kind  []int   `json:"kind"` // 0 partition group, 1 cut, 2 network model, 3 heal
}

// Message flags.
const (
	FlagLost     = 1 << iota // dropped (Msgs.Why says why)
	FlagDup                  // a duplicate made by the network
	FlagReject               // a refusal (vote refused, append rejected)
	FlagLate                 // a client reply to an earlier attempt, ignored
	FlagNoSend               // sent before the trace starts
	FlagInFlight             // still in flight at the end
)

// Msgs are the messages, one column per field. T1 is when the message
// arrived or was lost.
type Msgs struct {
	T0    []int64 `json:"t0"`
	T1    []int64 `json:"t1"`
	From  []int   `json:"from"` // lanes
	To    []int   `json:"to"`
	Type  []int   `json:"type"`
	Cat   []int   `json:"cat"`
	Flags []int   `json:"flags"`
	Why   []int   `json:"whyStr"` // why it was lost, or -1
	Text  []int   `json:"textStr"`
}

// Points are moments on a lane: commits, applies, configurations,
// timeouts, votes, crashes, violations. Kind indexes Data.Marks.
type Points struct {
	Lane []int   `json:"lane"`
	T    []int64 `json:"t"`
	Kind []int   `json:"kind"`
	V    []int64 `json:"v"` // the index of a commit or apply, the term of a timeout
	Text []int   `json:"textStr"`
}

// Ops are client operations from call to return.
type Ops struct {
	Lane   []int   `json:"lane"`
	T0     []int64 `json:"t0"`
	T1     []int64 `json:"t1"` // -1: no answer yet
	Text   []int   `json:"textStr"`
	Status []int   `json:"statusStr"`
	Result []int   `json:"resultStr"`
	Server []int   `json:"server"` // the lane of the server that answered, or -1
	Seq    []int64 `json:"seq"`
	Key    []int   `json:"keyStr"`
	// Order and State are the history page's: the operation's place in
	// its key's linearization (0: not placed) and the value after it.
	Order []int `json:"order"`
	State []int `json:"stateStr"`
}

// The roles a band shows.
var roleNames = []string{"follower", "candidate", "leader", "down", "unknown", "up", "pre-candidate"}

const (
	roleDown         = 3
	roleUnknown      = 4
	roleUp           = 5 // the history page's: up, role not drawn
	rolePreCandidate = 6
)

// roleOf is the index in roleNames of a Raft role.
func roleOf(r raft.Role) int {
	if r == raft.PreCandidate {
		return rolePreCandidate
	}
	return int(r)
}

// The kinds of points.
var markNames = []string{"commit", "apply", "config", "timeout", "vote", "vote-refused", "step-down",
	"append", "append-rejected", "truncate", "read", "catch-up", "crash", "restart", "violation", "snapshot", "snapshot-installed", "other"}

func markKind(name string) int { return slices.Index(markNames, name) }

// category sorts a message into one of the filters of the page, by its
// type's class (raft.MsgType.Class, which every type has): heartbeats
// and their answers together, so that one box hides the leader's
// periodic traffic; an InstallSnapshot's chunks and answers together (one
// transfer); the other answers as replies. An AppendEntries
// without entries is a probe (heartbeats have their own type): appends.
var catNames = []string{"votes", "appends", "heartbeats", "replies", "client", "other", "snapshots"}

const (
	catVotes = iota
	catAppends
	catHeartbeats
	catReplies
	catClient
	catOther
	catSnapshots
)

func category(m *raft.Message) int {
	switch c := m.Type.Class(); {
	case c == raft.ClassClient:
		return catClient
	case c == raft.ClassHeartbeat:
		return catHeartbeats
	case c == raft.ClassSnapshot:
		return catSnapshots // chunks and answers: one transfer
	case m.Type.IsResponse():
		return catReplies
	case c == raft.ClassElection, c == raft.ClassTransfer:
		return catVotes // TimeoutNow starts an election
	case c == raft.ClassReplication:
		return catAppends
	}
	return catOther
}

// builder accumulates Data.
type builder struct {
	d       Data
	strs    map[string]int
	lanes   map[raft.NodeID]int
	types   map[raft.MsgType]int
	servers map[raft.NodeID]sim.ServerInfo
}

func (b *builder) str(s string) int {
	if i, ok := b.strs[s]; ok {
		return i
	}
	i := len(b.d.Strings)
	b.d.Strings = append(b.d.Strings, s)
	b.strs[s] = i
	return i
}

func (b *builder) lane(id raft.NodeID) int {
	if id == raft.None {
		return -1
	}
	if i, ok := b.lanes[id]; ok {
		return i
	}
	return -1
}

func laneName(id raft.NodeID) string {
	if sim.IsClient(id) {
		return "client " + strconv.Itoa(sim.ShownID(id))
	}
	return "S" + strconv.Itoa(int(id))
}

// Build turns an Input into the page's data. The same Input gives the
// same Data.
func Build(in Input) Data {
	b := &builder{strs: map[string]int{}, lanes: map[raft.NodeID]int{}, types: map[raft.MsgType]int{}, servers: map[raft.NodeID]sim.ServerInfo{}}
	d := &b.d
	d.Mode, d.Title, d.Seed, d.Dropped = "timeline", in.Title, in.Seed, in.Dropped
	d.Roles, d.Marks, d.Cats = roleNames, markNames, catNames
	d.End = int64(in.Now)
	if in.Dropped > 0 && len(in.Trace) > 0 {
		d.Start = int64(in.Trace[0].Time)
	}
	b.addLanes(in)
	b.network(in)
	b.roles(in)
	b.messages(in)
	b.points(in)
	b.ops(in)
	b.whys(in)
	return *d
}

// whys keeps the explanations that hold on the page: from the last one
// before its start on.
func (b *builder) whys(in Input) {
	w := &b.d.Why
	b.d.WhyMore = in.WhyMore
	first := map[raft.NodeID]int{} // the last explanation at or before the start, by server
	for i, y := range in.Why {
		if int64(y.At) <= b.d.Start {
			first[y.Server] = i
		}
	}
	for i, y := range in.Why {
		ln := b.lane(y.Server)
		if ln < 0 {
			continue
		}
		if j, ok := first[y.Server]; ok && i < j {
			continue
		}
		w.Lane = append(w.Lane, ln)
		w.T = append(w.T, int64(y.At))
		w.Text = append(w.Text, b.str(y.Text))
	}
}

// addLanes makes a lane per server, then one per client seen in the
// trace or the history, each in id order.
func (b *builder) addLanes(in Input) {
	var ids []raft.NodeID
	seen := map[raft.NodeID]bool{}
	add := func(id raft.NodeID) {
		if id != raft.None && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, si := range in.Servers {
		add(si.ID)
		b.servers[si.ID] = si
	}
	for _, e := range in.Trace {
		if e.Msg != nil {
			add(e.Msg.From)
			add(e.Msg.To)
		}
	}
	for _, op := range in.History {
		if b.inWindow(op.Return, op.Done) {
			add(op.Client)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		b.lanes[id] = len(b.d.Lanes)
		l := Lane{Name: laneName(id), Server: !sim.IsClient(id), ID: sim.ShownID(id)}
		if si, ok := b.servers[id]; ok {
			l.Now = serverNow(si)
		}
		b.d.Lanes = append(b.d.Lanes, l)
	}
}

func serverNow(si sim.ServerInfo) string {
	if !si.Up {
		return fmt.Sprintf("S%d now: down (term %d on disk)", si.ID, si.Term)
	}
	s := fmt.Sprintf("S%d now: %s, term %d, commitIndex %d, lastApplied %d, configuration %s", si.ID, si.Role, si.Term, si.CommitIndex, si.LastApplied, ids(si.Config))
	if si.Role != raft.Leader && si.Leader != raft.None {
		s += fmt.Sprintf(", follows S%d", si.Leader)
	}
	return s
}

func ids(l []raft.NodeID) string {
	parts := make([]string, len(l))
	for i, id := range l {
		parts[i] = strconv.Itoa(int(id))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// inWindow says whether an operation that returned at ret (if done) ends
// inside the page.
func (b *builder) inWindow(ret time.Duration, done bool) bool {
	return !done || int64(ret) >= b.d.Start
}

func secs(t time.Duration) string { return strconv.FormatFloat(t.Seconds(), 'f', 6, 64) + "s" }

// network draws the partitions, cuts and changes of the network model
// from the fault record (complete even when the trace is not): a shade on
// the network lane for each state, and on each server lane for its group
// and its cut links.
func (b *builder) network(in Input) {
	var part string
	var groups map[raft.NodeID]int
	var cuts []string
	since := time.Duration(0)
	end := in.Now
	closeState := func(at time.Duration) {
		if at > since && (part != "" || len(cuts) > 0) {
			desc := strings.Join(cuts, ", ")
			if part != "" {
				desc = strings.Join(append([]string{part}, cuts...), ", ")
			}
			b.shade(&b.d.Net, -1, since, at, desc, fmt.Sprintf("%s from %s to %s", desc, secs(since), secs(at)), 0)
			for _, si := range in.Servers {
				g, ok := groups[si.ID]
				ln := b.lane(si.ID)
				if !ok || ln < 0 {
					continue
				}
				label := fmt.Sprintf("group %d", g)
				b.shade(&b.d.Shades, ln, since, at, label, fmt.Sprintf("%s (%s to %s): S%d is in group %d and reaches only the servers of its group",
					part, secs(since), secs(at), si.ID, g), 0)
			}
			for _, c := range cuts {
				from, to, both := parseCut(c)
				arrow := "→"
				if both {
					arrow = "↔"
				}
				label := fmt.Sprintf("cut %d%s%d", from, arrow, to)
				text := fmt.Sprintf("link %d%s%d is cut (%s to %s)", from, arrow, to, secs(since), secs(at))
				for _, id := range []raft.NodeID{from, to} {
					if ln := b.lane(id); ln >= 0 {
						b.shade(&b.d.Shades, ln, since, at, label, text, 1)
					}
				}
			}
		}
		since = at
	}
	for _, f := range in.Faults {
		if f.Kind != sim.EvPartition {
			continue
		}
		switch {
		case strings.HasPrefix(f.Desc, "partition "):
			closeState(f.Time)
			part, groups = f.Desc, parseGroups(strings.TrimPrefix(f.Desc, "partition "), in.Servers)
		case strings.HasPrefix(f.Desc, "cut "):
			closeState(f.Time)
			cuts = append(cuts, f.Desc)
		case f.Desc == "heal":
			closeState(f.Time)
			part, groups, cuts = "", nil, nil
			b.shade(&b.d.Net, -1, f.Time, f.Time, "heal", "heal at "+secs(f.Time)+": every partition and cut removed", 3)
		default:
			b.shade(&b.d.Net, -1, f.Time, f.Time, f.Desc, f.Desc+" at "+secs(f.Time), 2)
		}
	}
	closeState(end)
}

func (b *builder) shade(s *Shades, lane int, t0, t1 time.Duration, label, text string, kind int) {
	if int64(t1) < b.d.Start && t1 > t0 {
		return
	}
	s.Lane = append(s.Lane, lane)
	s.T0 = append(s.T0, max(int64(t0), b.d.Start))
	s.T1 = append(s.T1, int64(t1))
	s.Label = append(s.Label, b.str(label))
	s.Text = append(s.Text, b.str(text))
	s.Kind = append(s.Kind, kind)
}

// parseGroups reads "0,1 | 2" into group numbers (from 1); servers not
// named form one more group, as sim.Partition does.
func parseGroups(desc string, servers []sim.ServerInfo) map[raft.NodeID]int {
	out := map[raft.NodeID]int{}
	parts := strings.Split(desc, "|")
	for g, p := range parts {
		for _, f := range strings.Split(p, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
				out[raft.NodeID(n)] = g + 1
			}
		}
	}
	for _, si := range servers {
		if _, ok := out[si.ID]; !ok {
			out[si.ID] = len(parts) + 1
		}
	}
	return out
}

// parseCut reads "cut 0->1" or "cut 0<->1".
func parseCut(desc string) (from, to raft.NodeID, both bool) {
	s := strings.TrimPrefix(desc, "cut ")
	sep := "->"
	if strings.Contains(s, "<->") {
		sep, both = "<->", true
	}
	a, c, _ := strings.Cut(s, sep)
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(c)
	return raft.NodeID(x), raft.NodeID(y), both
}

// laneState is a server's role band being drawn.
type laneState struct {
	open  bool
	since time.Duration
	role  int
	term  uint64
	lead  raft.NodeID
}

// roles draws each server's role bands from the steps in the trace, and
// its down intervals from the crashes and restarts.
func (b *builder) roles(in Input) {
	st := map[raft.NodeID]*laneState{}
	complete := in.Dropped == 0
	for _, si := range in.Servers {
		s := &laneState{role: roleUnknown, lead: raft.None}
		if complete {
			s.role = int(raft.Follower)
		}
		st[si.ID] = s
	}
	set := func(id raft.NodeID, at time.Duration, role int, term uint64, lead raft.NodeID) {
		s := st[id]
		if s == nil {
			return
		}
		if s.open && s.role == role && s.term == term && s.lead == lead {
			return
		}
		if s.open {
			b.band(id, s, at)
		}
		s.open, s.since, s.role, s.term, s.lead = true, at, role, term, lead
	}
	for _, e := range in.Trace {
		s := st[e.Node]
		if s == nil {
			continue
		}
		if !s.open {
			// The server is drawn from its first event on (from the start
			// of the page when older events are gone).
			at := e.Time
			if !complete {
				at = time.Duration(b.d.Start)
			}
			s.open, s.since = true, at
		}
		switch e.Kind {
		case sim.EvCrash:
			set(e.Node, e.Time, roleDown, s.term, raft.None)
		case sim.EvRestart:
			set(e.Node, e.Time, int(raft.Follower), s.term, raft.None)
		case sim.EvRaft:
			r := e.Raft
			switch r.Kind {
			case raft.EvBecome:
				set(e.Node, e.Time, roleOf(r.Role), r.Term, raft.None)
			case raft.EvStepDown:
				set(e.Node, e.Time, int(raft.Follower), r.Term, raft.None)
			}
		case sim.EvDeliver:
			// A follower learns its leader from an AppendEntries of its
			// term (any message from a server that is leader of its term).
			m := e.Msg
			if m != nil && s.role == int(raft.Follower) && m.Term == s.term && m.Term > 0 && m.Type.FromLeader() {
				set(e.Node, e.Time, s.role, s.term, m.From)
			}
		}
	}
	for _, si := range in.Servers {
		s := st[si.ID]
		if !s.open {
			continue
		}
		if s.role == roleUnknown {
			// Nothing in the kept trace changed its role: it has been
			// what it is now all along.
			s.role, s.term = nowRole(si), si.Term
		}
		b.band(si.ID, s, in.Now)
	}
}

func nowRole(si sim.ServerInfo) int {
	if !si.Up {
		return roleDown
	}
	return roleOf(si.Role)
}

func (b *builder) band(id raft.NodeID, s *laneState, end time.Duration) {
	if end < s.since {
		return
	}
	bd := &b.d.Bands
	bd.Lane = append(bd.Lane, b.lane(id))
	bd.T0 = append(bd.T0, int64(s.since))
	bd.T1 = append(bd.T1, int64(end))
	bd.Role = append(bd.Role, s.role)
	bd.Term = append(bd.Term, int64(s.term))
	bd.Lead = append(bd.Lead, b.lane(s.lead))
}

// messages pairs each message's send with its arrival or loss. The trace
// has no message ids, so a delivery is matched with the oldest message in
// flight with the same endpoints and content (identical messages are
// interchangeable in the picture); a loss at the instant of a send is
// that send's.
func (b *builder) messages(in Input) {
	inflight := map[string][]int{}
	md := &b.d.Msgs
	add := func(e *sim.TraceEvent, t0, t1 int64, flags int, text string) int {
		m := e.Msg
		ti, ok := b.types[m.Type]
		if !ok {
			ti = len(b.d.Types)
			b.types[m.Type] = ti
			b.d.Types = append(b.d.Types, m.Type.String())
		}
		if m.Reject {
			flags |= FlagReject
		}
		md.T0 = append(md.T0, t0)
		md.T1 = append(md.T1, t1)
		md.From = append(md.From, b.lane(m.From))
		md.To = append(md.To, b.lane(m.To))
		md.Type = append(md.Type, ti)
		md.Cat = append(md.Cat, category(m))
		md.Flags = append(md.Flags, flags)
		md.Why = append(md.Why, -1)
		md.Text = append(md.Text, b.str(text))
		return len(md.T0) - 1
	}
	arrive := func(e *sim.TraceEvent, lost bool) {
		text := MessageText(e.Msg)
		key := text
		q := inflight[key]
		i := -1
		switch {
		case len(q) == 0:
		case lost && md.T0[q[len(q)-1]] == int64(e.Time):
			i, inflight[key] = q[len(q)-1], q[:len(q)-1]
		default:
			i, inflight[key] = q[0], q[1:]
		}
		if i < 0 {
			i = add(e, int64(e.Time), int64(e.Time), FlagNoSend, text)
		}
		md.T1[i] = int64(e.Time)
		if lost {
			md.Flags[i] |= FlagLost
			md.Why[i] = b.str(e.Reason)
		}
		if e.Reason == "late" {
			md.Flags[i] |= FlagLate
		}
	}
	for i := range in.Trace {
		e := &in.Trace[i]
		if e.Msg == nil {
			continue
		}
		switch e.Kind {
		case sim.EvSend, sim.EvClientCall:
			flags := 0
			if e.Reason == "duplicate" {
				flags |= FlagDup
			}
			text := MessageText(e.Msg)
			j := add(e, int64(e.Time), -1, flags, text)
			inflight[text] = append(inflight[text], j)
		case sim.EvDeliver:
			arrive(e, false)
		case sim.EvClientReply:
			if e.Msg.From != raft.None {
				arrive(e, false)
			}
		case sim.EvDrop:
			arrive(e, true)
		}
	}
	for j, t1 := range md.T1 {
		if t1 < 0 {
			md.T1[j] = int64(in.Now)
			md.Flags[j] |= FlagInFlight
		}
	}
}

// MessageText describes a message generically: its type, its endpoints
// and every field that is not zero, by name, in reading order (fieldOrder).
func MessageText(m *raft.Message) string {
	var sb strings.Builder
	sb.WriteString(m.Type.String())
	sb.WriteString(" ")
	sb.WriteString(endpoint(m.From))
	sb.WriteString(" → ")
	sb.WriteString(endpoint(m.To))
	for _, f := range messageFields(m) {
		switch f.name {
		case "Type", "From", "To":
			continue
		case "Entries":
			if len(m.Entries) > 0 {
				sb.WriteString(", entries ")
				sb.WriteString(entries(m.Entries))
			}
			continue
		}
		if f.v.IsZero() {
			continue
		}
		sb.WriteString(", ")
		sb.WriteString(lowerFirst(f.name))
		sb.WriteString(" ")
		sb.WriteString(fieldText(f.v))
	}
	return sb.String()
}

// msgField is one field of a message, as MessageText names it.
type msgField struct {
	name string
	v    reflect.Value
}

// fieldOrder is the order in which a message reads: where it is, what it
// carries, the answer's fields, a snapshot's, a client's. raft.Message
// packs its flags after Type and keeps the parts of InstallSnapshot and
// client traffic behind pointers, which is not how a person reads it.
// A field not listed comes last.
var fieldOrder = []string{"Term", "LastIndex", "LastTerm", "PrevIndex", "PrevTerm", "Entries", "Probe", "Commit",
	"Transfer", "ReadSeq", "Reject", "Match", "ConflictTerm", "ConflictIndex",
	"Config", "Outgoing", "Learners", "Offset", "Data", "Done", "Cmd", "Resp"}

// messageFields returns m's fields in reading order: a snapshot's part as
// fields of the message (its voters named Config), a command or a reply
// as the struct it points to.
func messageFields(m *raft.Message) []msgField {
	var fs []msgField
	v := reflect.ValueOf(m).Elem()
	for i := range v.NumField() {
		name, f := v.Type().Field(i).Name, v.Field(i)
		switch {
		case name == "Snap":
			if p := m.Snap; p != nil {
				fs = append(fs, msgField{"Config", reflect.ValueOf(p.Config.Voters)}, msgField{"Outgoing", reflect.ValueOf(p.Config.Outgoing)},
					msgField{"Learners", reflect.ValueOf(p.Config.Learners)}, msgField{"Data", reflect.ValueOf(p.Data)})
			}
		case f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.Struct:
			fs = append(fs, msgField{name, f.Elem()})
		default:
			fs = append(fs, msgField{name, f})
		}
	}
	rank := func(name string) int {
		if i := slices.Index(fieldOrder, name); i >= 0 {
			return i
		}
		return len(fieldOrder)
	}
	slices.SortStableFunc(fs, func(a, b msgField) int { return rank(a.name) - rank(b.name) })
	return fs
}

func endpoint(id raft.NodeID) string {
	if id == raft.None {
		return "nobody"
	}
	return laneName(id)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// fieldText renders a message field: numbers and strings as they are,
// nested structs (a command, a reply) as their non-zero fields.
func fieldText(f reflect.Value) string {
	switch f.Kind() {
	case reflect.Struct:
		var parts []string
		for i := range f.NumField() {
			g, name := f.Field(i), f.Type().Field(i).Name
			switch {
			case g.IsZero():
			case name == "ClientID" && g.CanUint():
				// a client session is its client's number, as everywhere people read it
				parts = append(parts, "clientID "+strconv.Itoa(sim.ShownID(raft.NodeID(g.Uint()))))
			default:
				parts = append(parts, lowerFirst(name)+" "+fieldText(g))
			}
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case reflect.Slice:
		parts := make([]string, f.Len())
		for i := range parts {
			parts[i] = fieldText(f.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.String:
		return f.String()
	case reflect.Bool:
		return strconv.FormatBool(f.Bool())
	}
	if s, ok := f.Interface().(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprint(f.Interface())
}

// entries describes the entries a message carries: "4..6 (t2 set a=1, t2 noop, ...)".
func entries(es []raft.Entry) string {
	var sb strings.Builder
	first, last := es[0].Index, es[len(es)-1].Index
	if first == last {
		sb.WriteString(strconv.FormatUint(first, 10))
	} else {
		fmt.Fprintf(&sb, "%d..%d", first, last)
	}
	sb.WriteString(" (")
	for i, e := range es {
		if i == 8 {
			fmt.Fprintf(&sb, ", … %d more", len(es)-i)
			break
		}
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(EntryText(e))
	}
	sb.WriteString(")")
	return sb.String()
}

// EntryText describes one log entry: "t2 set a=1", "t1 noop", "t3 config [0, 1, 2]".
func EntryText(e raft.Entry) string {
	head := "t" + strconv.FormatUint(e.Term, 10) + " "
	switch e.Kind {
	case raft.EntryConfig:
		c := e.Config
		t := head + "config " + ids(c.Voters)
		if len(c.Outgoing) > 0 {
			t += " joint with old " + ids(c.Outgoing)
		}
		if len(c.Learners) > 0 {
			t += " learners " + ids(c.Learners)
		}
		return t
	case raft.EntryCommand:
		c := e.Cmd
		switch c.Op {
		case raft.OpSet:
			return head + "set " + c.Key + "=" + string(c.Value)
		case raft.OpCAS:
			return head + "cas " + c.Key + " " + valueOrNull(c.Old) + "→" + string(c.Value)
		case raft.OpGet, raft.OpDel:
			return head + c.Op.String() + " " + c.Key
		}
		return head + c.Op.String()
	}
	return head + e.Kind.String()
}

func valueOrNull(v raft.Value) string {
	if v == "" {
		return "null"
	}
	return string(v)
}

// points draws the moments of each lane: what nodes did, crashes and
// restarts, violations.
func (b *builder) points(in Input) {
	p := &b.d.Points
	add := func(id raft.NodeID, at time.Duration, kind string, v uint64, text string) {
		p.Lane = append(p.Lane, b.lane(id))
		p.T = append(p.T, int64(at))
		p.Kind = append(p.Kind, markKind(kind))
		p.V = append(p.V, int64(v))
		p.Text = append(p.Text, b.str(text))
	}
	for _, e := range in.Trace {
		n := laneName(e.Node)
		switch e.Kind {
		case sim.EvCrash:
			add(e.Node, e.Time, "crash", 0, n+" crashed (its disk is kept)")
		case sim.EvRestart:
			add(e.Node, e.Time, "restart", 0, n+" restarted from its disk")
		case sim.EvViolation:
			add(e.Node, e.Time, "violation", 0, "SAFETY VIOLATION: "+e.Reason)
		case sim.EvRaft:
			r := e.Raft
			peer := endpoint(r.Peer)
			switch r.Kind {
			case raft.EvCommit:
				add(e.Node, e.Time, "commit", r.Index, fmt.Sprintf("%s committed up to %d (term %d)", n, r.Index, r.Term))
			case raft.EvApply:
				add(e.Node, e.Time, "apply", r.Index, fmt.Sprintf("%s applied entry %d", n, r.Index))
			case raft.EvConfig:
				text := fmt.Sprintf("%s follows configuration %s", n, ids(r.Config))
				if r.Index > 0 {
					text += fmt.Sprintf(" (entry %d)", r.Index)
				}
				add(e.Node, e.Time, "config", r.Index, text)
			case raft.EvTimeout:
				add(e.Node, e.Time, "timeout", r.Term, fmt.Sprintf("%s: election timeout, starts an election for term %d", n, r.Term))
			case raft.EvVoteGranted:
				add(e.Node, e.Time, "vote", r.Term, fmt.Sprintf("%s voted for %s in term %d", n, peer, r.Term))
			case raft.EvVoteRejected:
				add(e.Node, e.Time, "vote-refused", r.Term, fmt.Sprintf("%s refused its vote to %s in term %d: %s", n, peer, r.Term, r.Reason))
			case raft.EvStepDown:
				add(e.Node, e.Time, "step-down", r.Term, fmt.Sprintf("%s saw term %d from %s: follower in term %d", n, r.Term, peer, r.Term))
			case raft.EvAppend:
				text := fmt.Sprintf("%s appended entry %d (term %d)", n, r.Index, r.EntryTerm)
				if r.Index2 > r.Index {
					text = fmt.Sprintf("%s appended entries %d..%d (terms %d..%d)", n, r.Index, r.Index2, r.EntryTerm, r.EntryTerm2)
				}
				add(e.Node, e.Time, "append", r.Index2, text)
			case raft.EvAppendRejected:
				add(e.Node, e.Time, "append-rejected", 0, fmt.Sprintf("%s rejected AppendEntries from %s: %s", n, peer, r.Reason))
			case raft.EvTruncate:
				add(e.Node, e.Time, "truncate", r.Index, fmt.Sprintf("%s dropped its conflicting entries from %d on", n, r.Index))
			case raft.EvRead:
				add(e.Node, e.Time, "read", r.Index, fmt.Sprintf("%s served a linearizable read at index %d", n, r.Index))
			case raft.EvCatchUp:
				add(e.Node, e.Time, "catch-up", r.Index, fmt.Sprintf("%s: new server %s caught up to %d (round %d)", n, peer, r.Index, r.Index2))
			case raft.EvSnapshot:
				add(e.Node, e.Time, "snapshot", r.Index, fmt.Sprintf("%s took a snapshot after entry %d (term %d, %d bytes, %s): its log now begins after %d", n, r.Index, r.EntryTerm, r.Bytes, r.Reason, r.Index2))
			case raft.EvSnapshotInstalled:
				add(e.Node, e.Time, "snapshot-installed", r.Index, fmt.Sprintf("%s installed %s's snapshot after entry %d (term %d, %d bytes) and %s", n, peer, r.Index, r.EntryTerm, r.Bytes, r.Reason))
			}
		}
	}
}

// ops draws the client operations that overlap the page, from call to
// return.
func (b *builder) ops(in Input) {
	o := &b.d.Ops
	for _, op := range in.History {
		if !b.inWindow(op.Return, op.Done) {
			continue
		}
		t1 := int64(-1)
		status := "no answer yet"
		if op.Done {
			t1, status = int64(op.Return), string(op.Status)
		}
		o.Lane = append(o.Lane, b.lane(op.Client))
		o.T0 = append(o.T0, int64(op.Call))
		o.T1 = append(o.T1, t1)
		o.Text = append(o.Text, b.str(opText(op)))
		o.Status = append(o.Status, b.str(status))
		o.Result = append(o.Result, b.str(string(op.Result)))
		o.Server = append(o.Server, b.lane(op.Server))
		o.Seq = append(o.Seq, int64(op.Seq))
		o.Key = append(o.Key, b.str(op.Key))
	}
}

func opText(op sim.HistoryOp) string {
	switch op.Op {
	case raft.OpSet:
		return "set " + op.Key + "=" + string(op.Value)
	case raft.OpCAS:
		return "cas " + op.Key + " " + valueOrNull(op.Old) + "→" + string(op.Value)
	case raft.OpGet:
		if op.ReadOnly {
			return "get " + op.Key + " ro"
		}
		return "get " + op.Key
	}
	return op.Op.String() + " " + op.Key
}
