package sim

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"raftsim/raft"
)

// Control at the grain of one event, for playing a scenario by hand and
// for travelling back in time: the servers' timers (the messages on the
// network are InFlight's, view.go), delivering or losing one message now,
// firing one timer now, and a horizon the clock never passes.

// NoHorizon is the horizon of a clock that may run on forever.
const NoHorizon = time.Duration(math.MaxInt64)

// SetHorizon makes t the latest virtual time the clock may reach: Run,
// Step, RunUntil and the commands that wait (ClientRequest, AddServer,
// LeaderID, ...) process the events due at or before t and stop there, as
// if the run were paused at t. NoHorizon lifts it. Replaying a session up
// to a time inside a command that waits stops it exactly where the
// original run was at that time.
func (s *Sim) SetHorizon(t time.Duration) { s.horizon = t }

// Horizon returns the horizon (NoHorizon when there is none).
func (s *Sim) Horizon() time.Duration { return s.horizon }

// Timer is a server's next timer: its election timeout (a follower or a
// candidate) or its next heartbeat (a leader).
type Timer struct {
	Server    raft.NodeID
	Due       time.Duration
	Heartbeat bool // a leader's heartbeat, not an election timeout
}

// Timers returns the timers of the live servers that have one, soonest
// first. A server outside its configuration has none.
func (s *Sim) Timers() []Timer {
	var ts []Timer
	for _, id := range s.ids {
		srv := s.servers[id]
		if !srv.up {
			continue
		}
		if d := srv.node.Deadline(); d > 0 {
			ts = append(ts, Timer{Server: id, Due: s.trueDeadline(srv, d), Heartbeat: srv.node.Role() == raft.Leader})
		}
	}
	slices.SortStableFunc(ts, func(a, b Timer) int { return cmp.Compare(a.Due, b.Due) })
	return ts
}

// ErrNoSuchMessage says that no message with that id is on the network.
var ErrNoSuchMessage = fmt.Errorf("no such message on the network")

// take removes message id from the queue and returns its pool slot.
func (s *Sim) take(op string, id uint64) (uint64, error) {
	found := false
	for e := range s.queue.all {
		if e.kind == evDeliver && e.seq == id {
			found = true
			break
		}
	}
	if found {
		out, _ := s.queue.removeSeq(id)
		return out.aux, nil
	}
	return 0, fmt.Errorf("%s %d: %w", op, id, ErrNoSuchMessage)
}

// DeliverNow delivers message id at once, ahead of its time. It returns
// the message and, when the network still stops it (a partition, a cut, a
// receiver that is down), why it was lost instead.
func (s *Sim) DeliverNow(id uint64) (raft.Message, string, error) {
	slot, err := s.take("deliver", id)
	if err != nil {
		return raft.Message{}, "", err
	}
	m := *s.pool.get(slot)
	lost := s.blocked(m.From, m.To)
	if srv := s.server(m.To); lost == "" && !isClient(m.To) && (srv == nil || !srv.up) {
		lost = "down"
	}
	s.deliver(slot)
	return m, lost, nil
}

// DropNow loses message id, as a lossy link would.
func (s *Sim) DropNow(id uint64) (raft.Message, error) {
	slot, err := s.take("drop", id)
	if err != nil {
		return raft.Message{}, err
	}
	m := s.pool.get(slot)
	out := *m
	s.drop(m, "by hand")
	s.pool.free(slot)
	return out, nil
}

// FireTimer makes server id's timer fire now (raft.Node.Expire): a
// follower or candidate starts an election, a leader sends its
// heartbeats. It reports whether it was a heartbeat.
func (s *Sim) FireTimer(id raft.NodeID) (heartbeat bool, err error) {
	srv, err := s.lookup("timeout", id)
	if err != nil {
		return false, err
	}
	if !srv.up {
		return false, fmt.Errorf("timeout %d: %w", id, ErrServerDown)
	}
	if srv.node.Deadline() == 0 {
		return false, fmt.Errorf("timeout %d: server %d is not a member of its configuration: it has no timer", id, id)
	}
	heartbeat = srv.node.Role() == raft.Leader
	p := prior{role: srv.node.Role(), term: srv.node.Term()}
	srv.node.Expire(s.localNow(srv))
	s.afterInput(srv, p, false)
	return heartbeat, nil
}
