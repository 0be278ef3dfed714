package session

import (
	"cmp"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"raftsim/sim"
)

// Completer is the tab completion of a session for a line editor: it
// completes command names, getAll fields, expect predicates,
// server ids (as they are now) and variables, for readline's Tab.
type Completer struct{ s *Session }

// Completer returns the tab completion of the session for the line editor.
func (s *Session) Completer() *Completer { return &Completer{s: s} }

// Do implements readline.AutoCompleter: it returns the possible endings of
// the word before the cursor and that word's length.
func (c *Completer) Do(line []rune, pos int) ([][]rune, int) {
	before := string(line[:pos])
	if word, cands, quote, ok := c.jsCandidates(before); ok {
		return endings(word, cands, quote), len([]rune(word))
	}
	words := strings.Fields(before)
	if strings.HasSuffix(before, " ") || len(words) == 0 {
		words = append(words, "")
	}
	word := words[len(words)-1]
	prev := words[:len(words)-1]
	if files, ok := c.fileCandidates(prev, word); ok {
		return endings(word, files, " "), len([]rune(word))
	}
	return endings(word, c.candidates(prev, word), " "), len([]rune(word))
}

// endings returns what completes word into each candidate that starts
// with it, followed by sep. A candidate equal to word is kept (as sep
// alone), so that `state` is offered beside `stateMachine` rather than
// completed past. A candidate ending in a character that asks for more (=,
// /, (, ->) gets no sep.
func endings(word string, cands []string, sep string) [][]rune {
	var out [][]rune
	seen := map[string]bool{}
	for _, cand := range cands {
		if !strings.HasPrefix(cand, word) || seen[cand] {
			continue
		}
		seen[cand] = true
		end := cand[len(word):]
		if !strings.HasSuffix(cand, "=") && !strings.HasSuffix(cand, "/") && !strings.HasSuffix(cand, "(") && !strings.HasSuffix(cand, "->") {
			end += sep
		}
		if end != "" {
			out = append(out, []rune(end))
		}
	}
	return out
}

// JavaScript contexts: a quoted first argument (t.getAll('sta) and a method
// of a server (t.serverPool[lid].cl).
var (
	jsArgRE    = regexp.MustCompile(`(?:t\.)?(\w+)\(\s*(['"])(\w*)$`)
	jsMethodRE = regexp.MustCompile(`t\.serverPool\[[^\]]*\]\.(\w*)$`)
)

// jsCandidates completes inside the JavaScript form, with the quote that
// closes a quoted argument; ok is false when the line is not in one of its
// contexts.
func (c *Completer) jsCandidates(before string) (word string, cands []string, quote string, ok bool) {
	if m := jsMethodRE.FindStringSubmatch(before); m != nil {
		return m[1], []string{"clientRequest("}, "", true
	}
	if m := jsArgRE.FindStringSubmatch(before); m != nil {
		switch strings.ToLower(m[1]) {
		case "getall":
			return m[3], fields, m[2], true
		case "expect":
			return m[3], predicates, m[2], true
		}
	}
	return "", nil, "", false
}

// fileCandidates completes a file name after source, save, export WHAT, and
// run (a script, when the word is not a duration).
func (c *Completer) fileCandidates(prev []string, word string) ([]string, bool) {
	if len(prev) == 0 {
		return nil, false
	}
	cmd := strings.TrimPrefix(prev[0], "t.")
	if len(prev) >= 3 && prev[1] == "=" {
		cmd, prev = strings.TrimPrefix(prev[2], "t."), prev[2:]
	}
	switch {
	case (cmd == "source" || cmd == "save") && len(prev) == 1:
		return listFiles(word, ".raft"), true
	case cmd == "run" && len(prev) == 1 && word != "" && (word[0] < '0' || word[0] > '9') && word[0] != '$':
		return listFiles(word, ".raft"), true
	case cmd == "export" && len(prev) == 2:
		return listFiles(word, ""), true
	}
	return nil, false
}

// listFiles lists the directory entries whose path starts with prefix:
// directories (with a /) and files, only those ending in ext when ext is
// set. Hidden entries are left out unless prefix names them.
func listFiles(prefix, ext string) []string {
	dir, base := filepath.Split(prefix)
	ents, err := os.ReadDir(cmp.Or(dir, "."))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, base) || strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".") {
			continue
		}
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			if st, err := os.Stat(filepath.Join(cmp.Or(dir, "."), name)); err == nil {
				isDir = st.IsDir()
			}
		}
		switch {
		case isDir:
			out = append(out, dir+name+"/")
		case ext == "" || strings.HasSuffix(name, ext):
			out = append(out, dir+name)
		}
		if len(out) >= maxFileCandidates {
			break
		}
	}
	return out
}

