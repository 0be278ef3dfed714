package repl

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// guarded runs input through a lineGuard with the given limit, in reads of
// chunk bytes, and returns what the line editor would see.
func guarded(t *testing.T, input string, limit, chunk int, noSuspend bool) (string, *lineGuard) {
	t.Helper()
	g := &lineGuard{r: io.NopCloser(&chunked{s: input, n: chunk}), limit: limit, noSuspend: noSuspend}
	b, err := io.ReadAll(g)
	require.NoError(t, err)
	return string(b), g
}

// chunked is a reader returning at most n bytes a read, as a terminal does.
type chunked struct {
	s string
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[k:]
	return k, nil
}

func TestLineGuard(t *testing.T) {
	out, g := guarded(t, "status\r"+strings.Repeat("x", 100)+"\rrun 1s\r", 10, 7, false)
	assert.Equal(t, "status\r"+strings.Repeat("x", 10)+"\x03run 1s\r", out, "the long line becomes a Ctrl-C; its rest and its Enter are gone")
	assert.True(t, g.tooLong.Load())

	out, _ = guarded(t, "abcdefgh\x7f\x7f\x7fij\r", 8, 1, false)
	assert.Equal(t, "abcdefgh\x7f\x7f\x7fij\r", out, "backspaces make room")

	out, g = guarded(t, "ab\x1acd\r", 10, 1, true)
	assert.Equal(t, "ab\x03cd\r", out, "without job control Ctrl-Z is refused")
	assert.True(t, g.suspended.Load())
	out, _ = guarded(t, "ab\x1a", 10, 1, false)
	assert.Equal(t, "ab\x1a", out, "with job control it passes")
}

// TestLineGuardPaste: a bracketed paste reaches the shell whole, however
// the reads cut it, and the editor gets one Enter for it; escape sequences
// that are no marker pass as they were; a paste over the bounds is refused
// whole, with a Ctrl-C and the reason.
func TestLineGuardPaste(t *testing.T) {
	for _, chunk := range []int{1, 3, 1000} {
		in := "ab\x1b[A" + pasteStart + "x = 1\ry = 2\rpri" + pasteEnd + "\x1b\x1b[Bc\r"
		out, g := guarded(t, in, 10, chunk, false)
		assert.Equal(t, "ab\x1b[A\r\x1b\x1b[Bc\r", out, "chunk %d", chunk)
		p, ok := g.takePaste()
		assert.True(t, ok)
		assert.Equal(t, "x = 1\ry = 2\rpri", p, "chunk %d", chunk)
		_, ok = g.takePaste()
		assert.False(t, ok, "taken once")
		assert.Equal(t, "", g.takeRefused())
	}
	// A paste holds lines far past the typed limit.
	out, g := guarded(t, pasteStart+strings.Repeat("x", 5000)+pasteEnd, 10, 512, false)
	assert.Equal(t, "\r", out)
	p, _ := g.takePaste()
	assert.Len(t, p, 5000)
	assert.False(t, g.tooLong.Load())
	// Not past its own.
	out, g = guarded(t, "status"+pasteStart+"ok\r"+strings.Repeat("x", maxPastedLine+1)+pasteEnd+"run\r", 10, 4096, false)
	assert.Equal(t, "status\x03run\r", out, "refused: a Ctrl-C drops what was typed before it too")
	_, ok := g.takePaste()
	assert.False(t, ok)
	assert.Equal(t, "a line of it is over 65536 bytes", g.takeRefused())
	var big strings.Builder
	for big.Len() <= maxPaste {
		big.WriteString(strings.Repeat("x", 1000) + "\n")
	}
	_, g = guarded(t, pasteStart+big.String()+pasteEnd, 10, 4096, false)
	assert.Equal(t, "it is over 1048576 bytes", g.takeRefused())
	// An empty paste is nothing at all.
	out, g = guarded(t, "ab"+pasteStart+pasteEnd+"c", 10, 1, false)
	assert.Equal(t, "abc", out)
	_, ok = g.takePaste()
	assert.False(t, ok)
}

