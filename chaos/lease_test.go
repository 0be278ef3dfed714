package chaos

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

// §6.4.1: after a drift beyond the lease bound a stale read is expected,
// reported as such and not counted; nothing else is excused.
func TestDriftBeyondBoundMakesStaleReadsExpected_6_4_1(t *testing.T) {
	stale := Outcome{Verdict: Linearizability, Line: 9, Detail: "expect linearizable: a stale read"}
	out := expectedAfterDrift(stale, 50_000)
	assert.Equal(t, Expected, out.Verdict)
	assert.Contains(t, out.Detail, "clock drift beyond the lease bound (5%): expect linearizable")
	assert.False(t, out.Verdict.IsViolation())
	for _, v := range []Verdict{Pass, Safety, Liveness, Unjudged} {
		assert.Equal(t, v, expectedAfterDrift(Outcome{Verdict: v}, 50_000).Verdict, "%s stands", v)
	}

	s := Summary{Seeds: 2, ByKind: map[Verdict]int{Expected: 1}, Results: []SeedResult{{Seed: 7, Outcome: out, ReplayOutcome: out}}}
	assert.Zero(t, s.Violations())
	assert.Zero(t, s.ExitCode())
	assert.Empty(t, s.FailedSeeds())
	var b bytes.Buffer
	s.WriteTable(&b)
	assert.Contains(t, b.String(), "expected stale reads")
	assert.Contains(t, b.String(), "seed 7: expected: clock drift beyond the lease bound")
	b.Reset()
	assert.NoError(t, s.WriteJSON(&b))
	assert.Contains(t, b.String(), `"expected":1`)
	back, err := ReadSummary(&b, "report")
	assert.NoError(t, err)
	assert.Equal(t, 1, back.ByKind[Expected], "a merged campaign keeps its expected stale reads")
	assert.Equal(t, Expected, back.Results[0].Outcome.Verdict)
}

// Only seeds with lease reads have clock drift, and their servers start
// with leaseRead=true; --lease-read gives every seed lease reads except
// those of bugs played on Figure 2 alone.
func TestLeaseSeedsHaveClockDrift_6_4_1(t *testing.T) {
	cfg := ciConfig(1)
	for seed := uint64(1); seed <= 8; seed++ {
		sc, _ := Generate(cfg, seed)
		text := sc.Text()
		lease := seed%4 == 2
		assert.Equal(t, lease, bytes.Contains([]byte(text), []byte("leaseRead=true")), "seed %d", seed)
		if !lease {
			assert.NotContains(t, text, "clock ", "seed %d: no drift without lease reads", seed)
		}
	}
	cfg.LeaseRead = true
	sc, _ := Generate(cfg, 4)
	assert.Contains(t, sc.Text(), "leaseRead=true", "not classic with --lease-read")
}
