package experiment

import (
	"testing"
)

// BenchmarkFigure16Top runs the top panel of Figure 16 as the command does
// by default: six lines of 1000 trials, on every core. The target is under
// 10 s per run on the 2-core development machine.
//
//	go test -run XXX -bench Figure16Top -benchtime 1x ./experiment/
func BenchmarkFigure16Top(b *testing.B) {
	lines := Election(Config{Timeouts: Figure16Top})
	trials := 0
	for b.Loop() {
		res, err := Run(lines, Options{Trials: 1000, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			trials += len(r.Trials)
		}
	}
	b.ReportMetric(float64(trials)/b.Elapsed().Seconds(), "trials/s")
}
