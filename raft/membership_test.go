package raft

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func addServer(id NodeID) Command    { return Command{Op: OpAddServer, Server: id} }
func removeServer(id NodeID) Command { return Command{Op: OpRemoveServer, Server: id} }

// joining creates server id with an empty disk, as addServer does.
func (tn *testNet) joining(id NodeID) *Node {
	tn.disks[id] = &Storage{}
	return tn.start(id)
}

// Dissertation §4.1, §4.2.1: a new server first catches up as a non-voting
// member; then the leader appends the new configuration, which is in force
// as soon as it is in a log, and answers OK once it commits.
func TestAddServerCatchesUpThenCommits_4_1(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	for i := 0; i < 20; i++ {
		tn.request(0, set("k", Value("1")))
	}
	n3 := tn.joining(3)
	assert.Zero(t, n3.Deadline(), "a server with no configuration never campaigns")
	tn.request(0, addServer(3))
	tn.advance(100 * time.Millisecond)
	r, ok := tn.lastReply()
	require.True(t, ok)
	assert.Equal(t, StatusOK, r.Status)
	for _, id := range []NodeID{0, 1, 2, 3} {
		assert.Equal(t, []NodeID{0, 1, 2, 3}, tn.nodes[id].Members(), "server %d", id)
	}
	assert.Equal(t, tn.nodes[0].Log(), n3.Log())
	assert.Equal(t, Value("1"), tn.sm(3)["k"])
	assert.NotZero(t, n3.Deadline(), "a member now: it has an election timer")
}

func TestMembershipStatuses_4_1(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.request(1, addServer(3))
	r, _ := tn.lastReply()
	assert.Equal(t, StatusNotLeader, r.Status)
	assert.Equal(t, NodeID(0), r.LeaderHint)

	tn.request(0, addServer(2))
	r, _ = tn.lastReply()
	assert.Equal(t, StatusAlreadyAMember, r.Status)

	tn.request(0, removeServer(7))
	r, _ = tn.lastReply()
	assert.Equal(t, StatusNotAMember, r.Status)

	// While server 3 catches up (it is down, so it never does), a second
	// change is refused: one change at a time.
	tn.disks[3] = &Storage{}
	tn.request(0, addServer(3))
	tn.request(0, removeServer(1))
	r, _ = tn.lastReply()
	assert.Equal(t, StatusPendingConfigChange, r.Status)

	// The unreachable server's catch-up gives up with TIMEOUT.
	tn.advance(10 * time.Second)
	r, _ = tn.lastReply()
	assert.Equal(t, StatusTimeout, r.Status)
	assert.Equal(t, []NodeID{0, 1, 2}, tn.nodes[0].Members())
}

// §4.2.2: a leader that removes itself keeps leading until the change
// commits (without counting itself), then steps down; the rest elect a new
// leader and the removed server stays quiet.
func TestRemoveLeaderStepsDown_4_2_2(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.request(0, set("a", "1"))
	tn.request(0, removeServer(0))
	r, _ := tn.lastReply()
	assert.Equal(t, StatusOK, r.Status)
	assert.Equal(t, Follower, tn.nodes[0].Role())
	assert.Zero(t, tn.nodes[0].Deadline(), "removed: no election timer")
	tn.advance(time.Second)
	lead := None
	for _, id := range []NodeID{1, 2} {
		if tn.nodes[id].Role() == Leader {
			lead = id
		}
		assert.Equal(t, []NodeID{1, 2}, tn.nodes[id].Members())
	}
	require.NotEqual(t, None, lead)
	tn.request(lead, set("b", "2"))
	r, _ = tn.lastReply()
	assert.Equal(t, StatusSuccess, r.Status)
}

// §4.1: a server uses the latest configuration in its log, committed or not;
// when a conflicting leader truncates that entry, it goes back to the one
// before.
func TestConfigRevertsWhenEntryTruncated_4_1(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.disks[1].Log = []Entry{{Index: 1, Term: 1}, {Index: 2, Term: 1, Kind: EntryConfig, Config: &Membership{Voters: []NodeID{0, 1, 2, 3}}}}
	tn.disks[1].HardState = HardState{Term: 1, VotedFor: None}
	n := tn.start(1)
	assert.Equal(t, []NodeID{0, 1, 2, 3}, n.Members())
	n.Step(0, &Message{Type: MsgApp, From: 0, To: 1, Term: 2, PrevIndex: 1, PrevTerm: 1,
		Entries: []Entry{{Index: 2, Term: 2}}})
	tn.collect(n)
	assert.Equal(t, []NodeID{0, 1, 2}, n.Members())
}

