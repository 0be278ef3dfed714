// Command raftsim is a Raft cluster simulator with an interactive shell.
//
//	raftsim [--seed N] [--json] [--no-color]              interactive shell (or commands from stdin)
//	raftsim run FILE.raft                                  replay a script; exit 1 if a command or expect failed
//	raftsim test [-rewrite] FILE_OR_DIR...                 golden tests: compare output with the ---- blocks
//	raftsim bench [-n 5] [-k 100000] [-w 1]                throughput of the simulated cluster
//	raftsim chaos [--seeds N] [--bug NAME] ...             random faults over many seeds; replay scripts of failures
//	raftsim serve [--addr 127.0.0.1:8080] [FILE.raft]      a live web view of the cluster
//	raftsim experiment election|splitvote|wan [...]        the paper's election measurements (Figure 16)
//	raftsim help                                           this text
package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/chzyer/readline"

	"raftsim/chaos"
	"raftsim/repl"
	"raftsim/sim"
	"raftsim/web"
)

// scripts are offered as lessons by `raftsim serve`.
//
//go:embed scripts/*.raft
var scripts embed.FS

const usage = `usage:
  raftsim [--seed N] [--json] [--no-color]     interactive shell (reads stdin plainly when it is not a terminal)
  raftsim run [--quiet-comments] FILE.raft      replay a script: print its # comments (dimmed), each command
                                                and its output;
                                                exit 1 if a command failed or an expect did not hold
  raftsim test [-rewrite] FILE_OR_DIR...        run .raft files as golden tests (expected output after ----);
                                                -rewrite refreshes the expected blocks; --json: one
                                                object per file, then one for the run
  raftsim bench [-n 5] [-k 100000] [-w 1]       commit throughput: n servers, k proposals, window w
                                                (--json: one object)
  raftsim bench --clock [-n 5] [--rate 0] [--clients 4] [--for 1h]
                                                time compression: the cluster idle (or under a load of
                                                --rate operations/s) for --for of virtual time; speed=Nx
  raftsim bench --memory [-n 5] [--rate 200] [--clients 20] [--for 1h] [--snapshot-threshold 10000]
                                                what a long run keeps: the live heap at start, peak and
                                                end, and bytes per committed log entry
  raftsim chaos [--seeds 100] [--start 1] [--servers N] [--duration 10s] [--faults LIST]
                [--bug NAME] [--out chaos-out] [--json] [--workers N] [--no-shrink] [--lease-read]
                                                random faults on many seeds in parallel, then safety,
                                                linearizability and liveness checks; writes a shrunk
                                                replay script DIR/seed-S.raft for each failing seed;
                                                exit 1 on a violation, 2 if a seed could not be judged;
                                                a progress bar on a terminal after a second
  raftsim chaos merge [--json] A.json B.json ...
                                                add up the --json reports of shards of one campaign
                                                (--start/--seeds on many machines) into one report
  raftsim serve [--addr 127.0.0.1:8080] [FILE.raft]
                                                a live web view of a cluster in the browser, driven by
                                                the same commands; opens on the default 3-server cluster
                                                started (or on the state FILE.raft leaves)
  raftsim experiment election|splitvote|wan [--trials N] [--timeouts 150-150,150-300,...]
                [--servers N] [--latency MS] [--variant LIST] [--out DIR] [--json] [--replay TRIAL]
                                                the Raft paper's Figure 16 and the dissertation's split
                                                votes and WAN elections, trials in parallel; a table,
                                                CSV, JSON and CDF plots (raftsim experiment -h for more)
  raftsim help                                  this text

flags (before or after the subcommand; -x and --x both work):
  --seed N      seed of the simulation (default 1): same seed and commands, same output
  --json        print one JSON object per command (and per debug event)
  --no-color    no colours (also when NO_COLOR is set or stdout is not a terminal)
`

// globals are the flags every subcommand accepts.
type globals struct {
	seed    uint64
	json    bool
	noColor bool
}

