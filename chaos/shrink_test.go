package chaos

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/repl"
	"raftsim/sim"
)

// bugConfig is the configuration of `raftsim chaos --bug bug`.
func bugConfig(t *testing.T, bug string) Config {
	t.Helper()
	cfg := Config{Seeds: 1, Start: 1, Duration: DefaultDuration, Bug: bug}
	require.NoError(t, cfg.Validate())
	return cfg
}

// newShrinker is the shrinker Shrink starts with for a failing seed.
func newShrinker(t *testing.T, bug string, seed uint64) *shrinker {
	t.Helper()
	cfg := bugConfig(t, bug)
	sc, out := Generate(cfg, seed)
	require.True(t, out.Verdict.IsViolation(), "seed %d of %s must fail: %s", seed, bug, out.Detail)
	return &shrinker{cfg: cfg, seed: seed, want: out.Verdict, best: trim(sc, out), bestOut: out, limit: maxTries}
}

// The cut of a safety failure keeps the lines before the one during which
// the first violation happened, that run shortened to just past it, and
// the failing check.
func TestCutAtFirstViolation(t *testing.T) {
	sc := Script{Seed: 1, Lines: []Line{
		{ID: 1, Text: "seed 1", Kind: KindSetup},
		{ID: 2, Text: "run 100ms", Kind: KindRun},
		{ID: 3, Text: "crash 1", Kind: KindFault},
		{ID: 4, Text: "run 400ms", Kind: KindRun},
		{ID: 5, Text: "restart 1", Kind: KindUndo, Dep: 3},
		{ID: 6, Text: "run 1s", Kind: KindRun},
		{ID: 7, Text: "expect safe", Kind: KindCheck, Verdict: Safety},
	}}
	ms := time.Millisecond
	ends := []time.Duration{0, 100 * ms, 100 * ms, 500 * ms, 500 * ms, 1500 * ms, 1500 * ms}
	o := Outcome{Verdict: Safety, Line: 6}
	broke := func(at ...time.Duration) []sim.Violation {
		var vs []sim.Violation
		for _, a := range at {
			vs = append(vs, sim.Violation{Time: a})
		}
		return vs
	}

	cut := cutAt(sc, o, ends, broke(300*ms, 250*ms))
	assert.Equal(t, "seed 1\nrun 100ms\ncrash 1\nrun 151ms\nexpect safe\n", cut.Text())
	// The restart goes: it came after the violation.
	assert.Equal(t, 4, cut.Lines[3].ID)

	cut = cutAt(sc, o, ends, broke(1200*ms))
	assert.Equal(t, "seed 1\nrun 100ms\ncrash 1\nrun 400ms\nrestart 1\nrun 701ms\nexpect safe\n", cut.Text())

	// Nothing to cut without a violation, or for one at the check itself.
	assert.Empty(t, cutAt(sc, o, ends, nil).Lines)
	assert.Empty(t, cutAt(sc, o, ends, broke(1500*ms+1)).Lines)
}

// A generated safety failure runs on to the next action and mends all
// after it broke; the cut drops that, and still fails the same way.
func TestTryCutsASafetyFailureWhereItBroke(t *testing.T) {
	sh := newShrinker(t, "forget-vote", 157)
	before := sh.best
	require.True(t, sh.try(before))
	assert.Less(t, len(sh.best.Lines), len(before.Lines), "the cut drops the lines after the violation")
	assert.Equal(t, "expect safe", sh.best.Lines[len(sh.best.Lines)-1].Text)
	_, o := replay(sh.best)
	assert.Equal(t, Safety, o.Verdict)
	assert.Equal(t, len(sh.best.Lines)-1, o.Line)
	// A linearizability failure is not cut: its history matters to the end.
	sh = newShrinker(t, "lease-no-drift", 51)
	_, _, cut := sh.run(sh.best)
	assert.Empty(t, cut.Lines)
}

