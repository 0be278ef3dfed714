package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// probe sends a marker message from -> to (a client reply, which a server
// ignores) and runs the clock until it has arrived or been dropped. It
// returns the kind of the final event (EvDeliver or EvDrop), its reason,
// and how long the message travelled.
func probe(t *testing.T, s *Sim, from, to raft.NodeID, mid func()) (EventKind, string, time.Duration) {
	t.Helper()
	const marker = 987654321
	var kind EventKind = 255
	var reason string
	var sent, arrived time.Duration
	s.OnEvent(func(e TraceEvent) {
		if e.Msg == nil || e.Msg.Type != raft.MsgClientResp || e.Msg.Resp.Seq != marker {
			return
		}
		switch e.Kind {
		case EvSend:
			sent = e.Time
		case EvDeliver, EvDrop, EvClientReply:
			kind, reason, arrived = e.Kind, e.Reason, e.Time
		}
	})
	defer s.OnEvent(nil)
	s.send(&raft.Message{Type: raft.MsgClientResp, From: from, To: to, Resp: &raft.Response{Seq: marker}})
	if mid != nil {
		mid()
	}
	s.Run(s.opts.LatencyMax + time.Millisecond)
	require.NotEqual(t, EventKind(255), kind, "the probe neither arrived nor was dropped")
	return kind, reason, arrived - sent
}

func TestLatencyWithinBounds(t *testing.T) {
	s := New(Options{LatencyMin: 2 * time.Millisecond, LatencyMax: 3 * time.Millisecond})
	seen := map[time.Duration]bool{}
	for range 10000 {
		d := s.latency()
		require.GreaterOrEqual(t, d, 2*time.Millisecond)
		require.Less(t, d, 3*time.Millisecond)
		seen[d] = true
	}
	assert.Greater(t, len(seen), 100, "latency should vary")

	fixed := New(Options{LatencyMin: 4 * time.Millisecond, LatencyMax: 4 * time.Millisecond})
	assert.Equal(t, 4*time.Millisecond, fixed.latency())
}

func TestMessagesArriveAfterTheirLatency(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	for range 20 {
		kind, _, took := probe(t, s, 0, 1, nil)
		require.Equal(t, EvDeliver, kind)
		require.GreaterOrEqual(t, took, DefaultLatencyMin)
		require.Less(t, took, DefaultLatencyMax)
	}
}

func TestPartitionDropsMessagesBetweenGroups(t *testing.T) {
	s, _ := newCluster(t, 1, 5)
	require.NoError(t, s.Partition([][]raft.NodeID{{0, 1}, {2, 3}}))
	// 4 is in no group: it forms the rest.
	for _, c := range []struct {
		from, to raft.NodeID
		ok       bool
	}{{0, 1, true}, {2, 3, true}, {0, 2, false}, {3, 1, false}, {4, 0, false}, {2, 4, false}} {
		kind, reason, _ := probe(t, s, c.from, c.to, nil)
		if c.ok {
			assert.Equal(t, EvDeliver, kind, "%d->%d", c.from, c.to)
			assert.True(t, s.Connected(c.from, c.to))
		} else {
			assert.Equal(t, EvDrop, kind, "%d->%d", c.from, c.to)
			assert.Equal(t, "partition", reason)
			assert.False(t, s.Connected(c.from, c.to))
		}
	}
	// A client reaches every server.
	kind, _, _ := probe(t, s, 3, s.shellClient().id, nil)
	assert.Equal(t, EvClientReply, kind)

	s.Heal()
	kind, _, _ = probe(t, s, 0, 2, nil)
	assert.Equal(t, EvDeliver, kind, "heal restores the links")
}

func TestPartitionDropsMessagesInFlight(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	kind, reason, _ := probe(t, s, 0, 1, func() {
		require.NoError(t, s.Partition([][]raft.NodeID{{1}}))
	})
	assert.Equal(t, EvDrop, kind)
	assert.Equal(t, "partition", reason)
}

func TestCutIsOneWay(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	require.NoError(t, s.Cut(0, 1, false))
	kind, reason, _ := probe(t, s, 0, 1, nil)
	assert.Equal(t, EvDrop, kind)
	assert.Equal(t, "cut", reason)
	kind, _, _ = probe(t, s, 1, 0, nil)
	assert.Equal(t, EvDeliver, kind, "the other direction stays open")
	assert.False(t, s.Connected(0, 1), "a one-way cut means they cannot exchange messages")

	require.NoError(t, s.Cut(1, 2, true))
	for _, p := range [][2]raft.NodeID{{1, 2}, {2, 1}} {
		kind, _, _ = probe(t, s, p[0], p[1], nil)
		assert.Equal(t, EvDrop, kind, "%v", p)
	}
	s.Heal()
	kind, _, _ = probe(t, s, 0, 1, nil)
	assert.Equal(t, EvDeliver, kind)
}

func TestDownServerDropsMessages(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	require.NoError(t, s.Crash(2))
	kind, reason, _ := probe(t, s, 0, 2, nil)
	assert.Equal(t, EvDrop, kind)
	assert.Equal(t, "down", reason)
	assert.False(t, s.Connected(0, 2))
	require.NoError(t, s.Restart(2))
	kind, _, _ = probe(t, s, 0, 2, nil)
	assert.Equal(t, EvDeliver, kind)
}

func TestNetworkErrors(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	require.ErrorIs(t, s.Partition([][]raft.NodeID{{0}, {7}}), ErrNoSuchServer)
	require.ErrorContains(t, s.Partition([][]raft.NodeID{{0, 1}, {1}}), "server 1 is in groups 1 and 2")
	require.Error(t, s.Partition(nil))
	require.Error(t, s.Partition([][]raft.NodeID{{}}))
	require.ErrorIs(t, s.Cut(0, 9, false), ErrNoSuchServer)
	require.Error(t, s.Cut(1, 1, true))
}
