package session

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

// why explains, in words and citing the events of the trace, why a server
// has its role, term, vote, leader and commit index. Everything it says
// is read from the trace that is always recorded (sim.Trace) and from the
// causes the Raft core gives with its events (a refused vote's reason, the
// term a message carried); the commands typed by hand (timeout) come from
// the session's own history.

func (s *Session) why(c lang.Command) render.Result {
	if len(c.Args) != 1 {
		return render.Result{Err: fmt.Errorf("why: give one server (try why 0)")}
	}
	id, err := s.serverArg(c, 0, true)
	if err != nil {
		return render.Result{Err: err}
	}
	w, err := s.Why(id)
	if err != nil {
		return render.Result{Err: fmt.Errorf("why: %v", err)}
	}
	return render.Result{OK: true, Value: w}
}

// Why explains server id's state now: its role, term, vote, leader and
// commit index, each with the events that caused it.
func (s *Session) Why(id raft.NodeID) (render.Why, error) {
	info, err := s.sim.Brief(id)
	if err != nil {
		return render.Why{}, err
	}
	evs := s.sim.Trace()
	x := &explainer{s: s, id: id, info: info, evs: evs, ix: indexTrace(evs), now: s.sim.Now(),
		logs: nowLogs{s.sim}, backers: s.sim.Backers}
	if st := s.sim.TraceStats(); st.Dropped > 0 && len(x.evs) > 0 {
		x.oldest = x.evs[0].Time
		x.truncated = true
	}
	return x.result(), nil
}

// WhyAt explains server id as of virtual time t of the run: its state
// then, rebuilt from the trace (see past.go), and the events up to t. At
// or after now it is Why. Before the oldest event the trace keeps, or
// before the server existed, there is nothing to explain.
func (s *Session) WhyAt(id raft.NodeID, t time.Duration) (render.Why, error) {
	if t >= s.sim.Now() {
		return s.Why(id)
	}
	if _, err := s.sim.Brief(id); err != nil {
		return render.Why{}, err
	}
	evs := s.sim.Trace()
	truncated := s.sim.TraceStats().Dropped > 0
	if truncated && (len(evs) == 0 || t < evs[0].Time) {
		return render.Why{}, fmt.Errorf("t=%s is before the oldest event the trace keeps", at(t))
	}
	k, _ := slices.BinarySearchFunc(evs, t+1, func(e sim.TraceEvent, t time.Duration) int { return cmp.Compare(e.Time, t) })
	p := newPast(!truncated, s.sim.Faults())
	if truncated {
		p.seed(s.sim, evs)
	}
	for i := range evs[:k] {
		p.apply(&evs[i])
	}
	p.network(t)
	x, ok := s.pastExplainer(p, id, evs[:k], indexTrace(evs[:k]), t, truncated)
	if !ok {
		//lint:ignore ST1005 the message names the server as the shell does (S3)
		return render.Why{}, fmt.Errorf("S%d had not started at t=%s", id, at(t))
	}
	return x.result(), nil
}

// pastExplainer explains server id as the fold p has it, at t, from the
// events evs (those up to t) and an index of them (or of a trace they
// begin).
func (s *Session) pastExplainer(p *past, id raft.NodeID, evs []sim.TraceEvent, ix traceIndex, t time.Duration, truncated bool) (*explainer, bool) {
	info, ok := p.info(id)
	if !ok {
		return nil, false
	}
	x := &explainer{s: s, id: id, info: info, evs: evs, ix: ix, now: t, logs: p, backers: p.backers,
		truncated: truncated, partial: !p.servers[id].whole, commitUnknown: !p.servers[id].commitKnown}
	if truncated && len(evs) > 0 {
		x.oldest = evs[0].Time
	}
	return x, true
}

// logReader reads the entries of servers' logs an explanation cites, one
// at a time: an explanation of a log of a million entries reads a few.
type logReader interface {
	// entry returns entry index of server id's log, if it holds it.
	entry(id raft.NodeID, index uint64) (raft.Entry, bool)
	// lastEntry returns the last entry server id's log holds, if any.
	lastEntry(id raft.NodeID) (raft.Entry, bool)
}

// nowLogs reads the logs as they are now (a server that is down: on its
// disk).
type nowLogs struct{ sim *sim.Sim }

func (l nowLogs) entry(id raft.NodeID, index uint64) (raft.Entry, bool) {
	return l.sim.LogEntry(id, index)
}

func (l nowLogs) lastEntry(id raft.NodeID) (raft.Entry, bool) {
	in, err := l.sim.Brief(id)
	if err != nil {
		return raft.Entry{}, false
	}
	return l.sim.LogEntry(id, in.LastIndex)
}

// result puts the explanation together.
func (x *explainer) result() render.Why {
	x.explain()
	slices.SortStableFunc(x.causes, func(a, b render.Cause) int { return cmp.Compare(a.Time, b.Time) })
	return render.Why{Text: strings.Join(x.parts, "; ") + ".", Causes: x.causes}
}

