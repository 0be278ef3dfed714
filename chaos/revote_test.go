package chaos

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// playCatches runs the schedules aimed at one play (client requests and
// the play, nothing else) on the correct Raft, which must pass, and with
// bug, which the play must catch as want in at least half the seeds.
func playCatches(t *testing.T, play action, bug string, want Verdict) {
	t.Helper()
	only := func(w *weights) {
		w.act = [numActions]int{actClient: 1}
		w.act[play] = 3
	}
	const seeds = 20
	caught := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		cfg := ciConfig(1)
		sc, out, _ := generateTuned(cfg, seed, nil, only)
		assert.Equal(t, Pass, out.Verdict, "correct Raft, seed %d: %s\n%s", seed, out.Detail, sc.Text())
		cfg.Bug = bug
		sc, out, _ = generateTuned(cfg, seed, nil, only)
		if out.Verdict == want {
			caught++
		} else {
			assert.Equal(t, Pass, out.Verdict, "bug %s, seed %d: %s\n%s", bug, seed, out.Detail, sc.Text())
		}
	}
	t.Logf("the play caught the %s bug in %d of %d seeds", bug, caught, seeds)
	assert.GreaterOrEqual(t, caught, seeds/2, "the play catches the bug in most seeds")
}

// A voter that forgets its vote across a restart votes twice in a term.
func TestRevotePlayCatchesForgetVote(t *testing.T) {
	playCatches(t, actRevote, "forget-vote", Safety)
}

// A deposed leader that answers reads without a heartbeat round is stale.
func TestStaleReadPlayCatchesStaleRead(t *testing.T) {
	playCatches(t, actStaleRead, "stale-read", Linearizability)
}
