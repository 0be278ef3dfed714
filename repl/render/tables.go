package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fatih/color"

	"raftsim/check"
	"raftsim/raft"
	"raftsim/sim"
)

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
		out = append(out, netLinkRow{name: LinkText(l.From, l.To, same), from: l.From, to: l.To, both: same, rule: l.Rule, eff: l.Effective})
	}
	return out
}

func fsyncText(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return d.String()
}

func checkReportText(r *Renderer, rep CheckReport) string {
	ok := func(s string) string { return r.paint("✓ "+s, color.FgGreen) }
	bad := func(s string) string { return r.paint("✗ "+s, color.FgRed, color.Bold) }
	var b strings.Builder
	if len(rep.Violations) == 0 {
		b.WriteString(ok("safety") + ": no Raft safety property broken so far\n")
	} else {
		fmt.Fprintf(&b, "%s: %s\n", bad("safety"), Plural(uint64(len(rep.Violations)), "violation", "violations"))
		for i, v := range rep.Violations {
			if i == 10 {
				fmt.Fprintf(&b, "  ... and %d more\n", len(rep.Violations)-10)
				break
			}
			b.WriteString("  " + DescribeViolation(v) + "\n")
		}
	}
	l := rep.Lin
	switch {
	case l.Ops == 0 && l.Dropped == 0:
		b.WriteString(ok("linearizability") + ": no client operations yet (clientRequest and load record them)")
	case l.Verdict == check.OK:
		b.WriteString(ok("linearizability") + ": " + l.String())
	case l.Verdict == check.Unknown:
		b.WriteString(bad("linearizability") + ": " + l.String() + "\n  (an undecided check fails, as a violation would: the search's budget is counted in operations and steps, the same on every machine)")
	default:
		b.WriteString(bad("linearizability") + ": " + l.String() + "\n  (export history FILE.html shows it in a browser)")
	}
	return b.String()
}

func exportedText(e Exported) string { return "wrote " + e.File + ": " + e.Detail }

func loadText(r *Renderer, v LoadShown) string {
	st := v.St
	mix := fmt.Sprintf("set:get:cas %d:%d:%d", st.Mix[0], st.Mix[1], st.Mix[2])
	keys := "key k0"
	if st.Keys > 1 {
		keys = fmt.Sprintf("keys k0..k%d", st.Keys-1)
	}
	rate := strconv.FormatFloat(st.Rate, 'g', -1, 64)
	what := fmt.Sprintf("%s, %s/s, %s, %s (gets half ro, half through the log)",
		Plural(uint64(len(st.Clients)), "client", "clients"), rate, keys, mix)
	if st.Open {
		made := ""
		if len(st.Clients) > 0 {
			made = fmt.Sprintf(" (%s so far)", Plural(uint64(len(st.Clients)), "client", "clients"))
		}
		what = fmt.Sprintf("open loop, %s/s arriving whatever the answers, at most %d in flight%s, %s, %s (gets half ro, half through the log)",
			rate, st.LoadOptions.Clients, made, keys, mix)
	}
	progress := fmt.Sprintf("%s started, %d answered, %d pending; %s (redirects and retries)",
		Plural(uint64(st.Issued), "operation", "operations"), st.Answered, st.Issued-st.Answered, Plural(uint64(st.Resends), "resend", "resends"))
	if st.Open && st.Dropped > 0 {
		progress += fmt.Sprintf("; %s dropped: they arrived while all %d clients were busy (clients=N allows more in flight)",
			Plural(uint64(st.Dropped), "arrival", "arrivals"), st.LoadOptions.Clients)
	}
	switch {
	case v.Action == "started" && st.Open:
		return fmt.Sprintf("load: %s from t=%s to t=%s; operations arrive as time advances (run %s)",
			what, Seconds(st.Start), Seconds(st.End), Duration(st.Duration.Round(time.Millisecond)))
	case v.Action == "started":
		text := fmt.Sprintf("load: %s from t=%s to t=%s; the clients work as time advances (run %s)",
			what, Seconds(st.Start), Seconds(st.End), Duration(st.Duration.Round(time.Millisecond)))
		if perClient := st.Rate / float64(len(st.Clients)); perClient > closedLoopPerClient {
			text += fmt.Sprintf("\n  note: each client has one operation at a time (a closed loop), and one client completes about %d a second on the default network, so %s/s may be out of reach: about %d clients (clients=%d) could reach it, or loop=open keeps the rate whatever the answers",
				closedLoopPerClient, rate, clientsFor(st.Rate), clientsFor(st.Rate))
		}
		return text
	case v.Action == "stopped":
		return fmt.Sprintf("load stopped at t=%s: %s; pending operations are retried until answered", Seconds(st.End), progress) + shortfall(st, v.Now)
	case st.Running:
		return fmt.Sprintf("load running until t=%s: %s; %s", Seconds(st.End), what, progress) + shortfall(st, v.Now)
	}
	return fmt.Sprintf("load over at t=%s: %s; %s", Seconds(st.End), what, progress) + shortfall(st, v.Now)
}

