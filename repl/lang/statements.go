package lang

import "strings"

// Statements splits one input into the statements it holds: several may
// share a line, separated by ';' outside strings, comments and brackets,
// as in `t.crash(lid); t.restart(lid);`. Blank or comment-only pieces are
// dropped; an input holding at most one statement comes back whole, so
// its errors keep their columns.
func Statements(input string) []string {
	var out []string
	start, depth := 0, 0
	for i := 0; i < len(input); i++ {
		switch c := input[i]; {
		case c == '#' || strings.HasPrefix(input[i:], "//"):
			for i < len(input) && input[i] != '\n' {
				i++
			}
		case strings.HasPrefix(input[i:], "/*"):
			end := strings.Index(input[i+2:], "*/")
			if end < 0 {
				return []string{input}
			}
			i += end + 3
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < len(input) && input[j] != c {
				if input[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(input) {
				return []string{input} // unterminated: Parse says so
			}
			i = j
		case c == '(' || c == '{' || c == '[':
			depth++
		case c == ')' || c == '}' || c == ']':
			depth--
		case c == ';' && depth == 0:
			if piece := input[start:i]; !onlyTrailer(piece) {
				out = append(out, piece)
			}
			start = i + 1
		}
	}
	if piece := input[start:]; !onlyTrailer(piece) {
		out = append(out, piece)
	}
	if len(out) <= 1 {
		return []string{input}
	}
	for i, p := range out {
		out[i] = strings.TrimSpace(p)
	}
	return out
}
