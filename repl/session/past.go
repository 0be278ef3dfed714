package session

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"raftsim/raft"
	"raftsim/sim"
	"raftsim/timeline"
)

// The past of a run, rebuilt from its trace. why explains a server from
// the events of the trace and from its state; to explain it as of an
// earlier time (a timeline's tooltip, the web view playing a command
// back) the state it had then is rebuilt by folding the trace up to that
// time: what each server's steps, crashes, restarts and the messages it
// took say about its role, term, vote, leader, commit index, log and
// configuration, as the Raft core itself changes them. The network (for
// who a leader reaches) comes from the fault record, which is complete.

// pastServer is one server's state in the fold.
type pastServer struct {
	info sim.ServerInfo
	// whole says the fold saw the server from its start (a trace that
	// kept every event). Otherwise its role is known only from the first
	// step that sets it (known), or from its state now if nothing in the
	// trace changed it; its commit index from the first that sets it
	// (commitKnown); its log not at all.
	whole, known, commitKnown bool
	// app is the last leader's message delivered to it, and when: the
	// step down or the role change that follows it at the same instant
	// takes its sender as leader, and its entries give the terms of what
	// is appended.
	app   *raft.Message
	appAt time.Duration
	// The term and vote a slow disk made durable last (durable says one
	// did): what a crash that loses the newer writes leaves.
	durable bool
	durTerm uint64
	durVote raft.NodeID
}

// past folds a trace.
type past struct {
	servers  map[raft.NodeID]*pastServer
	order    []raft.NodeID
	complete bool // the trace starts with the run

	faults []sim.FaultEvent
	nf     int // faults applied
	// The network as the faults leave it: the partition groups (servers
	// not named are group 0) and the cut links.
	partitioned bool
	group       map[raft.NodeID]int
	cuts        map[[2]raft.NodeID]bool
}

func newPast(complete bool, faults []sim.FaultEvent) *past {
	return &past{servers: map[raft.NodeID]*pastServer{}, complete: complete, faults: faults}
}

func (p *past) server(id raft.NodeID) *pastServer {
	if id == raft.None || id >= sim.ClientIDBase {
		return nil
	}
	s := p.servers[id]
	if s == nil {
		s = &pastServer{info: sim.ServerInfo{ID: id, Up: true, VotedFor: raft.None, Leader: raft.None}, whole: p.complete, known: p.complete, commitKnown: p.complete}
		p.servers[id] = s
		p.order = append(p.order, id)
		slices.Sort(p.order)
	}
	return s
}

// seed starts the fold of a trace that lost its start: a server whose
// role and term nothing in evs changes (no step of a role or term, no
// crash or restart) has had them, its vote and its leader, all along:
// they are what they are now.
func (p *past) seed(sm *sim.Sim, evs []sim.TraceEvent) {
	moved := map[raft.NodeID]bool{}
	for i := range evs {
		e := &evs[i]
		switch {
		case e.Kind == sim.EvCrash || e.Kind == sim.EvRestart:
			moved[e.Node] = true
		case e.Kind == sim.EvRaft && (e.Raft.Kind == raft.EvBecome || e.Raft.Kind == raft.EvStepDown || (e.Raft.Kind == raft.EvTimeout && !e.Raft.Pre)):
			moved[e.Raft.Node] = true
		}
	}
	for _, id := range sm.Servers() {
		if moved[id] {
			continue
		}
		in, err := sm.Brief(id)
		if err != nil {
			continue
		}
		s := p.server(id)
		in.CommitIndex, in.LastApplied = 0, 0 // known from the first commit on
		s.info, s.known = in, true
	}
}

// apply folds one event in.
func (p *past) apply(e *sim.TraceEvent) {
	switch e.Kind {
	case sim.EvCrash:
		s := p.server(e.Node)
		if s == nil {
			return
		}
		in := &s.info
		in.Up, in.CommitIndex, in.LastApplied, in.Leader, in.Role = false, 0, 0, raft.None, raft.Follower
	case sim.EvRestart:
		s := p.server(e.Node)
		if s == nil {
			return
		}
		in := &s.info
		// A restarted node knows its snapshot committed and applied.
		in.Up, in.Role, in.Leader, in.CommitIndex, in.LastApplied = true, raft.Follower, raft.None, in.Snapshot.Index, in.Snapshot.Index
		s.commitKnown = true
	case sim.EvDeliver:
		if e.Msg == nil || !leaderMsg(e.Msg) {
			return
		}
		s := p.server(e.Msg.To)
		if s == nil || !s.info.Up {
			return
		}
		s.app, s.appAt = e.Msg, e.Time
		// An AppendEntries or heartbeat of its own term makes its sender
		// the leader it follows (a candidate of the term steps down).
		if e.Msg.Term == s.info.Term && s.info.Role != raft.Leader {
			s.info.Leader = e.Msg.From
		}
	case sim.EvRaft:
		p.step(e)
	case sim.EvDisk:
		if s := p.server(e.Node); s != nil {
			s.disk(e.Reason)
		}
	}
}

