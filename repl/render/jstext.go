package render

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"raftsim/raft"
)

// jsValue writes a canonical JSON value the way Node's console.log shows
// it: strings in single quotes, numbers and literals bare.
func jsValue(v raft.Value) string {
	if v == "" {
		return "null"
	}
	var x any
	if err := json.Unmarshal([]byte(v), &x); err != nil {
		return string(v)
	}
	if _, isNum := x.(float64); isNum {
		return string(v) // keep the canonical text (no 1e+21 surprises)
	}
	return jsAny(x)
}

func jsAny(x any) string {
	switch t := x.(type) {
	case nil:
		return "null"
	case string:
		return jsString(t)
	case float64, bool:
		b, _ := json.Marshal(t)
		return string(b)
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = jsAny(e)
		}
		return "[ " + strings.Join(parts, ", ") + " ]"
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = jsKey(k) + ": " + jsAny(t[k])
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return fmt.Sprint(x)
}

func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'':
			b.WriteString(`\'`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if unicode.IsPrint(r) {
				b.WriteRune(r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// jsKey leaves identifier keys bare and quotes the others, like Node.
func jsKey(k string) string {
	if k == "" {
		return "''"
	}
	for i, r := range k {
		if !(r == '_' || r == '$' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
			return jsString(k)
		}
	}
	return k
}

// jsReply is raft.js's results object: { status: 'success', result: 1, leaderHint: null }.
func jsReply(r raft.Response) string {
	hint := "null"
	if r.LeaderHint != raft.None {
		hint = fmt.Sprint(int(r.LeaderHint))
	}
	out := fmt.Sprintf("{ status: %s, result: %s, leaderHint: %s", jsString(string(r.Status)), jsValue(r.Result), hint)
	if r.Err != "" {
		out += ", error: " + jsString(r.Err)
	}
	return out + " }"
}
