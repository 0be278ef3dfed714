package lang

import "strings"

// valKind is the kind of a JavaScript-form argument before it becomes Args.
type valKind uint8

const (
	vScalar   valKind = iota // a string, number, boolean, null or variable
	vObject                  // { key: value, ... }
	vArray                   // [0, 1] or [[0, 1], [2]]
	vCallback                // function (r) { ... } or r => ...
)

// jsVal is one parsed JavaScript-form argument.
type jsVal struct {
	kind   valKind
	arg    Arg       // vScalar
	str    bool      // vScalar from a string literal
	pairs  []objPair // vObject
	groups []string  // vArray: each (inner) array's elements joined with ','

}

// objPair is one key: value of an object literal.
type objPair struct {
	key string
	val jsVal
}

// jsParser parses the JavaScript form over pre-lexed tokens whose brackets
// are known to balance.
type jsParser struct {
	src      string
	toks     []jsTok
	match    []int
	i        int
	callback bool
}

// parseJS parses the JavaScript form starting at src[from]:
// [RECV.][serverPool[ID].]NAME(ARGS)[[INDEX]][;].
func parseJS(src string, from int) (Command, error) {
	toks, _, err := lexJS(src, from)
	if err != nil {
		return Command{}, err
	}
	match, _, err := matchBrackets(src, toks)
	if err != nil {
		return Command{}, err
	}
	p := &jsParser{src: src, toks: toks, match: match}
	p.skipSemis()
	if p.peek().kind == tEOF {
		return Command{}, nil
	}
	c, err := p.call()
	if err != nil {
		return Command{}, err
	}
	p.skipSemis()
	if t := p.peek(); t.kind != tEOF {
		return Command{}, p.errTok(t, "unexpected %s @@ after the end of the command; write one command per line", p.show(t))
	}
	c.Callback = p.callback
	return c, nil
}

func (p *jsParser) peek() jsTok { return p.toks[p.i] }

func (p *jsParser) at(i int) jsTok { return p.toks[min(i, len(p.toks)-1)] }

func (p *jsParser) isPunct(text string) bool { return p.punctAt(p.i, text) }

func (p *jsParser) punctAt(i int, text string) bool {
	t := p.at(i)
	return t.kind == tPunct && t.text == text
}

func (p *jsParser) identAt(i int, text string) bool {
	t := p.at(i)
	return t.kind == tIdent && t.text == text
}

func (p *jsParser) skipSemis() {
	for p.isPunct(";") {
		p.i++
	}
}

func (p *jsParser) errTok(t jsTok, format string, args ...any) error {
	return errAt(p.src, t.pos, format, args...)
}

// show describes a token for an error message.
func (p *jsParser) show(t jsTok) string {
	switch t.kind {
	case tEOF:
		return "the end of the input"
	case tString:
		return "a string"
	}
	return "'" + t.text + "'"
}

// expect consumes the punctuation text or fails saying what was wanted.
func (p *jsParser) expect(text, after string) error {
	if !p.isPunct(text) {
		return p.errTok(p.peek(), "expected '%s' @@ after %s, found %s", text, after, p.show(p.peek()))
	}
	p.i++
	return nil
}

