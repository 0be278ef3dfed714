package session

import (
	"fmt"
	"slices"
	"strings"

	"raftsim/raft"
	"raftsim/repl/render"
	"raftsim/sim"
)

// updateListener installs the trace listener only when something will be
// shown: without one, sim's trace costs nothing.
func (s *Session) updateListener() {
	if s.debug > render.DebugOff || s.stepping || len(s.debugServers) > 0 {
		s.sim.OnEvent(s.onEvent)
	} else {
		s.sim.OnEvent(nil)
	}
}

func (s *Session) onEvent(ev sim.TraceEvent) {
	level := s.debug
	if s.stepping {
		level = render.DebugVerbose
	}
	if l, ok := s.debugServers[ev.Node]; ok && l > level {
		level = l
	}
	if l, ok := s.debugServers[ev.Peer]; ok && l > level && ev.Msg != nil {
		level = l
	}
	if !shown(ev, level) {
		return
	}
	if level < render.DebugVerbose && ev.Msg != nil && s.down[ev.Msg.To] && (ev.Kind == sim.EvSend || ev.Kind == sim.EvDrop) {
		return // retries to a crashed server repeat every heartbeat
	}
	if len(s.events) >= maxEventsPerCommand {
		s.dropped++
		return
	}
	s.events = append(s.events, s.describe(ev))
}

// shown filters events by debug level: `debug on` leaves out the traffic
// that repeats every heartbeat, which `verbose` shows too.
func shown(ev sim.TraceEvent, level int) bool {
	if level == render.DebugOff {
		return false
	}
	if level >= render.DebugVerbose {
		return true
	}
	switch ev.Kind {
	case sim.EvDeliver:
		return false
	case sim.EvSend, sim.EvDrop:
		return ev.Msg != nil && !routine(ev.Msg)
	}
	return true
}

// routine says whether a message is background traffic: heartbeats and
// their acknowledgements, and vote replies (their effect is a raft event).
func routine(m *raft.Message) bool {
	switch m.Type {
	case raft.MsgApp:
		return len(m.Entries) == 0
	case raft.MsgAppResp:
		return !m.Reject
	case raft.MsgVoteResp, raft.MsgPreVoteResp, raft.MsgClient, raft.MsgClientResp:
		// Vote replies show as raft events, client traffic as client lines.
		return true
	}
	return false
}

func (s *Session) name(id raft.NodeID) string {
	if id == raft.None {
		return "nobody"
	}
	if slices.Contains(s.sim.Servers(), id) || s.debugServers[id] > 0 {
		return fmt.Sprintf("S%d", id)
	}
	return fmt.Sprintf("client %d", id)
}

// describe words one trace event.
func (s *Session) describe(ev sim.TraceEvent) render.EventLine {
	l := render.EventLine{Time: ev.Time, Node: ev.Node}
	n := s.name(ev.Node)
	switch ev.Kind {
	case sim.EvRaft:
		l.Kind, l.Text = s.describeRaft(ev.Raft)
		l.Node = ev.Raft.Node
	case sim.EvSend:
		l.Kind, l.Text = "send", s.describeMsg(ev.Msg, "→")
		if ev.Reason != "" {
			l.Text += " (" + ev.Reason + ")" // a duplicate
		}
	case sim.EvDeliver:
		l.Kind, l.Text = "deliver", s.describeMsg(ev.Msg, "→")+" delivered"
	case sim.EvDrop:
		l.Kind, l.Text = "drop", s.describeMsg(ev.Msg, "→")+" lost ("+ev.Reason+")"
	case sim.EvCrash:
		l.Kind, l.Text = "crash", n+" crashed"
	case sim.EvRestart:
		l.Kind, l.Text = "restart", n+" restarted from its disk"
	case sim.EvPartition:
		l.Kind, l.Text = "network", "network: "+ev.Reason
	case sim.EvClientCall:
		l.Kind, l.Text = "client-call", fmt.Sprintf("%s → %s: %s", n, s.name(ev.Peer), render.DescribeCmd(msgCmd(ev.Msg)))
	case sim.EvClientReply:
		l.Kind, l.Text = "client-reply", fmt.Sprintf("%s ← %s: %s", n, s.name(ev.Peer), render.DescribeResp(msgResp(ev.Msg)))
		if ev.Reason == "late" {
			l.Text += " (late: answers an earlier attempt, ignored)"
		}
	case sim.EvViolation:
		l.Kind, l.Text = "violation", "SAFETY VIOLATION: "+ev.Reason
	case sim.EvDisk:
		if ev.Node == raft.None {
			n = "every disk"
		}
		l.Kind, l.Text = "disk", n+": "+ev.Reason
	default:
		l.Kind, l.Text = "other", fmt.Sprintf("%s: event %d %s", n, ev.Kind, ev.Reason)
	}
	return l
}

