package session

import (
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// A command that only reads the cluster reads what it shows: status, a
// field of getAll other than the log, a range of the log, an expect and
// Tab completion cost the same on a log of 100,000 entries as on a short
// one. Issue 7 measured status copying every server's log twice (+176 MB
// at 148,000 entries).

var long struct {
	once sync.Once
	s    *Session
}

// longCluster returns a session whose three servers hold at least 100,000
// entries each (a load of two virtual minutes; about two seconds), built
// once per test binary. Callers only read it.
func longCluster(tb testing.TB) *Session {
	tb.Helper()
	long.once.Do(func() {
		s := New(Options{Seed: 1})
		for _, line := range []string{"startServers 3", "getLeaderId", "load clients=150 rate=2000/s for=70s", "run 71s"} {
			if r := s.Exec(line); r.Err != nil {
				panic(line + ": " + r.Err.Error())
			}
		}
		long.s = s
	})
	in, err := long.s.Sim().Brief(0)
	require.NoError(tb, err)
	require.GreaterOrEqual(tb, in.LastIndex, uint64(100_000), "the load must build a long log")
	return long.s
}

// readLines are the read-only commands measured, with what each shows.
var readLines = []string{
	"status",
	"getAll currentTerm",
	"getAll commitIndex 0",
	"getAll state",
	"getAll log 0 5..9",
	"getAll log 100000..100009",
	"expect leader",
	"expect state 0 follower",
	"expect committed 100000",
	"expect value k0 1",
	"expect converged",
}

// bytesPerExec returns the bytes allocated by one Exec of line.
func bytesPerExec(s *Session, line string) uint64 { return bytesOf(func() { s.Exec(line) }) }

// bytesOf returns the bytes f allocates, the least of a few runs (a run
// may pay for a collection's bookkeeping).
func bytesOf(f func()) uint64 {
	best := ^uint64(0)
	var a, b runtime.MemStats
	for range 3 {
		runtime.ReadMemStats(&a)
		f()
		runtime.ReadMemStats(&b)
		best = min(best, b.TotalAlloc-a.TotalAlloc)
	}
	return best
}

func TestReadsDoNotCopyLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a log of 100,000 entries")
	}
	s := longCluster(t)
	// One copy of one server's log would be 100,000 entries of more than
	// 100 bytes: 10 MB. What these commands show is a few lines.
	const bound = 256 << 10
	for _, line := range readLines {
		require.Less(t, bytesPerExec(s, line), uint64(bound), "%s allocates as if it copied a log", line)
	}
	// why reads the trace it cites (at most 200,000 events, however long
	// the run) and of the logs only the entries it names.
	trace := bytesOf(func() { indexTrace(s.Sim().Trace()) })
	require.Less(t, bytesPerExec(s, "why 0"), trace+bound, "why allocates more than the trace it reads")
	c := s.Completer()
	for _, line := range []string{"clientRequest get ", "status", "expect value "} {
		var a, b runtime.MemStats
		runtime.ReadMemStats(&a)
		c.Do([]rune(line), len(line))
		runtime.ReadMemStats(&b)
		require.Less(t, b.TotalAlloc-a.TotalAlloc, uint64(bound), "completing %q allocates as if it copied a log", line)
	}
}

// BenchmarkReads reports what each read-only command allocates on a
// cluster whose logs hold 100,000 entries (B/op).
func BenchmarkReads(b *testing.B) {
	s := longCluster(b)
	for _, line := range append(readLines, "why 0") {
		b.Run(line, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Exec(line)
			}
		})
	}
}
