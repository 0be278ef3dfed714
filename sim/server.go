package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"raftsim/bugs"
	"raftsim/kv"
	"raftsim/raft"
)

// server is one simulated machine: a Raft node (nil while down), the disk
// it persists to, and the one live timer the simulation keeps for it.
type server struct {
	id    raft.NodeID
	node  *raft.Node // nil while down: volatile state is gone
	kv    *kv.Store  // the key/value service the node applies to; nil while down
	disk  *disk
	up    bool
	group int // partition group; 0 when not named in a partition
	opts  ServerOptions
	rnd   *rand.Rand // "server/ID": election timeouts, across restarts

	// The timer is lazy: at most one event per server is live (the one
	// whose generation matches timerGen). A later deadline does not push a
	// new event; the armed one re-arms when it fires early. An earlier
	// deadline pushes a new event and so makes the armed one stale.
	timerGen   uint64
	timerArmed bool
	timerAt    time.Duration // true time

	// clock is the server's own clock (clock.go): the node is told its
	// time, and asks for deadlines, on it.
	clock clock

	// The disk's write queue (faults_disk.go). With fsync > 0 each Ready's
	// write becomes durable fsync after the previous one, and the Ready's
	// messages wait for it; writeSeq numbers the writes, never reused, so
	// that a completion event for a write a crash lost is recognised.
	fsync    time.Duration
	writes   []diskWrite
	writeSeq uint64
}

// fastDisk reports whether srv's writes are durable at once: no fsync
// delay, and none of its writes still queued.
func (srv *server) fastDisk() bool { return srv.fsync == 0 && len(srv.writes) == 0 }

// prior is what the safety checks need to remember from before an input.
type prior struct {
	role raft.Role
	term uint64
}

// newServer creates server id with the given disk, down; boot starts it.
func (s *Sim) newServer(id raft.NodeID, st raft.Storage, o ServerOptions) *server {
	srv := &server{id: id, disk: newDisk(st), opts: o, rnd: newStream(s.opts.Seed, serverStream(int(id))), fsync: s.opts.Fsync}
	for int(id) >= len(s.servers) {
		s.servers = append(s.servers, nil)
	}
	s.servers[id] = srv
	i, _ := slices.BinarySearch(s.ids, id)
	s.ids = slices.Insert(s.ids, i, id)
	s.check.ensure(id)
	return srv
}

// preVoteCheckQuorum says whether srv runs pre-vote and check-quorum: its
// own options, else the cluster's.
func (s *Sim) preVoteCheckQuorum(srv *server) (preVote, checkQuorum bool) {
	preVote, checkQuorum = !s.opts.NoPreVote, !s.opts.NoCheckQuorum
	if p := srv.opts.PreVote; p != nil {
		preVote = *p
	}
	if c := srv.opts.CheckQuorum; c != nil {
		checkQuorum = *c
	}
	return preVote, checkQuorum
}

func (s *Sim) nodeConfig(srv *server) raft.Config {
	et, etMax, hb := srv.opts.ElectionTimeout, srv.opts.ElectionTimeoutMax, srv.opts.HeartbeatInterval
	if et <= 0 {
		et, etMax = s.opts.ElectionTimeout, s.opts.ElectionTimeoutMax
	}
	if hb <= 0 {
		hb = s.opts.HeartbeatInterval
	}
	preVote, checkQuorum := s.preVoteCheckQuorum(srv)
	lease, drift := s.opts.LeaseRead, s.opts.MaxDriftPPM
	if l := srv.opts.LeaseRead; l != nil {
		lease = *l
	}
	if srv.opts.MaxDriftPPM > 0 {
		drift = srv.opts.MaxDriftPPM
	}
	snapEvery := s.opts.SnapshotThreshold
	if t := srv.opts.SnapshotThreshold; t != nil {
		snapEvery = *t
	}
	return raft.Config{
		ID:                 srv.id,
		ElectionTimeout:    et,
		ElectionTimeoutMax: etMax,
		HeartbeatInterval:  hb,
		Rand:               srv.rnd,
		PreVote:            preVote,
		CheckQuorum:        checkQuorum,
		LeaseRead:          lease,
		MaxDriftPPM:        drift,
		SnapshotThreshold:  snapEvery,
		Trace:              s.nodeTrace(srv),
		Rules:              plantedRules(srv.opts.Bug),
	}
}

