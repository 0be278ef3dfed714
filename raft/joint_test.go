package raft

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func changeConfig(add, remove []NodeID) Command {
	return Command{Op: OpChangeConfig, Change: &ConfigChange{Add: add, Remove: remove}}
}
func addLearner(id NodeID) Command { return Command{Op: OpAddLearner, Server: id} }
func promote(id NodeID) Command    { return Command{Op: OpPromote, Server: id} }

// jointNet is six servers whose logs hold C_old,new = [0 1 2] -> [3 4 5]
// at index 1, so every test starts in the middle of a joint change.
func jointNet(t *testing.T, p protocol) *testNet {
	ids := idsUpTo(6)
	tn := newTestNetProto(t, ids, Rules{}, p)
	for _, id := range ids {
		tn.disks[id].Log = []Entry{{Index: 1, Term: 1, Kind: EntryConfig, Config: &Membership{Voters: []NodeID{3, 4, 5}, Outgoing: []NodeID{0, 1, 2}}}}
		tn.disks[id].HardState = HardState{Term: 1, VotedFor: None}
		tn.start(id)
	}
	return tn
}

// §6 (dissertation §4.3): any change at once, through C_old,new. The
// leader catches the new servers up, appends C_old,new, then C_new once
// that commits, answers OK once C_new commits, and, not in C_new, steps
// down; the new servers elect a leader of their own and go on.
func TestJointChangeReplacesEveryServer_6(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.request(0, set("a", "1"))
	for _, id := range []NodeID{3, 4, 5} {
		tn.joining(id)
	}
	tn.request(0, changeConfig([]NodeID{3, 4, 5}, []NodeID{0, 1, 2}))
	tn.advance(100 * time.Millisecond)
	r, ok := tn.lastReply()
	require.True(t, ok)
	assert.Equal(t, StatusOK, r.Status)
	var configs []Entry
	for _, e := range tn.nodes[0].Log() {
		if e.Kind == EntryConfig {
			configs = append(configs, e)
		}
	}
	require.Len(t, configs, 2, "C_old,new then C_new")
	assert.Equal(t, []NodeID{3, 4, 5}, configs[0].Config.Voters)
	assert.Equal(t, []NodeID{0, 1, 2}, configs[0].Config.Outgoing)
	assert.Equal(t, []NodeID{3, 4, 5}, configs[1].Config.Voters)
	assert.Empty(t, configs[1].Config.Outgoing)
	assert.Equal(t, Follower, tn.nodes[0].Role(), "a leader not in C_new steps down once C_new commits")
	for _, id := range []NodeID{0, 1, 2} {
		assert.Zero(t, tn.nodes[id].Deadline(), "S%d is out: no election timer", id)
	}
	tn.advance(time.Second)
	lead := None
	for _, id := range []NodeID{3, 4, 5} {
		if tn.nodes[id].Role() == Leader {
			lead = id
		}
		m := tn.nodes[id].Membership()
		assert.Equal(t, []NodeID{3, 4, 5}, m.Voters)
		assert.False(t, m.Joint())
	}
	require.NotEqual(t, None, lead, "C_new elects its own leader")
	tn.request(lead, set("b", "2"))
	r, _ = tn.lastReply()
	assert.Equal(t, StatusSuccess, r.Status)
	assert.Equal(t, Value("1"), tn.sms[lead].data["a"], "what C_old committed survives")
}

// §6: in C_old,new an election needs a majority of each configuration. With
// the new servers cut off, the old ones cannot elect anyone; with the old
// ones cut off, neither can the new.
func TestJointElectionNeedsBothMajorities_6(t *testing.T) {
	for _, cutOff := range [][]NodeID{{3, 4, 5}, {0, 1, 2}} {
		tn := jointNet(t, classic)
		for _, id := range cutOff {
			tn.isolate(id, true)
		}
		candidate := NodeID(0)
		if cutOff[0] == 0 {
			candidate = 3
		}
		tn.fire(candidate)
		tn.deliver()
		assert.Equal(t, Candidate, tn.nodes[candidate].Role(), "with %v cut off, S%d has one majority only", cutOff, candidate)
	}
	tn := jointNet(t, classic)
	tn.winVotesOnly(0) // with both majorities
}

// §6: in C_old,new an entry commits only once a majority of each
// configuration has it.
func TestJointCommitNeedsBothMajorities_6(t *testing.T) {
	tn := jointNet(t, modern)
	tn.winVotesOnly(0) // its no-op is still in the queue
	lead := tn.nodes[0]
	tn.isolate(3, true)
	tn.isolate(4, true)
	tn.deliver()
	assert.Equal(t, uint64(2), tn.nodes[5].LastIndex(), "S5 has the no-op")
	assert.Zero(t, lead.CommitIndex(), "S0, S1, S2 and S5 have it: a majority of C_old, not of C_new")
	tn.isolate(4, false)
	tn.advance(60 * time.Millisecond)
	assert.GreaterOrEqual(t, tn.nodes[4].CommitIndex(), uint64(2), "with S4 back, both majorities have it")
}

