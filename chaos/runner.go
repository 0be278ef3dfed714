package chaos

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The garbage collector's settings for a chaos run: `raftsim chaos` sets
// them unless GOGC or GOMEMLIMIT are set, and BenchmarkSeed runs with them.
// A seed of the default settings keeps a few megabytes alive and
// allocates about 2.7 MB, so the collector runs every few seeds, and on a
// loaded machine each of its stops waits for both workers. chaos --seeds
// 800, five alternating runs, CPU seconds (median) and peak RSS: GOGC=400
// 7.15 s (46-51 MB), 1000 6.49 s (77-93 MB), 2000 6.56 s (129-173 MB).
// The memory limit keeps long seeds (--duration), whose live heap grows,
// from growing the heap elevenfold: past it the collector runs as often
// as it must.
const (
	GCPercent   = 1000
	MemoryLimit = 1 << 30
)

// SeedResult is what one seed came to.
type SeedResult struct {
	Seed    uint64
	Outcome Outcome       // of the generated script
	Faults  map[Fault]int // injected by the generated script
	Lines   int           // lines of the generated script
	// Replay is the shrunk script of a failing seed (the generated one
	// with NoShrink, or when the seed could not be judged), and
	// ReplayOutcome what it comes to.
	Replay        Script
	ReplayOutcome Outcome
	File          string // where Replay was written, if it was
	// ReplayLines and ReplayFaults are the length of Replay and its
	// faults: what the reports say (a merged report has no scripts).
	ReplayLines, ReplayFaults int
	Err                       error // writing the file failed
}

// Failed says whether the seed did not pass.
func (r SeedResult) Failed() bool { return r.Outcome.Verdict != Pass }

// Summary is the result of a chaos run, or of several merged (Merge).
type Summary struct {
	Config  Config
	Results []SeedResult // failing seeds only, in seed order
	Seeds   int
	Ranges  []Range // the seeds run, ascending, adjacent ranges joined
	Faults  map[Fault]int
	Ops     int
	Watched time.Duration   // time with a live group, liveness checked (Outcome.Watched)
	ByKind  map[Verdict]int // violations by kind, and Unjudged
	SimTime time.Duration
	Wall    time.Duration
}

// Violations is the number of seeds with a violation.
func (s Summary) Violations() int {
	n := 0
	for _, v := range Violations {
		n += s.ByKind[v]
	}
	return n
}

// FailedSeeds lists the seeds with a violation, ascending.
func (s Summary) FailedSeeds() []uint64 {
	out := []uint64{}
	for _, r := range s.Results {
		if r.Outcome.Verdict.IsViolation() {
			out = append(out, r.Seed)
		}
	}
	return out
}

// ExitCode is the chaos command's exit status (docs/language.md): 1 if any seed
// broke a promise, else 2 if any could not be judged, else 0.
func (s Summary) ExitCode() int {
	switch {
	case s.Violations() > 0:
		return 1
	case s.ByKind[Unjudged] > 0:
		return 2
	}
	return 0
}

// RunOne runs one seed: generate, judge, and for a failing seed shrink and
// write its replay.
func RunOne(cfg Config, seed uint64) SeedResult {
	sc, out := Generate(cfg, seed)
	r := SeedResult{Seed: seed, Outcome: out, Faults: sc.Faults(), Lines: len(sc.Lines)}
	if out.Verdict == Pass {
		return r
	}
	r.Replay, r.ReplayOutcome = sc, out
	if out.Verdict.IsViolation() && !cfg.NoShrink {
		r.Replay, r.ReplayOutcome = Shrink(cfg, seed, sc, out)
	}
	r.ReplayLines, r.ReplayFaults = len(r.Replay.Lines), r.Replay.NumFaults()
	if cfg.Out != "" {
		r.File = filepath.Join(cfg.Out, fmt.Sprintf("seed-%d.raft", seed))
		if err := os.WriteFile(r.File, []byte(r.Replay.Text()), 0o644); err != nil {
			r.Err = fmt.Errorf("chaos: writing the replay of seed %d: %w", seed, err)
		}
	}
	return r
}

// Run runs cfg.Seeds seeds from cfg.Start on a pool of workers, one seed
// per goroutine at a time (each seed is single-threaded and deterministic),
// and gathers the results in seed order.
func Run(cfg Config) (Summary, error) {
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	if cfg.Out != "" {
		// Validate made sure the parent exists: only the directory is made.
		if err := os.Mkdir(cfg.Out, 0o755); err != nil && !os.IsExist(err) {
			return Summary{}, fmt.Errorf("chaos: creating the output directory: %w", err)
		}
	}
	workers := cfg.Workers
	if workers == 0 {
		workers = runtime.NumCPU()
	}
	workers = min(workers, cfg.Seeds)
	available() // probe once, before the workers race for it
	start := time.Now()
	// Each worker adds up its seeds as it goes and keeps only the failing
	// ones: a result kept per seed (and its map of faults) was most of
	// what a long run kept alive, and with the collector's settings the
	// heap grows to a multiple of that (1 GB at 100,000 seeds). The sums
	// do not depend on which worker ran which seed.
	tallies := make([]tally, workers)
	next := make(chan int)
	var wg sync.WaitGroup
	var done atomic.Int64
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := &tallies[w]
			t.faults = map[Fault]int{}
			for i := range next {
				t.add(RunOne(cfg, cfg.Start+uint64(i)))
				if cfg.Progress != nil {
					cfg.Progress(int(done.Add(1)), cfg.Seeds)
				}
			}
		}()
	}
	for i := range cfg.Seeds {
		next <- i
	}
	close(next)
	wg.Wait()
	s := Summary{Config: cfg, Seeds: cfg.Seeds, Ranges: []Range{{Start: cfg.Start, Seeds: cfg.Seeds}},
		Faults: map[Fault]int{}, ByKind: map[Verdict]int{}, Wall: time.Since(start)}
	for _, t := range tallies {
		for f, n := range t.faults {
			s.Faults[f] += n
		}
		s.Ops += t.ops
		s.Watched += t.watched
		s.SimTime += t.simTime
		s.Results = append(s.Results, t.failed...)
	}
	slices.SortFunc(s.Results, func(a, b SeedResult) int { return cmp.Compare(a.Seed, b.Seed) })
	var firstErr error
	for _, r := range s.Results {
		s.ByKind[r.Outcome.Verdict]++
		if r.Err != nil && firstErr == nil {
			firstErr = r.Err
		}
	}
	return s, firstErr
}

// tally is what one worker of Run adds up of its seeds: the sums of the
// summary, and the failing seeds' results.
type tally struct {
	faults           map[Fault]int
	ops              int
	watched, simTime time.Duration
	failed           []SeedResult
}

func (t *tally) add(r SeedResult) {
	for f, n := range r.Faults {
		t.faults[f] += n
	}
	t.ops += r.Outcome.Ops
	t.watched += r.Outcome.Watched
	t.simTime += r.Outcome.SimTime
	if r.Failed() {
		t.failed = append(t.failed, r)
	}
}
