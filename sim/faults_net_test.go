package sim

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// markerClient marks the probe messages of traffic: client replies (which
// servers ignore) with this ClientID.
const markerClient = 0xFA17

// arrival is one probe message that arrived: its number and when it was
// sent and delivered.
type arrival struct {
	seq      uint64
	sent, at time.Duration
}

// trafficResult is what happened to the probes of traffic.
type trafficResult struct {
	arrivals []arrival      // in order of delivery
	dropped  map[string]int // drops by reason
	dups     int            // copies sent because of dup
}

// traffic sends n probe messages from -> to, one every gap, then runs the
// clock until every one has arrived or been dropped.
func traffic(t *testing.T, s *Sim, from, to raft.NodeID, n int, gap time.Duration) trafficResult {
	t.Helper()
	res := trafficResult{dropped: map[string]int{}}
	sent := map[uint64]time.Duration{}
	s.OnEvent(func(e TraceEvent) {
		m := e.Msg
		if m == nil || m.Type != raft.MsgClientResp || m.Resp.ClientID != markerClient {
			return
		}
		switch e.Kind {
		case EvSend:
			if e.Reason == "duplicate" {
				res.dups++
			} else {
				sent[m.Resp.Seq] = e.Time
			}
		case EvDeliver, EvClientReply:
			res.arrivals = append(res.arrivals, arrival{seq: m.Resp.Seq, sent: sent[m.Resp.Seq], at: e.Time})
		case EvDrop:
			res.dropped[e.Reason]++
		}
	})
	defer s.OnEvent(nil)
	for i := range n {
		m := raft.Message{Type: raft.MsgClientResp, From: from, To: to, Resp: &raft.Response{ClientID: markerClient, Seq: uint64(i + 1)}}
		s.send(&m)
		s.Run(gap)
	}
	s.Run(10 * time.Second) // long enough for any delay the tests set
	got := len(res.arrivals) + res.dropped["loss"] + res.dropped["cut"] + res.dropped["partition"] + res.dropped["down"]
	require.Equal(t, n+res.dups, got, "every probe and copy must arrive or be dropped")
	return res
}

// overtaken counts arrivals that came after a probe sent later.
func (r trafficResult) overtaken() int {
	n := 0
	top := uint64(0)
	for _, a := range r.arrivals {
		if a.seq < top {
			n++
		}
		top = max(top, a.seq)
	}
	return n
}

func mustRule(t *testing.T, kv ...string) NetRule {
	t.Helper()
	var r NetRule
	for i := 0; i < len(kv); i += 2 {
		require.NoError(t, ParseNetSetting(&r, kv[i], kv[i+1]))
	}
	return r
}

// toClient returns a client endpoint to send probes to: clients reach
// every server whatever the partitions, and have no traffic of their own.
func toClient(s *Sim) raft.NodeID { return s.newClient().id }

func TestNetLossRate(t *testing.T) {
	s := New(Options{Seed: 1})
	require.NoError(t, s.SetNet(mustRule(t, "loss", "0.3")))
	const n = 10000
	r := traffic(t, s, 0, toClient(s), n, time.Millisecond)
	lost := r.dropped["loss"]
	// Deterministic by seed: this exact count, every run, every machine.
	assert.Equal(t, 2978, lost)
	// And about P: within four standard deviations of n*P.
	sd := math.Sqrt(n * 0.3 * 0.7)
	assert.InDelta(t, n*0.3, float64(lost), 4*sd)
	assert.Len(t, r.arrivals, n-lost)

	s.ResetNet()
	r = traffic(t, s, 0, toClient(s), 1000, time.Millisecond)
	assert.Zero(t, r.dropped["loss"], "net reset: no loss")
}

func TestNetDupDeliversCopies(t *testing.T) {
	s := New(Options{Seed: 3})
	require.NoError(t, s.SetNet(mustRule(t, "dup", "0.2")))
	const n = 5000
	r := traffic(t, s, 0, toClient(s), n, time.Millisecond)
	assert.InDelta(t, n*0.2, float64(r.dups), 4*math.Sqrt(n*0.2*0.8))
	assert.Len(t, r.arrivals, n+r.dups)
	// A copy has its own latency: some pairs arrive at different times.
	first := map[uint64]time.Duration{}
	differ := 0
	for _, a := range r.arrivals {
		if at, ok := first[a.seq]; ok && at != a.at {
			differ++
		}
		first[a.seq] = a.at
	}
	assert.Greater(t, differ, r.dups/2)
}

