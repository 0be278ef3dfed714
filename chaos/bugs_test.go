package chaos

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/repl"
)

// Targets of issue 3: each planted bug is caught within 200 seeds, and its
// shrunk replay is under 30 lines.
const (
	bugSeedBudget = 200
	maxReplayRows = 30
)

// waitingFor names, for the bugs chaos cannot catch yet, exactly what the
// catch waits for. Remove an entry when it lands: the test then runs.
var waitingFor = map[string]string{}

// findBug runs chaos with the bug on batches of seeds until one fails, and
// returns the first failing seed's result, shrunk and written to out. The
// batches run without shrinking: only the seed reported is shrunk.
func findBug(t *testing.T, bug, out string) (SeedResult, bool) {
	t.Helper()
	const batch = 20
	for start := uint64(1); start <= bugSeedBudget; start += batch {
		cfg := ciConfig(batch)
		cfg.Start, cfg.Bug, cfg.NoShrink = start, bug, true
		sum, err := Run(cfg)
		require.NoError(t, err)
		for _, r := range sum.Results {
			require.True(t, r.Outcome.Verdict.IsViolation(), "seed %d could not be judged: %s", r.Seed, r.Outcome.Detail)
			cfg.NoShrink, cfg.Out = false, out
			return RunOne(cfg, r.Seed), true
		}
	}
	return SeedResult{}, false
}

// For each planted bug: chaos finds it within 200 seeds, the shrunk script
// is under 30 lines, and replaying the written file the way `raftsim run
// FILE` does fails again, on its last line.
func TestPlantedBugsAreCaught(t *testing.T) {
	for _, bug := range Bugs {
		t.Run(bug, func(t *testing.T) {
			if why, ok := waitingFor[bug]; ok {
				t.Skipf("waits for %s", why)
			}
			start := time.Now()
			r, ok := findBug(t, bug, t.TempDir())
			require.True(t, ok, "bug %s: no violation within %d seeds", bug, bugSeedBudget)
			t.Logf("bug %s: caught by seed %d (%s) in %v; replay %d lines, %d faults (generated %d lines, %d faults)",
				bug, r.Seed, r.Outcome.Verdict, time.Since(start).Round(time.Millisecond),
				len(r.Replay.Lines), r.Replay.NumFaults(), r.Lines, sum(r.Faults))
			assert.Less(t, len(r.Replay.Lines), maxReplayRows, "the shrunk replay is too long:\n%s", r.Replay.Text())
			assert.Equal(t, r.Outcome.Verdict, r.ReplayOutcome.Verdict, "the shrunk replay fails the same way")

			text, err := os.ReadFile(r.File)
			require.NoError(t, err)
			assert.Equal(t, r.Replay.Text(), string(text))
			assert.Contains(t, string(text), "bug="+bug)

			// The same path as `raftsim run FILE`: exit 1, and the only
			// failing line is the last one, the check.
			var stdout, stderr bytes.Buffer
			ok = repl.Run(r.File, repl.RunOptions{Seed: 1}, &stdout, &stderr)
			assert.False(t, ok, "replaying %s must fail:\n%s", r.File, stdout.String())
			last := len(strings.Split(strings.TrimRight(string(text), "\n"), "\n"))
			assert.Contains(t, stderr.String(), fmt.Sprintf("1 command failed: %s:%d", r.File, last))
		})
	}
}