func TestMendText(t *testing.T) {
	for fault, mend := range map[string]string{
		"partition 0 | 1,2":   "heal",
		"cut 2->0":            "heal",
		"crash 3":             "restart 3",
		"clock 1 drift=+50%":  "clock 1 drift=0",
		"disk 2 fsync=5ms":    "disk 2 fsync=0",
		"disk fsync=5ms":      "disk fsync=0",
		"net loss=0.1 dup=0":  "net reset",
		"snapshot 1":          "",
		"transferLeadership ": "",
	} {
		assert.Equal(t, mend, mendText(fault), fault)
	}
	lines := []Line{
		{Text: "clock 1 drift=+50%", Kind: KindFault},
		{Text: "clock 2 drift=0", Kind: KindUndo},
		{Text: "clock 1 drift=0", Kind: KindUndo},
	}
	assert.Equal(t, 2, mendOf(lines, 0))
	assert.Equal(t, -1, mendOf(lines, 1))
}

// pairs removes a fault with its mend when the failure stays without both;
// when the failure needs the fault, the two stay.
func TestPairsRemoveAFaultWithItsMend(t *testing.T) {
	sh := newShrinker(t, "forget-vote", 34)
	sh.try(sh.best)
	sh.reduce()
	shrunk := sh.best
	require.Equal(t, Safety, sh.bestOut.Verdict)

	// A disk fault mended at once, before anything ran, changes nothing.
	lines := append([]Line(nil), shrunk.Lines[:3]...)
	lines = append(lines,
		Line{ID: 1001, Text: "disk 1 fsync=5ms", Kind: KindFault, Fault: FaultDisk},
		Line{ID: 1002, Text: "disk 1 fsync=0", Kind: KindUndo})
	lines = append(lines, shrunk.Lines[3:]...)
	sh.best = Script{Seed: shrunk.Seed, Lines: lines}
	sh.bestOut.Line += 2
	sh.pairs()
	assert.Equal(t, shrunk.Text(), sh.best.Text())

	// The partition is needed: with a heal added after the failing run,
	// the seed passes without the two, so pairs keeps them.
	n := len(shrunk.Lines)
	lines = append(append(append([]Line(nil), shrunk.Lines[:n-1]...), Line{ID: 1003, Text: "heal", Kind: KindUndo}), shrunk.Lines[n-1])
	sh.best, sh.bestOut = Script{Seed: shrunk.Seed, Lines: lines}, Outcome{Verdict: Safety, Line: n}
	_, o := replay(sh.best)
	require.Equal(t, Safety, o.Verdict)
	i := slices.IndexFunc(lines, func(l Line) bool { return strings.HasPrefix(l.Text, "partition ") })
	require.GreaterOrEqual(t, i, 0, "the replay has a partition:\n%s", shrunk.Text())
	require.Equal(t, n-1, mendOf(lines, i))
	_, o = replay(sh.best.without(map[int]bool{lines[i].ID: true, 1003: true}))
	require.NotEqual(t, Safety, o.Verdict, "without the partition and its heal the seed passes")
	before := sh.best.Text()
	sh.pairs()
	assert.Equal(t, before, sh.best.Text())
}

// The checks that held before the failing one may go; the failing one
// stays.
func TestRemovableChecks(t *testing.T) {
	sh := &shrinker{best: Script{Lines: []Line{
		{ID: 1, Text: "seed 1", Kind: KindSetup},
		{ID: 2, Text: "run 1s", Kind: KindRun},
		{ID: 3, Text: "expect safe", Kind: KindCheck, Verdict: Safety},
		{ID: 4, Text: "until idle 10s", Kind: KindCheck, Verdict: Liveness},
		{ID: 5, Text: "expect linearizable", Kind: KindCheck, Verdict: Linearizability},
	}}, bestOut: Outcome{Verdict: Linearizability, Line: 4}}
	assert.Equal(t, []int{2, 3, 4}, sh.removable())

	// A shrunk linearizability failure needs no `expect safe`.
	cfg := bugConfig(t, "lease-no-drift")
	sc, out := Generate(cfg, 51)
	require.Equal(t, Linearizability, out.Verdict)
	got, o := Shrink(cfg, 51, sc, out)
	assert.Equal(t, Linearizability, o.Verdict)
	assert.NotContains(t, got.Text(), "expect safe\n")
	assert.True(t, strings.HasSuffix(got.Text(), "expect linearizable\n"), got.Text())
}

