package sim

import (
	"testing"
	"time"
)

// BenchmarkBytesPerEntry measures the live heap a run keeps per committed
// entry (the node's log, the disk, the checks, the client history, the
// trace's share), five servers under 200 operations a second for ten
// virtual minutes, without compaction and with a snapshot every 1,000
// applied entries. It reports B/entry and the peak live heap.
func BenchmarkBytesPerEntry(b *testing.B) {
	for _, c := range []struct {
		name      string
		threshold uint64
	}{{"nocompaction", 0}, {"snapshot1000", 1000}} {
		b.Run(c.name, func(b *testing.B) {
			var r MemoryResult
			for range b.N {
				var err error
				if r, err = BenchMemory(Options{Seed: 1}, 5, 20, 200, 10*time.Minute, c.threshold); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(r.BytesPerEntry(), "B/entry")
			b.ReportMetric(float64(r.HeapPeak)/1e6, "MB-peak")
			b.ReportMetric(float64(r.Entries), "entries")
		})
	}
}