// plantedRules returns the broken rules of the bug called name (none for
// ""); StartServers and AddServer have checked the name.
func plantedRules(name string) raft.Rules {
	b, _ := bugs.Lookup(name)
	return b.Rules
}

// boot starts srv's node from its disk, with an empty key/value store that
// the node rebuilds from the log. The node gets its own copy of the log, so
// that nothing it does in memory can reach the disk except through Ready. It fails if the node refuses its configuration or its disk.
func (s *Sim) boot(srv *server) error {
	cfg := s.nodeConfig(srv)
	store := kv.New(s.opts.SessionTimeout)
	cfg.StateMachine = store
	n, err := raft.NewNode(cfg, srv.disk.storage(), s.localNow(srv))
	if err != nil {
		return fmt.Errorf("server %d: %w", srv.id, err)
	}
	srv.node, srv.kv, srv.up = n, store, true
	s.afterInput(srv, prior{role: raft.Follower, term: srv.disk.hard.Term}, false)
	return nil
}

func (s *Sim) stepServer(srv *server, m *raft.Message) {
	p := prior{role: srv.node.Role(), term: srv.node.Term()}
	srv.node.Step(s.localNow(srv), m)
	s.afterInput(srv, p, false)
}

// afterInput acts on the node's Ready in the order of docs/design.md: check,
// trace, persist, send, then arm the timer. ticked says the input was a
// Tick. With a slow disk (or writes still queued) the write and the
// messages go through the disk queue instead (faults_disk.go).
func (s *Sim) afterInput(srv *server, p prior, ticked bool) {
	s.noteRole(srv)
	if !srv.node.HasReady() && srv.fastDisk() {
		// Nothing to write, send or trace (most answers a leader counts,
		// a tick that only moves a deadline): what is left of the steps
		// below is the checks and the timer. Ready would be empty but for
		// its deadline, and costs more than asking HasReady (13 calls per
		// commit at bench -w 1).
		if !s.opts.NoSafetyCheck && !s.check.unchanged(srv.id, srv.node, s.now) {
			s.checkServer(srv, p, &raft.Ready{})
		}
		s.armTimer(srv, s.nextDeadline(s.trueDeadline(srv, srv.node.Deadline()), ticked))
		return
	}
	rd := srv.node.Ready()
	if !s.opts.NoSafetyCheck {
		// The checks follow the node's log in memory: that is the log it
		// votes, replicates and applies from, even while its disk is behind.
		s.checkServer(srv, p, &rd)
	}
	if len(rd.Events) > 0 && (s.tracing() || s.nodeListener != nil) {
		s.emitRaft(srv.id, rd.Events)
	}
	if srv.fsync > 0 || len(srv.writes) > 0 {
		s.queueWrite(srv, &rd)
		s.armTimer(srv, s.nextDeadline(s.trueDeadline(srv, rd.Deadline), ticked))
		return
	}
	dk := srv.disk
	if rd.HardStateChanged {
		dk.hard = rd.HardState
	}
	dk.truncate(rd.TruncateFrom)
	dk.append(rd.Entries)
	if c := rd.SnapshotChunk; c != nil {
		dk.writeChunk(c)
	}
	if sn := rd.Snapshot; sn != nil {
		dk.installSnapshot(sn, s.snapPH(srv.id, sn.Index))
	}
	for i := range rd.Messages {
		s.send(&rd.Messages[i])
	}
	// The disk is synchronous: the writes are durable now. The reports may
	// make the node count its own vote or its own copy of entries, and so
	// have output of their own to act on before the timer is armed.
	if rd.HardStateChanged {
		srv.node.HardStateStable(s.localNow(srv), rd.HardState)
	}
	if k := len(rd.Entries); k > 0 {
		last := &rd.Entries[k-1]
		srv.node.StableTo(s.localNow(srv), last.Index, last.Term)
	}
	if srv.node.HasReady() {
		s.afterInput(srv, prior{role: srv.node.Role(), term: srv.node.Term()}, ticked)
		return
	}
	s.noteRole(srv) // counting its own vote may have made it leader
	s.armTimer(srv, s.nextDeadline(s.trueDeadline(srv, rd.Deadline), ticked))
}