// disk folds in what a slow disk did: a write made durable (its term and
// vote are then what a crash keeps), or the writes a crash lost (the
// entries and the term they held are gone).
func (s *pastServer) disk(why string) {
	in := &s.info
	if w, ok := strings.CutPrefix(why, "disk write of "); ok {
		if t, v, ok := hardOf(w); ok {
			s.durable, s.durTerm, s.durVote = true, t, v
		}
		return
	}
	w, ok := strings.CutPrefix(why, "the crash lost ")
	if !ok {
		return
	}
	if _, what, ok := strings.Cut(w, "("); ok {
		if _, _, ok := hardOf(what); ok && s.durable {
			in.Term, in.VotedFor = s.durTerm, s.durVote
		}
		for _, word := range []string{"entries ", "entry "} {
			if i := strings.Index(what, word); i >= 0 {
				num := what[i+len(word):]
				if j := strings.IndexAny(num, ".,) "); j >= 0 {
					num = num[:j]
				}
				if from, err := strconv.ParseUint(num, 10, 64); err == nil {
					in.Log = cutLog(in.Log, from)
				}
				break
			}
		}
	}
}

// hardOf reads "term 3 (voted for 1)" at the start of a disk write's
// description.
func hardOf(w string) (term uint64, vote raft.NodeID, ok bool) {
	rest, ok := strings.CutPrefix(w, "term ")
	if !ok {
		return 0, raft.None, false
	}
	num := rest
	if j := strings.IndexAny(num, " ,)"); j >= 0 {
		num = num[:j]
	}
	t, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return 0, raft.None, false
	}
	vote = raft.None
	if v, ok := strings.CutPrefix(rest[len(num):], " (voted for "); ok {
		if j := strings.IndexByte(v, ')'); j >= 0 {
			if n, err := strconv.Atoi(v[:j]); err == nil {
				vote = raft.NodeID(n)
			}
		}
	}
	return t, vote, true
}

// step folds in a step of a node, as the core took it.
func (p *past) step(e *sim.TraceEvent) {
	r := &e.Raft
	s := p.server(r.Node)
	if s == nil {
		return
	}
	in := &s.info
	// Every step carries the node's term, but a pre-vote's the term it
	// asks for, which nobody has entered.
	if !r.Pre && r.Term != in.Term && r.Kind != raft.EvStepDown && r.Kind != raft.EvTimeout {
		in.Term = r.Term
	}
	// fromApp says the leader's message delivered at this instant caused
	// the step: its sender is then the leader.
	fromApp := func() raft.NodeID {
		if s.app != nil && s.appAt == e.Time && s.app.Term == in.Term {
			return s.app.From
		}
		return raft.None
	}
	switch r.Kind {
	case raft.EvTimeout:
		if r.Pre {
			return
		}
		in.Term, in.VotedFor, in.Leader = r.Term, r.Node, raft.None
	case raft.EvStepDown:
		in.Term, in.VotedFor = r.Term, raft.None
		in.Leader = fromApp()
	case raft.EvBecome:
		in.Role = r.Role
		s.known = true
		switch r.Role {
		case raft.Leader:
			in.Leader = r.Node
		case raft.Follower:
			in.Leader = fromApp()
		default:
			in.Leader = raft.None
		}
	case raft.EvVoteGranted:
		if !r.Pre {
			in.VotedFor = r.Peer
		}
	case raft.EvCommit:
		in.CommitIndex, s.commitKnown = r.Index, true
	case raft.EvApply:
		in.LastApplied = r.Index
	case raft.EvConfig:
		in.Config = slices.Clone(r.Config)
		in.Membership = raft.Membership{Voters: in.Config}
	case raft.EvTruncate:
		in.Log = cutLog(in.Log, r.Index)
	case raft.EvSnapshot:
		in.Snapshot = sim.SnapshotInfo{Index: r.Index, Term: r.EntryTerm, Config: slices.Clone(r.Config), Bytes: int(r.Bytes)}
		in.Log = dropLog(in.Log, r.Index2) // the log now begins after Index2
	case raft.EvSnapshotInstalled:
		in.Snapshot = sim.SnapshotInfo{Index: r.Index, Term: r.EntryTerm, Config: slices.Clone(r.Config), Bytes: int(r.Bytes)}
		if r.Reason == "discarded its log" {
			in.Log = nil
		} else {
			in.Log = dropLog(in.Log, r.Index)
		}
		in.CommitIndex, in.LastApplied, s.commitKnown = r.Index, r.Index, true
	case raft.EvAppend:
		in.Log = cutLog(in.Log, r.Index)
		for i := r.Index; i <= r.Index2; i++ {
			in.Log = append(in.Log, raft.Entry{Index: i, Term: s.entryTerm(r, i)})
		}
	}
}

