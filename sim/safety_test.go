package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// ent builds a set entry.
func ent(index, term uint64, key string) raft.Entry {
	return raft.Entry{Index: index, Term: term, Kind: raft.EntryCommand, Cmd: &raft.Command{Op: raft.OpSet, Key: key, Value: "1"}}
}

func ents(es ...raft.Entry) []raft.Entry { return es }

// onlyViolation asserts that exactly one violation was reported, of prop,
// and returns it.
func onlyViolation(t *testing.T, c *checker, prop string) Violation {
	t.Helper()
	require.Len(t, c.violations, 1, "violations: %+v", c.violations)
	v := c.violations[0]
	assert.Equal(t, prop, v.Property)
	assert.NotEmpty(t, v.Detail)
	return v
}

func TestCheckerCleanHistoryHasNoViolations(t *testing.T) {
	c := newChecker()
	// Term 1: server 0 leads, replicates two entries, commits and applies.
	c.roleChanged(0, raft.Leader, 1)
	c.roleChanged(1, raft.Follower, 1)
	c.roleChanged(2, raft.Follower, 1)
	for _, id := range []raft.NodeID{0, 1} {
		c.logChanged(id, 1, ents(ent(1, 1, "a"), ent(2, 1, "b")), id == 0)
	}
	c.logChanged(2, 1, ents(ent(1, 1, "a")), false)
	c.logChanged(0, 3, ents(ent(3, 1, "lost")), true) // never replicated
	for _, id := range []raft.NodeID{0, 1} {
		c.committed(id, 1, 2)
		c.applied(id, 2)
	}
	// Term 2: server 1 leads; server 2 gets entry 2 from it; server 0
	// steps down and drops its uncommitted entry 3 for a new one.
	c.roleChanged(0, raft.Follower, 2)
	c.roleChanged(1, raft.Leader, 2)
	c.logChanged(1, 3, ents(ent(3, 2, "new")), true)
	c.logChanged(2, 2, ents(ent(2, 1, "b"), ent(3, 2, "new")), false)
	c.logChanged(0, 3, ents(ent(3, 2, "new")), false)
	for _, id := range []raft.NodeID{0, 1, 2} {
		c.committed(id, 2, 3)
		c.applied(id, 3)
	}
	// A crash and restart replays the log from the start.
	c.crashed(2)
	c.committed(2, 2, 3)
	c.applied(2, 3)
	assert.Empty(t, c.violations)
}

func TestCheckerReportsElectionSafety(t *testing.T) {
	c := newChecker()
	c.roleChanged(0, raft.Leader, 3)
	c.roleChanged(0, raft.Follower, 4)
	c.roleChanged(1, raft.Leader, 4) // fine: a later term
	require.Empty(t, c.violations)
	c.roleChanged(2, raft.Leader, 3) // two leaders in term 3, though not at once
	v := onlyViolation(t, c, PropElectionSafety)
	assert.Equal(t, []raft.NodeID{0, 2}, v.Servers)
	assert.Contains(t, v.Detail, "term 3")
}

func TestCheckerReportsLeaderAppendOnly(t *testing.T) {
	c := newChecker()
	c.roleChanged(0, raft.Leader, 1)
	c.logChanged(0, 1, ents(ent(1, 1, "a"), ent(2, 1, "b"), ent(3, 1, "c")), true)
	require.Empty(t, c.violations)
	// A follower may drop entries; a leader in its own term may not.
	c.roleChanged(1, raft.Follower, 1)
	c.logChanged(1, 1, ents(ent(1, 1, "a"), ent(2, 1, "b")), false)
	c.logChanged(1, 2, nil, false)
	require.Empty(t, c.violations)

	c.logChanged(0, 2, ents(ent(2, 1, "x")), true)
	// A second entry under (2, term 1) is a Log Matching violation too.
	require.Len(t, c.violations, 2, "violations: %+v", c.violations)
	v := c.violations[0]
	assert.Equal(t, PropLeaderAppendOnly, v.Property)
	assert.Equal(t, uint64(2), v.Index)
	assert.Equal(t, []raft.NodeID{0}, v.Servers)
	assert.Equal(t, PropLogMatching, c.violations[1].Property)
}

func TestCheckerReportsLogMatchingSameEntryDifferentContent(t *testing.T) {
	c := newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a")), false)
	c.logChanged(1, 1, ents(ent(1, 1, "x")), false) // same index and term, other command
	v := onlyViolation(t, c, PropLogMatching)
	assert.Equal(t, uint64(1), v.Index)
	assert.ElementsMatch(t, []raft.NodeID{0, 1}, v.Servers)
}

