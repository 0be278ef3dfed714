package repl

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"raftsim/raft"
	"raftsim/sim"
)

// textValue is a result that renders itself for people; render.go's plain
// defers to it. Results of newer commands implement it, so that adding one
// does not mean editing the renderer's big switch.
type textValue interface {
	asText(r *Renderer) string
}

// jsonValue is a result that renders itself as JSON; json.go's valueJSON
// defers to it.
type jsonValue interface {
	asJSON() json.RawMessage
}

// table aligns rows of cells into columns two spaces apart; the first cell
// of a row whose id is not raft.None gets the server's colour (widths are
// measured before colouring).
func (r *Renderer) table(rows [][]string, ids []raft.NodeID) string {
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], len(c))
		}
	}
	lines := make([]string, len(rows))
	for ri, row := range rows {
		var b strings.Builder
		for i, c := range row {
			cell := c
			if i < len(row)-1 {
				cell += strings.Repeat(" ", width[i]-len(c)+2)
			}
			if i == 0 && ri > 0 && ids[ri-1] != raft.None {
				cell = r.server(ids[ri-1], cell)
			}
			b.WriteString(cell)
		}
		lines[ri] = strings.TrimRight(b.String(), " ")
	}
	return strings.Join(lines, "\n")
}

// netLinkRow is one row of the `net` table: a direction of a link, or both
// directions when their rules are the same.
type netLinkRow struct {
	name     string
	from, to raft.NodeID
	both     bool
	rule     sim.NetRule
	eff      sim.NetModel
}

// netRows pairs up the two directions of a link when their rules agree,
// so `net 0<->1 loss=0.5` shows as one row.
func netRows(v sim.NetView) []netLinkRow {
	rules := map[[2]raft.NodeID]sim.NetRule{}
	for _, l := range v.Links {
		rules[[2]raft.NodeID{l.From, l.To}] = l.Rule
	}
	var out []netLinkRow
	for _, l := range v.Links {
		back, ok := rules[[2]raft.NodeID{l.To, l.From}]
		same := ok && back.String() == l.Rule.String()
		if same && l.From > l.To {
			continue // shown with the other direction
		}
		out = append(out, netLinkRow{name: linkText(l.From, l.To, same), from: l.From, to: l.To, both: same, rule: l.Rule, eff: l.Effective})
	}
	return out
}

func (n NetShown) asText(r *Renderer) string {
	head := []string{"LINK"}
	for _, s := range sim.NetSettings {
		head = append(head, strings.ToUpper(s))
	}
	rows := [][]string{head}
	ids := []raft.NodeID{raft.None}
	all := []string{"all"}
	for _, s := range sim.NetSettings {
		all = append(all, n.View.Global.Setting(s))
	}
	rows = append(rows, all)
	for _, l := range netRows(n.View) {
		row := []string{l.name}
		for _, s := range sim.NetSettings {
			cell := ""
			if l.rule.Sets(s) {
				cell = l.rule.Model.Setting(s)
			}
			row = append(row, cell)
		}
		rows = append(rows, row)
		ids = append(ids, raft.None)
	}
	out := r.table(rows, ids)
	if len(n.View.Links) > 0 {
		out += "\n(a blank setting of a link is the one of `all`; links to clients follow `all`)"
	} else {
		out += "\n(every link, client links included, follows `all`; set one link with net 0->1 loss=0.5)"
	}
	return out
}

// netModelJSON writes the settings of m that set names (all of them for
// the global model), numbers in milliseconds and probabilities.
func netModelJSON(m sim.NetModel, set sim.NetField) json.RawMessage {
	r := sim.NetRule{Set: set, Model: m}
	o := object{}
	num := func(f float64) json.RawMessage { return json.RawMessage(strconv.FormatFloat(f, 'g', -1, 64)) }
	dur := func(d time.Duration) json.RawMessage { return mustJSON(ms(d)) }
	if r.Sets("loss") {
		o = append(o, member{"loss", num(m.Loss)})
	}
	if r.Sets("dup") {
		o = append(o, member{"dup", num(m.Dup)})
	}
	if r.Sets("latency") {
		o = append(o, member{"latency_min_ms", dur(m.LatencyMin)}, member{"latency_max_ms", dur(m.LatencyMax)})
	}
	if r.Sets("dist") {
		o = append(o, member{"dist", mustJSON(m.Dist.String())})
	}
	if r.Sets("reorder") {
		o = append(o, member{"reorder", num(m.Reorder)})
	}
	if r.Sets("longdelay") {
		o = append(o, member{"longdelay", num(m.LongDelay)},
			member{"longdelay_min_ms", dur(m.LongDelayMin)}, member{"longdelay_max_ms", dur(m.LongDelayMax)})
	}
	return mustJSON(o)
}

