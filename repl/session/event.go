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
	s.trackReads(ev)
	readRound := level == render.DebugOn && s.reads > 0 && heartbeatTraffic(ev)
	if !shown(ev, level) && !readRound {
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

// trackReads counts the ReadIndex reads (ro gets) in flight, so that
// `debug on` shows the heartbeat round that confirms each (§6.4).
func (s *Session) trackReads(ev sim.TraceEvent) {
	switch {
	case ev.Kind == sim.EvClientCall && ev.Msg != nil && ev.Msg.Cmd != nil && ev.Msg.Cmd.ReadOnly:
		s.reads++
	case ev.Kind == sim.EvClientReply && ev.Msg != nil && s.reads > 0 && ev.Reason != "late":
		s.reads-- // answered, refused or timed out: the round is over
	}
}

// heartbeatTraffic says whether ev sends a heartbeat or its answer.
func heartbeatTraffic(ev sim.TraceEvent) bool {
	if ev.Kind != sim.EvSend || ev.Msg == nil {
		return false
	}
	m := ev.Msg
	return m.Type == raft.MsgApp && len(m.Entries) == 0 || m.Type == raft.MsgAppResp && !m.Reject
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
	case raft.MsgHeartbeat, raft.MsgHeartbeatResp:
		return true
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
	return fmt.Sprintf("client %d", sim.ShownID(id))
}

// ref is entry index of node's log as index@tTERM (the bare index when the
// node no longer has it).
func (s *Session) ref(node raft.NodeID, index uint64) string {
	if e, ok := s.sim.Entry(node, index); ok {
		return render.EntryRef(e.Index, e.Term)
	}
	return fmt.Sprint(index)
}

// entryAt words entry index of node's log with what it holds: "4@t2 set
// a=1", "1@t1 noop". term is the entry's term if known, else 0.
func (s *Session) entryAt(node raft.NodeID, index, term uint64) string {
	if e, ok := s.sim.Entry(node, index); ok && (term == 0 || e.Term == term) {
		return render.EntryText(e)
	}
	if term == 0 {
		return fmt.Sprintf("entry %d", index)
	}
	return render.EntryRef(index, term)
}

// commitWhy says, for a leader's commit, which servers' acknowledgements
// made it: those that have the entry (the leader among them), a majority
// of the configuration.
func (s *Session) commitWhy(node raft.NodeID, index uint64) string {
	in, _, err := s.sim.InfoTail(node, 0)
	if err != nil || in.Role != raft.Leader || len(in.MatchIndex) == 0 {
		return ""
	}
	var have []raft.NodeID
	for _, id := range in.Config {
		if id == node || in.MatchIndex[id] >= index {
			have = append(have, id)
		}
	}
	names := make([]string, len(have))
	for i, id := range have {
		names[i] = fmt.Sprintf("S%d", id)
	}
	verb := "have"
	if len(have) == 1 {
		verb = "has"
	}
	return fmt.Sprintf(": %s %s it (%d of %d, a majority)", strings.Join(names, ", "), verb, len(have), len(in.Config))
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
	case sim.EvClock:
		l.Kind, l.Text = "clock", n+": "+ev.Reason
	default:
		l.Kind, l.Text = "other", fmt.Sprintf("%s: event %d %s", n, ev.Kind, ev.Reason)
	}
	return l
}

func msgCmd(m *raft.Message) raft.Command {
	if m == nil || m.Cmd == nil {
		return raft.Command{}
	}
	return *m.Cmd
}

func msgResp(m *raft.Message) raft.Response {
	if m == nil || m.Resp == nil {
		return raft.Response{}
	}
	return *m.Resp
}