func msgCmd(m *raft.Message) raft.Command {
	if m == nil {
		return raft.Command{}
	}
	return m.Cmd
}

func msgResp(m *raft.Message) raft.Response {
	if m == nil {
		return raft.Response{}
	}
	return m.Resp
}

func (s *Session) describeRaft(e raft.Event) (kind, text string) {
	n, p := s.name(e.Node), s.name(e.Peer)
	switch e.Kind {
	case raft.EvTimeout:
		if e.Pre {
			return "timeout", fmt.Sprintf("%s timed out, asking for pre-votes for term %d", n, e.Term)
		}
		if e.Reason != "" {
			return "timeout", fmt.Sprintf("%s %s, starting election for term %d", n, e.Reason, e.Term)
		}
		return "timeout", fmt.Sprintf("%s timed out, starting election for term %d", n, e.Term)
	case raft.EvBecome:
		switch e.Role {
		case raft.Leader:
			return "become", fmt.Sprintf("%s became leader for term %d", n, e.Term)
		case raft.Candidate:
			return "become", fmt.Sprintf("%s became candidate for term %d", n, e.Term)
		}
		return "become", fmt.Sprintf("%s became %s in term %d", n, e.Role, e.Term)
	case raft.EvVoteGranted:
		if e.Pre {
			return "vote", fmt.Sprintf("%s granted a pre-vote to %s for term %d", n, p, e.Term)
		}
		return "vote", fmt.Sprintf("%s voted for %s in term %d", n, p, e.Term)
	case raft.EvVoteRejected:
		if e.Pre {
			return "vote-rejected", fmt.Sprintf("%s refused a pre-vote to %s for term %d: %s", n, p, e.Term, e.Reason)
		}
		return "vote-rejected", fmt.Sprintf("%s rejected vote for %s in term %d: %s", n, p, e.Term, e.Reason)
	case raft.EvVoteReceived:
		if e.Pre {
			return "vote-received", fmt.Sprintf("%s got a pre-vote from %s (%s for term %d)", n, p, render.Plural(e.Index, "pre-vote", "pre-votes"), e.Term)
		}
		return "vote-received", fmt.Sprintf("%s got a vote from %s (%s in term %d)", n, p, render.Plural(e.Index, "vote", "votes"), e.Term)
	case raft.EvAppend:
		count := uint64(1)
		if e.Index2 >= e.Index {
			count = e.Index2 - e.Index + 1
		}
		at := fmt.Sprint(e.Index)
		if count > 1 {
			at = fmt.Sprintf("%d..%d", e.Index, e.Index2)
		}
		terms := fmt.Sprintf("term %d", e.EntryTerm)
		if e.EntryTerm2 != e.EntryTerm {
			terms = fmt.Sprintf("terms %d..%d", e.EntryTerm, e.EntryTerm2)
		}
		return "append", fmt.Sprintf("%s appended %s at %s (%s)", n, render.Plural(count, "entry", "entries"), at, terms)
	case raft.EvTruncate:
		return "truncate", fmt.Sprintf("%s dropped its conflicting entries from %d on", n, e.Index)
	case raft.EvAppendRejected:
		return "append-rejected", fmt.Sprintf("%s rejected AppendEntries from %s: %s", n, p, e.Reason)
	case raft.EvCommit:
		return "commit", fmt.Sprintf("%s committed up to %d", n, e.Index)
	case raft.EvApply:
		return "apply", fmt.Sprintf("%s applied entry %d", n, e.Index)
	case raft.EvConfig:
		if len(e.Config) == 0 {
			return "config", fmt.Sprintf("%s starts with no configuration: it waits for a leader to contact it", n)
		}
		if e.Index == 0 {
			return "config", fmt.Sprintf("%s starts with configuration [%s]", n, render.JoinIDs(e.Config, ", "))
		}
		return "config", fmt.Sprintf("%s now follows configuration [%s] (entry %d)", n, render.JoinIDs(e.Config, ", "), e.Index)
	case raft.EvStepDown:
		// Also reported for a follower that only moves to the new term,
		// so the wording does not claim it was leading.
		return "step-down", fmt.Sprintf("%s saw term %d from %s: now a follower in term %d", n, e.Term, p, e.Term)
	case raft.EvRead:
		return "read", fmt.Sprintf("%s served a linearizable read at index %d", n, e.Index)
	case raft.EvCatchUp:
		return "catch-up", fmt.Sprintf("%s: new server %s caught up to %d (round %d)", n, p, e.Index, e.Index2)
	case raft.EvCheckQuorum:
		return "check-quorum", fmt.Sprintf("%s stepped down: heard from %d of %d servers (itself included) in the last election timeout", n, e.Index, e.Index2)
	}
	return "raft", fmt.Sprintf("%s: %s", n, e.Reason)
}