func TestNetExpLatencyMean(t *testing.T) {
	s := New(Options{Seed: 5})
	require.NoError(t, s.SetNet(mustRule(t, "latency", "5ms-15ms", "dist", "exp")))
	const n = 20000
	r := traffic(t, s, 0, toClient(s), n, 100*time.Microsecond)
	var sum time.Duration
	tail := 0
	for _, a := range r.arrivals {
		d := a.at - a.sent
		require.GreaterOrEqual(t, d, 5*time.Millisecond, "never faster than MIN")
		if d >= 15*time.Millisecond {
			tail++
		}
		sum += d
	}
	mean := sum / time.Duration(len(r.arrivals))
	// MIN + Exp(mean (MAX-MIN)/2): mean 10ms, standard error 5ms/sqrt(n).
	assert.InDelta(t, float64(10*time.Millisecond), float64(mean), float64(200*time.Microsecond))
	// P(X > 2*mean) = e^-2, about 13.5%: the long tail uniform lacks.
	assert.InDelta(t, 0.135, float64(tail)/n, 0.02)
}

func TestNetUniformLatencyBounds(t *testing.T) {
	s := New(Options{Seed: 6})
	require.NoError(t, s.SetNet(mustRule(t, "latency", "20-30", "loss", "0.01")))
	r := traffic(t, s, 0, toClient(s), 2000, time.Millisecond)
	for _, a := range r.arrivals {
		d := a.at - a.sent
		require.GreaterOrEqual(t, d, 20*time.Millisecond)
		require.Less(t, d, 30*time.Millisecond)
	}
}

func TestNetLinkRuleIsOneWay(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	require.NoError(t, s.SetLinkNet(0, 1, false, mustRule(t, "loss", "1")))
	r := traffic(t, s, 0, 1, 50, time.Millisecond)
	assert.Equal(t, 50, r.dropped["loss"], "0->1 loses everything")
	r = traffic(t, s, 1, 0, 50, time.Millisecond)
	assert.Len(t, r.arrivals, 50, "1->0 follows the global model")
	r = traffic(t, s, 0, 2, 50, time.Millisecond)
	assert.Len(t, r.arrivals, 50, "0->2 follows the global model")

	require.NoError(t, s.SetLinkNet(1, 2, true, mustRule(t, "loss", "1")))
	assert.Equal(t, 50, traffic(t, s, 1, 2, 50, time.Millisecond).dropped["loss"])
	assert.Equal(t, 50, traffic(t, s, 2, 1, 50, time.Millisecond).dropped["loss"])

	require.NoError(t, s.ClearLinkNet(0, 1, false))
	assert.Len(t, traffic(t, s, 0, 1, 50, time.Millisecond).arrivals, 50, "the rule is gone")
	assert.Len(t, s.Net().Links, 2)
}

func TestNetLinkRuleOverridesFieldByField(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	require.NoError(t, s.SetNet(mustRule(t, "latency", "1ms")))
	require.NoError(t, s.SetLinkNet(0, 1, false, mustRule(t, "latency", "50ms")))
	for _, a := range traffic(t, s, 0, 1, 20, time.Millisecond).arrivals {
		assert.Equal(t, 50*time.Millisecond, a.at-a.sent)
	}
	for _, a := range traffic(t, s, 1, 0, 20, time.Millisecond).arrivals {
		assert.Equal(t, time.Millisecond, a.at-a.sent)
	}
	// The link did not set loss: a global loss reaches it, its latency stays.
	require.NoError(t, s.SetNet(mustRule(t, "loss", "1")))
	assert.Equal(t, 20, traffic(t, s, 0, 1, 20, time.Millisecond).dropped["loss"])
	require.NoError(t, s.SetNet(mustRule(t, "loss", "0")))
	// A later rule for the link adds to the earlier one.
	require.NoError(t, s.SetLinkNet(0, 1, false, mustRule(t, "dup", "1")))
	r := traffic(t, s, 0, 1, 20, time.Millisecond)
	assert.Equal(t, 20, r.dups)
	for _, a := range r.arrivals {
		assert.Equal(t, 50*time.Millisecond, a.at-a.sent)
	}
	v := s.Net()
	require.Len(t, v.Links, 1)
	assert.Equal(t, "dup=1 latency=50ms", v.Links[0].Rule.String())
	assert.Equal(t, 50*time.Millisecond, v.Links[0].Effective.LatencyMin)
}