// Removing the only member would leave a cluster that can never elect a
// leader again: it is refused.
func TestRemoveLastMemberRefused_4_1(t *testing.T) {
	tn := newTestNet(t, 1)
	tn.elect(0)
	tn.request(0, removeServer(0))
	r, _ := tn.lastReply()
	assert.Equal(t, StatusError, r.Status)
	assert.Equal(t, None, r.LeaderHint)
	assert.Equal(t, []NodeID{0}, tn.nodes[0].Members())
}

// A caught-up server whose config entry must wait (the leader has not yet
// committed an entry of its term) must not leave the leader asking to be
// ticked at a time already past.
func TestCaughtUpServerDoesNotStickDeadline(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.winVotesOnly(0)
	tn.queue = nil
	tn.joining(3)
	// Cut the new leader from its followers before its no-op reaches them,
	// but not from the new server: it catches up, yet the config entry must
	// wait for an entry of the term to commit, which never happens.
	tn.cut[[2]NodeID{0, 1}], tn.cut[[2]NodeID{1, 0}] = true, true
	tn.cut[[2]NodeID{0, 2}], tn.cut[[2]NodeID{2, 0}] = true, true
	tn.request(0, addServer(3))
	for i := 0; i < 50; i++ {
		tn.advance(time.Second)
		if n := tn.nodes[0]; n.Role() == Leader {
			assert.Greater(t, n.Deadline(), tn.now, "deadline in the past at %v", tn.now)
		}
	}
}

// Dissertation §4.2.3: a server removed while it was cut off never learns
// it was removed; it keeps timing out with ever higher terms (pre-vote is off
// here, so they do rise). The leader ignores its vote requests, and with
// check-quorum so do the followers that hear from it, so it cannot depose
// the cluster's leaders.
func TestRemovedServerCannotDisruptLeader_4_2_3(t *testing.T) {
	tn := newTestNetProto(t, idsUpTo(4), Rules{}, protocol{checkQuorum: true})
	tn.elect(0)
	tn.isolate(3, true)
	tn.request(0, removeServer(3))
	r, _ := tn.lastReply()
	require.Equal(t, StatusOK, r.Status)
	tn.isolate(3, false)
	term := tn.nodes[0].Term()
	for i := 0; i < 100; i++ {
		tn.advance(50 * time.Millisecond)
		assert.Equal(t, Leader, tn.nodes[0].Role(), "at %v", tn.now)
	}
	assert.Equal(t, term, tn.nodes[0].Term())
	assert.Greater(t, tn.nodes[3].Term(), term, "the removed server did keep campaigning")
}

// §6 (dissertation §4.2.3): a removed server whose log ends at its own
// removal may keep its election timer (its commit index is volatile: a
// restart, or the one heartbeat that tells it the removal committed lost),
// but it can never disrupt the cluster: voters of the new configuration
// refuse it without taking its term, in classic mode too.
func TestRemovedServerCannotDisrupt_6(t *testing.T) {
	for _, lose := range []bool{false, true} {
		for _, p := range []protocol{classic, modern} {
			tn := newTestNetProto(t, idsUpTo(3), Rules{}, p)
			tn.elect(1)
			tn.request(1, set("a", "1"))
			if lose {
				// The heartbeats and empty appends that would tell S0
				// the commit are lost.
				tn.drop = func(m Message) bool {
					return m.To == 0 && (m.Type == MsgHeartbeat || (m.Type == MsgApp && len(m.Entries) == 0))
				}
			}
			tn.request(1, removeServer(0))
			tn.advance(200 * time.Millisecond)
			tn.drop = nil
			if !lose {
				require.Zero(t, tn.nodes[0].Deadline(), "S0 knows its removal committed")
				tn.crash(0)
				tn.start(0) // and forgets it: commit index is volatile
			}
			tn.request(1, set("b", "2"))
			term := tn.nodes[1].Term()
			tn.advance(10 * time.Second)
			assert.Equal(t, Leader, tn.nodes[1].Role(), "%+v lose=%v: S1 still leads", p, lose)
			assert.Equal(t, term, tn.nodes[1].Term(), "%+v lose=%v: S0 never raised the cluster's term", p, lose)
		}
	}
}
