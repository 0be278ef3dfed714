package raft

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The progress table finds small ids by index and large ones in its map,
// hands out progresses that never move while more are added, and forgets
// removed ones.
func TestProgressTable(t *testing.T) {
	var tb progressTable
	ids := []NodeID{0, 3, 7, denseIDs - 1, denseIDs, 999_999}
	var got []*progress
	for i, id := range ids {
		assert.Nil(t, tb.get(id))
		got = append(got, tb.add(id, progress{next: uint64(i + 1)}, 2))
	}
	require.Equal(t, len(ids), tb.len())
	for i, id := range ids {
		assert.Same(t, got[i], tb.get(id), "id %d", id)
		assert.Equal(t, uint64(i+1), tb.get(id).next)
	}
	assert.Nil(t, tb.get(1))
	assert.Nil(t, tb.get(-1))
	assert.Nil(t, tb.get(1_000_000))
	tb.remove(3)
	tb.remove(999_999)
	tb.remove(5) // none: nothing happens
	assert.Nil(t, tb.get(3))
	assert.Nil(t, tb.get(999_999))
	assert.Equal(t, len(ids)-2, tb.len())
	assert.Same(t, got[0], tb.get(0))
	tb.reset()
	assert.Zero(t, tb.len())
	assert.Nil(t, tb.get(0))
}

// A leader replicates to servers whose ids are past the table's dense
// range as to any other: it commits through them, and Progress lists
// every server.
func TestLeaderWithLargeIDs(t *testing.T) {
	ids := []NodeID{2, denseIDs + 5, 999_999}
	tn := newTestNetIDs(t, ids, Rules{})
	tn.elect(999_999)
	tn.request(999_999, set("x", "1"))
	r, ok := tn.lastReply()
	require.True(t, ok)
	assert.Equal(t, StatusSuccess, r.Status)
	tn.advance(60 * time.Millisecond) // a heartbeat tells the followers the commit
	next, match := tn.nodes[999_999].Progress()
	assert.Len(t, next, 3)
	for _, id := range ids {
		assert.Equal(t, tn.nodes[999_999].LastIndex(), match[id], "server %d", id)
		assert.Equal(t, Value("1"), tn.sm(id)["x"], "server %d", id)
	}
}