// register adds the global flags to fs, keeping the values already parsed
// (flags may come before and after the subcommand).
func (g *globals) register(fs *flag.FlagSet) {
	fs.Uint64Var(&g.seed, "seed", g.seed, "seed of the simulation")
	fs.BoolVar(&g.json, "json", g.json, "one JSON object per command")
	fs.BoolVar(&g.noColor, "no-color", g.noColor, "no colours")
}

func (g *globals) color() bool {
	_, noColorEnv := os.LookupEnv("NO_COLOR")
	return !g.noColor && !g.json && !noColorEnv && readline.IsTerminal(int(os.Stdout.Fd()))
}

// parse reads flags anywhere among the arguments (flag stops at the first
// positional one; a script name may come before --json).
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				// raftsim chaos -h: that subcommand's flags, on stdout.
				fmt.Printf("raftsim %s flags:\n", fs.Name())
				fs.SetOutput(os.Stdout)
				fs.PrintDefaults()
				return nil, errHelpShown
			}
			if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: "); ok {
				return nil, fmt.Errorf("%s: unknown flag %s", fs.Name(), name)
			}
			return nil, fmt.Errorf("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, below, with the usage
	return fs
}

func main() {
	os.Exit(realMain(os.Args[1:]))
}

func realMain(args []string) int {
	g := globals{seed: 1}
	fs := newFlagSet("raftsim")
	g.register(fs)
	// The first positional argument chooses the subcommand; flags before
	// it are the global ones, unless they are the subcommand's own
	// (raftsim -n 3 bench): then the subcommand goes first.
	var rest []string
	if err := fs.Parse(args); err == nil {
		rest = fs.Args()
	} else if i := subcommandAt(args); i > 0 {
		g = globals{seed: 1}
		rest = append(append([]string{args[i]}, args[:i]...), args[i+1:]...)
	} else {
		if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: "); ok {
			err = fmt.Errorf("unknown flag %s", name)
		}
		return usageError(err)
	}
	if len(rest) == 0 {
		// With stdin not a terminal: no line editing and no colours (docs/language.md).
		tty := readline.IsTerminal(int(os.Stdin.Fd()))
		return repl.Shell(repl.ShellOptions{Seed: g.seed, JSON: g.json, Color: g.color() && tty, Interactive: tty})
	}
	sub, subArgs := rest[0], rest[1:]
	switch sub {
	case "run":
		sfs := newFlagSet("run")
		g.register(sfs)
		quiet := sfs.Bool("quiet-comments", false, "do not print the script's # comments")
		files, err := parse(sfs, subArgs)
		if err != nil {
			return usageError(err)
		}
		if len(files) != 1 {
			return usageError(fmt.Errorf("run: give one script file (raftsim run scripts/tutorial.raft)"))
		}
		ok := repl.Run(files[0], repl.RunOptions{Seed: g.seed, JSON: g.json, Color: g.color(), QuietComments: *quiet}, os.Stdout, os.Stderr)
		if !ok {
			return 1
		}
		return 0
	case "test":
		sfs := newFlagSet("test")
		g.register(sfs)
		rewrite := sfs.Bool("rewrite", false, "rewrite the expected output")
		paths, err := parse(sfs, subArgs)
		if err != nil {
			return usageError(err)
		}
		if len(paths) == 0 {
			paths = []string{"scripts"}
		}
		if repl.Test(paths, repl.TestOptions{Rewrite: *rewrite, JSON: g.json}, os.Stdout) > 0 {
			return 1
		}
		return 0
	case "bench":
		return bench(subArgs, &g)
	case "chaos":
		return chaosCmd(subArgs, &g)
	case "experiment":
		return experimentCmd(subArgs, &g)
	case "serve":
		return serve(subArgs, &g)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return 0
	}
	return usageError(fmt.Errorf("unknown subcommand %q (the subcommands: %s)", sub, strings.Join(subcommands, ", ")))
}

// subcommands are the first words realMain knows.
var subcommands = []string{"run", "test", "bench", "chaos", "experiment", "serve", "help"}

// subcommandAt returns the index of the first argument that names a
// subcommand, or -1.
func subcommandAt(args []string) int {
	for i, a := range args {
		for _, s := range subcommands {
			if a == s {
				return i
			}
		}
	}
	return -1
}

