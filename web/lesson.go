package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"raftsim/repl/lang"
)

// step is one step of a script: a caption (its `#` narration) or a command.
type step struct {
	Caption string `json:"caption,omitempty"`
	Line    string `json:"line,omitempty"`
	N       int    `json:"n"` // line number in the script
}

// parseLesson splits a script into captions and commands. Consecutive
// comment lines make one caption; a blank line between them starts a new
// paragraph of it. Expected output after `----` (golden scripts) is left
// out; a JavaScript call that spans lines is one command.
func parseLesson(name, text string) ([]step, error) {
	if _, err := lang.ParseScript(name, text); err != nil {
		return nil, err // what `raftsim run` refuses is refused here too
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var steps []step
	var caption []string
	capStart := 0
	flush := func() {
		if c := strings.TrimSpace(strings.Join(caption, "\n")); c != "" {
			steps = append(steps, step{Caption: c, N: capStart})
		}
		caption = nil
	}
	for i := 0; i < len(lines); {
		l := lines[i]
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "#"):
			if caption == nil {
				capStart = i + 1
			}
			caption = append(caption, strings.TrimSpace(strings.TrimPrefix(t, "#")))
			i++
		case t == "":
			if caption != nil {
				caption = append(caption, "")
			}
			i++
		case l == "----":
			j, err := skipExpected(lines, i+1)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", name, i+1, err)
			}
			i = j
		default:
			flush()
			start := i
			cmd := l
			for i++; lang.Incomplete(cmd) && i < len(lines) && lines[i] != "----" && strings.TrimSpace(lines[i]) != ""; i++ {
				cmd += "\n" + lines[i]
			}
			steps = append(steps, step{Line: cmd, N: start + 1})
		}
	}
	flush()
	return steps, nil
}

// skipExpected returns the line after the expected output that starts at
// line i: up to a blank line, or, when it opens with a second `----`, up
// to a `----` / `----` pair.
func skipExpected(lines []string, i int) (int, error) {
	if i < len(lines) && lines[i] == "----" {
		for j := i + 1; j+1 < len(lines); j++ {
			if lines[j] == "----" && lines[j+1] == "----" {
				return j + 2, nil
			}
		}
		return 0, fmt.Errorf("expected output opened with ----/---- is never closed")
	}
	for ; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "" {
			return i + 1, nil
		}
	}
	return i, nil
}

// runDuration recognises `run DURATION`, which a loaded script turns into
// time passing between commands.
func runDuration(line string) (time.Duration, bool) {
	c, err := lang.Parse(line)
	if err != nil || c.Name != "run" || len(c.Args) != 1 || c.Assign != "" {
		return 0, false
	}
	return argDuration(c.Args[0])
}

// argDuration reads a duration as the shell does: a bare number is
// milliseconds.
func argDuration(a lang.Arg) (time.Duration, bool) {
	if a.Kind == lang.ArgNumber {
		f, err := strconv.ParseFloat(a.Text, 64)
		return time.Duration(f * float64(time.Millisecond)), err == nil && f >= 0
	}
	d, err := time.ParseDuration(strings.TrimPrefix(a.Text, "t="))
	return d, err == nil && d >= 0
}

// lesson plays a script step by step: each command runs when the display
// has caught up with the previous one, and each caption pauses the run
// until the class goes on.
type lesson struct {
	Name    string `json:"name"`
	Steps   []step `json:"steps"`
	Next    int    `json:"next"`    // the step to take next
	Caption string `json:"caption"` // the caption shown now
	At      int    `json:"at"`      // the step of the caption shown now
	Done    bool   `json:"done"`
}

// proceed takes the lesson's next step: a caption pauses, a command runs.
func (l *lesson) proceed(w *world) {
	if l.Next >= len(l.Steps) {
		if !l.Done {
			l.Done = true
			l.Caption = "End of the lesson. Press play to let the cluster run on, or try things: click a server or a link, or type in the console."
			w.playing = false
			w.changed = true
			return
		}
		w.lesson = nil // the cluster runs on its own clock again
		return
	}
	st := l.Steps[l.Next]
	l.Next++
	w.changed = true
	if st.Caption != "" {
		l.Caption, l.At = st.Caption, l.Next-1
		w.playing = false
		return
	}
	w.run(st.Line, "lesson", true)
}

// startLesson plays script text as a lesson from its first step.
func (w *world) startLesson(name, text string) error {
	steps, err := parseLesson(name, text)
	if err != nil {
		return err
	}
	w.entries, w.horizon = nil, 0
	w.rebuild()
	w.lesson = &lesson{Name: name, Steps: steps}
	w.playing = true
	return nil
}
