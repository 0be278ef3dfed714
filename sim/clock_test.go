package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// A drifted clock reads base + elapsed*(1+drift), and trueAt is the first
// true time it reads at least a given time: exact, in integers, for any
// span of a run.
func TestClockConversion(t *testing.T) {
	c := clock{ppm: -250_000, at: time.Second, base: 2 * time.Second}
	assert.Equal(t, 2*time.Second+750*time.Millisecond, c.local(2*time.Second))
	assert.Equal(t, 2*time.Second, c.trueAt(2*time.Second+750*time.Millisecond))
	for _, d := range []time.Duration{1, 3, 7 * time.Nanosecond, 24 * time.Hour, 1000 * time.Hour} {
		at := c.trueAt(c.base + d)
		assert.GreaterOrEqual(t, c.local(at), c.base+d, "trueAt(%v) reads at least it", d)
		assert.Less(t, c.local(at-1), c.base+d, "and no earlier true time does")
	}
	assert.Equal(t, c.at, c.trueAt(c.base-time.Second), "a time already read is due now")
}

// clock ID drift=P: a server's timers run at its clock's rate. Twice as
// fast, a follower's election timer that was due in d is due in d/2 of
// true time; the server's clock goes on from what it read, without a jump.
func TestClockDriftRunsTimersAtItsRate(t *testing.T) {
	s := New(Options{Seed: 3})
	require.NoError(t, s.StartServers(3, ServerOptions{}))
	s.RunUntil(UntilCond{Kind: "leader"}, 0)
	l := s.leader()
	f := (l + 1) % 3
	s.Partition([][]raft.NodeID{{f}})
	due := func() time.Duration {
		for _, tm := range s.Timers() {
			if tm.Server == f {
				return tm.Due - s.Now()
			}
		}
		t.Fatal("no timer")
		return 0
	}
	before := due()
	local := s.localNow(s.server(f))
	require.NoError(t, s.SetClockDrift(f, 1_000_000))
	assert.Equal(t, local, s.localNow(s.server(f)), "no jump")
	assert.InDelta(t, float64(before)/2, float64(due()), 1, "due in half the true time")
	assert.Error(t, s.SetClockDrift(f, -950_000))
}

// A snapshot asked for by hand (the shell's snapshot, chaos's forced
// ones) is an input like any other and is dated on the server's own
// clock: given true time, a drifted server's clock jumped to it and back
// at its next input (seed 6 of chaos: a -20% clock 354ms in), and the
// node caught its clock going back.
func TestSnapshotByHandIsOnTheServersClock(t *testing.T) {
	for _, ppm := range []int64{-200_000, 50_000} {
		s := New(Options{Seed: 6})
		require.NoError(t, s.StartServers(3, ServerOptions{}))
		s.RunUntil(UntilCond{Kind: "leader"}, 0)
		for _, id := range s.Servers() {
			require.NoError(t, s.SetClockDrift(id, ppm))
		}
		for range 5 {
			s.Run(300 * time.Millisecond)
			for _, id := range s.Servers() {
				_, err := s.Snapshot(id)
				require.NoError(t, err)
			}
		}
		s.Run(300 * time.Millisecond)
		assert.Empty(t, s.Violations(), "drift %d ppm", ppm)
	}
}
