package sim

import (
	"math"
	"slices"
	"time"

	"raftsim/raft"
)

// process runs one event and reports whether it did something visible (a
// message delivered or dropped, a node ticked, a client retrying or giving
// up), as opposed to a stale or re-armed timer.
func (s *Sim) process(e event) bool {
	if s.observer != nil {
		s.observer()
	}
	s.now = e.at
	s.pollNow()
	switch e.kind {
	case evDeliver:
		s.deliver(e.aux)
		return true
	case evTimer:
		srv := s.server(e.node())
		return srv != nil && s.fireTimer(srv, e.aux)
	case evClientTimer:
		c := s.client(e.node())
		return c != nil && s.fireClientTimer(c, e.aux)
	case evArrival:
		return s.arrival(e.aux)
	}
	return false
}

// Run advances virtual time by d, processing every event due until then
// (or until interrupted: see SetPoll).
func (s *Sim) Run(d time.Duration) {
	if d < 0 {
		return
	}
	end := min(s.after(d), s.horizon)
	for !s.stopped() {
		e, ok := s.queue.popUntil(end)
		if !ok {
			break
		}
		s.process(e)
	}
	if !s.halted {
		s.now = max(s.now, end)
	}
}

// Step processes up to n visible events and returns how many it processed
// (fewer when the queue runs dry). Bookkeeping events (stale or re-armed
// timers) are processed along the way but not counted.
func (s *Sim) Step(n int) int {
	done := 0
	for done < n && !s.stopped() && s.queue.Len() > 0 {
		if s.queue.peek().at > s.horizon {
			s.now = max(s.now, s.horizon)
			break
		}
		if s.process(s.queue.pop()) {
			done++
		}
	}
	return done
}

// RunUntil runs until the condition holds or timeout (DefaultUntilTimeout
// if not positive) of virtual time has passed, and reports whether it holds.
// Conditions:
//
//   - "leader": a leader is elected (see LeaderID);
//   - "committed": there is a leader and every live member it reaches has
//     commitIndex >= Index;
//   - "idle": no client request is pending and every live member the leader
//     reaches has commitIndex == lastApplied == the leader's last index; or
//     no event is left at all.
//
// Servers the leader cannot reach are left out: they cannot catch up until
// the network heals, and waiting for them would only run out the timeout.
func (s *Sim) RunUntil(c UntilCond, timeout time.Duration) bool {
	if timeout <= 0 {
		timeout = DefaultUntilTimeout
	}
	var cond func() bool
	switch c.Kind {
	case "leader":
		cond = func() bool { return s.leader() != raft.None }
	case "committed":
		cond = func() bool { return s.committedOn(c.Index) }
	case "idle":
		cond = func() bool { return s.queue.Len() == 0 || s.idle() }
	default:
		return false
	}
	return s.runUntil(cond, s.after(timeout))
}

// after returns the virtual time d from now, saturating instead of
// overflowing for absurd durations.
func (s *Sim) after(d time.Duration) time.Duration {
	if d > math.MaxInt64-s.now {
		return math.MaxInt64
	}
	return s.now + d
}

// runUntil processes events until cond holds or the next event is after
// end (then the clock moves to end); it reports whether cond holds.
func (s *Sim) runUntil(cond func() bool, end time.Duration) bool {
	end = min(end, s.horizon)
	for {
		if cond() {
			return true
		}
		if s.stopped() || s.queue.Len() == 0 {
			return false
		}
		e, ok := s.queue.popUntil(end)
		if !ok {
			s.now = max(s.now, end)
			return false
		}
		s.process(e)
	}
}

// LeaderID returns the leader; if there is none and wait is true, it runs
// the clock until one is elected, for at most ten election timeouts.
func (s *Sim) LeaderID(wait bool) (raft.NodeID, bool) {
	if l := s.leader(); l != raft.None || !wait || !s.started {
		return l, l != raft.None
	}
	s.runUntil(func() bool { return s.leader() != raft.None }, s.now+10*s.opts.ElectionTimeout)
	l := s.leader()
	return l, l != raft.None
}

// leader returns the leader of the cluster: of the live servers that are
// leader and reach a majority of their configuration (themselves included),
// the one with the highest term. A deposed leader cut off in a minority is
// not the leader, even before it learns so.
func (s *Sim) leader() raft.NodeID {
	best, bestTerm := raft.None, uint64(0)
	// s.leaders holds every live leader, ascending like s.ids, so the
	// answer is the one a scan of every server would give. Those that no
	// longer lead leave it here.
	s.leaders = slices.DeleteFunc(s.leaders, func(id raft.NodeID) bool {
		srv := s.servers[id]
		return !srv.up || srv.node.Role() != raft.Leader
	})
	for _, id := range s.leaders {
		srv := s.servers[id]
		if srv.node.Term() < bestTerm {
			continue
		}
		if s.reachesMajority(srv) {
			best, bestTerm = id, srv.node.Term()
		}
	}
	return best
}

func (s *Sim) reachesMajority(srv *server) bool {
	term := srv.node.Term()
	return srv.node.MembershipView().HasQuorumOf(func(m raft.NodeID) bool { return s.backs(srv.id, term, m) })
}

