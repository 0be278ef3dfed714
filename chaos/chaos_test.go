package chaos

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ciConfig is the small run CI affords: a few hundred seeds of 5s.
func ciConfig(seeds int) Config {
	c := Config{Seeds: seeds, Start: 1, Duration: 5 * time.Second}
	if err := c.Validate(); err != nil {
		panic(err)
	}
	return c
}

// The same seed and flags give the same script, byte for byte, and the
// same verdict; replaying the script gives that verdict again.
func TestSameSeedSameScriptAndVerdict(t *testing.T) {
	for _, bug := range []string{"", "even-majority", "forget-vote", "figure8"} {
		cfg := ciConfig(1)
		cfg.Bug = bug
		for seed := uint64(1); seed <= 15; seed++ {
			a, outA := Generate(cfg, seed)
			b, outB := Generate(cfg, seed)
			require.Equal(t, a.Text(), b.Text(), "bug %q seed %d: two generations differ", bug, seed)
			require.Equal(t, outA, outB, "bug %q seed %d", bug, seed)
			_, re := replay(a)
			assert.Equal(t, outA.Verdict, re.Verdict, "bug %q seed %d: replay judged differently", bug, seed)
			assert.Equal(t, outA.Line, re.Line, "bug %q seed %d: replay failed on another line", bug, seed)
			if outA.Verdict == Pass {
				// A failing replay stops at the failure; a passing one
				// runs to the same end.
				assert.Equal(t, outA.SimTime, re.SimTime, "bug %q seed %d: replay ended at another time", bug, seed)
			}
			assert.True(t, strings.HasPrefix(a.Text(), "# chaos seed="), "the script starts with its header")
		}
	}
	// A different seed gives a different schedule.
	a, _ := Generate(ciConfig(1), 1)
	b, _ := Generate(ciConfig(1), 2)
	assert.NotEqual(t, a.Text(), b.Text())
}

// The correct Raft survives a few hundred seeds of the default fault mix.
// (The 10,000-seed run is `raftsim chaos --seeds 10000`, not a test.)
func TestCorrectRaftHasNoViolations(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 50
	}
	cfg := ciConfig(seeds)
	start := time.Now()
	sum, err := Run(cfg)
	require.NoError(t, err)
	for _, r := range sum.Results {
		t.Errorf("seed %d: %s: %s\n%s", r.Seed, r.Outcome.Verdict, r.Outcome.Detail, r.Replay.Text())
	}
	assert.Equal(t, 0, sum.ExitCode())
	assert.Positive(t, sum.Ops, "clients completed operations")
	for _, f := range []Fault{FaultPartition, FaultCut, FaultCrash, FaultMembership} {
		assert.Positive(t, sum.Faults[f], "faults of kind %s were injected", f)
	}
	t.Logf("%d seeds in %v: %d faults, %d operations, %.0f simulated s per wall s",
		seeds, time.Since(start).Round(time.Millisecond), sum.totalFaults(), sum.Ops, perSecond(sum.SimTime.Seconds(), sum.Wall))
}

// --faults limits the schedule to the kinds named, also in the tactics
// that combine faults (an orphaned leader is cut off and may crash).
func TestFaultsFlagLimitsKinds(t *testing.T) {
	for _, f := range AllFaults {
		cfg := ciConfig(1)
		cfg.Faults = []Fault{f}
		seen := 0
		for seed := uint64(1); seed <= 12; seed++ {
			sc, _ := Generate(cfg, seed)
			for _, l := range sc.Lines {
				if l.Kind == KindFault {
					seen++
					assert.Equal(t, f, l.Fault, "--faults %s, seed %d: %s", f, seed, l.Text)
				}
			}
			assert.Contains(t, sc.Lines[0].Text, "faults="+string(f)+" ")
		}
		assert.Positive(t, seen, "--faults %s injects some", f)
	}
}

func TestConfigErrors(t *testing.T) {
	_, err := ParseFaults("crash,flood")
	assert.ErrorContains(t, err, `unknown fault kind "flood"`)
	fs, err := ParseFaults("crash, partition,crash")
	require.NoError(t, err)
	assert.Equal(t, []Fault{FaultCrash, FaultPartition}, fs)
	for _, c := range []Config{
		{Seeds: 0},
		{Seeds: 1, Servers: 99},
		{Seeds: 1, Duration: time.Millisecond},
		{Seeds: 1, Bug: "off-by-one"},
		{Seeds: 3, Start: math.MaxUint64 - 1},      // would wrap to seed 0 (issue 8)
		{Seeds: 1, Out: "/nonexistent-parent/out"}, // parents are never made (issue 8)
	} {
		assert.Error(t, c.Validate(), "%+v", c)
	}
	ok := Config{Seeds: 2, Start: math.MaxUint64 - 1, Out: filepath.Join(t.TempDir(), "out")}
	assert.NoError(t, ok.Validate(), "the last two seeds; a missing directory whose parent exists")
}

