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
