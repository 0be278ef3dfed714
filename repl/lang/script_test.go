package lang

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartsCommand(t *testing.T) {
	for _, line := range []string{"status", "crash 1", "expect safe", "  t.crash(1);", "t.getAll('log')", "lid = t.getLeaderId();", "x = 5", "run 1s", "STATUS"} {
		assert.True(t, StartsCommand(line), line)
	}
	// What the rest of a call looks like (the tutorial's callbacks and
	// objects over several lines).
	for _, line := range []string{`console.log("results: ", results);`, "});", "}", `  key: 'a',`, "debug: true", "function(results) {", "value: 1 }", "a == b", ""} {
		assert.False(t, StartsCommand(line), line)
	}
}

// An unclosed ( ends at the next line that starts a command: the lines
// after it still run, each on its own.
func TestScriptUnclosedCallEndsAtACommand(t *testing.T) {
	sc, err := ParseScript("x.raft", "startServers 3\nt.crash(\nstatus\ncrash 1\nexpect safe\n")
	require.NoError(t, err)
	var got []ScriptCmd
	got = append(got, sc.Commands()...)
	assert.Equal(t, []ScriptCmd{{Line: 1, Text: "startServers 3"}, {Line: 2, Text: "t.crash("}, {Line: 3, Text: "status"}, {Line: 4, Text: "crash 1"}, {Line: 5, Text: "expect safe"}}, got)

	// The tutorial's multi-line calls still read as one command each.
	sc, err = ParseScript("x.raft", "t.serverPool[lid].clientRequest({ op: \"set\", key: 'a', value: 1 }, function(results) {\nconsole.log(\"results: \", results);\n});\nt.getAll('log');\n")
	require.NoError(t, err)
	assert.Len(t, sc.Commands(), 2)
}

// A device has size 0 and may never end: ReadScript stops at its limit.
func TestReadScriptBoundsDevices(t *testing.T) {
	_, err := ReadScript("/dev/zero")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "too big for a script")
}

// FuzzParseScript reads arbitrary scripts: no panic, every command starts
// on a line of its own, and an unclosed call never swallows a line that
// starts a command.
func FuzzParseScript(f *testing.F) {
	for _, seed := range []string{"startServers 3\nt.crash(\nstatus\ncrash 1\n", "t.f({\na: 1,\n})\nstatus\n", "x\n----\ny\n\nz\n",
		"t.getAll(\n\n)\n", "----\n", "a\n----\n----\nb\n\nc\n----\n----\n", "lid = t.getLeaderId(\nlid = 2\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		sc, err := ParseScript("f.raft", text)
		if err != nil {
			return
		}
		lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
		for _, c := range sc.Commands() {
			if c.Line < 1 || c.Line > len(lines) {
				t.Fatalf("command %q at line %d of %d", c.Text, c.Line, len(lines))
			}
			for _, l := range strings.Split(c.Text, "\n")[1:] {
				if StartsCommand(l) {
					t.Fatalf("the call at line %d swallowed %q", c.Line, l)
				}
			}
		}
	})
}
