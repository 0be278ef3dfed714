package repl

import (
	"fmt"
	"io"
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

// scriptCmd is one command of a script and the line it starts on.
type scriptCmd struct {
	Line int
	Text string
}

// block is a group of commands with their expected output.
type block struct {
	pre      []string // comment and blank lines before the commands
	cmds     []scriptCmd
	raw      []string // the command lines as written
	hasSep   bool     // a ---- line followed the commands
	expected string   // the expected output, each line ending in \n
	line     int      // the line of the first command
}

// script is a parsed .raft file.
type script struct {
	name   string
	blocks []block
	tail   []string // comment and blank lines after the last block
}

func (sc *script) commands() []scriptCmd {
	var out []scriptCmd
	for _, b := range sc.blocks {
		out = append(out, b.cmds...)
	}
	return out
}

// parseScript splits a script into blocks. Its only errors are misplaced
// separators; bad commands are found when they run.
func parseScript(name, text string) (*script, error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	sc := &script{name: name}
	var cur block
	for i := 0; i < len(lines); {
		l := lines[i]
		t := strings.TrimSpace(l)
		switch {
		case t == "" || strings.HasPrefix(t, "#"):
			if len(cur.cmds) > 0 {
				sc.blocks = append(sc.blocks, cur)
				cur = block{}
			}
			cur.pre = append(cur.pre, l)
			i++
		case l == "----":
			if len(cur.cmds) == 0 {
				return nil, fmt.Errorf("%s:%d: ---- with no command before it (expected output follows its command)", name, i+1)
			}
			cur.hasSep = true
			var err error
			if cur.expected, i, err = readExpected(name, lines, i+1); err != nil {
				return nil, err
			}
			sc.blocks = append(sc.blocks, cur)
			cur = block{}
		default:
			start := i
			text := l
			i++
			for Incomplete(text) && i < len(lines) && lines[i] != "----" && strings.TrimSpace(lines[i]) != "" {
				text += "\n" + lines[i]
				i++
			}
			if len(cur.cmds) == 0 {
				cur.line = start + 1
			}
			cur.cmds = append(cur.cmds, scriptCmd{Line: start + 1, Text: text})
			cur.raw = append(cur.raw, lines[start:i]...)
		}
	}
	if len(cur.cmds) > 0 {
		sc.blocks = append(sc.blocks, cur)
	} else {
		sc.tail = cur.pre
	}
	return sc, nil
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

// format writes the script back with the given outputs (one per block),
// for -rewrite.
func (sc *script) format(outputs []string) string {
	var b strings.Builder
	for i, bl := range sc.blocks {
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
		if i < len(sc.blocks)-1 {
			next = sc.blocks[i+1].pre
		}
		if i < len(sc.blocks)-1 && (len(next) == 0 || strings.TrimSpace(next[0]) != "") {
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

// RunOptions configures Run.
type RunOptions struct {
	Seed  uint64
	JSON  bool
	Color bool
}

// Run replays a script: it prints each command (`> cmd`) and its output to
// out, and returns false if any command failed or any expect did not hold;
// each failure is named FILE:LINE on errw as well.
func Run(file string, o RunOptions, out, errw io.Writer) bool {
	text, err := readScript(file)
	if err != nil {
		fmt.Fprintf(errw, "run: %v\n", err)
		return false
	}
	sc, err := parseScript(file, text)
	if err != nil {
		fmt.Fprintf(errw, "run: %v\n", err)
		return false
	}
	s := NewSession(o.Seed)
	s.JSON, s.Color = o.JSON, o.Color
	r := &Renderer{W: out, JSON: o.JSON, Color: o.Color, Echo: !o.JSON}
	var failed []string
	for _, c := range sc.commands() {
		res := s.ExecLine(c.Text)
		if res.Cmd.Name == "" && res.Err == nil {
			continue // nothing but a trailing ; or comment
		}
		res.Cmd.Line = c.Text
		where := fmt.Sprintf("%s:%d", file, c.Line)
		if !res.OK {
			res.Where = where
			failed = append(failed, where)
		}
		r.Render(res)
		if res.Quit {
			break
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(errw, "%s: %d command(s) failed: %s\n", file, len(failed), strings.Join(failed, ", "))
		return false
	}
	return true
}
