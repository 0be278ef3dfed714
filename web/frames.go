package web

import (
	"strconv"
	"strings"
	"time"

	"raftsim/raft"
	"raftsim/sim"
)

// logTail is how many of the last log entries a frame keeps per server:
// what the page can draw in a row, whatever the length of the log.
const logTail = 24

// maxFrames bounds the frames kept for playback (a command such as `run
// 1h` passes through millions of states). Past it the oldest frames go and
// the page jumps over them.
const maxFrames = 50_000

// frame is the state of the cluster between two events: what the page
// draws at any virtual time from T until the next frame.
type frame struct {
	T       time.Duration
	Servers []serverView
	Flights []flightView
	Links   []linkView
}

// serverView is one server as the page draws it.
type serverView struct {
	ID       raft.NodeID       `json:"id"`
	Up       bool              `json:"up"`
	Role     string            `json:"role"`
	Term     uint64            `json:"term"`
	VotedFor *raft.NodeID      `json:"votedFor"`
	Leader   *raft.NodeID      `json:"leader"`
	Commit   uint64            `json:"commit"`
	Applied  uint64            `json:"applied"`
	Last     uint64            `json:"last"`
	Log      []entryView       `json:"log"`
	Next     map[string]uint64 `json:"next,omitempty"`
	Match    map[string]uint64 `json:"match,omitempty"`
	Config   []raft.NodeID     `json:"config"`
	Group    int               `json:"group"`
	// The timer runs from TimerFrom (when it was last set) to TimerAt, in
	// virtual milliseconds; both 0 when the server has no timer.
	TimerFrom float64 `json:"timerFrom"`
	TimerAt   float64 `json:"timerAt"`
}

type entryView struct {
	Index uint64 `json:"i"`
	Term  uint64 `json:"t"`
	Text  string `json:"x"`
}

// flightView is a message on the network, drawn along its link between
// Sent and Due.
type flightView struct {
	ID       uint64  `json:"id"`
	From     int     `json:"from"` // a server's id, or -1 for a client (drawn in the ring's middle)
	To       int     `json:"to"`
	FromName string  `json:"fromName"` // "S3", "client 1000": server ids pass 999, so a number cannot tell
	ToName   string  `json:"toName"`
	Type     string  `json:"type"`
	Kind     string  `json:"kind"`  // vote, append, heartbeat, snapshot, transfer, reply, client: the colour
	Reply    bool    `json:"reply"` // it answers another message
	Label    string  `json:"label"`
	Sent     float64 `json:"sent"`
	Due      float64 `json:"due"`
}

// linkView says which ways the link between A and B carries messages now.
type linkView struct {
	A  raft.NodeID `json:"a"`
	B  raft.NodeID `json:"b"`
	AB bool        `json:"ab"`
	BA bool        `json:"ba"`
}

// recorder keeps the frames a run passed through, for playback at the
// speed the page asks for. It also remembers what a single frame cannot
// show: when each message was sent and when each timer was set.
//
// A frame of every state costs far more than the simulation itself (70
// times as much under a client load), so frames are recorded only where
// they are played back: while a command runs the clock ahead of the
// display (budget frames at most). While the clock runs live, one frame
// a tick is enough, and between frames only the send times are tracked.
type recorder struct {
	frames []frame
	sent   map[uint64]time.Duration // flight id -> when it was first seen
	timers map[raft.NodeID][2]time.Duration
	// budget is how many more states of the running command are
	// recorded as frames.
	budget int
	// off stops recording (while a seek replays the session).
	off bool
	ids []uint64 // reused by track
}

// commandFrames bounds the frames one command records for playback: past
// it the display jumps to the end of the command.
const commandFrames = 20_000

// observe is called before every event of the simulation.
func (r *recorder) observe(s *sim.Sim) {
	switch {
	case r.off:
	case r.budget > 0:
		r.budget--
		r.capture(s)
	default:
		r.track(s)
	}
}

// track notes the time each message on the network was first seen.
func (r *recorder) track(s *sim.Sim) {
	now := s.Now()
	r.ids = s.FlightIDs(r.ids[:0])
	for _, id := range r.ids {
		if _, ok := r.sent[id]; !ok {
			r.sent[id] = now
		}
	}
	if len(r.sent) > 4*len(r.ids)+64 {
		live := make(map[uint64]bool, len(r.ids))
		for _, id := range r.ids {
			live[id] = true
		}
		for id := range r.sent {
			if !live[id] {
				delete(r.sent, id)
			}
		}
	}
}

