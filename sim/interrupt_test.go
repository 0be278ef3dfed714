package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// stopAfter returns a poll function that lets n polls pass, then stops the
// simulation (as the shell's Ctrl-C does).
func stopAfter(n int) func(Progress) bool {
	return func(Progress) bool {
		n--
		return n >= 0
	}
}

func TestInterruptStopsRunAtAnEvent(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	start, e0 := s.Now(), s.Events()
	s.SetPoll(stopAfter(2))
	s.Run(24 * time.Hour)
	require.True(t, s.Interrupted())
	stopped := s.Now()
	require.Greater(t, stopped, start, "some events ran")
	require.Less(t, stopped, start+time.Hour, "the run stopped early")
	require.LessOrEqual(t, s.Events()-e0, uint64(3*PollEvery), "stopped at the third poll")
	require.Greater(t, s.Events()-e0, uint64(2*PollEvery))

	// While interrupted, nothing runs; after ClearInterrupt the cluster goes on.
	s.Run(time.Second)
	require.Equal(t, stopped, s.Now())
	s.SetPoll(nil)
	s.ClearInterrupt()
	s.Run(time.Second)
	require.Equal(t, stopped+time.Second, s.Now())
	requireSafe(t, s)
}

func TestInterruptStopsStepAndRunUntil(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	s.SetPoll(stopAfter(0))
	done := s.Step(10 * PollEvery)
	require.True(t, s.Interrupted())
	require.Less(t, done, 10*PollEvery)

	s.ClearInterrupt()
	l := s.leader()
	require.NoError(t, s.Crash((l+1)%3))
	require.NoError(t, s.Crash((l+2)%3)) // no majority left: no leader can be elected
	s.Run(time.Second)
	s.SetPoll(stopAfter(0))
	require.False(t, s.RunUntil(UntilCond{Kind: "leader"}, 24*time.Hour))
	require.True(t, s.Interrupted())
	require.Less(t, s.Now(), 24*time.Hour)
}

// An interrupted request goes on by itself (shellClient): the next one gets
// its own answer, and the first one ends in its own time.
func TestInterruptedClientRequestGoesOn(t *testing.T) {
	s, l := newCluster(t, 1, 3)
	require.NoError(t, s.Crash((l+1)%3))
	require.NoError(t, s.Crash((l+2)%3)) // the leader cannot commit: the request waits
	s.SetPoll(stopAfter(3))
	s.pollMask = 0 // poll at every event: the request has few
	_, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	require.True(t, s.Interrupted())

	s.SetPoll(nil)
	s.ClearInterrupt()
	require.NoError(t, s.Restart((l+1)%3))
	r, err := s.ClientRequest(raft.None, set("b", "2"))
	require.NoError(t, err)
	require.Equal(t, raft.StatusSuccess, r.Status)
	require.Equal(t, 1, s.pending, "the first request still waits")
	s.Run(10 * s.opts.ElectionTimeout)
	require.Equal(t, 0, s.pending, "the first request has ended")
}
