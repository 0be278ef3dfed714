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

// TestEstimateWorkCountsCampaigns: without a leader, a big cluster whose
// election timeouts are close together splits its votes round after round,
// every server campaigning to all the others, and the estimate counts it;
// a small one, a wide range of timeouts, or a leader, do not.
func TestEstimateWorkCountsCampaigns(t *testing.T) {
	s := New(Options{Seed: 1, NoSafetyCheck: true})
	require.NoError(t, s.StartServers(1000, ServerOptions{}))
	w := s.EstimateWork(time.Second)
	assert.True(t, w.Campaigns)
	heartbeats := 2 * 999 / DefaultHeartbeatInterval.Seconds()
	campaigns := 1000 / (225 * time.Millisecond).Seconds() * 2 * 999
	assert.InDelta(t, heartbeats+campaigns, w.Events, 1)

	s = New(Options{Seed: 1, NoSafetyCheck: true, ElectionTimeout: 150 * time.Millisecond, ElectionTimeoutMax: 2150 * time.Millisecond})
	require.NoError(t, s.StartServers(1000, ServerOptions{}))
	w = s.EstimateWork(time.Second)
	assert.False(t, w.Campaigns, "2 s of spread lets one of 1,000 win")
	assert.InDelta(t, heartbeats, w.Events, 1)

	s, _ = newCluster(t, 1, 5) // a leader
	assert.False(t, s.EstimateWork(time.Second).Campaigns)
	s = New(Options{Seed: 1})
	require.NoError(t, s.StartServers(5, ServerOptions{}))
	assert.False(t, s.EstimateWork(time.Second).Campaigns, "5 servers elect one")
	s = New(Options{Seed: 1, ElectionTimeout: 150 * time.Millisecond, ElectionTimeoutMax: 150 * time.Millisecond})
	require.NoError(t, s.StartServers(5, ServerOptions{}))
	assert.True(t, s.EstimateWork(time.Second).Campaigns, "constant timeouts never elect")
}