// §6: a leader elected in C_old,new finishes the change: once the joint
// entry is committed it appends C_new itself.
func TestNewLeaderFinishesJointChange_6(t *testing.T) {
	tn := jointNet(t, modern)
	tn.elect(3)
	tn.advance(100 * time.Millisecond)
	m := tn.nodes[3].Membership()
	assert.False(t, m.Joint(), "C_new appended and in force: %+v", m)
	assert.Equal(t, []NodeID{3, 4, 5}, m.Voters)
	assert.Zero(t, tn.nodes[0].Deadline(), "S0 is no longer a member")
}

// Dissertation §4.2.1: a learner receives the log but never votes and never
// counts for commit or elections; it has no election timer. Promotion goes
// through the log.
func TestLearnerReceivesLogButNeverCounts_4_2_1(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.request(0, set("a", "1"))
	n3 := tn.joining(3)
	tn.request(0, addLearner(3))
	r, _ := tn.lastReply()
	require.Equal(t, StatusOK, r.Status)
	tn.advance(100 * time.Millisecond)
	assert.Equal(t, tn.nodes[0].Log(), n3.Log(), "the learner has the log")
	assert.Equal(t, []NodeID{3}, tn.nodes[0].Membership().Learners)
	assert.Equal(t, []NodeID{0, 1, 2}, tn.nodes[0].Members())
	assert.Zero(t, n3.Deadline(), "a learner never campaigns")

	// S0 and the learner alone: nothing commits.
	tn.isolate(1, true)
	tn.isolate(2, true)
	commit := tn.nodes[0].CommitIndex()
	tn.request(0, set("b", "2"))
	assert.Equal(t, commit, tn.nodes[0].CommitIndex(), "the learner's copy does not count")
	assert.Equal(t, tn.nodes[0].LastIndex(), n3.LastIndex(), "though it has the entry")
	tn.isolate(1, false)
	tn.isolate(2, false)
	tn.advance(100 * time.Millisecond)

	// A learner asked for its vote does not make a candidate win.
	tn.request(0, promote(7))
	r, _ = tn.lastReply()
	assert.Equal(t, StatusNotAMember, r.Status, "only a learner can be promoted")
	tn.request(0, promote(3))
	r, _ = tn.lastReply()
	require.Equal(t, StatusOK, r.Status)
	m := tn.nodes[0].Membership()
	assert.Equal(t, []NodeID{0, 1, 2, 3}, m.Voters)
	assert.Empty(t, m.Learners)
	assert.NotZero(t, n3.Deadline(), "a voter now: it has an election timer")
}

// A learner's vote does not count toward an election (§4.2.1).
func TestLearnerVoteDoesNotCount_4_2_1(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	tn.joining(3)
	tn.request(0, addLearner(3))
	tn.advance(100 * time.Millisecond)
	tn.isolate(0, true)
	tn.isolate(2, true)
	n1 := tn.nodes[1]
	tn.fire(1)
	tn.deliver()
	assert.NotEqual(t, Leader, n1.Role(), "S1 and the learner S3 are not a majority of [0 1 2]")
}

func TestMembershipChangeStatuses_6(t *testing.T) {
	tn := newTestNet(t, 3)
	tn.elect(0)
	for _, c := range []struct {
		cmd  Command
		want Status
	}{
		{changeConfig([]NodeID{1}, nil), StatusAlreadyAMember},
		{changeConfig([]NodeID{3}, []NodeID{7}), StatusNotAMember},
		{changeConfig(nil, nil), StatusError},
		{changeConfig(nil, []NodeID{0, 1, 2}), StatusError},
		{addLearner(2), StatusAlreadyAMember},
		{promote(1), StatusNotAMember},
	} {
		tn.request(0, c.cmd)
		r, _ := tn.lastReply()
		assert.Equal(t, c.want, r.Status, "%s %+v %d", c.cmd.Op, c.cmd.Change, c.cmd.Server)
	}
	tn.request(1, changeConfig(nil, []NodeID{2}))
	r, _ := tn.lastReply()
	assert.Equal(t, StatusNotLeader, r.Status)
	// A removal needs no catch-up: C_old,new then C_new.
	tn.request(0, changeConfig(nil, []NodeID{2}))
	r, _ = tn.lastReply()
	assert.Equal(t, StatusOK, r.Status)
	assert.Equal(t, []NodeID{0, 1}, tn.nodes[0].Members())
	// While a change is under way, a second one is refused.
	tn.disks[5] = &Storage{}
	tn.request(0, changeConfig([]NodeID{5}, nil)) // S5 is down: it never catches up
	tn.request(0, addLearner(6))
	r, _ = tn.lastReply()
	assert.Equal(t, StatusPendingConfigChange, r.Status)
}

