package raft

import (
	"slices"
	"time"
)

func (n *Node) addProgress(id NodeID, voter bool) {
	if pr, ok := n.prs[id]; ok {
		pr.voter = pr.voter || voter
		return
	}
	n.prs[id] = &progress{next: n.log.lastIndex() + 1, voter: voter, lastAck: n.now}
	if id != n.id {
		n.peers = append(n.peers, id)
		slices.Sort(n.peers)
	}
}

func (n *Node) removeProgress(id NodeID) {
	delete(n.prs, id)
	if i, ok := slices.BinarySearch(n.peers, id); ok {
		n.peers = slices.Delete(n.peers, i, i+1)
	}
}

// appendEntry appends a new entry of the current term to the leader's log
// and sends it on.
func (n *Node) appendEntry(e Entry) uint64 {
	e.Index = n.log.lastIndex() + 1
	e.Term = n.term
	n.log.append(e)
	if e.Kind == EntryConfig {
		n.refreshConfig()
	}
	if pr := n.prs[n.id]; pr != nil {
		pr.next = e.Index + 1 // match waits for StableTo: persist before you count
	}
	n.event(Event{Kind: EvAppend, Index: e.Index, Index2: e.Index, EntryTerm: e.Term, EntryTerm2: e.Term})
	return e.Index
}

// StableTo tells the node that its log is durable up to entry index, whose
// term is term (the caller reports it after persisting a Ready's Entries).
// A leader counts its own copy toward a quorum only from then on: counting
// an entry that a crash could still lose would let a minority of durable
// copies commit it (§5.4.2 assumes every counted copy survives).
func (n *Node) StableTo(now time.Duration, index, term uint64) {
	n.now = now
	if n.log.term(index) != term {
		return // that entry has been overwritten since
	}
	n.stable = max(n.stable, index)
	if n.role != Leader {
		return
	}
	if pr := n.prs[n.id]; pr != nil && index > pr.match {
		pr.match = index
		n.maybeCommit()
	}
}

// heartbeat sends AppendEntries to every peer: new entries where there are
// any, an empty heartbeat otherwise (§5.2). A peer whose pipeline has been
// silent for a whole interval (lost messages, or a crashed or cut-off
// server) is probed with empty AppendEntries until it answers; the answer
// or its hint says where to resume (§5.3), so a returning follower is not
// sent its whole log again.
func (n *Node) heartbeat() {
	n.heartbeatDeadline = n.now + n.cfg.HeartbeatInterval
	if k := len(n.reads); k > 0 && n.reads[k-1].seq > n.readSeq {
		// Reads wait for a round not yet sent: this heartbeat is it.
		n.readSeq++
		if pr := n.prs[n.id]; pr != nil {
			pr.readAck = n.readSeq
		}
	}
	for _, id := range n.peers {
		pr := n.prs[id]
		if pr.inflight > 0 && n.now-pr.lastAck >= n.cfg.HeartbeatInterval {
			pr.inflight = 0
			pr.probing = true
		}
		n.sendAppend(id, pr, true)
	}
}

// broadcastAppend sends new entries to every peer whose pipeline has room.
func (n *Node) broadcastAppend() {
	for _, id := range n.peers {
		pr := n.prs[id]
		if pr.next <= n.log.lastIndex() {
			n.sendAppend(id, pr, false)
		}
	}
}

// sendAppend sends one AppendEntries from pr.next (§5.3). With entries to
// send, it pipelines: nextIndex moves past them before the answer comes, up
// to MaxInflight messages. Without, it sends a heartbeat if asked to.
func (n *Node) sendAppend(id NodeID, pr *progress, heartbeat bool) {
	last := n.log.lastIndex()
	if pr.next > last+1 {
		pr.next = last + 1
	}
	var ents []Entry
	if pr.next <= last && pr.inflight < n.cfg.MaxInflight && !pr.probing {
		hi := min(last, pr.next+uint64(n.cfg.MaxBatch)-1)
		ents = n.log.slice(pr.next, hi)
	} else if !heartbeat {
		return
	}
	prev := pr.next - 1
	n.send(Message{
		Type: MsgApp, To: id,
		PrevIndex: prev, PrevTerm: n.log.term(prev),
		Entries: ents, Commit: n.commit, ReadSeq: n.readSeq,
	})
	if len(ents) > 0 {
		pr.next += uint64(len(ents))
		pr.inflight++
	}
}

