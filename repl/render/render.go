package render

import (
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/fatih/color"

	"raftsim/raft"
	"raftsim/sim"
)

// Renderer prints Results: for people (aligned text, colours) or, with
// JSON, one JSON object per command and per event.
type Renderer struct {
	W     io.Writer
	JSON  bool
	Color bool
	// Echo prints each command as `> cmd` before its output (script runs).
	Echo bool
}

// serverColors gives each server its own colour from the 256-colour
// palette: nine hues apart from each other (no bright twin of another), each
// of middle lightness so that it reads on dark and light backgrounds alike
// (S3's blue is 5f87ff, not the dark 0000ff of the 16 colours); green and
// red are kept for ok / failed.
var serverColors = [][]color.Attribute{
	fg256(37),  // S0 cyan 00afaf
	fg256(170), // S1 orchid d75fd7
	fg256(178), // S2 gold d7af00
	fg256(69),  // S3 blue 5f87ff
	fg256(208), // S4 orange ff8700
	fg256(141), // S5 violet af87ff
	fg256(211), // S6 pink ff87af
	fg256(137), // S7 tan af875f
	fg256(103), // S8 slate 8787af
}

// fg256 is the escape attributes of foreground colour n of the 256-colour
// palette (ESC[38;5;Nm).
func fg256(n int) []color.Attribute {
	return []color.Attribute{38, 5, color.Attribute(n)}
}

func (r *Renderer) paint(s string, attrs ...color.Attribute) string {
	if !r.Color || s == "" {
		return s
	}
	c := color.New(attrs...)
	c.EnableColor()
	return c.Sprint(s)
}

func (r *Renderer) server(id raft.NodeID, s string) string {
	if id < 0 || sim.IsClient(id) {
		return s // clients keep the terminal's own colour, apart from every server
	}
	return r.paint(s, serverColors[int(id)%len(serverColors)]...)
}

// Comment prints a script's # comment line, dimmed: the narration `run
// FILE` shows between the commands.
func (r *Renderer) Comment(line string) {
	io.WriteString(r.W, r.paint(line, color.Faint)+"\n")
}

// Render prints one result (and, for source, the results it holds).
func (r *Renderer) Render(res Result) {
	if r.JSON {
		r.renderJSON(res)
		return
	}
	io.WriteString(r.W, r.Text(res))
}

