package repl

import (
	"raftsim/repl/render"
	"raftsim/repl/session"
)

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The shell sessions shown in README.md and docs/*.md are replayed here, so
// that a doc cannot drift from what the shell prints.
//
// A transcript is a ``` code block whose first line is a prompt
// (`raft t=0.000s L=none> COMMAND`); every prompt line is a command and the
// lines up to the next prompt are its output. Each transcript is replayed in
// a fresh session with seed 1 (the shell's default), colour off, and the
// block must be exactly the prompts, commands and outputs of the replay,
// except that an output line that is just `...` stands for any lines (the
// output of a sourced script, say). An HTML comment right before the block's opening ``` changes that:
//
//	<!-- transcript: skip (REASON) -->    not replayed (abbreviated, another tool's output)
//	<!-- transcript: continue -->         go on with the previous transcript's session in the file
//	<!-- transcript: after CMD; CMD -->   run these commands first, unshown (the text says which)
//	<!-- transcript: seed N -->           a fresh session with seed N
//	<!-- transcript: wrap N -->           output lines are folded at spaces to N columns, as the doc shows them
//
// continue, after, seed and wrap may be combined, separated by commas.

// transcriptDocs are the files whose transcripts are tested.
func transcriptDocs(t *testing.T) []string {
	docs, err := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	require.NoError(t, err)
	return append([]string{filepath.Join("..", "README.md")}, docs...)
}

var (
	promptLine = regexp.MustCompile(`^raft t=\d+\.\d{3}s L=[^>]*> `)
	anyPrompt  = regexp.MustCompile(`(?m)^raft t=\d+\.\d{3}s L=[^>]*> `)
	marker     = regexp.MustCompile(`^<!-- transcript: (.*) -->$`)
)

// transcript is one block to replay.
type transcript struct {
	file   string
	line   int    // of the opening ```
	body   string // the lines between the fences, each ending in \n
	skip   string // the reason, when not replayed
	cont   bool
	seed   uint64
	wrap   int      // fold output lines to this width; 0: as printed
	before []string // the after commands
}

// transcripts finds the transcripts of a markdown file.
func transcripts(file, text string) ([]transcript, error) {
	lines := strings.Split(text, "\n")
	var out []transcript
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "```") {
			continue
		}
		open := i
		var body strings.Builder
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			body.WriteString(lines[i] + "\n")
		}
		if i == len(lines) {
			return nil, fmt.Errorf("%s:%d: code block never closed", file, open+1)
		}
		if !anyPrompt.MatchString(body.String()) {
			continue // not a shell session
		}
		if !promptLine.MatchString(body.String()) {
			return nil, fmt.Errorf("%s:%d: a shell session must start with a prompt", file, open+1)
		}
		tr := transcript{file: file, line: open + 1, body: body.String(), seed: 1}
		if open > 0 {
			if m := marker.FindStringSubmatch(lines[open-1]); m != nil {
				if err := tr.parseMarker(m[1]); err != nil {
					return nil, fmt.Errorf("%s:%d: %v", file, open, err)
				}
			}
		}
		out = append(out, tr)
	}
	return out, nil
}

// parseMarker reads the words of a <!-- transcript: ... --> comment.
func (tr *transcript) parseMarker(s string) error {
	if strings.HasPrefix(s, "skip") {
		tr.skip = strings.TrimSpace(strings.TrimPrefix(s, "skip"))
		if !strings.HasPrefix(tr.skip, "(") || !strings.HasSuffix(tr.skip, ")") {
			return fmt.Errorf("transcript: skip needs a (reason)")
		}
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		switch word, rest, _ := strings.Cut(part, " "); word {
		case "continue":
			tr.cont = true
		case "seed":
			n, err := strconv.ParseUint(rest, 10, 64)
			if err != nil {
				return fmt.Errorf("transcript: seed %q: %v", rest, err)
			}
			tr.seed = n
		case "wrap":
			n, err := strconv.Atoi(rest)
			if err != nil || n <= 0 {
				return fmt.Errorf("transcript: wrap %q: want a width", rest)
			}
			tr.wrap = n
		case "after":
			for _, c := range strings.Split(rest, ";") {
				tr.before = append(tr.before, strings.TrimSpace(c))
			}
		default:
			return fmt.Errorf("transcript: unknown %q (skip (REASON), continue, seed N, wrap N, after CMD; CMD)", part)
		}
	}
	return nil
}

// replay runs the commands of the transcript's prompt lines in s and
// returns the block as the shell would print it.
func (tr *transcript) replay(s *session.Session) string {
	r := &render.Renderer{}
	for _, c := range tr.before {
		s.Exec(c)
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(tr.body, "\n") {
		loc := promptLine.FindStringIndex(l)
		if loc == nil {
			continue
		}
		cmd := strings.TrimSuffix(l[loc[1]:], "\n")
		b.WriteString(s.Prompt() + cmd + "\n")
		out := r.Text(s.Exec(cmd))
		if tr.wrap > 0 {
			out = fold(out, tr.wrap)
		}
		b.WriteString(out)
	}
	return b.String()
}

// fold breaks every line of text longer than width at its last space
// that keeps it within width (a word longer than width stays whole).
func fold(text string, width int) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(text, "\n") {
		nl := strings.HasSuffix(l, "\n")
		l = strings.TrimSuffix(l, "\n")
		line := ""
		for i, w := range strings.Split(l, " ") {
			if i > 0 && len(line)+1+len(w) > width {
				b.WriteString(line + "\n")
				line = w
				continue
			}
			if i > 0 {
				line += " "
			}
			line += w
		}
		b.WriteString(line)
		if nl {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// matches reports whether got is the block want, where a line `...` of
// want stands for any number of lines.
func matches(want, got string) bool {
	if !strings.Contains(want, "\n...\n") {
		return want == got
	}
	var re strings.Builder
	re.WriteString(`^`)
	for _, l := range strings.SplitAfter(want, "\n") {
		if l == "...\n" {
			re.WriteString(`(?:.*\n)*?`)
			continue
		}
		re.WriteString(regexp.QuoteMeta(l))
	}
	re.WriteString(`$`)
	return regexp.MustCompile(re.String()).MatchString(got)
}

// TestDocTranscripts replays the shell sessions of README.md and docs/*.md.
func TestDocTranscripts(t *testing.T) {
	// Commands such as export write files relative to the working
	// directory: run in a temporary one that sees the repository's
	// scripts.
	scripts, err := filepath.Abs(filepath.Join("..", "scripts"))
	require.NoError(t, err)
	files := transcriptDocs(t)
	for i, f := range files {
		abs, err := filepath.Abs(f)
		require.NoError(t, err)
		files[i] = abs
	}
	dir := t.TempDir()
	require.NoError(t, os.Symlink(scripts, filepath.Join(dir, "scripts")))
	t.Chdir(dir)

	covered := 0
	for _, f := range files {
		text, err := os.ReadFile(f)
		require.NoError(t, err)
		trs, err := transcripts(filepath.Base(f), string(text))
		require.NoError(t, err)
		var s *session.Session
		for _, tr := range trs {
			if tr.skip != "" {
				s = nil // a later continue has nothing to go on with
				continue
			}
			if !tr.cont || s == nil {
				require.False(t, tr.cont, "%s:%d: transcript: continue with no transcript before it", tr.file, tr.line)
				s = session.New(session.Options{Seed: tr.seed})
			}
			covered++
			if got := tr.replay(s); !matches(tr.body, got) {
				t.Error(diffText(fmt.Sprintf("%s:%d", tr.file, tr.line), tr.body, got))
			}
		}
	}
	require.NotZero(t, covered, "no transcripts found")
}

// TestTranscriptsCatchDrift makes sure a changed number in a transcript
// fails, and that the markers are read.
func TestTranscriptsCatchDrift(t *testing.T) {
	doc := "x\n```\nraft t=0.000s L=none> startServers 3\nstarted servers 0, 1, 2\n```\n" +
		"<!-- transcript: continue -->\n```\nraft t=0.000s L=none> seed\nseed 1\n```\n" +
		"<!-- transcript: skip (abbreviated) -->\n```\nraft t=9.000s L=0> ...\n```\n" +
		"<!-- transcript: seed 7, after startServers 3 -->\n```\nraft t=0.000s L=none> seed\nseed 7\n```\n"
	trs, err := transcripts("x.md", doc)
	require.NoError(t, err)
	require.Len(t, trs, 4)
	require.Equal(t, "(abbreviated)", trs[2].skip)
	require.True(t, trs[1].cont)
	require.Equal(t, uint64(7), trs[3].seed)
	require.Equal(t, []string{"startServers 3"}, trs[3].before)

	s := session.New(session.Options{Seed: 1})
	require.Equal(t, trs[0].body, trs[0].replay(s))
	require.Equal(t, trs[1].body, trs[1].replay(s))
	require.Equal(t, trs[3].body, trs[3].replay(session.New(session.Options{Seed: 7})))

	drifted := strings.Replace(trs[0].body, "0, 1, 2", "0, 1, 3", 1)
	trs[0].body = drifted
	require.NotEqual(t, drifted, trs[0].replay(session.New(session.Options{Seed: 1})))

	require.Equal(t, "ab cd\nef\nghijkl\nm\n", fold("ab cd ef ghijkl m\n", 5))
	require.True(t, matches("a\n...\nd\n", "a\nb\nc\nd\n"))
	require.True(t, matches("a\n...\nd\n", "a\nd\n"))
	require.False(t, matches("a\n...\nd\n", "a\nb\ne\n"))

	_, err = transcripts("x.md", "<!-- transcript: skip -->\n```\nraft t=0.000s L=none> seed\n```\n")
	require.ErrorContains(t, err, "x.md:1: transcript: skip needs a (reason)")
}
