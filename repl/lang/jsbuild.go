package lang

import (
	"strconv"
	"strings"
)

// buildCall turns a parsed call into a Command: strings become Words where the
// shell form would have a Word, object keys become keyed Args, consecutive
// arrays are separated by "|", and clientRequest's request object becomes
// the shell form's positional arguments.
func buildCall(name string, server *jsVal, vals []jsVal) Command {
	c := Command{Name: name}
	add := func(key string, v jsVal, keep bool) {
		a := v.arg
		switch {
		case v.kind == vArray:
			a = groupArg(v.groups[0], key != "")
		case v.str && !keep && name != "require":
			a = wordOrString(key, a.Text, key != "")
		}
		a.Key = key
		c.Args = append(c.Args, a)
	}
	if server != nil {
		sv := *server
		if sv.str && isJSONNumber(sv.arg.Text) {
			// t.serverPool["0"]: JavaScript's keys are strings; it is server 0.
			sv = jsVal{arg: Arg{Kind: ArgNumber, Text: sv.arg.Text}}
		}
		add("", sv, false)
	}
	prevArray := false
	for _, v := range vals {
		switch v.kind {
		case vScalar:
			add("", v, false)
		case vObject:
			if name == "clientRequest" {
				for _, r := range requestArgs(v.pairs) {
					add(r.key, r.val, r.keep)
				}
				break
			}
			for _, kv := range v.pairs {
				add(kv.key, kv.val, false)
			}
		case vArray:
			for i, g := range v.groups {
				if prevArray || i > 0 {
					c.Args = append(c.Args, Arg{Kind: ArgWord, Text: "|"})
				}
				c.Args = append(c.Args, groupArg(g, false))
			}
		}
		if v.kind != vCallback {
			prevArray = v.kind == vArray
		}
	}
	return c
}

// groupArg is the Arg for an array's elements joined with ',': the kind
// the shell form gives the same text, or a String when it needs quotes.
func groupArg(text string, value bool) Arg {
	if k, ok := bareKind(text, value); ok {
		return Arg{Kind: k, Text: text}
	}
	return Arg{Kind: ArgString, Text: text}
}

// reqArg is one argument derived from clientRequest's request object.
type reqArg struct {
	key  string
	val  jsVal
	keep bool // keep a string a String (values), rather than a Word
}

// requestArgs maps {op, key, value | old/expected, new/value, ro} to the
// shell form's [op, key, value...] [ro]; other keys stay keyed.
func requestArgs(pairs []objPair) []reqArg {
	last := map[string]jsVal{}
	for _, kv := range pairs {
		last[kv.key] = kv.val
	}
	var out []reqArg
	pos := func(keep bool, keys ...string) {
		for _, k := range keys {
			if v, ok := last[k]; ok {
				out = append(out, reqArg{val: v, keep: keep})
				return
			}
		}
	}
	pos(false, "op")
	pos(false, "key")
	_, hasOld := last["old"]
	_, hasExpected := last["expected"]
	_, hasNew := last["new"]
	if op := last["op"].arg; strings.EqualFold(op.Text, "cas") && op.Kind != ArgVar || hasOld || hasExpected || hasNew {
		pos(true, "old", "expected")
		pos(true, "new", "value")
	} else {
		pos(true, "value")
	}
	if ro, ok := last["ro"]; ok {
		if ro.arg.Kind == ArgVar || ro.kind != vScalar {
			out = append(out, reqArg{key: "ro", val: ro})
		} else if jsTruthy(ro.arg) {
			out = append(out, reqArg{val: jsVal{arg: Arg{Kind: ArgWord, Text: "ro"}}})
		}
	}
	for _, kv := range pairs {
		switch kv.key {
		case "op", "key", "value", "old", "expected", "new", "ro":
		default:
			out = append(out, reqArg{key: kv.key, val: kv.val})
		}
	}
	return out
}

// jsTruthy reports whether a JavaScript scalar is truthy.
func jsTruthy(a Arg) bool {
	switch a.Kind {
	case ArgBool:
		return a.Text == "true"
	case ArgNull:
		return false
	case ArgNumber:
		f, err := strconv.ParseFloat(a.Text, 64)
		return err != nil || f != 0
	}
	return a.Text != ""
}
