package session

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/repl/render"
)

// pending lists messages and timers soonest first, in text and as the
// JSON list of {"id", "kind", "due_ms", ...}; deliver, drop and timeout
// act on what it lists and never move the clock.
func TestPendingDeliverDropTimeout(t *testing.T) {
	s := New(Options{Seed: 1})
	execOK(t, s, "startServers 3 classic")
	execOK(t, s, "timeout 1")
	p := execOK(t, s, "pending").Value.(render.Pending)
	require.Len(t, p.Items, 5, "two vote requests, three timers")
	for i := 1; i < len(p.Items); i++ {
		assert.LessOrEqual(t, p.Items[i-1].Due, p.Items[i].Due)
	}

	var b strings.Builder
	(&render.Renderer{W: &b, JSON: true}).Render(s.Exec("pending"))
	var line struct {
		Result []map[string]any `json:"result"`
	}
	require.NoError(t, json.Unmarshal([]byte(b.String()), &line))
	require.Len(t, line.Result, 5)
	kinds := map[string]int{}
	for _, it := range line.Result {
		kinds[it["kind"].(string)]++
		assert.Contains(t, it, "id")
		assert.Contains(t, it, "due_ms")
		if it["kind"] == "message" {
			assert.Equal(t, "RequestVote", it["type"])
			assert.EqualValues(t, 1, it["from"])
		}
	}
	assert.Equal(t, map[string]int{"message": 2, "timer": 3}, kinds)

	r := execOK(t, s, "deliver 1->0")
	assert.Contains(t, (&render.Renderer{}).Text(r), "S0 voted for S1 in term 1", "a delivery shows what it caused")
	execOK(t, s, "drop 1->2")
	execErr(t, s, "drop 1->2", "no message in flight from 1 to 2")
	execErr(t, s, "deliver 99999", "no message 99999 in flight")
	execErr(t, s, "deliver x", "not a message id or a link")
	execOK(t, s, "deliver 0->1")
	r = execOK(t, s, "timeout 1")
	assert.Contains(t, r.Value.(render.Handled).Text, "heartbeat timer fired", "S1 leads: its timer is its heartbeat")
	execOK(t, s, "crash 2")
	execErr(t, s, "timeout 2", "server 2 is down")
	assert.Zero(t, s.Sim().Now(), "nothing moved the clock")
}
