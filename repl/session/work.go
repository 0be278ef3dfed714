package session

import (
	"fmt"
	"time"

	"raftsim/repl/render"
)

// Bounds on the work of one command, so that a combination of settings
// each within its own limit (10,000 servers, a load at 100000/s, latency
// 24h, run 24h) is refused with the reason before it eats hours or the
// memory, rather than after. They count events and messages, never wall
// time, so a refusal is the same on every machine.
const (
	// maxWork bounds events × live servers (an event costs more in a
	// bigger cluster): a few minutes of work.
	maxWork = 3e8
	// maxInFlight bounds the messages in flight at once (each holds
	// memory until it is delivered): about half a gigabyte.
	maxInFlight = 2e6
)

// fits says whether running the clock for d is work that can fit, and if
// not, why, and how long a run would.
func (s *Session) fits(cmd string, d time.Duration) error {
	w := s.sim.EstimateWork(d)
	why := fmt.Sprintf("%d servers, heartbeats every %s", w.Servers, render.Duration(w.Heartbeat))
	if w.LoadRate > 0 {
		why += fmt.Sprintf(", a load of about %.0f operations a second", w.LoadRate)
	}
	if cost := w.Events * float64(max(w.Servers, 3)); cost > maxWork {
		fit := time.Duration(float64(d) * maxWork / cost)
		return fmt.Errorf("%s: refused: it would process about %.2g events (%s), more than one command may; run at most %s at a time", cmd, w.Events, why, roundDown(fit))
	}
	if w.InFlight > maxInFlight {
		return fmt.Errorf("%s: refused: it would keep about %.2g messages in flight at once (%s, links as slow as %s), more than fit in memory; make the network faster (net reset) or the run shorter", cmd, w.InFlight, why, render.Duration(w.Slowest))
	}
	return nil
}

// roundDown gives d to two significant units, never above d (at least 1ms).
func roundDown(d time.Duration) string {
	for _, u := range []time.Duration{time.Hour, time.Minute, time.Second, time.Millisecond} {
		if d >= 2*u {
			return render.Duration(d.Truncate(u))
		}
	}
	return render.Duration(time.Millisecond)
}