// errHelpShown says that parse printed a subcommand's flags for -h.
var errHelpShown = errors.New("help shown")

// usageError reports a bad command line in one line, with a hint, and
// returns exit status 2 (help asked for with -h prints the usage, status 0).
func usageError(err error) int {
	if err == errHelpShown {
		return 0
	}
	if err == flag.ErrHelp {
		fmt.Print(usage)
		return 0
	}
	fmt.Fprintf(os.Stderr, "raftsim: %v; raftsim help shows every subcommand and flag\n", err)
	return 2
}

func bench(args []string, g *globals) int {
	fs := newFlagSet("bench")
	g.register(fs)
	n := fs.Int("n", 5, "servers")
	k := fs.Int("k", 100000, "proposals")
	w := fs.Int("w", 1, "proposals in flight")
	clock := fs.Bool("clock", false, "time compression instead: run the cluster idle (or under --rate) and print virtual time per wall time")
	rate := fs.Float64("rate", 0, "with --clock: client operations a second (0: idle)")
	clients := fs.Int("clients", 4, "with --clock: clients of the load")
	span := fs.Duration("for", time.Hour, "with --clock or --memory: virtual time to run")
	memory := fs.Bool("memory", false, "memory instead: run -n servers under --rate (default 200/s) from --clients for --for and print the live heap and bytes per log entry")
	threshold := fs.Uint64("snapshot-threshold", 10000, "with --memory: snapshotThreshold of the servers (0: no compaction)")
	pos, err := parse(fs, args)
	if err != nil {
		return usageError(err)
	}
	if len(pos) > 0 {
		return usageError(fmt.Errorf("bench: unexpected argument %q (flags only, e.g. bench -n 5 -k 100000)", pos[0]))
	}
	switch {
	case *n < 1 || *n > sim.MaxServers:
		return usageError(fmt.Errorf("bench: -n %d servers is out of range (1 to %d)", *n, sim.MaxServers))
	case *k < 1 || *k > 100_000_000:
		return usageError(fmt.Errorf("bench: -k %d proposals is out of range (1 to 100000000)", *k))
	case *w < 1 || *w > 100_000:
		return usageError(fmt.Errorf("bench: -w %d in flight is out of range (1 to 100000)", *w))
	}
	if *clock {
		return benchClock(*n, *clients, *rate, *span, g)
	}
	if *memory {
		return benchMemory(*n, *clients, *rate, *span, *threshold, g)
	}
	res, err := sim.Bench(*n, *k, *w, g.seed)
	if err != nil {
		fmt.Fprintf(os.Stderr, "raftsim: %v\n", err)
		return 1
	}
	if g.json {
		b, _ := json.Marshal(map[string]any{
			"servers": res.Servers, "proposals": res.Proposals, "window": res.Window,
			"wall_ms": float64(res.Wall) / 1e6, "virtual_ms": float64(res.Virtual) / 1e6,
			"commits": res.Commits, "retries": res.Retries, "events": res.Events,
			"commits_per_s": res.CommitsPerSecond(), "allocs": res.Allocs, "bytes": res.Bytes,
		})
		fmt.Println(string(b))
		return 0
	}
	// sim's String has commits/s=N and allocations per commit.
	fmt.Println(res.String())
	return 0
}

// loadFlagsErr checks bench's --rate and --clients, shared by --clock and
// --memory.
func loadFlagsErr(rate float64, clients int) error {
	switch {
	case rate < 0 || rate > sim.MaxLoadRate:
		return fmt.Errorf("bench: --rate %g is out of range (0 to %g)", rate, sim.MaxLoadRate)
	case clients < 1 || clients > sim.MaxLoadClients:
		return fmt.Errorf("bench: --clients %d is out of range (1 to %d)", clients, sim.MaxLoadClients)
	}
	return nil
}