// noteRole adds srv to s.leaders if it leads. It is called after every
// input to a node (a node changes role only on an input), so no leader is
// ever missing from the set; one that stepped down or crashed leaves it
// lazily, when leader() next looks.
//
// It runs twice per input, so the steady state is answered without a
// search: a follower costs a comparison, inlined, and a leader that is the
// only one in the set a call and one more.
func (s *Sim) noteRole(srv *server) {
	if srv.node.Role() == raft.Leader {
		s.noteLeader(srv.id)
	}
}

// noteLeader adds id to s.leaders if it is not there.
func (s *Sim) noteLeader(id raft.NodeID) {
	if len(s.leaders) == 1 && s.leaders[0] == id {
		return
	}
	if i, found := slices.BinarySearch(s.leaders, id); !found {
		s.leaders = slices.Insert(s.leaders, i, id)
	}
}

// nextDeadline is the deadline d of a Ready, moved a little into the future
// when the node was just ticked and still asks for a tick now: its deadline
// is stuck in the past (a core bug), and ticking it again at the same
// instant would spin forever without moving the clock.
func (s *Sim) nextDeadline(d time.Duration, ticked bool) time.Duration {
	if ticked && d > 0 && d <= s.now {
		s.stuckTimers++
		return s.now + stuckTimerDelay
	}
	return d
}

// stuckTimerDelay is how long a node whose deadline is stuck in the past
// waits before its next tick.
const stuckTimerDelay = time.Millisecond

// StuckTimers returns how many times a node asked to be ticked again at the
// instant it was ticked. The simulation then ticks it a millisecond later
// instead; a non-zero count points to a bug in the Raft core's deadlines.
func (s *Sim) StuckTimers() int { return s.stuckTimers }

// unchanged reports whether node n, server id, is in the role and term
// and at the commit and apply indexes the checks last saw, at time now:
// then an input with an empty Ready leaves nothing to check. It is the
// first test of checkServer, inlined on the path of such inputs (half of
// an idle cluster's), without building an empty Ready to pass.
func (c *checker) unchanged(id raft.NodeID, n *raft.Node, now time.Duration) bool {
	c.now = now
	if int(id) >= len(c.srv) {
		return false
	}
	return c.srv[id].sees(n)
}

// sees reports whether the checks last saw n in its role and term and at
// its commit and apply indexes.
func (st *srvCheck) sees(n *raft.Node) bool {
	return st.role == n.Role() && st.term == n.Term() && st.commit == n.CommitIndex() && st.applied == n.LastApplied()
}

func (s *Sim) checkServer(srv *server, p prior, rd *raft.Ready) {
	n, c := srv.node, s.check
	c.now = s.now
	if len(rd.Invariants) == 0 && rd.Snapshot == nil && rd.TruncateFrom == 0 && len(rd.Entries) == 0 {
		// Most inputs change nothing the checks follow (an answer a
		// leader counts, a heartbeat): then there is nothing to check.
		if c.ensure(srv.id).sees(n) {
			return
		}
	}
	for _, iv := range rd.Invariants {
		index := iv.Index
		if iv.What == raft.ClockWentBack {
			index = 0 // two times, not an index of the log
		}
		c.report(fmt.Sprintf("core %d %s %d", srv.id, iv.What, iv.Index), Violation{
			Property: "Core Invariant", Servers: []raft.NodeID{srv.id}, Index: index,
			Detail: fmt.Sprintf("server %d caught itself %s", srv.id, iv),
		})
	}
	role, term := n.Role(), n.Term()
	sn := rd.Snapshot
	if sn != nil && rd.Installed {
		// The log now begins with the leader's snapshot: the checks follow
		// it from there, and the snapshot must be the committed log.
		st := c.ensure(srv.id)
		if f := rd.TruncateFrom; f != 0 && f <= st.commit && f <= st.ph.last() {
			c.report("DROP "+itoa(int(srv.id)), Violation{
				Property: PropLogIntegrity, Servers: []raft.NodeID{srv.id}, Index: f,
				Detail: fmt.Sprintf("server %d installed a snapshot after entry %d and dropped entries %d..%d it had committed (Figure 13: entries after the snapshot are kept)",
					srv.id, sn.Index, f, st.ph.last()),
			})
		}
		c.snapshotted(srv.id, sn.Index, s.entriesAfter(n, sn.Index), true)
	} else if rd.TruncateFrom != 0 || len(rd.Entries) > 0 {
		sameLeader := p.role == raft.Leader && role == raft.Leader && p.term == term
		c.logChanged(srv.id, rd.TruncateFrom, rd.Entries, sameLeader)
	}
	c.roleChanged(srv.id, role, term)
	c.committed(srv.id, term, n.CommitIndex())
	c.applied(srv.id, n.LastApplied())
	if sn != nil && !rd.Installed {
		// A snapshot of its own, of entries it applied: the checks need
		// its log from there on only.
		c.snapshotted(srv.id, sn.Index, s.entriesAfter(n, sn.Index), false)
	}
}

