package session

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/repl/render"
	"raftsim/sim"
)

// staleSession builds the stale read by hand: S0..S2 with the planted bug,
// a = 1, the leader cut off, a = 2 through the new leader, then an ro
// read at the old leader.
func staleSession(t *testing.T, bug string) (*Session, render.Result) {
	t.Helper()
	s := New(Options{Seed: 1})
	// Figure 2 alone: with check-quorum the old leader steps down about when
	// the new one is elected, so it would refuse the read whatever the bug.
	execOK(t, s, "startServers 3 classic bug="+bug)
	execOK(t, s, "old = getLeaderId")
	execOK(t, s, "clientRequest set a 1")
	execOK(t, s, "partition $old")
	execOK(t, s, "until leader")
	execOK(t, s, "clientRequest set a 2")
	execOK(t, s, "run 10ms") // the read starts strictly after the write returned
	r := s.Exec("clientRequest $old get a ro")
	return s, r
}

func TestExecCheckHealthy(t *testing.T) {
	s, _ := cluster(t)
	r := execOK(t, s, "check")
	assert.Equal(t, "✓ safety: no Raft safety property broken so far\n✓ linearizability: no client operations yet (clientRequest and load record them)\n", (&render.Renderer{}).Text(r))
	r = execOK(t, s, "expect linearizable")
	assert.Equal(t, "no client operations yet (nothing to contradict)", r.Value.(render.Expectation).Found)

	execOK(t, s, "load for=2s")
	execOK(t, s, "run 2s")
	execOK(t, s, "until idle")
	r = execOK(t, s, "check")
	assert.Regexp(t, `^✓ safety: no Raft safety property broken so far\n✓ linearizability: linearizable \(\d+ operations on 3 keys\)\n$`, (&render.Renderer{}).Text(r))
	r = execOK(t, s, "expect linearizable")
	assert.True(t, r.Value.(render.Expectation).Held)
	execErr(t, s, "check now", "check: takes no arguments")
	execErr(t, s, "expect linearizable k0", "too many arguments")

	got := tMs.ReplaceAllString(jsonOf(s, "check"), `"t_ms":T`)
	assert.Regexp(t, `^\{"cmd":"check","t_ms":T,"ok":true,"result":\{"safe":true,"violations":\[\],"linearizable":true,"verdict":"linearizable","operations":\d+,"pending":0,"keys":3,"bad_keys":\[\],"windows":\d+,"undecided":\[\]\}\}\n$`, got)
}

func TestExecCheckCatchesStaleRead(t *testing.T) {
	s, r := staleSession(t, "stale-read")
	require.True(t, r.OK)
	assert.Equal(t, "1", string(r.Value.(render.Reply).Resp.Result), "the old leader answers from its own state")

	r = s.Exec("check")
	assert.False(t, r.OK, "a violation fails the command")
	assert.NoError(t, r.Err)
	text := (&render.Renderer{}).Text(r)
	assert.Contains(t, text, "✓ safety: no Raft safety property broken so far\n✗ linearizability: not linearizable on key a: `get a -> 1` (client 1000, ")
	assert.Contains(t, text, "a stale read: 1 had been overwritten by `set a 2`")
	assert.Contains(t, text, "export history FILE.html shows it")

	r = execErr(t, s, "expect linearizable", "expect linearizable: expected a linearizable client history, found not linearizable on key a")
	assert.False(t, r.Value.(render.Expectation).Held)

	got := tMs.ReplaceAllString(jsonOf(s, "check"), `"t_ms":T`)
	var line struct {
		OK     bool
		Error  string
		Result map[string]any
	}
	require.NoError(t, json.Unmarshal([]byte(strings.Replace(got, `"t_ms":T`, `"t_ms":0`, 1)), &line), got)
	assert.False(t, line.OK)
	assert.Equal(t, "failed", line.Error, "the renderer's word for a command that did not hold")
	assert.Equal(t, false, line.Result["linearizable"])
	assert.Equal(t, "not linearizable", line.Result["verdict"])
	assert.Equal(t, []any{"a"}, line.Result["bad_keys"])
	assert.Contains(t, line.Result["explanation"], "a stale read")

	// The correct Raft: the old leader cannot confirm its leadership, the
	// read times out, and the history stays linearizable.
	s, r = staleSession(t, "none")
	assert.Equal(t, "TIMEOUT", string(r.Value.(render.Reply).Resp.Status))
	r = execOK(t, s, "check")
	assert.Contains(t, (&render.Renderer{}).Text(r), "✓ linearizability: linearizable (2 operations on 1 key)", "the read that timed out tells nothing")
}

