package lang

import (
	"encoding/json"
	"strings"
)

// value parses one argument; top says it is an argument of the call
// itself (where object literals are allowed) rather than inside one.
func (p *jsParser) value(top bool) (jsVal, error) {
	t := p.peek()
	switch {
	case p.skipCallback():
		p.callback = true
		return jsVal{kind: vCallback}, nil
	case p.isPunct("{"):
		if !top {
			return jsVal{}, p.errTok(t, "nested object literals are not supported; put the options in one {key: value} object")
		}
		return p.object()
	case p.isPunct("["):
		return p.array(top)
	case p.isPunct("("):
		return jsVal{}, p.errTok(t, "parenthesised expressions are not supported; write the value itself")
	}
	return p.scalar()
}

// skipCallback skips a function or arrow function at p.i, if there is one.
func (p *jsParser) skipCallback() bool {
	i := p.i
	if p.identAt(i, "async") && (p.identAt(i+1, "function") || p.punctAt(i+1, "(") || p.at(i+1).kind == tIdent) {
		i++
	}
	switch t := p.at(i); {
	case p.identAt(i, "function"):
		i++
		if p.at(i).kind == tIdent {
			i++
		}
		if !p.punctAt(i, "(") {
			return false
		}
		i = p.match[i] + 1
		if !p.punctAt(i, "{") {
			return false
		}
		p.i = p.match[i] + 1
		return true
	case t.kind == tIdent && p.punctAt(i+1, "=>"):
		i += 2
	case p.punctAt(i, "(") && p.punctAt(p.match[i]+1, "=>"):
		i = p.match[i] + 2
	default:
		return false
	}
	// The arrow's body: a block, or an expression up to ',' or a closer.
	if p.punctAt(i, "{") {
		p.i = p.match[i] + 1
		return true
	}
	for {
		b := p.at(i)
		if b.kind == tEOF || b.kind == tPunct && strings.Contains(",)]};", b.text) {
			break
		}
		if b.kind == tPunct && (b.text == "(" || b.text == "[" || b.text == "{") {
			i = p.match[i]
		}
		i++
	}
	p.i = i
	return true
}

// object parses { key: value, ... }; p.i is at the '{'.
func (p *jsParser) object() (jsVal, error) {
	end := p.match[p.i]
	p.i++
	v := jsVal{kind: vObject}
	for p.i < end {
		k := p.peek()
		if k.kind != tIdent && k.kind != tString || k.kind == tString && k.subst {
			return v, p.errTok(k, "expected a key in the object literal, found %s; write {key: value}", p.show(k))
		}
		if !isIdent(k.text) {
			return v, p.errTok(k, "object key %s @@ is not a plain name; use letters, digits and _", quoteString(k.text))
		}
		p.i++
		if !p.isPunct(":") {
			return v, p.errTok(p.peek(), "expected ':' @@ after the key %s, as in {%s: true}", k.text, k.text)
		}
		p.i++
		val, err := p.value(false)
		if err != nil {
			return v, err
		}
		if val.kind != vCallback {
			v.pairs = append(v.pairs, objPair{key: k.text, val: val})
		}
		if p.i == end {
			break
		}
		if !p.isPunct(",") {
			return v, p.errTok(p.peek(), "expected ',' or '}' after the value of %s, found %s", k.text, p.show(p.peek()))
		}
		p.i++
	}
	p.i = end + 1
	return v, nil
}

// array parses [a, b] or, when top, [[a, b], [c]]; p.i is at the '['.
// Each (inner) array becomes one Arg: its elements joined with ','.
func (p *jsParser) array(top bool) (jsVal, error) {
	open := p.peek()
	end := p.match[p.i]
	v := jsVal{kind: vArray}
	if top && p.punctAt(p.i+1, "[") {
		p.i++
		for p.i < end {
			if !p.isPunct("[") {
				return v, p.errTok(p.peek(), "expected '[' @@, found %s; write every group as an array, as in [[0, 1], [2]]", p.show(p.peek()))
			}
			g, err := p.array(false)
			if err != nil {
				return v, err
			}
			v.groups = append(v.groups, g.groups...)
			if p.i < end {
				if err := p.expect(",", "an inner array"); err != nil {
					return v, err
				}
			}
		}
		p.i = end + 1
		return v, nil
	}
	if p.i++; p.isPunct("[") {
		return v, p.errTok(p.peek(), "arrays nested this deep are not supported; write groups as [0, 1], [2]")
	}
	var parts []string
	for p.i < end {
		e, err := p.scalar()
		if err != nil {
			return v, err
		}
		if e.arg.Kind == ArgVar {
			return v, p.errTok(p.at(p.i-1), "array elements must be numbers or strings, not the variable %s", e.arg.Text)
		}
		parts = append(parts, e.arg.Text)
		if p.i < end {
			if err := p.expect(",", "an array element"); err != nil {
				return v, err
			}
		}
	}
	p.i = end + 1
	text := strings.Join(parts, ",")
	if text == "" {
		return v, p.errTok(open, "empty array; list the server ids, as in [0, 1]")
	}
	v.groups = []string{text}
	return v, nil
}