// Text is the people's rendering of a result, ending in a newline unless
// it is empty.
func (r *Renderer) Text(res Result) string {
	var b strings.Builder
	if res.Multi {
		if r.Echo && res.Cmd.Line != "" {
			b.WriteString(r.paint("> "+res.Cmd.Line, color.Bold) + "\n")
		}
		quiet := *r
		quiet.Echo = false // the line was shown whole
		for i, sub := range res.Sub {
			if i == len(res.Sub)-1 {
				sub.Where = res.Where
			}
			b.WriteString(quiet.Text(sub))
		}
		return b.String()
	}
	if r.Echo && res.Cmd.Line != "" {
		lines := strings.Split(res.Cmd.Line, "\n")
		for i, l := range lines {
			prefix := "> "
			if i > 0 {
				prefix = "... "
			}
			b.WriteString(r.paint(prefix+l, color.Bold) + "\n")
		}
	}
	for _, e := range res.Events {
		b.WriteString(r.eventText(e) + "\n")
	}
	if res.Dropped > 0 {
		fmt.Fprintf(&b, "... %d more events not shown (too many for one command; try a shorter run, or step)\n", res.Dropped)
	}
	echo := *r
	echo.Echo = true // sourced commands are shown with their output
	for _, sub := range res.Sub {
		b.WriteString(echo.Text(sub))
	}
	body := r.valueText(res)
	if body != "" {
		b.WriteString(body)
		if !strings.HasSuffix(body, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func (r *Renderer) eventText(e EventLine) string {
	stamp := fmt.Sprintf("[%7.3fs] ", e.Time.Seconds())
	if e.Kind == "violation" {
		return stamp + r.paint(e.Text, color.FgRed, color.Bold)
	}
	return stamp + r.server(e.Node, e.Text)
}

// valueText renders the value, or the error, of a result.
func (r *Renderer) valueText(res Result) string {
	where := ""
	if res.Where != "" {
		where = res.Where + ": "
	}
	if e, ok := res.Value.(Expectation); ok {
		if e.Held {
			return r.paint("✓ expect "+e.Pred, color.FgGreen) + ": " + e.Found
		}
		return where + r.paint("✗ expect "+e.Pred, color.FgRed, color.Bold) + ": expected " + e.Expected + ", found " + e.Found
	}
	if res.Err != nil {
		if _, ok := res.Value.(Sourced); ok {
			// The failing line was shown with its own error above.
			v := res.Value.(Sourced)
			return r.paint(fmt.Sprintf("source %s: %d of %d commands failed", v.File, v.Failed, v.Commands), color.FgRed)
		}
		return where + r.paint("error: "+res.Err.Error(), color.FgRed)
	}
	text := r.Plain(res.Value)
	if res.Cmd.Assign != "" && res.Cmd.Name != "require" && text != "" {
		sep := " = "
		if strings.Contains(text, "\n") {
			sep = " =\n" // a table starts on its own line, not after the name
		}
		text = res.Cmd.Assign + sep + text
	}
	return text
}

// Plain renders a value without the result framing.
func (r *Renderer) Plain(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case Started:
		return "started servers " + shortIDs(x.IDs)
	case Leader:
		if !x.Known {
			return "null"
		}
		return r.server(x.ID, fmt.Sprint(int(x.ID)))
	case Reply:
		obj := jsReply(x.Resp)
		if x.Callback {
			return "results:  " + obj
		}
		return obj
	case MemberStatus:
		st := string(x.Status)
		if x.Status == raft.StatusOK {
			return r.paint(st, color.FgGreen)
		}
		return r.paint(st, color.FgRed)
	case FieldValue:
		return r.fieldText(x)
	case Status:
		return r.statusTable(x)
	case Message:
		return string(x)
	case Advanced:
		return fmt.Sprintf("t=%s (+%s)", Seconds(x.Now), x.By.Round(time.Microsecond))
	case Stepped:
		if x.Done < x.Asked {
			return fmt.Sprintf("processed %d of %d events (nothing more was scheduled), t=%s", x.Done, x.Asked, Seconds(x.Now))
		}
		return fmt.Sprintf("processed %s, t=%s", Plural(uint64(x.Done), "event", "events"), Seconds(x.Now))
	case Reached:
		cond := x.Cond
		if x.Leader != raft.None {
			cond = fmt.Sprintf("leader %s in term %d", r.server(x.Leader, fmt.Sprintf("S%d", x.Leader)), x.Term)
		}
		return fmt.Sprintf("%s after %s, t=%s", cond, x.After.Round(time.Microsecond), Seconds(x.Now))
	case DebugState:
		return "debug " + debugName(x.Level)
	case SeedValue:
		if x.Reset {
			return fmt.Sprintf("seed %d: new empty cluster (start it with startServers)", x.Seed)
		}
		return fmt.Sprintf("seed %d", x.Seed)
	case HelpText:
		return string(x)
	case Printed:
		if x.Names != nil {
			if len(x.Names) == 0 {
				return "no variables (set one with: lid = getLeaderId)"
			}
			lines := make([]string, len(x.Names))
			for i, n := range x.Names {
				lines[i] = n + " = " + jsValue(raft.Value(x.Values[i]))
			}
			return strings.Join(lines, "\n")
		}
		parts := make([]string, len(x.Values))
		for i, v := range x.Values {
			parts[i] = jsValue(raft.Value(v))
		}
		return strings.Join(parts, " ")
	case Sourced:
		return fmt.Sprintf("source %s: %s", x.File, Plural(uint64(x.Commands), "command", "commands"))
	case CheckReport:
		return checkReportText(r, x)
	case Exported:
		return exportedText(x)
	case LoadShown:
		return loadText(r, x)
	case HistoryShown:
		return historyText(r, x)
	case NetShown:
		return netText(r, x)
	case DiskShown:
		return diskText(r, x)
	case Pending:
		return pendingText(r, x)
	case Handled:
		return x.Text
	case Why:
		return x.Text
	case Travelled:
		return travelledText(x)
	}
	return fmt.Sprint(v)
}

// fieldText renders getAll: the value alone for one server, else one
// aligned row per server. Long logs are abbreviated (head, ..., tail), and
// a long log equal to an earlier row's says so, so that five servers' logs
// of 141 entries fit on five lines.
func (r *Renderer) fieldText(f FieldValue) string {
	if f.Single && len(f.Rows) == 1 {
		row := f.Rows[0]
		if l, ok := row.V.(LogValue); ok {
			if len(l) == 0 {
				return emptyLogText(f, row)
			}
			lines := make([]string, len(l))
			for i, e := range l {
				lines[i] = entryText(e)
			}
			return strings.Join(lines, "\n")
		}
		return fieldValueText(row.V)
	}
	if len(f.Rows) == 0 {
		return "no servers yet (start some with: startServers 3)"
	}
	w := 0
	for _, row := range f.Rows {
		w = max(w, len(fmt.Sprint(int(row.ID))))
	}
	lines := make([]string, len(f.Rows))
	abbreviated := false
	for i, row := range f.Rows {
		text := fieldValueText(row.V)
		if l, ok := row.V.(LogValue); ok {
			text = logText(l)
			abbreviated = abbreviated || len(l) > logWhole
			if len(l) == 0 && f.Range != "" {
				text = "[] (" + emptyLogText(f, row) + ")"
			}
			for _, prev := range f.Rows[:i] {
				// Short logs stay whole, to be compared by eye.
				if p, ok := prev.V.(LogValue); ok && len(l) > logWhole && reflect.DeepEqual(p, l) {
					text = fmt.Sprintf("same as S%d", prev.ID)
					break
				}
			}
		}
		lines[i] = r.server(row.ID, fmt.Sprintf("S%-*d", w, row.ID)) + "  " + text
	}
	if abbreviated {
		lines = append(lines, "(getAll log ID shows one whole log; getAll log FROM..TO a part of every log)")
	}
	return strings.Join(lines, "\n")
}

// A log longer than logWhole entries shows only its first logHead and
// last logTail entries in a row of getAll log: sixteen still fit a wide
// terminal line or two, and can be compared by eye.
const logWhole, logHead, logTail = 16, 4, 4

// logText is one row of getAll log: every entry, or the head and the
// tail of a long log with the number left out between them.
func logText(l LogValue) string {
	if len(l) <= logWhole {
		return fieldValueText(l)
	}
	var parts []string
	for _, e := range l[:logHead] {
		parts = append(parts, entryText(e))
	}
	parts = append(parts, fmt.Sprintf("... %d more ...", len(l)-logHead-logTail))
	for _, e := range l[len(l)-logTail:] {
		parts = append(parts, entryText(e))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// emptyLogText says why a log shows no entries: it is empty, or the range
// asked for lies past its end.
func emptyLogText(f FieldValue, row FieldRow) string {
	switch {
	case f.Range == "" || row.LastIndex == 0:
		return "[] (empty log)"
	case f.Single:
		return fmt.Sprintf("no entries in %s: the log of S%d ends at %d", f.Range, row.ID, row.LastIndex)
	}
	return fmt.Sprintf("ends at %d", row.LastIndex)
}

func fieldValueText(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case LogValue:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = entryText(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case KV:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if len(keys) == 0 {
			return "{}"
		}
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = jsKey(k) + ": " + jsValue(x[k])
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	case NodeRef:
		if raft.NodeID(x) == raft.None {
			return "null"
		}
		return fmt.Sprint(int(x))
	case IDMap:
		ids := sortedIDs(x)
		if len(ids) == 0 {
			return "{}"
		}
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = fmt.Sprintf("%d: %d", id, x[id])
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	case IDs:
		return "[" + JoinIDs(x, ", ") + "]"
	case SnapshotValue:
		if x.Index == 0 {
			return "none yet"
		}
		return fmt.Sprintf("after %s, configuration %s, %d bytes", EntryRef(x.Index, x.Term),
			configText(raft.Membership{Voters: x.Config, Outgoing: x.Old, Learners: x.Learners}, ", "), x.Bytes)
	case Config:
		return configText(raft.Membership(x), ", ")
	}
	return fmt.Sprint(v)
}

// EntryRef names a log position the one way the shell writes it
// everywhere (getAll, debug, history, trace): index@tTERM, as in 2@t1.
func EntryRef(index, term uint64) string { return fmt.Sprintf("%d@t%d", index, term) }

// EntryText is a compact log entry: "2@t1 set a=1".
func EntryText(e raft.Entry) string { return entryText(e) }

// configText words a configuration: "[0, 1, 2]"; during a joint change
// "[3, 4, 5] joint with old [0, 1, 2]"; with learners "... learners [6]".
func configText(m raft.Membership, sep string) string {
	s := "[" + JoinIDs(m.Voters, sep) + "]"
	if len(m.Outgoing) > 0 {
		s += " joint with old [" + JoinIDs(m.Outgoing, sep) + "]"
	}
	if len(m.Learners) > 0 {
		s += " learners [" + JoinIDs(m.Learners, sep) + "]"
	}
	return s
}

// entryText is a compact log entry: "2@t1 set a=1".
func entryText(e raft.Entry) string {
	head := EntryRef(e.Index, e.Term) + " "
	switch e.Kind {
	case raft.EntryNoop:
		return head + "noop"
	case raft.EntryConfig:
		return head + "config " + configText(*e.Config, ",")
	}
	c := e.Cmd
	switch c.Op {
	case raft.OpSet:
		return head + "set " + c.Key + "=" + jsValue(c.Value)
	case raft.OpCAS:
		return head + "cas " + c.Key + " " + jsValue(c.Old) + "→" + jsValue(c.Value)
	}
	return head + DescribeCmd(*c)
}

func sortedIDs[V any](m map[raft.NodeID]V) []raft.NodeID {
	ids := make([]raft.NodeID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
