package sim

import (
	"fmt"
	"runtime"
	"strconv"
	"time"

	"raftsim/raft"
)

// BenchResult is what Bench measured.
type BenchResult struct {
	Servers, Proposals, Window int
	Wall                       time.Duration // wall time of the proposals phase
	Virtual                    time.Duration // virtual time it took
	Commits                    int           // proposals acknowledged as success
	Retries                    int           // proposals answered otherwise and sent again
	Events                     uint64        // events processed
	Allocs                     uint64        // heap allocations (runtime.MemStats.Mallocs)
	Bytes                      uint64        // bytes allocated (runtime.MemStats.TotalAlloc)
}

// CommitsPerSecond is the throughput in commits per second of wall time.
func (r BenchResult) CommitsPerSecond() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Commits) / r.Wall.Seconds()
}

func (r BenchResult) String() string {
	return fmt.Sprintf("servers=%d proposals=%d window=%d wall=%v virtual=%v commits=%d retries=%d events=%d commits/s=%.0f allocs=%d (%.1f/commit) bytes=%d (%.0f/commit)",
		r.Servers, r.Proposals, r.Window, r.Wall, r.Virtual, r.Commits, r.Retries, r.Events,
		r.CommitsPerSecond(), r.Allocs, float64(r.Allocs)/float64(max(r.Commits, 1)),
		r.Bytes, float64(r.Bytes)/float64(max(r.Commits, 1)))
}

// benchRun is the state of a Bench: window clients, each issuing its next
// set as soon as the previous one is answered.
type benchRun struct {
	total, issued, acked, retries int
	keys                          []string
	vals                          []raft.Value
	// caught and caughtTo: the servers s.ids[:caught] were seen to have
	// applied index caughtTo or be down (appliedTo).
	caught   int
	caughtTo uint64
}

// Bench builds a cluster of servers, waits for a leader, keeps window set
// proposals in flight (one per client) until proposals of them are
// acknowledged, then runs until every server has applied them all. Safety
// checks and tracing are off. Wall time and allocations cover the
// proposals and the final catch-up, not the setup.
func Bench(servers, proposals, window int, seed uint64) (BenchResult, error) {
	// TraceCap -1: nobody exports from a bench, and the always-on trace
	// would otherwise be a third of its CPU.
	return BenchWith(Options{Seed: seed, NoSafetyCheck: true, TraceCap: -1}, servers, proposals, window)
}

// BenchWith is Bench with explicit options (e.g. with the safety checks on).
func BenchWith(o Options, servers, proposals, window int) (BenchResult, error) {
	res := BenchResult{Servers: servers, Proposals: proposals, Window: window}
	if proposals < 1 || window < 1 {
		return res, fmt.Errorf("bench: proposals and window must be positive")
	}
	s, clients, err := newBench(o, servers, proposals, window)
	if err != nil {
		return res, err
	}
	b := s.bench

	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	v0 := s.now
	start := time.Now()
	for _, c := range clients {
		s.benchNext(c)
	}
	events := uint64(0)
	for b.acked < b.total && s.queue.Len() > 0 {
		s.process(s.queue.pop())
		events++
	}
	// Run until every server has applied everything the leader has.
	for s.queue.Len() > 0 && !s.allApplied() {
		s.process(s.queue.pop())
		events++
	}
	res.Wall = time.Since(start)
	runtime.ReadMemStats(&m1)
	res.Virtual = s.now - v0
	res.Commits, res.Retries, res.Events = b.acked, b.retries, events
	res.Allocs = m1.Mallocs - m0.Mallocs
	res.Bytes = m1.TotalAlloc - m0.TotalAlloc
	if b.acked < b.total {
		return res, fmt.Errorf("bench: only %d of %d proposals acknowledged", b.acked, b.total)
	}
	if v := s.Violations(); len(v) > 0 {
		return res, fmt.Errorf("bench: %s: %s", v[0].Property, v[0].Detail)
	}
	return res, nil
}