// For forget-vote, the tactic that aims at the bug alone fails in a
// script much shorter than the one ddmin over the actions finds.
func TestOneActionFindsTheTacticAlone(t *testing.T) {
	ddmin := newShrinker(t, "forget-vote", 142)
	ddmin.actions()
	one := newShrinker(t, "forget-vote", 142)
	require.True(t, one.oneAction())
	assert.Less(t, len(one.best.Lines), len(ddmin.best.Lines)-10)
	_, o := replay(one.best)
	assert.Equal(t, Safety, o.Verdict)

	// With every action but one left out the seed passes (and without
	// none), so oneAction finds nothing to keep.
	sh := newShrinker(t, "forget-vote", 142)
	sh.cfg.Duration = time.Second
	_, _, n := generate(sh.cfg, sh.seed, nil)
	c, o, _ := generate(sh.cfg, sh.seed, nil)
	if o.Verdict == Safety {
		t.Skipf("seed 142 fails within %v already (%d actions)", sh.cfg.Duration, n)
	}
	sh.best, sh.bestOut = trim(c, o), o
	sh.want = Safety
	assert.False(t, sh.oneAction())
}

// Issue 6: forget-vote's seed 157 shrank to 52 lines; it is short now, and
// replaying the file the way `raftsim run FILE` does fails on its last
// line.
func TestShrunkReplayIsShortAndFails(t *testing.T) {
	cfg := bugConfig(t, "forget-vote")
	cfg.Out = t.TempDir()
	r := RunOne(cfg, 157)
	require.Equal(t, Safety, r.Outcome.Verdict)
	assert.LessOrEqual(t, r.Replay.rows(), shortEnough, "the shrunk replay is too long:\n%s", r.Replay.Text())
	assert.Equal(t, Safety, r.ReplayOutcome.Verdict)

	text, err := os.ReadFile(r.File)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(cfg.Out, "seed-157.raft"), r.File)
	var stdout, stderr bytes.Buffer
	assert.False(t, repl.Run(r.File, repl.RunOptions{Seed: 1}, &stdout, &stderr), "replaying must fail:\n%s", stdout.String())
	last := len(strings.Split(strings.TrimRight(string(text), "\n"), "\n"))
	assert.Contains(t, stderr.String(), fmt.Sprintf("1 command failed: %s:%d", r.File, last))
}

// loads folds a `load stop` into the load's for=, where the failure stays.
func TestLoadsFoldTheStopIntoTheLoad(t *testing.T) {
	sh := newShrinker(t, "forget-vote", 34)
	sh.try(sh.best)
	sh.actions()
	require.Contains(t, sh.best.Text(), "load stop\n")
	before := sh.best
	sh.loads()
	assert.NotContains(t, sh.best.Text(), "load stop\n")
	assert.Less(t, len(sh.best.Lines), len(before.Lines))
	_, o := replay(sh.best)
	assert.Equal(t, Safety, o.Verdict)

	text, ok := loadFor("load clients=3 rate=50/s keys=3 for=10500ms", 3186*time.Millisecond)
	assert.True(t, ok)
	assert.Equal(t, "load clients=3 rate=50/s keys=3 for=3186ms", text)
	// A stop after the load ran out, or at its start, is not folded.
	_, ok = loadFor("load clients=3 rate=50/s keys=3 for=1s", 2*time.Second)
	assert.False(t, ok)
	_, ok = loadFor("load clients=3 rate=50/s keys=3 for=1s", 0)
	assert.False(t, ok)
}

// A stop that comes after the load ran out is no fold: loads leaves it
// (to the single removals) and spends only the replay for the times.
func TestLoadsLeaveAStopAfterTheLoadRanOut(t *testing.T) {
	sc := Script{Seed: 1, Lines: []Line{
		{ID: 1, Text: "seed 1", Kind: KindSetup},
		{ID: 2, Text: "startServers 3", Kind: KindSetup},
		{ID: 3, Text: "load clients=1 rate=10/s keys=1 for=500ms", Kind: KindSetup},
		{ID: 4, Text: "run 742ms", Kind: KindRun},
		{ID: 5, Text: "load stop", Kind: KindClient},
		{ID: 6, Text: "run 100ms", Kind: KindRun},
		{ID: 7, Text: "expect safe", Kind: KindCheck, Verdict: Safety},
	}}
	sh := &shrinker{want: Safety, best: sc, bestOut: Outcome{Verdict: Safety, Line: 6}, limit: maxTries}
	sh.loads()
	assert.Equal(t, sc.Text(), sh.best.Text())
	assert.Equal(t, 1, sh.tries)
}