// entryTerm is the term of entry i of an append: the first's or the
// last's, or what the leader's message that brought it says.
func (s *pastServer) entryTerm(r *raft.Event, i uint64) uint64 {
	switch {
	case r.EntryTerm == r.EntryTerm2 || i == r.Index:
		return r.EntryTerm
	case i == r.Index2:
		return r.EntryTerm2
	}
	if s.app != nil {
		for _, e := range s.app.Entries {
			if e.Index == i {
				return e.Term
			}
		}
	}
	return r.EntryTerm
}

// dropLog keeps the entries of log after index upto (a compaction).
func dropLog(log []raft.Entry, upto uint64) []raft.Entry {
	i := 0
	for i < len(log) && log[i].Index <= upto {
		i++
	}
	return slices.Clone(log[i:])
}

// cutLog keeps the entries of log before index from.
func cutLog(log []raft.Entry, from uint64) []raft.Entry {
	for len(log) > 0 && log[len(log)-1].Index >= from {
		log = log[:len(log)-1]
	}
	return log
}

// network folds in the faults up to t: the partitions and cuts.
func (p *past) network(t time.Duration) {
	for ; p.nf < len(p.faults) && p.faults[p.nf].Time <= t; p.nf++ {
		f := &p.faults[p.nf]
		if f.Kind != sim.EvPartition {
			continue
		}
		switch d := f.Desc; {
		case d == "heal":
			p.partitioned, p.group, p.cuts = false, nil, nil
		case strings.HasPrefix(d, "partition "):
			p.partitioned, p.group = true, map[raft.NodeID]int{}
			for g, part := range strings.Split(strings.TrimPrefix(d, "partition "), "|") {
				for _, f := range strings.Split(part, ",") {
					if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
						p.group[raft.NodeID(n)] = g + 1
					}
				}
			}
		case strings.HasPrefix(d, "cut "):
			s, both := strings.TrimPrefix(d, "cut "), false
			sep := "->"
			if strings.Contains(s, "<->") {
				sep, both = "<->", true
			}
			a, b, _ := strings.Cut(s, sep)
			x, err1 := strconv.Atoi(a)
			y, err2 := strconv.Atoi(b)
			if err1 != nil || err2 != nil {
				continue
			}
			if p.cuts == nil {
				p.cuts = map[[2]raft.NodeID]bool{}
			}
			p.cuts[[2]raft.NodeID{raft.NodeID(x), raft.NodeID(y)}] = true
			if both {
				p.cuts[[2]raft.NodeID{raft.NodeID(y), raft.NodeID(x)}] = true
			}
		}
	}
}

// connected is sim.Connected as of the fold: both up, no partition or cut
// between them either way.
func (p *past) connected(a, b raft.NodeID) bool {
	sa, sb := p.servers[a], p.servers[b]
	if sa == nil || sb == nil || !sa.info.Up || !sb.info.Up {
		return false
	}
	if p.partitioned && p.group[a] != p.group[b] {
		return false
	}
	return !p.cuts[[2]raft.NodeID{a, b}] && !p.cuts[[2]raft.NodeID{b, a}]
}

// backers is sim.Backers as of the fold: the members of leader id's
// configuration it reaches, not of a higher term, itself included.
func (p *past) backers(id raft.NodeID) []raft.NodeID {
	l := p.servers[id]
	if l == nil || !l.info.Up || l.info.Role != raft.Leader {
		return nil
	}
	var out []raft.NodeID
	for _, m := range l.info.Config {
		if m == id {
			out = append(out, m)
			continue
		}
		if o := p.servers[m]; o != nil && o.info.Term <= l.info.Term && p.connected(id, m) {
			out = append(out, m)
		}
	}
	return out
}

