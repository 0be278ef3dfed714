package chaos

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The joint-change play, on the same schedules: the Raft that commits
// C_old,new with C_new alone elects a leader without committed entries
// (safety), the correct Raft stays safe, linearizable and live.
func TestJointSplitPlayCatchesOnlyTheBug(t *testing.T) {
	const seeds = 20
	only := func(w *weights) { w.act = [numActions]int{actClient: 1, actJointSplit: 2} }
	caught := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		cfg := ciConfig(1)
		sc, out, _ := generateTuned(cfg, seed, nil, only)
		assert.Contains(t, sc.Text(), "changeConfig", "seed %d: the play makes a joint change", seed)
		assert.Equal(t, Pass, out.Verdict, "correct Raft, seed %d: %s\n%s", seed, out.Detail, sc.Text())

		cfg.Bug = "joint-new-majority"
		sc, out, _ = generateTuned(cfg, seed, nil, only)
		if out.Verdict == Safety {
			caught++
		} else {
			assert.Equal(t, Pass, out.Verdict, "bug joint-new-majority, seed %d: %s\n%s", seed, out.Detail, sc.Text())
		}
	}
	t.Logf("the play caught the joint-new-majority bug in %d of %d seeds", caught, seeds)
	assert.GreaterOrEqual(t, caught, seeds/2)
}

// Joint changes and learners are action classes of the default mix: on
// their own they keep the correct Raft safe, linearizable and live.
func TestJointChangesAndLearnersStaySafe(t *testing.T) {
	only := func(w *weights) { w.act = [numActions]int{actClient: 2, actJoint: 1, actLearner: 1, actCrash: 1} }
	changes, learners := 0, 0
	for seed := uint64(1); seed <= 20; seed++ {
		sc, out, _ := generateTuned(ciConfig(1), seed, nil, only)
		assert.Equal(t, Pass, out.Verdict, "seed %d: %s\n%s", seed, out.Detail, sc.Text())
		changes += strings.Count(sc.Text(), "changeConfig ")
		learners += strings.Count(sc.Text(), "addLearner ")
	}
	assert.Positive(t, changes)
	assert.Positive(t, learners)
}