// explainer builds one explanation.
type explainer struct {
	s      *Session
	id     raft.NodeID
	info   sim.ServerInfo
	evs    []sim.TraceEvent
	now    time.Duration
	oldest time.Duration // the oldest event kept, when the trace dropped older ones
	// truncated says the trace no longer holds the start of the run.
	truncated bool
	// partial says the server's state before the trace is not known
	// (its log in particular), so holders are not counted.
	partial bool
	// commitUnknown says its commit index was set before the trace.
	commitUnknown bool
	// logs reads the servers' logs (info holds no entries), and backers
	// says whom a leader reaches: now, or as of the time explained.
	logs    logReader
	backers func(raft.NodeID) []raft.NodeID
	ix      traceIndex // of the trace evs is the start of

	parts  []string
	causes []render.Cause
	cited  map[int]bool
}

// at words a time: "1.230s".
func at(t time.Duration) string { return render.Seconds(t) }

// cite adds event i to the causes (once) and returns "at T".
func (x *explainer) cite(i int, kind, text string) string { return "at " + x.citeT(i, kind, text) }

// citeT adds event i to the causes (once) and returns its time.
func (x *explainer) citeT(i int, kind, text string) string {
	if x.cited == nil {
		x.cited = map[int]bool{}
	}
	e := &x.evs[i]
	if !x.cited[i] {
		x.cited[i] = true
		node, peer := e.Node, e.Peer
		if e.Kind == sim.EvRaft {
			node, peer = e.Raft.Node, raft.None
			switch e.Raft.Kind {
			case raft.EvVoteGranted, raft.EvVoteRejected, raft.EvVoteReceived, raft.EvStepDown:
				peer = e.Raft.Peer
			}
		}
		x.causes = append(x.causes, render.Cause{Time: e.Time, Kind: kind, Server: node, Peer: peer, Text: text})
	}
	return at(e.Time)
}

func (x *explainer) say(format string, args ...any) {
	x.parts = append(x.parts, fmt.Sprintf(format, args...))
}

// last returns the index of the newest event before (or at) t that
// matches f, or -1.
func (x *explainer) last(t time.Duration, f func(e *sim.TraceEvent) bool) int {
	for i := x.since(t+1) - 1; i >= 0; i-- {
		if e := &x.evs[i]; f(e) {
			return i
		}
	}
	return -1
}

// first returns the index of the oldest event in [from, to] that matches
// f, or -1.
func (x *explainer) first(from, to time.Duration, f func(e *sim.TraceEvent) bool) int {
	for i := x.since(from); i < len(x.evs); i++ {
		e := &x.evs[i]
		if e.Time > to {
			break
		}
		if e.Time >= from && f(e) {
			return i
		}
	}
	return -1
}

// The trace indexed by what why looks for: each server's steps by kind,
// its crashes and restarts, the leaders' messages it received, and the
// changes of the network. Why looks back to the start of a term, which
// under a load is most of the trace, and the timeline asks for thousands
// of explanations.
type onKey struct {
	node raft.NodeID
	kind int // a raft.EventKind, or one of the on... below
}

const (
	onCrash = 1000 + iota
	onRestart
	onLeaderMsg // delivered to node
	onNet
	onRefused // a vote refused to node
	onDropped // a message from node lost
)

func on(id raft.NodeID, kind int) onKey                { return onKey{id, kind} }
func onStep(id raft.NodeID, kind raft.EventKind) onKey { return onKey{id, int(kind)} }

// traceIndex lists, for each key, the indexes of its events in order.
type traceIndex map[onKey][]int

func indexTrace(evs []sim.TraceEvent) traceIndex {
	ix := traceIndex{}
	for i := range evs {
		e := &evs[i]
		var k onKey
		switch e.Kind {
		case sim.EvRaft:
			k = onStep(e.Raft.Node, e.Raft.Kind)
			if e.Raft.Kind == raft.EvVoteRejected {
				ix[on(e.Raft.Peer, onRefused)] = append(ix[on(e.Raft.Peer, onRefused)], i)
			}
		case sim.EvDrop:
			if e.Msg == nil {
				continue
			}
			k = on(e.Msg.From, onDropped)
		case sim.EvCrash:
			k = on(e.Node, onCrash)
		case sim.EvRestart:
			k = on(e.Node, onRestart)
		case sim.EvPartition:
			k = on(raft.None, onNet)
		case sim.EvDeliver:
			if !leaderMsg(e.Msg) {
				continue
			}
			k = on(e.Peer, onLeaderMsg)
		default:
			continue
		}
		ix[k] = append(ix[k], i)
	}
	return ix
}

// lastOn is last over the events of key k: the newest at or before t
// that matches f (nil: any), or -1.
func (x *explainer) lastOn(k onKey, t time.Duration, f func(e *sim.TraceEvent) bool) int {
	l := x.ix[k]
	n, _ := slices.BinarySearch(l, len(x.evs)) // the events explained are evs[:len]
	for j := n - 1; j >= 0; j-- {
		if e := &x.evs[l[j]]; e.Time <= t && (f == nil || f(e)) {
			return l[j]
		}
	}
	return -1
}

// between returns the indexes of the events of key k from index i on, up
// to time t.
func (x *explainer) between(k onKey, i int, t time.Duration) []int {
	l := x.ix[k]
	a, _ := slices.BinarySearch(l, i)
	b := a
	for b < len(l) && l[b] < len(x.evs) && x.evs[l[b]].Time <= t {
		b++
	}
	return l[a:b]
}

// firstOn is first over the events of key k.
func (x *explainer) firstOn(k onKey, from, to time.Duration, f func(e *sim.TraceEvent) bool) int {
	l := x.ix[k]
	for _, i := range l {
		if i >= len(x.evs) {
			break
		}
		e := &x.evs[i]
		if e.Time > to {
			break
		}
		if e.Time >= from && (f == nil || f(e)) {
			return i
		}
	}
	return -1
}