// maxFileCandidates bounds the names offered from one directory.
const maxFileCandidates = 200

// candidates lists what may come as the next word after prev.
func (c *Completer) candidates(prev []string, word string) []string {
	if strings.HasPrefix(word, "$") {
		var vs []string
		for _, n := range c.s.varNames() {
			vs = append(vs, "$"+n)
		}
		return vs
	}
	if len(prev) == 0 || (len(prev) == 2 && prev[1] == "=") {
		if strings.HasPrefix(word, "t.") {
			var out []string
			for _, n := range commandNames() {
				out = append(out, "t."+n)
			}
			return out
		}
		return commandNames()
	}
	cmd := strings.TrimPrefix(prev[0], "t.")
	if len(prev) >= 2 && prev[1] == "=" {
		cmd, prev = prev[2], prev[2:]
	}
	n := len(prev) // the position of the word being completed
	ids := c.ids()
	switch cmd {
	case "getAll":
		if n == 1 {
			return fields
		}
		if n == 2 {
			return ids
		}
	case "cut":
		// cut A->B: the far end after the arrow.
		var out []string
		if i := strings.Index(word, "->"); i >= 0 {
			for _, id := range ids {
				if id != word[:i] {
					out = append(out, word[:i+2]+id)
				}
			}
			return out
		}
		for _, id := range ids {
			out = append(out, id+"->")
		}
		return out
	case "expect":
		if n == 1 {
			return predicates
		}
		switch prev[1] {
		case "state":
			if n == 2 {
				return ids
			}
			if n == 3 {
				return []string{"leader", "follower", "candidate", "pre-candidate", "down"}
			}
		case "leader":
			if n == 2 {
				return ids
			}
		case "value":
			if n == 2 {
				return c.keys()
			}
			if n >= 4 {
				return append([]string{"on"}, ids...)
			}
		case "committed":
			if n >= 3 {
				return append([]string{"on"}, ids...)
			}
		}
	case "crash", "restart", "removeServer", "partition", "transferLeadership", "promote":
		return ids
	case "clock":
		if n == 1 {
			return ids
		}
		return []string{"drift="}
	case "addServer", "addLearner":
		if n == 1 {
			return []string{fmt.Sprint(c.s.nextID())}
		}
		return []string{"debug", "verbose"}
	case "clientRequest":
		if n == 1 {
			return append(append([]string{"set", "get", "del", "cas"}, ids...), c.vars()...)
		}
		if n == 2 && !isOp(prev[1]) {
			return []string{"set", "get", "del", "cas"}
		}
	case "startServers":
		if strings.HasPrefix(word, "bug=") {
			var out []string
			for _, b := range bugList() {
				out = append(out, "bug="+b)
			}
			return out
		}
		return []string{"debug", "verbose", "electionTimeout=", "heartbeatTime=", "preVote=", "checkQuorum=", "classic", "snapshotThreshold=", "bug="}
	case "net":
		out := []string{"reset"}
		for _, k := range sim.NetSettings {
			out = append(out, k+"=")
		}
		return out
	case "disk":
		if n == 1 {
			return append([]string{"fsync="}, ids...)
		}
		return []string{"fsync="}
	case "debug":
		return []string{"on", "off", "verbose"}
	case "load":
		return []string{"clients=", "rate=", "keys=", "for=", "mix=", "status", "stop"}
	case "history":
		return []string{"all"}
	case "export":
		if n == 1 {
			return []string{"timeline", "history", "trace"}
		}
	case "trace":
		return []string{"on"}
	case "until":
		if n == 1 {
			return []string{"leader", "committed", "idle"}
		}
	case "help":
		return commandNames()
	}
	return nil
}

// keys lists the keys in the state machines of the servers now.
func (c *Completer) keys() []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range c.s.sim.Servers() {
		for k := range c.s.sim.Keys(id) {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

func isOp(w string) bool {
	_, ok := ops[w]
	return ok
}

// ids lists the servers that exist now.
func (c *Completer) ids() []string {
	var out []string
	for _, id := range c.s.sim.Servers() {
		out = append(out, fmt.Sprint(int(id)))
	}
	return out
}

func (c *Completer) vars() []string {
	var out []string
	for _, n := range c.s.varNames() {
		out = append(out, "$"+n)
	}
	sort.Strings(out)
	return out
}
