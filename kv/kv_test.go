package kv

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"raftsim/raft"
)

func apply(s *Store, c raft.Command) raft.Response {
	return s.Apply(&raft.Entry{Kind: raft.EntryCommand, Cmd: c})
}

func TestOperations(t *testing.T) {
	s := New()
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
	s := New()
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
