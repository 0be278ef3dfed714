package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"raftsim/raft"
)

// OnNodeEvent gets the nodes' own steps and no message traffic, even with
// the safety checks and the recorded trace off.
func TestOnNodeEventGetsStepsOnly(t *testing.T) {
	s := New(Options{Seed: 3, NoSafetyCheck: true, TraceCap: -1})
	kinds := map[EventKind]int{}
	became := 0
	s.OnNodeEvent(func(e TraceEvent) {
		kinds[e.Kind]++
		if e.Raft.Kind == raft.EvBecome && e.Raft.Role == raft.Leader {
			became++
		}
	})
	assert.NoError(t, s.StartServers(3, ServerOptions{}))
	_, ok := s.LeaderID(true)
	assert.True(t, ok)
	assert.Equal(t, 1, became, "the election is reported")
	assert.Len(t, kinds, 1, "only node steps: %v", kinds)
	assert.Positive(t, kinds[EvRaft])
}