// §7 with §6 and §4.2.1: a snapshot taken in the middle of a joint change
// holds C_old,new whole, and one taken with learners holds them, so a
// server restored from it decides with both majorities and keeps its
// learners when the configuration entry itself is compacted away.
func TestSnapshotCarriesJointConfigAndLearners_7(t *testing.T) {
	tn := jointNet(t, classic)
	tn.winVotesOnly(3)
	n0 := tn.nodes[0]
	// Deliver until S0 has applied the no-op of S3's term (2), which
	// commits C_old,new (1) with it; C_new (3) is not committed yet.
	for n0.LastApplied() < 2 {
		require.NotEmpty(t, tn.queue)
		m := tn.queue[0]
		tn.queue = tn.queue[1:]
		tn.deliverOne(m)
	}
	require.Equal(t, uint64(2), n0.LastApplied())
	require.True(t, n0.Compact(tn.now))
	tn.collect(n0)
	meta, _ := n0.SnapshotMeta()
	assert.Equal(t, []NodeID{3, 4, 5}, meta.Config)
	assert.Equal(t, []NodeID{0, 1, 2}, meta.Outgoing, "C_old,new whole")

	tn = newTestNet(t, 3)
	tn.elect(0)
	tn.joining(3)
	tn.request(0, addLearner(3))
	tn.writes(0, 0, 3)
	tn.advance(60 * time.Millisecond)
	require.True(t, tn.nodes[1].Compact(tn.now))
	tn.collect(tn.nodes[1])
	meta, _ = tn.nodes[1].SnapshotMeta()
	assert.Equal(t, []NodeID{3}, meta.Learners)
	tn.crash(1)
	n := tn.start(1)
	m := n.Membership()
	assert.Equal(t, []NodeID{0, 1, 2}, m.Voters)
	assert.Equal(t, []NodeID{3}, m.Learners, "the learner survives the compaction of its entry")
}

// §6 and dissertation §4.2.2: configurations take effect when appended, so
// a server can hold an uncommitted C_new that leaves it out while its log
// is the only one that can win. Here C_old,new = [0 1 2] -> [2 3 4] is
// committed everywhere, and S0 and S1 also hold C_new (index 2), which
// nobody else has. S2, S3 and S4 need votes of the old majority, and S0 and
// S1 refuse them (their logs are longer); so S0 and S1 must still campaign,
// under C_new: one of them wins on the votes of C_new alone, commits C_new,
// steps down, and C_new elects a leader of its own.
func TestRemovedServerWithUncommittedRemovalCampaigns_6(t *testing.T) {
	for _, p := range []protocol{modern, classic} {
		ids := idsUpTo(5)
		tn := newTestNetProto(t, ids, Rules{}, p)
		joint := Entry{Index: 1, Term: 1, Kind: EntryConfig, Config: &Membership{Voters: []NodeID{2, 3, 4}, Outgoing: []NodeID{0, 1, 2}}}
		cnew := Entry{Index: 2, Term: 1, Kind: EntryConfig, Config: &Membership{Voters: []NodeID{2, 3, 4}}}
		for _, id := range ids {
			tn.disks[id].Log = []Entry{joint}
			if id <= 1 {
				tn.disks[id].Log = []Entry{joint, cnew}
			}
			tn.disks[id].HardState = HardState{Term: 1, VotedFor: None}
			tn.start(id)
		}
		for _, id := range []NodeID{0, 1} {
			assert.NotZero(t, tn.nodes[id].Deadline(), "S%d holds its removal uncommitted: it keeps a timer", id)
		}
		tn.advance(5 * time.Second)
		lead := None
		for _, id := range ids {
			if tn.nodes[id].Role() == Leader {
				lead = id
			}
		}
		require.NotEqual(t, None, lead, "%+v: a leader is elected", p)
		assert.Contains(t, []NodeID{2, 3, 4}, lead, "%+v: the removed leader stepped down once C_new committed", p)
		m := tn.nodes[lead].Membership()
		assert.Equal(t, []NodeID{2, 3, 4}, m.Voters)
		assert.False(t, m.Joint())
		for _, id := range []NodeID{0, 1} {
			if tn.nodes[id].CommitIndex() >= 2 {
				assert.Zero(t, tn.nodes[id].Deadline(), "S%d knows its removal committed: no timer", id)
			}
		}
	}
}
