package session

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/repl/render"
	"raftsim/sim"
)

func TestExecLoad(t *testing.T) {
	s := New(Options{Seed: 1})
	execErr(t, s, "load", "load: no servers yet", "startServers 3")
	execErr(t, s, "load status", "no load has been started")
	s, _ = cluster(t)
	r := execOK(t, s, "load clients=5 rate=100/s keys=2 for=2s mix=1:2:1")
	v := r.Value.(render.LoadShown)
	assert.Equal(t, sim.LoadOptions{Clients: 5, Rate: 100, Keys: 2, Duration: 2 * time.Second, Mix: [3]int{1, 2, 1}}, v.St.LoadOptions)
	assert.True(t, v.St.Running)
	text := (&render.Renderer{}).Text(r)
	assert.Contains(t, text, "load: 5 clients, 100/s, keys k0..k1, set:get:cas 1:2:1 (gets half ro, half through the log) from t=")
	assert.Contains(t, text, "the clients work as time advances (run 2s)")
	execErr(t, s, "load", "a load is already running until t=", "load stop")

	execOK(t, s, "run 1s")
	r = execOK(t, s, "load status")
	assert.Regexp(t, `^load running until t=\d+\.\d{3}s: 5 clients, .*; \d+ operations started, \d+ answered, \d+ pending; \d+ resends? \(redirects and retries\)\n$`, (&render.Renderer{}).Text(r))
	r = execOK(t, s, "load stop")
	assert.Contains(t, (&render.Renderer{}).Text(r), "load stopped at t=")
	r = execOK(t, s, "load stop")
	assert.Contains(t, (&render.Renderer{}).Text(r), "load over at t=", "stopping a stopped load says so")
	execOK(t, s, "until idle")
	issued := s.Sim().History()
	assert.NotEmpty(t, issued)

	// Defaults, and the other spellings of rate.
	s, _ = cluster(t)
	v = execOK(t, s, "load").Value.(render.LoadShown)
	assert.Equal(t, sim.LoadOptions{Clients: 3, Rate: 50, Keys: 3, Duration: 5 * time.Second, Mix: [3]int{1, 1, 1}}, v.St.LoadOptions)
	execOK(t, s, "load stop")
	v = execOK(t, s, "load rate=600/m for=500ms keys=1").Value.(render.LoadShown)
	assert.Equal(t, 10.0, v.St.Rate)
	assert.Equal(t, 500*time.Millisecond, v.St.Duration)
	assert.Contains(t, (&render.Renderer{}).Text(render.Result{Value: v}), "key k0,")
	execOK(t, s, "load stop")
	v = execOK(t, s, "load rate=2.5").Value.(render.LoadShown)
	assert.Equal(t, 2.5, v.St.Rate)
}

func TestExecLoadErrors(t *testing.T) {
	s, _ := cluster(t)
	for line, want := range map[string]string{
		"load clients=0":       "the number of clients 0 is out of range (1 to 1000)",
		"load clients=x":       "must be a whole number",
		"load keys=0":          "the number of keys 0 is out of range",
		"load rate=fast":       `bad rate "fast"`,
		"load rate=0":          "bad rate 0",
		"load rate=5/h":        `bad rate "5/h"`,
		"load for=-1s":         "must be positive",
		"load for=100h":        "too long",
		"load mix=1:1":         "three weights set:get:cas",
		"load mix=1:x:1":       `"x" is not a weight`,
		"load mix=0:0:0":       "cannot all be 0",
		"load mix=1:-1:1":      `"-1" is not a weight`,
		"load colour=red":      `unknown option "colour"`,
		"load clinets=3":       "did you mean clients?",
		"load foo":             `unexpected "foo"`,
		"load status now":      `unexpected "status"`,
		"load clients=2 stop ": `unexpected "stop"`,
		"load loop=half":       `bad loop "half" (loop=closed: each client waits for its answer`,
		"load lop=open":        "did you mean loop?",
	} {
		execErr(t, s, line, want)
	}
	_, ok := s.Sim().Load()
	assert.False(t, ok, "no bad line started a load")
}