func (s *Session) describeRaft(e raft.Event) (kind, text string) {
	n, p := s.name(e.Node), s.name(e.Peer)
	switch e.Kind {
	case raft.EvTimeout:
		if e.Pre {
			return "timeout", fmt.Sprintf("%s timed out, asking for pre-votes for term %d", n, e.Term)
		}
		if e.Peer != raft.None && e.Reason != "" {
			// TimeoutNow (§3.10): the leader asked for this election.
			return "timeout", fmt.Sprintf("%s got TimeoutNow from %s: starting an election for term %d at once, without a pre-vote", n, p, e.Term)
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
		if e.Index2 <= e.Index {
			return "append", fmt.Sprintf("%s appended %s", n, s.entryAt(e.Node, e.Index, e.EntryTerm))
		}
		count := e.Index2 - e.Index + 1
		return "append", fmt.Sprintf("%s appended %s..%s (%d entries)", n, render.EntryRef(e.Index, e.EntryTerm), render.EntryRef(e.Index2, e.EntryTerm2), count)
	case raft.EvTruncate:
		return "truncate", fmt.Sprintf("%s dropped its conflicting entries from %d on", n, e.Index)
	case raft.EvAppendRejected:
		return "append-rejected", fmt.Sprintf("%s rejected AppendEntries from %s: %s", n, p, e.Reason)
	case raft.EvCommit:
		return "commit", fmt.Sprintf("%s committed up to %s%s", n, s.ref(e.Node, e.Index), s.commitWhy(e.Node, e.Index))
	case raft.EvApply:
		return "apply", fmt.Sprintf("%s applied %s", n, s.entryAt(e.Node, e.Index, 0))
	case raft.EvConfig:
		if len(e.Config) == 0 {
			return "config", fmt.Sprintf("%s starts with no configuration: it waits for a leader to contact it", n)
		}
		if e.Index == 0 {
			return "config", fmt.Sprintf("%s starts with configuration [%s]", n, render.JoinIDs(e.Config, ", "))
		}
		if e.Reason == "snapshot" {
			return "config", fmt.Sprintf("%s follows configuration [%s], from its snapshot after entry %d", n, render.JoinIDs(e.Config, ", "), e.Index)
		}
		return "config", fmt.Sprintf("%s now follows configuration [%s] (entry %s)", n, render.JoinIDs(e.Config, ", "), s.ref(e.Node, e.Index))
	case raft.EvStepDown:
		// Also reported for a follower that only moves to the new term,
		// so the wording does not claim it was leading.
		return "step-down", fmt.Sprintf("%s saw term %d from %s: now a follower in term %d", n, e.Term, p, e.Term)
	case raft.EvRead:
		if e.Reason == "lease" {
			// §6.4.1: no round; a majority renewed the lease recently.
			return "read", fmt.Sprintf("%s served a read from its lease at commit index %d: a majority answered a heartbeat round that began less than a lease ago, so no other leader can be elected yet", n, e.Index)
		}
		// ReadIndex (§6.4): the read waited for a heartbeat round that a
		// majority answered, which shows no newer leader has taken over.
		return "read", fmt.Sprintf("%s served a linearizable read at commit index %d: a majority answered its heartbeat round, so it still leads", n, e.Index)
	case raft.EvCatchUp:
		return "catch-up", fmt.Sprintf("%s: new server %s caught up to %d (round %d)", n, p, e.Index, e.Index2)
	case raft.EvCheckQuorum:
		return "check-quorum", fmt.Sprintf("%s stepped down: heard from %d of %d servers (itself included) in the last election timeout", n, e.Index, e.Index2)
	case raft.EvTransfer:
		switch e.Reason {
		case "started":
			return "transfer", fmt.Sprintf("%s begins handing leadership over to %s: it takes no new requests and brings %s up to date", n, p, p)
		case "timeout now sent":
			return "transfer", fmt.Sprintf("%s sends TimeoutNow to %s, whose log matches its own up to %d", n, p, e.Index)
		}
		return "transfer", fmt.Sprintf("%s: leadership transfer to %s %s", n, p, e.Reason)
	case raft.EvSnapshot:
		return "snapshot", fmt.Sprintf("%s took a snapshot after %s (%s): %s, configuration [%s]; its log now begins after %d",
			n, render.EntryRef(e.Index, e.EntryTerm), e.Reason, render.Plural(e.Bytes, "byte", "bytes"), render.JoinIDs(e.Config, ", "), e.Index2)
	case raft.EvSnapshotSent:
		last := ""
		if e.Reason != "" {
			last = ", the " + e.Reason
		}
		why := ""
		if e.Index2 == 0 {
			why = fmt.Sprintf(": the entries %s needs are compacted away", p)
		}
		return "snapshot-sent", fmt.Sprintf("%s sent %s bytes %d..%d of its snapshot after entry %d (InstallSnapshot%s)%s",
			n, p, e.Index2, e.Index2+e.Bytes, e.Index, last, why)
	case raft.EvSnapshotInstalled:
		return "snapshot-installed", fmt.Sprintf("%s installed %s's snapshot after %s (%s, configuration [%s]) and %s",
			n, p, render.EntryRef(e.Index, e.EntryTerm), render.Plural(e.Bytes, "byte", "bytes"), render.JoinIDs(e.Config, ", "), e.Reason)
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
		if m.Transfer {
			return fmt.Sprintf("%s term %d (last log %s, a leadership transfer)", head, m.Term, render.EntryRef(m.LastIndex, m.LastTerm))
		}
		return fmt.Sprintf("%s term %d (last log %s)", head, m.Term, render.EntryRef(m.LastIndex, m.LastTerm))
	case raft.MsgPreVote:
		return fmt.Sprintf("%s for term %d (last log %s)", head, m.Term, render.EntryRef(m.LastIndex, m.LastTerm))
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
		fmt.Fprintf(&b, "%s term %d prev %s", head, m.Term, render.EntryRef(m.PrevIndex, m.PrevTerm))
		switch k := len(m.Entries); k {
		case 0:
			// An empty AppendEntries checks where the follower's log
			// stands (a probe); heartbeats are messages of their own.
			b.WriteString(" no entries")
		case 1:
			b.WriteString(" entry " + render.EntryText(m.Entries[0]))
		default:
			first, last := m.Entries[0], m.Entries[k-1]
			fmt.Fprintf(&b, " entries %s..%s (%d)", render.EntryRef(first.Index, first.Term), render.EntryRef(last.Index, last.Term), k)
		}
		fmt.Fprintf(&b, " commit %d", m.Commit)
		return b.String()
	case raft.MsgHeartbeat:
		return fmt.Sprintf("%s term %d commit %d", head, m.Term, m.Commit)
	case raft.MsgSnap:
		last, n := "", 0
		if m.Done {
			last = " (last chunk)"
		}
		if m.Snap != nil {
			n = len(m.Snap.Data)
		}
		return fmt.Sprintf("%s term %d snapshot after %s bytes %d..%d%s", head, m.Term, render.EntryRef(m.LastIndex, m.LastTerm), m.Offset, m.Offset+uint64(n), last)
	case raft.MsgSnapResp:
		if m.Done {
			return fmt.Sprintf("%s term %d installed, log matches up to %d", head, m.Term, m.Match)
		}
		return fmt.Sprintf("%s term %d has %d bytes", head, m.Term, m.Offset)
	case raft.MsgHeartbeatResp:
		return fmt.Sprintf("%s term %d", head, m.Term)
	case raft.MsgTimeoutNow:
		return fmt.Sprintf("%s term %d: campaign now", head, m.Term)
	case raft.MsgAppResp:
		if m.Reject {
			return fmt.Sprintf("%s term %d rejected (conflict term %d at %d)", head, m.Term, m.ConflictTerm, m.ConflictIndex)
		}
		return fmt.Sprintf("%s term %d ok (match %d)", head, m.Term, m.Match)
	case raft.MsgClient:
		return head + " " + render.DescribeCmd(msgCmd(m))
	case raft.MsgClientResp:
		return head + " " + render.DescribeResp(msgResp(m))
	}
	return head
}
