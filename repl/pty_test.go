package repl

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/require"
)

// The pseudo-terminal tests run the interactive shell in a child process
// (this test binary again, with ptyChildEnv set) whose terminal is a pty,
// and type at it as a user would: what they check is what the user sees.
const ptyChildEnv = "RAFTSIM_PTY_CHILD"

// TestPtyChild is the child: the interactive shell on the pty.
func TestPtyChild(t *testing.T) {
	if os.Getenv(ptyChildEnv) == "" {
		t.Skip("only run as the child of the pseudo-terminal tests")
	}
	os.Exit(Shell(ShellOptions{Seed: 1, Interactive: true}))
}

// ptyShell is a running child shell and everything it printed.
type ptyShell struct {
	t    *testing.T
	pty  *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	home string
}

func startPtyShell(t *testing.T) *ptyShell {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a child process")
	}
	home := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPtyChild$")
	cmd.Env = append(os.Environ(), ptyChildEnv+"=1", "HOME="+home, "TERM=xterm", "NO_COLOR=1")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 160})
	require.NoError(t, err)
	p := &ptyShell{t: t, pty: f, cmd: cmd, done: make(chan struct{}), home: home}
	go func() {
		defer close(p.done)
		buf := make([]byte, 32<<10)
		for {
			n, err := f.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		f.Close()
	})
	return p
}

// expect waits until the output since mark matches re and returns the new
// mark (the end of the match). The deadline only keeps a broken shell from
// hanging the test; it is far beyond what any step needs.
func (p *ptyShell) expect(mark int, re string) int {
	p.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		out := p.out.String()
		p.mu.Unlock()
		if loc := rx.FindStringIndex(out[mark:]); loc != nil {
			return mark + loc[1]
		}
		select {
		case <-p.done:
			p.t.Fatalf("the shell ended while waiting for %q; it printed:\n%s", re, out[mark:])
		case <-time.After(20 * time.Millisecond):
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.t.Fatalf("no %q in the output:\n%s", re, p.out.String()[mark:])
	return 0
}

// waitExit waits for the shell to end, with the same far deadline as
// expect, so a shell that does not leave fails the test instead of hanging it.
func (p *ptyShell) waitExit() {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		p.mu.Lock()
		defer p.mu.Unlock()
		p.t.Fatalf("the shell did not leave; it printed:\n%s", p.out.String())
	}
}

func (p *ptyShell) send(s string) {
	p.t.Helper()
	_, err := p.pty.WriteString(s)
	require.NoError(p.t, err)
}

// Ctrl-C during `run 1h` (a minute of work) stops the command and keeps the session: the
// prompt comes back at the virtual time where it stopped, with the cluster
// and the variables.
func TestPtyCtrlCStopsALongRun(t *testing.T) {
	p := startPtyShell(t)
	m := p.expect(0, `L=none> `)
	p.send("startServers 5\r")
	m = p.expect(m, `started servers 0, 1, 2, 3, 4\r?\n`)
	p.send("lid = getLeaderId\r")
	m = p.expect(m, `lid = \d`)
	p.send("load clients=20 rate=2000 for=1h\r")
	m = p.expect(m, `load: `)
	p.send("run 1h\r")
	m = p.expect(m, `Ctrl-C stops`) // the progress line: the command is running
	p.send("\x03")
	m = p.expect(m, `run: interrupted at t=\d+\.\d+s`)
	m = p.expect(m, `raft t=\d+\.\d+s L=\d> `)
	p.send("print $lid\r")
	m = p.expect(m, `[^\d.]\d\r?\n`) // the leader id, after the redraw codes
	p.send("expect safe\r")
	m = p.expect(m, `✓ expect safe`)
	p.expect(m, `L=\d> `) // the editor reads again: a Ctrl-D sent earlier could be lost
	p.send("\x04")        // Ctrl-D at an empty prompt leaves
	p.waitExit()
	require.NoError(t, p.cmd.Wait())
}

// A 100 KB line pasted at the prompt is refused at once (the line editor's
// redraws cost the square of a line's length), is not saved in history,
// and the shell goes on.
func TestPtyHugeLineIsRefused(t *testing.T) {
	p := startPtyShell(t)
	m := p.expect(0, `L=none> `)
	p.send("print " + strings.Repeat("x", 100<<10) + "\r")
	m = p.expect(m, `error: line too long \(over 1024 bytes typed`)
	m = p.expect(m, `L=none> `)
	p.send("startServers 3\r")
	m = p.expect(m, `started servers 0, 1, 2`)
	p.send("quit\r")
	p.waitExit()
	require.NoError(t, p.cmd.Wait())
	hist, err := os.ReadFile(filepath.Join(p.home, ".raftsim_history"))
	require.NoError(t, err)
	require.Equal(t, "startServers 3\nquit\n", string(hist), "the long line is not in the history")
	_ = m
}

// A paste that the terminal brackets (the shell turns bracketed paste on)
// skips the editor's redraw at every key: a 16 KB line runs and is kept
// in history; a paste of several lines runs each, as typed, and what
// follows its last line break waits in the editor; a 100 KB line is
// refused whole, at once, and not kept.
func TestPtyBracketedPaste(t *testing.T) {
	p := startPtyShell(t)
	m := p.expect(0, `\x1b\[\?2004h`) // bracketed paste on
	m = p.expect(m, `L=none> `)
	long := "x = '" + strings.Repeat("y", 16<<10) + "'"
	start := time.Now()
	p.send(pasteStart + long + "\r" + pasteEnd)
	m = p.expect(m, regexp.QuoteMeta(long)+`\r?\n`) // the echo, then the result
	m = p.expect(m, `L=none> `)
	t.Logf("a 16 KB line pasted and run in %v", time.Since(start))

	p.send(pasteStart + "startServers 3\rlid = getLeaderId\rprint $li" + pasteEnd)
	m = p.expect(m, `started servers 0, 1, 2`)
	m = p.expect(m, `lid = \d`)
	m = p.expect(m, `L=\d> print \$li`) // the unfinished line, in the editor
	p.send("d\r")
	m = p.expect(m, `print \$lid\r?\n`)
	m = p.expect(m, `^(?:\x1b\[[0-9;?]*[A-Za-z]|\r)*\d\r?\n`) // the leader id, after any redraw codes

	p.send("status" + pasteStart + strings.Repeat("z", 100<<10) + pasteEnd)
	m = p.expect(m, `error: paste refused \(a line of it is over 65536 bytes\): nothing of it was run or saved in history`)
	m = p.expect(m, `L=\d> `)
	p.send("quit\r")
	p.waitExit()
	require.NoError(t, p.cmd.Wait())
	_ = m
	hist, err := os.ReadFile(filepath.Join(p.home, ".raftsim_history"))
	require.NoError(t, err)
	require.Equal(t, long+"\nstartServers 3\nlid = getLeaderId\nprint $lid\nquit\n", string(hist))
}
