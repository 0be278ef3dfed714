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
