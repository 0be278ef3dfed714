package render

import (
	"encoding/json"
	"fmt"
	"io"
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

// statusTable renders status as aligned columns. Widths are measured before
// colouring, so escape codes do not break the alignment.
func (r *Renderer) statusTable(st Status) string {
	if len(st) == 0 {
		return "no servers yet (start some with: startServers 3)"
	}
	head := []string{"ID", "STATE", "TERM", "VOTED", "COMMIT", "APPLIED", "LOG", "UP", "GROUP"}
	rows := [][]string{head}
	for _, in := range st {
		state, up, commit, applied := "down", "down", "-", "-"
		if in.Up {
			state, up = in.Role.String(), "up"
			commit, applied = fmt.Sprint(in.CommitIndex), fmt.Sprint(in.LastApplied)
		}
		voted := "-"
		if in.VotedFor != raft.None {
			voted = fmt.Sprint(int(in.VotedFor))
		}
		group := "-"
		if in.Group != 0 {
			group = fmt.Sprint(in.Group)
		}
		rows = append(rows, []string{fmt.Sprint(int(in.ID)), state, fmt.Sprint(in.Term), voted, commit, applied, fmt.Sprint(len(in.Log)), up, group})
	}
	width := make([]int, len(head))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], len(c))
		}
	}
	var b strings.Builder
	for ri, row := range rows {
		for i, c := range row {
			cell := c
			if i < len(row)-1 {
				cell += strings.Repeat(" ", width[i]-len(c)+2)
			}
			if ri > 0 && i == 0 {
				cell = r.server(st[ri-1].ID, cell)
			}
			b.WriteString(cell)
		}
		if ri < len(rows)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// jsonLine is the one line a command prints with --json.
type jsonLine struct {
	Cmd    string          `json:"cmd"`
	TMs    json.Number     `json:"t_ms"`
	OK     bool            `json:"ok"`
	Error  string          `json:"error,omitempty"`
	Result json.RawMessage `json:"result"`
}

// jsonEvent is one debug event line with --json.
type jsonEvent struct {
	Event  string       `json:"event"`
	TMs    json.Number  `json:"t_ms"`
	Server *raft.NodeID `json:"server"`
	Text   string       `json:"text"`
}

// renderJSON prints the event lines of a result, the lines of the commands
// it sourced, then its own line.
func (r *Renderer) renderJSON(res Result) {
	for _, e := range res.Events {
		ev := jsonEvent{Event: e.Kind, TMs: Millis(e.Time), Text: e.Text}
		if e.Node != raft.None {
			id := e.Node
			ev.Server = &id
		}
		writeLine(r.W, mustJSON(ev))
	}
	if res.Dropped > 0 {
		writeLine(r.W, mustJSON(jsonEvent{Event: "dropped", TMs: Millis(res.T), Text: fmt.Sprintf("%d more events not shown", res.Dropped)}))
	}
	for _, sub := range res.Sub {
		r.renderJSON(sub)
	}
	line := jsonLine{Cmd: res.Cmd.Line, TMs: Millis(res.T), OK: res.OK, Result: ValueJSON(res.Value)}
	if res.Err != nil {
		line.Error = res.Err.Error()
		if res.Where != "" {
			line.Error = res.Where + ": " + line.Error
		}
	}
	if res.Err == nil && !res.OK {
		line.Error = "failed"
	}
	writeLine(r.W, mustJSON(line))
}

func writeLine(w io.Writer, b []byte) {
	w.Write(b)
	w.Write([]byte{'\n'})
}
