package session

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Settings each within its own limit that together cannot fit are refused
// before the work, with the reason; ordinary runs are not.
func TestWorkThatCannotFitIsRefused(t *testing.T) {
	for _, c := range []struct {
		setup []string
		line  string
		want  string
	}{
		{[]string{"startServers 3", "load clients=100 rate=100000 for=24h"}, "run 24h", "run 24h: refused: it would process about 2.6e+09 events (3 servers, heartbeats every 50ms, a load of about 5000 operations a second), more than one command may; run at most 55m at a time"},
		{[]string{"startServers 3", "net latency=24h-24h"}, "run 24h", "run 24h: refused: it would keep about 1.2e+07 messages in flight at once (3 servers, heartbeats every 50ms, no leader, and a round of votes (at least 48h on these links) longer than an election timeout"},
		{[]string{"startServers 1000", "load clients=100 rate=1000 for=10s"}, "run 1s", "run 1s: refused: it would process about 1.1e+07 events (1000 servers"},
		// No leader, and 1,000 servers timing out within 150 ms of each
		// other: they campaign for ever (a load or not).
		{[]string{"startServers 1000"}, "run 1s", "run 1s: refused: it would process about 8.9e+06 events (1000 servers, heartbeats every 50ms, no leader, and election timeouts too close together for 1000 servers: their votes split round after round, every server campaigning to all the others (startServers 1000 electionTimeout=150ms-2.15s spreads them so that one wins)), more than one command may; run at most 33ms at a time"},
		{nil, "startServers 3 heartbeatTime=1us", "startServers heartbeatTime: 1µs is too short (at least 1ms"},
		{nil, "startServers 3 electionTimeout=10us-20us", "startServers electionTimeout: 10µs is too short (at least 1ms"},
	} {
		s := New(Options{Seed: 1})
		for _, l := range c.setup {
			execOK(t, s, l)
		}
		before := s.Sim().Now()
		res := s.Exec(c.line)
		require.Error(t, res.Err, c.line)
		assert.Contains(t, res.Err.Error(), c.want)
		assert.Equal(t, before, s.Sim().Now(), "refused before any work")
	}
	s := New(Options{Seed: 1})
	execOK(t, s, "startServers 5")
	execOK(t, s, "load clients=8 rate=200 for=1m")
	execOK(t, s, "run 10s")
	execOK(t, s, "run 1h")
	// The spread the refusal suggests is not refused.
	s = New(Options{Seed: 1})
	execOK(t, s, "startServers 1000 electionTimeout=150ms-2.15s")
	require.NoError(t, s.fits("run 1s", time.Second))
}