// scalar parses a string, number, true/false, null/undefined or variable.
func (p *jsParser) scalar() (jsVal, error) {
	t := p.peek()
	p.i++
	switch t.kind {
	case tString:
		if t.subst {
			return jsVal{}, p.errTok(t, "template literals with ${...} are not supported; write the value itself")
		}
		return jsVal{arg: Arg{Kind: ArgString, Text: t.text}, str: true}, nil
	case tNumber:
		return p.number(t, t.text)
	case tIdent:
		switch t.text {
		case "true", "false":
			return jsVal{arg: Arg{Kind: ArgBool, Text: t.text}}, nil
		case "null", "undefined":
			return jsVal{arg: Arg{Kind: ArgNull, Text: t.text}}, nil
		}
		name := strings.TrimPrefix(t.text, "$")
		if !isIdent(name) || reservedWords[name] {
			return jsVal{}, p.errTok(t, "bad variable name %s; use letters, digits and _, as in lid", t.text)
		}
		if u := p.peek(); u.kind == tPunct && (u.text == "." || u.text == "(" || u.text == "[") {
			return jsVal{}, p.errTok(u, "only plain variables are supported as values, not %s%s...; store the result first, as in x = t.getLeaderId();", t.text, u.text)
		}
		return jsVal{arg: Arg{Kind: ArgVar, Text: name}}, nil
	case tPunct:
		if n := p.peek(); t.text == "-" && n.kind == tNumber {
			p.i++
			return p.number(n, "-"+n.text)
		}
	}
	return jsVal{}, p.errTok(t, "expected a value (a number, a 'string', true, false, null, a variable, {...} or [...]), found %s", p.show(t))
}

func (p *jsParser) number(t jsTok, text string) (jsVal, error) {
	if !isJSONNumber(text) {
		return jsVal{}, p.errTok(t, "unsupported number %s; write a decimal number, as in 1, -2 or 1.5", text)
	}
	if !numberFits(text) {
		return jsVal{}, p.errTok(t, errTooLarge, text)
	}
	return jsVal{arg: Arg{Kind: ArgNumber, Text: text}}, nil
}

// anyValue parses any value at p.i — a scalar, or an array or object of
// any depth (up to MaxNesting) — for a variable or print: scalars keep
// their kind, arrays and objects become ArgJSON.
func (p *jsParser) anyValue() (Arg, error) {
	if !p.isPunct("[") && !p.isPunct("{") {
		v, err := p.scalar()
		return v.arg, err
	}
	var b strings.Builder
	if err := p.jsonInto(&b); err != nil {
		return Arg{}, err
	}
	return Arg{Kind: ArgJSON, Text: b.String()}, nil
}

// jsonInto writes the value at p.i as canonical JSON.
func (p *jsParser) jsonInto(b *strings.Builder) error {
	switch {
	case p.isPunct("["):
		end := p.match[p.i]
		p.i++
		b.WriteByte('[')
		for n := 0; p.i < end; n++ {
			if n > 0 {
				if err := p.expect(",", "an array element"); err != nil {
					return err
				}
				if p.i == end {
					break // a trailing comma
				}
				b.WriteByte(',')
			}
			if err := p.jsonInto(b); err != nil {
				return err
			}
		}
		p.i = end + 1
		b.WriteByte(']')
		return nil
	case p.isPunct("{"):
		end := p.match[p.i]
		p.i++
		b.WriteByte('{')
		for n := 0; p.i < end; n++ {
			if n > 0 {
				if err := p.expect(",", "a value in the object"); err != nil {
					return err
				}
				if p.i == end {
					break
				}
				b.WriteByte(',')
			}
			k := p.peek()
			if k.kind != tIdent && k.kind != tString || k.subst {
				return p.errTok(k, "expected a key in the object literal, found %s; write {key: value}", p.show(k))
			}
			p.i++
			if err := p.expect(":", "the key "+k.text); err != nil {
				return err
			}
			b.WriteString(jsonString(k.text))
			b.WriteByte(':')
			if err := p.jsonInto(b); err != nil {
				return err
			}
		}
		p.i = end + 1
		b.WriteByte('}')
		return nil
	}
	t := p.peek()
	v, err := p.scalar()
	if err != nil {
		return err
	}
	switch a := v.arg; a.Kind {
	case ArgVar:
		return p.errTok(t, "the variable %s cannot stand inside an array or object; write its value", a.Text)
	case ArgString:
		b.WriteString(jsonString(a.Text))
	case ArgNull:
		b.WriteString("null")
	default:
		b.WriteString(a.Text)
	}
	return nil
}

// jsonString writes s as a JSON string.
func jsonString(s string) string {
	out, _ := json.Marshal(s)
	return string(out)
}
