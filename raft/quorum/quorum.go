// Package quorum answers the two questions Raft asks of a configuration:
// which log index has a quorum of its voters acknowledged (the commit index,
// and the heartbeat round a ReadIndex read waits for), and has a vote
// been won, lost, or is it still open (elections, pre-votes, check-quorum).
//
// A MajorityConfig is one set of voters, decided by more than half of them
// (§5.2). A JointConfig is two of them, the new configuration and the old
// one during a change through joint consensus (§6, dissertation §4.3):
// every decision needs a majority of each. Outside a change the old one is
// empty, and an empty MajorityConfig agrees to everything, so the joint
// configuration decides as its new half alone.
//
// The package knows nothing of logs, terms or messages; it is pure
// arithmetic on sets of ids, tested with hand-built cases.
package quorum

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// ID names a voter. The raft package's NodeID is this type, so that its
// configurations are quorum configurations without copying.
type ID int

// Index is a log index (or a heartbeat round number: any counter that only
// grows).
type Index = uint64

// AckedIndexer says, for a voter, the highest index it has acknowledged,
// and false if it has acknowledged nothing (which counts as 0).
type AckedIndexer interface {
	AckedIndex(id ID) (Index, bool)
}

// VoteResult is the state of a vote.
type VoteResult uint8

// The outcomes of a vote.
const (
	// VotePending: neither enough yeses to win nor enough noes to lose
	// yet; the missing voters decide.
	VotePending VoteResult = iota + 1
	// VoteLost: even if every missing voter said yes, there would be no
	// quorum.
	VoteLost
	// VoteWon: a quorum said yes.
	VoteWon
)

func (r VoteResult) String() string {
	switch r {
	case VotePending:
		return "pending"
	case VoteLost:
		return "lost"
	case VoteWon:
		return "won"
	}
	return "VoteResult(" + strconv.Itoa(int(r)) + ")"
}

// MajorityConfig is a set of voters, ascending and without duplicates
// (NewMajorityConfig makes one from any list). It may be used as a plain
// sorted slice.
type MajorityConfig []ID

// NewMajorityConfig returns the voters ids as a MajorityConfig: sorted,
// duplicates dropped, ids not modified.
func NewMajorityConfig(ids ...ID) MajorityConfig {
	c := slices.Clone(ids)
	slices.Sort(c)
	return slices.Compact(c)
}

// Contains reports whether id is a voter of c.
func (c MajorityConfig) Contains(id ID) bool {
	_, ok := slices.BinarySearch(c, id)
	return ok
}

// Quorum returns how many voters of c make a majority: more than half.
// Two majorities of one configuration always share a voter, which is what
// makes one vote per term elect at most one leader (§5.2) and a committed
// entry reach every later leader (§5.4).
func (c MajorityConfig) Quorum() int { return len(c)/2 + 1 }

// String returns the voters as "[0 1 2]".
func (c MajorityConfig) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range c {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(int(id)))
	}
	b.WriteByte(']')
	return b.String()
}

// CommittedIndex returns the highest index that a majority of c has
// acknowledged: the Quorum()-th largest of the voters' acknowledged
// indexes, a voter that acknowledged nothing counting 0. An empty
// configuration returns math.MaxUint64, so that it never holds back the
// other half of a joint configuration.
//
// It runs in time linear in len(c) (a selection, not a sort), and
// allocates nothing for configurations of up to 16 voters.
func (c MajorityConfig) CommittedIndex(l AckedIndexer) Index {
	n := len(c)
	if n == 0 {
		return math.MaxUint64
	}
	var stack [16]Index
	acked := stack[:0]
	if n > len(stack) {
		acked = make([]Index, 0, n)
	}
	for _, id := range c {
		idx, _ := l.AckedIndex(id)
		acked = append(acked, idx)
	}
	// In ascending order, the q-th largest sits at n-q: at least q voters
	// have acknowledged it or more.
	return selectKth(acked, n-c.Quorum())
}

