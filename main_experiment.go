package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/chzyer/readline"
	"github.com/schollz/progressbar/v3"

	"raftsim/experiment"
)

const experimentUsage = `usage: raftsim experiment election|splitvote|wan [flags]
  election    the Raft paper's Figure 16 (§9.3): time to elect a new leader after the leader of
              5 servers crashes within its heartbeat interval, logs of different lengths
  splitvote   the dissertation's split votes: 4 of 5 servers up, timers started together,
              100 ms of randomness, one line per one-way latency (default 1, 10, 20 ms)
  wan         the dissertation's wide-area case: 30-40 ms latency, 300-600 ms timeouts,
              one server failed (the leader) and two
flags:
  --trials N            trials per line (default 1000; 10000 for splitvote and wan)
  --timeouts LIST       election timeout ranges in ms, e.g. 150-150,150-300 (default: the paper's)
  --servers N           cluster size (default 5)
  --latency LIST        one-way latency in ms, MIN-MAX or constant (election: 0.5-1.5)
  --fsync D             time to make a write durable (election: 2ms; 0 for none)
  --variant LIST        classic,prevote,checkquorum,prevote+checkquorum (default classic)
  --cap D               give a trial up without a leader after D (election: 20s, others 100s)
  --out DIR             write CSV, JSON, CDF plots (SVG, PNG) and the slowest trial's script per line
  --json                print one JSON object instead of the table
  --replay TRIAL        print the script of trial TRIAL of each line (replay it with raftsim run)
  --workers N           trials in parallel (default: one per core)
  --seed N              the experiment's seed (default 1); each trial's seed is derived from it
`

// experimentCmd runs `raftsim experiment KIND`.
func experimentCmd(args []string, g *globals) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(os.Stderr, experimentUsage)
		return 2
	}
	kind := args[0]
	fs := newFlagSet("experiment")
	g.register(fs)
	trials := fs.Int("trials", 0, "trials per line")
	timeouts := fs.String("timeouts", "", "election timeout ranges")
	servers := fs.Int("servers", 0, "cluster size")
	latency := fs.String("latency", "", "one-way latencies")
	fsync := fs.String("fsync", "", "disk write time")
	variant := fs.String("variant", "", "protocol variants")
	capFlag := fs.Duration("cap", 0, "bound on a trial")
	out := fs.String("out", "", "output directory")
	replay := fs.Int("replay", -1, "print the script of this trial")
	workers := fs.Int("workers", 0, "parallel trials")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return experimentError(err)
	}
	if len(pos) > 0 {
		return experimentError(fmt.Errorf("unexpected argument %q", pos[0]))
	}
	var c experiment.Config
	c.Servers, c.Cap = *servers, *capFlag
	if *timeouts != "" {
		if c.Timeouts, err = experiment.ParseRanges(*timeouts); err != nil {
			return experimentError(fmt.Errorf("--timeouts: %v", err))
		}
	}
	if *latency != "" {
		if c.Latency, err = experiment.ParseRanges(*latency); err != nil {
			return experimentError(fmt.Errorf("--latency: %v", err))
		}
	}
	if *fsync != "" {
		d, err := time.ParseDuration(*fsync)
		if *fsync == "0" {
			d, err = 0, nil
		}
		if err != nil || d < 0 {
			return experimentError(fmt.Errorf("--fsync: bad duration %q (try 2ms, or 0 for none)", *fsync))
		}
		c.Fsync = d
		if d == 0 {
			c.Fsync = experiment.InstantDisk
		}
	}
	if *variant != "" {
		if c.Variants, err = experiment.ParseVariants(*variant); err != nil {
			return experimentError(fmt.Errorf("--variant: %v", err))
		}
	}
	var lines []experiment.Line
	var title string
	n := 10000
	switch kind {
	case "election":
		lines, n = experiment.Election(c), 1000
		title = "Figure 16 of the Raft paper (§9.3): time to elect a new leader after the leader crashes"
	case "splitvote":
		lines = experiment.SplitVote(c)
		title = "Split votes (dissertation §9.2): 4 of 5 servers up, every timer started together"
	case "wan":
		lines = experiment.WAN(c)
		title = "Elections across a wide-area network (dissertation §9.3)"
	default:
		return experimentError(fmt.Errorf("unknown experiment %q (election, splitvote or wan)", kind))
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "trials" {
			n = *trials
		}
	})
	if n < 1 || n > 10_000_000 {
		return experimentError(fmt.Errorf("--trials %d is out of range (1 to 10000000)", n))
	}
	for _, l := range lines {
		if err := l.Setup.Validate(); err != nil {
			return experimentError(fmt.Errorf("line %s: %v", l.Name, err))
		}
	}
	if *replay >= 0 {
		for i, l := range lines {
			t, err := experiment.Replay(l, g.seed, *replay)
			if err != nil {
				fmt.Fprintf(os.Stderr, "raftsim: %v\n", err)
				return 1
			}
			if i > 0 {
				fmt.Println()
			}
			fmt.Print(experiment.ScriptText(l, t))
		}
		return 0
	}
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400) // as for chaos: many short-lived simulations
	}
	bar := newProgress(os.Stderr, "trials", n*len(lines))
	start := time.Now()
	results, err := experiment.Run(lines, experiment.Options{Trials: n, Seed: g.seed, Workers: *workers, Progress: bar.update})
	bar.finish()
	if err != nil {
		fmt.Fprintf(os.Stderr, "raftsim: experiment %s: %v\n", kind, err)
		return 1
	}
	rep := &experiment.Report{Experiment: kind, Title: title, Seed: g.seed, Trials: n, Wall: time.Since(start), Results: results}
	if g.json {
		err = rep.WriteJSON(os.Stdout)
	} else {
		err = rep.WriteTable(os.Stdout)
	}
	if err == nil && *out != "" {
		var files []string
		var replays []experiment.ReplayFile
		if replays, err = rep.Outliers(); err == nil {
			files, err = rep.WriteDir(*out, replays)
		}
		if !g.json {
			fmt.Printf("wrote %s\n", strings.Join(files, ", "))
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "raftsim: %v\n", err)
		return 1
	}
	return 0
}

func experimentError(err error) int {
	fmt.Fprintf(os.Stderr, "raftsim experiment: %v\n\n%s", err, experimentUsage)
	return 2
}

// progress shows a progress bar on a terminal once a run has taken more
// than a second; on anything else (a pipe, a file, CI) it shows nothing.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	what  string // what is counted: trials, seeds
	total int
	start time.Time
	tty   bool
	bar   *progressbar.ProgressBar
	done  int // the most trials reported done (reports may come out of order)
}

func newProgress(f *os.File, what string, total int) *progress {
	return &progress{w: f, what: what, total: total, start: time.Now(), tty: readline.IsTerminal(int(f.Fd()))}
}

func (p *progress) update(done, total int) {
	if !p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil {
		if time.Since(p.start) < time.Second {
			return
		}
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(p.what),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	if done <= p.done {
		return
	}
	p.done = done
	if err := p.bar.Set(done); err != nil && !errors.Is(err, io.ErrClosedPipe) {
		p.tty = false // the terminal went away; stop drawing
	}
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
