package repl

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tutorialScript is the raft.js tutorial exactly as the README prints it.
const tutorialScript = `t = require('./test_local');
t.startServers({ debug: true });
lid = t.getLeaderId();
t.getAll('log')[lid];
t.serverPool[lid].clientRequest({ op: "set", key: 'a', value: 1 }, function(results) {
console.log("results: ", results);
});
t.getAll('log');
t.getAll('stateMachine');
t.serverPool[lid].clientRequest({ op: "get", key: 'a', ro: 1 }, function(results) {
console.log("results: ", results);
});
t.addServer(3, { debug: true });
t.serverPool[lid].clientRequest({ op: "set", key: 'b', value: 2 }, function(results) {
console.log("results: ", results);
});
t.getAll('stateMachine');
`

func runTutorial(t *testing.T, seed uint64, asJSON bool) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "tutorial.raft")
	require.NoError(t, os.WriteFile(f, []byte(tutorialScript), 0o644))
	var out, errw bytes.Buffer
	ok := Run(f, RunOptions{Seed: seed, JSON: asJSON}, &out, &errw)
	require.True(t, ok, errw.String())
	return out.String()
}

func TestTutorialDeterminism(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		a, b := runTutorial(t, 1, asJSON), runTutorial(t, 1, asJSON)
		assert.Equal(t, a, b, "same seed, same bytes")
		assert.NotEqual(t, a, runTutorial(t, 2, asJSON), "another seed, another run")
	}
	text := runTutorial(t, 1, false)
	assert.Contains(t, text, "results:  { status: 'success', result: 1, leaderHint: null }")
	assert.Contains(t, text, "S3  { a: 1, b: 2 }")
}

func TestRunNamesFailingLines(t *testing.T) {
	f := filepath.Join(t.TempDir(), "bad.raft")
	require.NoError(t, os.WriteFile(f, []byte("startServers 3\ncrash 7\nrun 1s\nexpect leader 2\n"), 0o644))
	var out, errw bytes.Buffer
	assert.False(t, Run(f, RunOptions{Seed: 1}, &out, &errw))
	assert.Contains(t, out.String(), "> crash 7\n"+f+":2: error: crash: server 7")
	assert.Contains(t, out.String(), f+":4: ✗ expect leader 2")
	assert.Equal(t, f+": 2 commands failed: "+f+":2, "+f+":4\n", errw.String())
}

// run FILE shows the script's # comments, its narration, before the
// commands they precede; --quiet-comments hides them (issue 8: the
// narration of figure8-bug.raft never showed during a replay).
func TestRunPrintsComments(t *testing.T) {
	f := filepath.Join(t.TempDir(), "c.raft")
	require.NoError(t, os.WriteFile(f, []byte("# Start three servers.\nstartServers 3\n----\nstarted servers 0, 1, 2\n\n# Then crash one.\ncrash 1\n# the end\n"), 0o644))
	var out, errw bytes.Buffer
	require.True(t, Run(f, RunOptions{Seed: 1}, &out, &errw), errw.String())
	assert.Equal(t, "# Start three servers.\n> startServers 3\nstarted servers 0, 1, 2\n# Then crash one.\n> crash 1\nS1 crashed (its disk is kept)\n# the end\n", out.String())
	out.Reset()
	require.True(t, Run(f, RunOptions{Seed: 1, QuietComments: true}, &out, &errw))
	assert.NotContains(t, out.String(), "#")
	out.Reset()
	require.True(t, Run(f, RunOptions{Seed: 1, Color: true}, &out, &errw))
	assert.Contains(t, out.String(), "\x1b[2m# Start three servers.\x1b[22m", "dimmed")
	out.Reset()
	require.True(t, Run(f, RunOptions{Seed: 1, JSON: true}, &out, &errw))
	assert.NotContains(t, out.String(), "# Start", "JSON lines stay JSON")
}