// info returns server id's state as the fold has it.
func (p *past) info(id raft.NodeID) (sim.ServerInfo, bool) {
	s := p.servers[id]
	if s == nil {
		return sim.ServerInfo{}, false
	}
	return s.info, true
}

// entry returns entry index of server id's log as the fold has it (a
// logReader for the explainer).
func (p *past) entry(id raft.NodeID, index uint64) (raft.Entry, bool) {
	s := p.servers[id]
	if s == nil {
		return raft.Entry{}, false
	}
	log := s.info.Log
	k, ok := slices.BinarySearchFunc(log, index, func(e raft.Entry, i uint64) int { return cmp.Compare(e.Index, i) })
	if !ok {
		return raft.Entry{}, false
	}
	return log[k], true
}

// lastEntry returns the last entry of server id's log as the fold has it.
func (p *past) lastEntry(id raft.NodeID) (raft.Entry, bool) {
	if s := p.servers[id]; s != nil && len(s.info.Log) > 0 {
		return s.info.Log[len(s.info.Log)-1], true
	}
	return raft.Entry{}, false
}

// pastKey is what an explanation of a server says: when any of it
// changes, so does the explanation.
type pastKey struct {
	up                 bool
	role               raft.Role
	term               uint64
	vote, leader       raft.NodeID
	commit, last, cfgN uint64
}

func keyOf(in *sim.ServerInfo) pastKey {
	k := pastKey{up: in.Up, role: in.Role, term: in.Term, vote: in.VotedFor, leader: in.Leader, commit: in.CommitIndex, cfgN: uint64(len(in.Config))}
	if in.Role == raft.Leader && len(in.Log) > 0 {
		k.last = in.Log[len(in.Log)-1].Index // a leader's explanation counts who holds its last entry
	}
	return k
}

// WhyOverTime explains every server as of each instant its state changed
// (up or down, role, term, vote, leader, commit index, configuration, a
// leader's last entry), from the trace kept, in time order: what the
// timeline's tooltips say. When that would be more than limit
// explanations (a run under load commits thousands of times), a change
// that keeps the role, term and up or down is explained only once the
// server's last explanation is older than an even share of the run; the
// next explanation, when it comes, is as of its own time. sparse reports
// that.
func (s *Session) WhyOverTime(limit int) (out []timeline.Why, sparse bool) {
	evs := s.sim.Trace()
	if len(evs) == 0 {
		return nil, false
	}
	truncated := s.sim.TraceStats().Dropped > 0
	// A first pass counts the changes; the second explains them.
	var gap time.Duration
	if n := s.overTime(evs, truncated, 0, nil); n > limit {
		sparse = true
		gap = (evs[len(evs)-1].Time - evs[0].Time) * time.Duration(max(1, len(s.sim.Servers()))) / time.Duration(limit)
	}
	ix := indexTrace(evs)
	s.overTime(evs, truncated, gap, func(p *past, id raft.NodeID, i int, t time.Duration) {
		x, _ := s.pastExplainer(p, id, evs[:i], ix, t, truncated)
		out = append(out, timeline.Why{Server: id, At: t, Text: x.result().Text})
	})
	return out, sparse
}

// overTime folds evs and calls explain for every server whose state
// changed at an instant t (evs[:i] are the events up to it), waiting gap
// after its last explanation unless its role, term or up or down
// changed. It returns how many times it called explain.
func (s *Session) overTime(evs []sim.TraceEvent, truncated bool, gap time.Duration, explain func(p *past, id raft.NodeID, i int, t time.Duration)) int {
	p := newPast(!truncated, s.sim.Faults())
	if truncated {
		p.seed(s.sim, evs)
	}
	type said struct {
		key pastKey
		at  time.Duration
	}
	last := map[raft.NodeID]said{}
	n := 0
	for i := 0; i < len(evs); {
		t := evs[i].Time
		for ; i < len(evs) && evs[i].Time == t; i++ {
			p.apply(&evs[i])
		}
		p.network(t)
		for _, id := range p.order {
			ps := p.servers[id]
			if !ps.known {
				continue // its state before the trace is not known
			}
			k := keyOf(&ps.info)
			old, ok := last[id]
			if ok && old.key == k {
				continue
			}
			final := i == len(evs) // the end: whatever waited is explained
			if ok && !final && t-old.at < gap && old.key.up == k.up && old.key.role == k.role && old.key.term == k.term {
				continue
			}
			last[id] = said{k, t}
			n++
			if explain != nil {
				explain(p, id, i, t)
			}
		}
	}
	return n
}
