package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// Under a heavy load on the default network, whose per-message latency
// reorders AppendEntries, each entry reaches each follower about once: a
// message that overtakes its predecessors is held rather than refused, and
// refusals of superseded messages rewind nothing (issue 6 point 5, where
// each entry was sent 5.4 times).
func TestEachEntrySentToEachFollowerAboutOnce(t *testing.T) {
	s := New(Options{Seed: 1})
	copies := map[raft.NodeID]int{}
	rejects, answers := 0, 0
	s.OnEvent(func(e TraceEvent) {
		if e.Kind != EvSend || e.Msg == nil {
			return
		}
		switch e.Msg.Type {
		case raft.MsgApp:
			copies[e.Msg.To] += len(e.Msg.Entries)
		case raft.MsgAppResp:
			answers++
			if e.Msg.Reject {
				rejects++
			}
		}
	})
	require.NoError(t, s.StartServers(3, ServerOptions{}))
	// Three seconds: the clients wait for their answers, so a little
	// less than 400/s comes out (batching adds half a round trip of
	// latency under load), and the ratio needs 500 entries at least.
	_, err := s.StartLoad(LoadOptions{Clients: 20, Rate: 400, Keys: 5, Duration: 3 * time.Second})
	require.NoError(t, err)
	s.Run(3 * time.Second)
	ok, why := s.WaitQuiet(5 * time.Second)
	require.True(t, ok, why)
	l, found := s.LeaderID(false)
	require.True(t, found)
	entries := s.server(l).node.LastIndex()
	require.Greater(t, entries, uint64(500))
	for id, c := range copies {
		t.Logf("S%d: %d entry copies for %d entries (%.2f each); %d of %d answers refusals", id, c, entries, float64(c)/float64(entries), rejects, answers)
		assert.LessOrEqual(t, float64(c)/float64(entries), 1.2, "S%d got %d copies of %d entries", id, c, entries)
	}
	assert.Less(t, rejects*10, answers, "%d of %d answers were refusals", rejects, answers)
	requireSafe(t, s)
}
