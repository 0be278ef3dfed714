package repl

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"raftsim/sim"
)

// maxTypedLine is the longest line the interactive shell takes from the
// terminal, in bytes. The line editor redraws the whole line at every key,
// so a pasted line costs the square of its length: 4 KB draws in well under
// a second, 100 KB took minutes. No command needs more (a long JavaScript
// call can span several lines); scripts and piped input have their own,
// larger limit (lang.MaxInputBytes).
const maxTypedLine = 1 << 10

// Bytes of the terminal's raw input that lineGuard looks at.
const (
	keyCtrlC     = 3
	keyCtrlH     = 8
	keyCtrlU     = 21
	keyCtrlZ     = 26
	keyBackspace = 127
)

// lineGuard sits between the terminal and the line editor. It counts the
// bytes typed since the last Enter; when a line grows past limit it hands
// the editor a Ctrl-C instead (which drops what the editor holds, without
// running it or saving it to history) and swallows the rest of that line,
// so a huge paste costs no more than limit bytes of editing. Without job
// control it also swallows Ctrl-Z: the editor would stop the process with
// nothing to resume it.
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
}

// Read implements io.Reader. It never returns 0 bytes without an error
// (bufio.Reader gives up after a few empty reads).
func (g *lineGuard) Read(p []byte) (int, error) {
	for {
		n, err := g.r.Read(p)
		out := g.filter(p[:n])
		if out > 0 || err != nil {
			return out, err
		}
	}
}

// filter rewrites buf in place and returns how many bytes remain.
func (g *lineGuard) filter(buf []byte) int {
	out := 0
	for _, b := range buf {
		if g.dropping {
			if b == '\r' || b == '\n' {
				g.dropping, g.n = false, 0
			}
			continue
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
		buf[out] = b
		out++
	}
	return out
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
// leaving out lines longer than maxTypedLine (a paste saved by an older
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
		if len(line) > maxTypedLine {
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