// entriesAfter returns the entries node n holds after index i.
func (s *Sim) entriesAfter(n *raft.Node, i uint64) []raft.Entry {
	var out []raft.Entry
	for j := max(i+1, n.FirstIndex()); j <= n.LastIndex(); j++ {
		e, _ := n.Entry(j)
		out = append(out, e)
	}
	return out
}

// snapPH returns the checks' prefix hash of server id's log at index i,
// kept on its disk with a snapshot so that the checks can follow a restart
// from it (0 while the checks are off).
func (s *Sim) snapPH(id raft.NodeID, i uint64) uint64 {
	if s.opts.NoSafetyCheck {
		return 0
	}
	h, _ := s.check.ensure(id).ph.at(i)
	return h
}

// armTimer makes sure srv's timer fires no later than deadline d (0: the
// node has no timer).
func (s *Sim) armTimer(srv *server, d time.Duration) {
	if d <= 0 || (srv.timerArmed && srv.timerAt <= d) {
		return // inlined: most inputs leave the timer as it is
	}
	s.rearm(srv, d)
}

// rearm pushes a timer event for srv at d, making any earlier one stale.
func (s *Sim) rearm(srv *server, d time.Duration) {
	srv.timerGen++
	srv.timerArmed, srv.timerAt = true, d
	s.queue.push(event{at: max(d, s.now), aux: srv.timerGen, id: int32(srv.id), kind: evTimer})
}

// fireTimer runs a timer event; it reports whether the node was ticked.
func (s *Sim) fireTimer(srv *server, gen uint64) bool {
	if gen&diskEventTag != 0 {
		return s.diskDone(srv, gen&^diskEventTag)
	}
	if !srv.up || gen != srv.timerGen {
		return false // stale: the server crashed or an earlier timer replaced it
	}
	srv.timerArmed = false
	d := srv.node.Deadline()
	if d <= 0 {
		return false
	}
	now := s.localNow(srv)
	if now < d {
		s.armTimer(srv, s.trueDeadline(srv, d))
		return false
	}
	p := prior{role: srv.node.Role(), term: srv.node.Term()}
	srv.node.Tick(now)
	s.afterInput(srv, p, true)
	return true
}

// Crash stops server id: its volatile state is lost, its disk is kept, and
// messages that arrive while it is down are lost.
func (s *Sim) Crash(id raft.NodeID) error {
	srv, err := s.lookup("crash", id)
	if err != nil {
		return err
	}
	if !srv.up {
		return fmt.Errorf("crash %d: %w", id, ErrServerDown)
	}
	srv.node, srv.kv, srv.up = nil, nil, false
	srv.timerGen++
	srv.timerArmed = false
	s.check.crashed(id)
	s.emitNode(EvCrash, id)
	s.loseWrites(srv)
	return nil
}

// Restart starts server id again from its disk.
func (s *Sim) Restart(id raft.NodeID) error {
	srv, err := s.lookup("restart", id)
	if err != nil {
		return err
	}
	if srv.up {
		return fmt.Errorf("restart %d: %w", id, ErrServerUp)
	}
	s.emitNode(EvRestart, id)
	return s.boot(srv)
}

// checkedEntry returns entry i of the log the safety checks follow for
// server id, for the details of a violation: the node's log in memory while
// it is up (with a slow disk it runs ahead of the disk), its disk's log
// while it is down. compacted says a snapshot holds index i instead.
func (s *Sim) checkedEntry(id raft.NodeID, i uint64) (e raft.Entry, held, compacted bool) {
	srv := s.server(id)
	switch {
	case srv == nil:
		return raft.Entry{}, false, false
	case srv.up:
		e, held = srv.node.Entry(i)
		return e, held, i < srv.node.FirstIndex()
	}
	d := srv.disk
	if i < d.first() || i > d.len() {
		return raft.Entry{}, false, i < d.first()
	}
	return *d.entry(i), true, false
}