func TestCheckerReportsLogMatchingDifferentPrefix(t *testing.T) {
	c := newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a"), ent(2, 2, "b")), false)
	// Entry 2 is the same, but the logs differ before it.
	c.logChanged(1, 1, ents(ent(1, 3, "z"), ent(2, 2, "b")), false)
	v := onlyViolation(t, c, PropLogMatching)
	assert.Equal(t, uint64(2), v.Index)
	// Still reported after the first server truncated the entry away: the
	// rule is about every log ever held.
	c2 := newChecker()
	c2.logChanged(0, 1, ents(ent(1, 1, "a"), ent(2, 2, "b")), false)
	c2.logChanged(0, 1, nil, false)
	c2.logChanged(1, 1, ents(ent(1, 3, "z"), ent(2, 2, "b")), false)
	onlyViolation(t, c2, PropLogMatching)
}

func TestCheckerReportsLeaderCompletenessAtElection(t *testing.T) {
	c := newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a"), ent(2, 1, "b")), false)
	c.committed(0, 1, 2)
	c.logChanged(1, 1, ents(ent(1, 1, "a")), false)
	c.roleChanged(1, raft.Leader, 2) // lacks committed entry 2
	v := onlyViolation(t, c, PropLeaderCompleteness)
	assert.Equal(t, uint64(2), v.Index)
	assert.Equal(t, raft.NodeID(1), v.Servers[0])
}

func TestCheckerReportsLeaderCompletenessWrongEntry(t *testing.T) {
	c := newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a"), ent(2, 1, "b"), ent(3, 1, "c")), false)
	c.committed(0, 1, 3)
	// Long enough, but entry 2 is another one.
	c.logChanged(1, 1, ents(ent(1, 1, "a"), ent(2, 2, "y"), ent(3, 2, "z"), ent(4, 2, "w")), false)
	c.roleChanged(1, raft.Leader, 3)
	v := onlyViolation(t, c, PropLeaderCompleteness)
	assert.Equal(t, uint64(2), v.Index, "the first committed entry the leader lacks")
}

func TestCheckerReportsLeaderCompletenessAtCommit(t *testing.T) {
	c := newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a"), ent(2, 1, "b")), false)
	c.logChanged(1, 1, ents(ent(1, 1, "a")), false)
	c.roleChanged(1, raft.Leader, 2)
	require.Empty(t, c.violations)
	// The old leader of term 1 now commits entry 2, which the leader of
	// the later term 2 does not hold.
	c.committed(0, 1, 2)
	v := onlyViolation(t, c, PropLeaderCompleteness)
	assert.Equal(t, uint64(2), v.Index)
}

func TestCheckerReportsStateMachineSafety(t *testing.T) {
	c := newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a"), ent(2, 1, "b")), false)
	c.logChanged(1, 1, ents(ent(1, 1, "a"), ent(2, 2, "x")), false)
	c.applied(0, 2)
	c.applied(1, 1) // same entry 1: fine
	require.Empty(t, c.violations)
	c.applied(1, 2)
	v := onlyViolation(t, c, PropStateMachineSafety)
	assert.Equal(t, uint64(2), v.Index)
	assert.Equal(t, []raft.NodeID{0, 1}, v.Servers)
}

func TestCheckerDetailNamesEntries(t *testing.T) {
	logs := map[raft.NodeID][]raft.Entry{
		0: ents(ent(1, 1, "a")),
		1: ents(ent(1, 2, "b")),
	}
	c := newChecker()
	c.entryOf = func(id raft.NodeID, i uint64) (raft.Entry, bool, bool) {
		if l := logs[id]; i >= 1 && i <= uint64(len(l)) {
			return l[i-1], true, false
		}
		return raft.Entry{}, false, false
	}
	c.logChanged(0, 1, logs[0], false)
	c.logChanged(1, 1, logs[1], false)
	c.applied(0, 1)
	c.applied(1, 1)
	v := onlyViolation(t, c, PropStateMachineSafety)
	assert.Equal(t, "servers 0 and 1 applied different entries at index 1: at index 1 server 0 has term 1 set a=1, server 1 has term 2 set b=1", v.Detail)
}

func TestSimRecordsViolationTimeAndTraces(t *testing.T) {
	s := New(Options{})
	var r recorder
	s.OnEvent(r.listen)
	s.now = 42
	s.check.now = s.now
	s.check.roleChanged(0, raft.Leader, 1)
	s.check.roleChanged(1, raft.Leader, 1)
	vs := s.Violations()
	require.Len(t, vs, 1)
	assert.Equal(t, s.now, vs[0].Time)
	require.Len(t, r.lines, 1)
	assert.Contains(t, r.lines[0], "violation")
	assert.Contains(t, r.lines[0], PropElectionSafety)
}

