package raft

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// HasQuorumOf answers as HasQuorum does for the same servers (§5.2: more
// than half of the voters; during a joint change, of each half), on
// hand-built cases that must and must not make a quorum.
func TestHasQuorumOfAgreesWithHasQuorum_5_2(t *testing.T) {
	for _, c := range []struct {
		m    Membership
		ids  []NodeID
		want bool
	}{
		{Membership{Voters: []NodeID{0, 1, 2}}, []NodeID{0, 2}, true},
		{Membership{Voters: []NodeID{0, 1, 2}}, []NodeID{1}, false},
		{Membership{Voters: []NodeID{0, 1, 2, 3}}, []NodeID{0, 1}, false}, // half of 4 is no majority
		{Membership{Voters: []NodeID{0, 1, 2, 3}}, []NodeID{0, 1, 3}, true},
		{Membership{Voters: []NodeID{0, 1, 2}}, []NodeID{0, 7, 9}, false}, // servers that do not vote are ignored
		{Membership{Voters: []NodeID{0, 1, 2}, Outgoing: []NodeID{2, 3, 4}}, []NodeID{0, 1}, false},
		{Membership{Voters: []NodeID{0, 1, 2}, Outgoing: []NodeID{2, 3, 4}}, []NodeID{1, 2, 3}, true},
		{Membership{}, []NodeID{0}, true}, // as HasQuorum: nothing to agree
	} {
		got := c.m.HasQuorumOf(func(id NodeID) bool { return slices.Contains(c.ids, id) })
		assert.Equal(t, c.want, got, "%v of %v", c.ids, c.m)
		assert.Equal(t, c.m.HasQuorum(c.ids), got, "HasQuorum %v of %v", c.ids, c.m)
	}
}
