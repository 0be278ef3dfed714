package repl

import (
	"raftsim/repl/render"
	"raftsim/repl/session"
)

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPipedShell(t *testing.T) {
	in := "startServers 3\n" +
		"lid = t.getLeaderId();\n" +
		"t.serverPool[lid].clientRequest({ op: \"set\", key: 'a', value: 1 }, function(results) {\n" +
		"console.log(\"results: \", results);\n" +
		"});\n" +
		"\n# a comment\n" +
		"expect value a 1\n"
	var out bytes.Buffer
	status := Shell(ShellOptions{Seed: 1, In: strings.NewReader(in), Out: &out})
	assert.Equal(t, 0, status)
	assert.Equal(t, "started servers 0, 1, 2\nlid = 0\nresults:  { status: 'success', result: 1, leaderHint: null }\n"+
		"✓ expect value a 1: S0: 1, S1: 1, S2: 1\n", out.String())

	out.Reset()
	status = Shell(ShellOptions{Seed: 1, In: strings.NewReader("crash 1\nquit\nstatus\n"), Out: &out})
	assert.Equal(t, 1, status, "a failed command makes piped input exit 1")
	assert.Equal(t, "error: crash: server 1 does not exist (no servers yet; start some with: startServers 3)\n", out.String(), "quit stops reading")

	out.Reset()
	Shell(ShellOptions{Seed: 1, JSON: true, In: strings.NewReader("seed\nt.getAll(\n"), Out: &out})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Len(t, lines, 2, "an unfinished call at the end of input is still answered")
	assert.Contains(t, lines[1], `"ok":false`)
}

// FuzzExecLine feeds arbitrary lines to a running cluster: none may reach
// the panic guard, and every result must render as one JSON line.
func FuzzExecLine(f *testing.F) {
	for _, seed := range []string{"startServers 3", "clientRequest set a 1", "getAll log 0", "crash 1", "restart 1",
		"partition 0 | 1,2", "cut 0->1", "expect value a 1 on 0", "until committed 2 1s", "step 3", "seed 5",
		"t.serverPool[lid].clientRequest({ op: 'cas', key: 'a', value: 2 })", "lid = getLeaderId", "print $lid"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		s := session.New(session.Options{Seed: 1})
		s.Exec("startServers 3")
		s.Exec("lid = getLeaderId")
		res := s.Exec(line)
		if res.Err != nil && strings.Contains(res.Err.Error(), "internal error") {
			t.Fatalf("%q: %v", line, res.Err)
		}
		var b bytes.Buffer
		(&render.Renderer{W: &b, JSON: true}).Render(res)
		if n := strings.Count(b.String(), "\n"); n < 1 {
			t.Fatalf("%q: no output line", line)
		}
	})
}

// An unclosed ( in piped input ends at the next line that starts a command:
// its error names the line that opened it, and the lines after it run.
func TestPipedUnclosedCall(t *testing.T) {
	var out bytes.Buffer
	status := Shell(ShellOptions{Seed: 1, In: strings.NewReader("startServers 3\nt.crash(\nstatus\ncrash 1\nexpect safe\nt.getAll(\n"), Out: &out})
	assert.Equal(t, 1, status)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 9, out.String())
	assert.Equal(t, "started servers 0, 1, 2", lines[0])
	assert.Regexp(t, `^line 2: error: crash: expected '\)'`, lines[1])
	assert.Regexp(t, `^ID +STATE`, lines[2], "status ran")
	assert.NotContains(t, lines[6], "error", "crash 1 ran")
	assert.Regexp(t, `^✓ expect safe`, lines[7])
	assert.Regexp(t, `^line 6: error: getAll: `, lines[8], "the unclosed call at the end names its line")
}

// In piped input a line longer than lang.MaxInputBytes is skipped while it
// is read (never held in memory), and the lines after it run.
func TestPipedLongLine(t *testing.T) {
	long := io.MultiReader(strings.NewReader("startServers 3\n"), io.LimitReader(neverEnding('x'), 50<<20), strings.NewReader("\nstatus\n"))
	var out bytes.Buffer
	status := Shell(ShellOptions{Seed: 1, In: long, Out: &out})
	assert.Equal(t, 1, status)
	assert.Contains(t, out.String(), "line 2: error: line too long (52428800 bytes, limit 65536): skipped\n")
	assert.Contains(t, out.String(), "ID  STATE", "the next line ran")
}

// neverEnding is an endless stream of one byte.
type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// FuzzPipedShell feeds arbitrary multi-line input to the piped shell:
// unclosed calls, long and blank lines, commands after them. Nothing may
// reach the panic guard, and every line that starts a command after an
// unclosed call still runs.
func FuzzPipedShell(f *testing.F) {
	for _, seed := range []string{"startServers 3\nt.crash(\nstatus\n", "t.getAll(\n\n)\nseed\n", "t.f({\na: 1,\n})\n",
		"x = t.getAll('log'\nprint $x\n", "seed 2\nrun 10ms\n", "\r\n\r\n", "t.f(\nt.g(\nt.h(\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		if strings.Contains(strings.ToLower(input), "export") || strings.Contains(strings.ToLower(input), "save") {
			t.Skip("writes files")
		}
		var out bytes.Buffer
		Shell(ShellOptions{Seed: 1, In: strings.NewReader(input), Out: &out, JSON: true})
		if strings.Contains(out.String(), "internal error") {
			t.Fatalf("%q: %s", input, out.String())
		}
	})
}