// newBench builds Bench's cluster with the options o, waits for a leader
// and makes window clients (at most proposals) that know it, ready to
// issue proposals sets.
func newBench(o Options, servers, proposals, window int) (*Sim, []*client, error) {
	s := New(o)
	if err := s.StartServers(servers, ServerOptions{}); err != nil {
		return nil, nil, fmt.Errorf("bench: %w", err)
	}
	// A big cluster needs election timeouts spread wider than the
	// default's, and so longer to elect: wait ten of the longest.
	s.runUntil(func() bool { return s.leader() != raft.None }, s.now+10*max(s.opts.ElectionTimeout, s.opts.ElectionTimeoutMax))
	lid := s.leader()
	if lid == raft.None {
		return nil, nil, fmt.Errorf("bench: no leader elected")
	}
	b := &benchRun{total: proposals}
	const nkeys = 1024
	for i := range nkeys {
		b.keys = append(b.keys, "k"+strconv.Itoa(i))
		b.vals = append(b.vals, raft.Value(strconv.Itoa(i)))
	}
	s.bench = b
	clients := make([]*client, min(window, proposals))
	for i := range clients {
		clients[i] = s.newClient()
		clients[i].bench = true
		clients[i].leaderGuess = lid
	}
	return s, clients, nil
}

// benchNext sends client c's next proposal, if any are left.
func (s *Sim) benchNext(c *client) {
	b := s.bench
	if b.issued >= b.total {
		return
	}
	i := b.issued
	b.issued++
	cmd := raft.Command{Op: raft.OpSet, Key: b.keys[i%len(b.keys)], Value: b.vals[i%len(b.vals)]}
	target := c.leaderGuess
	if s.server(target) == nil {
		target = raft.None
	}
	s.startRequest(c, target, true, cmd)
}

// benchReply counts client c's answer and sends its next proposal.
func (s *Sim) benchReply(c *client) {
	b := s.bench
	if c.resp.Status == raft.StatusSuccess {
		b.acked++
	} else {
		b.retries++
		b.issued-- // send this proposal again
	}
	s.benchNext(c)
}

// allApplied reports whether every live server has applied the leader's
// whole log. It runs after every event of the run's last phase, so before
// the passes over every server that the answer takes (leader's over its
// members, then this one's), it asks whether every live server has
// applied the log of any server seen leading: the leader is one of them,
// so if none passes, neither would the full check. The servers already
// seen to have applied are not looked at again (appliedTo), and so that
// question costs little; at 5,000 servers the two passes after every
// event were a second of CPU a run.
func (s *Sim) allApplied() bool {
	maybe := false
	for _, id := range s.leaders {
		if srv := s.servers[id]; srv.up && s.appliedTo(srv.node.LastIndex()) {
			maybe = true
			break
		}
	}
	if !maybe {
		return false
	}
	l := s.leader()
	if l == raft.None {
		return false
	}
	last := s.server(l).node.LastIndex()
	for _, id := range s.ids {
		if srv := s.servers[id]; srv.up && srv.node.LastApplied() < last {
			return false
		}
	}
	return true
}

// appliedTo reports whether every server has applied index i or is down,
// resuming from where the last call with the same i found one behind.
// Applied indexes only grow while a bench runs (nothing crashes), and a
// server found behind is looked at again on every call, so a false answer
// is always true of the server it stopped at.
func (s *Sim) appliedTo(i uint64) bool {
	b := s.bench
	if b.caughtTo != i {
		b.caught, b.caughtTo = 0, i
	}
	for ; b.caught < len(s.ids); b.caught++ {
		if srv := s.servers[s.ids[b.caught]]; srv.up && srv.node.LastApplied() < i {
			return false
		}
	}
	return true
}

// ClockResult is what BenchClock measured: how much faster than real time
// a cluster's virtual clock runs.
type ClockResult struct {
	Servers int
	Rate    float64       // client operations started per second of virtual time (0: idle)
	Virtual time.Duration // virtual time run
	Wall    time.Duration // wall time it took
	Events  uint64        // events processed
	Ops     int           // client operations answered
}

// Speed is virtual time per wall time: 100000 means a day of the cluster
// in under a second.
func (r ClockResult) Speed() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return r.Virtual.Seconds() / r.Wall.Seconds()
}

func (r ClockResult) String() string {
	return fmt.Sprintf("servers=%d rate=%g/s virtual=%v wall=%v events=%d ops=%d speed=%.0fx events/s=%.0f",
		r.Servers, r.Rate, r.Virtual, r.Wall.Round(time.Microsecond), r.Events, r.Ops, r.Speed(),
		float64(r.Events)/max(r.Wall.Seconds(), 1e-9))
}