func TestExecHistory(t *testing.T) {
	s, lid := cluster(t)
	r := execOK(t, s, "history")
	assert.Equal(t, "no client operations yet (clientRequest and load record them)\n", (&render.Renderer{}).Text(r))
	execOK(t, s, "clientRequest set a 1")
	execOK(t, s, "clientRequest get a ro")
	execOK(t, s, "clientRequest cas a 1 2")
	execOK(t, s, "clientRequest "+itoa((lid+1)%3)+" del a")
	r = execOK(t, s, "history")
	lines := strings.Split(strings.TrimSpace((&render.Renderer{}).Text(r)), "\n")
	require.Len(t, lines, 6, (&render.Renderer{}).Text(r))
	assert.Equal(t, "4 operations recorded, 0 pending", lines[0])
	assert.Regexp(t, `^call\s+return\s+client\s+seq\s+operation\s+status\s+result$`, lines[1])
	assert.Regexp(t, `^\d\.\d{3}s\s+\d\.\d{3}s\s+1000\s+1\s+set a 1\s+success$`, lines[2])
	assert.Regexp(t, `\s+1000\s+2\s+get a ro\s+success\s+1$`, lines[3])
	assert.Regexp(t, `\s+1000\s+3\s+cas a 1 2\s+success\s+true$`, lines[4])
	assert.Regexp(t, `\s+1000\s+4\s+del a\s+NOT_LEADER$`, lines[5])

	r = execOK(t, s, "history 2")
	assert.True(t, strings.HasPrefix((&render.Renderer{}).Text(r), "the last 2 of 4 operations recorded, 0 pending\n"))
	assert.Len(t, r.Value.(render.HistoryShown).Ops, 2)
	assert.Len(t, execOK(t, s, "history all").Value.(render.HistoryShown).Ops, 4)
	assert.Len(t, execOK(t, s, "history 100").Value.(render.HistoryShown).Ops, 4)
	execErr(t, s, "history 0", "out of range")
	execErr(t, s, "history -3", "out of range")
	execErr(t, s, "history x", `must be a whole number, not "x" (try history 50, or history all)`)
	execErr(t, s, "history 1 2", "too many arguments")

	// A pending operation: a load whose clients cannot be answered.
	execOK(t, s, "crash "+itoa((lid+1)%3))
	execOK(t, s, "crash "+itoa((lid+2)%3))
	execOK(t, s, "load clients=1 for=1s")
	execOK(t, s, "run 2s")
	r = execOK(t, s, "history 1")
	text := (&render.Renderer{}).Text(r)
	assert.Regexp(t, `the last 1 of 5 operations recorded, 1 pending\n.*\n\d\.\d{3}s\s+-\s+1001\s+1\s+\w+ k\d.*\s+pending\n$`, text)
}

func TestExecHistoryJSON(t *testing.T) {
	s, _ := cluster(t)
	execOK(t, s, "clientRequest set a 1")
	execOK(t, s, "clientRequest cas a 1 'x'")
	execOK(t, s, "clientRequest get a ro")
	got := jsonOf(s, "history")
	var line struct {
		OK     bool
		Result []map[string]any
	}
	require.NoError(t, json.Unmarshal([]byte(got), &line), got)
	require.Len(t, line.Result, 3)
	first := line.Result[0]
	assert.Equal(t, 1000.0, first["client"])
	assert.Equal(t, 1.0, first["seq"])
	assert.Equal(t, "set", first["op"])
	assert.Equal(t, 1.0, first["value"])
	assert.Equal(t, "success", first["status"])
	assert.Equal(t, 1.0, first["result"])
	assert.Greater(t, first["return_ms"], first["call_ms"])
	assert.Equal(t, map[string]any{"client": 1000.0, "seq": 2.0, "op": "cas", "key": "a", "old": 1.0, "value": "x",
		"call_ms": line.Result[1]["call_ms"], "return_ms": line.Result[1]["return_ms"], "status": "success", "result": true}, line.Result[1])
	assert.Equal(t, true, line.Result[2]["ro"])
	assert.Equal(t, "x", line.Result[2]["result"])

	// The exact bytes of a pending operation.
	s2, lid := cluster(t)
	execOK(t, s2, "crash "+itoa((lid+1)%3))
	execOK(t, s2, "crash "+itoa((lid+2)%3))
	execOK(t, s2, "load clients=1 for=1s mix=1:0:0")
	execOK(t, s2, "run 1s")
	got = jsonOf(s2, "history 1")
	assert.Regexp(t, `^\{"cmd":"history 1","t_ms":[0-9.]+,"ok":true,"result":\[\{"client":1000,"seq":1,"op":"set","key":"k\d","value":1000000001,"call_ms":[0-9.]+,"return_ms":null,"status":"pending","result":null\}\]\}\n$`, got)

	got = tMs.ReplaceAllString(jsonOf(s2, "load status"), `"t_ms":T`)
	assert.Regexp(t, `^\{"cmd":"load status","t_ms":T,"ok":true,"result":\{"action":"status","clients":\[1000\],"rate":50,"keys":3,"for_ms":1000,"mix":\{"set":1,"get":0,"cas":0\},"start_ms":[0-9.]+,"end_ms":[0-9.]+,"running":false,"issued":1,"answered":0,"pending":1,"resends":0,"loop":"closed","max_clients":1,"dropped":0\}\}\n$`, got)
}

