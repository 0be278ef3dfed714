package repl

import (
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/repl/session"
)

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/chzyer/readline"
)

// ShellOptions configures the interactive shell.
type ShellOptions struct {
	Seed  uint64
	JSON  bool
	Color bool
	// In, Out and Err default to the process's standard streams.
	In       io.Reader
	Out, Err io.Writer
	// Interactive selects line editing; main sets it when stdin is a
	// terminal.
	Interactive bool
}

// Banner is the one line the interactive shell greets with.
const Banner = "raftsim: a simulated Raft cluster. Start it with `startServers 3` (or t.startServers()); `help` lists the commands; `quit` or Ctrl-D leaves."

// Shell runs the read-eval-print loop until quit or end of input. It
// returns the exit status: 0, or 1 when reading from a pipe and a command
// failed (so `raftsim < script` can be used in CI too).
func Shell(o ShellOptions) int {
	if o.In == nil {
		o.In = os.Stdin
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Err == nil {
		o.Err = os.Stderr
	}
	s := session.New(session.Options{Seed: o.Seed})
	if o.Interactive {
		return interactive(s, o)
	}
	return piped(s, o)
}

// piped reads commands from a non-terminal: no prompt, no colours, no line
// editing; each result is printed as it comes.
func piped(s *session.Session, o ShellOptions) int {
	r := &render.Renderer{W: o.Out, JSON: o.JSON, Color: o.Color}
	in := bufio.NewReader(o.In)
	status := 0
	exec := func(text, where string) (quit bool) {
		res := s.Exec(text)
		if res.Cmd.Name == "" && res.Err == nil {
			return false // blank line or comment
		}
		if !res.OK {
			res.Where = where
			status = 1
		}
		r.Render(res)
		return res.Quit
	}
	var c continuation
	for n := 1; ; n++ {
		line, long, err := readLine(in, lang.MaxInputBytes)
		if err != nil && line == "" && long == 0 {
			if c.open() {
				exec(c.cut())
			}
			break
		}
		if long > 0 {
			if c.open() && exec(c.cut()) {
				break
			}
			r.Render(render.Result{Where: fmt.Sprintf("line %d", n),
				Err: fmt.Errorf("line too long (%d bytes, limit %d): skipped", long, lang.MaxInputBytes)})
			status = 1
			continue
		}
		if c.open() && lang.StartsCommand(line) {
			// The call left open cannot go on with a line that starts a
			// command: it ends as it is (an error naming the line that
			// opened it), and the line runs on its own.
			if exec(c.cut()) {
				break
			}
		}
		c.add(n, line)
		if lang.Incomplete(c.text()) && err == nil {
			continue
		}
		text, where := c.done()
		if err != nil && lang.Incomplete(text) {
			where = fmt.Sprintf("line %d", c.first)
		}
		if exec(text, where) || err != nil {
			break
		}
	}
	return status
}

// continuation gathers the lines of one command that spans several (a JS
// call with an unclosed bracket).
type continuation struct {
	lines []string
	first int // the line number of the first line
}

func (c *continuation) open() bool { return len(c.lines) > 0 }

func (c *continuation) add(n int, line string) {
	if len(c.lines) == 0 {
		c.first = n
	}
	c.lines = append(c.lines, line)
}

func (c *continuation) text() string { return strings.Join(c.lines, "\n") }

// done returns the command and empties c; where is "" (a complete command
// needs no line number in its error).
func (c *continuation) done() (text, where string) {
	text = c.text()
	c.lines = nil
	return text, ""
}

// cut ends a command still open and returns it with the line that opened it.
func (c *continuation) cut() (text, where string) {
	first := c.first
	text, _ = c.done()
	return text, fmt.Sprintf("line %d", first)
}

// readLine reads one line (without its end) of at most limit bytes. A
// longer line is read to its end but not kept: line is "" and long is its
// length, so that a huge line costs no memory.
func readLine(in *bufio.Reader, limit int) (line string, long int, err error) {
	var b []byte
	for {
		chunk, err := in.ReadSlice('\n')
		switch {
		case long > 0:
			long += len(chunk)
		case len(b)+len(chunk) > limit+2: // room for the \r\n
			long = len(b) + len(chunk)
			b = nil
		default:
			b = append(b, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if long > 0 {
			return "", long - (len(chunk) - len(bytes.TrimRight(chunk, "\r\n"))), err
		}
		line := strings.TrimRight(string(b), "\r\n")
		if len(line) > limit {
			return "", len(line), err
		}
		return line, 0, err
	}
}

// historyPath returns ~/.raftsim_history if it can be written, else ""
// (no history file, silently).
func historyPath() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	p := filepath.Join(home, ".raftsim_history")
	f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return ""
	}
	f.Close()
	return p
}

func interactive(s *session.Session, o ShellOptions) int {
	guard := &lineGuard{r: readline.NewCancelableStdin(os.Stdin), limit: maxTypedLine, noSuspend: !hasJobControl()}
	if guard.noSuspend {
		// Ctrl-Z while a command runs (the terminal is not in raw mode
		// then) would stop the process for good too.
		signal.Ignore(syscall.SIGTSTP)
	}
	hist := historyPath()
	if hist != "" {
		boundHistory(hist, historyLimit, historyMaxBytes)
	}
	cfg := &readline.Config{
		Prompt:                 s.Prompt(),
		HistoryFile:            hist,
		HistoryLimit:           historyLimit,
		DisableAutoSaveHistory: true, // a multi-line call is saved as one entry
		HistorySearchFold:      true,
		AutoComplete:           s.Completer(),
		InterruptPrompt:        "^C",
		EOFPrompt:              "quit",
		Stdin:                  guard,
	}
	// With stdout redirected (raftsim > out.txt), the editor draws on the
	// terminal's stderr and only results go to the file.
	out := o.Out
	toTerminal := isTerminal(o.Out)
	if !toTerminal {
		cfg.Stdout = o.Err
	}
	rl, err := readline.NewEx(cfg)
	if err != nil {
		fmt.Fprintf(o.Err, "raftsim: no line editing (%v); reading plainly\n", err)
		return piped(s, o)
	}
	defer rl.Close()
	// Bracketed paste: the terminal marks a paste, which then skips the
	// editor's redraw at every key (see lineGuard).
	editor := o.Out
	if !toTerminal {
		editor = o.Err
	}
	editorIsTerminal := isTerminal(editor)
	if editorIsTerminal {
		fmt.Fprint(editor, pasteOn)
		defer fmt.Fprint(editor, pasteOff)
	}
	if toTerminal {
		out = rl.Stdout() // results appear above the prompt being edited
	}
	r := &render.Renderer{W: out, JSON: o.JSON, Color: o.Color}
	fmt.Fprintln(rl.Stdout(), Banner)

	in := &interrupter{}
	if !o.JSON && isTerminal(o.Err) {
		in.progress = o.Err
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	go func() {
		for range sigs {
			if in.hits.Add(1) >= 3 {
				// A command that processes no events cannot be
				// stopped at one: the third Ctrl-C leaves.
				fmt.Fprintln(o.Err, "\nraftsim: interrupted three times; quitting")
				os.Exit(130)
			}
		}
	}()
	s.SetPoll(in.poll)

	// run runs one command and prints its result; it reports quit.
	run := func(text string) bool {
		in.begin(s.Sim().Now(), s.Sim().Events())
		res := s.Exec(text)
		in.end()
		if res.Cmd.Name == "" && res.Err == nil {
			return false // only a comment
		}
		r.Render(res)
		return res.Quit
	}
	var buf []string
	// A bracketed paste arrives whole: its lines are queued and run one
	// by one as if typed, and what follows its last line break goes into
	// the editor, drawn once, for the user to finish.
	var queue []string
	tail := ""
	for {
		prompt := s.Prompt()
		if len(buf) > 0 {
			prompt = "... "
		}
		var line string
		var err error
		if len(queue) > 0 {
			line, queue = queue[0], queue[1:]
			fmt.Fprintln(rl.Stdout(), prompt+line) // as it would have shown typed
		} else {
			rl.SetPrompt(prompt)
			if tail != "" {
				line, err = rl.ReadlineWithDefault(tail)
				tail = ""
			} else {
				line, err = rl.Readline()
			}
			if p, ok := guard.takePaste(); ok && err == nil {
				// The editor returned what was typed before the paste,
				// on a line of its own: draw it again with the paste.
				if editorIsTerminal {
					eraseLines(rl.Stdout(), prompt+line)
				}
				queue = pastedLines(line + p)
				tail, queue = queue[len(queue)-1], queue[:len(queue)-1]
				continue
			}
		}
		if errors.Is(err, readline.ErrInterrupt) {
			// Ctrl-C drops the line being typed (and the continuation),
			// not the session.
			switch why := guard.takeRefused(); {
			case why != "":
				fmt.Fprintf(o.Err, "error: paste refused (%s): nothing of it was run or saved in history\n", why)
			case guard.tooLong.Swap(false):
				fmt.Fprintf(o.Err, "error: line too long (over %d bytes typed; a paste may hold lines of up to %d): dropped, not run and not saved in history\n", maxTypedLine, maxPastedLine)
			case guard.suspended.Swap(false):
				fmt.Fprintln(o.Err, "Ctrl-Z: raftsim was not started from a shell with job control, so nothing could resume it: it keeps running (quit or Ctrl-D leaves)")
			case len(buf) > 0:
				fmt.Fprintln(o.Err, "(continuation cancelled)")
			}
			buf = nil
			continue
		}
		if err != nil { // io.EOF: Ctrl-D on an empty line
			if len(buf) > 0 {
				fmt.Fprintln(o.Err, "(continuation cancelled; Ctrl-D again leaves)")
				buf = nil
				continue
			}
			return 0
		}
		if len(buf) > 0 && lang.StartsCommand(line) {
			// A line that starts a command ends the call left open above
			// it (an error saying where it opened), then runs itself.
			run(strings.Join(buf, "\n"))
			buf = nil
		}
		buf = append(buf, line)
		text := strings.Join(buf, "\n")
		if lang.Incomplete(text) {
			continue
		}
		buf = nil
		if strings.TrimSpace(text) == "" {
			continue
		}
		if len(text) <= maxPastedLine {
			rl.SaveHistory(strings.ReplaceAll(text, "\n", " "))
		}
		if run(text) {
			return 0
		}
	}
}

// pastedLines splits pasted text at its line breaks (\r, \n or \r\n, as
// terminals send them); the last element is what follows the last break
// ("" when the paste ends with one).
func pastedLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	return strings.Split(text, "\n")
}

// eraseLines takes the cursor back over the rows that text (a prompt and
// a line, just ended by Enter) took on the screen, and clears them.
func eraseLines(w io.Writer, text string) {
	width := readline.GetScreenWidth()
	if width <= 0 {
		width = 80
	}
	rows := max(1, (runewidth(text)+width-1)/width)
	fmt.Fprintf(w, "\x1b[%dA\r\x1b[J", rows)
}

// runewidth is the number of terminal columns text takes (one a rune;
// the prompt and the commands are plain text).
func runewidth(text string) int {
	return readline.Runes{}.WidthAll([]rune(text))
}

// History file bounds: entries kept, and bytes read at start.
const (
	historyLimit    = 1000
	historyMaxBytes = 1 << 20
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && readline.IsTerminal(int(f.Fd()))
}
