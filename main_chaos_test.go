package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// captureStdout runs f with os.Stdout going to a pipe and returns what it
// printed with f's result.
func captureStdout(t *testing.T, f func() int) (string, int) {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	old := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	code := f()
	os.Stdout = old
	require.NoError(t, w.Close())
	return string(<-done), code
}

// `raftsim chaos` exits 1 on a violation and writes replay files that
// `raftsim run FILE` fails on with exit 1; on the correct Raft it exits 0.
func TestChaosCommandExitCodesAndReplay(t *testing.T) {
	dir := t.TempDir()
	out, code := captureStdout(t, func() int {
		return realMain([]string{"chaos", "--seeds", "10", "--duration", "5s", "--bug", "short-log-vote", "--out", dir, "--json"})
	})
	require.Equal(t, 1, code, out)
	var sum struct {
		Seeds       int      `json:"seeds"`
		Violations  int      `json:"violations"`
		FailedSeeds []uint64 `json:"failed_seeds"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &sum), out)
	require.NotEmpty(t, sum.FailedSeeds)
	assert.Equal(t, 10, sum.Seeds)
	for _, seed := range sum.FailedSeeds {
		file := filepath.Join(dir, "seed-"+strconv.FormatUint(seed, 10)+".raft")
		_, code := captureStdout(t, func() int { return realMain([]string{"run", file}) })
		assert.Equal(t, 1, code, "raftsim run %s", file)
	}

	out, code = captureStdout(t, func() int {
		return realMain([]string{"chaos", "--seeds", "8", "--duration", "2s", "--out", t.TempDir()})
	})
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "seeds=8 violations=0\n")

	_, code = captureStdout(t, func() int { return realMain([]string{"chaos", "--faults", "flood"}) })
	assert.Equal(t, 2, code, "a bad flag is a usage error")
}

// `raftsim chaos merge` adds up the --json reports of shards (--start,
// --seeds) into the report of the whole campaign, exits as chaos would
// on it, and refuses overlapping shards with exit 2.
func TestChaosMergeCommand(t *testing.T) {
	dir := t.TempDir()
	shard := func(name string, args ...string) string {
		out, code := captureStdout(t, func() int {
			return realMain(append([]string{"chaos", "--duration", "2s", "--bug", "even-majority", "--out", dir, "--json"}, args...))
		})
		require.Equal(t, 1, code, out)
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(out), 0o644))
		return p
	}
	a, b := shard("a.json", "--seeds", "3"), shard("b.json", "--start", "4", "--seeds", "2")
	out, code := captureStdout(t, func() int { return realMain([]string{"chaos", "merge", a, b}) })
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "chaos: seeds 1..5, servers 4")
	assert.Regexp(t, `seeds=5 violations=\d+\n$`, out)

	out, code = captureStdout(t, func() int { return realMain([]string{"chaos", "merge", a, a}) })
	assert.Equal(t, 2, code, out)
	_, code = captureStdout(t, func() int { return realMain([]string{"chaos", "merge"}) })
	assert.Equal(t, 2, code)
}