const allNetFields = sim.NetLoss | sim.NetDup | sim.NetLatency | sim.NetDist | sim.NetReorder | sim.NetLongDelay

// asJSON is {"global": {...}, "links": [{"link": "0->1", "from": 0, "to": 1,
// "set": {only the fields the rule sets}, "effective": {...}}]}, one entry
// per direction.
func (n NetShown) asJSON() json.RawMessage {
	links := make([]json.RawMessage, 0, len(n.View.Links))
	for _, l := range n.View.Links {
		links = append(links, mustJSON(object{
			{"link", mustJSON(linkText(l.From, l.To, false))},
			{"from", nodeJSON(l.From)},
			{"to", nodeJSON(l.To)},
			{"set", netModelJSON(l.Rule.Model, l.Rule.Set)},
			{"effective", netModelJSON(l.Effective, allNetFields)},
		}))
	}
	return mustJSON(object{
		{"global", netModelJSON(n.View.Global, allNetFields)},
		{"links", mustJSON(links)},
	})
}

func (d DiskShown) asText(r *Renderer) string {
	if len(d.Disks) == 0 {
		return fmt.Sprintf("no servers yet; new servers get fsync=%s", fsyncText(d.Default))
	}
	rows := [][]string{{"ID", "FSYNC", "PENDING", "HELD MSGS", "NEXT DURABLE", "DISK TERM", "DISK LOG", "MEMORY LOG", "UP"}}
	ids := []raft.NodeID{raft.None}
	for _, di := range d.Disks {
		next, mem, up := "-", "-", "down"
		if di.Pending > 0 {
			next = "in " + (di.NextDurable - d.Now).Round(time.Microsecond).String()
		}
		if di.Up {
			mem, up = strconv.FormatUint(di.MemLast, 10), "up"
		}
		rows = append(rows, []string{strconv.Itoa(int(di.ID)), fsyncText(di.Fsync), strconv.Itoa(di.Pending),
			strconv.Itoa(di.Held), next, strconv.FormatUint(di.DiskTerm, 10), strconv.FormatUint(di.DiskLast, 10), mem, up})
		ids = append(ids, di.ID)
	}
	return r.table(rows, ids) + fmt.Sprintf("\n(new servers get fsync=%s; a crash loses the pending writes and the messages held for them)", fsyncText(d.Default))
}

func fsyncText(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return d.String()
}

// asJSON is {"default_fsync_ms": 0, "servers": [{"id", "up", "fsync_ms",
// "pending", "held", "next_durable_ms" (null when nothing is pending),
// "disk_term", "disk_log", "memory_log" (null while down)}]}.
func (d DiskShown) asJSON() json.RawMessage {
	srvs := make([]json.RawMessage, 0, len(d.Disks))
	for _, di := range d.Disks {
		next, mem := json.RawMessage("null"), json.RawMessage("null")
		if di.Pending > 0 {
			next = mustJSON(ms(di.NextDurable))
		}
		if di.Up {
			mem = mustJSON(di.MemLast)
		}
		srvs = append(srvs, mustJSON(object{
			{"id", nodeJSON(di.ID)},
			{"up", mustJSON(di.Up)},
			{"fsync_ms", mustJSON(ms(di.Fsync))},
			{"pending", mustJSON(di.Pending)},
			{"held", mustJSON(di.Held)},
			{"next_durable_ms", next},
			{"disk_term", mustJSON(di.DiskTerm)},
			{"disk_log", mustJSON(di.DiskLast)},
			{"memory_log", mem},
		}))
	}
	return mustJSON(object{
		{"default_fsync_ms", mustJSON(ms(d.Default))},
		{"servers", mustJSON(srvs)},
	})
}
