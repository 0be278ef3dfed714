package lang

import "strings"

// knownCommands lists the command names of docs/language.md, spelled canonically.
var knownCommands = []string{
	"startServers", "addServer", "removeServer", "changeConfig", "addLearner", "promote", "crash", "restart",
	"partition", "heal", "clientRequest", "getLeaderId", "getAll", "status",
	"run", "step", "until", "debug", "expect", "seed", "reset", "source",
	"help", "quit", "net", "cut", "disk", "load", "history", "check",
	"export", "print", "require", "trace",
	"pending", "deliver", "drop", "timeout", "why", "rewind", "goto", "save",
	"transferLeadership", "clock", "snapshot",
}

// commandAliases maps other spellings (lower case) to canonical names.
var commandAliases = map[string]string{"exit": "quit", "transferleader": "transferLeadership", "transferleadership": "transferLeadership"}

// canonicalByLower maps the lower-case spelling of every known command and
// alias to its canonical name.
var canonicalByLower = func() map[string]string {
	m := map[string]string{}
	for _, n := range knownCommands {
		m[strings.ToLower(n)] = n
	}
	for a, n := range commandAliases {
		m[a] = n
	}
	return m
}()

// canonicalName returns the canonical spelling of a known command name,
// matched case-insensitively, and whether it is known.
func canonicalName(name string) (string, bool) {
	n, ok := canonicalByLower[strings.ToLower(name)]
	return n, ok
}

// canonicalOrAsTyped returns the canonical spelling of name, or name itself
// when it is not a known command.
func canonicalOrAsTyped(name string) string {
	if n, ok := canonicalName(name); ok {
		return n
	}
	return name
}

// reservedWords are JavaScript words that cannot name a command or
// variable.
var reservedWords = map[string]bool{
	"var": true, "let": true, "const": true, "function": true,
	"true": true, "false": true, "null": true, "undefined": true,
}

// checkName rejects a command name that is a JavaScript keyword or literal.
func checkName(src string, pos int, name string) error {
	if reservedWords[name] {
		return errAt(src, pos, "'%s' @@ is a JavaScript keyword, not a command or variable name", name)
	}
	return nil
}

// Suggest returns the known command name (or the alias exit) that name
// most likely meant, or "" if none is close: the command itself when only
// the case differs, else the one command name starts with (given at least
// 3 letters), else the closest by edit distance (a swap of adjacent letters
// counts as one edit) if that is close enough for the name's length.
func Suggest(name string) string {
	lower := strings.ToLower(strings.TrimPrefix(name, "."))
	n := []rune(lower)
	if len(n) == 0 || len(n) > 64 {
		return ""
	}
	cands := append(knownCommands[:len(knownCommands):len(knownCommands)], "exit")
	prefixed, found := "", 0
	for _, cand := range cands {
		if l := strings.ToLower(cand); l == lower {
			return cand
		} else if len(n) >= 3 && strings.HasPrefix(l, lower) {
			prefixed, found = cand, found+1
		}
	}
	if found == 1 {
		return prefixed
	}
	best, bestDist := "", -1
	for _, cand := range cands {
		if d := NameDistance(n, []rune(strings.ToLower(cand))); bestDist < 0 || d < bestDist {
			best, bestDist = cand, d
		}
	}
	limit := 3
	switch {
	case len(n) <= 3:
		limit = 1
	case len(n) <= 6:
		limit = 2
	}
	if bestDist <= limit {
		return best
	}
	return ""
}

// NameDistance is the edit distance between a and b, counting an insertion,
// a deletion, a substitution or a swap of two adjacent letters as one edit
// (optimal string alignment).
func NameDistance(a, b []rune) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
