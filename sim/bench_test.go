package sim

import (
	"math"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

func TestBenchCommitsEverything(t *testing.T) {
	r, err := Bench(5, 2000, 16, 1)
	require.NoError(t, err)
	assert.Equal(t, 2000, r.Commits)
	assert.Positive(t, r.Wall)
	assert.Positive(t, r.Virtual)
	assert.Positive(t, r.Events)
	assert.Contains(t, r.String(), "commits=2000")

	// With the safety checks on, the same run is safe.
	r, err = BenchWith(Options{Seed: 1}, 3, 500, 4)
	require.NoError(t, err)
	assert.Equal(t, 500, r.Commits)

	_, err = Bench(5, 0, 1, 1)
	assert.Error(t, err)
	_, err = Bench(0, 10, 1, 1)
	assert.Error(t, err)
}

// TestCommitAllocations counts the heap allocations of one commit on Bench's
// steady path (-w 1, no trace, no safety checks): a proposal from issue to
// acknowledgement. None is left that happens on every commit: the client's
// command and the leader's answer come from blocks (newCommand,
// raft.Node.respond), the logs grow by blocks too, and AllocsPerRun
// rounds the average down. One per commit is a new allocation on the hot
// path. Counts are deterministic, unlike times.
func TestCommitAllocations(t *testing.T) {
	s, clients, err := newBench(Options{Seed: 1, NoSafetyCheck: true, TraceCap: -1}, 5, 1<<30, 1)
	require.NoError(t, err)
	b := s.bench
	s.benchNext(clients[0]) // each answer sends the next proposal
	commit := func() {
		want := b.acked + 1
		for b.acked < want {
			s.process(s.queue.pop())
		}
	}
	for range 1000 { // past the logs' and tables' first growth
		commit()
	}
	allocs := testing.AllocsPerRun(2000, commit)
	assert.Zero(t, allocs, "allocations per commit")
	assert.Zero(t, b.retries)
}

// BenchmarkEventQueue measures one push and one pop on a queue holding a
// typical number of pending events.
func BenchmarkEventQueue(b *testing.B) {
	var q eventQueue
	for i := range 64 {
		q.push(event{at: time.Duration(i * 7919 % 64)})
	}
	b.ReportAllocs()
	at := time.Duration(64)
	for b.Loop() {
		e := q.pop()
		at += 13
		q.push(event{at: e.at + at%50})
	}
}

// BenchmarkEventLoop measures one event of an idle 5-server cluster
// (heartbeats and their answers): the queue, the network, the Ready
// handling and the node's own work, and the trace. No safety checks.
func BenchmarkEventLoop(b *testing.B) { benchEventLoop(b, Options{NoSafetyCheck: true}) }

// BenchmarkEventLoopUntraced is BenchmarkEventLoop without the trace: the
// difference is what the always-on trace costs an event.
func BenchmarkEventLoopUntraced(b *testing.B) {
	benchEventLoop(b, Options{NoSafetyCheck: true, TraceCap: -1})
}

func benchEventLoop(b *testing.B, o Options) {
	s := New(o)
	if err := s.StartServers(5, ServerOptions{}); err != nil {
		b.Fatal(err)
	}
	if _, ok := s.LeaderID(true); !ok {
		b.Fatal("no leader")
	}
	b.ReportAllocs()
	for b.Loop() {
		if s.Step(1) != 1 {
			b.Fatal("no event")
		}
	}
}

// BenchmarkEventLoopChecked is BenchmarkEventLoop with the safety checks on.
func BenchmarkEventLoopChecked(b *testing.B) {
	s := New(Options{})
	if err := s.StartServers(5, ServerOptions{}); err != nil {
		b.Fatal(err)
	}
	if _, ok := s.LeaderID(true); !ok {
		b.Fatal("no leader")
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Step(1)
	}
}

func benchProposals(b *testing.B, o Options, window int) {
	const proposals = 100000
	var commits int
	var wall time.Duration
	var allocs uint64
	cpu0 := cpuTime()
	for b.Loop() {
		r, err := BenchWith(o, 5, proposals, window)
		if err != nil {
			b.Fatal(err)
		}
		commits += r.Commits
		wall += r.Wall
		allocs += r.Allocs
	}
	b.ReportMetric(float64(commits)/wall.Seconds(), "commits/s")
	// The process's CPU time (the collector's included) is steadier than
	// wall time on a shared machine.
	b.ReportMetric(float64(commits)/(cpuTime()-cpu0).Seconds(), "commits/cpu-s")
	b.ReportMetric(float64(allocs)/float64(commits), "allocs/commit")
}

// BenchmarkBench runs Bench: 100,000 sets through 5 servers, 64 in flight.
func BenchmarkBench(b *testing.B) { benchProposals(b, Options{Seed: 1, NoSafetyCheck: true}, 64) }

// BenchmarkBenchWindow1 is BenchmarkBench with one proposal in flight.
func BenchmarkBenchWindow1(b *testing.B) { benchProposals(b, Options{Seed: 1, NoSafetyCheck: true}, 1) }

// BenchmarkBenchWindow1Untraced is BenchmarkBenchWindow1 without the trace.
func BenchmarkBenchWindow1Untraced(b *testing.B) {
	benchProposals(b, Options{Seed: 1, NoSafetyCheck: true, TraceCap: -1}, 1)
}

// BenchmarkBenchChecked is BenchmarkBench with the safety checks on.
func BenchmarkBenchChecked(b *testing.B) { benchProposals(b, Options{Seed: 1}, 64) }

// BenchmarkScale elects a leader and commits 1,000 sets, one in flight, in
// clusters of 5 to 5,000 servers (and 1,001: past the ids that once ended
// at 999), and reports the time per commit with the
// election included: wall time, and the process's CPU time (steadier on a
// shared machine), and the events processed per commit (after the
// election). Between two sizes ten times apart, the ratio of
// ns/commit is 10^k for a cost that grows as servers^k: k=1 is linear.
// The big sizes take long; run one with -bench 'Scale/servers=500$'.
func BenchmarkScale(b *testing.B) {
	for _, n := range []int{5, 50, 500, 1001, 5000} {
		b.Run("servers="+strconv.Itoa(n), func(b *testing.B) { benchScale(b, n, 1) })
	}
}

// BenchmarkScaleWindow is BenchmarkScale's 1,001 servers with 100 sets in
// flight instead of one (bench -n 1001 -k 1000 -w 100): one at a time,
// every commit costs a round of AppendEntries to every server and its
// answers, and heartbeats to all of them every 50 ms of the 40 ms it
// takes; with a window, entries share messages and rounds.
func BenchmarkScaleWindow(b *testing.B) {
	b.Run("servers=1001,window=100", func(b *testing.B) { benchScale(b, 1001, 100) })
}

// BenchmarkScaleExponent is BenchmarkScale at 5, 50, 500 and 5,000
// servers in one run, and how its cost grows with them: for each size it
// reports the CPU time per commit (cpu-ns/commit@N, the election included,
// as in BenchmarkScale) and per event (cpu-ns/event@N), the exponent
// between each size and the next (k@A-B: log10 of the ratio of their
// cpu-ns/commit, for sizes ten times apart), and k, the slope of the
// least-squares line through log(cpu-ns/commit) against log(servers). A
// cost that grows as servers^k has exponent k: 1 is linear. Every commit
// is a round of messages to every server and back, so events per commit
// grow linearly; what per event grows beyond that is the exponent's excess
// (the caches: every server's state is cold when its next message comes).
// It takes about a minute, most of it at 5,000 servers:
//
//	go test ./sim/ -run XXX -bench ScaleExponent -benchtime 1x
func BenchmarkScaleExponent(b *testing.B) {
	const commits = 1000
	sizes := []int{5, 50, 500, 5000}
	cpu := make([]time.Duration, len(sizes))
	done := make([]int, len(sizes))
	events := make([]uint64, len(sizes))
	for b.Loop() {
		for i, n := range sizes {
			cpu0 := cpuTime()
			r, err := BenchWith(scaleOptions(n), n, commits, 1)
			if err != nil {
				b.Fatal(err)
			}
			cpu[i] += cpuTime() - cpu0
			done[i] += r.Commits
			events[i] += r.Events
		}
	}
	perCommit := make([]float64, len(sizes))
	for i, n := range sizes {
		perCommit[i] = float64(cpu[i].Nanoseconds()) / float64(done[i])
		b.ReportMetric(perCommit[i], "cpu-ns/commit@"+strconv.Itoa(n))
		b.ReportMetric(float64(cpu[i].Nanoseconds())/float64(events[i]), "cpu-ns/event@"+strconv.Itoa(n))
	}
	for i := 1; i < len(sizes); i++ {
		k := math.Log(perCommit[i]/perCommit[i-1]) / math.Log(float64(sizes[i])/float64(sizes[i-1]))
		b.ReportMetric(k, "k@"+strconv.Itoa(sizes[i-1])+"-"+strconv.Itoa(sizes[i]))
	}
	b.ReportMetric(fitExponent(sizes, perCommit), "k")
}

// fitExponent returns the slope of the least-squares line through the
// points (log n, log cost): the k of a cost that grows as n^k.
func fitExponent(ns []int, cost []float64) float64 {
	var sx, sy, sxx, sxy float64
	for i, n := range ns {
		x, y := math.Log(float64(n)), math.Log(cost[i])
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	m := float64(len(ns))
	return (m*sxy - sx*sy) / (m*sxx - sx*sx)
}

// The fit of BenchmarkScaleExponent finds the exponent of a power law.
func TestFitExponent(t *testing.T) {
	ns := []int{5, 50, 500, 5000}
	for _, k := range []float64{1, 1.5, 2} {
		cost := make([]float64, len(ns))
		for i, n := range ns {
			cost[i] = 3 * math.Pow(float64(n), k)
		}
		assert.InDelta(t, k, fitExponent(ns, cost), 1e-9)
	}
}

// benchScale is one size of BenchmarkScale, with window sets in flight.
func benchScale(b *testing.B, n, window int) {
	const commits = 1000
	o := scaleOptions(n)
	done, events := 0, uint64(0)
	cpu0 := cpuTime()
	for b.Loop() {
		r, err := BenchWith(o, n, commits, window)
		if err != nil {
			b.Fatal(err)
		}
		done += r.Commits
		events += r.Events
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(done), "ns/commit")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(done), "cpu-ns/commit")
	b.ReportMetric(float64(events)/float64(done), "events/commit")
}

// BenchmarkScaleElection is the election alone of BenchmarkScale, at 100 to
// 10,000 servers (the most a cluster may have): time per election, the
// servers' start included (wall and CPU).
func BenchmarkScaleElection(b *testing.B) {
	for _, n := range []int{100, 1000, 5000, 10000} {
		b.Run("servers="+strconv.Itoa(n), func(b *testing.B) {
			o := scaleOptions(n)
			cpu0 := cpuTime()
			for b.Loop() {
				s := New(o)
				if err := s.StartServers(n, ServerOptions{}); err != nil {
					b.Fatal(err)
				}
				if !s.runUntil(func() bool { return s.leader() != raft.None }, s.now+10*o.ElectionTimeoutMax) {
					b.Fatal("no leader")
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// scaleOptions are the options of the scale benchmarks for n servers:
// election timeouts spread over n x 2ms, since with the default 150-300ms a
// few hundred servers time out within one message latency of each other
// and split the vote for ever.
func scaleOptions(n int) Options {
	return Options{Seed: 1, NoSafetyCheck: true, TraceCap: -1,
		ElectionTimeout: DefaultElectionTimeout, ElectionTimeoutMax: DefaultElectionTimeout + time.Duration(n)*2*time.Millisecond}
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkClock is time compression, with the shell's defaults (safety
// checks after every event, the trace recorded): a 5-server cluster idle,
// and under 50 operations a second from 4 clients, each run for a virtual
// hour. It reports x-real-time: virtual seconds per wall second, and per
// CPU second (steadier on a shared machine).
//
//	go test -run XXX -bench Clock -benchtime 3x ./sim/
func BenchmarkClock(b *testing.B) {
	for _, c := range []struct {
		name string
		rate float64
	}{{"idle", 0}, {"rate=50", 50}} {
		b.Run(c.name, func(b *testing.B) {
			var virtual, wall time.Duration
			cpu0 := cpuTime()
			for b.Loop() {
				r, err := BenchClock(Options{Seed: 1}, 5, 4, c.rate, time.Hour)
				if err != nil {
					b.Fatal(err)
				}
				virtual += r.Virtual
				wall += r.Wall
			}
			b.ReportMetric(virtual.Seconds()/wall.Seconds(), "x-real-time")
			b.ReportMetric(virtual.Seconds()/(cpuTime()-cpu0).Seconds(), "x-per-cpu")
		})
	}
}

// allApplied, which skips its passes over every server while no leader's
// log is applied everywhere, answers after every event as the plain check
// does: a leader, and every live server has applied its whole log.
func TestAllAppliedMatchesPlainCheck(t *testing.T) {
	plain := func(s *Sim) bool {
		l := s.leader()
		if l == raft.None {
			return false
		}
		for _, id := range s.ids {
			if srv := s.servers[id]; srv.up && srv.node.LastApplied() < s.server(l).node.LastIndex() {
				return false
			}
		}
		return true
	}
	s := New(scaleOptions(7))
	require.NoError(t, s.StartServers(7, ServerOptions{}))
	require.True(t, s.runUntil(func() bool { return s.leader() != raft.None }, s.now+10*s.opts.ElectionTimeoutMax))
	s.bench = &benchRun{total: 30, keys: []string{"a", "b"}, vals: []raft.Value{"1", "2"}}
	for range 3 {
		c := s.newClient()
		c.bench, c.leaderGuess = true, s.leader()
		s.benchNext(c)
	}
	trues, follower := 0, (s.leader()+1)%7
	for i := range 20000 {
		if s.queue.Len() == 0 {
			break
		}
		s.process(s.queue.pop())
		want := plain(s)
		require.Equal(t, want, s.allApplied(), "at %v", s.now)
		if want {
			trues++
		}
		if i == 100 {
			require.NoError(t, s.Crash(follower)) // a server down is not waited for
		}
	}
	assert.Positive(t, trues, "the servers caught up at times")
}
