package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// The observer runs before each event, while Now is still the time of the
// one before: it sees every state the run passes through.
func TestObserveSeesEveryStateBetweenEvents(t *testing.T) {
	s := New(Options{Seed: 1})
	require.NoError(t, s.StartServers(3, ServerOptions{}))
	var times []time.Duration
	s.Observe(func() { times = append(times, s.Now()) })
	next, ok := s.NextAt()
	require.True(t, ok)
	require.Equal(t, 1, s.Step(1))
	require.Equal(t, []time.Duration{0}, times, "the observer runs before the event, at the time before it")
	require.Equal(t, next, s.Now(), "NextAt is the time of the event Step runs")
	s.Run(time.Second)
	for i := 1; i < len(times); i++ {
		require.LessOrEqual(t, times[i-1], times[i])
	}
	s.Observe(nil)
	n := len(times)
	s.Run(time.Second)
	require.Len(t, times, n, "a removed observer is not called")
}

// An observer changes nothing: the run is the same with and without one,
// and running in slices is running in one go.
func TestObserveAndSlicedRunsKeepTheRun(t *testing.T) {
	run := func(observe bool, slices int) []ServerInfo {
		s := New(Options{Seed: 3})
		require.NoError(t, s.StartServers(3, ServerOptions{}))
		if observe {
			s.Observe(func() { s.InFlight() })
		}
		for i := 0; i < slices; i++ {
			s.Run(2 * time.Second / time.Duration(slices))
		}
		var out []ServerInfo
		for _, id := range s.Servers() {
			si, err := s.Info(id)
			require.NoError(t, err)
			out = append(out, si)
		}
		return out
	}
	want := run(false, 1)
	require.Equal(t, want, run(true, 1))
	require.Equal(t, want, run(false, 977))
}

func TestInFlight(t *testing.T) {
	s := New(Options{Seed: 1})
	require.NoError(t, s.StartServers(3, ServerOptions{}))
	// Run to the first timeout: the pre-candidate's requests are on the wire.
	s.Run(s.Timers()[0].Due)
	fs := s.InFlight()
	require.Len(t, fs, 2, "a pre-candidate asks the two others for their pre-votes")
	for i, f := range fs {
		require.Equal(t, raft.MsgPreVote, f.Msg.Type)
		require.Greater(t, f.Due, s.Now())
		if i > 0 {
			require.LessOrEqual(t, fs[i-1].Due, f.Due, "in arrival order")
			require.NotEqual(t, fs[i-1].ID, f.ID)
		}
	}
	si, last, err := s.InfoTail(fs[0].Msg.From, 5)
	require.NoError(t, err)
	require.Equal(t, raft.PreCandidate, si.Role)
	require.Zero(t, last)
}

func TestInfoTailKeepsTheEndOfTheLog(t *testing.T) {
	s, l := newCluster(t, 1, 3)
	for i := 0; i < 10; i++ {
		_, err := s.ClientRequest(l, set("k", "1"))
		require.NoError(t, err)
	}
	full, err := s.Info(l)
	require.NoError(t, err)
	tail, last, err := s.InfoTail(l, 4)
	require.NoError(t, err)
	require.Equal(t, full.Log[len(full.Log)-4:], tail.Log)
	require.Equal(t, full.Log[len(full.Log)-1].Index, last)
	require.Equal(t, full.CommitIndex, tail.CommitIndex)
	require.Equal(t, full.MatchIndex, tail.MatchIndex)

	require.NoError(t, s.Crash(l))
	down, last, err := s.InfoTail(l, 4)
	require.NoError(t, err)
	require.False(t, down.Up)
	require.Equal(t, tail.Log, down.Log, "a crashed server's log is on its disk")
	require.Equal(t, full.Log[len(full.Log)-1].Index, last)
	whole, _, err := s.InfoTail(l, 1000)
	require.NoError(t, err)
	require.Equal(t, full.Log, whole.Log, "a tail longer than the log is the log")
	none, _, err := s.InfoTail(l, 0)
	require.NoError(t, err)
	require.NotNil(t, none.Log)
	require.Empty(t, none.Log)
}

// Linked is about the network only; Connected also asks whether both are up.
func TestLinkedIgnoresDownServers(t *testing.T) {
	s, l := newCluster(t, 1, 3)
	o := (l + 1) % 3
	require.NoError(t, s.Crash(l))
	require.False(t, s.Connected(l, o))
	require.True(t, s.Linked(l, o))
	require.NoError(t, s.Cut(o, l, false))
	require.False(t, s.Linked(o, l))
	require.True(t, s.Linked(l, o), "a one-way cut blocks one way")
}

func TestFlightIDsAreInFlight(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	for i := 0; i < 100 && len(s.InFlight()) < 2; i++ {
		s.Step(1) // until a heartbeat round is on the wire
	}
	var want []uint64
	for _, f := range s.InFlight() {
		want = append(want, f.ID)
	}
	require.NotEmpty(t, want)
	require.ElementsMatch(t, want, s.FlightIDs(nil))
}
