package quorum

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// acks is an AckedIndexer from a map; ids missing from it have
// acknowledged nothing.
type acks map[ID]Index

func (a acks) AckedIndex(id ID) (Index, bool) {
	idx, ok := a[id]
	return idx, ok
}

func TestNewMajorityConfigSortsAndDedups(t *testing.T) {
	assert.Equal(t, MajorityConfig{0, 1, 2}, NewMajorityConfig(2, 0, 1, 2, 0))
	assert.Empty(t, NewMajorityConfig())
	c := NewMajorityConfig(4, 2)
	assert.True(t, c.Contains(4))
	assert.False(t, c.Contains(3))
}

// §5.2: a majority is more than half, so that any two share a voter.
func TestQuorumIsMoreThanHalf_5_2(t *testing.T) {
	for n, want := range []int{1, 1, 2, 2, 3, 3, 4, 4} {
		c := make(MajorityConfig, n)
		for i := range c {
			c[i] = ID(i)
		}
		assert.Equal(t, want, c.Quorum(), "%d voters", n)
	}
}

// §5.3, §5.4.2: an index is committed once a majority has it; a voter
// that acknowledged nothing counts 0, non-voters do not count.
func TestMajorityCommittedIndex_5_3(t *testing.T) {
	cases := []struct {
		name  string
		c     MajorityConfig
		acked acks
		want  Index
	}{
		{"empty config holds nothing back", MajorityConfig{}, acks{}, math.MaxUint64},
		{"one voter", MajorityConfig{1}, acks{1: 7}, 7},
		{"one voter, nothing acked", MajorityConfig{1}, acks{}, 0},
		{"three: the middle one", MajorityConfig{1, 2, 3}, acks{1: 5, 2: 9, 3: 7}, 7},
		{"three: one silent", MajorityConfig{1, 2, 3}, acks{1: 5, 3: 7}, 5},
		{"three: two silent", MajorityConfig{1, 2, 3}, acks{3: 7}, 0},
		{"four needs three", MajorityConfig{1, 2, 3, 4}, acks{1: 9, 2: 8, 3: 2, 4: 1}, 2},
		{"five", MajorityConfig{1, 2, 3, 4, 5}, acks{1: 10, 2: 10, 3: 4, 4: 4, 5: 3}, 4},
		{"equal acks", MajorityConfig{1, 2, 3, 4, 5}, acks{1: 6, 2: 6, 3: 6, 4: 6, 5: 6}, 6},
		{"non-voters ignored", MajorityConfig{1, 2, 3}, acks{1: 4, 2: 4, 3: 1, 7: 100, 8: 100}, 4},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, tc.c.CommittedIndex(tc.acked), tc.name)
	}
}

// §5.2: won with a majority of yeses, lost once the noes leave too few,
// pending in between; answers of non-voters do not count.
func TestMajorityVoteResult_5_2(t *testing.T) {
	cases := []struct {
		name  string
		c     MajorityConfig
		votes map[ID]bool
		want  VoteResult
	}{
		{"empty config has won", MajorityConfig{}, nil, VoteWon},
		{"one voter, no answer", MajorityConfig{1}, nil, VotePending},
		{"one voter, yes", MajorityConfig{1}, map[ID]bool{1: true}, VoteWon},
		{"one voter, no", MajorityConfig{1}, map[ID]bool{1: false}, VoteLost},
		{"three, one yes", MajorityConfig{1, 2, 3}, map[ID]bool{1: true}, VotePending},
		{"three, two yes", MajorityConfig{1, 2, 3}, map[ID]bool{1: true, 3: true}, VoteWon},
		{"three, one no", MajorityConfig{1, 2, 3}, map[ID]bool{1: true, 2: false}, VotePending},
		{"three, two no", MajorityConfig{1, 2, 3}, map[ID]bool{1: true, 2: false, 3: false}, VoteLost},
		{"four, two yes is not a majority", MajorityConfig{1, 2, 3, 4}, map[ID]bool{1: true, 2: true}, VotePending},
		{"four, two no already lose", MajorityConfig{1, 2, 3, 4}, map[ID]bool{1: false, 2: false}, VoteLost},
		{"outsiders do not count", MajorityConfig{1, 2, 3}, map[ID]bool{1: true, 8: true, 9: true}, VotePending},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, tc.c.VoteResult(tc.votes), tc.name)
	}
}

// §6, dissertation §4.3: in C_old,new an index is committed only once a
// majority of each configuration has it.
func TestJointCommittedIndexNeedsBoth_4_3(t *testing.T) {
	c := JointConfig{{3, 4, 5}, {0, 1, 2}}
	assert.True(t, c.Joint())
	// The new configuration has 9 on a majority, the old one only 2.
	a := acks{0: 9, 1: 2, 2: 1, 3: 9, 4: 9, 5: 0}
	assert.Equal(t, Index(9), c[0].CommittedIndex(a))
	assert.Equal(t, Index(2), c[1].CommittedIndex(a))
	assert.Equal(t, Index(2), c.CommittedIndex(a))
	// Overlapping halves: 1 counts in both.
	o := JointConfig{{1, 2, 3}, {0, 1}}
	assert.Equal(t, Index(5), o.CommittedIndex(acks{0: 5, 1: 5, 2: 5, 3: 1}))
	assert.Equal(t, Index(1), o.CommittedIndex(acks{0: 1, 1: 5, 2: 5, 3: 5}))
	// Not joint: the one configuration alone.
	s := JointConfig{{0, 1, 2}}
	assert.False(t, s.Joint())
	assert.Equal(t, Index(4), s.CommittedIndex(acks{0: 4, 1: 4}))
}

