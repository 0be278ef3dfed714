package repl

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"raftsim/repl/lang"
	"raftsim/sim"
)

// maxTypedLine is the longest line the interactive shell takes key by key
// from the terminal, in bytes. The line editor redraws the whole line at
// every key, so a line that arrives as keys costs the square of its
// length: 4 KB took 4 s, 100 KB minutes. A paste that the terminal marks
// as one (bracketed paste, which the shell turns on) does not go through
// the editor key by key, and has the larger limit maxPastedLine.
const maxTypedLine = 1 << 10

// maxPastedLine is the longest line a bracketed paste may hold, and
// maxPaste the most a paste may hold in all; scripts and piped input have
// the same line limit (lang.MaxInputBytes).
const (
	maxPastedLine = lang.MaxInputBytes
	maxPaste      = 1 << 20
)

// Bytes of the terminal's raw input that lineGuard looks at.
const (
	keyCtrlC     = 3
	keyCtrlH     = 8
	keyEnter     = '\r'
	keyCtrlU     = 21
	keyCtrlZ     = 26
	keyEsc       = 27
	keyBackspace = 127
)

// The bracketed-paste protocol (xterm, and every terminal and tmux since):
// once the program writes pasteOn, the terminal sends a paste between
// pasteStart and pasteEnd instead of as keys.
const (
	pasteOn    = "\x1b[?2004h"
	pasteOff   = "\x1b[?2004l"
	pasteStart = "\x1b[200~"
	pasteEnd   = "\x1b[201~"
)

// lineGuard sits between the terminal and the line editor. It counts the
// bytes typed since the last Enter; when a line grows past limit it hands
// the editor a Ctrl-C instead (which drops what the editor holds, without
// running it or saving it to history) and swallows the rest of that line,
// so a huge paste sent as keys costs no more than limit bytes of editing.
// A bracketed paste it keeps for the shell (takePaste) and hands the
// editor an Enter, which returns what was typed before the paste; a paste
// with a line over maxPastedLine, or over maxPaste in all, is refused
// whole (a Ctrl-C, and refused says why). Without job control it also
// swallows Ctrl-Z: the editor would stop the process with nothing to
// resume it.
type lineGuard struct {
	r         io.ReadCloser
	limit     int
	noSuspend bool

	n        int  // bytes of the current line, as far as they can be counted
	dropping bool // swallowing the rest of an over-long line
	// tooLong is set when a line was dropped; the shell says so.
	tooLong atomic.Bool
	// suspended is set when a Ctrl-Z was swallowed; the shell says why.
	suspended atomic.Bool

	out []byte // filtered bytes not yet read by the editor
	err error  // the terminal's error, once out is empty
	esc []byte // the start of what may be a paste marker

	inPaste bool
	paste   []byte // the paste being received
	line    int    // bytes of its current line
	bad     string // why it is refused, once it is

	mu      sync.Mutex
	pasted  []byte // pastes received, for the shell
	refused string // why a paste was refused, for the shell
}

// Read implements io.Reader. It never returns 0 bytes without an error
// (bufio.Reader gives up after a few empty reads).
func (g *lineGuard) Read(p []byte) (int, error) {
	for len(g.out) == 0 {
		if g.err != nil {
			return 0, g.err
		}
		n, err := g.r.Read(p)
		g.filter(p[:n])
		g.err = err
	}
	n := copy(p, g.out)
	g.out = g.out[:copy(g.out, g.out[n:])]
	return n, nil
}

// filter takes bytes from the terminal, leaving in g.out what the editor
// gets.
func (g *lineGuard) filter(buf []byte) {
	for _, b := range buf {
		g.take(b)
	}
}

// take looks for the paste markers, holding what may be the start of one.
func (g *lineGuard) take(b byte) {
	if len(g.esc) == 0 && b != keyEsc {
		g.plain(b)
		return
	}
	g.esc = append(g.esc, b)
	switch e := string(g.esc); {
	case e == pasteStart:
		g.esc = g.esc[:0]
		g.inPaste, g.paste, g.line, g.bad = true, g.paste[:0], g.n, ""
		g.dropping, g.n = false, 0
		return
	case e == pasteEnd:
		g.esc = g.esc[:0]
		g.endPaste()
		return
	case strings.HasPrefix(pasteStart, e), strings.HasPrefix(pasteEnd, e):
		return // wait for the next byte
	}
	// Not a marker (an arrow key, Alt-x...): the first byte goes on as it
	// is; the others may start a marker themselves.
	held := append([]byte(nil), g.esc...)
	g.esc = g.esc[:0]
	g.plain(held[0])
	for _, h := range held[1:] {
		g.take(h)
	}
}

// plain handles one byte outside any marker.
func (g *lineGuard) plain(b byte) {
	if g.inPaste {
		g.pasteByte(b)
		return
	}
	if g.dropping {
		if b == '\r' || b == '\n' {
			g.dropping, g.n = false, 0
		}
		return
	}
	switch b {
	case '\r', '\n', keyCtrlC, keyCtrlU:
		g.n = 0
	case keyBackspace, keyCtrlH:
		g.n = max(g.n-1, 0)
	case keyCtrlZ:
		if g.noSuspend {
			g.suspended.Store(true)
			b = keyCtrlC // a fresh prompt that says why
		}
	default:
		g.n++
		if g.n > g.limit {
			g.dropping, g.n = true, 0
			g.tooLong.Store(true)
			b = keyCtrlC
		}
	}
	g.out = append(g.out, b)
}

