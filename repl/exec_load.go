package repl

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"raftsim/raft"
	"raftsim/sim"
)

const loadUsage = "load [clients=N] [rate=R/s] [keys=K] [for=DURATION] [mix=set:get:cas] | load status | load stop"

// LoadShown is the value of load: the load's settings and progress.
type LoadShown struct {
	St     sim.LoadStatus
	Action string // "started", "status", "stopped"
	Now    time.Duration
}

// load starts a client load, or shows or stops the current one.
func (s *Session) load(c Command) Result {
	if len(c.Args) == 1 && c.Args[0].Key == "" {
		switch w := strings.ToLower(c.Args[0].Text); w {
		case "status", "stop":
			st, ok := s.sim.Load()
			if !ok {
				return Result{Err: fmt.Errorf("load %s: no load has been started (start one with: load, or %s)", w, loadUsage)}
			}
			action := "status"
			if w == "stop" && st.Running {
				st, _ = s.sim.StopLoad()
				action = "stopped"
			}
			return Result{OK: true, Value: LoadShown{St: st, Action: action, Now: s.sim.Now()}}
		}
	}
	var o sim.LoadOptions
	for i, a := range c.Args {
		if a.Key == "" {
			return Result{Err: fmt.Errorf("load: unexpected %s (usage: %s)", s.show(i, a), loadUsage)}
		}
		if err := s.loadOption(c, i, &o); err != nil {
			return Result{Err: err}
		}
	}
	if len(s.sim.Servers()) == 0 {
		return Result{Err: fmt.Errorf("load: no servers yet (start some with: startServers 3)")}
	}
	st, err := s.sim.StartLoad(o)
	if err != nil {
		return Result{Err: err}
	}
	return Result{OK: true, Value: LoadShown{St: st, Action: "started", Now: s.sim.Now()}}
}

// loadOption reads one key=value option of load into o.
func (s *Session) loadOption(c Command, i int, o *sim.LoadOptions) error {
	a := c.Args[i]
	one := Command{Name: "load " + a.Key, Args: []Arg{a}}
	switch strings.ToLower(a.Key) {
	case "clients":
		n, err := s.intArg(one, 0, "the number of clients", 1, sim.MaxLoadClients, "load clients=5")
		o.Clients = int(n)
		return err
	case "keys":
		n, err := s.intArg(one, 0, "the number of keys", 1, sim.MaxLoadKeys, "load keys=3")
		o.Keys = int(n)
		return err
	case "rate":
		r, ok := parseRate(a.Text)
		if !ok || r <= 0 || r > sim.MaxLoadRate {
			return fmt.Errorf("load: bad rate %s (operations per second above 0 and at most %g, like rate=50/s, rate=2.5 or rate=600/m)", s.show(i, a), sim.MaxLoadRate)
		}
		o.Rate = r
	case "for", "duration":
		d, err := s.durationArg(Command{Name: "load for", Args: []Arg{a}}, 0, sim.MaxLoadDuration)
		if err != nil {
			return err
		}
		o.Duration = d
	case "mix":
		parts := strings.Split(a.Text, ":")
		if len(parts) != 3 {
			return fmt.Errorf("load: bad mix %s (three weights set:get:cas, like mix=1:1:1 or mix=1:4:0)", s.show(i, a))
		}
		for k, p := range parts {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || n < 0 || n > 1_000_000 {
				return fmt.Errorf("load: bad mix %s: %q is not a weight (whole numbers from 0, like mix=1:1:1)", s.show(i, a), p)
			}
			o.Mix[k] = n
		}
		if o.Mix == [3]int{} {
			return fmt.Errorf("load: bad mix %s: the weights cannot all be 0", s.show(i, a))
		}
	default:
		known := []string{"clients", "rate", "keys", "for", "mix"}
		return fmt.Errorf("load: unknown option %q (%susage: %s)", a.Key, didYouMean(a.Key, known), loadUsage)
	}
	return nil
}