// handleApp is the follower side of AppendEntries (Figure 2).
func (n *Node) handleApp(m Message) {
	if m.Term < n.term {
		// A stale leader learns our term from the answer and steps down.
		// The answer carries our term, not the message's, so it must not
		// echo the message's heartbeat round: a server leading in our term
		// would take the echo for an acknowledgement of its own round
		// (§6.4) and serve a read no quorum confirmed.
		n.send(Message{Type: MsgAppResp, To: m.From, Reject: true, PrevIndex: m.PrevIndex})
		n.event(Event{Kind: EvAppendRejected, Peer: m.From, Reason: "stale term"})
		return
	}
	// Same term: m.From is the leader of this term (§5.2: a candidate that
	// hears from the leader of its term returns to follower).
	if n.role != Follower || n.leader != m.From {
		n.becomeFollower(n.term, m.From)
	}
	n.lastLeaderContact = n.now
	n.resetElectionTimer()

	// Consistency check (§5.3) with the fast-backtracking hint.
	if m.PrevIndex > n.log.lastIndex() {
		n.event(Event{Kind: EvAppendRejected, Peer: m.From, Reason: "log too short", Index: m.PrevIndex})
		n.send(Message{Type: MsgAppResp, To: m.From, Reject: true, PrevIndex: m.PrevIndex,
			ConflictIndex: n.log.lastIndex() + 1, ReadSeq: m.ReadSeq})
		return
	}
	if t := n.log.term(m.PrevIndex); t != m.PrevTerm {
		n.event(Event{Kind: EvAppendRejected, Peer: m.From, Reason: "term mismatch", Index: m.PrevIndex})
		n.send(Message{Type: MsgAppResp, To: m.From, Reject: true, PrevIndex: m.PrevIndex,
			ConflictTerm: t, ConflictIndex: n.log.firstIndexOfTerm(m.PrevIndex), ReadSeq: m.ReadSeq})
		return
	}
	// Append what is new; an existing entry that conflicts is dropped with
	// everything after it (§5.3). Matching entries are kept, so a delayed,
	// shorter AppendEntries never truncates a longer log.
	configChanged := false
	for i, e := range m.Entries {
		if e.Index <= n.log.lastIndex() {
			if n.log.term(e.Index) == e.Term {
				continue
			}
			n.event(Event{Kind: EvTruncate, Index: e.Index, Index2: n.log.lastIndex()})
			if n.configIndex >= e.Index {
				configChanged = true
			}
			n.log.truncate(e.Index)
			n.stable = min(n.stable, e.Index-1)
		}
		for _, ne := range m.Entries[i:] {
			n.log.append(ne)
			if ne.Kind == EntryConfig {
				configChanged = true
			}
		}
		n.event(Event{Kind: EvAppend, Peer: m.From, Index: e.Index, Index2: n.log.lastIndex(), EntryTerm: e.Term, EntryTerm2: n.log.lastTerm()})
		break
	}
	if configChanged {
		n.refreshConfig()
	}
	match := m.PrevIndex + uint64(len(m.Entries))
	// Figure 2: commitIndex = min(leaderCommit, index of last new entry).
	if c := min(m.Commit, match); c > n.commit {
		n.commit = c
		n.event(Event{Kind: EvCommit, Index: c})
		n.applyCommitted()
	}
	n.send(Message{Type: MsgAppResp, To: m.From, Match: match, ReadSeq: m.ReadSeq})
}

// handleAppResp is the leader side: advance matchIndex and commit, or back
// up nextIndex using the follower's hint (§5.3).
func (n *Node) handleAppResp(m Message) {
	if n.role != Leader || m.Term != n.term {
		return
	}
	pr := n.prs[m.From]
	if pr == nil {
		return
	}
	pr.lastAck = n.now
	pr.probing = false
	if m.ReadSeq > pr.readAck && m.ReadSeq <= n.readSeq {
		// Any answer in our term to a round of ours confirms we were
		// still leader when the round was sent (§6.4). Rounds are never
		// reset, so no answer to a round of an earlier term matches one
		// of this term.
		pr.readAck = m.ReadSeq
		n.serveReads()
	}
	if m.Reject {
		if m.PrevIndex < pr.match || m.PrevIndex >= pr.next {
			return // stale: answered an AppendEntries we have moved past
		}
		next := m.ConflictIndex
		if m.ConflictTerm != 0 {
			if li := n.log.lastIndexOfTerm(m.ConflictTerm); li != 0 {
				next = li + 1
			}
		}
		next = max(min(next, m.PrevIndex), pr.match+1, 1)
		pr.next = next
		pr.inflight = 0
		n.sendAppend(m.From, pr, true)
		return
	}
	if pr.inflight > 0 {
		pr.inflight--
	}
	if m.Match > pr.match {
		pr.match = m.Match
		if pr.next <= pr.match {
			pr.next = pr.match + 1
		}
		if m.Match > n.commit && pr.voter {
			n.maybeCommit() // only a voter's new match above commit can move it
		}
		n.checkCatchup()
	}
	if pr.next <= n.log.lastIndex() {
		n.sendAppend(m.From, pr, false)
	}
}

// maybeCommit advances commitIndex to the highest index replicated on a
// quorum of the configuration, but only through an entry of the current
// term (§5.4.2, Figure 8): earlier terms' entries commit indirectly.
func (n *Node) maybeCommit() {
	if n.role != Leader {
		return
	}
	m := n.scratch[:0]
	for _, id := range n.members {
		if pr := n.prs[id]; pr != nil {
			m = append(m, pr.match)
		} else {
			m = append(m, 0)
		}
	}
	n.scratch = m
	slices.Sort(m)
	q := n.quorum()
	if q > len(m) || q < 1 {
		return
	}
	idx := m[len(m)-q]
	if idx <= n.commit {
		return
	}
	if n.cfg.Bug != BugFigure8 && n.log.term(idx) != n.term {
		return
	}
	n.commit = idx
	n.event(Event{Kind: EvCommit, Index: idx})
	n.applyCommitted()
	if n.role == Leader {
		n.serveReads()
		n.checkCatchup()
	}
}

// applyCommitted applies entries up to commitIndex (Figure 2, all servers)
// and answers the clients waiting on them.
func (n *Node) applyCommitted() {
	for n.applied < n.commit {
		n.applied++
		e, _ := n.log.entry(n.applied)
		n.event(Event{Kind: EvApply, Index: e.Index})
		switch e.Kind {
		case EntryCommand:
			resp := n.kv.apply(e.Cmd)
			if p, ok := n.pending[e.Index]; ok {
				delete(n.pending, e.Index)
				if n.proposed[p.cmd.ClientID] == e.Index {
					delete(n.proposed, p.cmd.ClientID)
				}
				if p.term == e.Term {
					n.reply(p.to, resp)
				}
			}
		case EntryConfig:
			n.configCommitted(e)
		}
	}
}

func sortedKeys[V any](m map[uint64]V) []uint64 {
	ks := make([]uint64, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