func TestCheckerReportsLogMatchingOnTheFirstServer(t *testing.T) {
	// Fires: the server that first recorded (2, term 1) later holds another
	// entry under that name (a leader that lost an unsynced write and won
	// the same term again, say).
	c := newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a"), ent(2, 1, "b")), false)
	c.logChanged(0, 2, ents(ent(2, 1, "x")), false)
	v := onlyViolation(t, c, PropLogMatching)
	assert.Equal(t, uint64(2), v.Index)
	assert.Equal(t, []raft.NodeID{0}, v.Servers)
	assert.Contains(t, v.Detail, "held there before")

	// Fires too when the earlier prefix differs, not the entry itself.
	c = newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a"), ent(2, 2, "b")), false)
	c.logChanged(0, 1, ents(ent(1, 3, "z"), ent(2, 2, "b")), false)
	onlyViolation(t, c, PropLogMatching)

	// Does not fire: the same entries again after a truncation (a crash
	// lost unsynced writes and the leader sent them again), or another
	// term at the index.
	c = newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a"), ent(2, 1, "b")), false)
	c.logChanged(0, 2, nil, false)
	c.logChanged(0, 2, ents(ent(2, 1, "b")), false)
	c.logChanged(0, 2, ents(ent(2, 2, "c")), false)
	c.logChanged(0, 2, ents(ent(2, 1, "b")), false)
	assert.Empty(t, c.violations)
}

func TestCheckerReportsLeaderElectedTwiceInATermWithAnotherLog(t *testing.T) {
	// Fires: a lone voter leads term 1, loses its unsynced entry 2 in a
	// crash, wins term 1 again and writes another entry 2.
	c := newChecker()
	c.roleChanged(0, raft.Leader, 1)
	c.logChanged(0, 1, ents(ent(1, 1, "noop"), ent(2, 1, "a")), true)
	c.crashed(0)
	c.logChanged(0, 2, nil, false) // the crash lost entry 2
	c.roleChanged(0, raft.Leader, 1)
	require.Len(t, c.violations, 1, "violations: %+v", c.violations)
	v := c.violations[0]
	assert.Equal(t, PropElectionSafety, v.Property)
	assert.Equal(t, []raft.NodeID{0}, v.Servers)
	assert.Contains(t, v.Detail, "elected twice in term 1")

	// Does not fire: elected again with the log it led with (or more).
	c = newChecker()
	c.roleChanged(0, raft.Leader, 1)
	c.logChanged(0, 1, ents(ent(1, 1, "noop"), ent(2, 1, "a")), true)
	c.crashed(0)
	c.roleChanged(0, raft.Leader, 1)
	c.logChanged(0, 3, ents(ent(3, 1, "b")), true)
	assert.Empty(t, c.violations)
}

func TestCheckerReportsLeaderCompletenessAtCommitForSteppedDownLeader(t *testing.T) {
	// Fires: server 1 led term 2 without entry 2 and has stepped down
	// (and even caught up since) when the term-1 leader commits entry 2
	// on acknowledgements sent before term 2 began.
	c := newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a"), ent(2, 1, "b")), false)
	c.logChanged(1, 1, ents(ent(1, 1, "a")), false)
	c.roleChanged(0, raft.Leader, 1)
	c.roleChanged(1, raft.Leader, 2)
	c.roleChanged(1, raft.Follower, 3)
	c.logChanged(1, 2, ents(ent(2, 1, "b")), false)
	require.Empty(t, c.violations)
	c.committed(0, 1, 2)
	v := onlyViolation(t, c, PropLeaderCompleteness)
	assert.Equal(t, uint64(2), v.Index)
	assert.Equal(t, []raft.NodeID{1, 0}, v.Servers)
	assert.Contains(t, v.Detail, "leader of later term 2")

	// Does not fire: the stepped-down leader held entry 2 while it led,
	// even though its log was rewritten after it stepped down.
	c = newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a"), ent(2, 1, "b")), false)
	c.logChanged(1, 1, ents(ent(1, 1, "a"), ent(2, 1, "b")), false)
	c.roleChanged(0, raft.Leader, 1)
	c.roleChanged(1, raft.Leader, 2)
	c.roleChanged(1, raft.Follower, 3)
	c.logChanged(1, 2, ents(ent(2, 3, "c")), false)
	c.committed(0, 1, 2)
	assert.Empty(t, c.violations)
}

