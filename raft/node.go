package raft

import (
	"fmt"
	"slices"
	"time"

	"raftsim/raft/quorum"
)

// Node is one Raft server: the rules of Figure 2 plus client requests,
// ReadIndex, lease reads, single-server membership changes and leadership
// transfer; the commands it commits are applied to the StateMachine of its
// Config. It is driven by Step and
// Tick and answers through Ready; it never blocks and never does I/O.
type Node struct {
	cfg Config
	id  NodeID
	now time.Duration

	role     Role
	term     uint64
	votedFor NodeID
	leader   NodeID
	log      raftLog
	commit   uint64
	applied  uint64
	stable   uint64    // the log is durable up to here (StableTo; all of it at boot)
	durable  HardState // the term and vote on the disk (HardStateStable; at boot, st's)
	sm       StateMachine

	// conf is the configuration in force: the latest config entry in the
	// log, committed or not (dissertation §4.1), else the bootstrap one.
	// Every decision that needs a quorum asks it. members lists its
	// voters, ascending.
	conf        quorum.JointConfig
	selfVoter   bool   // whether this node votes in conf: asked on every Ready and tick, kept by setConf
	leaving     bool   // conf (at configIndex) removes this node, a voter of the one before (mayCampaign)
	q           Quorum // decides for conf: conf itself, unless a rule is planted
	planted     bool   // q is a planted rule
	members     []NodeID
	learners    quorum.MajorityConfig // receive the log, never vote (§4.2.1)
	configIndex uint64
	bootstrap   []NodeID
	// appliedConfig is the configuration in force at lastApplied: the one
	// a snapshot taken now records (§7).
	appliedConfig Membership

	// snap is the latest snapshot (Index 0: none); snapDirty says the next
	// Ready hands it to the disk, chunk a piece of one being received.
	snap      Snapshot
	snapDirty bool
	// snapInstalled: the snapshot to hand out came from the leader.
	snapInstalled bool
	chunk         *SnapshotChunk
	incoming      *incomingSnap

	electionDeadline time.Duration
	// heartbeatDeadline is an interval after the leader's last heartbeat
	// (beatDeadline).
	heartbeatDeadline time.Duration
	// lastLeaderContact is when a leader (of any term) was last heard
	// from; at boot, an election timeout before it: not recently.
	lastLeaderContact time.Duration

	// held: AppendEntries of the leader that arrived ahead of their
	// predecessors (holdApp).
	held []Message
	// votes holds the answers a candidate or pre-candidate has: true for a
	// grant, false for a refusal, one per server however often the network
	// delivers it.
	votes map[NodeID]bool
	tally voteTally // votes counted (recordVote), so that a tally costs no pass over the voters
	// heard is check-quorum's scratch: the voters heard from within an
	// election timeout, as a vote (checkQuorum).
	heard map[NodeID]bool
	// above counts, for each half of conf, the voters whose match is above
	// the commit index: the commit index can move only once each half has
	// a quorum of them (commitGate), so the quorum is asked once per move,
	// not on every acknowledgement.
	above [2]int
	// leaderSince is when this server took office: check-quorum judges a
	// leader only after a whole election timeout of it.
	leaderSince time.Duration
	prs         progressTable
	peers       []NodeID // leader: ids in prs, ascending, for deterministic sends

	pending  pendingQueue      // leader: log index -> client waiting for it
	proposed map[uint64]uint64 // leader: client id -> index of its latest pending command
	// readSeq numbers heartbeat rounds (§6.4). It only grows, across
	// terms too: a round number is never reused, so an answer to a round
	// of an earlier term cannot pass for one of this term.
	readSeq    uint64
	reads      []readRequest
	catchup    *catchup
	configWait *pendingReply // leader: the membership request whose entry is in the log
	transfer   *transfer     // leader: a leadership transfer under way (§3.10)
	// leaseBroken: this leader sent TimeoutNow in its term, so another may
	// be elected before its lease runs out (lease reads, §6.4.1).
	leaseBroken bool
	// leaseRounds: with LeaseRead, when each heartbeat round of this term
	// not yet superseded by a confirmed one was sent, oldest first.
	leaseRounds []leaseRound
	leaseDur    time.Duration // see Config.leaseDuration
	bootedAt    time.Duration

	hsDirty bool
	broken  []Invariant // since the last Ready; rare, so not double-buffered
	// Output buffers, double-buffered: what one Ready hands out stays valid
	// until the next Ready, and the hot path allocates no new slices.
	msgs, spareMsgs     []Message
	events, spareEvents []Event
	// resps is the rest of a block of Responses for client answers
	// (respond): one allocation per respBlock answers instead of one each.
	resps []Response
}

