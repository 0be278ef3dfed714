package raft

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testRand() Rand { return rand.New(rand.NewPCG(3, 4)) }

// §5.2 relies on randomized election timeouts: a node without a source of
// randomness is refused rather than silently given fixed timeouts.
func TestConfigWithoutRandIsAnError_5_2(t *testing.T) {
	_, err := NewNode(Config{ID: 0, StateMachine: newTestSM()}, Storage{Bootstrap: []NodeID{0}}, 0)
	require.ErrorIs(t, err, ErrNoRand)
}

// A node without a state machine is refused: committed commands would be
// applied to nothing and their clients answered with nothing.
func TestConfigWithoutStateMachineIsAnError(t *testing.T) {
	_, err := NewNode(Config{ID: 0, Rand: testRand()}, Storage{Bootstrap: []NodeID{0}}, 0)
	require.ErrorIs(t, err, ErrNoStateMachine)
}

// §5.2 (broadcastTime << electionTimeout): a heartbeat interval that is not
// shorter than the election timeout makes followers of a healthy leader
// time out, so it is refused, and so are negative values.
func TestConfigHeartbeatBelowElectionTimeout_5_2(t *testing.T) {
	for _, c := range []Config{
		{ElectionTimeout: 100 * time.Millisecond, HeartbeatInterval: 100 * time.Millisecond},
		{ElectionTimeout: 30 * time.Millisecond}, // the default heartbeat is 50ms
		{ElectionTimeout: -time.Millisecond},
		{MaxInflight: -1},
	} {
		c.Rand, c.StateMachine = testRand(), newTestSM()
		_, err := NewNode(c, Storage{Bootstrap: []NodeID{0}}, 0)
		assert.Error(t, err, "%+v", c)
	}
}

// A bootstrap membership given out of order, or with an id twice, is the
// same membership: the server finds itself in it and campaigns, asking each
// other member once.
func TestConfigBootstrapSortedAndDeduplicated(t *testing.T) {
	n, err := NewNode(Config{ID: 2, Rand: testRand(), StateMachine: newTestSM()}, Storage{Bootstrap: []NodeID{2, 1, 0, 1}}, 0)
	require.NoError(t, err)
	n.Ready()
	require.NotZero(t, n.Deadline(), "server 2 does not see itself as a member")
	n.Tick(n.Deadline())
	var to []NodeID
	for _, m := range n.Ready().Messages {
		to = append(to, m.To)
	}
	assert.Equal(t, []NodeID{0, 1}, to)
	assert.Equal(t, []NodeID{0, 1, 2}, n.Members())
}

// A zero ElectionTimeout means the default everywhere it is read: here the
// §4.2.3 guard (with check-quorum), which must still ignore a vote request that arrives just
// after a heartbeat from the leader.
func TestConfigZeroElectionTimeoutIsTheDefault_4_2_3(t *testing.T) {
	n, err := NewNode(Config{ID: 0, Rand: testRand(), CheckQuorum: true, StateMachine: newTestSM()}, Storage{Bootstrap: []NodeID{0, 1, 2}}, 0)
	require.NoError(t, err)
	n.Step(0, &Message{Type: MsgApp, From: 1, To: 0, Term: 1})
	n.Step(10*time.Millisecond, &Message{Type: MsgVote, From: 2, To: 0, Term: 2})
	assert.Equal(t, uint64(1), n.Term(), "the vote request of a disrupting server was not ignored")
	assert.Equal(t, NodeID(1), n.Leader())
}

// A malformed disk is refused rather than run: entries must sit at their
// own index, with terms that never decrease.
func TestConfigStorageLogChecked(t *testing.T) {
	_, err := NewNode(Config{ID: 0, Rand: testRand(), StateMachine: newTestSM()}, Storage{HardState: HardState{Term: 2},
		Log: []Entry{{Index: 1, Term: 1}, {Index: 3, Term: 1}}, Bootstrap: []NodeID{0}}, 0)
	assert.Error(t, err)
	_, err = NewNode(Config{ID: 0, Rand: testRand(), StateMachine: newTestSM()}, Storage{HardState: HardState{Term: 2},
		Log: []Entry{{Index: 1, Term: 2}, {Index: 2, Term: 1}}, Bootstrap: []NodeID{0}}, 0)
	assert.Error(t, err)
}
