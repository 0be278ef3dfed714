package lang

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// A script (.raft file) is a list of commands, one a line, or one JS call
// over several lines (continued while Incomplete says so). `#` lines are
// comments. It may also be a golden file: a group of commands followed by a
// line `----` and the output they are expected to print, ending at a blank
// line; output that itself holds blank lines sits between `----`/`----`
// pairs, as in cockroachdb/datadriven:
//
//	lid = getLeaderId
//	----
//	lid = 1
//
// `run` ignores the expected output; `test` compares it.

// ScriptCmd is one command of a script and the line it starts on.
type ScriptCmd struct {
	Line int    // the line number, from 1
	Text string // the command's text (continuation lines joined with "\n")
	// Comments are the # comment lines just before the command (its
	// narration), as written; `run` shows them.
	Comments []string
}

// Block is a group of commands with the output a golden test expects of
// them.
type Block struct {
	pre      []string    // comment and blank lines before the commands
	Cmds     []ScriptCmd // the commands, one a line or one JS call over several
	raw      []string    // the command lines as written
	HasSep   bool        // a ---- line followed the commands
	Expected string      // the expected output, each line ending in \n
	Line     int         // the line of the first command
}

// Script is a parsed .raft file.
type Script struct {
	name   string
	Blocks []Block
	tail   []string // comment and blank lines after the last block
}

// Commands returns every command of the script, in order.
func (sc *Script) Commands() []ScriptCmd {
	var out []ScriptCmd
	for _, b := range sc.Blocks {
		for i, c := range b.Cmds {
			if i == 0 {
				c.Comments = comments(b.pre)
			}
			out = append(out, c)
		}
	}
	return out
}

// TailComments are the # comment lines after the last command.
func (sc *Script) TailComments() []string { return comments(sc.tail) }

// comments keeps the # comment lines of lines.
func comments(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// ParseScript splits a script into blocks. Its only errors are misplaced
// separators; bad commands are found when they run.
func ParseScript(name, text string) (*Script, error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	sc := &Script{name: name}
	var cur Block
	for i := 0; i < len(lines); {
		l := lines[i]
		t := strings.TrimSpace(l)
		switch {
		case t == "" || strings.HasPrefix(t, "#"):
			if len(cur.Cmds) > 0 {
				sc.Blocks = append(sc.Blocks, cur)
				cur = Block{}
			}
			cur.pre = append(cur.pre, l)
			i++
		case l == "----":
			if len(cur.Cmds) == 0 {
				return nil, fmt.Errorf("%s:%d: ---- with no command before it (expected output follows its command)", name, i+1)
			}
			cur.HasSep = true
			var err error
			if cur.Expected, i, err = readExpected(name, lines, i+1); err != nil {
				return nil, err
			}
			sc.Blocks = append(sc.Blocks, cur)
			cur = Block{}
		default:
			start := i
			var text string
			text, i = joinCall(lines, i)
			if len(cur.Cmds) == 0 {
				cur.Line = start + 1
			}
			cur.Cmds = append(cur.Cmds, ScriptCmd{Line: start + 1, Text: text})
			cur.raw = append(cur.raw, lines[start:i]...)
		}
	}
	if len(cur.Cmds) > 0 {
		sc.Blocks = append(sc.Blocks, cur)
	} else {
		sc.tail = cur.pre
	}
	return sc, nil
}

// joinCall returns the input that starts at lines[i], and the index of
// the line after it: one line, or a call left open continued on the lines
// after it until it closes, a blank line, a ---- line or a line that
// starts a command of its own.
func joinCall(lines []string, i int) (string, int) {
	text := lines[i]
	i++
	for Incomplete(text) && i < len(lines) && lines[i] != "----" && strings.TrimSpace(lines[i]) != "" && !StartsCommand(lines[i]) {
		text += "\n" + lines[i]
		i++
	}
	return text, i
}

// Inputs splits text typed or pasted as a block (the web view's console)
// into the inputs the shell would read from it, line by line, as a script
// is read: one a line, a call left open continued on the next lines (see
// joinCall), blank and comment lines left out. Each input may still hold
// several statements (see Statements).
func Inputs(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	var out []string
	for i := 0; i < len(lines); {
		if t := strings.TrimSpace(lines[i]); t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "//") {
			i++
			continue
		}
		var in string
		in, i = joinCall(lines, i)
		out = append(out, in)
	}
	return out
}