func TestCheckerLeaderCompletenessBindsOnlyLaterTerms(t *testing.T) {
	// Does not fire: index 1 is committed in term 2, then a vote for term
	// 1 crawls in and makes server 1, with an empty log, leader of term 1.
	c := newChecker()
	c.roleChanged(0, raft.Leader, 2)
	c.logChanged(0, 1, ents(ent(1, 2, "noop")), true)
	c.logChanged(2, 1, ents(ent(1, 2, "noop")), false)
	c.committed(0, 2, 1)
	c.roleChanged(1, raft.Leader, 1)
	assert.Empty(t, c.violations)

	// Does not fire: an entry committed in term 3 does not bind the
	// leader of term 2, elected after that commit.
	c = newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a"), ent(2, 3, "b")), false)
	c.committed(0, 1, 1)
	c.committed(0, 3, 2)
	c.logChanged(1, 1, ents(ent(1, 1, "a")), false)
	c.roleChanged(1, raft.Leader, 2)
	assert.Empty(t, c.violations)

	// Fires: the leader of term 2 lacks the entry committed in term 1,
	// and the leader of term 4 lacks the one committed in term 3.
	c.logChanged(2, 1, nil, false)
	c.roleChanged(2, raft.Leader, 4)
	v := onlyViolation(t, c, PropLeaderCompleteness)
	assert.Equal(t, uint64(1), v.Index)
	c = newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a"), ent(2, 3, "b")), false)
	c.committed(0, 3, 2)
	c.logChanged(1, 1, ents(ent(1, 1, "a")), false)
	c.roleChanged(1, raft.Leader, 4)
	v = onlyViolation(t, c, PropLeaderCompleteness)
	assert.Equal(t, uint64(2), v.Index)
}

func TestCheckerReportsLogGaps(t *testing.T) {
	// Fires: entry 3 appended after entry 1.
	c := newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a"), ent(3, 1, "c")), false)
	v := onlyViolation(t, c, PropLogIntegrity)
	assert.Equal(t, uint64(3), v.Index)
	assert.Contains(t, v.Detail, "gap")

	// Fires: a batch that starts past the end of the log.
	c = newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a")), false)
	c.logChanged(0, 0, ents(ent(3, 1, "c")), false)
	onlyViolation(t, c, PropLogIntegrity)

	// Fires: a commit or an apply past the end of the log.
	c = newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a")), false)
	c.committed(0, 1, 2)
	onlyViolation(t, c, PropLogIntegrity)
	c = newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a")), false)
	c.applied(0, 2)
	onlyViolation(t, c, PropLogIntegrity)

	// Does not fire: appends that follow on, truncations, a commit and an
	// apply within the log.
	c = newChecker()
	c.logChanged(0, 1, ents(ent(1, 1, "a"), ent(2, 1, "b")), false)
	c.logChanged(0, 0, ents(ent(3, 1, "c")), false)
	c.logChanged(0, 2, ents(ent(2, 2, "x")), false)
	c.committed(0, 2, 2)
	c.applied(0, 2)
	assert.Empty(t, c.violations)
}

// TestLateVoteForEarlierTermIsSafe runs the case of a vote that crawls to a
// server for a term the cluster has left behind: every message to S1 takes
// 1-2 s, so S1 can become leader of a term after an index was committed in a
// later one. That is legal (Leader Completeness binds later terms only); the
// test looks for seeds where it happens and requires that nothing is
// reported for them.
func TestLateVoteForEarlierTermIsSafe(t *testing.T) {
	late := 0
	for seed := uint64(36); seed < 36+20 && late < 3; seed++ {
		s := New(Options{Seed: seed, ElectionTimeout: time.Second, HeartbeatInterval: 100 * time.Millisecond,
			NoPreVote: true, NoCheckQuorum: true}) // a late RequestVote needs no pre-vote won first
		require.NoError(t, s.StartServers(3, ServerOptions{}))
		slow := NetRule{Set: NetLatency, Model: NetModel{LatencyMin: time.Second, LatencyMax: 2 * time.Second}}
		for _, from := range []raft.NodeID{0, 2} {
			require.NoError(t, s.SetLinkNet(from, 1, false, slow))
		}
		_, err := s.StartLoad(LoadOptions{Clients: 3, Rate: 20, Keys: 3, Duration: 20 * time.Second})
		require.NoError(t, err)
		sawLate, commitTerm := false, uint64(0)
		for s.Now() < 30*time.Second && s.Step(1) == 1 {
			// A leader of a term below one in which a server committed.
			for _, id := range s.ids {
				n := s.servers[id].node
				if !s.servers[id].up {
					continue
				}
				if n.CommitIndex() > 0 {
					commitTerm = max(commitTerm, n.Term())
				}
				if n.Role() == raft.Leader && n.Term() < commitTerm {
					sawLate = true
				}
			}
		}
		requireSafe(t, s)
		if sawLate {
			late++
		}
	}
	t.Logf("late leaders in %d seeds", late)
	require.Positive(t, late, "no seed made a leader of an earlier term after a later commit")
}