// since returns the index of the first event at or after t (the trace
// is in time order).
func (x *explainer) since(t time.Duration) int {
	i, _ := slices.BinarySearchFunc(x.evs, t, func(e sim.TraceEvent, t time.Duration) int { return cmp.Compare(e.Time, t) })
	return i
}

// raftEv matches a step of server id of kind k.
func raftEv(id raft.NodeID, k raft.EventKind) func(e *sim.TraceEvent) bool {
	return func(e *sim.TraceEvent) bool { return e.Kind == sim.EvRaft && e.Raft.Node == id && e.Raft.Kind == k }
}

// lost words what the trace no longer holds.
func (x *explainer) lost() string {
	if x.truncated {
		return fmt.Sprintf("before t=%s, the oldest event the trace keeps", at(x.oldest))
	}
	return "not in the trace"
}

// leaderMsg says whether m is a leader's message to a follower (it
// resets the follower's election timer): AppendEntries or a heartbeat.
func leaderMsg(m *raft.Message) bool { return m != nil && m.Type.FromLeader() }

// logOf words a server's log by its last entry: "S2's log 3@t2".
func logOf(name string, index, term uint64) string {
	if index == 0 {
		return name + "'s empty log"
	}
	return fmt.Sprintf("%s's log %d@t%d", name, index, term)
}

func logPos(index, term uint64) string {
	if index == 0 {
		return "empty"
	}
	return fmt.Sprintf("%d@t%d", index, term)
}

func (x *explainer) explain() {
	in := x.info
	n := fmt.Sprintf("S%d", x.id)
	if !in.Up {
		x.down(n)
		return
	}
	switch in.Role {
	case raft.Leader:
		x.leader(n)
	case raft.Candidate:
		x.candidate(n)
	case raft.PreCandidate:
		x.preCandidate(n)
	default:
		x.follower(n)
	}
	x.vote(n)
	x.leaderKnown(n)
	x.commit(n)
}

func (x *explainer) down(n string) {
	in := x.info
	i := x.lastOn(on(x.id, onCrash), x.now, nil)
	if i < 0 {
		x.say("%s is down (it crashed %s)", n, x.lost())
	} else {
		x.say("%s is down since %s: it crashed (crash %d)", n, at(x.evs[i].Time), x.id)
		x.cite(i, "crash", n+" crashed")
	}
	vote := "no vote"
	if in.VotedFor != raft.None {
		vote = fmt.Sprintf("its vote for S%d", in.VotedFor)
	}
	last, lastTerm := in.Snapshot.Index, in.Snapshot.Term // a log compacted whole ends with its snapshot
	if e, ok := x.logs.lastEntry(x.id); ok {
		last, lastTerm = e.Index, e.Term
	}
	x.say("its disk keeps term %d, %s and its log (last entry %s); restart %d brings it back as a follower, which learns the commit index again from a leader",
		in.Term, vote, logPos(last, lastTerm), x.id)
}

// booted returns when server id last started (startServers, addServer or
// restart): its configuration event or its restart.
func (x *explainer) booted(id raft.NodeID, before time.Duration) int {
	return max(x.lastOn(on(id, onRestart), before, nil),
		x.lastOn(onStep(id, raft.EvConfig), before, func(e *sim.TraceEvent) bool { return e.Raft.Index == 0 }))
}

// timeoutCause explains why server id's election timer fired at event i:
// by hand, or because no leader's message reset it (and why none came).
func (x *explainer) timeoutCause(id raft.NodeID, i int) string {
	t := x.evs[i].Time
	name := fmt.Sprintf("S%d", id)
	if x.s.firedByHand(id, t) {
		return fmt.Sprintf("its election timer was fired by hand %s (timeout %d)", x.cite(i, "timeout", name+"'s election timer fired by hand"), id)
	}
	fired := "its election timer fired " + x.cite(i, "timeout", name+"'s election timer fired")
	// Did it time out as a candidate already (a split or lost vote)?
	prev := x.lastOn(onStep(id, raft.EvTimeout), t-1, nil)
	hb := x.lastOn(on(id, onLeaderMsg), t, nil)
	if prev >= 0 && (hb < 0 || hb < prev) {
		pv := &x.evs[prev].Raft
		what := "election"
		if pv.Pre {
			what = "pre-vote"
		}
		return fmt.Sprintf("%s (its %s for term %d, from %s, won no majority in time)", fired, what, pv.Term, at(x.evs[prev].Time))
	}
	if hb < 0 {
		b := x.booted(id, t)
		if b < 0 {
			return fmt.Sprintf("%s (it had heard from no leader; its start is %s)", fired, x.lost())
		}
		return fmt.Sprintf("%s (it had heard from no leader since it started %s)", fired, x.cite(b, "start", name+" started"))
	}
	h := &x.evs[hb]
	l := h.Msg.From
	gap := t - h.Time
	why := x.silence(l, id, h.Time, t)
	return fmt.Sprintf("%s (no AppendEntries or heartbeat from S%d for %s, the last %s%s)", fired, l, gap.Round(time.Microsecond),
		x.cite(hb, "message", fmt.Sprintf("S%d's %s reached %s", l, msgWords(h.Msg.Type), name)), why)
}

