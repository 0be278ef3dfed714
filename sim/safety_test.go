package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// ent builds a set entry.
func ent(index, term uint64, key string) raft.Entry {
	return raft.Entry{Index: index, Term: term, Kind: raft.EntryCommand, Cmd: raft.Command{Op: raft.OpSet, Key: key, Value: "1"}}
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
	v := onlyViolation(t, c, PropLeaderAppendOnly)
	assert.Equal(t, uint64(2), v.Index)
	assert.Equal(t, []raft.NodeID{0}, v.Servers)
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
	c.logOf = func(id raft.NodeID) []raft.Entry { return logs[id] }
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
