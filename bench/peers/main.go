// Command peers runs raftsim's commit benchmark (`raftsim bench`) and the
// same workload on two other Raft libraries, etcd's raft and HashiCorp's
// raft, interleaved in one process, and prints each one's commits per
// second with the ratios.
//
// The workload: a cluster of n voters in one process, w proposals in
// flight (a closed loop: the next is proposed when one is applied by the
// leader), k proposals in all, until every voter has applied all of them.
//
//   - raftsim: sim.Bench, every message through the simulated network
//     (random latencies, an event heap), the client round trip included.
//   - etcd raft (go.etcd.io/raft/v3): n RawNodes, MemoryStorage, each Ready
//     handled at once and its messages delivered in order, no clock.
//   - HashiCorp raft (github.com/hashicorp/raft): n nodes on the in-memory
//     transport and stores, w goroutines each applying one command after
//     another, timers real (it has no other mode).
//
// This is a module of its own, so the project itself depends on neither
// library; run it from this directory:
//
//	go run . -n 5 -k 100000 -w 1 -rounds 5
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"syscall"
	"time"
)

// result is one run of one implementation.
type result struct {
	commits int
	wall    time.Duration
	cpu     time.Duration // the process's CPU time during the run, every thread
	allocs  uint64
}

// perSecond is commits per second of wall time.
func (r result) perSecond() float64 { return float64(r.commits) / r.wall.Seconds() }

// perCPU is commits per second of CPU time: on a machine shared with other
// work the steadier measure (the wall clock counts the time others ran).
func (r result) perCPU() float64 { return float64(r.commits) / r.cpu.Seconds() }

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peer is one implementation's run of the workload.
type peer struct {
	name string
	run  func(n, k, w int) (result, error)
}

func main() {
	n := flag.Int("n", 5, "voters")
	k := flag.Int("k", 100000, "proposals")
	w := flag.Int("w", 1, "proposals in flight")
	rounds := flag.Int("rounds", 5, "rounds; each runs every implementation once, in turn")
	only := flag.String("only", "", "run one implementation: raftsim, etcd or hashicorp")
	flag.Parse()

	peers := []peer{{"raftsim", runRaftsim}, {"etcd raft v3.6.0", runEtcd}, {"hashicorp raft v1.8.0", runHashicorp}}
	if *only != "" {
		peers = slices.DeleteFunc(peers, func(p peer) bool { return len(p.name) < len(*only) || p.name[:len(*only)] != *only })
	}
	res := make([][]result, len(peers))
	for round := 1; round <= *rounds; round++ {
		for i, p := range peers {
			var m0, m1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m0)
			cpu0 := cpuTime()
			r, err := p.run(*n, *k, *w)
			for try := 2; err != nil && try <= 3; try++ {
				// HashiCorp raft runs on real timers: on a loaded machine
				// a heartbeat can come late enough to lose the leadership
				// mid-run. That run is not a measurement; run it again.
				fmt.Fprintf(os.Stderr, "round %d %s: %v; again (try %d of 3)\n", round, p.name, err, try)
				runtime.ReadMemStats(&m0)
				cpu0 = cpuTime()
				r, err = p.run(*n, *k, *w)
			}
			cpu := cpuTime() - cpu0
			runtime.ReadMemStats(&m1)
			if err != nil {
				// Reported, and left out of the medians (the table says
				// how many rounds each median is of).
				fmt.Fprintf(os.Stderr, "round %d %s: %v; left out\n", round, p.name, err)
				continue
			}
			if r.allocs == 0 {
				r.allocs = m1.Mallocs - m0.Mallocs
			}
			// The whole run's CPU time, setup included, scaled to the
			// measured phase by its share of the wall time is not known;
			// the setup (an election) is short against k proposals.
			r.cpu = cpu
			res[i] = append(res[i], r)
			fmt.Fprintf(os.Stderr, "round %d %-22s %9.0f commits/s  %9.0f commits/cpu-s  %5.1f allocs/commit\n", round, p.name, r.perSecond(), r.perCPU(), float64(r.allocs)/float64(r.commits))
		}
	}
	fmt.Printf("workload: %d voters, %d proposals, %d in flight; %d rounds, interleaved; %s, %d CPUs, GOMAXPROCS %d\n",
		*n, *k, *w, *rounds, runtime.Version(), runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fmt.Printf("%-22s %12s %20s %10s %14s %20s %10s %14s\n", "implementation", "commits/s", "range", "raftsim is",
		"commits/cpu-s", "range", "raftsim is", "allocs/commit")
	wallBase, cpuBase := median(res[0], result.perSecond), median(res[0], result.perCPU)
	for i, p := range peers {
		rs := res[i]
		if len(rs) == 0 {
			fmt.Printf("%-22s no round completed\n", p.name)
			continue
		}
		if len(rs) < *rounds {
			p.name += fmt.Sprintf(" (%d of %d)", len(rs), *rounds)
		}
		wall, cpu := make([]float64, len(rs)), make([]float64, len(rs))
		allocs := 0.0
		for j, r := range rs {
			wall[j], cpu[j] = r.perSecond(), r.perCPU()
			allocs += float64(r.allocs) / float64(r.commits)
		}
		wr, cr := "", ""
		if i > 0 && peers[0].name == "raftsim" {
			wr = fmt.Sprintf("%.1fx", wallBase/median(rs, result.perSecond))
			cr = fmt.Sprintf("%.1fx", cpuBase/median(rs, result.perCPU))
		}
		fmt.Printf("%-22s %12.0f %9.0f - %-8.0f %10s %14.0f %9.0f - %-8.0f %10s %14.1f\n", p.name,
			median(rs, result.perSecond), slices.Min(wall), slices.Max(wall), wr,
			median(rs, result.perCPU), slices.Min(cpu), slices.Max(cpu), cr, allocs/float64(len(rs)))
	}
}

// median is the median of f over rs.
func median(rs []result, f func(result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