// handedOver explains an election that TimeoutNow from leader l started
// at event i (a leadership transfer, dissertation §3.10).
func (x *explainer) handedOver(id, l raft.NodeID, i int) string {
	name, ln := fmt.Sprintf("S%d", id), fmt.Sprintf("S%d", l)
	got := fmt.Sprintf("%s got TimeoutNow from %s", name, ln)
	sent := x.last(x.evs[i].Time, func(e *sim.TraceEvent) bool {
		return raftEv(l, raft.EvTransfer)(e) && e.Raft.Peer == id && e.Raft.Reason == "timeout now sent"
	})
	if sent < 0 {
		return fmt.Sprintf("%s handed leadership over (%s %s, so it campaigned at once, without a pre-vote)", ln, got, x.cite(i, "timeout", got))
	}
	e := &x.evs[sent]
	return fmt.Sprintf("%s handed leadership over %s: once %s's log matched its own (up to %d) it sent TimeoutNow, and %s campaigned at once on it %s, without a pre-vote; voters that had just heard from %s granted it anyway",
		ln, x.cite(sent, "transfer", fmt.Sprintf("%s sent TimeoutNow to %s", ln, name)), name, e.Raft.Index, name, x.cite(i, "timeout", got), ln)
}

// silence explains why leader l's messages stopped reaching id between
// from and to: the first of a crash, l stepping down or a change of the
// network after its last message; else its messages lost on the way; else
// a lossy network.
func (x *explainer) silence(l, id raft.NodeID, from, to time.Duration) string {
	ln := fmt.Sprintf("S%d", l)
	// The last message left l before it arrived: l may have crashed
	// while it was on its way.
	if snd := x.last(from, func(e *sim.TraceEvent) bool {
		return e.Kind == sim.EvSend && e.Msg != nil && e.Msg.From == l && e.Msg.To == id && leaderMsg(e.Msg)
	}); snd >= 0 {
		from = x.evs[snd].Time
	}
	i := x.first(from, to, func(e *sim.TraceEvent) bool {
		switch {
		case e.Kind == sim.EvCrash:
			return e.Node == l
		case e.Kind == sim.EvPartition:
			return e.Reason != "heal" && !strings.HasPrefix(e.Reason, "net ")
		case e.Kind == sim.EvRaft:
			return e.Raft.Node == l && e.Raft.Kind == raft.EvBecome && e.Raft.Role != raft.Leader
		}
		return false
	})
	if i >= 0 {
		e := &x.evs[i]
		switch e.Kind {
		case sim.EvCrash:
			return fmt.Sprintf(": %s crashed %s", ln, x.cite(i, "crash", ln+" crashed"))
		case sim.EvPartition:
			return fmt.Sprintf(": %s %s", e.Reason, x.cite(i, "network", "network: "+e.Reason))
		}
		why := ""
		if d := x.lastOn(onStep(l, raft.EvStepDown), e.Time, func(d *sim.TraceEvent) bool { return d.Time == e.Time }); d >= 0 {
			why = fmt.Sprintf(", on seeing term %d from S%d", x.evs[d].Raft.Term, x.evs[d].Raft.Peer)
		} else if d := x.lastOn(onStep(l, raft.EvCheckQuorum), e.Time, func(d *sim.TraceEvent) bool { return d.Time == e.Time }); d >= 0 {
			q := &x.evs[d].Raft
			why = fmt.Sprintf(": only %d of its %d voters had answered within an election timeout (check-quorum, §6.2)", q.Index, q.Index2)
		} else if d := x.lastOn(onStep(l, raft.EvConfig), e.Time, func(d *sim.TraceEvent) bool {
			return len(d.Raft.Config) > 0 && !slices.Contains(d.Raft.Config, l)
		}); d >= 0 {
			why = fmt.Sprintf(", once the configuration that removes it (entry %d) committed", x.evs[d].Raft.Index)
		}
		return fmt.Sprintf(": %s stopped leading %s%s", ln, x.cite(i, "step-down", ln+" stopped leading"), why)
	}
	drops, reason, first := 0, "", -1
	for i := x.since(from); i < len(x.evs); i++ {
		e := &x.evs[i]
		if e.Time < from || e.Time > to {
			continue
		}
		if e.Kind == sim.EvDrop && e.Msg != nil && e.Msg.From == l && e.Msg.To == id && leaderMsg(e.Msg) {
			drops++
			reason = e.Reason
			if first < 0 {
				first = i
			}
		}
	}
	if drops > 0 {
		x.cite(first, "drop", fmt.Sprintf("%s's %s to S%d lost (%s)", ln, msgWords(x.evs[first].Msg.Type), id, reason))
		return fmt.Sprintf(": %s of them %s lost (%s), the first at %s", render.Plural(uint64(drops), "message", "messages"), map[bool]string{true: "was", false: "were"}[drops == 1], reason, at(x.evs[first].Time))
	}
	if i := x.lastOn(on(raft.None, onNet), to, nil); i >= 0 && strings.HasPrefix(x.evs[i].Reason, "net ") {
		return fmt.Sprintf(": the network is unreliable since %s (%s)", x.citeT(i, "network", "network: "+x.evs[i].Reason), x.evs[i].Reason)
	}
	return ""
}

