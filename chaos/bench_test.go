package chaos

import (
	"flag"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSeed runs seeds 1, 2, ... of the default settings (servers 3 to
// 5, 10 s of faults, every fault kind) one after another on one goroutine,
// as one worker of `raftsim chaos` does, with the GC and memory profile
// settings the command uses. It reports seeds per second of CPU time: on a shared machine that
// is steadier than wall time, and `raftsim chaos` runs one worker per core.
//
//	go test -run XXX -bench Seed -benchtime 200x ./chaos/
func BenchmarkSeed(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(GCPercent))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(MemoryLimit))
	if f := flag.Lookup("test.memprofile"); f == nil || f.Value.String() == "" {
		// As raftsim chaos does, unless a memory profile is asked for.
		defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
		runtime.MemProfileRate = 0
	}
	cfg := Config{Seeds: 1, Start: 1}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	cpu0 := cpuTime()
	var sim time.Duration
	seed := uint64(0)
	for b.Loop() {
		seed++
		r := RunOne(cfg, seed)
		if r.Failed() {
			b.Fatalf("seed %d: %v", seed, r.Outcome.Verdict)
		}
		sim += r.Outcome.SimTime
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(seed)/cpu.Seconds(), "seeds/cpu-s")
	b.ReportMetric(sim.Seconds()/cpu.Seconds(), "sim-s/cpu-s")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