// VoteResult returns the state of a vote in c given the answers so far
// (true: granted, false: refused; a voter missing from votes has not
// answered, and answers from non-voters do not count). An empty
// configuration has won every vote.
func (c MajorityConfig) VoteResult(votes map[ID]bool) VoteResult {
	yes, no := 0, 0
	for _, id := range c {
		granted, answered := votes[id]
		switch {
		case !answered:
		case granted:
			yes++
		default:
			no++
		}
	}
	return c.Tally(yes, no)
}

// Tally returns the state of a vote in c in which yes of its voters have
// said yes and no of them no (the rest have not answered). VoteResult
// counts a map of answers; a caller that counts as the answers come uses
// this instead.
func (c MajorityConfig) Tally(yes, no int) VoteResult {
	q := c.Quorum()
	switch {
	case len(c) == 0 || yes >= q:
		return VoteWon
	case len(c)-no >= q:
		return VotePending
	}
	return VoteLost
}

// JointConfig is the configuration of a cluster: [0] the voters of the
// configuration being entered (or of the only one), [1] those of the
// configuration being left while a change goes through joint consensus
// (empty otherwise). Every decision needs a majority of each.
type JointConfig [2]MajorityConfig

// Joint reports whether c is in the middle of a change (C_old,new).
func (c JointConfig) Joint() bool { return len(c[1]) > 0 }

// Contains reports whether id is a voter of either half.
func (c JointConfig) Contains(id ID) bool { return c[0].Contains(id) || c[1].Contains(id) }

// IDs returns the voters of both halves, ascending, each once.
func (c JointConfig) IDs() MajorityConfig {
	if !c.Joint() {
		return slices.Clone(c[0])
	}
	return NewMajorityConfig(append(slices.Clone(c[0]), c[1]...)...)
}

// String returns "[0 1 2]", or "[3 4 5]&&[0 1 2]" during a change (new
// configuration first).
func (c JointConfig) String() string {
	if !c.Joint() {
		return c[0].String()
	}
	return c[0].String() + "&&" + c[1].String()
}

// CommittedIndex returns the highest index both halves have acknowledged
// with a majority each: the smaller of the two.
func (c JointConfig) CommittedIndex(l AckedIndexer) Index {
	return min(c[0].CommittedIndex(l), c[1].CommittedIndex(l))
}

// VoteResult returns the state of a vote that needs both halves: won once
// both are won, lost as soon as either is lost, pending otherwise.
func (c JointConfig) VoteResult(votes map[ID]bool) VoteResult {
	return combine(c[0].VoteResult(votes), c[1].VoteResult(votes))
}

// Tally returns the state of a vote in which yes[k] voters of half k
// have said yes and no[k] of them no: what VoteResult answers, for a
// caller that counts the answers as they come, with no pass over the
// voters.
func (c JointConfig) Tally(yes, no [2]int) VoteResult {
	return combine(c[0].Tally(yes[0], no[0]), c[1].Tally(yes[1], no[1]))
}

func combine(a, b VoteResult) VoteResult {
	switch {
	case a == b:
		return a
	case a == VoteLost || b == VoteLost:
		return VoteLost
	}
	return VotePending
}

// selectKth returns the element that would sit at position k (0-based) if
// a were sorted ascending, reordering a (Hoare's quickselect: linear time
// on average). The pivots come from a fixed-seed generator, so the time
// does not depend on the order the voters are in, and the result never
// depends on anything but the values.
func selectKth(a []Index, k int) Index {
	lo, hi := 0, len(a)-1
	seed := uint64(len(a))*0x9e3779b97f4a7c15 | 1
	for lo < hi {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		p := a[lo+int(seed%uint64(hi-lo+1))]
		// Three-way partition: [lo, lt) < p, [lt, gt] == p, (gt, hi] > p,
		// so that many equal indexes (the common case: followers that all
		// acknowledged the same entry) cost one pass.
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch {
			case a[i] < p:
				a[lt], a[i] = a[i], a[lt]
				lt++
				i++
			case a[i] > p:
				a[i], a[gt] = a[gt], a[i]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return p
		}
	}
	return a[k]
}