// timeoutEv matches server id's timeout for term: the real election's
// or (pre) the pre-vote's.
func timeoutEv(id raft.NodeID, term uint64, pre bool) func(e *sim.TraceEvent) bool {
	return func(e *sim.TraceEvent) bool {
		return raftEv(id, raft.EvTimeout)(e) && e.Raft.Term == term && e.Raft.Pre == pre
	}
}

// campaign explains the election (or, with pre, the pre-vote) server id
// started for term: why its timer fired, who granted, who refused and why.
func (x *explainer) campaign(id raft.NodeID, term uint64, until time.Duration, pre bool) string {
	name := fmt.Sprintf("S%d", id)
	what, reqType := "election", raft.MsgVote
	if pre {
		what, reqType = "pre-vote", raft.MsgPreVote
	}
	to := x.lastOn(onStep(id, raft.EvTimeout), until, timeoutEv(id, term, pre))
	if to < 0 {
		return fmt.Sprintf("its %s for term %d started %s", what, term, x.lost())
	}
	start := x.evs[to].Time
	var parts []string
	if !pre && x.evs[to].Raft.Reason == "won the pre-vote" {
		// The timer fired for the pre-vote; the election began once a
		// majority said it would vote.
		if pv := x.lastOn(onStep(id, raft.EvTimeout), start, timeoutEv(id, term, true)); pv >= 0 {
			// Briefly: the timer, and who said they would vote.
			parts = append(parts, x.timeoutCause(id, pv))
			var yes []string
			for i := pv; i < to; i++ {
				if e := &x.evs[i]; raftEv(id, raft.EvVoteReceived)(e) && e.Raft.Term == term && e.Raft.Pre {
					yes = append(yes, fmt.Sprintf("S%d", e.Raft.Peer))
				}
			}
			slices.Sort(yes)
			would := ""
			if len(yes) > 0 {
				would = " (" + joinNames(yes) + map[bool]string{true: " said it", false: " said they"}[len(yes) == 1] + " would vote for it)"
			}
			parts = append(parts, fmt.Sprintf("it won the pre-vote %s%s and started the election", x.cite(to, "timeout", name+" won the pre-vote"), would))
		} else {
			parts = append(parts, fmt.Sprintf("it won a pre-vote %s and started the election", x.cite(to, "timeout", name+" won the pre-vote")))
		}
	} else if ev := &x.evs[to].Raft; !pre && ev.Peer != raft.None && ev.Reason != "" {
		parts = append(parts, x.handedOver(id, ev.Peer, to))
	} else {
		parts = append(parts, x.timeoutCause(id, to))
	}
	var granted []string
	for _, i := range x.between(onStep(id, raft.EvVoteReceived), to, until) {
		e := &x.evs[i]
		if e.Raft.Term == term && e.Raft.Pre == pre {
			granted = append(granted, fmt.Sprintf("S%d", e.Raft.Peer))
			x.cite(i, "vote", fmt.Sprintf("S%d granted its %s to %s", e.Raft.Peer, map[bool]string{true: "pre-vote", false: "vote"}[pre], name))
		}
	}
	// The log it asked with.
	req := x.first(start, until, func(e *sim.TraceEvent) bool {
		return e.Kind == sim.EvSend && e.Msg != nil && e.Msg.Type == reqType && e.Msg.From == id && e.Msg.Term == term
	})
	if len(granted) > 0 {
		slices.Sort(granted)
		g := joinNames(granted)
		verb, theirs := "granted their votes", "theirs"
		if len(granted) == 1 {
			verb, theirs = "granted its vote", "its own"
		}
		if pre {
			verb = "said they would vote for it"
			if len(granted) == 1 {
				verb = "said it would vote for it"
			}
		}
		if req >= 0 {
			m := x.evs[req].Msg
			parts = append(parts, fmt.Sprintf("%s %s (%s is at least as up to date as %s)", g, verb, logOf(name, m.LastIndex, m.LastTerm), theirs))
		} else {
			parts = append(parts, g+" "+verb)
		}
	}
	for _, i := range x.between(on(id, onRefused), to, until) {
		e := &x.evs[i]
		if e.Raft.Node != id && e.Raft.Pre == pre {
			v := e.Raft.Node
			why := e.Raft.Reason
			if why == "already voted" {
				if g := x.lastOn(onStep(v, raft.EvVoteGranted), e.Time, func(g *sim.TraceEvent) bool {
					return g.Raft.Term == e.Raft.Term && !g.Raft.Pre
				}); g >= 0 {
					why = fmt.Sprintf("it had voted for S%d in term %d", x.evs[g].Raft.Peer, e.Raft.Term)
				} else {
					why = fmt.Sprintf("it had voted already in term %d, for itself", e.Raft.Term)
				}
			}
			if why == "log not up to date" {
				why = fmt.Sprintf("its log is more up to date than %s", logOf(name, e.Raft.Index, e.Raft.Index2))
			}
			parts = append(parts, fmt.Sprintf("S%d refused %s (%s)", v, x.cite(i, "vote-refused", fmt.Sprintf("S%d refused its vote to %s: %s", v, name, e.Raft.Reason)), why))
		}
	}
	// Requests that never arrived.
	lostTo := map[raft.NodeID]string{}
	for _, i := range x.between(on(id, onDropped), to, until) {
		e := &x.evs[i]
		if e.Msg.Type == reqType && e.Msg.Term == term {
			if _, seen := lostTo[e.Msg.To]; !seen {
				lostTo[e.Msg.To] = e.Reason
				x.cite(i, "drop", fmt.Sprintf("%s's vote request to S%d lost (%s)", name, e.Msg.To, e.Reason))
			}
		}
	}
	byReason := map[string][]string{}
	var reasons []string
	for _, v := range sortedKeys(lostTo) {
		r := lostTo[v]
		if byReason[r] == nil {
			reasons = append(reasons, r)
		}
		byReason[r] = append(byReason[r], fmt.Sprintf("S%d", v))
	}
	for _, r := range reasons {
		if vs := byReason[r]; len(vs) == 1 {
			parts = append(parts, fmt.Sprintf("its request to %s was lost (%s)", vs[0], r))
		} else {
			parts = append(parts, fmt.Sprintf("its requests to %s were lost (%s)", joinNames(vs), r))
		}
	}
	return strings.Join(parts, "; ")
}