// backs says whether server m stands behind leader l of term (Backers).
func (s *Sim) backs(l raft.NodeID, term uint64, m raft.NodeID) bool {
	if m == l {
		return true
	}
	o := s.server(m)
	return o != nil && o.up && o.node.Term() <= term && s.Connected(l, m)
}

// Backers returns the members of leader id's configuration that stand
// behind it now: live, reachable both ways, and not yet in a higher term
// (a server that has moved on to a later term will refuse the leader's next
// message and depose it). The leader counts itself if it is a member. A
// leader is working only while its backers are a majority.
func (s *Sim) Backers(id raft.NodeID) []raft.NodeID {
	srv := s.server(id)
	if srv == nil || !srv.up || srv.node.Role() != raft.Leader {
		return nil
	}
	term := srv.node.Term()
	var out []raft.NodeID
	for _, m := range srv.node.MembersView() {
		if s.backs(id, term, m) {
			out = append(out, m)
		}
	}
	return out
}

// reachable calls f for every live member of the leader's configuration
// that the leader reaches, the leader included; f returns false to stop.
func (s *Sim) reachable(l raft.NodeID, f func(*server) bool) {
	for _, id := range s.server(l).node.MembersView() {
		srv := s.server(id)
		if srv == nil || !srv.up || (id != l && !s.Connected(l, id)) {
			continue
		}
		if !f(srv) {
			return
		}
	}
}

func (s *Sim) committedOn(i uint64) bool {
	l := s.leader()
	if l == raft.None {
		return false
	}
	ok := true
	s.reachable(l, func(srv *server) bool {
		ok = srv.node.CommitIndex() >= i
		return ok
	})
	return ok
}

func (s *Sim) idle() bool {
	if s.pending > 0 {
		return false
	}
	l := s.leader()
	if l == raft.None {
		return false
	}
	last := s.server(l).node.LastIndex()
	ok := true
	s.reachable(l, func(srv *server) bool {
		n := srv.node
		ok = n.CommitIndex() == last && n.LastApplied() == last
		return ok
	})
	return ok
}

// settle runs the clock until entry index is applied on every live member
// that leader reaches, so that what the shell shows next holds the write
// everywhere it can be (the tutorial's promise). The leader tells its
// followers of the commit with its next message, which leaves within a
// heartbeat interval and then crosses the link; settleBound bounds that
// wait, so a follower that cannot keep up does not hold the shell forever.
func (s *Sim) settle(leader raft.NodeID, index uint64) {
	srv := s.server(leader)
	if srv == nil || !srv.up || index == 0 {
		return
	}
	members := srv.node.Members()
	s.runUntil(func() bool { return s.appliedOn(leader, members, index) }, s.after(s.settleBound(srv, members)))
}

// settleBound is how long settle waits for the followers leader reaches.
// Without loss, a follower has the entry within the slowest delay of its
// link after the leader sent it (before it answered), and the commit with
// the next message, which leaves within a heartbeat interval and crosses
// the link: a heartbeat interval, the slowest delay of the links and one
// write to its disk cover it. With loss, each lost copy is repaired by a
// round trip after a later heartbeat, and a few can be lost in a row: the
// bound is then as long as a client waits for an answer to one attempt
// (two election timeouts), plus the slowest delay.
func (s *Sim) settleBound(leader *server, members []raft.NodeID) time.Duration {
	hb := s.nodeConfig(leader).HeartbeatInterval
	worst := time.Duration(0)
	lossy := false
	for _, id := range members {
		srv := s.server(id)
		if srv == nil || !srv.up || id == leader.id || !s.Connected(leader.id, id) {
			continue
		}
		m := s.net.model.link(s, leader.id, id)
		worst = max(worst, worstDelay(m)+srv.fsync)
		lossy = lossy || m.Loss > 0 || s.net.model.link(s, id, leader.id).Loss > 0
	}
	if lossy {
		attempt, _ := s.timeouts(raft.OpSet)
		return max(attempt, hb) + worst
	}
	return hb + worst
}

// worstDelay is the longest delay model m gives a message, short of the
// far tail of an exponential latency (cut at six means, a chance of about
// one in 400).
func worstDelay(m *NetModel) time.Duration {
	d := max(m.LatencyMin, m.LatencyMax)
	if m.Dist == DistExp && m.LatencyMax > m.LatencyMin {
		d = m.LatencyMin + 3*(m.LatencyMax-m.LatencyMin)
	}
	if m.Reorder > 0 {
		d += 2 * max(m.LatencyMax, time.Millisecond)
	}
	if m.LongDelay > 0 {
		d += m.LongDelayMax
	}
	return d
}

// appliedOn reports whether every live server among members that leader
// reaches has applied index.
func (s *Sim) appliedOn(leader raft.NodeID, members []raft.NodeID, index uint64) bool {
	for _, id := range members {
		srv := s.server(id)
		if srv == nil || !srv.up || !s.Connected(leader, id) {
			continue
		}
		if srv.node.LastApplied() < index {
			return false
		}
	}
	return true
}
