package session

import (
	"testing"

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
		{[]string{"startServers 3", "net latency=24h-24h"}, "run 24h", "run 24h: refused: it would keep about 6.9e+06 messages in flight at once"},
		{[]string{"startServers 1000", "load clients=100 rate=1000 for=10s"}, "run 1s", "run 1s: refused: it would process about 2e+06 events (1000 servers"},
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
}
