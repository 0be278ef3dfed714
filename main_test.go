package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// captureStderr runs f with os.Stderr going to a file and returns what it
// printed with f's result.
func captureStderr(t *testing.T, f func() int) (string, int) {
	t.Helper()
	file, err := os.CreateTemp(t.TempDir(), "stderr")
	require.NoError(t, err)
	old := os.Stderr
	os.Stderr = file
	code := f()
	os.Stderr = old
	b, err := os.ReadFile(file.Name())
	require.NoError(t, err)
	return string(b), code
}

// Flags may come before or after the subcommand, the global ones
// included, for every subcommand.
func TestFlagsAnywhere(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "-n", "3", "-k", "50", "--json"},
		{"--json", "bench", "-n", "3", "-k", "50"},
		{"-n", "3", "bench", "-k", "50", "--json"},
		{"bench", "--no-color", "-k", "50", "-n", "3", "--json"},
	} {
		out, code := captureStdout(t, func() int { return realMain(args) })
		require.Equal(t, 0, code, "%v", args)
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &v), "%v: %s", args, out)
		assert.EqualValues(t, 3, v["servers"], "%v", args)
		assert.EqualValues(t, 50, v["commits"], "%v", args)
	}
	for _, args := range [][]string{{"test", "--json", "scripts/tutorial.raft"}, {"--json", "test", "scripts/tutorial.raft"}} {
		out, code := captureStdout(t, func() int { return realMain(args) })
		require.Equal(t, 0, code, "%v", args)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, lines, 2, out)
		assert.JSONEq(t, `{"file":"scripts/tutorial.raft","ok":true}`, lines[0])
		assert.JSONEq(t, `{"ok":true,"files":1,"failed":0}`, lines[1])
	}
}

// A bad command line is one line with a hint, never the whole usage.
func TestBadFlagIsOneLine(t *testing.T) {
	for args, want := range map[string]string{
		"--bogus":        "raftsim: unknown flag -bogus; raftsim help shows every subcommand and flag\n",
		"bench --bogus":  "raftsim: bench: unknown flag -bogus; raftsim help shows every subcommand and flag\n",
		"test -rewrite=": "raftsim: test: invalid boolean value \"\" for -rewrite: parse error; raftsim help shows every subcommand and flag\n",
		"frob":           "raftsim: unknown subcommand \"frob\" (the subcommands: run, test, bench, chaos, experiment, serve, help); raftsim help shows every subcommand and flag\n",
	} {
		out, code := captureStderr(t, func() int { return realMain(strings.Fields(args)) })
		assert.Equal(t, 2, code, args)
		assert.Equal(t, want, out, args)
	}
}

// -h after a subcommand lists that subcommand's flags and exits 0 (it
// used to report "flag: help requested" as an error).
func TestSubcommandHelp(t *testing.T) {
	for _, sub := range []string{"chaos", "bench", "run", "test", "serve"} {
		out, code := captureStdout(t, func() int { return realMain([]string{sub, "-h"}) })
		assert.Equal(t, 0, code, sub)
		assert.Contains(t, out, "raftsim "+sub+" flags:", sub)
		assert.Contains(t, out, "-seed", sub)
	}
	out, code := captureStdout(t, func() int { return realMain([]string{"chaos", "--help"}) })
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "-servers")
}

// bench --clock runs the cluster for the virtual time asked, idle or under
// a load, and says how fast its clock ran; out-of-range flags are refused.
func TestBenchClock(t *testing.T) {
	out, code := captureStdout(t, func() int { return realMain([]string{"bench", "--clock", "--for", "10s", "--rate", "50", "--json"}) })
	require.Equal(t, 0, code, out)
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &v), out)
	assert.EqualValues(t, 5, v["servers"])
	assert.EqualValues(t, 10000, v["virtual_ms"])
	assert.Greater(t, v["ops"], 400.0, "50/s for 10 s")
	assert.Greater(t, v["speed"], 0.0)

	out, code = captureStdout(t, func() int { return realMain([]string{"bench", "--clock", "-n", "3", "--for", "2s"}) })
	require.Equal(t, 0, code, out)
	assert.Regexp(t, `^servers=3 rate=0/s virtual=2s .* ops=0 speed=\d+x`, out)

	_, code = captureStderr(t, func() int { return realMain([]string{"bench", "--clock", "--rate", "-1"}) })
	assert.Equal(t, 2, code)
}