func TestPastedLines(t *testing.T) {
	assert.Equal(t, []string{"a", "b", "c", "d", ""}, pastedLines("a\rb\nc\r\nd\r"))
	assert.Equal(t, []string{"print $li"}, pastedLines("print $li"))
}

// FuzzLineGuard: whatever the input and however it is cut into reads, no
// line the editor sees holds more than the limit of counted bytes, and
// nothing is invented but the Ctrl-C that replaces a dropped line.
func FuzzLineGuard(f *testing.F) {
	f.Add("status\r"+strings.Repeat("x", 40)+"\rrun\r", 3)
	f.Add("a\x1a\x7f\x15b\n\x03", 1)
	f.Add("x"+pasteStart+"status\rrun"+pasteEnd+"\x1b[A\x1b\x1b[201", 2)
	f.Fuzz(func(t *testing.T, input string, chunk int) {
		chunk = 1 + abs(chunk)%64
		const limit = 16
		out, _ := guarded(t, input, limit, chunk, true)
		if len(out) > len(input) {
			t.Fatalf("output longer than input: %q -> %q", input, out)
		}
		n := 0
		for i := 0; i < len(out); i++ {
			switch out[i] {
			case '\r', '\n', keyCtrlC, keyCtrlU:
				n = 0
			case keyBackspace, keyCtrlH:
				n = max(n-1, 0)
			case keyCtrlZ:
				t.Fatalf("Ctrl-Z reached the editor: %q", out)
			default:
				n++
				if n > limit {
					t.Fatalf("a line of more than %d bytes reached the editor: %q", limit, out)
				}
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// FuzzReadLine: readLine returns each line as bufio.Scanner would, or
// says it was too long, and never holds more than the limit.
func FuzzReadLine(f *testing.F) {
	f.Add("a\nbb\r\nccc", 2)
	f.Add(strings.Repeat("x", 100)+"\ny\n", 10)
	f.Fuzz(func(t *testing.T, input string, limit int) {
		limit = 1 + abs(limit)%64
		in := bufio.NewReaderSize(strings.NewReader(input), 16)
		var got []string
		for {
			line, long, err := readLine(in, limit)
			if long > 0 {
				line = "<long>"
			} else if len(line) > limit {
				t.Fatalf("a line of %d bytes, limit %d", len(line), limit)
			}
			if err != nil && line == "" && long == 0 {
				break
			}
			got = append(got, line)
			if err != nil {
				break
			}
		}
		var want []string
		sc := bufio.NewScanner(strings.NewReader(input))
		sc.Buffer(nil, len(input)+1)
		for sc.Scan() {
			l := strings.TrimRight(sc.Text(), "\r")
			if len(l) > limit {
				l = "<long>"
			}
			want = append(want, l)
		}
		if len(want) > 0 && want[len(want)-1] == "" && !strings.HasSuffix(input, "\n") {
			want = want[:len(want)-1] // an unended blank last line is no line
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d lines, want %d (%q vs %q)", input, len(got), len(want), got, want)
		}
	})
}

// An old history file with a huge pasted line and too many entries is
// cut down when the shell starts.
func TestBoundHistory(t *testing.T) {
	p := filepath.Join(t.TempDir(), "h")
	var b bytes.Buffer
	for i := range 30 {
		b.WriteString(strings.Repeat("y", i) + "\n")
	}
	b.WriteString(strings.Repeat("x", 100<<10) + "\n")
	b.WriteString("status\n")
	require.NoError(t, os.WriteFile(p, b.Bytes(), 0o600))
	boundHistory(p, 5, 1<<20)
	got, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("y", 26)+"\n"+strings.Repeat("y", 27)+"\n"+strings.Repeat("y", 28)+"\n"+strings.Repeat("y", 29)+"\nstatus\n", string(got))
}