// §6, dissertation §4.3: in C_old,new an election needs a majority of
// each configuration; losing either loses it.
func TestJointVoteResultNeedsBoth_4_3(t *testing.T) {
	c := JointConfig{{3, 4, 5}, {0, 1, 2}}
	cases := []struct {
		name  string
		votes map[ID]bool
		want  VoteResult
	}{
		{"nothing yet", nil, VotePending},
		{"new majority alone", map[ID]bool{3: true, 4: true}, VotePending},
		{"old majority alone", map[ID]bool{0: true, 1: true}, VotePending},
		{"both", map[ID]bool{0: true, 1: true, 3: true, 5: true}, VoteWon},
		{"new won, old lost", map[ID]bool{3: true, 4: true, 0: false, 1: false}, VoteLost},
		{"old won, new lost", map[ID]bool{0: true, 1: true, 4: false, 5: false}, VoteLost},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, c.VoteResult(tc.votes), tc.name)
	}
	assert.Equal(t, VoteWon, JointConfig{{0, 1, 2}}.VoteResult(map[ID]bool{0: true, 2: true}), "not joint: one majority")
}

func TestJointIDsAndString(t *testing.T) {
	c := JointConfig{{1, 3, 4}, {0, 1, 2}}
	assert.Equal(t, MajorityConfig{0, 1, 2, 3, 4}, c.IDs())
	assert.True(t, c.Contains(0))
	assert.True(t, c.Contains(4))
	assert.False(t, c.Contains(5))
	assert.Equal(t, "[1 3 4]&&[0 1 2]", c.String())
	assert.Equal(t, "[0 1]", JointConfig{{0, 1}}.String())
	assert.Equal(t, "won", VoteWon.String())
}

// Tally agrees with VoteResult for every split of answers.
func TestTallyMatchesVoteResult(t *testing.T) {
	for n := 0; n <= 7; n++ {
		c := make(MajorityConfig, n)
		for i := range c {
			c[i] = ID(i)
		}
		for yes := 0; yes <= n; yes++ {
			for no := 0; yes+no <= n; no++ {
				votes := map[ID]bool{}
				for i := 0; i < yes; i++ {
					votes[ID(i)] = true
				}
				for i := yes; i < yes+no; i++ {
					votes[ID(i)] = false
				}
				assert.Equal(t, c.VoteResult(votes), c.Tally(yes, no), "n=%d yes=%d no=%d", n, yes, no)
			}
		}
	}
}

// The selection gives what sorting gives, for every size and many
// distributions of indexes (few distinct values, all equal, all distinct).
func TestCommittedIndexMatchesSorting(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 3000; trial++ {
		n := 1 + r.IntN(40)
		if trial%100 == 0 {
			n = 1 + r.IntN(2000)
		}
		spread := []uint64{1, 3, 1 << 40}[trial%3]
		c := make(MajorityConfig, n)
		a := acks{}
		vals := make([]Index, n)
		for i := range c {
			c[i] = ID(i)
			vals[i] = r.Uint64N(spread)
			a[ID(i)] = vals[i]
		}
		slices.Sort(vals)
		want := vals[n-c.Quorum()]
		if got := c.CommittedIndex(a); got != want {
			t.Fatalf("trial %d: %d voters: got %d, want %d (sorted %v)", trial, n, got, want, vals)
		}
	}
}

// BenchmarkCommittedIndex measures one commit computation at cluster sizes
// from 5 to 5,000 voters: the cost should grow linearly.
func BenchmarkCommittedIndex(b *testing.B) {
	for _, n := range []int{5, 50, 500, 5000} {
		c := make(MajorityConfig, n)
		a := make(sliceAcks, n)
		r := rand.New(rand.NewPCG(3, 4))
		for i := range c {
			c[i] = ID(i)
			a[i] = 1000 + r.Uint64N(64)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				c.CommittedIndex(a)
			}
		})
	}
}

type sliceAcks []Index

func (s sliceAcks) AckedIndex(id ID) (Index, bool) { return s[id], true }

// JointConfig.Tally agrees with VoteResult: random joint configurations
// (overlapping halves, an empty old half) and random answers, counted
// per half.
func TestJointTallyMatchesVoteResult_4_3(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 2000; trial++ {
		var c JointConfig
		for k := range c {
			for id := ID(0); id < 9; id++ {
				if r.IntN(2) == 0 {
					c[k] = append(c[k], id)
				}
			}
		}
		votes := map[ID]bool{}
		for id := ID(0); id < 11; id++ { // 9 and 10 vote in neither half
			if a := r.IntN(3); a > 0 {
				votes[id] = a == 1
			}
		}
		var yes, no [2]int
		for k, half := range c {
			for id, granted := range votes {
				switch {
				case !half.Contains(id):
				case granted:
					yes[k]++
				default:
					no[k]++
				}
			}
		}
		assert.Equal(t, c.VoteResult(votes), c.Tally(yes, no), "trial %d: %v votes %v", trial, c, votes)
	}
}
