package sim

import "time"

// PollEvery is how many events the simulation processes between two calls
// of the poll function (SetPoll): often enough that an interrupt stops a
// run within a fraction of a millisecond of wall time, rarely enough that
// the check costs nothing measurable per event.
const PollEvery = 1 << 12

// Progress is what the poll function sees of a running simulation.
type Progress struct {
	Now    time.Duration // virtual time
	Events uint64        // events processed since the simulation was built
}

// SetPoll installs f (nil removes it). While the simulation processes
// events (Run, Step, RunUntil, ClientRequest, AddServer, RemoveServer,
// LeaderID waiting), f is called every PollEvery events; when it returns
// false the simulation stops at that event: the running call returns early,
// the clock stays at the last event processed, and Interrupted reports true
// until ClearInterrupt. Every call that processes events returns at once
// while Interrupted holds, so a command made of several waits stops as a
// whole. The simulation itself reads no clock and no signal: f does (the
// shell's Ctrl-C and progress line).
func (s *Sim) SetPoll(f func(Progress) bool) { s.poll, s.pollMask = f, PollEvery-1 }

// Interrupted reports whether the poll function stopped the simulation
// (see SetPoll).
func (s *Sim) Interrupted() bool { return s.halted }

// ClearInterrupt lets the simulation run again after an interrupt.
func (s *Sim) ClearInterrupt() { s.halted = false }

// Events returns the number of events processed since the simulation was
// built.
func (s *Sim) Events() uint64 { return s.events }

// pollNow counts one event and calls the poll function every PollEvery
// events; it reports whether the simulation may go on. It is inlined into
// the loop, the call of the poll function kept out of line.
func (s *Sim) pollNow() bool {
	s.events++
	if s.events&s.pollMask == 0 && s.poll != nil {
		s.callPoll()
	}
	return !s.halted
}

// callPoll calls the poll function and halts if it says so.
//
//go:noinline
func (s *Sim) callPoll() {
	if !s.poll(Progress{Now: s.now, Events: s.events}) {
		s.halted = true
	}
}

// stopped reports whether the loops that process events must stop: the
// poll function said so, and every event of the current instant has run.
// Stopping between instants, never inside one, leaves the cluster as a
// horizon at that time would (SetHorizon), so a replay of the session
// that stops the command there is exact.
func (s *Sim) stopped() bool {
	return s.halted && (s.queue.Len() == 0 || s.queue.peek().at > s.now)
}
