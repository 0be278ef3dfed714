package repl

import (
	"raftsim/repl/lang"
)

import (
	goflag "flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var rewrite = goflag.Bool("rewrite", false, "rewrite the expected output of the golden scripts (go test ./repl -run Golden -rewrite)")

// TestGolden runs every scripts/*.raft file as a golden test: each block's
// output must match the text after its ----.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "scripts", "*.raft"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no scripts/*.raft files")
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".raft"), func(t *testing.T) {
			res := Golden(f, *rewrite)
			require.NoError(t, res.Err)
			for _, d := range res.Diffs {
				t.Error(d)
			}
		})
	}
}

// TestGoldenRunnerCatchesDifferences makes sure the golden runner can fail,
// and that -rewrite fixes the file and keeps its comments.
func TestGoldenRunnerCatchesDifferences(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "x.raft")
	src := "# a comment\nstartServers 3\n----\nstarted servers 0, 1\n\nexpect safe\n----\nwrong\n"
	require.NoError(t, os.WriteFile(f, []byte(src), 0o644))

	res := Golden(f, false)
	require.NoError(t, res.Err)
	require.Len(t, res.Diffs, 2)
	require.Contains(t, res.Diffs[0], "x.raft:2")

	require.Empty(t, Golden(f, true).Diffs)
	b, err := os.ReadFile(f)
	require.NoError(t, err)
	require.Equal(t, "# a comment\nstartServers 3\n----\nstarted servers 0, 1, 2\n\nexpect safe\n----\n✓ expect safe: no violation so far\n", string(b))
	res = Golden(f, false)
	require.Empty(t, res.Diffs)
}

// TestGoldenBlankLinesInOutput checks the datadriven-style ----/---- form
// for output holding blank lines (help has some).
func TestGoldenBlankLinesInOutput(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "h.raft")
	require.NoError(t, os.WriteFile(f, []byte("help run\n\nseed\n"), 0o644))
	require.Empty(t, Golden(f, true).Diffs)
	b, err := os.ReadFile(f)
	require.NoError(t, err)
	require.Contains(t, string(b), "help run\n----\n----\nrun DURATION\n\n")
	require.Contains(t, string(b), "----\n----\n\nseed\n----\nseed 1\n")
	res := Golden(f, false)
	require.NoError(t, res.Err)
	require.Empty(t, res.Diffs)
}

func TestParseScriptErrors(t *testing.T) {
	_, err := lang.ParseScript("f.raft", "----\nx\n")
	require.ErrorContains(t, err, "f.raft:1: ---- with no command")
	_, err = lang.ParseScript("f.raft", "seed\n----\n----\nabc\n")
	require.ErrorContains(t, err, "never closed")
}

func TestParseScriptJoinsMultiLineCalls(t *testing.T) {
	sc, err := lang.ParseScript("f.raft", "# c\nt.getAll(\n'log'\n);\nstatus\n")
	require.NoError(t, err)
	cmds := sc.Commands()
	require.Len(t, cmds, 2)
	require.Equal(t, lang.ScriptCmd{Line: 2, Text: "t.getAll(\n'log'\n);", Comments: []string{"# c"}}, cmds[0])
	require.Equal(t, lang.ScriptCmd{Line: 5, Text: "status"}, cmds[1])
}
