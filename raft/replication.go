package raft

import (
	"slices"
	"time"
)

func (n *Node) addProgress(id NodeID, voter bool) {
	if pr := n.prs.get(id); pr != nil {
		pr.voter = pr.voter || voter
		return
	}
	pr := n.prs.add(id, progress{id: id, next: n.log.lastIndex() + 1, voter: voter, lastAck: n.now, lastProgress: n.now}, len(n.members)+len(n.learners)-n.prs.len())
	if id != n.id {
		// A follower joins the send order as if just sent to: it gets its
		// first message now (a leader's first round, the entry that adds
		// it) or an interval from now at the latest.
		n.prs.sent(pr, n.now)
		n.peers = append(n.peers, id)
		slices.Sort(n.peers)
	}
}

func (n *Node) removeProgress(id NodeID) {
	n.prs.remove(id)
	if i, ok := slices.BinarySearch(n.peers, id); ok {
		n.peers = slices.Delete(n.peers, i, i+1)
	}
	n.recountAbove()
}

// appendEntry appends a new entry of the current term to the leader's log
// and sends it on.
func (n *Node) appendEntry(e Entry) uint64 {
	e.Index = n.log.lastIndex() + 1
	e.Term = n.term
	e.Time = n.now
	n.log.append(e)
	if e.Kind == EntryConfig {
		n.refreshConfig()
	}
	if pr := n.prs.get(n.id); pr != nil {
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
	n.setNow(now)
	if n.log.term(index) != term {
		return // that entry has been overwritten since
	}
	n.stable = max(n.stable, index)
	if n.role != Leader {
		return
	}
	if pr := n.prs.get(n.id); pr != nil && n.setMatch(n.id, pr, index) {
		n.maybeCommit()
	}
}

// heartbeat sends heartbeats (§5.2), to every follower when all is set,
// else to those due: Figure 2's leader repeats its heartbeat "during idle
// periods to prevent election timeouts", so a follower is due when nothing
// has left for it for a whole interval. Any message resets a follower's
// election timer, so an AppendEntries or a snapshot chunk puts its next
// heartbeat off by an interval (as RaftScope's heartbeatDue and LogCabin
// do), and under load a follower that gets entries more often than once an
// interval gets no heartbeat at all. However long or short its election
// timeout, no follower hears nothing from a leader that can reach it for
// longer than an interval plus the network's delay.
//
// A follower due gets its heartbeat with every other follower due within
// half an interval: the heartbeats of an idle cluster go out together, one
// round every interval, and followers that entries spread apart fall back
// into one round at their first heartbeat. The round is every follower:
// after a leader takes office, for a ReadIndex round (dissertation §6.4: it
// needs a majority's answer, and its heartbeat goes to every follower),
// with lease reads (§6.4.1: every heartbeat is a round, whose answers renew
// the lease from when it was sent, so it keeps its interval whatever
// entries go out) and on the shell's timeout (Expire).
//
// The heartbeat also keeps replication going where answers stopped: a
// probed follower gets its probe again, and a snapshot chunk unanswered for
// an interval goes again (a pipeline that made no progress for an interval
// falls back to probing on its next send, see stalled).
func (n *Node) heartbeat(all bool) {
	hb := n.cfg.HeartbeatInterval
	n.heartbeatDeadline = n.now + hb
	k := len(n.reads)
	if n.cfg.LeaseRead || (k > 0 && n.reads[k-1].seq > n.readSeq) {
		// Reads wait for a round not yet sent: this heartbeat is it. With
		// lease reads every heartbeat is a round: each one a majority
		// answers renews the lease from the time it was sent.
		n.trimLeaseRounds()
		n.newRound()
	}
	if !all && k == 0 && !n.cfg.LeaseRead {
		head := n.prs.leastRecent()
		if head == nil || n.now-head.lastSent < hb {
			return // nobody is due: this tick was check-quorum's (beatDeadline)
		}
		if soon := n.now - hb/2; n.prs.mostRecent().lastSent > soon {
			// Only some are due within half an interval: those, least
			// recent first. Each beat moves its follower to the tail,
			// sent at now.
			for pr := head; pr != nil && pr.lastSent <= soon; pr = n.prs.leastRecent() {
				n.beat(pr.id, pr)
			}
			return
		}
		// Everyone is due within half an interval: one round.
	}
	// A round goes to every follower in the order of ids.
	for _, id := range n.peers {
		n.beat(id, n.prs.get(id))
	}
}

// beatDeadline is when the leader's next heartbeat is due: an interval
// after the follower least recently sent a message (heartbeat). Every
// interval after the last heartbeat, the leader also checks that a quorum
// still answers (check-quorum, §6.2), whether or not a follower is due;
// with lease reads every interval is a round to everyone; a leader with
// no followers ticks every interval too.
func (n *Node) beatDeadline() time.Duration {
	head := n.prs.leastRecent()
	if head == nil || n.cfg.LeaseRead {
		return n.heartbeatDeadline
	}
	d := head.lastSent + n.cfg.HeartbeatInterval
	if n.cfg.CheckQuorum {
		d = min(d, n.heartbeatDeadline)
	}
	return d
}

// beat is the heartbeat of one follower: what its replication state needs
// after an interval without an answer, and a Heartbeat if that sends
// nothing.
func (n *Node) beat(id NodeID, pr *progress) {
	switch pr.state {
	case stateReplicate:
		if n.stalled(pr) {
			// The follower is probed from match, but hears the
			// heartbeat first: it carries the commit index, which a
			// follower whose answers are slow (its disk, say) may take
			// from it (sendHeartbeat), and its answer sends the probe
			// (handleHeartbeatResp); unanswered, the next heartbeat is
			// the probe.
			n.sendHeartbeat(id, pr)
			return
		}
	case stateProbe:
		// A probe still unanswered at the heartbeat: the next one goes
		// without entries, as does one a stall asked for (stalled) and
		// not yet sent. A leader's first probes (nothing sent yet) carry
		// its no-op at once.
		pr.reprobe = pr.reprobe || pr.probeSent
		pr.probeSent = false
	case stateSnapshot:
		// A chunk unanswered for a whole interval was lost, or its answer
		// was: send it again, or start over with a newer snapshot if
		// there is one (the follower may have been down all along: no use
		// sending it an old one first).
		if pr.snapSent && n.now-pr.lastProgress >= n.cfg.HeartbeatInterval {
			pr.snapSent = false
			if n.snap.Index > pr.snap.Index {
				pr.becomeSnapshot(n.snap, n.now)
			}
		}
	}
	if !n.sendAppend(id, pr) {
		n.sendHeartbeat(id, pr)
	}
}

// stalled reports whether a replicating follower's pipeline made no
// progress for a whole heartbeat interval (a message or its answer was
// lost, or the follower is gone), and if so makes it probe from match,
// whose answer says where the follower stands. It is asked before every
// send: under load a follower is sent entries more often than it is due
// a heartbeat, and the entries would otherwise go on filling a window
// whose answers are not coming.
func (n *Node) stalled(pr *progress) bool {
	if pr.state != stateReplicate || len(pr.inflight) == 0 || n.now-pr.lastProgress < n.cfg.HeartbeatInterval {
		return false
	}
	pr.becomeProbe(pr.match + 1)
	pr.reprobe = true
	return true
}

// sendHeartbeat sends a Heartbeat: the commit index as far as this
// follower's log is known to match the leader's, so that it can never
// commit an entry it holds from another leader.
//
// It also names the leader's commit index with the term of its entry there
// (PrevIndex, PrevTerm): a follower whose log holds that entry holds the
// leader's log up to it (Log Matching, §5.3), so it may commit that far
// even before the leader has heard that it has the entry.
func (n *Node) sendHeartbeat(id NodeID, pr *progress) {
	n.prs.sent(pr, n.now)
	n.send(Message{Type: MsgHeartbeat, To: id, Commit: min(pr.match, n.commit),
		PrevIndex: n.commit, PrevTerm: n.log.term(n.commit), ReadSeq: n.readSeq})
}

// broadcastAppend offers the entries just appended to every peer: each one
// gets them at once if its pipeline is idle, or in the next batch (see
// offerAppend).
func (n *Node) broadcastAppend() {
	for _, id := range n.peers {
		n.offerAppend(id, n.prs.get(id))
	}
}

// offerAppend sends what waits for a follower under the batching policy
// of the pipeline (dissertation §10.2.1: batching and pipelining). Its
// unit is the commit round. While the follower has an AppendEntries in
// flight whose entries are not all committed yet (progress.busy), a round
// is under way: a new entry gets no message of its own, unless a whole
// batch (MaxBatch entries) waits. Fewer entries wait in the leader's log
// for the answer that ends the round (handleAppResp offers again), or for
// the next heartbeat, which sends whatever waits. So the entries proposed
// during one round trip go out together in the next message, and a burst
// of proposals costs a follower one AppendEntries and one answer per round
// trip instead of one of each per entry. It is Nagle's rule, as TCP
// applies it to small segments, counted in commit rounds.
//
// A lone entry pays nothing: with nothing in flight it goes at once, as it
// did before batching. Nor does an entry that finds every message in
// flight committed already: the round it would wait for is over (the
// quorum answered; the follower that has not is merely slower), so it
// starts a new one at once. Holding it back would make its commit wait
// for the slowest follower's round trip, a closed-loop client with one
// request at a time (bench -w 1) would pay it on every request, and it
// would save no message: nothing else is coming. Whole batches still
// pipeline, up to MaxInflight messages, so a long queue is not held to one
// message per round trip. The wait is bounded by a round trip to that
// follower, or by a heartbeat interval if an answer is lost. MaxBatch 1
// turns batching off: every entry is a whole batch, and goes in its own
// message at once.
//
// Batching is per follower and decided on the leader's state alone, never
// on a timer: a slow follower's backlog never delays the others, and a run
// stays deterministic. It is not "flush at the end of each Ready": the
// leader takes one input per Step (each client request is a Step of its
// own), so a flush per Ready would send one message per entry, as before.
// Probes and snapshot chunks go one at a time anyway; they are unchanged.
func (n *Node) offerAppend(id NodeID, pr *progress) {
	n.sendAppends(id, pr, false)
}

// sendAppend sends AppendEntries from pr.next (§5.3) if the follower's
// state lets it, and reports whether it sent any. Probing, one message is
// out at a time, with entries if there are any (an empty one checks where
// the follower stands). Replicating, it pipelines: next moves past the
// entries before the answer comes, and everything waiting goes at once, in
// messages of up to MaxBatch entries, as far as MaxInflight messages in
// flight allow; what the window cannot take waits for the next answer.
func (n *Node) sendAppend(id NodeID, pr *progress) bool {
	return n.sendAppends(id, pr, true)
}

// sendAppends is sendAppend (flush) or offerAppend (not flush: a partial
// batch waits while a commit round is in flight, progress.busy).
func (n *Node) sendAppends(id NodeID, pr *progress, flush bool) bool {
	sent := false
	n.stalled(pr)
	for {
		if !flush && pr.state == stateReplicate && pr.busy(n.commit) &&
			n.log.lastIndex()+1-pr.next < uint64(n.cfg.MaxBatch) {
			return sent // a partial batch waits for the pipeline (offerAppend)
		}
		if !n.sendOneAppend(id, pr) {
			return sent
		}
		sent = true
		if pr.state != stateReplicate {
			return sent // probes and snapshot chunks go one at a time
		}
	}
}

// sendOneAppend sends one AppendEntries, or a snapshot chunk, to a
// follower if its state lets it, and reports whether it did.
func (n *Node) sendOneAppend(id NodeID, pr *progress) bool {
	last := n.log.lastIndex()
	if pr.next > last+1 {
		n.violation("nextIndex beyond the log", pr.next, last)
		pr.next = last + 1
	}
	if pr.state != stateSnapshot && pr.next <= n.log.offset {
		// The entry before next, whose term the consistency check needs,
		// and those after it are compacted away: the follower gets the
		// snapshot instead (§7).
		pr.becomeSnapshot(n.snap, n.now)
	}
	switch pr.state {
	case stateSnapshot:
		return n.sendSnapshotChunk(id, pr)
	case stateProbe:
		if pr.probeSent {
			return false
		}
	case stateReplicate:
		if pr.next > last || len(pr.inflight) >= n.cfg.MaxInflight {
			return false
		}
	}
	var ents []Entry
	if pr.next <= last && !(pr.state == stateProbe && pr.reprobe) {
		ents = n.log.slice(pr.next, min(last, pr.next+uint64(n.cfg.MaxBatch)-1))
	}
	prev := pr.next - 1
	n.prs.sent(pr, n.now)
	n.send(Message{
		Type: MsgApp, To: id,
		PrevIndex: prev, PrevTerm: n.log.term(prev),
		Entries: ents, Probe: pr.state == stateProbe, Commit: n.commit, ReadSeq: n.readSeq,
	})
	switch pr.state {
	case stateProbe:
		pr.probeSent = true
		pr.reprobe = false
	case stateReplicate:
		if len(pr.inflight) == 0 {
			pr.lastProgress = n.now // the clock for "no progress" starts now
		}
		pr.next += uint64(len(ents))
		pr.inflight = append(pr.inflight, pr.next-1)
	}
	return true
}

// handleApp is the follower side of AppendEntries (Figure 2).
func (n *Node) handleApp(m *Message) {
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

	if m.PrevIndex < n.log.offset {
		// The message begins inside our snapshot: those entries are
		// committed, so they are the leader's too (Leader Completeness).
		// Check from the snapshot's last entry on.
		// m is the caller's: the rest of the message is a copy.
		skip := min(n.log.offset-m.PrevIndex, uint64(len(m.Entries)))
		rest := *m
		rest.Entries = m.Entries[skip:]
		rest.PrevIndex, rest.PrevTerm = n.log.offset, n.log.offsetTerm
		m = &rest
		if len(m.Entries) == 0 {
			n.send(Message{Type: MsgAppResp, To: m.From, Match: n.log.offset, ReadSeq: m.ReadSeq})
			return
		}
	}
	// Consistency check (§5.3) with the fast-backtracking hint.
	if m.PrevIndex > n.log.lastIndex() {
		if n.holdApp(m) {
			return
		}
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
	for i := range m.Entries {
		if m.Entries[i].Index != m.PrevIndex+1+uint64(i) {
			// A leader sends consecutive entries after PrevIndex; anything
			// else would be appended at the wrong index.
			n.violation("AppendEntries entry at the wrong index", m.Entries[i].Index, m.PrevIndex+1+uint64(i))
			return
		}
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
			if e.Index <= n.commit {
				// Log Matching and Leader Completeness say a committed
				// entry never conflicts with a leader's: only a broken
				// Raft gets here (the figure8 bug does).
				n.violation("truncating a committed entry", e.Index, n.commit)
			}
			n.event(Event{Kind: EvTruncate, Index: e.Index, Index2: n.log.lastIndex()})
			if n.configIndex >= e.Index {
				configChanged = true
			}
			n.log.truncate(e.Index)
			n.stable = min(n.stable, e.Index-1)
		}
		n.log.appendAll(m.Entries[i:])
		for j := range m.Entries[i:] {
			if m.Entries[i+j].Kind == EntryConfig {
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
	n.releaseHeld()
}

// holdApp keeps an AppendEntries of the current leader that arrived ahead
// of the ones before it (the network reorders: each message has its own
// delay), instead of refusing it: refused, it and every later message
// would be sent again. It is handled when its predecessors arrive, as a
// TCP stream would deliver it; if they were lost, the leader, hearing
// nothing, probes within a heartbeat interval. A probe is never held (its
// answer is what the leader waits for), and the hold is bounded.
func (n *Node) holdApp(m *Message) bool {
	if m.Probe || len(n.held) >= 2*n.cfg.MaxInflight {
		return false
	}
	for i := range n.held {
		if n.held[i].PrevIndex == m.PrevIndex && n.held[i].Term == m.Term {
			n.held[i] = *m // a duplicate, or a resend: keep the newest
			return true
		}
	}
	n.held = append(n.held, *m)
	return true
}

// releaseHeld handles the held AppendEntries that now follow on from the
// log, and drops those of another term or leader.
func (n *Node) releaseHeld() {
	for len(n.held) > 0 {
		k := -1
		for i := range n.held {
			h := &n.held[i]
			if h.Term != n.term || h.From != n.leader || h.PrevIndex <= n.log.lastIndex() {
				k = i
				break
			}
		}
		if k < 0 {
			return
		}
		h := n.held[k]
		n.held = append(n.held[:k], n.held[k+1:]...)
		if h.Term == n.term && h.From == n.leader {
			n.handleApp(&h)
			return // handleApp releases what follows
		}
	}
}

// ackRead notes that m.From answered heartbeat round m.ReadSeq (§6.4).
// Any answer in our term to a round of ours confirms we were still leader
// when the round was sent; rounds are never reset, so no answer to a round
// of an earlier term matches one of this term.
func (n *Node) ackRead(pr *progress, m *Message) {
	pr.lastAck = n.now
	if m.ReadSeq > pr.readAck && m.ReadSeq <= n.readSeq {
		pr.readAck = m.ReadSeq
		n.serveReads()
	}
}

// handleAppResp is the leader side: advance matchIndex and commit, or back
// up nextIndex using the follower's hint (§5.3). A refusal that answers a
// message already superseded is ignored as stale, so that reordered
// answers never rewind a pipeline that is working.
func (n *Node) handleAppResp(m *Message) {
	if n.role != Leader || m.Term != n.term {
		return
	}
	pr := n.prs.get(m.From)
	if pr == nil {
		return
	}
	n.ackRead(pr, m)
	if n.role != Leader {
		return
	}
	if pr.state == stateSnapshot {
		// An answer from before the transfer began: the follower matched
		// only what the leader no longer holds. The transfer goes on.
		return
	}
	if m.Reject {
		n.appRejected(m.From, pr, m)
		return
	}
	pr.freeTo(m.Match)
	if n.setMatch(m.From, pr, m.Match) {
		n.progressed(m.From, pr)
		if n.role != Leader {
			return
		}
	}
	switch {
	case pr.state == stateProbe:
		// The follower's log matches ours up to m.Match: pipeline from there.
		pr.becomeReplicate(n.now)
	case pr.gapPrev != 0 && pr.match >= pr.gapPrev:
		// The gap is filled: what the follower refused, and everything
		// sent after it, goes again from here.
		pr.becomeReplicate(n.now)
	case pr.next <= pr.match:
		pr.next = pr.match + 1
	}
	// The pipeline has room again: what waits goes, in whole batches, and
	// the rest once nothing is in flight (offerAppend).
	n.offerAppend(m.From, pr)
}

// progressed acts on a follower's matchIndex having moved, whether by
// AppendEntries or by InstallSnapshot: the commit index (§5.4.2), a new
// server's catch-up (§4.2.1), and a leadership transfer waiting for the
// target's log (§3.10).
func (n *Node) progressed(id NodeID, pr *progress) {
	pr.lastProgress = n.now
	n.maybeCommit()
	n.checkCatchup()
	if n.role == Leader {
		n.maybeSendTimeoutNow(id)
	}
}

// appRejected handles a refused AppendEntries.
func (n *Node) appRejected(id NodeID, pr *progress, m *Message) {
	if m.PrevIndex < pr.match {
		return // stale: the follower matched beyond it since
	}
	switch pr.state {
	case stateProbe:
		if m.PrevIndex != pr.next-1 {
			return // stale: an answer to an earlier probe
		}
	case stateReplicate:
		if m.PrevIndex >= pr.next {
			return // stale: from before a fallback to probing
		}
		if m.ConflictTerm == 0 && m.ConflictIndex > pr.match {
			// "Log too short", and the entries it lacks (from
			// ConflictIndex on) are in messages already sent and not
			// yet acknowledged: it overtook them. Resend it once they
			// arrive (handleAppResp); heartbeat probes if they were lost.
			if pr.gapPrev == 0 || m.PrevIndex < pr.gapPrev {
				pr.gapPrev = m.PrevIndex
			}
			return
		}
	}
	next := m.ConflictIndex
	if m.ConflictTerm != 0 {
		if li := n.log.lastIndexOfTerm(m.ConflictTerm); li != 0 {
			next = li + 1
		}
	}
	pr.becomeProbe(max(min(next, m.PrevIndex), 1))
	n.sendAppend(id, pr)
}

// handleHeartbeat is the follower side of a Heartbeat: the leader of this
// term is alive. It moves the commit index up to what the leader says,
// which is never beyond where this log is known to match the leader's.
func (n *Node) handleHeartbeat(m *Message) {
	if m.Term < n.term {
		// A stale leader learns our term and steps down; no round echo
		// (see handleApp).
		n.send(Message{Type: MsgHeartbeatResp, To: m.From})
		return
	}
	if n.role != Follower || n.leader != m.From {
		n.becomeFollower(n.term, m.From)
	}
	n.lastLeaderContact = n.now
	n.resetElectionTimer()
	if m.Commit > n.log.lastIndex() {
		n.violation("heartbeat commit index beyond the log", m.Commit, n.log.lastIndex())
	}
	c := min(m.Commit, n.log.lastIndex())
	if m.PrevIndex > c && m.PrevIndex <= n.log.lastIndex() && n.log.term(m.PrevIndex) == m.PrevTerm {
		c = m.PrevIndex // our entry there is the leader's, and so is all before it
	}
	if c > n.commit {
		n.commit = c
		n.event(Event{Kind: EvCommit, Index: c})
		n.applyCommitted()
	}
	n.send(Message{Type: MsgHeartbeatResp, To: m.From, ReadSeq: m.ReadSeq})
}

// handleHeartbeatResp is the leader side: the follower is alive (check-
// quorum) and answered a round (ReadIndex). A probed follower gets its
// probe again at once if it is not out.
func (n *Node) handleHeartbeatResp(m *Message) {
	if n.role != Leader || m.Term != n.term {
		return
	}
	pr := n.prs.get(m.From)
	if pr == nil {
		return
	}
	n.ackRead(pr, m)
	if n.role == Leader && pr.match < n.log.lastIndex() {
		n.offerAppend(m.From, pr)
	}
}

// maybeCommit advances commitIndex to the highest index replicated on a
// quorum of the configuration, but only through an entry of the current
// term (§5.4.2, Figure 8): earlier terms' entries commit indirectly.
//
// It is gated (commitGate): the quorum is asked only once enough voters
// are above the commit index for it to move, and it answers in time linear
// in the number of voters.
func (n *Node) maybeCommit() {
	if n.role != Leader || !n.commitGate() {
		return
	}
	idx := n.q.CommittedIndex(matchAcks{&n.prs})
	if idx <= n.commit || idx > n.log.lastIndex() {
		return
	}
	if !n.commits(n.log.term(idx)) {
		return
	}
	n.commit = idx
	n.recountAbove()
	n.event(Event{Kind: EvCommit, Index: idx})
	n.applyCommitted()
	if n.role == Leader {
		n.serveReads()
		n.checkCatchup()
	}
}

// commits is the rule of §5.4.2 (Figure 8): a leader commits by counting
// replicas only an entry of its own term, unless a rule is planted.
func (n *Node) commits(entryTerm uint64) bool {
	if f := n.cfg.Rules.Commit; f != nil {
		return f(entryTerm, n.term)
	}
	return entryTerm == n.term
}

// applyCommitted applies entries up to commitIndex (Figure 2, all servers)
// and answers the clients waiting on them.
func (n *Node) applyCommitted() {
	for n.applied < n.commit {
		i := n.applied + 1
		if i <= n.log.offset || i > n.log.lastIndex() {
			n.violation("applying an entry missing from the log", i, n.log.lastIndex())
			return
		}
		// The entry in the log itself, not a copy: handed to the state
		// machine (an interface) a copy would escape to the heap, one
		// allocation per entry on the hot path. Entries are immutable.
		e := n.log.at(i)
		n.applied++
		n.event(Event{Kind: EvApply, Index: e.Index})
		switch e.Kind {
		case EntryCommand:
			resp := n.sm.Apply(e)
			if p, ok := n.pending.take(e.Index); ok {
				if n.proposed[p.cmd.ClientID] == e.Index {
					delete(n.proposed, p.cmd.ClientID)
				}
				if p.term == e.Term {
					n.reply(p.to, resp)
				}
			}
		case EntryConfig:
			n.appliedConfig = *e.Config
			n.configCommitted(*e)
		}
	}
	n.maybeSnapshot()
}