func TestNetReorderOvertakes(t *testing.T) {
	s := New(Options{Seed: 7})
	require.NoError(t, s.SetNet(mustRule(t, "latency", "5ms")))
	c := toClient(s)
	assert.Zero(t, traffic(t, s, 0, c, 500, time.Millisecond).overtaken(), "constant latency keeps order")
	require.NoError(t, s.SetNet(mustRule(t, "reorder", "0.1")))
	r := traffic(t, s, 0, c, 500, time.Millisecond)
	assert.Greater(t, r.overtaken(), 20, "held-back messages are overtaken")
	for _, a := range r.arrivals {
		d := a.at - a.sent
		// Either on time, or held back by [5ms, 10ms) more.
		ok := d == 5*time.Millisecond || (d >= 10*time.Millisecond && d < 15*time.Millisecond)
		require.True(t, ok, "delay %v", d)
	}
}

func TestNetLongDelay(t *testing.T) {
	s := New(Options{Seed: 8})
	require.NoError(t, s.SetNet(mustRule(t, "latency", "5ms", "longdelay", "0.1:100ms-200ms")))
	r := traffic(t, s, 0, toClient(s), 2000, time.Millisecond)
	long := 0
	for _, a := range r.arrivals {
		d := a.at - a.sent
		if d != 5*time.Millisecond {
			require.GreaterOrEqual(t, d, 105*time.Millisecond)
			require.Less(t, d, 205*time.Millisecond)
			long++
		}
	}
	assert.InDelta(t, 200, long, 4*math.Sqrt(2000*0.1*0.9))
	assert.Greater(t, r.overtaken(), 100)
}

func TestNetDefaultModelKeepsOldRuns(t *testing.T) {
	run := func(setup func(*Sim)) string {
		s := New(Options{Seed: 11})
		var rec recorder
		s.OnEvent(rec.listen)
		setup(s)
		require.NoError(t, s.StartServers(3, ServerOptions{}))
		_, err := s.ClientRequest(raft.None, set("a", "1"))
		require.NoError(t, err)
		s.Run(time.Second)
		return rec.text()
	}
	base := run(func(*Sim) {})
	// Setting the default explicitly, or faults with probability 0, or a
	// fault model that is then reset, draws exactly the same numbers.
	for name, setup := range map[string]func(*Sim){
		"explicit": func(s *Sim) { require.NoError(t, s.SetNet(mustRule(t, "latency", "5ms-15ms", "dist", "uniform"))) },
		"zero":     func(s *Sim) { require.NoError(t, s.SetNet(mustRule(t, "loss", "0", "dup", "0", "reorder", "0"))) },
		"reset":    func(s *Sim) { require.NoError(t, s.SetNet(mustRule(t, "loss", "0.5"))); s.ResetNet() },
		"fsync 0":  func(s *Sim) { require.NoError(t, s.SetFsync(raft.None, 0)) },
	} {
		got := run(setup)
		// The setup itself leaves a network or disk line in the trace.
		require.Equal(t, base, dropSetupLines(got), name)
	}
}

// dropSetupLines removes the trace lines of model changes made before the
// servers started.
func dropSetupLines(trace string) string {
	lines := strings.Split(trace, "\n")
	for len(lines) > 0 && (strings.HasPrefix(lines[0], "0 network") || strings.HasPrefix(lines[0], "0 disk")) {
		lines = lines[1:]
	}
	return strings.Join(lines, "\n")
}

func TestNetHealKeepsTheModel(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	require.NoError(t, s.SetNet(mustRule(t, "loss", "1")))
	require.NoError(t, s.SetLinkNet(0, 1, true, mustRule(t, "latency", "1ms")))
	require.NoError(t, s.Cut(0, 2, false))
	s.Heal()
	v := s.Net()
	assert.Equal(t, 1.0, v.Global.Loss, "heal restores links, not the model")
	assert.Len(t, v.Links, 2)
	r := traffic(t, s, 0, 2, 10, time.Millisecond)
	assert.Equal(t, 10, r.dropped["loss"], "the cut is healed, the loss stays")
	s.ResetNet()
	v = s.Net()
	assert.Equal(t, NetModel{LatencyMin: DefaultLatencyMin, LatencyMax: DefaultLatencyMax}, v.Global)
	assert.Empty(t, v.Links)
}

