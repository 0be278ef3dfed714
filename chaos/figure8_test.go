package chaos

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// onlyFigure8 aims a schedule at the Figure 8 play: client requests and
// the play, nothing else.
func onlyFigure8(w *weights) {
	w.act = [numActions]int{actClient: 1, actFigure8: 3}
}

// The Figure 8 play, on the same schedules: the Raft that commits an
// earlier term's entry by counting replicas loses a committed entry
// (safety), the correct Raft stays safe, linearizable and live.
func TestFigure8PlayCatchesOnlyTheBug(t *testing.T) {
	const seeds = 40
	caught := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		cfg := ciConfig(1)
		sc, out, _ := generateTuned(cfg, seed, nil, onlyFigure8)
		require.Contains(t, sc.Text(), "load stop", "seed %d: the play pauses the load", seed)
		assert.Equal(t, Pass, out.Verdict, "correct Raft, seed %d: %s\n%s", seed, out.Detail, sc.Text())

		cfg.Bug = "figure8"
		sc, out, _ = generateTuned(cfg, seed, nil, onlyFigure8)
		if out.Verdict == Safety {
			caught++
			assert.Contains(t, out.Detail, "Leader Completeness", "seed %d", seed)
		} else {
			assert.Equal(t, Pass, out.Verdict, "bug figure8, seed %d: %s\n%s", seed, out.Detail, sc.Text())
		}
	}
	t.Logf("the play caught the figure8 bug in %d of %d seeds", caught, seeds)
	assert.GreaterOrEqual(t, caught, seeds*3/4, "the play reaches Figure 8 in most seeds")
}

// Under --faults partition the play steers every election by partitions
// alone: no crash.
func TestFigure8PlayWithPartitionsOnly(t *testing.T) {
	cfg := ciConfig(1)
	cfg.Bug = "figure8"
	cfg.Faults = []Fault{FaultPartition}
	caught := 0
	for seed := uint64(1); seed <= 20; seed++ {
		sc, out, _ := generateTuned(cfg, seed, nil, onlyFigure8)
		for _, l := range sc.Lines {
			assert.False(t, strings.HasPrefix(l.Text, "crash "), "seed %d: %s", seed, l.Text)
		}
		if out.Verdict == Safety {
			caught++
		}
	}
	t.Logf("partitions alone caught the figure8 bug in %d of 20 seeds", caught)
	assert.GreaterOrEqual(t, caught, 15)
}