func sortedKeys(m map[raft.NodeID]string) []raft.NodeID {
	ks := make([]raft.NodeID, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// serverNames words ids: "S3 and S4".
func serverNames(ids []raft.NodeID) string {
	ns := make([]string, len(ids))
	for i, id := range ids {
		ns[i] = fmt.Sprintf("S%d", id)
	}
	return joinNames(ns)
}

func joinNames(ns []string) string {
	switch len(ns) {
	case 0:
		return ""
	case 1:
		return ns[0]
	}
	return strings.Join(ns[:len(ns)-1], ", ") + " and " + ns[len(ns)-1]
}

func (x *explainer) leader(n string) {
	in := x.info
	b := x.lastOn(onStep(x.id, raft.EvBecome), x.now, func(e *sim.TraceEvent) bool {
		return e.Raft.Role == raft.Leader && e.Raft.Term == in.Term
	})
	if b < 0 {
		x.say("%s is leader of term %d since %s", n, in.Term, x.lost())
		return
	}
	since := x.evs[b].Time
	x.say("%s is leader of term %d since %s: %s", n, in.Term, x.citeT(b, "leader", fmt.Sprintf("%s became leader of term %d", n, in.Term)),
		x.campaign(x.id, in.Term, since, false))
	if back := x.backers(x.id); !in.Membership.HasQuorum(back) {
		x.say("it reaches only %s now, not a majority of %d: it can commit nothing new, and a majority elsewhere may elect another leader",
			serverNames(back), len(in.Config))
	}
}

func (x *explainer) candidate(n string) {
	in := x.info
	b := x.lastOn(onStep(x.id, raft.EvBecome), x.now, func(e *sim.TraceEvent) bool {
		return e.Raft.Role == raft.Candidate && e.Raft.Term == in.Term
	})
	since := x.lost()
	if b >= 0 {
		since = at(x.evs[b].Time)
	}
	need := raft.Majority(in.Config)
	x.say("%s is a candidate in term %d since %s, short of a majority (it needs %d of %d votes): %s", n, in.Term, since, need, len(in.Config),
		x.campaign(x.id, in.Term, x.now, false))
}

func (x *explainer) preCandidate(n string) {
	in := x.info
	need := raft.Majority(in.Config)
	x.say("%s is a pre-candidate in term %d: before starting an election for term %d it asks whether a majority (%d of %d) would vote for it (pre-vote, dissertation §9.6), so that a server cut off cannot disrupt a working leader with a higher term: %s",
		n, in.Term, in.Term+1, need, len(in.Config), x.campaign(x.id, in.Term+1, x.now, true))
}

func (x *explainer) follower(n string) {
	in := x.info
	if len(in.Config) == 0 || !slices.Contains(in.Config, x.id) {
		// Said last: the role and term come first.
		defer x.say("%s is outside its configuration [%s]: it never campaigns, it waits for a leader's AppendEntries", n, render.JoinIDs(in.Config, ", "))
	}
	if in.Term == 0 {
		b := x.booted(x.id, x.now)
		started := x.lost()
		if b >= 0 {
			started = x.cite(b, "start", n+" started")
		}
		x.say("%s is a follower in term 0: no election has reached it since it started %s", n, started)
		return
	}
	// How it came to this term: a message that carried it, its own
	// election, or its disk.
	enter := x.firstOn(onStep(x.id, raft.EvStepDown), 0, x.now, func(e *sim.TraceEvent) bool { return e.Raft.Term == in.Term })
	if ti := x.firstOn(onStep(x.id, raft.EvTimeout), 0, x.now, func(e *sim.TraceEvent) bool { return e.Raft.Term == in.Term && !e.Raft.Pre }); ti >= 0 && (enter < 0 || ti < enter) {
		enter = ti
	}
	// The newest boot after which the term did not change.
	boot := x.booted(x.id, x.now)
	if enter < 0 || (boot >= 0 && x.evs[boot].Time > x.evs[enter].Time && x.evs[boot].Kind == sim.EvRestart) {
		if boot >= 0 && x.evs[boot].Kind == sim.EvRestart {
			x.say("%s is a follower in term %d: it restarted %s with term %d from its disk", n, in.Term, x.cite(boot, "restart", n+" restarted from its disk"), in.Term)
			return
		}
		x.say("%s is a follower in term %d (it entered the term %s)", n, in.Term, x.lost())
		return
	}
	e := &x.evs[enter]
	if e.Raft.Kind == raft.EvTimeout {
		down := x.lastOn(onStep(x.id, raft.EvBecome), x.now, func(d *sim.TraceEvent) bool {
			return d.Raft.Role == raft.Follower && d.Raft.Term == in.Term
		})
		x.say("%s is a follower in term %d: it started an election for the term itself: %s", n, in.Term, x.campaign(x.id, in.Term, x.now, false))
		if down >= 0 {
			x.say("it stepped down %s, when a leader of the term showed itself", x.cite(down, "step-down", n+" became a follower"))
		}
		return
	}
	p := e.Raft.Peer
	what := "a message"
	if d := x.last(e.Time, func(d *sim.TraceEvent) bool {
		return d.Kind == sim.EvDeliver && d.Peer == x.id && d.Msg != nil && d.Msg.From == p
	}); d >= 0 {
		what = msgWords(x.evs[d].Msg.Type)
	}
	x.say("%s is a follower in term %d: S%d's %s carried the term to it %s", n, in.Term, p, what,
		x.cite(enter, "term", fmt.Sprintf("%s saw term %d from S%d", n, in.Term, p)))
}

// msgWords names a message type in words.
func msgWords(t raft.MsgType) string {
	switch t {
	case raft.MsgVote:
		return "vote request"
	case raft.MsgVoteResp:
		return "answer to a vote request"
	case raft.MsgApp:
		return "AppendEntries"
	case raft.MsgAppResp:
		return "answer to AppendEntries"
	case raft.MsgHeartbeat:
		return "heartbeat"
	case raft.MsgHeartbeatResp:
		return "answer to a heartbeat"
	case raft.MsgPreVote:
		return "pre-vote request"
	case raft.MsgPreVoteResp:
		return "answer to a pre-vote request"
	}
	return t.String()
}

func (x *explainer) vote(n string) {
	in := x.info
	if in.Role != raft.Follower || in.Term == 0 {
		return
	}
	if in.VotedFor == raft.None {
		x.say("it has not voted in term %d", in.Term)
		return
	}
	if in.VotedFor == x.id {
		x.say("it voted for itself in term %d, as a candidate", in.Term)
		return
	}
	g := x.lastOn(onStep(x.id, raft.EvVoteGranted), x.now, func(e *sim.TraceEvent) bool {
		return e.Raft.Peer == in.VotedFor && e.Raft.Term == in.Term && !e.Raft.Pre
	})
	if g < 0 {
		x.say("it voted for S%d in term %d (%s; the vote is on its disk)", in.VotedFor, in.Term, x.lost())
		return
	}
	why := ""
	if d := x.last(x.evs[g].Time, func(d *sim.TraceEvent) bool {
		return d.Kind == sim.EvDeliver && d.Peer == x.id && d.Msg != nil && d.Msg.Type == raft.MsgVote && d.Msg.From == in.VotedFor
	}); d >= 0 {
		m := x.evs[d].Msg
		why = fmt.Sprintf(": %s was at least as up to date as its own, and it had not voted in the term", logOf(fmt.Sprintf("S%d", in.VotedFor), m.LastIndex, m.LastTerm))
	}
	x.say("it voted for S%d in term %d %s%s", in.VotedFor, in.Term, x.cite(g, "vote", fmt.Sprintf("%s voted for S%d in term %d", n, in.VotedFor, in.Term)), why)
}

func (x *explainer) leaderKnown(n string) {
	in := x.info
	if in.Role != raft.Follower || in.Term == 0 {
		return
	}
	if in.Leader == raft.None {
		x.say("it knows no leader of term %d: no AppendEntries or heartbeat of the term has reached it", in.Term)
		return
	}
	d := x.lastOn(on(x.id, onLeaderMsg), x.now, func(e *sim.TraceEvent) bool { return e.Msg.From == in.Leader })
	if d < 0 {
		x.say("it follows S%d", in.Leader)
		return
	}
	w := msgWords(x.evs[d].Msg.Type)
	x.say("it follows S%d, whose last %s reached it %s", in.Leader, w, x.cite(d, "message", fmt.Sprintf("S%d's %s reached %s", in.Leader, w, n)))
}

func (x *explainer) commit(n string) {
	in := x.info
	c := in.CommitIndex
	if x.commitUnknown {
		x.say("its commit index was set %s", x.lost())
		return
	}
	var own *raft.Entry
	if e, ok := x.logs.lastEntry(x.id); ok {
		own = &e
	}
	if c == 0 {
		text := "commit index 0: " + n + " knows of no committed entry yet"
		if in.Role == raft.Leader && own != nil && !x.partial {
			text += x.pending(own, ": its entry")
			text += x.earlier(c)
		}
		x.parts = append(x.parts, text)
		return
	}
	i := x.lastOn(onStep(x.id, raft.EvCommit), x.now, func(e *sim.TraceEvent) bool { return e.Raft.Index == c })
	when := x.lost()
	via := "" // how it learned the index without committing up to it
	if b := x.lastOn(on(x.id, onRestart), x.now, nil); b > i {
		i = -1 // a commit before its restart is forgotten with the rest of its memory
	}
	if i >= 0 {
		when = x.citeT(i, "commit", fmt.Sprintf("%s committed up to %d", n, c))
	} else if j := x.lastOn(onStep(x.id, raft.EvSnapshotInstalled), x.now, func(e *sim.TraceEvent) bool { return e.Raft.Index == c }); j >= 0 {
		p := x.evs[j].Raft.Peer
		when = x.citeT(j, "snapshot", fmt.Sprintf("%s installed S%d's snapshot after entry %d", n, p, c))
		via = fmt.Sprintf(", when it installed S%d's snapshot: a snapshot holds only committed entries (§7)", p)
	} else if j := x.lastOn(on(x.id, onRestart), x.now, nil); j >= 0 && in.Snapshot.Index == c {
		when = x.citeT(j, "restart", n+" restarted from its disk")
		via = fmt.Sprintf(", when it restarted from its snapshot after entry %d: a snapshot holds only committed entries (§7)", c)
	}
	if in.Role == raft.Leader && !x.partial {
		term := uint64(0)
		if e, ok := x.logs.entry(x.id, c); ok {
			term = e.Term
		}
		mine := ", of its own term,"
		if term != in.Term {
			mine = "" // committed before it led: it learned the index as a follower
		}
		text := fmt.Sprintf("commit index %d since %s%s: entry %s%s is on %s", c, when, via, logPos(c, term), mine, x.holders(c))
		if own != nil && own.Index > c {
			text += x.pending(own, ";")
			text += x.earlier(c)
		}
		x.parts = append(x.parts, text)
		return
	}
	from := ""
	if i >= 0 {
		if d := x.last(x.evs[i].Time, func(e *sim.TraceEvent) bool {
			return e.Kind == sim.EvDeliver && e.Peer == x.id && leaderMsg(e.Msg) && e.Time == x.evs[i].Time
		}); d >= 0 {
			from = fmt.Sprintf(", learned from S%d's %s (leader commit %d)", x.evs[d].Msg.From, msgWords(x.evs[d].Msg.Type), x.evs[d].Msg.Commit)
		}
	}
	x.say("commit index %d since %s%s%s", c, when, via, from)
}

// pending says, after lead, why a leader's last entry own is past its
// commit index. Either it is not yet on a majority, or it is, and the
// leader has not yet heard so from enough of them: it commits an entry
// when the answers saying a majority store it arrive (§5.3), not when the
// entry reaches their logs. An entry of an earlier term on a majority is
// left to earlier, which says why that is not enough (§5.4.2).
func (x *explainer) pending(own *raft.Entry, lead string) string {
	pos := logPos(own.Index, own.Term)
	if !x.onMajority(own.Index) {
		return fmt.Sprintf("%s %s is not yet on a majority (%s)", lead, pos, x.holders(own.Index))
	}
	if own.Term != x.info.Term {
		return ""
	}
	if l, ok := x.logs.(nowLogs); ok {
		// A copy counts once it is durable (a follower answers only
		// then, the leader counts its own from then on, §5.4.2's
		// premise): with slow disks no answer may be on the way yet.
		var ids []raft.NodeID
		for _, id := range x.storing(own.Index) {
			if e, ok := l.sim.DiskEntry(id, own.Index); ok && e.Term == own.Term {
				ids = append(ids, id)
			}
		}
		if !x.info.Membership.HasQuorum(ids) {
			disks := "on no disk yet"
			if len(ids) > 0 {
				disks = "on the disk of " + serverNames(ids) + " only"
			}
			return fmt.Sprintf("%s %s is on %s, but %s: a copy counts toward a commit once it is durable (S%d's own too), and a follower answers only then",
				lead, pos, x.holders(own.Index), disks, x.id)
		}
	}
	return fmt.Sprintf("%s %s is on %s, but S%d has not yet heard so from enough of them to commit it (their answers are on the way)",
		lead, pos, x.holders(own.Index), x.id)
}

// earlier says which entry after the commit index is on a majority but
// of an earlier term, so not committed (§5.4.2, Figure 8), if any.
func (x *explainer) earlier(c uint64) string {
	in := x.info
	last, ok := x.logs.lastEntry(x.id)
	for i := last.Index; ok && i > c; i-- {
		e, held := x.logs.entry(x.id, i)
		if !held {
			continue
		}
		if e.Term == in.Term || !x.onMajority(e.Index) {
			continue
		}
		return fmt.Sprintf("; entry %s is on %s, but of an earlier term: a leader commits it only once an entry of its own term is on a majority (§5.4.2, Figure 8)",
			logPos(e.Index, e.Term), x.holders(e.Index))
	}
	return ""
}

func (x *explainer) onMajority(index uint64) bool {
	return x.info.Membership.HasQuorum(x.storing(index))
}

// storing lists the members whose log (on disk, for one that is down)
// holds this server's entry at index: the same index and term.
func (x *explainer) storing(index uint64) []raft.NodeID {
	in := x.info
	want, _ := x.logs.entry(x.id, index)
	var have []raft.NodeID
	for _, id := range in.Config {
		if e, ok := x.logs.entry(id, index); ok && e.Term == want.Term {
			have = append(have, id)
		}
	}
	return have
}

// holders words which servers store entry index, and whether they are a
// majority.
func (x *explainer) holders(index uint64) string {
	have := x.storing(index)
	if len(have) == 0 {
		return "no server yet"
	}
	maj := "a majority"
	if !x.info.Membership.HasQuorum(have) {
		maj = "not a majority"
	}
	return fmt.Sprintf("%s: %s of %d", serverNames(have), maj, len(x.info.Config))
}