func newRecorder() *recorder {
	return &recorder{sent: map[uint64]time.Duration{}, timers: map[raft.NodeID][2]time.Duration{}}
}

// reset forgets everything: the next capture starts a new history.
func (r *recorder) reset() {
	r.frames = r.frames[:0]
	clear(r.sent)
	clear(r.timers)
}

// capture records the state s is in now. A frame at the same time as the
// last one replaces it: only the state after every event of an instant is
// ever seen.
func (r *recorder) capture(s *sim.Sim) {
	if r.off {
		return
	}
	f := snapshot(s, r)
	if n := len(r.frames); n > 0 && r.frames[n-1].T == f.T {
		r.frames[n-1] = f
		return
	}
	if len(r.frames) >= maxFrames {
		r.frames = append(r.frames[:0], r.frames[len(r.frames)-maxFrames/2:]...)
	}
	r.frames = append(r.frames, f)
}

// at returns the frame to draw at virtual time v (the last one at or
// before v) and drops the frames before it, which playback has passed.
func (r *recorder) at(v time.Duration) frame {
	i := 0
	for i+1 < len(r.frames) && r.frames[i+1].T <= v {
		i++
	}
	if i > 0 {
		r.frames = append(r.frames[:0], r.frames[i:]...)
	}
	return r.frames[0]
}

// next returns the time of the first frame after v, if one is recorded.
func (r *recorder) next(v time.Duration) (time.Duration, bool) {
	for _, f := range r.frames {
		if f.T > v {
			return f.T, true
		}
	}
	return 0, false
}

func snapshot(s *sim.Sim, r *recorder) frame {
	now := s.Now()
	ids := s.Servers()
	due := map[raft.NodeID]time.Duration{}
	for _, t := range s.Timers() {
		due[t.Server] = t.Due
	}
	f := frame{T: now, Servers: make([]serverView, 0, len(ids)), Flights: []flightView{}, Links: make([]linkView, 0, len(ids)*(len(ids)-1)/2)}
	for _, id := range ids {
		info, last, err := s.InfoTail(id, logTail)
		if err != nil {
			continue
		}
		f.Servers = append(f.Servers, serverFrom(info, last, r.timer(id, due[id], now)))
	}
	seen := make(map[uint64]bool, len(r.sent))
	for _, fl := range s.InFlight() {
		sent, ok := r.sent[fl.ID]
		if !ok {
			sent = now
			r.sent[fl.ID] = sent
		}
		seen[fl.ID] = true
		f.Flights = append(f.Flights, flightFrom(fl, sent))
	}
	for id := range r.sent {
		if !seen[id] {
			delete(r.sent, id)
		}
	}
	for i, a := range ids {
		for _, b := range ids[i+1:] {
			f.Links = append(f.Links, linkView{A: a, B: b, AB: s.Linked(a, b), BA: s.Linked(b, a)})
		}
	}
	return f
}

// timer returns when server id's timer was set and when it fires, keeping
// the start of a timer that has not changed since the last capture.
func (r *recorder) timer(id raft.NodeID, at, now time.Duration) [2]time.Duration {
	t, ok := r.timers[id]
	if !ok || t[1] != at {
		t = [2]time.Duration{now, at}
		r.timers[id] = t
	}
	if at == 0 {
		return [2]time.Duration{}
	}
	return t
}

func serverFrom(si sim.ServerInfo, last uint64, timer [2]time.Duration) serverView {
	v := serverView{ID: si.ID, Up: si.Up, Term: si.Term, Commit: si.CommitIndex, Applied: si.LastApplied,
		Last: last, Config: si.Config, Group: si.Group, TimerFrom: ms(timer[0]), TimerAt: ms(timer[1]), Log: []entryView{}}
	v.Role = "down"
	if si.Up {
		v.Role = si.Role.String()
	}
	if si.VotedFor != raft.None {
		vf := si.VotedFor
		v.VotedFor = &vf
	}
	if si.Leader != raft.None {
		l := si.Leader
		v.Leader = &l
	}
	v.Log = make([]entryView, len(si.Log))
	for i, e := range si.Log {
		v.Log[i] = entryView{Index: e.Index, Term: e.Term, Text: entryText(e)}
	}
	if si.NextIndex != nil {
		v.Next, v.Match = map[string]uint64{}, map[string]uint64{}
		for id, n := range si.NextIndex {
			v.Next[strconv.Itoa(int(id))] = n
		}
		for id, m := range si.MatchIndex {
			v.Match[strconv.Itoa(int(id))] = m
		}
	}
	return v
}

