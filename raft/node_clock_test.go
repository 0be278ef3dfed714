package raft

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A node's clock never goes back: an input dated before the last one is
// the caller's bug (a local clock and true time mixed up), reported in the
// Ready as a broken invariant, and the node takes the later time.
func TestClockGoingBackIsCaught(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	n := tn.nodes[0]
	n.Tick(tn.now + 10*time.Millisecond)
	require.Empty(t, n.Ready().Invariants)
	n.Tick(tn.now + 5*time.Millisecond)
	iv := n.Ready().Invariants
	require.Len(t, iv, 1)
	assert.Equal(t, "clock went back", iv[0].What)
	assert.Equal(t, uint64(tn.now+10*time.Millisecond), iv[0].Index)
	assert.Equal(t, uint64(tn.now+5*time.Millisecond), iv[0].Other)
	assert.Equal(t, fmt.Sprintf("clock went back from %v to %v", tn.now+10*time.Millisecond, tn.now+5*time.Millisecond), iv[0].String())
	assert.Equal(t, "commit index went back at index 7 (against 9)", Invariant{What: "commit index went back", Index: 7, Other: 9}.String())
}
