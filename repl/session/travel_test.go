package session

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/repl/render"
)

// snapshot is everything a user can see of the cluster, as text.
func snapshot(t *testing.T, s *Session) string {
	t.Helper()
	r := &render.Renderer{}
	var b strings.Builder
	for _, l := range []string{"status", "getAll log", "getAll stateMachine", "getAll commitIndex", "pending", "print", "history all"} {
		b.WriteString(r.Text(s.Exec(l)))
	}
	b.WriteString(render.Seconds(s.Sim().Now()))
	return b.String()
}

// travelScript changes the cluster in every way a session can: servers,
// requests, faults, the network, a load, variables.
var travelScript = []string{
	"startServers 5",
	"lid = getLeaderId",
	"clientRequest set a 1",
	"load clients=2 rate=40/s for=1s",
	"run 300ms",
	"crash $lid",
	"net loss=0.05",
	"until leader 2s",
	"clientRequest set b 2",
	"partition 0,1 | 2,3,4",
	"run 400ms",
	"restart $lid",
	"heal",
	"clientRequest get a ro",
	"run 200ms",
}

// Going back to any moment at which the user saw the cluster shows it
// exactly as it was then.
func TestGotoRebuildsEveryState(t *testing.T) {
	s := New(Options{Seed: 3})
	type seen struct {
		at   time.Duration
		what string
	}
	var states []seen
	for _, l := range travelScript {
		execOK(t, s, l)
		states = append(states, seen{s.Sim().Now(), snapshot(t, s)})
	}
	end := s.Sim().Now()
	// Back to each, newest first, then forward again along the run.
	// At an instant where several commands ran, goto shows the state after
	// the last of them.
	for i := len(states) - 1; i >= 0; i-- {
		if i+1 < len(states) && states[i+1].at == states[i].at {
			continue
		}
		execOK(t, s, "goto "+states[i].at.String())
		require.Equal(t, states[i].what, snapshot(t, s), "goto %s", states[i].at)
	}
	r := execOK(t, s, "goto "+end.String())
	assert.Zero(t, r.Value.(render.Travelled).Future, "nothing is left ahead")
	require.Equal(t, states[len(states)-1].what, snapshot(t, s))
}

// A goto into the middle of a command stops it exactly where the run was:
// the middle of `run 1s` is `run 500ms`, and a request stopped before its
// answer stores nothing.
func TestGotoIntoACommand(t *testing.T) {
	a := New(Options{Seed: 2})
	b := New(Options{Seed: 2})
	for _, s := range []*Session{a, b} {
		execOK(t, s, "startServers 3")
		execOK(t, s, "until leader")
	}
	start := a.Sim().Now()
	execOK(t, a, "run 1s")
	r := execOK(t, a, "rewind 500ms")
	tr := r.Value.(render.Travelled)
	assert.True(t, tr.Cut)
	assert.Equal(t, 1, tr.Future, "the rest of the run is ahead")
	execOK(t, b, "run 500ms")
	require.Equal(t, snapshot(t, b), snapshot(t, a))

	execOK(t, a, "x = clientRequest set k 1")
	assert.Equal(t, start+500*time.Millisecond, a.hist.entries[len(a.hist.entries)-1].at)
	execOK(t, a, "goto "+(start+501*time.Millisecond).String()) // the request has left, its answer not come
	execErr(t, a, "print $x", "unknown variable")
	h := a.Sim().History()
	require.Len(t, h, 1)
	assert.False(t, h[0].Done, "the request is still waiting for its answer")
}

// A command typed after going back forks the run: what was ahead is gone,
// and a goto forward runs the clock from the fork.
func TestTypingAfterRewindForks(t *testing.T) {
	s := New(Options{Seed: 4})
	execOK(t, s, "startServers 3")
	execOK(t, s, "until leader")
	execOK(t, s, "clientRequest set a 1")
	execOK(t, s, "run 1s")
	execOK(t, s, "rewind 1500ms")
	execOK(t, s, "status") // looking forks nothing
	r := execOK(t, s, "goto 0")
	assert.Positive(t, r.Value.(render.Travelled).Future)
	execOK(t, s, "goto 10ms")
	execOK(t, s, "crash 0") // a fork: nobody was ever leader
	r = execOK(t, s, "goto 2s")
	assert.Zero(t, r.Value.(render.Travelled).Future)
	res := execOK(t, s, "getAll stateMachine")
	assert.NotContains(t, (&render.Renderer{}).Text(res), "a: 1", "the write was in the forgotten future")
	assert.Equal(t, 2*time.Second, s.Sim().Now())
}

// save writes a script that replays the session exactly, forks and
// goto's into the middle of commands included: the same outputs, the
// same state.
func TestSaveReplaysExactly(t *testing.T) {
	s := New(Options{Seed: 6})
	for _, l := range travelScript[:9] {
		execOK(t, s, l)
	}
	execOK(t, s, "rewind 250ms")
	execOK(t, s, "cut 0->2")
	execOK(t, s, "x = clientRequest set c 3")
	execOK(t, s, "goto "+(s.Sim().Now()-2*time.Millisecond).String()) // the write stopped before its answer
	execOK(t, s, "debug on")
	execOK(t, s, "run 100ms")
	want := snapshot(t, s)

	file := filepath.Join(t.TempDir(), "saved.raft")
	execOK(t, s, "save "+file)
	text, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Contains(t, string(text), "\ngoto ", "the stopped request is replayed as it was")

	// Replayed block by block, every output is the one saved.
	r := New(Options{Seed: 1})
	blocks := strings.Split(string(text), "\n\n")
	replayed := 0
	for _, bl := range blocks {
		cmd, out, ok := strings.Cut(bl, "\n----\n")
		if !ok || strings.HasPrefix(cmd, "#") {
			continue
		}
		got := (&render.Renderer{}).Text(r.Exec(cmd))
		require.Equal(t, strings.TrimPrefix(strings.TrimSuffix(out, "----\n----"), "----\n")+"\n", got, cmd)
		replayed++
	}
	assert.Greater(t, replayed, 10)
	require.Equal(t, want, snapshot(t, r))
}
