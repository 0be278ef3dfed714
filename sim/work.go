package sim

import (
	"math"
	"time"

	"raftsim/raft"
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
	// Campaigns is set when there is no leader and the votes are
	// expected to split round after round: every server campaigning once
	// per election timeout, for the whole run, asking every other one.
	// TimeoutMin and TimeoutMax are the range of the election timeouts,
	// and VoteRound the shortest round of votes (twice the fastest link).
	Campaigns              bool
	TimeoutMin, TimeoutMax time.Duration
	VoteRound              time.Duration
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
	etMin, etMax := time.Duration(math.MaxInt64), time.Duration(0)
	var up []*server
	for _, id := range s.ids {
		if srv := s.servers[id]; srv.up {
			up = append(up, srv)
			c := s.nodeConfig(srv)
			hb = min(hb, c.HeartbeatInterval)
			lo, hi := c.ElectionTimeout, c.ElectionTimeoutMax
			if hi == 0 {
				hi = 2 * lo // raft's default range
			}
			etMin, etMax = min(etMin, lo), max(etMax, hi, lo)
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
			// An open loop makes its clients as it needs them: count
			// the most it may have.
			rate = min(rate, float64(max(len(l.Clients), l.LoadOptions.Clients))/(4*fastest).Seconds())
		}
		perOp := float64(2*(len(up)-1) + 2)
		w.Events += rate * min(d, l.End-s.now).Seconds() * perOp
		perSecond += rate * perOp
		w.LoadRate = rate
	}
	w.TimeoutMin, w.TimeoutMax, w.VoteRound = etMin, etMax, voteRound(fastest)
	if s.leader() == raft.None && len(up) > 1 && campaignsGoOn(len(up), etMin, etMax, fastest) {
		n := float64(len(up))
		campaigns := n / ((etMin + etMax) / 2).Seconds() * 2 * (n - 1)
		w.Events += campaigns * d.Seconds()
		perSecond += campaigns
		w.Campaigns = true
	}
	w.Slowest = slowest
	w.InFlight = perSecond * min(d, slowest).Seconds()
	return w
}

// campaignsGoOn says whether n servers without a leader, their election
// timeouts drawn from [lo, hi), are expected to split their votes round
// after round: when about ten or more of them time out within a round of
// votes (a request and its answer, at least twice the fastest link) of
// the first, n × round > 10 × (hi − lo), each gets too few votes and they
// start over, again and again. A few at once still elect one (the first
// candidate's requests arrive first almost everywhere). With the default
// 150-300 ms on 5 ms links that is from about 150 servers on (at 500 the
// votes split for ever, the scale benchmarks found); n × 2 ms of spread
// elects; constant timeouts never do (the paper's 150-150 line).
func campaignsGoOn(n int, lo, hi, fastest time.Duration) bool {
	return float64(n)*voteRound(fastest).Seconds() > 10*(hi-lo).Seconds()
}

// voteRound is the shortest round of votes on links whose fastest
// delivers in fastest: a request and its answer.
func voteRound(fastest time.Duration) time.Duration {
	if fastest <= 0 || fastest == time.Duration(math.MaxInt64) {
		return time.Microsecond
	}
	return 2 * fastest
}
