package lang

import "strings"

// Format renders c in the canonical shell syntax, so that Parse(Format(c))
// gives c again (apart from Line and Callback). Strings are quoted, a true
// debug/verbose option of startServers and addServer is written as a bare
// flag, and a command that is not known and has no arguments is written
// NAME() so that it is not read as printing a variable.
func Format(c Command) string {
	if c.Name == "" {
		return ""
	}
	var b strings.Builder
	if c.Assign != "" {
		b.WriteString(c.Assign)
		b.WriteString(" = ")
	}
	b.WriteString(c.Name)
	if _, known := canonicalName(c.Name); !known && len(c.Args) == 0 {
		b.WriteString("()")
		return b.String()
	}
	for _, a := range c.Args {
		b.WriteByte(' ')
		b.WriteString(formatArg(c.Name, a))
	}
	return b.String()
}

// formatArg renders one argument of the command name.
func formatArg(name string, a Arg) string {
	if a.Key == "" {
		return formatValue(name, a)
	}
	if (name == "startServers" || name == "addServer") && (a.Key == "debug" || a.Key == "verbose") &&
		a.Kind == ArgBool && a.Text == "true" {
		return a.Key
	}
	return a.Key + "=" + formatValue(name, a)
}

// formatValue renders a's value: bare when the shell form reads the bare
// text back as a (after the per-command canonicalisation), else quoted.
func formatValue(name string, a Arg) string {
	switch a.Kind {
	case ArgVar:
		return "$" + a.Text
	case ArgString:
		return quoteString(a.Text)
	}
	if k, ok := bareKind(a.Text, a.Key != ""); ok {
		back := Command{Name: name, Args: []Arg{{Key: a.Key, Kind: k, Text: a.Text}}}
		finishArgs(&back)
		if back.Args[0] == a {
			return a.Text
		}
	}
	return quoteString(a.Text)
}
