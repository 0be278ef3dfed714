package sim

import (
	"math"
	"time"
)

// Work is an estimate of what running the clock for a while will cost.
type Work struct {
	// Events is the number of events expected.
	Events float64
	// InFlight is the number of messages expected in flight at once (each
	// holds memory until it is delivered).
	InFlight float64
	// Servers is the number of live servers (the cost of an event grows
	// with it: a leader tallies its answers, the checker reads them all).
	Servers int
	// What the estimate rests on: the shortest heartbeat interval, the
	// load's rate (0 without one) and the slowest link's delay.
	Heartbeat time.Duration
	LoadRate  float64
	Slowest   time.Duration
}

// EstimateWork estimates the cost of running the clock for d with the
// cluster as it is now: a leader's heartbeats to every other live server
// and their answers, once per heartbeat interval (the shortest any server
// has, since any may lead), and, while a load runs, a round of
// AppendEntries and answers to every server per operation, plus its
// request and reply. Messages stay in flight for the slowest link's delay.
// It counts what the configuration makes unavoidable, so that a shell can
// refuse work that cannot fit before doing it; the real cost may be higher
// (elections, retries, reads).
func (s *Sim) EstimateWork(d time.Duration) Work {
	var w Work
	hb := time.Duration(math.MaxInt64)
	var up []*server
	for _, id := range s.ids {
		if srv := s.servers[id]; srv.up {
			up = append(up, srv)
			hb = min(hb, s.nodeConfig(srv).HeartbeatInterval)
		}
	}
	w.Servers, w.Heartbeat = len(up), hb
	if len(up) == 0 || d <= 0 {
		return w
	}
	// The slowest and fastest links, from the leader's side: any server
	// may lead.
	slowest, fastest := time.Duration(0), time.Duration(math.MaxInt64)
	for _, a := range up {
		for _, b := range up {
			if a != b {
				m := s.net.model.link(s, a.id, b.id)
				slowest, fastest = max(slowest, worstDelay(m)), min(fastest, m.LatencyMin)
			}
		}
		if len(up) > 50 {
			break // one server's links tell enough of a big cluster
		}
	}
	perSecond := float64(2*(len(up)-1)) / hb.Seconds()
	w.Events = perSecond * d.Seconds()
	if l, ok := s.Load(); ok && l.Running && l.End > s.now {
		// Each client has one operation at a time, and one takes at least
		// a round trip to the leader and one to its followers.
		rate := l.Rate
		if fastest > 0 && fastest < math.MaxInt64 {
			rate = min(rate, float64(len(l.Clients))/(4*fastest).Seconds())
		}
		perOp := float64(2*(len(up)-1) + 2)
		w.Events += rate * min(d, l.End-s.now).Seconds() * perOp
		perSecond += rate * perOp
		w.LoadRate = rate
	}
	w.Slowest = slowest
	w.InFlight = perSecond * min(d, slowest).Seconds()
	return w
}