// pasteByte keeps one byte of a paste, while it is within bounds.
func (g *lineGuard) pasteByte(b byte) {
	if g.bad != "" {
		return
	}
	if b == '\r' || b == '\n' {
		g.line = 0
	} else if g.line++; g.line > maxPastedLine {
		g.bad = fmt.Sprintf("a line of it is over %d bytes", maxPastedLine)
	}
	if len(g.paste) >= maxPaste {
		g.bad = fmt.Sprintf("it is over %d bytes", maxPaste)
	}
	if g.bad != "" {
		g.paste = nil // its memory goes now
		return
	}
	g.paste = append(g.paste, b)
}

// endPaste hands a complete paste to the shell, with an Enter for the
// editor, or refuses it with a Ctrl-C.
func (g *lineGuard) endPaste() {
	g.inPaste = false
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.bad != "":
		g.refused = g.bad
		g.out = append(g.out, keyCtrlC) // what was typed before it goes too
		return
	case len(g.paste) == 0:
		return
	}
	g.pasted = append(g.pasted, g.paste...)
	g.out = append(g.out, keyEnter)
}

// takePaste returns what was pasted since the last call, and whether
// anything was.
func (g *lineGuard) takePaste() (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pasted == nil {
		return "", false
	}
	p := string(g.pasted)
	g.pasted = nil
	return p, true
}

// takeRefused returns why a paste was refused since the last call ("":
// none was).
func (g *lineGuard) takeRefused() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.refused
	g.refused = ""
	return r
}

// Close implements io.Closer.
func (g *lineGuard) Close() error { return g.r.Close() }

// hasJobControl reports whether a shell with job control started the
// process: then it runs in a process group of its own, apart from the
// session leader's, and a stopped process can be resumed with fg. Under
// `tmux new raftsim` or `docker run -it` the process group is the session
// leader's (an orphaned group), where a stop signal is discarded and the
// line editor's Ctrl-Z would wait forever for a SIGCONT.
func hasJobControl() bool {
	sid, err := unix.Getsid(0)
	return err == nil && unix.Getpgrp() != sid
}

// boundHistory rewrites the history file at path to its last keep lines,
// leaving out lines longer than maxPastedLine (a paste saved by an older
// version), and reads at most its last maxBytes, so that starting the shell
// stays quick whatever the file holds. Errors leave the file alone: a
// history is a convenience.
func boundHistory(path string, keep int, maxBytes int64) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return
	}
	skipFirst := false
	if st.Size() > maxBytes {
		if _, err := f.Seek(-maxBytes, io.SeekEnd); err != nil {
			return
		}
		skipFirst = true // it starts mid-line
	}
	var lines [][]byte
	dirty := skipFirst
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), int(maxBytes)+1)
	for sc.Scan() {
		if skipFirst {
			skipFirst = false
			continue
		}
		line := sc.Bytes()
		if len(line) > maxPastedLine {
			dirty = true
			continue
		}
		lines = append(lines, bytes.Clone(line))
	}
	if sc.Err() != nil {
		return
	}
	if len(lines) > keep {
		lines, dirty = lines[len(lines)-keep:], true
	}
	if !dirty {
		return
	}
	var b bytes.Buffer
	for _, l := range lines {
		b.Write(l)
		b.WriteByte('\n')
	}
	tmp := path + ".tmp"
	if os.WriteFile(tmp, b.Bytes(), 0o600) == nil {
		_ = os.Rename(tmp, path)
	}
}

// interrupter turns Ctrl-C (SIGINT, delivered while a command runs and the
// terminal is out of raw mode) into a stop of the running command, through
// the simulation's poll function, and shows progress of a long command.
type interrupter struct {
	// hits counts the SIGINTs since the command began.
	hits atomic.Int32

	progress io.Writer // where the progress line goes; nil: nowhere

	start, last time.Time
	t0          time.Duration
	e0          uint64
	shown       bool
}

// progressAfter is how long a command runs before the shell shows its
// progress, and progressEvery how often the line is redrawn.
const (
	progressAfter = time.Second
	progressEvery = 250 * time.Millisecond
)

// begin is called before each command, with the simulation's state then.
func (in *interrupter) begin(now time.Duration, events uint64) {
	in.hits.Store(0)
	in.start, in.last = time.Now(), time.Time{}
	in.t0, in.e0 = now, events
	in.shown = false
}

// poll is the simulation's poll function (sim.SetPoll).
func (in *interrupter) poll(p sim.Progress) bool {
	if in.hits.Load() > 0 {
		return false
	}
	if in.progress == nil {
		return true
	}
	now := time.Now()
	if now.Sub(in.start) < progressAfter || now.Sub(in.last) < progressEvery {
		return true
	}
	in.last = now
	wall := now.Sub(in.start).Seconds()
	events := p.Events - in.e0
	virtual := (p.Now - in.t0).Seconds()
	fmt.Fprintf(in.progress, "\r\033[K… t=%.3fs  %d events  (%.0f events/s, %.1f s of virtual time per second)  Ctrl-C stops",
		p.Now.Seconds(), events, float64(events)/wall, virtual/wall)
	in.shown = true
	return true
}

// end is called after each command: it erases the progress line.
func (in *interrupter) end() {
	if in.shown {
		fmt.Fprint(in.progress, "\r\033[K")
	}
}
