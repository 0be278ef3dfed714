package lang

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Input limits enforced by Parse.
const (
	// MaxInputBytes is the longest input Parse accepts.
	MaxInputBytes = 64 << 10
	// MaxNesting is the deepest nesting of (, { and [ Parse accepts.
	MaxNesting = 64
)

// ParseError is the error returned by Parse. Its message starts with
// "parse: " and says what was wrong and what would be right.
type ParseError struct {
	Pos int    // byte offset in the input the error refers to, or -1
	Msg string // the message without the "parse: " prefix
}

// Error implements error.
func (e *ParseError) Error() string { return "parse: " + e.Msg }

// errAt returns a ParseError at byte offset pos of src. The location ("at
// column N", or "at line L, column N" for multi-line input) replaces "@@"
// in format, or else goes before its first "; ", or else at its end.
func errAt(src string, pos int, format string, args ...any) *ParseError {
	loc := "at " + wherePos(src, pos)
	switch {
	case strings.Contains(format, "@@"):
		format = strings.Replace(format, "@@", loc, 1)
	case strings.Contains(format, "; "):
		format = strings.Replace(format, "; ", " "+loc+"; ", 1)
	default:
		format += " " + loc
	}
	return &ParseError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// wherePos describes byte offset pos of src as a 1-based (line and) column,
// counting runes.
func wherePos(src string, pos int) string {
	pos = min(max(pos, 0), len(src))
	start := strings.LastIndexByte(src[:pos], '\n') + 1
	col := utf8.RuneCountInString(src[start:pos]) + 1
	if !strings.Contains(src, "\n") {
		return fmt.Sprintf("column %d", col)
	}
	line := strings.Count(src[:pos], "\n") + 1
	return fmt.Sprintf("line %d, column %d", line, col)
}

// validateInput rejects inputs that are too long, not UTF-8, or that contain
// control characters other than tab, newline and carriage return.
func validateInput(src string) error {
	if len(src) > MaxInputBytes {
		return &ParseError{Pos: -1, Msg: fmt.Sprintf("line too long (%d bytes, limit %d)", len(src), MaxInputBytes)}
	}
	for i, r := range src {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(src[i:]); size == 1 {
				return errAt(src, i, "invalid UTF-8 (byte 0x%02x); the input must be UTF-8 text", src[i])
			}
		}
		if isControl(r) {
			return errAt(src, i, "control character %U @@ is not allowed; only printable text, tabs and newlines are", r)
		}
	}
	return nil
}

// isControl reports whether r is a control character other than tab,
// newline and carriage return.
func isControl(r rune) bool {
	return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
}

// isSpace reports whether c separates words (both forms).
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isIdent reports whether s is a plain name: [A-Za-z_][A-Za-z0-9_]*.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentByte(s[i]) || (i == 0 && s[i] >= '0' && s[i] <= '9') {
			return false
		}
	}
	return true
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// identEnd returns the end of the identifier starting at i, or i if none.
func identEnd(s string, i int) int {
	if i >= len(s) || !isIdentByte(s[i]) || s[i] >= '0' && s[i] <= '9' {
		return i
	}
	j := i + 1
	for j < len(s) && isIdentByte(s[j]) {
		j++
	}
	return j
}