type pendingReply struct {
	to   NodeID
	term uint64
	cmd  *Command
}

type readRequest struct {
	to    NodeID
	cmd   *Command
	seq   uint64 // the heartbeat round that must be acknowledged by a quorum
	index uint64 // the read index: commitIndex when the read arrived
}

// NewNode builds a node from its disk. A fresh server of the initial cluster
// passes a Storage holding only Bootstrap; a server that joins later passes
// an empty one. The caller must then take Ready and act on it. It fails if
// cfg or st cannot run (see Config).
func NewNode(cfg Config, st Storage, now time.Duration) (*Node, error) {
	cfg, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	if st, err = normalizedStorage(st); err != nil {
		return nil, err
	}
	n := &Node{
		cfg:       cfg,
		id:        cfg.ID,
		now:       now,
		term:      st.Term,
		votedFor:  st.VotedFor,
		durable:   st.HardState,
		leader:    None,
		sm:        cfg.StateMachine,
		bootstrap: st.Bootstrap,
		proposed:  map[uint64]uint64{},
	}
	if st.Term == 0 {
		// Nobody votes in term 0: a zero Storage means "never voted", not
		// "voted for server 0".
		n.votedFor = None
	}
	n.appliedConfig = Membership{Voters: n.bootstrap}
	if sn := st.Snapshot; sn.Index > 0 {
		// Restart from snapshot plus log tail (§7): the state machine is
		// the snapshot's, and everything in it is committed and applied.
		if err := n.sm.Restore(sn.Data); err != nil {
			return nil, fmt.Errorf("raft: the snapshot after entry %d on the disk: %w", sn.Index, err)
		}
		sn.Config, sn.Outgoing, sn.Learners = slices.Clone(sn.Config), slices.Clone(sn.Outgoing), slices.Clone(sn.Learners)
		n.snap = sn
		n.log.reset(sn.Index, sn.Term)
		n.commit, n.applied = sn.Index, sn.Index
		n.appliedConfig = Membership{Voters: sn.Config, Outgoing: sn.Outgoing, Learners: sn.Learners}
	}
	for _, e := range st.Log {
		n.log.append(e)
	}
	n.log.unstable = 0 // what came from the disk is on the disk
	n.stable = n.log.lastIndex()
	n.refreshConfig()
	n.resetElectionTimer()
	n.lastLeaderContact = now - cfg.ElectionTimeout
	n.leaseDur, n.bootedAt = cfg.leaseDuration(), now
	return n, nil
}

// ID returns the node's id.
func (n *Node) ID() NodeID { return n.id }

// Role returns the node's role.
func (n *Node) Role() Role { return n.role }

// Term returns currentTerm.
func (n *Node) Term() uint64 { return n.term }

// VotedFor returns the candidate voted for in the current term, or None.
func (n *Node) VotedFor() NodeID { return n.votedFor }

// Leader returns the leader this node believes in for its term, or None.
func (n *Node) Leader() NodeID { return n.leader }

// CommitIndex returns commitIndex.
func (n *Node) CommitIndex() uint64 { return n.commit }

// LastApplied returns lastApplied.
func (n *Node) LastApplied() uint64 { return n.applied }

// LastIndex returns the index of the last log entry.
func (n *Node) LastIndex() uint64 { return n.log.lastIndex() }

// Log returns a copy of the entries the log holds, FirstIndex..LastIndex.
func (n *Node) Log() []Entry { return n.log.all() }

// Entry returns entry i.
func (n *Node) Entry(i uint64) (Entry, bool) { return n.log.entry(i) }

// Members returns the configuration this node follows, ascending.
func (n *Node) Members() []NodeID { return slices.Clone(n.members) }