// ddmin finds the one item a test needs, and the pair of two.
func TestDDMin(t *testing.T) {
	items := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	has := func(keep []int, want ...int) bool {
		set := setOf(keep)
		for _, w := range want {
			if !set[w] {
				return false
			}
		}
		return true
	}
	assert.Equal(t, []int{7}, ddmin(items, func(k []int) bool { return has(k, 7) }))
	assert.Equal(t, []int{2, 11}, ddmin(items, func(k []int) bool { return has(k, 2, 11) }))
}

// A removed crash takes its restart along; runs fold together.
func TestWithoutAndMergeRuns(t *testing.T) {
	sc := Script{Lines: []Line{
		{ID: 1, Text: "run 100ms", Kind: KindRun},
		{ID: 2, Text: "crash 1", Kind: KindFault, Fault: FaultCrash},
		{ID: 3, Text: "run 1s", Kind: KindRun},
		{ID: 4, Text: "restart 1", Kind: KindUndo, Dep: 2},
		{ID: 5, Text: "expect safe", Kind: KindCheck, Verdict: Safety},
	}}
	got := sc.without(map[int]bool{2: true})
	require.Len(t, got.Lines, 3)
	assert.Equal(t, "run 100ms\nrun 1s\nexpect safe\n", got.Text())
	assert.Equal(t, "run 1100ms\nexpect safe\n", got.mergeRuns().Text())
	assert.Equal(t, []int{1, 2, 3, 4}, sc.removable())
}