// BenchClock measures time compression: a cluster of servers with the
// options o (the shell's defaults when zero: safety checks after every
// event, the trace recorded) elects a leader, then runs for d of virtual
// time, idle when rate is 0, else under a load of rate operations a second
// from clients clients (the shell's `load`). The wall time covers the run,
// not the setup.
func BenchClock(o Options, servers, clients int, rate float64, d time.Duration) (ClockResult, error) {
	res := ClockResult{Servers: servers, Rate: rate}
	s := New(o)
	if err := s.StartServers(servers, ServerOptions{}); err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	if _, ok := s.LeaderID(true); !ok {
		return res, fmt.Errorf("bench: no leader elected")
	}
	if rate > 0 {
		if _, err := s.StartLoad(LoadOptions{Clients: clients, Rate: rate, Duration: d}); err != nil {
			return res, fmt.Errorf("bench: %w", err)
		}
	}
	e0, v0 := s.events, s.now
	start := time.Now()
	s.Run(d)
	res.Wall, res.Virtual, res.Events = time.Since(start), s.now-v0, s.events-e0
	if st, ok := s.Load(); ok {
		res.Ops = st.Answered
	}
	if v := s.Violations(); len(v) > 0 {
		return res, fmt.Errorf("bench: %s: %s", v[0].Property, v[0].Detail)
	}
	return res, nil
}

// MemoryResult is what BenchMemory measured: the live heap (after a
// collection) at the start and at its peak, sampled every virtual minute,
// and the log entries the cluster committed meanwhile.
type MemoryResult struct {
	Servers, Clients  int
	Rate              float64
	SnapshotThreshold uint64
	Virtual           time.Duration
	Wall              time.Duration
	Entries           uint64 // entries committed (the leader's commit index)
	Ops               int    // client operations answered
	HeapStart         uint64 // live heap after the cluster was built, bytes
	HeapPeak          uint64 // the highest live heap sampled
	HeapEnd           uint64
}

// BytesPerEntry is the live heap the run added per entry committed.
func (r MemoryResult) BytesPerEntry() float64 {
	return float64(r.HeapEnd-min(r.HeapEnd, r.HeapStart)) / float64(max(r.Entries, 1))
}

func (r MemoryResult) String() string {
	return fmt.Sprintf("servers=%d clients=%d rate=%g/s snapshotThreshold=%d virtual=%v wall=%v entries=%d ops=%d heap start=%.1fMB peak=%.1fMB end=%.1fMB bytes/entry=%.0f",
		r.Servers, r.Clients, r.Rate, r.SnapshotThreshold, r.Virtual, r.Wall.Round(time.Millisecond), r.Entries, r.Ops,
		float64(r.HeapStart)/1e6, float64(r.HeapPeak)/1e6, float64(r.HeapEnd)/1e6, r.BytesPerEntry())
}

// liveHeap collects and returns the bytes of live heap objects.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchMemory measures what a long run keeps in memory: servers under a
// load of rate operations a second from clients for d of virtual time,
// with the options o (the shell's defaults when zero: safety checks after
// every event and the trace) and every server snapshotting every threshold
// applied entries (0: never). It samples the live heap every virtual
// minute, or 240 times in a longer run (each sample costs a collection).
func BenchMemory(o Options, servers, clients int, rate float64, d time.Duration, threshold uint64) (MemoryResult, error) {
	res := MemoryResult{Servers: servers, Clients: clients, Rate: rate, SnapshotThreshold: threshold}
	s := New(o)
	if err := s.StartServers(servers, ServerOptions{SnapshotThreshold: &threshold}); err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	if _, ok := s.LeaderID(true); !ok {
		return res, fmt.Errorf("bench: no leader elected")
	}
	if _, err := s.StartLoad(LoadOptions{Clients: clients, Rate: rate, Duration: d}); err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	res.HeapStart = liveHeap()
	res.HeapPeak = res.HeapStart
	v0, start := s.now, time.Now()
	every := max(time.Minute, d/240) // at most 240 samples: each costs a collection
	for left := d; left > 0; {
		step := min(left, every)
		s.Run(step)
		left -= step
		res.HeapPeak = max(res.HeapPeak, liveHeap())
	}
	res.Wall, res.Virtual = time.Since(start), s.now-v0
	res.HeapEnd = liveHeap()
	if l, ok := s.LeaderID(false); ok {
		res.Entries = s.server(l).node.CommitIndex()
	}
	if st, ok := s.Load(); ok {
		res.Ops = st.Answered
	}
	if v := s.Violations(); len(v) > 0 {
		return res, fmt.Errorf("bench: %s: %s", v[0].Property, v[0].Detail)
	}
	return res, nil
}