// The checks hash an entry once for every server whose log it reaches;
// an entry that differs in anything the hash covers (here only its
// command, at the same index and term) is hashed anew, and so two
// servers holding different entries under one name break Log Matching.
func TestCheckerHashesADifferentEntryAnew(t *testing.T) {
	c := newChecker()
	a := ent(1, 1, "a")
	same := a
	b := a
	b.Cmd = &raft.Command{Op: raft.OpSet, Key: "a", Value: "2"}
	assert.Equal(t, entryHash(&a), c.hashOf(&a))
	assert.Equal(t, entryHash(&same), c.hashOf(&same))
	assert.Equal(t, entryHash(&b), c.hashOf(&b))
	assert.NotEqual(t, c.hashOf(&a), c.hashOf(&b))

	c.logChanged(0, 1, ents(a), false)
	c.logChanged(1, 1, ents(same), false)
	assert.Empty(t, c.violations)
	c.logChanged(2, 1, ents(b), false)
	onlyViolation(t, c, PropLogMatching)
}

// The checks hash an entry once for every server it reaches (hashOf keeps
// it by index, term, kind, time and command pointer), as the simulation
// shares one command among the logs. Entries that point to the same
// command but differ in term alone, and entries of the same index, term
// and time whose commands differ in content alone, are different entries
// all the same: the cache must not hand one the other's hash.
func TestCheckerHashCacheTellsEntriesApart(t *testing.T) {
	a := &raft.Command{Op: raft.OpSet, Key: "a", Value: "1"}
	b := &raft.Command{Op: raft.OpSet, Key: "b", Value: "2"}
	at := func(index, term uint64, cmd *raft.Command) raft.Entry {
		return raft.Entry{Index: index, Term: term, Kind: raft.EntryCommand, Time: time.Second, Cmd: cmd}
	}
	t.Run("same entries", func(t *testing.T) {
		c := newChecker()
		for id := range raft.NodeID(3) {
			c.logChanged(id, 1, ents(at(1, 1, a), at(2, 1, b)), false)
			c.applied(id, 2)
		}
		require.Empty(t, c.violations)
	})
	t.Run("term alone", func(t *testing.T) {
		// The same command re-proposed at another term (a retry that
		// reached a later leader), followed by one same entry.
		c := newChecker()
		c.logChanged(0, 1, ents(at(1, 1, a), at(2, 2, b)), false)
		c.logChanged(1, 1, ents(at(1, 3, a), at(2, 2, b)), false)
		v := onlyViolation(t, c, PropLogMatching)
		assert.Equal(t, uint64(2), v.Index)
	})
	t.Run("term alone, applied", func(t *testing.T) {
		c := newChecker()
		c.logChanged(0, 1, ents(at(1, 1, a), at(2, 1, b)), false)
		c.logChanged(1, 1, ents(at(1, 1, a), at(2, 2, b)), false)
		c.applied(0, 2)
		c.applied(1, 2)
		v := onlyViolation(t, c, PropStateMachineSafety)
		assert.Equal(t, uint64(2), v.Index)
	})
	t.Run("content alone", func(t *testing.T) {
		c := newChecker()
		other := *b
		other.Value = "3" // a copy that differs in its value only
		c.logChanged(0, 1, ents(at(1, 1, a), at(2, 1, b)), false)
		c.logChanged(1, 1, ents(at(1, 1, a), at(2, 1, &other)), false)
		v := onlyViolation(t, c, PropLogMatching)
		assert.Equal(t, uint64(2), v.Index)
	})
	t.Run("content alone, the same content", func(t *testing.T) {
		c := newChecker()
		same := *b // another pointer, the same command: the same entry
		c.logChanged(0, 1, ents(at(1, 1, a), at(2, 1, b)), false)
		c.logChanged(1, 1, ents(at(1, 1, a), at(2, 1, &same)), false)
		require.Empty(t, c.violations)
	})
}
