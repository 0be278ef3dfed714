package repl

import (
	"encoding/json"
	"raftsim/repl/lang"
	"raftsim/repl/session"
)

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// GoldenResult is the outcome of one golden file.
type GoldenResult struct {
	File string
	// Diffs describe the blocks whose output differed, each naming
	// FILE:LINE; empty when the file passed (or was rewritten).
	Diffs []string
	Err   error // the file could not be read or parsed
}

// GoldenFiles expands files and directories into the .raft files to test,
// sorted.
func GoldenFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("test: cannot read %s: %v", p, lang.UnwrapPathErr(err))
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(path, ".raft") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("test: %v", err)
		}
	}
	sort.Strings(files)
	return files, nil
}

// Golden runs one golden file in a fresh session (seed 1 unless the file
// says `seed N`) and compares each block's output with the expected one.
// With rewrite, it writes the actual outputs back into the file instead.
func Golden(file string, rewrite bool) GoldenResult {
	res := GoldenResult{File: file}
	text, err := lang.ReadScript(file)
	if err != nil {
		res.Err = err
		return res
	}
	sc, err := lang.ParseScript(file, text)
	if err != nil {
		res.Err = err
		return res
	}
	outputs := goldenOutputs(sc)
	if rewrite {
		if updated := sc.Format(outputs); updated != text {
			if err := os.WriteFile(file, []byte(updated), 0o644); err != nil {
				res.Err = fmt.Errorf("cannot rewrite %s: %v", file, lang.UnwrapPathErr(err))
			}
		}
		return res
	}
	for i, b := range sc.Blocks {
		if !b.HasSep {
			res.Diffs = append(res.Diffs, fmt.Sprintf("%s:%d: no expected output (add ---- and the output, or run with -rewrite)", file, b.Line))
			continue
		}
		if outputs[i] != b.Expected {
			res.Diffs = append(res.Diffs, diffText(fmt.Sprintf("%s:%d", file, b.Line), b.Expected, outputs[i]))
		}
	}
	return res
}

// goldenOutputs runs every block and returns what each printed, without
// colours.
func goldenOutputs(sc *lang.Script) []string { return session.BlockOutputs(sc) }

// diffText shows expected and actual output, marking the first line that
// differs.
func diffText(where, want, got string) string {
	wl := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
	gl := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	first := 0
	for first < len(wl) && first < len(gl) && wl[first] == gl[first] {
		first++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: output differs from line %d of the block\n", where, first+1)
	b.WriteString("--- expected\n")
	for _, l := range wl {
		b.WriteString("    " + l + "\n")
	}
	b.WriteString("+++ actual\n")
	for _, l := range gl {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

// TestOptions configures Test.
type TestOptions struct {
	Rewrite bool // refresh the expected blocks instead of comparing
	JSON    bool // one JSON object per file, then one for the whole run
}

// fileJSON is the JSON line Test writes per file.
type fileJSON struct {
	File      string   `json:"file"`
	OK        bool     `json:"ok"`
	Rewritten bool     `json:"rewritten,omitempty"`
	Error     string   `json:"error,omitempty"`
	Diffs     []string `json:"diffs,omitempty"`
}

// Test runs the golden files under paths, prints one line per file (ok,
// FAIL with the differences, or rewrote) and returns how many failed.
func Test(paths []string, o TestOptions, w io.Writer) int {
	enc := json.NewEncoder(w)
	fail := func(format string, args ...any) int {
		if o.JSON {
			_ = enc.Encode(map[string]any{"ok": false, "error": fmt.Sprintf(format, args...)})
		} else {
			fmt.Fprintf(w, format+"\n", args...)
		}
		return 1
	}
	files, err := GoldenFiles(paths)
	if err != nil {
		return fail("%v", err)
	}
	if len(files) == 0 {
		return fail("test: no .raft files in %s", strings.Join(paths, " "))
	}
	failed := 0
	for _, f := range files {
		res := Golden(f, o.Rewrite)
		if res.Err != nil || len(res.Diffs) > 0 {
			failed++
		}
		if o.JSON {
			line := fileJSON{File: f, OK: res.Err == nil && len(res.Diffs) == 0, Diffs: res.Diffs}
			line.Rewritten = line.OK && o.Rewrite
			if res.Err != nil {
				line.Error = res.Err.Error()
			}
			_ = enc.Encode(line)
			continue
		}
		switch {
		case res.Err != nil:
			fmt.Fprintf(w, "FAIL %s: %v\n", f, res.Err)
		case len(res.Diffs) > 0:
			fmt.Fprintf(w, "FAIL %s\n", f)
			for _, d := range res.Diffs {
				fmt.Fprint(w, d)
				if !strings.HasSuffix(d, "\n") {
					fmt.Fprintln(w)
				}
			}
		case o.Rewrite:
			fmt.Fprintf(w, "rewrote %s\n", f)
		default:
			fmt.Fprintf(w, "ok   %s\n", f)
		}
	}
	if o.JSON {
		_ = enc.Encode(map[string]any{"ok": failed == 0, "files": len(files), "failed": failed})
	} else if failed > 0 {
		fmt.Fprintf(w, "%d of %d files failed\n", failed, len(files))
	}
	return failed
}