// MembersView is Members without the copy, for callers that only read it
// and ask often (the simulator's liveness checks): the slice is shared and
// must not be modified. A configuration is never changed in place (a new
// one is a new slice), so the view stays what it was when taken.
func (n *Node) MembersView() []NodeID { return n.members }

// Progress returns the leader's nextIndex and matchIndex for every peer it
// replicates to; nil maps when not leader.
func (n *Node) Progress() (next, match map[NodeID]uint64) {
	if n.role != Leader {
		return nil, nil
	}
	next, match = map[NodeID]uint64{}, map[NodeID]uint64{}
	for _, id := range append([]NodeID{n.id}, n.peers...) {
		if pr := n.prs.get(id); pr != nil {
			next[id], match[id] = pr.next, pr.match
		}
	}
	return next, match
}

// Deadline returns the virtual time at which Tick must next be called, or 0
// when the node has no timer (a server outside its configuration, see
// mayCampaign).
func (n *Node) Deadline() time.Duration {
	switch {
	case n.role == Leader:
		d := n.beatDeadline()
		if c := n.catchup; c != nil && !c.ready && c.deadline < d {
			d = c.deadline
		}
		if t := n.transfer; t != nil && t.deadline < d {
			d = t.deadline
		}
		return d
	case n.mayCampaign():
		return n.electionDeadline
	}
	return 0
}

// HasReady reports whether Ready has anything to act on besides the deadline.
func (n *Node) HasReady() bool {
	return n.hsDirty || n.log.unstable != 0 || n.snapDirty || n.chunk != nil || len(n.msgs) > 0 || len(n.events) > 0 || len(n.broken) > 0
}

// Ready returns the pending output and clears it. Its slices stay valid
// until the next call of Ready: copy what must live longer.
func (n *Node) Ready() Ready {
	rd := Ready{
		Invariants:       n.broken,
		HardStateChanged: n.hsDirty,
		HardState:        HardState{Term: n.term, VotedFor: n.votedFor},
		Messages:         n.msgs,
		Events:           n.events,
		Deadline:         n.Deadline(),
	}
	if f := n.cfg.Rules.Persist; f != nil {
		rd.HardState = f(rd.HardState)
	}
	if u := n.log.unstable; u != 0 {
		rd.TruncateFrom = u
		if u <= n.log.lastIndex() {
			rd.Entries = n.log.sliceAll(u, n.log.lastIndex())
		}
	}
	if n.snapDirty {
		sn := n.snap
		rd.Snapshot, rd.Installed = &sn, n.snapInstalled
	}
	rd.SnapshotChunk = n.chunk
	n.snapDirty, n.snapInstalled, n.chunk = false, false, nil
	n.hsDirty = false
	n.broken = nil
	n.log.unstable = 0
	n.msgs, n.spareMsgs = n.spareMsgs[:0], n.msgs
	n.events, n.spareEvents = n.spareEvents[:0], n.events
	return rd
}

// Tick tells the node that virtual time is now; it acts on any deadline that
// has passed.
func (n *Node) Tick(now time.Duration) { n.tick(now, false) }

// tick is Tick; all makes a leader heartbeat every follower now (Expire).
func (n *Node) tick(now time.Duration, all bool) {
	n.setNow(now)
	switch n.role {
	case Leader:
		if all || now >= n.beatDeadline() {
			if n.checkQuorum() {
				return
			}
			n.heartbeat(all)
		}
		n.checkCatchup()
		n.checkTransfer()
	default:
		if n.mayCampaign() && now >= n.electionDeadline {
			if n.cfg.PreVote {
				n.preCampaign()
			} else {
				n.campaign(false)
			}
		}
	}
}

// Expire makes the node's timer fire now, whatever its deadline: a
// follower or candidate that is a member starts an election as if its
// election timeout had passed (§5.2), a leader sends its heartbeats at
// once. It is how a person plays a scenario by hand, one step at a time
// (the shell's `timeout ID`); a node outside its configuration has no
// timer and does nothing, unless it is a voter that has not yet seen its
// removal commit (mayCampaign).
func (n *Node) Expire(now time.Duration) {
	if n.role != Leader {
		n.electionDeadline = now
	}
	n.tick(now, true)
}

