package kv

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

func apply(s *Store, c raft.Command) raft.Response {
	return s.Apply(&raft.Entry{Kind: raft.EntryCommand, Cmd: &c})
}

func TestOperations(t *testing.T) {
	s := New(0)
	assert.Equal(t, raft.Value("1"), apply(s, raft.Command{Op: raft.OpSet, Key: "a", Value: "1"}).Result)
	assert.Equal(t, raft.Value("1"), apply(s, raft.Command{Op: raft.OpGet, Key: "a"}).Result)
	assert.Equal(t, raft.Value("false"), apply(s, raft.Command{Op: raft.OpCAS, Key: "a", Old: "2", Value: "3"}).Result)
	assert.Equal(t, raft.Value("true"), apply(s, raft.Command{Op: raft.OpCAS, Key: "a", Old: "1", Value: "3"}).Result)
	assert.Equal(t, raft.Value("3"), apply(s, raft.Command{Op: raft.OpDel, Key: "a"}).Result)
	assert.Equal(t, raft.Value(""), apply(s, raft.Command{Op: raft.OpGet, Key: "a"}).Result)
	assert.Equal(t, raft.Value("true"), apply(s, raft.Command{Op: raft.OpCAS, Key: "b", Old: "", Value: "1"}).Result, "cas from absent")
	assert.Equal(t, raft.Value("1"), s.Read(raft.Command{Op: raft.OpGet, Key: "b", ReadOnly: true}).Result)
	assert.Equal(t, raft.StatusError, apply(s, raft.Command{Op: raft.OpAddServer}).Status, "not an operation of the store")
}

// Dissertation §6.3: with a session (client id + sequence number), a command
// that reaches the log twice (a retry through a new leader) is applied once;
// the copy gets the first answer, and an older sequence number is refused.
func TestSessionAppliesRetryOnce_6_3(t *testing.T) {
	s := New(0)
	apply(s, raft.Command{ClientID: 7, Seq: 1, Op: raft.OpSet, Key: "n", Value: "1"})
	cas := raft.Command{ClientID: 7, Seq: 2, Op: raft.OpCAS, Key: "n", Old: "1", Value: "2"}
	assert.Equal(t, raft.Value("true"), apply(s, cas).Result)
	assert.Equal(t, raft.Value("true"), apply(s, cas).Result, "the copy gets the first answer, not false")
	assert.Equal(t, raft.Value("2"), s.data["n"])
	r, ok := s.Applied(7, 2)
	assert.True(t, ok)
	assert.Equal(t, raft.Value("true"), r.Result)
	_, ok = s.Applied(7, 1)
	assert.False(t, ok, "only the last command of a session is remembered")
	assert.Equal(t, raft.StatusError, apply(s, raft.Command{ClientID: 7, Seq: 1, Op: raft.OpSet, Key: "n", Value: "9"}).Status)
	assert.Equal(t, raft.Value("2"), s.data["n"], "a stale sequence number is not applied")
}

// at is a committed entry of cmd carrying the leader's clock t.
func at(t time.Duration, c raft.Command) *raft.Entry {
	return &raft.Entry{Kind: raft.EntryCommand, Cmd: &c, Time: t}
}

// Dissertation §6.3: sessions expire by the time carried in the log, so
// every server expires the same sessions at the same entry; a command of an
// expired session is answered SESSION_EXPIRED and not applied, and a retry
// of a command applied before the expiry is never applied twice.
func TestSessionsExpireByLogTime_6_3(t *testing.T) {
	log := []*raft.Entry{
		at(1*time.Second, raft.Command{ClientID: 7, Seq: 1, Op: raft.OpSet, Key: "n", Value: "1"}),
		at(2*time.Second, raft.Command{ClientID: 8, Seq: 1, Op: raft.OpSet, Key: "m", Value: "1"}),
		// Client 7's answer was lost; it retries seq 1 much later, through
		// a new leader that appended it again.
		at(11*time.Second, raft.Command{ClientID: 8, Seq: 2, Op: raft.OpSet, Key: "m", Value: "2"}),
		at(21*time.Second, raft.Command{ClientID: 7, Seq: 1, Op: raft.OpSet, Key: "n", Value: "1"}),
		at(22*time.Second, raft.Command{ClientID: 7, Seq: 2, Op: raft.OpCAS, Key: "n", Old: "1", Value: "2"}),
	}
	a, b := New(10*time.Second), New(10*time.Second)
	var got []raft.Status
	for i, e := range log {
		ra, rb := a.Apply(e), b.Apply(e)
		assert.Equal(t, ra, rb, "entry %d: every server answers alike", i)
		got = append(got, ra.Status)
	}
	assert.Equal(t, []raft.Status{raft.StatusSuccess, raft.StatusSuccess, raft.StatusSuccess, raft.StatusSessionExpired, raft.StatusSessionExpired}, got,
		"client 8 was idle 9s, within the 10s timeout; client 7 20s")
	assert.Equal(t, raft.Value("1"), a.data["n"], "the expired session's commands are not applied")
	_, ok := a.Applied(7, 1)
	assert.False(t, ok, "no answer from an expired session: the retry goes through the log and is refused there")

	// The expiry survives a snapshot: a restored server refuses the same.
	c := New(10 * time.Second)
	require.NoError(t, c.Restore(a.Snapshot()))
	r := c.Apply(at(23*time.Second, raft.Command{ClientID: 7, Seq: 3, Op: raft.OpSet, Key: "n", Value: "3"}))
	assert.Equal(t, raft.StatusSessionExpired, r.Status)
	// A new session (a new client id) works.
	r = c.Apply(at(23*time.Second, raft.Command{ClientID: 9, Seq: 1, Op: raft.OpSet, Key: "n", Value: "3"}))
	assert.Equal(t, raft.StatusSuccess, r.Status)

	// Without a timeout nothing expires, however long a client is idle.
	d := New(0)
	d.Apply(at(time.Second, raft.Command{ClientID: 7, Seq: 1, Op: raft.OpSet, Key: "n", Value: "1"}))
	assert.Equal(t, raft.StatusSuccess, d.Apply(at(1000*time.Hour, raft.Command{ClientID: 7, Seq: 2, Op: raft.OpSet, Key: "n", Value: "2"})).Status)
}

