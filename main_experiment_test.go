package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// `raftsim experiment election --json` prints one object with a line per
// timeout and variant, in SPEC's names; the same seed prints the same.
func TestExperimentCommandJSON(t *testing.T) {
	args := []string{"experiment", "election", "--trials", "5", "--timeouts", "150-300,25-50", "--variant", "classic,prevote", "--json", "--seed", "4"}
	out, code := captureStdout(t, func() int { return realMain(args) })
	require.Equal(t, 0, code, out)
	var doc struct {
		Experiment string           `json:"experiment"`
		Seed       uint64           `json:"seed"`
		Lines      []map[string]any `json:"lines"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc), out)
	assert.Equal(t, "election", doc.Experiment)
	assert.EqualValues(t, 4, doc.Seed)
	require.Len(t, doc.Lines, 4)
	for _, l := range doc.Lines {
		for _, k := range []string{"timeout", "trials", "median_ms", "p90_ms", "p99_ms", "max_ms", "mean_terms", "split_vote_rate", "variant"} {
			assert.Contains(t, l, k)
		}
		assert.EqualValues(t, 5, l["trials"])
	}
	assert.Equal(t, "150-300", doc.Lines[0]["timeout"])
	assert.Equal(t, "prevote", doc.Lines[3]["variant"])

	again, _ := captureStdout(t, func() int { return realMain(args) })
	strip := func(s string) string { // the wall time is the one field that differs
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, `"wall_s"`) {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	assert.Equal(t, strip(out), strip(again))
}

// --replay prints a trial's script, and `raftsim run` replays it.
func TestExperimentCommandReplay(t *testing.T) {
	out, code := captureStdout(t, func() int {
		return realMain([]string{"experiment", "splitvote", "--latency", "10", "--replay", "7"})
	})
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "trial 7")
	file := filepath.Join(t.TempDir(), "trial.raft")
	require.NoError(t, os.WriteFile(file, []byte(out), 0o644))
	ran, code := captureStdout(t, func() int { return realMain([]string{"run", file}) })
	assert.Equal(t, 0, code, ran)
	assert.Contains(t, ran, "> until leader")
}

// Bad flags are usage errors (exit 2).
func TestExperimentCommandErrors(t *testing.T) {
	for _, args := range [][]string{
		{"experiment"},
		{"experiment", "figure17"},
		{"experiment", "election", "--timeouts", "300-150"},
		{"experiment", "election", "--variant", "fast"},
		{"experiment", "election", "--trials", "0"},
		{"experiment", "wan", "--servers", "2"},
		{"experiment", "election", "--fsync", "soon"},
		{"experiment", "election", "extra"},
	} {
		_, code := captureStdout(t, func() int { return realMain(args) })
		assert.Equal(t, 2, code, "%v", args)
	}
}