// StartsCommand reports whether line reads as a command of its own rather
// than the rest of a JavaScript call left open on the lines before: it
// starts with a command's name (or t.NAME, or NAME = ...) followed by the
// end of the line, a space or a bracket, as `status`, `crash 1` or
// `t.crash(1)` do, where the rest of a call (`console.log(results);`,
// `});`, `key: 'a',`) does not. A line that starts a command ends an
// unclosed call before it, so that one missing `)` does not swallow the
// rest of a script.
func StartsCommand(line string) bool {
	t := strings.TrimSpace(line)
	if i := strings.IndexByte(t, '='); i > 0 && !strings.HasPrefix(t[i:], "==") && isIdent(strings.TrimSpace(t[:i])) {
		return true // NAME = ...
	}
	t = strings.TrimPrefix(t, "t.")
	word := t
	if end := strings.IndexAny(t, " \t(;"); end >= 0 {
		word = t[:end]
	}
	_, ok := canonicalName(word)
	return ok
}

// readExpected reads an expected-output block starting at line i (just
// after the ----) and returns it with the index of the next line.
func readExpected(name string, lines []string, i int) (string, int, error) {
	var b strings.Builder
	if i < len(lines) && lines[i] == "----" {
		// Double-separator form: ends at a ----/---- pair.
		start := i
		for i++; i < len(lines); i++ {
			if lines[i] == "----" && i+1 < len(lines) && lines[i+1] == "----" {
				i += 2
				if i < len(lines) && strings.TrimSpace(lines[i]) == "" {
					i++
				}
				return b.String(), i, nil
			}
			b.WriteString(lines[i] + "\n")
		}
		return "", 0, fmt.Errorf("%s:%d: expected output opened with ----/---- is never closed by ----/----", name, start)
	}
	for ; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "" {
			return b.String(), i + 1, nil
		}
		b.WriteString(lines[i] + "\n")
	}
	return b.String(), i, nil
}

// Format writes the script back with the given outputs (one per block),
// for -rewrite.
func (sc *Script) Format(outputs []string) string {
	var b strings.Builder
	for i, bl := range sc.Blocks {
		for _, l := range bl.pre {
			b.WriteString(l + "\n")
		}
		for _, l := range bl.raw {
			b.WriteString(l + "\n")
		}
		out := outputs[i]
		b.WriteString("----\n")
		if hasBlankLine(out) {
			b.WriteString("----\n" + out + "----\n----\n")
		} else {
			b.WriteString(out)
		}
		// A blank line ends the expected output, unless the next lines
		// start with one already.
		next := sc.tail
		if i < len(sc.Blocks)-1 {
			next = sc.Blocks[i+1].pre
		}
		if i < len(sc.Blocks)-1 && (len(next) == 0 || strings.TrimSpace(next[0]) != "") {
			b.WriteString("\n")
		}
	}
	for _, l := range sc.tail {
		b.WriteString(l + "\n")
	}
	return b.String()
}

func hasBlankLine(s string) bool {
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if strings.TrimSpace(l) == "" {
			return s != ""
		}
	}
	return false
}

// maxScriptBytes refuses to read something that is surely not a script.
const maxScriptBytes = 16 << 20

// ReadScript reads a script file, refusing directories and files too big to
// be scripts. It reads at most maxScriptBytes whatever the file claims to
// hold (a device such as /dev/zero has size 0 and never ends). Its errors
// name the file.
func ReadScript(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %v", file, UnwrapPathErr(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %v", file, UnwrapPathErr(err))
	}
	if st.IsDir() {
		return "", fmt.Errorf("%s is a directory, not a script", file)
	}
	if st.Size() > maxScriptBytes {
		return "", fmt.Errorf("%s is too big for a script (%d bytes, limit %d)", file, st.Size(), maxScriptBytes)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxScriptBytes+1))
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %v", file, UnwrapPathErr(err))
	}
	if len(b) > maxScriptBytes {
		return "", fmt.Errorf("%s is too big for a script (more than %d bytes)", file, maxScriptBytes)
	}
	return string(b), nil
}

// UnwrapPathErr drops the operation and path an *os.PathError repeats, for
// messages that name the file already.
func UnwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