func (s *Session) describeMsg(m *raft.Message, arrow string) string {
	if m == nil {
		return "message"
	}
	head := fmt.Sprintf("%s %s %s %s", s.name(m.From), arrow, s.name(m.To), m.Type)
	switch m.Type {
	case raft.MsgVote:
		return fmt.Sprintf("%s term %d (last log %d/t%d)", head, m.Term, m.LastIndex, m.LastTerm)
	case raft.MsgPreVote:
		return fmt.Sprintf("%s for term %d (last log %d/t%d)", head, m.Term, m.LastIndex, m.LastTerm)
	case raft.MsgPreVoteResp:
		if m.Reject {
			return fmt.Sprintf("%s refused (term %d)", head, m.Term)
		}
		return fmt.Sprintf("%s granted for term %d", head, m.Term)
	case raft.MsgVoteResp:
		if m.Reject {
			return fmt.Sprintf("%s term %d refused", head, m.Term)
		}
		return fmt.Sprintf("%s term %d granted", head, m.Term)
	case raft.MsgApp:
		var b strings.Builder
		fmt.Fprintf(&b, "%s term %d prev %d/t%d", head, m.Term, m.PrevIndex, m.PrevTerm)
		switch k := len(m.Entries); k {
		case 0:
			b.WriteString(" heartbeat")
		case 1:
			fmt.Fprintf(&b, " entry %d", m.Entries[0].Index)
		default:
			fmt.Fprintf(&b, " entries %d..%d", m.Entries[0].Index, m.Entries[k-1].Index)
		}
		fmt.Fprintf(&b, " commit %d", m.Commit)
		return b.String()
	case raft.MsgAppResp:
		if m.Reject {
			return fmt.Sprintf("%s term %d rejected (conflict term %d at %d)", head, m.Term, m.ConflictTerm, m.ConflictIndex)
		}
		return fmt.Sprintf("%s term %d ok (match %d)", head, m.Term, m.Match)
	case raft.MsgClient:
		return head + " " + render.DescribeCmd(m.Cmd)
	case raft.MsgClientResp:
		return head + " " + render.DescribeResp(m.Resp)
	}
	return head
}
