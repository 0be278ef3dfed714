package render

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"raftsim/raft"
)

// Values of the commands that play a run by hand (pending, deliver, drop,
// timeout), explain it (why) and travel in it (rewind, goto, save).

// Pending is the value of pending: what the simulation will do next
// unless something else happens first, soonest first.
type Pending struct {
	Now   time.Duration
	Items []PendingItem
}

// PendingItem is one message on the network or one server's timer.
type PendingItem struct {
	// ID is the message's id (for deliver and drop), or for a timer the
	// id of its server (for timeout).
	ID    uint64
	Timer bool
	Due   time.Duration
	Msg   raft.Message // a message's copy
	// Heartbeat says a timer is a leader's heartbeat, not an election
	// timeout.
	Heartbeat bool
	Server    raft.NodeID // a timer's server
	Text      string      // what it is, worded by the session
}

func pendingText(r *Renderer, p Pending) string {
	msgs, timers := 0, 0
	for _, it := range p.Items {
		if it.Timer {
			timers++
		} else {
			msgs++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "t=%s: %s in flight, %s", Seconds(p.Now), Plural(uint64(msgs), "message", "messages"), Plural(uint64(timers), "timer", "timers"))
	if len(p.Items) == 0 {
		return b.String()
	}
	b.WriteString(" (deliver ID / drop ID for a message, timeout ID for a timer)\n")
	w := len("ID")
	for _, it := range p.Items {
		w = max(w, len(pendingID(it)))
	}
	fmt.Fprintf(&b, "%-*s  %-8s  %s", w, "ID", "DUE", "WHAT")
	for _, it := range p.Items {
		node := it.Server
		if !it.Timer {
			node = it.Msg.From
		}
		fmt.Fprintf(&b, "\n%-*s  %-8s  %s", w, pendingID(it), Seconds(it.Due), r.server(node, it.Text))
	}
	return b.String()
}

func pendingID(it PendingItem) string {
	if it.Timer {
		return fmt.Sprintf("timer %d", it.ID)
	}
	return fmt.Sprint(it.ID)
}

// asJSON is a list of {"id", "kind": "message"|"timer", "due_ms", "text",
// and for a message "from", "to", "type", "term"; for a timer "server"
// and "timer": "election"|"heartbeat"}.
func (p Pending) asJSON() json.RawMessage {
	out := make([]json.RawMessage, 0, len(p.Items))
	for _, it := range p.Items {
		o := object{{"id", mustJSON(it.ID)}}
		if it.Timer {
			what := "election"
			if it.Heartbeat {
				what = "heartbeat"
			}
			o = append(o, member{"kind", mustJSON("timer")}, member{"due_ms", mustJSON(Millis(it.Due))},
				member{"server", nodeJSON(it.Server)}, member{"timer", mustJSON(what)})
		} else {
			o = append(o, member{"kind", mustJSON("message")}, member{"due_ms", mustJSON(Millis(it.Due))},
				member{"from", nodeJSON(it.Msg.From)}, member{"to", nodeJSON(it.Msg.To)},
				member{"type", mustJSON(it.Msg.Type.String())}, member{"term", mustJSON(it.Msg.Term)})
		}
		out = append(out, mustJSON(append(o, member{"text", mustJSON(it.Text)})))
	}
	return mustJSON(out)
}

// Handled is the value of deliver, drop and timeout: what was done, in
// words. Its JSON is the message's id and the words.
type Handled struct {
	ID   uint64
	Text string
}

func (h Handled) asJSON() json.RawMessage {
	return mustJSON(object{{"id", mustJSON(h.ID)}, {"text", mustJSON(h.Text)}})
}

// Why is the value of why: an explanation in words and the events it
// cites, oldest first.
type Why struct {
	Text   string
	Causes []Cause
}

// Cause is one event an explanation cites.
type Cause struct {
	Time   time.Duration
	Kind   string      // "timeout", "vote", "crash", "message", ...
	Server raft.NodeID // the server it happened on, or raft.None
	Peer   raft.NodeID // the other server, or raft.None
	Text   string
}

func (w Why) asJSON() json.RawMessage {
	causes := make([]json.RawMessage, 0, len(w.Causes))
	for _, c := range w.Causes {
		causes = append(causes, mustJSON(object{
			{"t_ms", mustJSON(Millis(c.Time))},
			{"kind", mustJSON(c.Kind)},
			{"server", nodeJSON(c.Server)},
			{"peer", nodeJSON(c.Peer)},
			{"text", mustJSON(c.Text)},
		}))
	}
	return mustJSON(object{{"text", mustJSON(w.Text)}, {"causes", mustJSON(causes)}})
}

// Travelled is the value of rewind and goto: where the clock now is, and
// how the session got there.
type Travelled struct {
	From, To time.Duration
	Replayed int  // commands replayed from the seed
	Cut      bool // the last of them was stopped at To, in its middle
	// Future counts the commands after To that goto can replay again,
	// until a command typed now forks the run.
	Future int
}

func travelledText(t Travelled) string {
	dir := "back"
	if t.To > t.From {
		dir = "forward"
	}
	s := fmt.Sprintf("t=%s (%s from t=%s: replayed %s from the seed", Seconds(t.To), dir, Seconds(t.From), Plural(uint64(t.Replayed), "command", "commands"))
	if t.Cut {
		s += ", the last stopped in its middle"
	}
	s += ")"
	if t.Future > 0 {
		them := "them"
		if t.Future == 1 {
			them = "it"
		}
		s += fmt.Sprintf("; %s ahead: goto replays %s, a command typed now forks the run", Plural(uint64(t.Future), "command", "commands"), them)
	}
	return s
}

func (t Travelled) asJSON() json.RawMessage {
	return mustJSON(object{{"t_ms", mustJSON(Millis(t.To))}, {"from_ms", mustJSON(Millis(t.From))},
		{"replayed", mustJSON(t.Replayed)}, {"cut", mustJSON(t.Cut)}, {"future", mustJSON(t.Future)}})
}
