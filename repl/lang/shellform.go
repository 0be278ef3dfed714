package lang

import (
	"strings"
	"unicode/utf8"
)

// shTok is one shell-form token.
type shTok struct {
	arg  Arg
	pos  int    // byte offset of the token
	raw  string // the token as typed when it was not quoted
	bare bool   // typed without quotes
}

// parseShell parses the shell form starting at src[from]: whitespace
// separated words, the first of which is the command name.
func parseShell(src string, from int) (Command, error) {
	toks, err := lexShell(src, from)
	if err != nil || len(toks) == 0 {
		return Command{}, err
	}
	first := toks[0]
	if len(toks) == 1 && first.arg.Kind == ArgVar && first.arg.Key == "" {
		return Command{Name: "print", Args: []Arg{first.arg}}, nil
	}
	name, dot := strings.CutPrefix(first.raw, ".")
	if !first.bare || !isIdent(name) {
		what := first.raw
		if !first.bare {
			what = quoteString(first.arg.Text)
		}
		return Command{}, errAt(src, first.pos, "expected a command name @@, found %s; try help for the list of commands", what)
	}
	if len(toks) == 1 && !dot {
		return bareName(src, first.pos, name)
	}
	if err := checkName(src, first.pos, name); err != nil {
		return Command{}, err
	}
	c := Command{Name: canonicalOrAsTyped(name)}
	if len(toks) > 1 {
		c.Args = make([]Arg, 0, len(toks)-1)
	}
	for _, t := range toks[1:] {
		c.Args = append(c.Args, t.arg)
	}
	return c, nil
}

// lexShell splits src[i:] into shell-form tokens.
func lexShell(src string, i int) ([]shTok, error) {
	// Room for a line like chaos's longest (startServers 5 classic
	// bug=figure8 snapshotThreshold=8), so that it grows once at most.
	toks := make([]shTok, 0, 8)
	for {
		i = skipSpaces(src, i)
		if i >= len(src) {
			return toks, nil
		}
		switch c := src[i]; {
		case c == '#' || strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == ';':
			if !onlyTrailer(src[i:]) {
				return nil, errAt(src, i, "unexpected text after ';'; write one command per line")
			}
			return toks, nil
		case c == '|':
			toks = append(toks, shTok{arg: Arg{Kind: ArgWord, Text: "|"}, pos: i, raw: "|", bare: true})
			i++
		case c == '\'' || c == '"':
			s, n, err := readString(src, i)
			if err != nil {
				return nil, err
			}
			if err := checkAfterQuote(src, n); err != nil {
				return nil, err
			}
			toks = append(toks, shTok{arg: Arg{Kind: ArgString, Text: s}, pos: i})
			i = n
		default:
			t, n, err := lexWord(src, i, toks)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = n
		}
	}
}

// wordEnds marks the bytes that end a bare word: space and
// |#;'"(){}[]. A table, because every byte of every line is looked up
// (the chaos runner sends hundreds of lines a second through the shell).
var wordEnds = func() (t [256]bool) {
	for _, c := range []byte(" \t\n\r|#;'\"(){}[]") {
		t[c] = true
	}
	return t
}()

// lexWord reads the bare word starting at src[i]; prev are the tokens
// before it on the line.
func lexWord(src string, i int, prev []shTok) (shTok, int, error) {
	j := i
	for j < len(src) && !wordEnds[src[j]] {
		j++
	}
	run := src[i:j]
	t := shTok{pos: i, raw: run, bare: true}
	if j < len(src) {
		switch c := src[j]; c {
		case '(', ')', '{', '}', '[', ']':
			return t, 0, errAt(src, j, "unexpected '%c' @@ in a shell-form command; brackets belong to the JavaScript form, as in t.crash(2), or quote the word", c)
		case '\'', '"':
			key, ok := strings.CutSuffix(run, "=")
			if !ok || !isIdent(key) {
				return t, 0, errAt(src, j, "unexpected quote @@ inside the word %s; quote the whole word, as in \"a b\"", run)
			}
			s, n, err := readString(src, j)
			if err != nil {
				return t, 0, err
			}
			if err := checkAfterQuote(src, n); err != nil {
				return t, 0, err
			}
			t.arg, t.bare = Arg{Key: key, Kind: ArgString, Text: s}, false
			return t, n, nil
		}
	}
	if run[0] == '=' {
		if len(prev) == 1 {
			left := prev[0].raw
			if !prev[0].bare {
				left = quoteString(prev[0].arg.Text)
			}
			return t, 0, errAt(src, i, "cannot assign to %s @@: the left side of '=' must be a plain name, as in lid = getLeaderId", left)
		}
		return t, 0, errAt(src, i, "unexpected '='; options are written key=value without spaces, and an assignment is NAME = COMMAND at the start of the line")
	}
	if eq := strings.IndexByte(run, '='); eq > 0 && isIdent(run[:eq]) {
		if eq == len(run)-1 {
			return t, 0, errAt(src, i, "expected a value after '=' in %s @@, as in %s1", run, run)
		}
		v, err := shellValue(src, i+eq+1, run[eq+1:])
		v.Key = run[:eq]
		t.arg = v
		return t, j, err
	}
	v, err := shellValue(src, i, run)
	t.arg = v
	return t, j, err
}

// shellValue classifies a bare word (or the value part of key=value).
func shellValue(src string, pos int, text string) (Arg, error) {
	if text[0] == '$' && isIdent(text[1:]) {
		return Arg{Kind: ArgVar, Text: text[1:]}, nil
	}
	if len(TemplateRefs(text)) > 0 {
		return Arg{Kind: ArgTemplate, Text: text}, nil
	}
	if text[0] == '$' {
		return Arg{}, errAt(src, pos, "bad variable reference %s @@: expected $ followed by a name of letters, digits and _, as in $lid", text)
	}
	k := literalKind(text)
	if k == ArgNumber && !numberFits(text) {
		return Arg{}, errAt(src, pos, errTooLarge, text)
	}
	return Arg{Kind: k, Text: text}, nil
}

// TemplateRef is one $name inside a word: the name and its byte span.
type TemplateRef struct {
	Name       string
	Start, End int // text[Start:End] is "$name"
}

// TemplateRefs finds the variable references of a word: a '$' followed by
// a name ($lid in $lid->1). A '$' not followed by a name is not one.
func TemplateRefs(text string) []TemplateRef {
	var refs []TemplateRef
	for i := 0; i < len(text); i++ {
		if text[i] != '$' {
			continue
		}
		if e := identEnd(text, i+1); e > i+1 {
			refs = append(refs, TemplateRef{Name: text[i+1 : e], Start: i, End: e})
			i = e - 1
		}
	}
	return refs
}

// Literal is the argument a bare word gives once any variables in it are
// replaced: a number, true/false, null or a word.
func Literal(key, text string) Arg {
	return Arg{Key: key, Kind: literalKind(text), Text: text}
}

// checkAfterQuote requires a closing quote at src[n-1] to end its word.
func checkAfterQuote(src string, n int) error {
	if n < len(src) && !isSpace(src[n]) && strings.IndexByte("|#;", src[n]) < 0 {
		r, _ := utf8.DecodeRuneInString(src[n:])
		return errAt(src, n, "expected a space after the closing quote, found %q", r)
	}
	return nil
}
