package raft

// handleClient takes a client request (dissertation chapter 6): only the
// leader accepts; others redirect with a hint.
func (n *Node) handleClient(m *Message) {
	cmd := m.Cmd
	if n.role != Leader {
		n.replyNotLeader(m.From, cmd)
		return
	}
	if t := n.transfer; t != nil && cmd.Op != OpTransferLeader {
		// A transfer is under way (§3.10): new requests would lengthen the
		// log the target must catch up to. The client is sent on to the
		// server about to lead.
		n.respond(m.From, Response{ClientID: cmd.ClientID, Seq: cmd.Seq, Status: StatusNotLeader, LeaderHint: t.target})
		return
	}
	switch cmd.Op {
	case OpTransferLeader:
		n.handleTransfer(m.From, cmd)
		return
	case OpAddServer, OpRemoveServer, OpChangeConfig, OpAddLearner, OpPromote:
		n.handleMembership(m.From, cmd)
		return
	case OpGet:
		if cmd.ReadOnly {
			n.handleRead(m.From, cmd)
			return
		}
	}
	if cmd.ClientID != 0 {
		// A retry of a command already applied is answered from the
		// session table (§6.3) without a second trip through the log.
		if r, ok := n.sm.Applied(cmd.ClientID, cmd.Seq); ok {
			n.reply(m.From, r)
			return
		}
		// A retry of a command already in this leader's log waits for that
		// entry instead of appending a copy.
		if idx, ok := n.proposed[cmd.ClientID]; ok {
			if p, ok := n.pending.get(idx); ok && p.cmd.Seq == cmd.Seq {
				p.to = m.From
				return
			}
		}
	}
	idx := n.appendEntry(Entry{Kind: EntryCommand, Cmd: cmd})
	if n.applied < idx {
		n.pending.put(idx, pendingReply{to: m.From, term: n.term, cmd: cmd})
		if cmd.ClientID != 0 {
			n.proposed[cmd.ClientID] = idx
		}
	}
	n.broadcastAppend()
}

func (n *Node) reply(to NodeID, r Response) {
	r.LeaderHint = None // only NOT_LEADER answers carry a hint
	n.respond(to, r)
}

// respBlock is how many client answers share one allocation: every commit
// is answered, and a Response on its own cost an allocation per commit.
// A block stays alive while any message holds one of its answers.
const respBlock = 32

// respond sends client to the answer r.
func (n *Node) respond(to NodeID, r Response) {
	if len(n.resps) == 0 {
		n.resps = make([]Response, respBlock)
	}
	p := &n.resps[0]
	n.resps = n.resps[1:]
	*p = r
	n.send(Message{Type: MsgClientResp, To: to, Resp: p})
}

func (n *Node) replyNotLeader(to NodeID, cmd *Command) {
	hint := n.leader
	if hint == n.id {
		hint = None
	}
	n.respond(to, Response{ClientID: cmd.ClientID, Seq: cmd.Seq, Status: StatusNotLeader, LeaderHint: hint})
}

// maxReads bounds the reads a leader keeps waiting for a round. A leader cut
// off from its quorum confirms none, and clients keep retrying: beyond the
// bound a read is refused at once rather than queued.
const maxReads = 1024

// handleRead starts a linearizable read (§6.4, ReadIndex): remember the
// commit index, then confirm leadership with a heartbeat round sent after
// the read arrived, and serve from the state machine once it has applied
// that far. Reads coalesce: every read that arrives while a round is out
// waits for the next one, which leaves when that round is answered by a
// quorum or with the next heartbeat, so a flood of reads costs one round per
// heartbeat interval, not one per read. A retry of a read still waiting
// (same session and sequence number) replaces it.
func (n *Node) handleRead(from NodeID, cmd *Command) {
	if n.cfg.Rules.UnconfirmedReads {
		n.reply(from, n.sm.Read(*cmd))
		return
	}
	n.ensureTermEntry()
	if n.leaseHeld() {
		// Within the lease no other leader can have been elected, so
		// this leader's state machine is current (§6.4.1): no round.
		n.event(Event{Kind: EvRead, Index: n.commit, Reason: "lease"})
		n.reply(from, n.sm.Read(*cmd))
		return
	}
	if cmd.ClientID != 0 {
		for i := range n.reads {
			if r := &n.reads[i]; r.cmd.ClientID == cmd.ClientID && r.cmd.Seq == cmd.Seq {
				r.to = from
				return
			}
		}
	}
	if len(n.reads) >= maxReads {
		n.reply(from, Response{ClientID: cmd.ClientID, Seq: cmd.Seq, Status: StatusError,
			Err: "too many reads waiting for the leader to confirm it leads"})
		return
	}
	n.reads = append(n.reads, readRequest{to: from, cmd: cmd, seq: n.readSeq + 1, index: n.commit})
	if n.readConfirmed() < n.readSeq {
		return // a round is out: this read waits for the next one
	}
	n.startReadRound()
}

// startReadRound sends a new heartbeat round, which every read waiting
// for a round rides on.
func (n *Node) startReadRound() {
	n.newRound()
	n.serveReads()
	if len(n.reads) > 0 {
		n.heartbeat(true)
	}
}

// readConfirmed returns the latest round a quorum of the configuration has
// answered in this term.
func (n *Node) readConfirmed() uint64 {
	if len(n.members) == 0 {
		return 0
	}
	return n.q.CommittedIndex(readAcks{&n.prs})
}

// serveReads answers the reads whose round a quorum has acknowledged and
// whose read index is applied. Until the leader has committed an entry of
// its own term, its commit index may lag the cluster's, so reads wait
// (§6.4 step 1); the no-op of §8 makes that short. If reads wait for a
// round not yet sent and the last one is answered, the next leaves now.
func (n *Node) serveReads() {
	if len(n.reads) == 0 || n.log.term(n.commit) != n.term {
		return
	}
	confirmed := n.readConfirmed()
	done := 0
	for _, r := range n.reads {
		if r.seq > confirmed {
			break // later rounds cannot be confirmed before earlier ones
		}
		if r.index < n.commit {
			// The read index must cover entries committed by earlier
			// terms, which the no-op has now committed.
			r.index = n.commit
		}
		if n.applied < r.index {
			break
		}
		n.event(Event{Kind: EvRead, Index: r.index})
		n.reply(r.to, n.sm.Read(*r.cmd))
		done++
	}
	n.reads = n.reads[done:]
	if len(n.reads) > 0 && n.reads[len(n.reads)-1].seq > n.readSeq && confirmed >= n.readSeq {
		n.startReadRound()
	}
}