// parseRate reads operations per second: 50, 50/s, 2.5/s, 600/m.
func parseRate(text string) (float64, bool) {
	t := strings.ToLower(strings.TrimSpace(text))
	per := 1.0
	if n, unit, ok := strings.Cut(t, "/"); ok {
		switch unit {
		case "s", "sec", "second":
		case "m", "min", "minute":
			per = 60
		default:
			return 0, false
		}
		t = n
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f / per, true
}

func (v LoadShown) asText(r *Renderer) string {
	st := v.St
	mix := fmt.Sprintf("set:get:cas %d:%d:%d", st.Mix[0], st.Mix[1], st.Mix[2])
	keys := "key k0"
	if st.Keys > 1 {
		keys = fmt.Sprintf("keys k0..k%d", st.Keys-1)
	}
	what := fmt.Sprintf("%s, %s/s, %s, %s (gets half ro, half through the log)",
		plural(uint64(len(st.Clients)), "client", "clients"), strconv.FormatFloat(st.Rate, 'g', -1, 64), keys, mix)
	progress := fmt.Sprintf("%s started, %d answered, %d pending; %s (redirects and retries)",
		plural(uint64(st.Issued), "operation", "operations"), st.Answered, st.Issued-st.Answered, plural(uint64(st.Resends), "resend", "resends"))
	switch {
	case v.Action == "started":
		return fmt.Sprintf("load: %s from t=%s to t=%s; the clients work as time advances (run %s)",
			what, fmtSeconds(st.Start), fmtSeconds(st.End), st.Duration.Round(time.Millisecond))
	case v.Action == "stopped":
		return fmt.Sprintf("load stopped at t=%s: %s; pending operations are retried until answered", fmtSeconds(st.End), progress)
	case st.Running:
		return fmt.Sprintf("load running until t=%s: %s; %s", fmtSeconds(st.End), what, progress)
	}
	return fmt.Sprintf("load over at t=%s: %s; %s", fmtSeconds(st.End), what, progress)
}

type jsonLoad struct {
	Action   string        `json:"action"`
	Clients  []raft.NodeID `json:"clients"`
	Rate     float64       `json:"rate"`
	Keys     int           `json:"keys"`
	ForMs    json.Number   `json:"for_ms"`
	Mix      object        `json:"mix"`
	StartMs  json.Number   `json:"start_ms"`
	EndMs    json.Number   `json:"end_ms"`
	Running  bool          `json:"running"`
	Issued   int           `json:"issued"`
	Answered int           `json:"answered"`
	Pending  int           `json:"pending"`
	Resends  int           `json:"resends"`
}

func (v LoadShown) asJSON() json.RawMessage {
	st := v.St
	mix := object{{"set", mustJSON(st.Mix[0])}, {"get", mustJSON(st.Mix[1])}, {"cas", mustJSON(st.Mix[2])}}
	return mustJSON(jsonLoad{Action: v.Action, Clients: st.Clients, Rate: st.Rate, Keys: st.Keys, ForMs: ms(st.Duration), Mix: mix,
		StartMs: ms(st.Start), EndMs: ms(st.End), Running: st.Running, Issued: st.Issued, Answered: st.Answered,
		Pending: st.Issued - st.Answered, Resends: st.Resends})
}

// HistoryShown is the value of history: the last operations recorded.
type HistoryShown struct {
	Ops     []sim.HistoryOp
	Total   int
	Pending int
}

const historyUsage = "history [N] | history all"

func (s *Session) history(c Command) Result {
	n := int64(20)
	switch {
	case len(c.Args) > 1:
		return Result{Err: fmt.Errorf("history: too many arguments (usage: %s)", historyUsage)}
	case len(c.Args) == 1 && strings.EqualFold(c.Args[0].Text, "all") && c.Args[0].Key == "":
		n = 0
	case len(c.Args) == 1:
		var err error
		if n, err = s.intArg(c, 0, "the number of operations", 1, math.MaxInt32, "history 50, or history all"); err != nil {
			return Result{Err: err}
		}
	}
	ops, total := s.sim.HistoryTail(int(n))
	return Result{OK: true, Value: HistoryShown{Ops: ops, Total: total, Pending: s.sim.PendingOps()}}
}

// opText describes a client operation in shell words: "cas k0 7 -> 9".
func opText(op sim.HistoryOp) string {
	switch op.Op {
	case raft.OpSet:
		return "set " + op.Key + " " + jsValue(op.Value)
	case raft.OpGet:
		if op.ReadOnly {
			return "get " + op.Key + " ro"
		}
		return "get " + op.Key
	case raft.OpCAS:
		return "cas " + op.Key + " " + jsValue(op.Old) + " " + jsValue(op.Value)
	}
	return op.Op.String() + " " + op.Key
}

func clientName(op sim.HistoryOp) string {
	if op.Shell {
		return "shell"
	}
	return strconv.Itoa(int(op.Client))
}

func (v HistoryShown) asText(r *Renderer) string {
	if v.Total == 0 {
		return "no client operations yet (clientRequest and load record them)"
	}
	head := fmt.Sprintf("%s recorded, %d pending", plural(uint64(v.Total), "operation", "operations"), v.Pending)
	if len(v.Ops) < v.Total {
		head = fmt.Sprintf("the last %d of %s", len(v.Ops), head)
	}
	rows := [][]string{{"call", "return", "client", "seq", "operation", "status", "result"}}
	for _, op := range v.Ops {
		ret, status, result := "-", "pending", ""
		if op.Done {
			ret, status = fmtSeconds(op.Return), string(op.Status)
			if op.Status == raft.StatusSuccess && op.Op != raft.OpSet {
				result = jsValue(op.Result)
			}
		}
		rows = append(rows, []string{fmtSeconds(op.Call), ret, clientName(op), strconv.FormatUint(op.Seq, 10), opText(op), status, result})
	}
	ids := make([]raft.NodeID, len(v.Ops))
	for i := range ids {
		ids[i] = raft.None
	}
	return head + "\n" + r.table(rows, ids)
}

type jsonHistoryOp struct {
	Client   json.RawMessage `json:"client"` // the client id, or "shell"
	Seq      uint64          `json:"seq"`
	Op       string          `json:"op"`
	Key      string          `json:"key"`
	Old      json.RawMessage `json:"old,omitempty"`
	Value    json.RawMessage `json:"value,omitempty"`
	RO       bool            `json:"ro,omitempty"`
	CallMs   json.Number     `json:"call_ms"`
	ReturnMs json.RawMessage `json:"return_ms"` // null while pending
	Status   string          `json:"status"`    // "pending" while pending
	Result   json.RawMessage `json:"result"`
}

func historyOpJSON(op sim.HistoryOp) jsonHistoryOp {
	j := jsonHistoryOp{Client: mustJSON(op.Client), Seq: op.Seq, Op: op.Op.String(), Key: op.Key, RO: op.ReadOnly,
		CallMs: ms(op.Call), ReturnMs: json.RawMessage("null"), Status: "pending", Result: json.RawMessage("null")}
	if op.Shell {
		j.Client = mustJSON("shell")
	}
	switch op.Op {
	case raft.OpSet:
		j.Value = rawValue(op.Value)
	case raft.OpCAS:
		j.Old, j.Value = rawValue(op.Old), rawValue(op.Value)
	}
	if op.Done {
		j.ReturnMs = json.RawMessage(ms(op.Return))
		j.Status = string(op.Status)
		j.Result = rawValue(op.Result)
	}
	return j
}

func (v HistoryShown) asJSON() json.RawMessage {
	out := make([]jsonHistoryOp, len(v.Ops))
	for i, op := range v.Ops {
		out[i] = historyOpJSON(op)
	}
	return mustJSON(out)
}