func TestExecExportHistory(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "h.html")
	s, lid := cluster(t)
	execErr(t, s, "export history "+f, "export history: no client operations recorded yet")
	execOK(t, s, "load for=1s")
	execOK(t, s, "run 500ms")
	execOK(t, s, "crash "+itoa((lid+1)%3))
	execOK(t, s, "partition "+itoa(lid))
	execOK(t, s, "run 500ms")
	execOK(t, s, "heal")
	r := execOK(t, s, "export history "+f)
	assert.Regexp(t, `^wrote .*h\.html: the client history and the order the check found for each key, linearizable \(\d+ operations on 3 keys(, \d+ without a reply)?\); open it in a browser\n$`, (&render.Renderer{}).Text(r))
	b, err := os.ReadFile(f)
	require.NoError(t, err)
	html := string(b)
	assert.Contains(t, html, "<html")
	assert.Contains(t, html, `"mode":"history"`)
	assert.Contains(t, html, "partition "+itoa(lid))
	assert.Contains(t, html, "S"+itoa((lid+1)%3)+" crashed")
	assert.Contains(t, html, `"name":"client 1000"`)

	got := jsonOf(s, "export history "+f)
	assert.Contains(t, got, `"result":{"what":"history","file":"`+f+`","detail":"the client history and the order the check found for each key, linearizable (`)

	execErr(t, s, "export history "+filepath.Join(dir, "no", "such", "dir.html"), "export history: cannot write "+filepath.Join(dir, "no", "such", "dir.html")+": no such file or directory")
	execErr(t, s, "export history", "export: give what and a file")
	execErr(t, s, "export histroy x.html", `cannot export "histroy" (did you mean history?`)
	execErr(t, s, "export history a b", "give what and a file")
	execErr(t, s, "export", "usage: export timeline FILE.html | export history FILE.html | export trace FILE.jsonl")
}

// TestExecExportTimeline: the timeline needs no trace on, and says what
// it drew.
func TestExecExportTimeline(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "t.html")
	execErr(t, New(Options{Seed: 1}), "export timeline "+f, "export timeline: no servers yet")
	s, lid := cluster(t)
	execOK(t, s, "clientRequest set a 1")
	execOK(t, s, "crash "+itoa(lid))
	execOK(t, s, "run 1s")
	r := execOK(t, s, "export timeline "+f)
	assert.Regexp(t, `^wrote .*t\.html: \d+ events of 3 servers from t=0\.000s to t=\d+\.\d+s; open it in a browser\n$`, (&render.Renderer{}).Text(r))
	b, err := os.ReadFile(f)
	require.NoError(t, err)
	page := string(b)
	assert.Contains(t, page, "<canvas")
	assert.Contains(t, page, `"name":"S`+itoa(lid)+`"`)
	assert.Contains(t, page, "S"+itoa(lid)+" crashed")
	got := jsonOf(s, "export timeline "+f)
	assert.Contains(t, got, `"result":{"what":"timeline","file":"`+f+`","detail":"`)
	execErr(t, s, "export timelin x.html", `cannot export "timelin" (did you mean timeline?`)
}

// TestExecTraceAndExportTrace: the trace is always recorded, so export
// trace needs no trace on, and writes every event of the run.
func TestExecTraceAndExportTrace(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "t.jsonl")
	s, lid := cluster(t)
	execOK(t, s, "clientRequest set a 1")
	execOK(t, s, "crash "+itoa((lid+1)%3))
	execOK(t, s, "run 100ms")
	n := s.sim.TraceStats().Kept
	r := execOK(t, s, "trace")
	assert.Equal(t, fmt.Sprintf("trace: %d events kept, the whole run (the newest 200000 are kept)\n", n), (&render.Renderer{}).Text(r))
	r = execOK(t, s, "trace on")
	assert.Contains(t, (&render.Renderer{}).Text(r), "it is always on")
	assert.Empty(t, execOK(t, s, "run 10ms").Events, "the trace does not turn debug output on")

	n = s.sim.TraceStats().Kept
	r = execOK(t, s, "export trace "+f)
	assert.Regexp(t, `^wrote .*t\.jsonl: \d+ events from t=0\.000s, one JSON object a line\n$`, (&render.Renderer{}).Text(r))
	fh, err := os.Open(f)
	require.NoError(t, err)
	defer fh.Close()
	kinds := map[string]int{}
	lines := 0
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		var ev map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ev), sc.Text())
		for _, k := range []string{"t_ms", "kind", "what", "node", "peer", "text"} {
			assert.Contains(t, ev, k)
		}
		kinds[ev["kind"].(string)]++
		if ev["kind"] == "client-call" && kinds["client-call"] == 1 {
			msg := ev["msg"].(map[string]any)
			assert.Equal(t, map[string]any{"op": "set", "key": "a", "value": 1.0, "clientId": 1000.0, "seq": 1.0}, msg["cmd"])
		}
		if ev["kind"] == "raft" {
			assert.Contains(t, ev, "raft")
		}
		lines++
	}
	assert.Equal(t, n, lines)
	for _, k := range []string{"client-call", "client-reply", "send", "deliver", "raft", "crash"} {
		assert.Positive(t, kinds[k], "kind %s: %v", k, kinds)
	}

	execErr(t, s, "trace off", "the trace cannot be turned off")
	execErr(t, s, "trace maybe", `trace: "maybe" is not on`)
	execErr(t, s, "trace on off", "unexpected arguments")
	execErr(t, s, "export trace "+filepath.Join(dir, "x", "t.jsonl"), "no such file or directory")
	execOK(t, s, "reset")
	assert.Zero(t, s.sim.TraceStats().Kept, "the old cluster's trace goes with it")

	u := New(Options{Seed: 1, Untraced: true})
	execOK(t, u, "startServers 3")
	execOK(t, u, "run 1s")
	assert.Equal(t, sim.TraceStats{}, u.sim.TraceStats(), "an untraced session records nothing")
	execOK(t, u, "reset")
	assert.Equal(t, sim.TraceStats{}, u.sim.TraceStats(), "nor after a reset")
}
