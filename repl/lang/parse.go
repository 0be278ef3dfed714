package lang

import "strings"

// Parse parses one complete input (possibly several physical lines joined
// with "\n" for a JS call continued over lines). It returns a Command with
// Name "" for blank/comment-only input. The shell form (`startServers 3
// debug`) and the JavaScript form of the raft.js tutorial
// (`t.startServers({ debug: true }, 3);`) give the same Command, apart from
// Line and Callback. Errors are *ParseError values whose message starts
// with "parse: " and says what was wrong and what would be right. Parse
// never panics.
func Parse(input string) (Command, error) {
	empty := Command{Line: input}
	if err := validateInput(input); err != nil {
		return empty, err
	}
	assign, eqPos, rest, err := splitAssign(input)
	if err != nil {
		return empty, err
	}
	var c Command
	if assign != "" && startsValue(input, rest) {
		// x = 5, x = 'text', x = [1, 2], x = {a: 1}: a value to keep.
		a, err := parseValue(input, rest)
		if err != nil {
			return empty, err
		}
		c = Command{Name: "print", Args: []Arg{a}}
	} else if isJSForm(input, rest) {
		c, err = parseJS(input, rest)
	} else {
		c, err = parseShell(input, rest)
	}
	if err != nil {
		return empty, err
	}
	if c.Name == "" && assign != "" {
		return empty, errAt(input, eqPos, "nothing after '='; write a command after it, as in %s = getLeaderId", assign)
	}
	c.Line, c.Assign = input, assign
	finishArgs(&c)
	return c, nil
}

// Incomplete reports whether input has unbalanced (, { or [ outside string
// literals and comments, so the shell should read a continuation line. A
// line with more closers than openers, or with any other error, is not
// incomplete: Parse reports the error.
func Incomplete(input string) bool {
	if validateInput(input) != nil {
		return false
	}
	_, _, rest, err := splitAssign(input)
	if err != nil {
		return false
	}
	if isJSForm(input, rest) {
		toks, more, err := lexJS(input, rest)
		if err != nil {
			return more
		}
		_, more, err = matchBrackets(input, toks)
		return err != nil && more
	}
	var stack []byte
	for i := rest; i < len(input); i++ {
		switch c := input[i]; c {
		case '#', '/':
			if c == '/' && !strings.HasPrefix(input[i:], "//") {
				break
			}
			for i < len(input) && input[i] != '\n' {
				i++
			}
		case '\'', '"':
			_, n, err := readString(input, i)
			if err != nil {
				return false
			}
			i = n - 1
		case '(', '{', '[':
			if stack = append(stack, c); len(stack) > MaxNesting {
				return false
			}
		case ')', '}', ']':
			if len(stack) == 0 || closerOf[string(stack[len(stack)-1])] != string(c) {
				return false
			}
			stack = stack[:len(stack)-1]
		}
	}
	return len(stack) > 0
}

// splitAssign finds an assignment prefix `[var|let|const] NAME =` at the
// start of src. It returns the name ("" if none), the offset of the '=',
// and the offset where the command starts.
func splitAssign(src string) (name string, eq, rest int, err error) {
	i := skipSpaces(src, 0)
	j := identEnd(src, i)
	if j == i {
		return "", 0, i, nil
	}
	if w := src[i:j]; (w == "var" || w == "let" || w == "const") && j < len(src) && isSpace(src[j]) {
		k := skipSpaces(src, j)
		e := identEnd(src, k)
		m := skipSpaces(src, e)
		if e == k || !isAssignEq(src, m) {
			return "", 0, 0, errAt(src, i, "'%s' @@ must be followed by a name and '=', as in %s lid = t.getLeaderId();", w, w)
		}
		if err := checkName(src, k, src[k:e]); err != nil {
			return "", 0, 0, err
		}
		return src[k:e], m, skipSpaces(src, m+1), nil
	}
	if m := skipSpaces(src, j); isAssignEq(src, m) {
		if err := checkName(src, i, src[i:j]); err != nil {
			return "", 0, 0, err
		}
		return src[i:j], m, skipSpaces(src, m+1), nil
	}
	return "", 0, i, nil
}

// isAssignEq reports whether src[m] is an assignment '=' (not == or =>).
func isAssignEq(src string, m int) bool {
	return m < len(src) && src[m] == '=' && (m+1 == len(src) || src[m+1] != '=' && src[m+1] != '>')
}

func skipSpaces(src string, i int) int {
	for i < len(src) && isSpace(src[i]) {
		i++
	}
	return i
}

// isJSForm reports whether the command starting at src[i] is in the
// JavaScript form: a name immediately followed by '(', '.' or '[', or a
// line starting with a // or /* comment.
func isJSForm(src string, i int) bool {
	if strings.HasPrefix(src[i:], "//") || strings.HasPrefix(src[i:], "/*") {
		return true
	}
	j := identEnd(src, i)
	return j > i && j < len(src) && strings.IndexByte("(.[", src[j]) >= 0
}

// onlyTrailer reports whether s holds nothing but spaces, ';' and # or //
// comments.
func onlyTrailer(s string) bool {
	for i := 0; i < len(s); i++ {
		switch {
		case isSpace(s[i]) || s[i] == ';':
		case s[i] == '#' || strings.HasPrefix(s[i:], "//"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		default:
			return false
		}
	}
	return true
}

// bareName is the Command for a line that is one bare name: a known
// command without arguments, or else the value to print.
func bareName(src string, pos int, name string) (Command, error) {
	switch name {
	case "true", "false":
		return Command{Name: "print", Args: []Arg{{Kind: ArgBool, Text: name}}}, nil
	case "null", "undefined":
		return Command{Name: "print", Args: []Arg{{Kind: ArgNull, Text: name}}}, nil
	}
	if canon, ok := canonicalName(name); ok {
		return Command{Name: canon}, nil
	}
	if err := checkName(src, pos, name); err != nil {
		return Command{}, err
	}
	return Command{Name: "print", Args: []Arg{{Kind: ArgVar, Text: name}}}, nil
}

// finishArgs applies the per-command canonicalisations shared by both forms.
func finishArgs(c *Command) {
	for i := range c.Args {
		a := &c.Args[i]
		if a.Key != "" {
			continue
		}
		switch c.Name {
		case "startServers", "addServer", "addLearner":
			if a.Kind == ArgWord && (a.Text == "debug" || a.Text == "verbose") {
				*a = Arg{Key: a.Text, Kind: ArgBool, Text: "true"}
			}
		case "partition":
			if a.Kind == ArgNumber {
				a.Kind = ArgWord
			}
		case "require":
			if a.Kind == ArgWord {
				a.Kind = ArgString
			}
		}
	}
}
