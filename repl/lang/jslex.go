package lang

import (
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of a JavaScript-form token.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // startServers, t, $lid, function
	tNumber         // 1, 1.5, 0x1f (validated where used as a value)
	tString         // 'a', "a", `a` (text is the decoded value)
	tPunct          // ( ) { } [ ] , : ; . = => and other operators
)

// jsTok is one token of the JavaScript form.
type jsTok struct {
	kind  tokKind
	text  string
	pos   int  // byte offset in the source
	subst bool // a template literal containing ${...}
}

// lexJS tokenizes src[from:]. When it fails, more reports that the input
// could still be completed by further lines (an open template literal or
// block comment).
func lexJS(src string, from int) (toks []jsTok, more bool, err error) {
	i := from
	for {
		for i < len(src) && isSpace(src[i]) {
			i++
		}
		if i >= len(src) {
			return append(toks, jsTok{kind: tEOF, pos: i}), false, nil
		}
		c := src[i]
		switch {
		case c == '#' || strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, true, errAt(src, i, "unterminated /* comment; close it with */")
			}
			i += end + 4
		case c == '\'' || c == '"':
			s, n, err := readString(src, i)
			if err != nil {
				return nil, false, err
			}
			toks = append(toks, jsTok{kind: tString, text: s, pos: i})
			i = n
		case c == '`':
			n, subst, more, err := scanTemplate(src, i, 0)
			if err != nil {
				return nil, more, err
			}
			t := jsTok{kind: tString, pos: i, subst: subst}
			if !subst {
				t.text, _, err = readString(src, i)
				if err != nil {
					return nil, false, err
				}
			}
			toks = append(toks, t)
			i = n
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i + 1
			for j < len(src) && (isIdentByte(src[j]) || src[j] == '.' ||
				(src[j] == '+' || src[j] == '-') && (src[j-1] == 'e' || src[j-1] == 'E')) {
				j++
			}
			toks = append(toks, jsTok{kind: tNumber, text: src[i:j], pos: i})
			i = j
		case isIdentByte(c) || c == '$':
			j := i + 1
			for j < len(src) && (isIdentByte(src[j]) || src[j] == '$') {
				j++
			}
			toks = append(toks, jsTok{kind: tIdent, text: src[i:j], pos: i})
			i = j
		case strings.HasPrefix(src[i:], "=>"):
			toks = append(toks, jsTok{kind: tPunct, text: "=>", pos: i})
			i += 2
		case strings.IndexByte("(){}[],:;.=+-*/%<>!?&|^~@", c) >= 0:
			toks = append(toks, jsTok{kind: tPunct, text: src[i : i+1], pos: i})
			i++
		default:
			r, _ := utf8.DecodeRuneInString(src[i:])
			return nil, false, errAt(src, i, "unexpected character %q @@ in a JavaScript-form command", r)
		}
	}
}

// scanTemplate skips the template literal starting at src[i] == '`' and
// returns the offset after it and whether it contains ${...}.
func scanTemplate(src string, i, depth int) (end int, subst, more bool, err error) {
	if depth > MaxNesting {
		return 0, false, false, errAt(src, i, "nesting deeper than %d levels", MaxNesting)
	}
	j := i + 1
	for j < len(src) {
		switch {
		case src[j] == '\\':
			j += 2
		case src[j] == '`':
			return j + 1, subst, false, nil
		case strings.HasPrefix(src[j:], "${"):
			subst = true
			n, more, err := scanCode(src, j+2, depth+1)
			if err != nil {
				return 0, false, more, err
			}
			j = n
		default:
			j++
		}
	}
	return 0, false, true, errAt(src, i, "unterminated template literal starting; add a closing `")
}

// scanCode skips JavaScript code up to and including the '}' that closes a
// ${ opened before src[i].
func scanCode(src string, i, depth int) (end int, more bool, err error) {
	braces := 0
	for i < len(src) {
		switch c := src[i]; c {
		case '\'', '"':
			_, n, err := readString(src, i)
			if err != nil {
				return 0, false, err
			}
			i = n
			continue
		case '`':
			n, _, more, err := scanTemplate(src, i, depth)
			if err != nil {
				return 0, more, err
			}
			i = n
			continue
		case '{':
			braces++
			if braces > MaxNesting {
				return 0, false, errAt(src, i, "nesting deeper than %d levels", MaxNesting)
			}
		case '}':
			if braces == 0 {
				return i + 1, false, nil
			}
			braces--
		}
		i++
	}
	return 0, true, errAt(src, i, "unterminated ${ in a template literal; close it with }")
}

var closerOf = map[string]string{"(": ")", "{": "}", "[": "]"}

// matchBrackets pairs the brackets of toks: match[i] is the index of the
// bracket closing or opening toks[i]. It reports extra or mismatched
// closers, unclosed openers and nesting deeper than MaxNesting. When the
// only problem is unclosed openers, more is true.
func matchBrackets(src string, toks []jsTok) (match []int, more bool, err error) {
	match = make([]int, len(toks))
	var stack []int
	for i, t := range toks {
		if t.kind != tPunct {
			continue
		}
		switch t.text {
		case "(", "{", "[":
			stack = append(stack, i)
			if len(stack) > MaxNesting {
				return nil, false, errAt(src, t.pos, "nesting deeper than %d levels", MaxNesting)
			}
		case ")", "}", "]":
			if len(stack) == 0 {
				return nil, false, errAt(src, t.pos, "unexpected '%s' @@: there is no opening bracket for it to close; remove it", t.text)
			}
			open := toks[stack[len(stack)-1]]
			if want := closerOf[open.text]; want != t.text {
				return nil, false, errAt(src, t.pos, "expected '%s' to close the '%s' from %s, found '%s' @@", want, open.text, wherePos(src, open.pos), t.text)
			}
			match[i], match[stack[len(stack)-1]] = stack[len(stack)-1], i
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		open := toks[stack[len(stack)-1]]
		return nil, true, errAt(src, open.pos, "expected '%s' before the end of the input to close the '%s' @@", closerOf[open.text], open.text)
	}
	return match, false, nil
}