// call parses [RECV.][serverPool[ID].]NAME(ARGS)[[INDEX]].
func (p *jsParser) call() (Command, error) {
	var names []string
	var server *jsVal
	serverAt := -1
	for {
		t := p.peek()
		if t.kind != tIdent {
			return Command{}, p.errTok(t, "expected a name @@, found %s", p.show(t))
		}
		names = append(names, t.text)
		p.i++
		if p.isPunct("[") && t.text == "serverPool" && server == nil {
			p.i++
			v, err := p.scalar()
			if err != nil {
				return Command{}, err
			}
			server, serverAt = &v, len(names)
			if err := p.expect("]", "the server id in serverPool["); err != nil {
				return Command{}, err
			}
			if err := p.expect(".", "serverPool[...]"); err != nil {
				return Command{}, err
			}
			continue
		}
		if p.isPunct(".") {
			p.i++
			continue
		}
		if p.isPunct("(") {
			break
		}
		full := strings.Join(names, ".")
		switch u := p.peek(); {
		case u.kind == tPunct && u.text == "=":
			return Command{}, p.errTok(u, "cannot assign to %s @@: the left side of '=' must be a plain name, as in lid = t.getLeaderId();", full)
		case u.kind == tPunct && u.text == "[":
			return Command{}, p.errTok(u, "unexpected '[' after %s; only t.serverPool[ID] and NAME(...)[ID] take an index", full)
		default:
			return Command{}, p.errTok(u, "expected '(' after %s, found %s; call it, as in %s()", full, p.show(u), full)
		}
	}
	name, recv := names[len(names)-1], names[:len(names)-1]
	callee := strings.Join(names, ".")
	switch {
	case server != nil && serverAt != len(names)-1:
		return Command{}, p.errTok(p.peek(), "unsupported call %s; use t.serverPool[ID].METHOD(...)", callee)
	case server == nil && len(recv) == 1 && recv[0] == "console" && name == "log":
		name = "print"
	case server == nil && len(recv) > 1 || len(recv) > 2:
		return Command{}, p.errTok(p.peek(), "unsupported call %s; use t.COMMAND(...) or COMMAND(...)", callee)
	}
	if !isIdent(name) {
		return Command{}, p.errTok(p.toks[p.i-1], "bad command name %s; use letters, digits and _", name)
	}
	if err := checkName(p.src, p.toks[p.i-1].pos, name); err != nil {
		return Command{}, err
	}
	name = canonicalOrAsTyped(name)
	vals, err := p.args(name)
	if err != nil {
		return Command{}, err
	}
	if p.isPunct("[") {
		p.i++
		v, err := p.scalar()
		if err != nil {
			return Command{}, err
		}
		if err := p.expect("]", "the index after "+name+"(...)["); err != nil {
			return Command{}, err
		}
		vals = append(vals, v)
	}
	if p.isPunct("[") || p.isPunct(".") {
		return Command{}, p.errTok(p.peek(), "unexpected %s @@ after the call; only one [index] may follow it, as in t.getAll('log')[lid]", p.show(p.peek()))
	}
	return buildCall(name, server, vals), nil
}

// parseValue parses src[from:], the right-hand side of `NAME = VALUE`, as
// one value: a number, string, true, false, null, array or object.
func parseValue(src string, from int) (Arg, error) {
	toks, _, err := lexJS(src, from)
	if err != nil {
		return Arg{}, err
	}
	match, _, err := matchBrackets(src, toks)
	if err != nil {
		return Arg{}, err
	}
	p := &jsParser{src: src, toks: toks, match: match}
	a, err := p.anyValue()
	if err != nil {
		return Arg{}, err
	}
	p.skipSemis()
	if t := p.peek(); t.kind != tEOF {
		return Arg{}, p.errTok(t, "unexpected %s @@ after the value; write one value, as in x = 5", p.show(t))
	}
	return a, nil
}

// startsValue reports whether src[i] starts a literal value rather than a
// command: a digit, a sign, a quote, '[' or '{'.
func startsValue(src string, i int) bool {
	return i < len(src) && strings.IndexByte("0123456789-.'\"`[{", src[i]) >= 0
}

// args parses the parenthesised arguments of name; p.i is at the '('.
func (p *jsParser) args(name string) ([]jsVal, error) {
	end := p.match[p.i]
	p.i++
	var vals []jsVal
	for p.i < end {
		var v jsVal
		var err error
		if name == "print" && (p.isPunct("[") || p.isPunct("{")) {
			v.arg, err = p.anyValue() // console.log([1, 2]) prints the array
		} else {
			v, err = p.value(true)
		}
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		if p.i == end {
			break
		}
		if !p.isPunct(",") {
			return nil, p.errTok(p.peek(), "expected ',' or ')' after argument %d of %s, found %s @@", len(vals), name, p.show(p.peek()))
		}
		p.i++
	}
	p.i = end + 1
	return vals, nil
}