// The table and the JSON carry what docs/language.md promises.
func TestReportShape(t *testing.T) {
	cfg := ciConfig(6)
	cfg.Bug = "even-majority"
	cfg.Out = t.TempDir()
	sum, err := Run(cfg)
	require.NoError(t, err)
	require.Positive(t, sum.Violations(), "even-majority fails within 6 seeds")

	var b bytes.Buffer
	sum.WriteTable(&b)
	out := b.String()
	for _, want := range []string{"seeds run", "faults injected", "operations completed", "violations", "safety", "linearizability", "liveness", "seeds per second", "simulated s per wall s", cfg.Out} {
		assert.Contains(t, out, want)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	assert.Regexp(t, `^seeds=6 violations=\d+$`, lines[len(lines)-1])

	b.Reset()
	require.NoError(t, sum.WriteJSON(&b))
	assert.Equal(t, 1, strings.Count(b.String(), "\n"), "one JSON object on one line")
	var j map[string]any
	require.NoError(t, json.Unmarshal(b.Bytes(), &j))
	for _, k := range []string{"seeds", "violations", "failed_seeds", "operations", "faults", "seeds_per_second", "sim_seconds_per_wall_second"} {
		assert.Contains(t, j, k)
	}
	assert.EqualValues(t, 6, j["seeds"])
	assert.EqualValues(t, sum.Violations(), j["violations"])
	assert.Len(t, j["failed_seeds"], sum.Violations())
	assert.Equal(t, 1, sum.ExitCode())
}

// Tiny clusters are judged on every seed: no tactic may write a line the
// shell refuses (an orphaned leader of a one-server cluster was once cut
// off from an empty group, `partition 0 | `, in 44% of the seeds).
func TestTinyClustersAreJudged(t *testing.T) {
	for _, n := range []int{1, 2} {
		cfg := ciConfig(1)
		cfg.Servers = n
		for seed := uint64(1); seed <= 60; seed++ {
			sc, out := Generate(cfg, seed)
			require.NotEqual(t, Unjudged, out.Verdict, "servers %d seed %d: %s\n%s", n, seed, out.Detail, sc.Text())
			require.Equal(t, Pass, out.Verdict, "servers %d seed %d: %s\n%s", n, seed, out.Detail, sc.Text())
		}
	}
}

// A bridge is a partial partition: right after its cuts, two sides cannot
// reach each other and one server reaches every other server.
func TestBridgeIsAPartialPartition(t *testing.T) {
	cfg := ciConfig(1)
	cfg.Faults = []Fault{FaultBridge}
	bridges := 0
	for seed := uint64(1); seed <= 8; seed++ {
		sc, _ := Generate(cfg, seed)
		for i := 0; i < len(sc.Lines); i++ {
			l := sc.Lines[i]
			if l.Kind != KindFault || l.Dep != 0 {
				continue
			}
			end := i + 1
			for end < len(sc.Lines) && sc.Lines[end].Dep == l.ID {
				end++
			}
			x := newExecutor(seed)
			for _, pl := range sc.Lines[:end] {
				x.exec(pl)
			}
			s := x.s.Sim()
			ids := s.Servers()
			bridge, cut := 0, false
			for _, a := range ids {
				all := true
				for _, b := range ids {
					if a != b && !s.Connected(a, b) {
						all, cut = false, true
					}
				}
				if all {
					bridge++
				}
			}
			require.True(t, cut, "seed %d line %d: some servers cannot reach each other", seed, i)
			require.Equal(t, 1, bridge, "seed %d line %d: one server reaches all others", seed, i)
			bridges++
			break
		}
	}
	assert.Positive(t, bridges)
}

// Long runs make more membership changes than short ones: the cap grows
// with the fault phase.
func TestMembershipChangesScaleWithDuration(t *testing.T) {
	count := func(d time.Duration) int {
		cfg := ciConfig(1)
		cfg.Duration = d
		cfg.Faults = []Fault{FaultMembership}
		most := 0
		for seed := uint64(1); seed <= 5; seed++ {
			sc, _ := Generate(cfg, seed)
			most = max(most, sc.Faults()[FaultMembership])
		}
		return most
	}
	short, long := count(10*time.Second), count(60*time.Second)
	assert.LessOrEqual(t, short, memberOpsPer10s)
	assert.Greater(t, long, memberOpsPer10s, "a minute of faults makes more than %d changes", memberOpsPer10s)
}

// TestRunDurationReadsWhatTimeDoes checks the fast path of runDuration
// against time.ParseDuration, on the lines runLine writes and on others.
func TestRunDurationReadsWhatTimeDoes(t *testing.T) {
	for _, d := range []time.Duration{time.Millisecond, 20 * time.Millisecond, 999 * time.Millisecond, time.Second, 1500 * time.Millisecond, 10 * time.Second, 90 * time.Minute} {
		got, ok := runDuration(runLine(d))
		assert.True(t, ok, runLine(d))
		assert.Equal(t, d, got, runLine(d))
	}
	for _, text := range []string{"run 0ms", "run 0s", "run -5ms", "run +5ms", "run 1.5s", "run 2m", "run 1h30m", "run 5us", "run ms", "run s", "run 10", "run x5ms", "run 9223372036854775807s", "run 9223372036854ms", "until idle 1s"} {
		want, err := time.ParseDuration(strings.TrimPrefix(text, "run "))
		wantOK := err == nil && want > 0 && strings.HasPrefix(text, "run ")
		got, ok := runDuration(text)
		assert.Equal(t, wantOK, ok, text)
		if wantOK {
			assert.Equal(t, want, got, text)
		}
	}
}

// TestRunForIsARunLine checks that runFor, which leaves the text of the
// run it records to be written later, records and runs what exec of the
// same run line does: folded into the run before it, cut short where the
// generator stops at a violation, and written when another line follows.
func TestRunForIsARunLine(t *testing.T) {
	steps := []struct {
		text string
		run  time.Duration // > 0: a run of that long
	}{
		{"seed 7", 0}, {"startServers 3", 0}, {"", 500 * time.Millisecond}, {"", time.Millisecond}, {"", 7 * time.Millisecond},
		{"crash 1", 0}, {"", 3 * time.Second}, {"restart 1", 0}, {"", 10 * time.Millisecond}, {"", 10 * time.Millisecond},
		{"partition 1 | 2,3", 0}, {"", 5 * time.Second}, {"", time.Millisecond}, {"heal", 0}, {"", time.Second},
	}
	var scripts []Script
	for _, lazy := range []bool{false, true} {
		x := newExecutor(7)
		x.inject = true
		for _, st := range steps {
			switch {
			case st.run == 0:
				x.exec(Line{Text: st.text, Kind: KindFault})
			case lazy:
				x.runFor(st.run)
			default:
				x.exec(Line{Text: runLine(st.run), Kind: KindRun})
			}
		}
		scripts = append(scripts, x.script())
	}
	if !reflect.DeepEqual(scripts[0], scripts[1]) {
		t.Fatalf("exec of run lines gives\n%s\nrunFor gives\n%s", scripts[0].Text(), scripts[1].Text())
	}
	if n := len(scripts[1].Lines); n < 6 || scripts[1].Lines[n-1].Text == "" {
		t.Fatalf("script too short, or its last run unwritten: %q", scripts[1].Text())
	}
}
