package sim

import (
	"fmt"
	"math/bits"
	"time"

	"raftsim/raft"
)

// A server's clock. Each server reads time from its own clock, which runs
// at the true rate unless `clock ID drift=P` made it fast or slow: its
// timers (election timeouts, heartbeats) and every time it measures (how
// long since it heard from a leader, how long its lease still runs) run at
// 1+P of true time. The simulation keeps one true clock, the one events
// are ordered by; a drifted server's times are converted on the way in
// (the time a node is told) and out (the deadline it asks for). The
// arithmetic is integer (nanoseconds times parts per million, in 128
// bits), so a drifted run replays exactly like any other.
type clock struct {
	ppm int64 // drift in parts per million: +50,000 runs 5% fast
	// The clock read base at true time at, and has run at 1+ppm since.
	at, base time.Duration
}

// Bounds of the drift `clock` accepts: a clock at least a tenth as fast as
// true time and at most twice as fast. MaxDriftPPM also bounds the drift
// a lease may be told to allow for.
const (
	MinClockPPM = -900_000
	MaxDriftPPM = 500_000
	MaxClockPPM = 1_000_000
)

// local is the time c reads at true time t (t >= c.at).
func (c *clock) local(t time.Duration) time.Duration {
	if c.ppm == 0 {
		return c.base + (t - c.at)
	}
	return c.base + time.Duration(mulDiv(uint64(t-c.at), uint64(1_000_000+c.ppm), 1_000_000, false))
}

// trueAt is the earliest true time at which c reads at least d (d > 0),
// never before c.at.
func (c *clock) trueAt(d time.Duration) time.Duration {
	if d <= c.base {
		return c.at
	}
	if c.ppm == 0 {
		return c.at + (d - c.base)
	}
	return c.at + time.Duration(mulDiv(uint64(d-c.base), 1_000_000, uint64(1_000_000+c.ppm), true))
}

// mulDiv returns a*b/c, rounded up when up is set, saturating at the
// largest Duration.
func mulDiv(a, b, c uint64, up bool) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return 1<<63 - 1
	}
	q, r := bits.Div64(hi, lo, c)
	if up && r != 0 {
		q++
	}
	return min(q, 1<<63-1)
}

// localNow is the time on srv's clock now.
func (s *Sim) localNow(srv *server) time.Duration { return srv.clock.local(s.now) }

// trueDeadline converts a deadline of srv's node (on its clock; 0 for
// none) to true time.
func (s *Sim) trueDeadline(srv *server, d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return srv.clock.trueAt(d)
}

// SetClockDrift makes server id's clock run fast (ppm > 0) or slow by ppm
// parts per million from now on, or at the true rate again (0). The clock
// does not jump: it goes on from the time it reads now. Its timers are
// re-armed at the true times their deadlines now fall at.
func (s *Sim) SetClockDrift(id raft.NodeID, ppm int64) error {
	srv, err := s.lookup("clock", id)
	if err != nil {
		return err
	}
	if ppm < MinClockPPM || ppm > MaxClockPPM {
		return fmt.Errorf("clock %d: %w: drift %s is out of range (-90%% to +100%%)", id, ErrBadOption, fmtPPM(ppm))
	}
	srv.clock = clock{ppm: ppm, at: s.now, base: s.localNow(srv)}
	s.emitOther(TraceEvent{Time: s.now, Kind: EvClock, Node: id, Peer: raft.None, Reason: "clock drift " + fmtPPM(ppm)})
	if srv.up {
		// A slower clock may push the deadline later (the armed timer
		// then fires early and re-arms); a faster one brings it closer.
		srv.timerArmed = false
		s.armTimer(srv, s.trueDeadline(srv, srv.node.Deadline()))
	}
	return nil
}

// ClockDrift returns server id's clock drift in parts per million.
func (s *Sim) ClockDrift(id raft.NodeID) int64 {
	if srv := s.server(id); srv != nil {
		return srv.clock.ppm
	}
	return 0
}

// fmtPPM words a drift as a signed percentage: "+5%", "-2.5%", "0%".
func fmtPPM(ppm int64) string {
	sign := "+"
	if ppm < 0 {
		sign, ppm = "-", -ppm
	}
	if ppm == 0 {
		sign = ""
	}
	whole, frac := ppm/10_000, ppm%10_000
	if frac == 0 {
		return fmt.Sprintf("%s%d%%", sign, whole)
	}
	f := fmt.Sprintf("%04d", frac)
	for f[len(f)-1] == '0' {
		f = f[:len(f)-1]
	}
	return fmt.Sprintf("%s%d.%s%%", sign, whole, f)
}

// FormatDrift words a drift in parts per million as the shell writes it.
func FormatDrift(ppm int64) string { return fmtPPM(ppm) }