func TestNetTraceSaysWhy(t *testing.T) {
	s, _ := newCluster(t, 1, 3)
	require.NoError(t, s.SetNet(mustRule(t, "loss", "0.5", "dup", "0.5")))
	var drops, dups, changes int
	s.OnEvent(func(e TraceEvent) {
		switch {
		case e.Kind == EvDrop && e.Reason == "loss":
			drops++
		case e.Kind == EvSend && e.Reason == "duplicate":
			dups++
		case e.Kind == EvPartition && e.Reason == "net 0->1 latency=1ms":
			changes++
		}
	})
	require.NoError(t, s.SetLinkNet(0, 1, false, mustRule(t, "latency", "1ms")))
	s.Run(time.Second)
	assert.Positive(t, drops)
	assert.Positive(t, dups)
	assert.Equal(t, 1, changes)
}

func TestNetBadInput(t *testing.T) {
	for _, c := range []struct{ key, value, err string }{
		{"loss", "1.5", "loss must be between 0 and 1, got 1.5"},
		{"loss", "-0.1", "loss must be between 0 and 1, got -0.1"},
		{"dup", "150%", "dup must be between 0 and 1, got 1.5"},
		{"reorder", "often", `reorder must be a probability between 0 and 1 (like 0.1 or 10%), got "often"`},
		{"loss", "NaN", "loss must be a probability"},
		{"latency", "15ms-5ms", "latency minimum 15ms is above its maximum 5ms"},
		{"latency", "-5ms", "latency must not be negative"},
		{"latency", "5ms-", `latency: bad duration ""`},
		{"latency", "fast", `latency: bad duration "fast"`},
		{"latency", "1ms-48h", "latency maximum 48h0m0s is too long"},
		{"latency", "1e300", "latency: 1e300 ms is out of range"},
		{"dist", "normal", `dist must be uniform or exp, got "normal"`},
		{"longdelay", "0.1", "longdelay needs a range: P:MIN-MAX"},
		{"longdelay", "2:1s-2s", "longdelay must be between 0 and 1, got 2"},
		{"longdelay", "0.1:2s-1s", "longdelay minimum 2s is above its maximum 1s"},
		{"jitter", "1ms", `unknown setting "jitter" (settings: loss, dup, latency, dist, reorder, longdelay)`},
	} {
		var r NetRule
		assert.ErrorContains(t, ParseNetSetting(&r, c.key, c.value), c.err, "%s=%s", c.key, c.value)
	}
	s, _ := newCluster(t, 1, 3)
	bad := NetRule{Set: NetLoss, Model: NetModel{Loss: 2}}
	assert.EqualError(t, s.SetNet(bad), "net: loss must be between 0 and 1, got 2")
	assert.EqualError(t, s.SetLinkNet(0, 1, false, bad), "net 0->1: loss must be between 0 and 1, got 2")
	assert.ErrorIs(t, s.SetLinkNet(0, 9, true, NetRule{}), ErrNoSuchServer)
	assert.EqualError(t, s.SetLinkNet(1, 1, false, NetRule{}), "net 1->1: a link joins two different servers")
	assert.ErrorIs(t, s.ClearLinkNet(7, 1, false), ErrNoSuchServer)
	assert.Equal(t, NetModel{LatencyMin: DefaultLatencyMin, LatencyMax: DefaultLatencyMax}, s.Net().Global, "errors change nothing")
}

func TestNetRuleTextRoundTrip(t *testing.T) {
	r := mustRule(t, "loss", "0.1", "dup", "5%", "latency", "2ms-1.5s", "dist", "exp", "reorder", "0.25", "longdelay", "0.01:100us-2s")
	text := r.String()
	assert.Equal(t, "loss=0.1 dup=0.05 latency=2ms-1.5s dist=exp reorder=0.25 longdelay=0.01:100us-2s", text)
	var back NetRule
	for _, kv := range strings.Fields(text) {
		k, v, _ := strings.Cut(kv, "=")
		require.NoError(t, ParseNetSetting(&back, k, v))
	}
	assert.Equal(t, r, back)
	assert.Equal(t, "latency=7ms", mustRule(t, "latency", "7").String(), "a bare number is milliseconds")
	assert.Equal(t, "longdelay=0", mustRule(t, "longdelay", "0").String())
}
