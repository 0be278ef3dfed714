package repl

import (
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/repl/session"
)

import (
	"fmt"
	"io"
	"strings"
)

// RunOptions configures Run.
type RunOptions struct {
	Seed  uint64
	JSON  bool
	Color bool
	// QuietComments hides the script's # comments, which Run otherwise
	// prints (dimmed) before the commands they narrate.
	QuietComments bool
}

// Run replays a script: it prints each command (`> cmd`) and its output to
// out, and returns false if any command failed or any expect did not hold;
// each failure is named FILE:LINE on errw as well.
func Run(file string, o RunOptions, out, errw io.Writer) bool {
	text, err := lang.ReadScript(file)
	if err != nil {
		fmt.Fprintf(errw, "run: %v\n", err)
		return false
	}
	sc, err := lang.ParseScript(file, text)
	if err != nil {
		fmt.Fprintf(errw, "run: %v\n", err)
		return false
	}
	s := session.New(session.Options{Seed: o.Seed})
	r := &render.Renderer{W: out, JSON: o.JSON, Color: o.Color, Echo: !o.JSON}
	var failed []string
	narrate := func(comments []string) {
		if o.QuietComments || o.JSON {
			return
		}
		for _, l := range comments {
			r.Comment(l)
		}
	}
	for _, c := range sc.Commands() {
		narrate(c.Comments)
		res := s.Exec(c.Text)
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
	narrate(sc.TailComments())
	if len(failed) > 0 {
		fmt.Fprintf(errw, "%s: %s failed: %s\n", file, render.Plural(uint64(len(failed)), "command", "commands"), strings.Join(failed, ", "))
		return false
	}
	return true
}