// closedLoopPerClient is about how many operations one load client
// completes a second on the default network (5-15 ms links): a round
// trip to the leader and a replication round. With one operation at a
// time per client, it caps the rate a load can reach.
const closedLoopPerClient = 25

// clientsFor is the number of clients a rate needs, at closedLoopPerClient.
func clientsFor(rate float64) int {
	return int(rate/closedLoopPerClient) + 1
}

// shortfall says when a load started clearly fewer operations than its
// rate asks for: the closed loop (one operation at a time per client)
// holds it back, which the numbers alone do not tell.
func shortfall(st sim.LoadStatus, now time.Duration) string {
	if st.Open {
		return "" // arrivals keep their rate; what could not start is counted as dropped
	}
	elapsed := min(now, st.End) - st.Start
	asked := st.Rate * elapsed.Seconds()
	if elapsed < time.Second || float64(st.Issued) >= 0.8*asked {
		return ""
	}
	why := "the cluster answered slower than that (faults, elections, slow disks?)"
	if n := clientsFor(st.Rate); n > len(st.Clients) {
		why = fmt.Sprintf("more clients (clients=%d) come closer", n)
	}
	return fmt.Sprintf("\n  only %d of the about %.0f operations %s/s asks for in %s were started (%.0f%%): each client has one operation at a time (a closed loop) and waits for its answer; %s",
		st.Issued, asked, strconv.FormatFloat(st.Rate, 'g', -1, 64), Duration(elapsed.Round(time.Millisecond)), 100*float64(st.Issued)/asked, why)
}

func historyText(r *Renderer, v HistoryShown) string {
	if v.Total == 0 {
		return "no client operations yet (clientRequest and load record them)"
	}
	head := fmt.Sprintf("%s recorded, %d pending", Plural(uint64(v.Total), "operation", "operations"), v.Pending)
	if len(v.Ops) < v.Total {
		head = fmt.Sprintf("the last %d of %s", len(v.Ops), head)
	}
	rows := [][]string{{"call", "return", "client", "seq", "operation", "status", "result"}}
	for _, op := range v.Ops {
		ret, status, result := "-", "pending", ""
		if op.Done {
			ret, status = Seconds(op.Return), string(op.Status)
			if op.Status == raft.StatusSuccess && op.Op != raft.OpSet {
				result = jsValue(op.Result)
			}
		}
		rows = append(rows, []string{Seconds(op.Call), ret, clientName(op), strconv.FormatUint(op.Seq, 10), opText(op), status, result})
	}
	ids := make([]raft.NodeID, len(v.Ops))
	for i := range ids {
		ids[i] = raft.None
	}
	return head + "\n" + r.table(rows, ids)
}

func netText(r *Renderer, n NetShown) string {
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

func diskText(r *Renderer, d DiskShown) string {
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

// statusTable renders status as aligned columns. Widths are measured before
// colouring, so escape codes do not break the alignment.
func (r *Renderer) statusTable(st Status) string {
	if len(st) == 0 {
		return "no servers yet (start some with: startServers 3)"
	}
	head := []string{"ID", "STATE", "TERM", "VOTED", "COMMIT", "APPLIED", "LOG", "UP", "MEMBER", "GROUP"}
	rows := [][]string{head}
	for _, in := range st {
		up, commit, applied := "down", "-", "-"
		if in.Up {
			up = "up"
			commit, applied = fmt.Sprint(in.CommitIndex), fmt.Sprint(in.LastApplied)
		}
		voted := "-"
		if in.VotedFor != raft.None {
			voted = fmt.Sprint(int(in.VotedFor))
		}
		rows = append(rows, []string{fmt.Sprint(int(in.ID)), in.StateText(), fmt.Sprint(in.Term), voted, commit, applied, fmt.Sprint(in.LastIndex), up, in.Membership, Group(in.Group)})
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
