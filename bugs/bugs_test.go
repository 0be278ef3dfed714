package bugs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
	"raftsim/raft/quorum"
)

type acks map[quorum.ID]quorum.Index

func (a acks) AckedIndex(id quorum.ID) (quorum.Index, bool) {
	i, ok := a[id]
	return i, ok
}

func TestLookup(t *testing.T) {
	for _, name := range Names() {
		b, ok := Lookup(name)
		require.True(t, ok, name)
		assert.Equal(t, name, b.Name)
		assert.NotEmpty(t, b.What)
		assert.True(t, hasRule(b.Rules), "%s plants a rule", name)
	}
	for _, correct := range []string{"", "none"} {
		b, ok := Lookup(correct)
		require.True(t, ok)
		assert.False(t, hasRule(b.Rules), "%q is the correct Raft", correct)
	}
	_, ok := Lookup("off-by-one")
	assert.False(t, ok)
}

func hasRule(r raft.Rules) bool {
	return r.Quorum != nil || r.UpToDate != nil || r.Persist != nil || r.Commit != nil || r.NoNoop || r.UnconfirmedReads ||
		r.Lease != nil || r.TransferBehind || r.DropLogOnSnapshot
}

// even-majority: 2 of 4 elect and commit; with 3 or 5 servers it is the
// true majority.
func TestEvenMajorityCountsHalf(t *testing.T) {
	b, _ := Lookup("even-majority")
	four := b.Rules.Quorum(quorum.JointConfig{{0, 1, 2, 3}})
	assert.Equal(t, quorum.VoteWon, four.VoteResult(map[quorum.ID]bool{0: true, 1: true}))
	assert.Equal(t, quorum.Index(7), four.CommittedIndex(acks{0: 7, 1: 7}))
	three := b.Rules.Quorum(quorum.JointConfig{{0, 1, 2}})
	assert.Equal(t, quorum.VotePending, three.VoteResult(map[quorum.ID]bool{0: true}))
	assert.Equal(t, quorum.VoteLost, three.VoteResult(map[quorum.ID]bool{0: false, 1: false}))
	assert.Equal(t, quorum.Index(0), three.CommittedIndex(acks{0: 7}))
}

func TestForgetVoteWritesNoVote(t *testing.T) {
	b, _ := Lookup("forget-vote")
	assert.Equal(t, raft.HardState{Term: 3, VotedFor: raft.None}, b.Rules.Persist(raft.HardState{Term: 3, VotedFor: 2}))
}
