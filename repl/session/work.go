package session

import (
	"fmt"
	"time"

	"raftsim/repl/render"
	"raftsim/sim"
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
	switch {
	case w.Campaigns && w.VoteRound > w.TimeoutMin:
		why += fmt.Sprintf(", no leader, and a round of votes (at least %s on these links) longer than an election timeout: every server keeps campaigning to all the others", render.Duration(w.VoteRound))
	case w.Campaigns:
		why += fmt.Sprintf(", no leader, and election timeouts too close together for %d servers: their votes split round after round, every server campaigning to all the others (startServers %d electionTimeout=%s spreads them so that one wins)", w.Servers, w.Servers, wideTimeouts(w))
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

// wideTimeouts suggests an election timeout range wide enough for the
// servers to elect a leader: twice the spread sim.Work.Campaigns needs (n
// × 2 ms on the default network, as the scale benchmarks use), rounded
// up to 10 ms.
func wideTimeouts(w sim.Work) string {
	spread := time.Duration(float64(w.Servers) * float64(w.VoteRound) / 5)
	hi := (w.TimeoutMin + spread + 10*time.Millisecond - 1).Truncate(10 * time.Millisecond)
	return render.Duration(w.TimeoutMin) + "-" + render.Duration(hi)
}