// benchClock runs `raftsim bench --clock`: time compression of a cluster
// with the shell's defaults (safety checks, the trace), idle or under a
// load.
func benchClock(n, clients int, rate float64, span time.Duration, g *globals) int {
	switch {
	case loadFlagsErr(rate, clients) != nil:
		return usageError(loadFlagsErr(rate, clients))
	case span < time.Second || span > 30*24*time.Hour:
		return usageError(fmt.Errorf("bench: --for %v is out of range (1s to 720h)", span))
	}
	res, err := sim.BenchClock(sim.Options{Seed: g.seed}, n, clients, rate, span)
	if err != nil {
		fmt.Fprintf(os.Stderr, "raftsim: %v\n", err)
		return 1
	}
	if g.json {
		b, _ := json.Marshal(map[string]any{
			"servers": res.Servers, "rate": res.Rate, "virtual_ms": float64(res.Virtual) / 1e6, "wall_ms": float64(res.Wall) / 1e6,
			"events": res.Events, "ops": res.Ops, "speed": res.Speed(),
		})
		fmt.Println(string(b))
		return 0
	}
	fmt.Println(res.String())
	return 0
}

// benchMemory runs `raftsim bench --memory`: what a long run keeps in
// memory, with the shell's defaults (safety checks, the trace, the
// history up to its limit).
func benchMemory(n, clients int, rate float64, span time.Duration, threshold uint64, g *globals) int {
	if rate == 0 {
		rate = 200
	}
	switch {
	case loadFlagsErr(rate, clients) != nil:
		return usageError(loadFlagsErr(rate, clients))
	case span < time.Minute || span > 30*24*time.Hour:
		return usageError(fmt.Errorf("bench: --for %v is out of range (1m to 720h)", span))
	}
	res, err := sim.BenchMemory(sim.Options{Seed: g.seed}, n, clients, rate, span, threshold)
	if err != nil {
		fmt.Fprintf(os.Stderr, "raftsim: %v\n", err)
		return 1
	}
	if g.json {
		b, _ := json.Marshal(map[string]any{
			"servers": res.Servers, "clients": res.Clients, "rate": res.Rate, "snapshot_threshold": res.SnapshotThreshold,
			"virtual_ms": float64(res.Virtual) / 1e6, "wall_ms": float64(res.Wall) / 1e6, "entries": res.Entries, "ops": res.Ops,
			"heap_start_bytes": res.HeapStart, "heap_peak_bytes": res.HeapPeak, "heap_end_bytes": res.HeapEnd,
			"bytes_per_entry": res.BytesPerEntry(),
		})
		fmt.Println(string(b))
		return 0
	}
	fmt.Println(res.String())
	return 0
}

// chaosCmd runs `raftsim chaos`: seeds in parallel, a table (or one JSON
// object), exit 0 / 1 / 2 as docs/language.md says.
func chaosCmd(args []string, g *globals) int {
	if len(args) > 0 && args[0] == "merge" {
		return chaosMerge(args[1:], g)
	}
	fs := newFlagSet("chaos")
	g.register(fs)
	cfg := chaos.Config{Seeds: chaos.DefaultSeeds, Start: 1, Duration: chaos.DefaultDuration, Out: chaos.DefaultOut}
	fs.IntVar(&cfg.Seeds, "seeds", cfg.Seeds, "number of seeds")
	fs.Uint64Var(&cfg.Start, "start", cfg.Start, "first seed")
	fs.IntVar(&cfg.Servers, "servers", 0, "cluster size (default: 3 to 5, chosen by each seed)")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "virtual time of the fault phase")
	faults := fs.String("faults", "", "fault kinds: "+faultKinds())
	fs.StringVar(&cfg.Bug, "bug", "", "planted bug: "+strings.Join(chaos.Bugs, ", "))
	fs.StringVar(&cfg.Out, "out", cfg.Out, "directory for the replay scripts of failing seeds")
	fs.IntVar(&cfg.Workers, "workers", 0, "parallel seeds (default: one per core)")
	fs.BoolVar(&cfg.NoShrink, "no-shrink", false, "write failing scripts unshrunk")
	fs.BoolVar(&cfg.LeaseRead, "lease-read", false, "every seed serves lease reads, with clock drift (default: one correct-Raft seed in four)")
	pos, err := parse(fs, args)
	if err != nil {
		return usageError(err)
	}
	if len(pos) > 0 {
		return usageError(fmt.Errorf("chaos: unexpected argument %q (flags only, e.g. chaos --seeds 200)", pos[0]))
	}
	if cfg.Faults, err = chaos.ParseFaults(*faults); err != nil {
		return usageError(fmt.Errorf("chaos: %v", err))
	}
	if err := cfg.Validate(); err != nil {
		return usageError(fmt.Errorf("chaos: %v", err))
	}
	// The seeds keep little alive but allocate fast (logs, messages), so
	// the default GC runs all the time (chaos.GCPercent says what is set
	// instead). GOGC and GOMEMLIMIT still override.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(chaos.GCPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(chaos.MemoryLimit)
	}
	// Nothing reads a memory profile, and sampling one walks the
	// allocating stack about once per 512 KB allocated: 2-4% of a seed's
	// instructions.
	runtime.MemProfileRate = 0
	bar := newProgress(os.Stderr, "seeds", cfg.Seeds)
	cfg.Progress = bar.update
	sum, err := chaos.Run(cfg)
	bar.finish()
	return chaosReport(sum, err, g)
}