// isJSONNumber reports whether s is exactly a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? (RFC 8259, section 6). It
// is read by hand, not by a regular expression: the lexer asks of every
// word of every line, and the chaos runner sends hundreds of lines a
// second through the shell (a regexp was 1% of a seed).
func isJSONNumber(s string) bool {
	i := 0
	digits := func() int {
		j := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// numberFits reports whether a JSON number is within the range of a
// number (1e999 is not). Integers too large to be exact are the session's
// to refuse where a value is meant: a seed may be any 64-bit number.
func numberFits(text string) bool {
	f, err := strconv.ParseFloat(text, 64)
	return err == nil && !math.IsInf(f, 0)
}

// errTooLarge is the error for a number numberFits refuses.
const errTooLarge = "number %s @@ is too large for a number; quote it to use it as text"

// literalKind classifies a bare shell token that is not a variable.
func literalKind(s string) ArgKind {
	switch {
	case isJSONNumber(s):
		return ArgNumber
	case s == "true" || s == "false":
		return ArgBool
	case s == "null" || s == "undefined":
		return ArgNull
	}
	return ArgWord
}

// bareKind reports the kind the shell lexer gives text typed without quotes,
// and false if text would not lex as exactly that one token. value says
// text follows "key=", where '=' may appear anywhere but '|' may not.
func bareKind(text string, value bool) (ArgKind, bool) {
	if text == "" {
		return 0, false
	}
	if text == "|" {
		return ArgWord, !value
	}
	if strings.ContainsAny(text, " \t\n\r'\"#|;(){}[]") || text[0] == '$' || !value && strings.HasPrefix(text, "//") {
		return 0, false
	}
	for _, r := range text {
		if isControl(r) {
			return 0, false
		}
	}
	if !value {
		if eq := strings.IndexByte(text, '='); eq == 0 || eq > 0 && isIdent(text[:eq]) {
			return 0, false
		}
	}
	return literalKind(text), true
}

// wordOrString returns text as a Word when the shell would read it typed
// bare as one Word, else as a String: the kind the shell form needs.
func wordOrString(key, text string, value bool) Arg {
	if k, ok := bareKind(text, value); ok && k == ArgWord {
		return Arg{Key: key, Kind: ArgWord, Text: text}
	}
	return Arg{Key: key, Kind: ArgString, Text: text}
}

// readString reads the quoted string starting at src[i] (a ', " or `
// quote) and returns its value and the offset after the closing quote.
// Escapes follow JavaScript: \n \t \r \b \f \v \0 \xHH \uHHHH \u{H...};
// any other escaped character stands for itself; a backslash before a
// newline continues the string. Only ` strings may span lines.
func readString(src string, i int) (string, int, error) {
	q := src[i]
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		c := src[j]
		switch {
		case c == q:
			return b.String(), j + 1, nil
		case c == '\n' && q != '`':
			return "", 0, errAt(src, i, "unterminated string starting @@: the %c quote is not closed on its line; add a closing %c", q, q)
		case c == '\\':
			n, err := readEscape(src, j, &b)
			if err != nil {
				return "", 0, err
			}
			j = n
		default:
			b.WriteByte(c)
			j++
		}
	}
	return "", 0, errAt(src, i, "unterminated string starting; add a closing %c", q)
}

var simpleEscapes = map[byte]string{'n': "\n", 't': "\t", 'r': "\r", 'b': "\b", 'f': "\f", 'v': "\v", '0': "\x00", '\n': ""}

// readEscape decodes the escape at src[j] == '\\' into b and returns the
// offset after it.
func readEscape(src string, j int, b *strings.Builder) (int, error) {
	if j+1 >= len(src) {
		return 0, errAt(src, j, "unterminated string: a lone backslash @@ ends the input; remove it or add a closing quote")
	}
	c := src[j+1]
	if s, ok := simpleEscapes[c]; ok {
		b.WriteString(s)
		return j + 2, nil
	}
	switch c {
	case 'x':
		v, ok := hexValue(src, j+2, j+4)
		if !ok {
			return 0, errAt(src, j, `bad escape @@; \x must be followed by 2 hex digits, as in \x41`)
		}
		b.WriteRune(rune(v))
		return j + 4, nil
	case 'u':
		r, n, err := readUnicodeEscape(src, j)
		if err != nil {
			return 0, err
		}
		// A surrogate objPair written as two escapes is one character.
		if utf16.IsSurrogate(r) && n+1 < len(src) && src[n] == '\\' && src[n+1] == 'u' {
			if r2, n2, err := readUnicodeEscape(src, n); err == nil {
				if p := utf16.DecodeRune(r, r2); p != utf8.RuneError {
					b.WriteRune(p)
					return n2, nil
				}
			}
		}
		b.WriteRune(r) // a lone surrogate becomes U+FFFD
		return n, nil
	}
	r, size := utf8.DecodeRuneInString(src[j+1:])
	b.WriteRune(r)
	return j + 1 + size, nil
}

// readUnicodeEscape reads \uHHHH or \u{H...} at src[j].
func readUnicodeEscape(src string, j int) (rune, int, error) {
	if j+2 < len(src) && src[j+2] == '{' {
		end := strings.IndexByte(src[j+3:], '}')
		if end >= 1 && end <= 6 {
			if v, ok := hexValue(src, j+3, j+3+end); ok && v <= unicode.MaxRune {
				return rune(v), j + 4 + end, nil
			}
		}
		return 0, 0, errAt(src, j, `bad escape @@; \u{...} needs 1 to 6 hex digits up to 10FFFF, as in \u{1F600}`)
	}
	v, ok := hexValue(src, j+2, j+6)
	if !ok {
		return 0, 0, errAt(src, j, `bad escape @@; \u must be followed by 4 hex digits, as in \u00e9`)
	}
	return rune(v), j + 6, nil
}

// hexValue parses src[from:to] as hexadecimal.
func hexValue(src string, from, to int) (uint64, bool) {
	if to > len(src) {
		return 0, false
	}
	v, err := strconv.ParseUint(src[from:to], 16, 32)
	return v, err == nil && !strings.ContainsAny(src[from:to], "+-_")
}

// quoteString renders s as a double-quoted string that readString reads back
// as s.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			switch {
			case unicode.IsPrint(r):
				b.WriteRune(r)
			case r > 0xFFFF:
				fmt.Fprintf(&b, `\u{%X}`, r)
			default:
				fmt.Fprintf(&b, `\u%04X`, r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
