package session

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

// transferLeadership asks the leader to hand leadership over to a server
// (dissertation §3.10) and waits: OK once that server leads; NOT_LEADER,
// NOT_A_MEMBER, TIMEOUT or another refusal fail with the reason.
func (s *Session) transferLeadership(c lang.Command) render.Result {
	const op, want, example = "transferLeadership", "the server to hand leadership to", "transferLeadership 2"
	if len(c.Args) == 1 && c.Args[0].Key != "" {
		return render.Result{Err: s.usageOne(op, want, example)}
	}
	return s.onServer(c, op, want, example, false, s.sim.TransferLeadership)
}

// clockCmd shows or sets a server's clock drift:
//
//	clock              every server's drift
//	clock ID           server ID's
//	clock ID drift=P   server ID's clock runs fast (+5%) or slow (-2%)
func (s *Session) clockCmd(c lang.Command) render.Result {
	var ids []raft.NodeID
	var drift *int64
	for i, a := range c.Args {
		switch strings.ToLower(a.Key) {
		case "":
			id, err := s.serverArg(c, i, true)
			if err != nil {
				return render.Result{Err: err}
			}
			ids = append(ids, id)
		case "drift":
			ppm, err := parseDrift(a.Text)
			if err != nil {
				return render.Result{Err: fmt.Errorf("clock: drift=%s: %v", a.Text, err)}
			}
			drift = &ppm
		default:
			return render.Result{Err: fmt.Errorf("clock: unknown setting %q (the setting is drift=P, e.g. clock 1 drift=+5%%)", a.Key)}
		}
	}
	if drift != nil {
		if len(ids) != 1 {
			return render.Result{Err: fmt.Errorf("clock: give one server for drift (try clock 1 drift=+5%%; %s)", s.serverList())}
		}
		if err := s.sim.SetClockDrift(ids[0], *drift); err != nil {
			return render.Result{Err: simErr("clock", err)}
		}
		return render.Result{OK: true, Value: render.Message(fmt.Sprintf("S%d's clock runs at %s (%s)", ids[0], sim.FormatDrift(*drift), s.driftNote(*drift)))}
	}
	if len(ids) == 0 {
		ids = s.sim.Servers()
	}
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "S%d %s", id, sim.FormatDrift(s.sim.ClockDrift(id)))
	}
	return render.Result{OK: true, Value: render.Message("clock drift: " + b.String())}
}

// driftNote relates a drift to the bound lease reads allow for.
func (s *Session) driftNote(ppm int64) string {
	o := s.sim.Options()
	bound := int64(o.MaxDriftPPM)
	if bound == 0 {
		bound = raft.DefaultMaxDriftPPM
	}
	switch {
	case !o.LeaseRead:
		return "lease reads are off: only its timers change"
	case ppm > bound || -ppm > bound:
		return fmt.Sprintf("beyond the %s lease reads allow for: a lease may outlast the leader", sim.FormatDrift(bound)[1:])
	}
	return fmt.Sprintf("within the %s lease reads allow for", sim.FormatDrift(bound)[1:])
}

// parseDrift reads a drift as a signed percentage ("+5%", "-2.5%", "0"),
// in parts per million.
func parseDrift(text string) (int64, error) {
	t := strings.TrimSpace(text)
	if t == "0" {
		return 0, nil
	}
	num, ok := strings.CutSuffix(t, "%")
	if !ok {
		return 0, fmt.Errorf("write a percentage, e.g. +5%% (fast) or -2%% (slow)")
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a number (e.g. +5%% or -2.5%%)", num)
	}
	ppm := math.Round(f * 10_000)
	if ppm < sim.MinClockPPM || ppm > sim.MaxClockPPM {
		return 0, fmt.Errorf("out of range (-90%% to +100%%)")
	}
	return int64(ppm), nil
}

// driftBound reads the maxDrift option of startServers, in parts per
// million: a percentage from 0% to 50%.
func driftBound(c lang.Command, a lang.Arg) (int, error) {
	ppm, err := parseDrift(a.Text)
	if err == nil && (ppm < 0 || ppm > sim.MaxDriftPPM) {
		err = fmt.Errorf("a bound is from 0%% to 50%%")
	}
	if err != nil {
		return 0, fmt.Errorf("%s maxDrift=%s: %v", c.Name, a.Text, err)
	}
	return int(ppm), nil
}