// chaosMerge runs `raftsim chaos merge A.json B.json ...`: the reports of
// shards of one campaign (chaos --start S --seeds N --json), added up into
// one, printed and judged as chaos prints and judges a run.
func chaosMerge(args []string, g *globals) int {
	fs := newFlagSet("chaos merge")
	g.register(fs)
	files, err := parse(fs, args)
	if err != nil {
		return usageError(err)
	}
	if len(files) == 0 {
		return usageError(fmt.Errorf("chaos merge: give the reports to merge (chaos merge a.json b.json), each written by chaos --json"))
	}
	var parts []chaos.Summary
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "raftsim: chaos merge: %v\n", err)
			return 2
		}
		s, err := chaos.ReadSummary(f, name)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "raftsim: chaos merge: %v\n", err)
			return 2
		}
		parts = append(parts, s)
	}
	sum, err := chaos.Merge(parts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "raftsim: chaos %v\n", err)
		return 2
	}
	return chaosReport(sum, nil, g)
}

// chaosReport prints a chaos summary as a table or JSON and returns the
// exit status: 0, 1 (a violation), or 2 (unjudged seeds, or err).
func chaosReport(sum chaos.Summary, err error, g *globals) int {
	if g.json {
		if jerr := sum.WriteJSON(os.Stdout); jerr != nil {
			fmt.Fprintf(os.Stderr, "raftsim: %v\n", jerr)
			return 2
		}
	} else {
		sum.WriteTable(os.Stdout)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "raftsim: %v\n", err)
		return 2
	}
	return sum.ExitCode()
}

func faultKinds() string {
	names := make([]string, len(chaos.AllFaults))
	for i, f := range chaos.AllFaults {
		names[i] = string(f)
	}
	return strings.Join(names, ",") + " (default: all available)"
}

// serve runs `raftsim serve`: the web view on addr (loopback unless told
// otherwise) until Ctrl-C.
func serve(args []string, g *globals) int {
	fs := newFlagSet("serve")
	g.register(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	pos, err := parse(fs, args)
	if err != nil {
		return usageError(err)
	}
	if len(pos) > 1 {
		return usageError(fmt.Errorf("serve: give at most one script file (raftsim serve scripts/leader-crash.raft)"))
	}
	o := web.Options{Seed: g.seed, Lessons: lessons()}
	if len(pos) == 1 {
		b, err := os.ReadFile(pos[0])
		if err != nil {
			fmt.Fprintf(os.Stderr, "raftsim: serve: %v\n", err)
			return 1
		}
		o.Script, o.ScriptName = string(b), pos[0]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := web.ListenAndServe(ctx, *addr, o, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "raftsim: serve: %v\n", err)
		return 1
	}
	return 0
}

func lessons() fs.FS {
	sub, err := fs.Sub(scripts, "scripts")
	if err != nil {
		panic(err) // the embedded directory is always there
	}
	return sub
}