// entryText is an entry as the log row shows it: `set a=1`, `noop`,
// `config 0,1,2`.
func entryText(e raft.Entry) string {
	switch e.Kind {
	case raft.EntryCommand:
		c := e.Cmd
		s := c.Op.String()
		if c.Key != "" {
			s += " " + c.Key
		}
		switch {
		case c.Op == raft.OpCAS:
			s += " " + string(c.Old) + "→" + string(c.Value)
		case c.Value != "":
			s += "=" + string(c.Value)
		}
		return s
	case raft.EntryConfig:
		ids := make([]string, len(e.Config.Voters))
		for i, id := range e.Config.Voters {
			ids[i] = strconv.Itoa(int(id))
		}
		s := "config " + strings.Join(ids, ",")
		if e.Config.Joint() {
			s += " (joint)"
		}
		return s
	}
	return e.Kind.String()
}

// flightFrom describes a message for the page. The kind, which picks its
// colour, comes from its type's class (raft.MsgType.Class, which every
// type has): vote, append, heartbeat (a heartbeat's answer too, hidden
// among them rather than drawn as a reply), snapshot (chunks and
// answers), transfer, reply, client.
func flightFrom(fl sim.Flight, sent time.Duration) flightView {
	m := &fl.Msg
	v := flightView{ID: fl.ID, From: endID(m.From), To: endID(m.To), FromName: endName(m.From), ToName: endName(m.To),
		Type: m.Type.String(), Sent: ms(sent), Due: ms(fl.Due), Reply: m.Type.IsResponse()}
	switch c := m.Type.Class(); {
	case c == raft.ClassClient:
		v.Kind = "client"
	case c == raft.ClassHeartbeat:
		v.Kind = "heartbeat"
	case c == raft.ClassSnapshot:
		v.Kind = "snapshot" // its chunks and their answers: one transfer
	case v.Reply:
		v.Kind = "reply"
	case c == raft.ClassElection:
		v.Kind = "vote"
	case c == raft.ClassTransfer:
		v.Kind = "transfer"
	default:
		v.Kind = "append"
	}
	v.Label = flightLabel(m)
	return v
}

// endID is a message end as the page places it: a server by its id, every
// client at -1 (the middle of the ring).
func endID(id raft.NodeID) int {
	if sim.IsClient(id) {
		return -1
	}
	return int(id)
}

// endName names a message end as the shell does: S3, client 1000.
func endName(id raft.NodeID) string {
	if sim.IsClient(id) {
		return "client " + strconv.Itoa(sim.ShownID(id))
	}
	return "S" + strconv.Itoa(int(id))
}

func flightLabel(m *raft.Message) string {
	term := strconv.FormatUint(m.Term, 10)
	switch m.Type {
	case raft.MsgClient:
		if m.Cmd == nil {
			return entryText(raft.Entry{Kind: raft.EntryCommand, Cmd: &raft.Command{}})
		}
		return entryText(raft.Entry{Kind: raft.EntryCommand, Cmd: m.Cmd})
	case raft.MsgClientResp:
		if m.Resp == nil {
			return ""
		}
		return string(m.Resp.Status)
	case raft.MsgPreVote:
		return "pre-vote t" + term
	case raft.MsgTimeoutNow:
		return "TimeoutNow t" + term
	case raft.MsgHeartbeat:
		return "♥ t" + term
	case raft.MsgHeartbeatResp:
		return "♥ ✓ t" + term
	case raft.MsgSnap:
		return "snapshot ≤" + strconv.FormatUint(m.LastIndex, 10) + " @" + strconv.FormatUint(m.Offset, 10) + "B"
	case raft.MsgSnapResp:
		if m.Done && !m.Reject {
			return "✓ snapshot " + strconv.FormatUint(m.Match, 10)
		}
	}
	switch {
	case m.Type.IsResponse() && m.Reject:
		return "✗ t" + term
	case m.Type == raft.MsgPreVoteResp:
		return "✓ pre t" + term
	case m.Type == raft.MsgVoteResp:
		return "✓ t" + term
	case m.Type.IsResponse():
		return "✓ " + strconv.FormatUint(m.Match, 10)
	case len(m.Entries) > 0:
		return strconv.Itoa(len(m.Entries)) + " entr" + map[bool]string{true: "y", false: "ies"}[len(m.Entries) == 1]
	case m.Type == raft.MsgApp:
		return "0 entries"
	}
	return "t" + term
}

// ms is a virtual time in milliseconds, as the page counts it.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
