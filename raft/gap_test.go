package raft

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A pipelined follower that refuses an AppendEntries as "log too short"
// while the entries it lacks are still on their way (the refused message
// overtook them, and the follower could hold no more) does not rewind the
// pipeline: nothing is sent again at once. Once the follower's match
// reaches the refused message's PrevIndex, what it refused goes again,
// with what was proposed meanwhile; if the entries it lacks were lost, the
// first heartbeat a whole interval without progress probes it from its
// match (§5.3), so the follower waits at most two intervals.
func TestRefusalThatOvertookItsPredecessorsWaitsForThem(t *testing.T) {
	for _, lost := range []bool{false, true} {
		tn := newBatchNet(t, 3, 1) // every entry in a message of its own
		l := settledLeader(t, tn)
		first := l.LastIndex() + 1
		propose(tn, l, 3) // entries first..first+2, to 1 and 2
		apps := appsTo(tn, 1)
		require.Len(t, apps, 3)
		tn.queue = nil // nothing reaches the followers
		pr := l.prs.get(1)
		// The third arrived first and was refused: the follower's log
		// ends before first.
		l.Step(tn.now, &Message{Type: MsgAppResp, From: 1, To: 0, Term: l.Term(), Reject: true,
			PrevIndex: first + 1, ConflictIndex: first})
		rd := tn.collect(l)
		assert.Empty(t, rd.Messages, "lost=%v: nothing goes again before the gap fills", lost)
		assert.Equal(t, stateReplicate, pr.state)
		assert.Equal(t, first+1, pr.gapPrev)
		if lost {
			// The first two never arrive: the first heartbeat a whole
			// interval without progress probes the follower from its
			// match, and it has every entry after at most two intervals.
			tn.advance(2 * l.cfg.HeartbeatInterval)
			assert.Equal(t, l.Log(), tn.nodes[1].Log(), "the follower has every entry")
			continue
		}
		// The first arrives: match moves, but not to the gap.
		l.Step(tn.now, &Message{Type: MsgAppResp, From: 1, To: 0, Term: l.Term(), Match: first})
		rd = tn.collect(l)
		assert.Empty(t, appsTo(&testNet{queue: rd.Messages}, 1), "the second is still on its way")
		// The second arrives: the gap is filled, the refused third goes
		// again, and with it an entry proposed meanwhile.
		propose(tn, l, 1)
		tn.queue = nil
		l.Step(tn.now, &Message{Type: MsgAppResp, From: 1, To: 0, Term: l.Term(), Match: first + 1})
		rd = tn.collect(l)
		again := appsTo(&testNet{queue: rd.Messages}, 1)
		require.Len(t, again, 2)
		assert.Equal(t, first+1, again[0].PrevIndex, "the refused entry goes again")
		assert.Equal(t, first+2, again[1].PrevIndex, "and the one proposed meanwhile")
		assert.Zero(t, pr.gapPrev)
	}
}