// A snapshot holds the sessions (§7): restored, a store answers a retry of
// the last command of a session from it instead of applying it again.
func TestSnapshotRestoresSessions(t *testing.T) {
	s := New(0)
	apply(s, raft.Command{ClientID: 7, Seq: 1, Op: raft.OpCAS, Key: "n", Old: "", Value: "1"})
	r := New(0)
	require.NoError(t, r.Restore(s.Snapshot()))
	assert.Equal(t, s.Data(), r.Data())
	assert.Equal(t, raft.Value("true"), apply(r, raft.Command{ClientID: 7, Seq: 1, Op: raft.OpCAS, Key: "n", Old: "", Value: "1"}).Result)
	assert.Equal(t, s.Snapshot(), r.Snapshot(), "equal states, equal bytes")
	assert.Error(t, r.Restore([]byte("{")))
}

// The session the store keeps at hand for the client of the last command
// is the map's: a restore that drops the session, or its expiry, leaves
// nothing of it behind, and another client's commands find their own.
func TestLastSessionFollowsTheMap(t *testing.T) {
	s := New(0)
	empty := s.Snapshot()
	apply(s, raft.Command{Op: raft.OpSet, Key: "a", Value: "1", ClientID: 1, Seq: 1})
	_, ok := s.Applied(1, 1)
	require.True(t, ok)
	require.NoError(t, s.Restore(empty))
	_, ok = s.Applied(1, 1)
	assert.False(t, ok, "the restored state has no session of client 1")
	assert.Equal(t, raft.StatusSuccess, apply(s, raft.Command{Op: raft.OpSet, Key: "a", Value: "2", ClientID: 1, Seq: 1}).Status,
		"seq 1 applies again: the restored state never saw it")
	assert.Equal(t, raft.Value("2"), s.data["a"])

	apply(s, raft.Command{Op: raft.OpSet, Key: "b", Value: "1", ClientID: 2, Seq: 5})
	r, ok := s.Applied(1, 1)
	require.True(t, ok, "client 1's session, found while client 2's is at hand")
	assert.Equal(t, raft.Value("2"), r.Result)

	e := New(time.Second)
	e.Apply(at(0, raft.Command{Op: raft.OpSet, Key: "a", Value: "1", ClientID: 1, Seq: 1}))
	e.Apply(at(3*time.Second, raft.Command{Op: raft.OpSet, Key: "b", Value: "1", ClientID: 2, Seq: 1})) // the sweep expires client 1
	_, ok = e.Applied(1, 1)
	assert.False(t, ok, "client 1's session expired")
	assert.Equal(t, raft.StatusSessionExpired, e.Apply(at(3*time.Second, raft.Command{Op: raft.OpSet, Key: "a", Value: "2", ClientID: 1, Seq: 2})).Status)
}

// TestSnapshotsAreTheirOwn checks that Snapshot, which reuses its sorting
// memory from one snapshot to the next, returns bytes of their own: an
// earlier snapshot is unchanged by later ones, and each encodes its state
// as json.Marshal does.
func TestSnapshotsAreTheirOwn(t *testing.T) {
	s := New(0)
	var snaps [][]byte
	var wants []string
	for i := range 40 {
		apply(s, raft.Command{ClientID: uint64(1 + i%7), Seq: uint64(1 + i), Op: raft.OpSet, Key: fmt.Sprintf("k%d", i%5), Value: raft.Value(fmt.Sprint(i))})
		if i%3 == 0 {
			apply(s, raft.Command{Op: raft.OpDel, Key: fmt.Sprintf("k%d", i%4)})
		}
		st := snapshotState{Data: s.data, Clock: s.clock, Expired: slices.Sorted(maps.Keys(s.expired))}
		for _, c := range slices.Sorted(maps.Keys(s.sessions)) {
			ss := s.sessions[c]
			st.Sessions = append(st.Sessions, sessionState{Client: c, Seq: ss.seq, Status: ss.resp.Status, Result: ss.resp.Result, Err: ss.resp.Err, Last: ss.last})
		}
		want, err := json.Marshal(st)
		require.NoError(t, err)
		snaps, wants = append(snaps, s.Snapshot()), append(wants, string(want))
	}
	for i := range snaps {
		require.Equal(t, wants[i], string(snaps[i]), "snapshot %d", i)
	}
}
