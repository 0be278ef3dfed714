package experiment

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Line is one line of an experiment: a setup run for many trials, with
// what the paper or dissertation reported for it.
type Line struct {
	Name  string // e.g. "150-155" or "150-155 prevote"; also the key of its trial seeds
	Panel string // the plot panel it belongs to ("top", "bottom", ...)
	Setup Setup
	Paper []Reported
}

// Result is a line with its trials and their statistics.
type Result struct {
	Line
	Trials []Trial
	Stats  Stats
	color  int // its colour and dashes in the plots
}

// Options control a run of an experiment's lines.
type Options struct {
	Trials  int    // trials per line
	Seed    uint64 // the experiment's seed; each trial's is derived from it
	Workers int    // parallel trials (0: one per core)
	// Progress, if set, is called after each trial with the number done
	// and the total; from several goroutines, so it must be safe for that.
	Progress func(done, total int)
}

// Run runs every line's trials in parallel and summarises them. Results
// are in the order of lines, trials in index order: the same whatever the
// number of workers.
func Run(lines []Line, o Options) ([]Result, error) {
	if o.Trials < 1 {
		return nil, fmt.Errorf("trials: %d must be at least 1", o.Trials)
	}
	for _, l := range lines {
		if err := l.Setup.Validate(); err != nil {
			return nil, fmt.Errorf("line %s: %w", l.Name, err)
		}
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	res := make([]Result, len(lines))
	for i, l := range lines {
		res[i] = Result{Line: l, Trials: make([]Trial, o.Trials)}
	}
	total := len(lines) * o.Trials
	var next, done atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= total {
					return
				}
				// Trials of one line are spread over the lines in turn,
				// so the progress bar moves at an even pace.
				li, ti := k%len(lines), k/len(lines)
				l := &res[li]
				tr, err := RunTrial(l.Setup, ti, trialSeed(o.Seed, l.Name, ti))
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("line %s: %w", l.Name, err)
					}
					mu.Unlock()
				}
				tr.Script = nil // kept only when asked for (Replay)
				l.Trials[ti] = tr
				if o.Progress != nil {
					o.Progress(int(done.Add(1)), total)
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	for i := range res {
		res[i].Stats = Summarize(res[i].Trials)
	}
	return res, nil
}

// Replay runs trial index of line l again, with its script.
func Replay(l Line, seed uint64, index int) (Trial, error) {
	return RunTrial(l.Setup, index, trialSeed(seed, l.Name, index))
}

// Slowest returns the index of the slowest trial of r (the first censored
// one, if any).
func (r *Result) Slowest() int {
	best := 0
	for i, t := range r.Trials {
		if t.Censored != r.Trials[best].Censored {
			if t.Censored {
				best = i
			}
			continue
		}
		if t.Elected > r.Trials[best].Elected {
			best = i
		}
	}
	return best
}
