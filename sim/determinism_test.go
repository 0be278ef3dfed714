package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// scenario drives a simulation through elections, writes, a crash, a
// partition and membership changes, and returns its trace as text.
func scenario(t *testing.T, seed uint64) string {
	t.Helper()
	s := New(Options{Seed: seed})
	var r recorder
	s.OnEvent(r.listen)
	require.NoError(t, s.StartServers(3, ServerOptions{Debug: true}))
	l, ok := s.LeaderID(true)
	require.True(t, ok)
	_, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	require.NoError(t, s.Crash(l))
	_, _ = s.LeaderID(true)
	_, err = s.ClientRequest(raft.None, set("b", "2"))
	require.NoError(t, err)
	require.NoError(t, s.Restart(l))
	require.NoError(t, s.Partition([][]raft.NodeID{{0}}))
	s.Run(500 * time.Millisecond)
	s.Heal()
	_, err = s.AddServer(3, ServerOptions{})
	require.NoError(t, err)
	_, err = s.RemoveServer(1)
	require.NoError(t, err)
	_, err = s.ClientRequest(raft.None, raft.Command{Op: raft.OpGet, Key: "a", ReadOnly: true})
	require.NoError(t, err)
	s.Step(25)
	s.RunUntil(UntilCond{Kind: "idle"}, time.Second)
	requireSafe(t, s)
	return r.text()
}

func TestSameSeedSameTrace(t *testing.T) {
	a, b := scenario(t, 7), scenario(t, 7)
	require.Greater(t, len(a), 10000, "the scenario should produce a real trace")
	assert.Equal(t, a, b, "the same seed and calls must give byte-identical traces")
}

func TestDifferentSeedDifferentTrace(t *testing.T) {
	assert.NotEqual(t, scenario(t, 7), scenario(t, 8))
}

// Tracing must not change what happens: a run with a listener and one
// without end in the same state at the same time.
func TestTracingDoesNotChangeTheRun(t *testing.T) {
	run := func(trace, noCheck bool) (time.Duration, []ServerInfo) {
		s := New(Options{Seed: 3, NoSafetyCheck: noCheck})
		if trace {
			s.OnEvent(func(TraceEvent) {})
		}
		require.NoError(t, s.StartServers(5, ServerOptions{}))
		for i := range 5 {
			_, err := s.ClientRequest(raft.None, set("k", string(rune('a'+i))))
			require.NoError(t, err)
		}
		s.Run(time.Second)
		var infos []ServerInfo
		for _, id := range s.Servers() {
			in, err := s.Info(id)
			require.NoError(t, err)
			infos = append(infos, in)
		}
		return s.Now(), infos
	}
	// Without the checks, nodes are built with tracing off unless a
	// listener is installed: that must not change the run either.
	t1, i1 := run(false, false)
	for _, c := range [][2]bool{{true, false}, {false, true}, {true, true}} {
		t2, i2 := run(c[0], c[1])
		assert.Equal(t, t1, t2, "trace=%v noCheck=%v", c[0], c[1])
		assert.Equal(t, i1, i2, "trace=%v noCheck=%v", c[0], c[1])
	}
}
