package sim_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftsim/chaos"
	"raftsim/repl/session"
	"raftsim/sim"
)

// TestChaosRunsShareNothingWritable replays scripts of the chaos
// generator, every kind of fault (clock drift, leadership transfers, lease
// reads, bridges, joint changes among them, beyond what
// TestNothingSharedIsWrittenTo makes), under the sharing watch: nothing a
// node, a disk or a message shares by reference is written to after it is
// shared, and no receiver's Step changes the message it is given.
func TestChaosRunsShareNothingWritable(t *testing.T) {
	seeds := uint64(12)
	if testing.Short() {
		seeds = 4
	}
	checks := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		sc, out := chaos.Generate(chaos.Config{Duration: 5 * time.Second}, seed)
		require.Equal(t, chaos.Pass, out.Verdict, "seed %d: %s", seed, out.Detail)
		s := session.New(session.Options{Seed: seed, Untraced: true})
		line := ""
		var watched *sim.Sim
		var final func() int
		for _, l := range sc.Lines {
			line = l.Text
			s.Exec(l.Text)
			if s.Sim() != watched {
				// The script's seed line builds the cluster afresh.
				if final != nil {
					checks += final()
				}
				watched = s.Sim()
				final = sim.WatchSharing(t, watched, func() string { return fmt.Sprintf("chaos seed %d, line %q", seed, line) })
			}
		}
		checks += final()
	}
	require.Greater(t, checks, 10000, "the watch saw too few events to prove anything")
}