func TestCompleterWorkloadCommands(t *testing.T) {
	s, _ := cluster(t)
	complete := completions(s)
	assert.Equal(t, []string{"load clients="}, complete("load cl"), "no space after =: the value follows")
	assert.Contains(t, complete("load "), "load stop ")
	assert.Equal(t, []string{"export timeline ", "export history ", "export trace "}, complete("export "))
	assert.Equal(t, []string{"trace on "}, complete("trace o"))
	assert.Equal(t, []string{"history all "}, complete("history a"))
	assert.Equal(t, []string{"expect linearizable "}, complete("expect lin"))
}

// A load that cannot reach its rate says so: each client has one
// operation at a time (issue 8: 4 clients topped out near 98/s silently).
func TestLoadSaysWhenTheRateIsOutOfReach(t *testing.T) {
	s, _ := cluster(t)
	r := execOK(t, s, "load clients=1 rate=200/s for=3s")
	text := (&render.Renderer{}).Text(r)
	assert.Contains(t, text, "a closed loop")
	assert.Contains(t, text, "clients=9")
	execOK(t, s, "run 2s")
	text = (&render.Renderer{}).Text(execOK(t, s, "load status"))
	assert.Contains(t, text, "of the about 400 operations 200/s asks for in 2s were started")
	assert.Contains(t, text, "more clients (clients=9) come closer")

	s, _ = cluster(t)
	text = (&render.Renderer{}).Text(execOK(t, s, "load clients=3 rate=30/s for=3s"))
	assert.NotContains(t, text, "closed loop", "a rate the clients can reach")
	execOK(t, s, "run 2s")
	assert.NotContains(t, (&render.Renderer{}).Text(execOK(t, s, "load status")), "only")
}

// TestExecLoadOpenLoop: loop=open keeps the rate whatever the answers
// and says what it dropped; the JSON says which loop it is.
func TestExecLoadOpenLoop(t *testing.T) {
	s, _ := cluster(t)
	r := execOK(t, s, "load rate=500/s for=2s loop=open clients=5")
	v := r.Value.(render.LoadShown)
	assert.Equal(t, sim.LoadOptions{Clients: 5, Rate: 500, Keys: 3, Duration: 2 * time.Second, Mix: [3]int{1, 1, 1}, Open: true}, v.St.LoadOptions)
	text := (&render.Renderer{}).Text(r)
	assert.Contains(t, text, "load: open loop, 500/s arriving whatever the answers, at most 5 in flight, keys k0..k2")
	assert.NotContains(t, text, "closed loop", "an open loop is never short of clients to start")
	execOK(t, s, "run 2s")
	text = (&render.Renderer{}).Text(execOK(t, s, "load status"))
	assert.Regexp(t, `\d+ arrivals dropped: they arrived while all 5 clients were busy`, text)
	assert.NotContains(t, text, "only")
	var line struct {
		Result struct {
			Loop       string `json:"loop"`
			MaxClients int    `json:"max_clients"`
			Dropped    int    `json:"dropped"`
			Issued     int    `json:"issued"`
		}
	}
	got := jsonOf(s, "load status")
	require.NoError(t, json.Unmarshal([]byte(got), &line), got)
	j := line.Result
	assert.Equal(t, "open", j.Loop)
	assert.Equal(t, 5, j.MaxClients)
	assert.Positive(t, j.Dropped)
	// Every arrival of 500/s for 2s started or was dropped.
	assert.InDelta(t, 1000, j.Issued+j.Dropped, 4*32)

	s, _ = cluster(t)
	v = execOK(t, s, "load loop=open").Value.(render.LoadShown)
	assert.Equal(t, sim.DefaultOpenClients, v.St.LoadOptions.Clients)
	execOK(t, s, "load stop")
	v = execOK(t, s, "load loop=closed").Value.(render.LoadShown)
	assert.False(t, v.St.Open)
}
