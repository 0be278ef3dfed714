package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEstimateWork(t *testing.T) {
	s := New(Options{Seed: 1})
	assert.Zero(t, s.EstimateWork(time.Hour).Events, "no servers, no work")
	require.NoError(t, s.StartServers(3, ServerOptions{}))
	w := s.EstimateWork(10 * time.Second)
	// A leader's heartbeats to 2 followers and their answers, 20 times a second.
	assert.InDelta(t, 800, w.Events, 1e-6)
	assert.Equal(t, 3, w.Servers)
	assert.Equal(t, DefaultLatencyMax, w.Slowest)
	assert.InDelta(t, 80*DefaultLatencyMax.Seconds(), w.InFlight, 1e-6)

	// A load adds a replication round per operation, for as long as it runs;
	// 4 clients cannot start more than one operation per round trip each.
	_, err := s.StartLoad(LoadOptions{Clients: 4, Rate: 50, Duration: 5 * time.Second})
	require.NoError(t, err)
	w = s.EstimateWork(10 * time.Second)
	assert.InDelta(t, 800+50*5*6, w.Events, 1e-6)
	s.StopLoad()
	_, err = s.StartLoad(LoadOptions{Clients: 4, Rate: 100000, Duration: time.Hour})
	require.NoError(t, err)
	w = s.EstimateWork(time.Second)
	assert.InDelta(t, 80+4/(4*DefaultLatencyMin.Seconds())*6, w.Events, 1e-6, "a closed loop caps the rate")

	// Crashed servers send nothing.
	require.NoError(t, s.Crash(1))
	require.NoError(t, s.Crash(2))
	s.StopLoad()
	assert.Zero(t, s.EstimateWork(time.Hour).Events)
}
