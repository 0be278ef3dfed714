package session

import (
	"fmt"
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
	words := strings.Fields(before)
	if strings.HasSuffix(before, " ") || len(words) == 0 {
		words = append(words, "")
	}
	word := words[len(words)-1]
	cands := c.candidates(words[:len(words)-1], word)
	var out [][]rune
	for _, cand := range cands {
		if strings.HasPrefix(cand, word) && cand != word {
			out = append(out, []rune(cand[len(word):]+" "))
		}
	}
	return out, len([]rune(word))
}

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
		case "value", "committed":
			if n >= 3 {
				return append([]string{"on"}, ids...)
			}
		}
	case "crash", "restart", "removeServer", "partition":
		return ids
	case "addServer":
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
		return []string{"debug", "verbose", "electionTimeout=", "heartbeatTime=", "preVote=", "checkQuorum=", "classic", "bug="}
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
		return []string{"on", "off"}
	case "until":
		if n == 1 {
			return []string{"leader", "committed", "idle"}
		}
	case "help":
		return commandNames()
	}
	return nil
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