// mayCampaign reports whether the node keeps an election timer: a voter
// of the configuration in force does, and so does a voter being removed
// until it knows its removal committed. Configurations take effect when
// appended (§6), so a server that holds an uncommitted C_new leaving it
// out would otherwise fall silent while its log may be the only one that
// can win: after C_old,new = [0 1 2] -> [2 3 4], say, S0 and S1 hold
// C_new, S3 and S4 only C_old,new, and S2 not even that. The old majority
// refuses S3 and S4 (S0 and S1's logs are longer), and if S0 and S1 never
// campaign the cluster never elects a leader again. As the dissertation's
// §4.2.2 leader that manages a cluster it is not part of, such a server
// may win with the votes of C_new alone (its own does not count), commits
// C_new and then steps down; once its commit index passes its removal it
// knows it is out and stays quiet.
func (n *Node) mayCampaign() bool {
	return n.selfVoter || (n.leaving && n.commit < n.configIndex)
}

// SetTrace turns Events in Ready on or off.
func (n *Node) SetTrace(on bool) { n.cfg.Trace = on }

// Step feeds one message, from a peer or a client, to the node. It takes
// the message by pointer, as it arrives in the caller's buffer, because a
// message is a few hundred bytes and a delivery would otherwise copy it at
// every call on its way to the handler. Step neither modifies *m nor keeps
// m; it may keep the entries and the command m carries, which are never
// modified: a follower's log takes an AppendEntries' entries as they are,
// their array included, rather than copying them (a stretch of the
// leader's log, which the leader never writes again).
func (n *Node) Step(now time.Duration, m *Message) {
	n.setNow(now)
	switch m.Type {
	case MsgClient:
		n.handleClient(m)
		return
	case MsgClientResp:
		return
	}
	vote := m.Type == MsgVote || m.Type == MsgPreVote
	pre := m.Type == MsgPreVote
	asked := uint64(0) // the event's term: ours, or the one a pre-vote asks for
	if pre {
		asked = m.Term
	}
	// §4.2.3 of the dissertation, with check-quorum (§6.2): a server that
	// heard from a leader within the minimum election timeout ignores vote
	// requests, so a removed or partitioned server cannot depose a working
	// leader. Only check-quorum makes "heard from a leader" mean "a leader
	// that works": without it, a leader cut off from its majority would
	// keep its loyal followers from ever electing another (as etcd's raft,
	// the rule needs check-quorum). The rule holds for a vote of our own
	// term too, that we would grant: our term may have risen since that
	// leader was heard without any vote of ours (a stale answer of a higher
	// term), and a lease (§6.4.1) counts on the refusal. A vote request of
	// a transfer (§3.10) passes: the leader itself asked for that election.
	ungranted := m.Term > n.term || (m.Type == MsgVote && m.Term == n.term && n.votedFor == None)
	if vote && ungranted && n.cfg.CheckQuorum && n.inLease() && !m.Transfer {
		n.event(Event{Kind: EvVoteRejected, Peer: m.From, Term: asked, Reason: "heard from the leader recently", Pre: pre})
		return
	}
	// A vote request from a server outside our configuration is refused,
	// its term not taken: a removed server that missed its removal (or a
	// new one whose config entry was truncated) gets no more
	// AppendEntries, times out again and again, and would depose every
	// leader with its higher term, through the followers if not directly.
	// A removed server may campaign until it sees its removal commit
	// (mayCampaign), and its commit index is volatile: after a restart, or
	// with the one heartbeat that tells it lost, it would do so forever.
	// A follower refuses only when its configuration is committed, as far
	// as it knows, and has it as a voter: an uncommitted one may still be
	// replaced by one that has the candidate (a server added, or a removal
	// truncated), and a server not in its configuration yet, a new one
	// catching up, has no view of who the members are.
	if vote && (n.role == Leader || (n.selfVoter && n.commit >= n.configIndex)) && !n.isMember(m.From) {
		n.event(Event{Kind: EvVoteRejected, Peer: m.From, Term: asked, Reason: "not a member of the configuration", Pre: pre})
		return
	}
	if m.Term > n.term {
		switch {
		case m.Type == MsgPreVote:
			// A pre-vote changes nobody's term (§9.6).
		case m.Type == MsgPreVoteResp && !m.Reject:
			// A granted pre-vote carries the term asked for.
		default:
			// Figure 2, all servers: a higher term makes us a follower.
			lead := None
			if m.Type == MsgApp || m.Type == MsgHeartbeat || m.Type == MsgTimeoutNow || m.Type == MsgSnap {
				lead = m.From
			}
			if t := n.transfer; t != nil && m.From == t.target {
				t.handedOver = true // the target campaigned, or leads
			}
			n.event(Event{Kind: EvStepDown, Peer: m.From, Term: m.Term})
			n.becomeFollower(m.Term, lead)
		}
	}
	switch m.Type {
	case MsgVote, MsgPreVote:
		n.handleVote(m)
	case MsgVoteResp:
		n.handleVoteResp(m)
	case MsgPreVoteResp:
		n.handlePreVoteResp(m)
	case MsgApp:
		n.handleApp(m)
	case MsgAppResp:
		n.handleAppResp(m)
	case MsgHeartbeat:
		n.handleHeartbeat(m)
	case MsgHeartbeatResp:
		n.handleHeartbeatResp(m)
	case MsgTimeoutNow:
		n.handleTimeoutNow(m)
	case MsgSnap:
		n.handleSnap(m)
	case MsgSnapResp:
		n.handleSnapResp(m)
	}
}

