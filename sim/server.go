package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"raftsim/raft"
)

// server is one simulated machine: a Raft node (nil while down), the disk
// it persists to, and the one live timer the simulation keeps for it.
type server struct {
	id    raft.NodeID
	node  *raft.Node // nil while down: volatile state is gone
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
	timerAt    time.Duration
}

// prior is what the safety checks need to remember from before an input.
type prior struct {
	role raft.Role
	term uint64
}

// newServer creates server id with the given disk, down; boot starts it.
func (s *Sim) newServer(id raft.NodeID, st raft.Storage, o ServerOptions) *server {
	srv := &server{id: id, disk: newDisk(st), opts: o, rnd: newStream(s.opts.Seed, serverStream(int(id)))}
	for int(id) >= len(s.servers) {
		s.servers = append(s.servers, nil)
	}
	s.servers[id] = srv
	i, _ := slices.BinarySearch(s.ids, id)
	s.ids = slices.Insert(s.ids, i, id)
	s.check.ensure(id)
	return srv
}

func (s *Sim) nodeConfig(srv *server) raft.Config {
	et, hb := srv.opts.ElectionTimeout, srv.opts.HeartbeatInterval
	if et <= 0 {
		et = s.opts.ElectionTimeout
	}
	if hb <= 0 {
		hb = s.opts.HeartbeatInterval
	}
	return raft.Config{
		ID:                srv.id,
		ElectionTimeout:   et,
		HeartbeatInterval: hb,
		Rand:              srv.rnd,
		Trace:             s.nodeTrace(srv),
		Bug:               srv.opts.Bug,
	}
}

// boot starts srv's node from its disk. The node gets its own copy of the
// log, so that nothing it does in memory can reach the disk except through
// Ready.
func (s *Sim) boot(srv *server) {
	srv.node = raft.NewNode(s.nodeConfig(srv), srv.disk.storage(), s.now)
	srv.up = true
	s.afterInput(srv, prior{role: raft.Follower, term: srv.disk.hard.Term}, false)
}

func (s *Sim) stepServer(srv *server, m *raft.Message) {
	p := prior{role: srv.node.Role(), term: srv.node.Term()}
	srv.node.Step(s.now, *m)
	s.afterInput(srv, p, false)
}

// afterInput acts on the node's Ready in the order of DESIGN.md: persist,
// check, trace, send, then arm the timer. ticked says the input was a Tick.
func (s *Sim) afterInput(srv *server, p prior, ticked bool) {
	rd := srv.node.Ready()
	dk := srv.disk
	if rd.HardStateChanged {
		dk.hard = rd.HardState
	}
	// TruncateFrom is the first index that changed; it is a real
	// truncation only when the disk already holds that index.
	truncated := dk.truncate(rd.TruncateFrom)
	dk.append(rd.Entries)

	if !s.opts.NoSafetyCheck {
		s.checkServer(srv, p, rd.TruncateFrom, truncated, rd.Entries)
	}
	if s.listener != nil {
		for i := range rd.Events {
			s.emit(TraceEvent{Time: s.now, Kind: EvRaft, Node: srv.id, Peer: rd.Events[i].Peer, Raft: rd.Events[i]})
		}
	}
	for i := range rd.Messages {
		s.send(&rd.Messages[i])
	}
	if k := len(rd.Entries); k > 0 {
		// The disk is synchronous: the entries are durable now. StableTo
		// may commit (a leader's own copy counts from here), and so have
		// output of its own to act on before the timer is armed.
		last := &rd.Entries[k-1]
		srv.node.StableTo(s.now, last.Index, last.Term)
		if srv.node.HasReady() {
			s.afterInput(srv, prior{role: srv.node.Role(), term: srv.node.Term()}, ticked)
			return
		}
	}
	d := rd.Deadline
	if ticked && d > 0 && d <= s.now {
		// The node was just ticked and still asks for a tick now: its
		// deadline is stuck in the past (a core bug). Ticking it again at
		// the same instant would spin forever without moving the clock.
		d = s.now + stuckTimerDelay
		s.stuckTimers++
	}
	s.armTimer(srv, d)
}

// stuckTimerDelay is how long a node whose deadline is stuck in the past
// waits before its next tick.
const stuckTimerDelay = time.Millisecond

// StuckTimers returns how many times a node asked to be ticked again at the
// instant it was ticked. The simulation then ticks it a millisecond later
// instead; a non-zero count points to a bug in the Raft core's deadlines.
func (s *Sim) StuckTimers() int { return s.stuckTimers }

func (s *Sim) checkServer(srv *server, p prior, from uint64, truncated bool, ents []raft.Entry) {
	n, c := srv.node, s.check
	c.now = s.now
	role, term := n.Role(), n.Term()
	if truncated || len(ents) > 0 {
		sameLeader := p.role == raft.Leader && role == raft.Leader && p.term == term
		c.logChanged(srv.id, from, ents, sameLeader)
	}
	c.roleChanged(srv.id, role, term)
	c.committed(srv.id, term, n.CommitIndex())
	c.applied(srv.id, n.LastApplied())
}

// armTimer makes sure srv's timer fires no later than deadline d (0: the
// node has no timer).
func (s *Sim) armTimer(srv *server, d time.Duration) {
	if d <= 0 || (srv.timerArmed && srv.timerAt <= d) {
		return
	}
	srv.timerGen++
	srv.timerArmed, srv.timerAt = true, d
	s.queue.push(event{at: max(d, s.now), aux: srv.timerGen, id: int32(srv.id), kind: evTimer})
}

// fireTimer runs a timer event; it reports whether the node was ticked.
func (s *Sim) fireTimer(srv *server, gen uint64) bool {
	if !srv.up || gen != srv.timerGen {
		return false // stale: the server crashed or an earlier timer replaced it
	}
	srv.timerArmed = false
	d := srv.node.Deadline()
	if d <= 0 {
		return false
	}
	if s.now < d {
		s.armTimer(srv, d)
		return false
	}
	p := prior{role: srv.node.Role(), term: srv.node.Term()}
	srv.node.Tick(s.now)
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
	srv.node, srv.up = nil, false
	srv.timerGen++
	srv.timerArmed = false
	s.check.crashed(id)
	s.emitNode(EvCrash, id)
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
	s.boot(srv)
	return nil
}

// diskLog returns server id's log as on its disk (for the checks' details).
func (s *Sim) diskLog(id raft.NodeID) []raft.Entry {
	if srv := s.server(id); srv != nil {
		return srv.disk.log()
	}
	return nil
}
