package session

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/repl/render"
	"raftsim/sim"
)

// interruptAfter is a poll function that stops the simulation at its
// (n+1)th call, as the shell's Ctrl-C does.
func interruptAfter(n int) func(sim.Progress) bool {
	return func(sim.Progress) bool {
		n--
		return n >= 0
	}
}

// Ctrl-C during a long command stops it and keeps the session: the cluster,
// the variables, and what the next command sees.
func TestInterruptKeepsTheSession(t *testing.T) {
	s := New(Options{Seed: 1})
	require.True(t, s.Exec("startServers 3").OK)
	require.True(t, s.Exec("lid = getLeaderId").OK)
	for _, line := range []string{"run 24h", "step 1000000", "load clients=4 rate=50 for=1h", "run 2h"} {
		s.SetPoll(interruptAfter(1))
		res := s.Exec(line)
		if line == "load clients=4 rate=50 for=1h" { // load only starts the clients
			require.True(t, res.OK, "%s: %v", line, res.Err)
			continue
		}
		require.False(t, res.OK, line)
		require.True(t, errors.Is(res.Err, ErrInterrupted), "%s: %v", line, res.Err)
		assert.Contains(t, res.Err.Error(), "interrupted at t=")
		assert.Nil(t, res.Value)
	}
	s.SetPoll(nil)
	require.True(t, s.Exec("print $lid").OK, "variables are kept")
	res := s.Exec("expect safe")
	require.True(t, res.OK, "%v", res.Err)
	require.True(t, s.Exec("run 100ms").OK, "the next command runs normally")
}

// An interrupt inside a sourced file stops the whole file.
func TestInterruptStopsSource(t *testing.T) {
	s := New(Options{Seed: 1})
	dir := t.TempDir()
	file := dir + "/long.raft"
	writeTestFile(t, file, "startServers 3\nrun 24h\nrun 24h\nrun 24h\n")
	s.SetPoll(interruptAfter(1))
	res := s.Exec("source " + file)
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "interrupted at t=")
	assert.Len(t, res.Sub, 2, "the file stops at the interrupted command")
}

func writeTestFile(t *testing.T, name, text string) {
	t.Helper()
	require.NoError(t, os.WriteFile(name, []byte(text), 0o600))
}

// A command stopped by Ctrl-C is replayed stopped at the same point: going
// back and forward again, or replaying a saved session, rebuilds the state
// the interrupt left exactly.
func TestInterruptedCommandReplaysExactly(t *testing.T) {
	s := New(Options{Seed: 3})
	execOK(t, s, "startServers 5")
	execOK(t, s, "load clients=4 rate=200/s for=1h")
	s.SetPoll(interruptAfter(2))
	res := s.Exec("run 24h")
	require.True(t, errors.Is(res.Err, ErrInterrupted), "%v", res.Err)
	s.SetPoll(nil)
	execOK(t, s, "clientRequest set a 1")
	want := snapshot(t, s)
	end := s.Sim().Now()

	execOK(t, s, "goto 0s")
	execOK(t, s, "goto "+end.String())
	require.Equal(t, want, snapshot(t, s))
}

// Ctrl-C still works after a goto (the rebuilt cluster gets the poll).
func TestInterruptAfterGoto(t *testing.T) {
	s := New(Options{Seed: 1})
	execOK(t, s, "startServers 3")
	execOK(t, s, "run 1s")
	execOK(t, s, "goto 500ms")
	s.SetPoll(interruptAfter(1))
	res := s.Exec("run 24h")
	require.True(t, errors.Is(res.Err, ErrInterrupted), "%v", res.Err)
}

// A file of ten lines that each source the file itself stops as a whole at
// the depth limit: it runs maxSourceDepth files, not 10^8.
func TestSourceItselfStopsTheChain(t *testing.T) {
	file := t.TempDir() + "/self.raft"
	writeTestFile(t, file, strings.Repeat("source "+file+"\n", 10))
	s := New(Options{Seed: 1})
	res := s.Exec("source " + file)
	require.Error(t, res.Err)
	n := 0
	for r := []render.Result{res}; len(r) > 0; r = r[0].Sub {
		n++
		require.Len(t, r[0].Sub, min(1, maxSourceDepth-n+1), "each file stops after its first line")
	}
	assert.Equal(t, maxSourceDepth+1, n)
	assert.Contains(t, res.Err.Error(), "every file of the chain stops here")
}