func (n *Node) send(m Message) {
	m.From = n.id
	if m.Term == 0 {
		m.Term = n.term
	}
	n.msgs = append(n.msgs, m)
}

// setNow moves the node's clock to now, the time of the input it is
// handed. Its deadlines, leases and the times it keeps (when a follower
// was last sent a message, when a read round began) are on that clock, so
// it must never go back: a caller that dates an input before the last one
// (a server's local clock and true time mixed up) is caught as a broken
// invariant, ClockWentBack, with the two times in nanoseconds.
func (n *Node) setNow(now time.Duration) {
	if now < n.now {
		n.violation(ClockWentBack, uint64(n.now), uint64(now))
	}
	n.now = now
}

// violation records a broken invariant for the next Ready.
func (n *Node) violation(what string, index, other uint64) {
	n.broken = append(n.broken, Invariant{What: what, Index: index, Other: other})
}

func (n *Node) event(e Event) {
	if !n.cfg.Trace {
		return
	}
	e.Node = n.id
	if e.Term == 0 {
		e.Term = n.term
	}
	n.events = append(n.events, e)
}

func (n *Node) setTerm(t uint64, vote NodeID) {
	if t != n.term || vote != n.votedFor {
		n.term, n.votedFor = t, vote
		n.hsDirty = true
	}
}

func (n *Node) resetElectionTimer() {
	et := n.cfg.ElectionTimeout
	jitter := time.Duration(0)
	if span := n.cfg.ElectionTimeoutMax - et; span > 0 {
		jitter = time.Duration(n.cfg.Rand.Int64N(int64(span)))
	}
	n.electionDeadline = n.now + et + jitter
}

func (n *Node) becomeFollower(term uint64, lead NodeID) {
	wasLeader := n.role == Leader
	if term != n.term {
		n.setTerm(term, None)
	}
	if n.role != Follower {
		n.role = Follower
		n.event(Event{Kind: EvBecome, Role: Follower})
	}
	n.leader = lead
	if lead != None {
		n.lastLeaderContact = n.now
	}
	n.votes = nil
	if wasLeader {
		n.abandonLeadership()
	}
	// Figure 2 resets a follower's timer only for AppendEntries from the
	// current leader or a granted vote (both reset it themselves). A
	// follower that merely sees a higher term keeps its deadline, so stale
	// candidates cannot keep postponing the servers able to win.
	if wasLeader || n.electionDeadline <= n.now {
		n.resetElectionTimer()
	}
}

// ensureTermEntry appends a no-op if the leader has no entry of its own term
// yet. Only a leader planted with Rules.NoNoop gets here without one;
// ReadIndex and membership changes still need an entry of the term to
// commit, so the broken Raft appends one lazily rather than hang.
func (n *Node) ensureTermEntry() {
	if n.log.lastTerm() != n.term {
		n.appendEntry(Entry{Kind: EntryNoop})
		n.broadcastAppend()
	}
}

// isMember reports whether id is a voter of the configuration in force.
func (n *Node) isMember(id NodeID) bool { return n.conf.Contains(id) }
