package render_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/check"
	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/repl/session"
)

func TestJSONExactBytes(t *testing.T) {
	s := session.New(session.Options{Seed: 1})
	assert.Equal(t, `{"cmd":"startServers 3","t_ms":0,"ok":true,"result":[0,1,2]}`+"\n", jsonOf(s, "startServers 3"))
	assert.Equal(t, `{"cmd":"crash 7","t_ms":0,"ok":false,"error":"crash: server 7 does not exist (servers: 0, 1, 2)","result":null}`+"\n", jsonOf(s, "crash 7"))
	assert.Equal(t, `{"cmd":"getAll log 0","t_ms":0,"ok":true,"result":[]}`+"\n", jsonOf(s, "getAll log 0"))
	assert.Equal(t, `{"cmd":"cut 0->1","t_ms":0,"ok":true,"result":"cut 0->1 (heal restores it)"}`+"\n", jsonOf(s, "cut 0->1"), "no HTML escaping")
	jsonOf(s, "heal")

	lid := jsonOf(s, "lid = getLeaderId")
	assert.Regexp(t, `^\{"cmd":"lid = getLeaderId","t_ms":[0-9.]+,"ok":true,"result":0\}\n$`, lid)

	got := tMs.ReplaceAllString(jsonOf(s, "clientRequest $lid set a 1"), `"t_ms":T`)
	assert.Equal(t, `{"cmd":"clientRequest $lid set a 1","t_ms":T,"ok":true,"result":{"status":"success","result":1,"leaderHint":null}}`+"\n", got)
	jsonOf(s, "addServer 3")
	jsonOf(s, `clientRequest set b "x"`)

	got = tMs.ReplaceAllString(jsonOf(s, "getAll log 0"), `"t_ms":T`)
	assert.Equal(t, `{"cmd":"getAll log 0","t_ms":T,"ok":true,"result":[`+
		`{"index":1,"term":1,"command":{"op":"noop"}},`+
		`{"index":2,"term":1,"command":{"op":"set","key":"a","value":1}},`+
		`{"index":3,"term":1,"command":{"op":"config","servers":[0,1,2,3]}},`+
		`{"index":4,"term":1,"command":{"op":"set","key":"b","value":"x"}}]}`+"\n", got)

	got = tMs.ReplaceAllString(jsonOf(s, "getAll stateMachine"), `"t_ms":T`)
	assert.Equal(t, `{"cmd":"getAll stateMachine","t_ms":T,"ok":true,"result":{"0":{"a":1,"b":"x"},"1":{"a":1,"b":"x"},"2":{"a":1,"b":"x"},"3":{"a":1,"b":"x"}}}`+"\n", got)
	got = tMs.ReplaceAllString(jsonOf(s, "getAll currentTerm 2"), `"t_ms":T`)
	assert.Equal(t, `{"cmd":"getAll currentTerm 2","t_ms":T,"ok":true,"result":1}`+"\n", got)
	got = tMs.ReplaceAllString(jsonOf(s, "getAll nextIndex"), `"t_ms":T`)
	assert.Equal(t, `{"cmd":"getAll nextIndex","t_ms":T,"ok":true,"result":{"0":{"0":5,"1":5,"2":5,"3":5},"1":null,"2":null,"3":null}}`+"\n", got)

	got = tMs.ReplaceAllString(jsonOf(s, "status"), `"t_ms":T`)
	assert.Equal(t, `{"cmd":"status","t_ms":T,"ok":true,"result":[`+
		`{"id":0,"state":"leader","currentTerm":1,"votedFor":0,"commitIndex":4,"lastApplied":4,"logLength":4,"up":true,"membership":"member","group":null,"majority":true},`+
		`{"id":1,"state":"follower","currentTerm":1,"votedFor":0,"commitIndex":4,"lastApplied":4,"logLength":4,"up":true,"membership":"member","group":null},`+
		`{"id":2,"state":"follower","currentTerm":1,"votedFor":0,"commitIndex":4,"lastApplied":4,"logLength":4,"up":true,"membership":"member","group":null},`+
		`{"id":3,"state":"follower","currentTerm":1,"votedFor":null,"commitIndex":4,"lastApplied":4,"logLength":4,"up":true,"membership":"member","group":null}]}`+"\n", got)

	got = tMs.ReplaceAllString(jsonOf(s, "expect leader 2"), `"t_ms":T`)
	assert.Equal(t, `{"cmd":"expect leader 2","t_ms":T,"ok":false,"error":"expect leader 2: expected S2 to be the leader, found S0 is leader in term 1","result":{"held":false,"expected":"S2 to be the leader","found":"S0 is leader in term 1"}}`+"\n", got)
}

func TestJSONEventsAreLinesOfTheirOwn(t *testing.T) {
	s := session.New(session.Options{Seed: 1})
	jsonOf(s, "startServers 3 debug")
	out := jsonOf(s, "getLeaderId")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Greater(t, len(lines), 3)
	for i, l := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		if i < len(lines)-1 {
			assert.Contains(t, m, "event")
			assert.Contains(t, m, "text")
		} else {
			assert.Equal(t, "getLeaderId", m["cmd"])
		}
	}
}

func TestTextRendering(t *testing.T) {
	s := session.New(session.Options{Seed: 1})
	r := &render.Renderer{}
	assert.Equal(t, "started servers 0, 1, 2\n", r.Text(s.Exec("startServers 3")))
	assert.Equal(t, "lid = 0\n", r.Text(s.Exec("lid = getLeaderId")))
	assert.Equal(t, "results:  { status: 'success', result: 'it''s', leaderHint: null }\n",
		strings.Replace(r.Text(s.Exec(`t.serverPool[lid].clientRequest({ op: "set", key: 'a', value: "it's" }, function(results) { console.log("results: ", results); });`)), `\'`, "''", 1))
	assert.Equal(t, "S0  { a: 'it\\'s' }\nS1  { a: 'it\\'s' }\nS2  { a: 'it\\'s' }\n", r.Text(s.Exec("getAll stateMachine")))
	assert.Equal(t, "error: crash: server 7 does not exist (servers: 0, 1, 2)\n", r.Text(s.Exec("crash 7")))
	assert.Equal(t, "✓ expect leader 0: S0 is leader in term 1\n", r.Text(s.Exec("expect leader 0")))

	colored := &render.Renderer{Color: true}
	assert.Contains(t, colored.Text(s.Exec("expect leader 0")), "\x1b[32m")
	assert.Contains(t, colored.Text(s.Exec("expect leader 1")), "\x1b[31")
	assert.NotContains(t, r.Text(s.Exec("status")), "\x1b[", "no colours unless asked")
}

func TestPrompt(t *testing.T) {
	s := session.New(session.Options{Seed: 1})
	assert.Equal(t, "raft t=0.000s L=none> ", s.Prompt())
	s.Exec("startServers 3")
	s.Exec("getLeaderId")
	assert.Regexp(t, `^raft t=0\.[0-9]{3}s L=0> $`, s.Prompt())
}

// snapshot is everything a user could see of the session's state.
func snapshot(s *session.Session) string {
	var b bytes.Buffer
	r := &render.Renderer{W: &b, JSON: true}
	for _, l := range []string{"status", "getAll log", "getAll stateMachine", "getAll config", "print", "seed", "debug"} {
		r.Render(s.ExecCommand(mustParseLine(l)))
	}
	return b.String()
}

func mustParseLine(l string) lang.Command {
	c, err := lang.Parse(l)
	if err != nil {
		panic(err)
	}
	return c
}

func TestGarbageYieldsOneErrorAndChangesNothing(t *testing.T) {
	s, _ := cluster(t)
	s.Exec("clientRequest set a 1")
	before := snapshot(s)
	garbage := []string{
		"\x00\x01\xff\xfe", string([]byte{0xc3, 0x28}), strings.Repeat("a", 1<<20), strings.Repeat("(", 100000),
		strings.Repeat("startServers ", 10000), "startServers " + strings.Repeat("9", 5000),
		"foo", "t.foo()", "startServer 3", "$", "= 5", "'", "{}", "[1,2]", "t.",
		"startServers -1", "startServers 100000", "startServers 1.5", "startServers 1e400", "startServers NaN",
		"run -5s", "run 0", "run 1e30", "run 3x", "run 9223372036854775807ns1", "step 1e12", "step -1", "step 0",
		"crash -1", "crash 1e300", "crash 2.5", "restart 0", "seed -1", "seed 1e99", "until committed -3",
		"until leader 0s", "getAll log 99", "getAll nope", "clientRequest 99 set a 1", "clientRequest sett a 1",
		"clientRequest set a", "clientRequest $nope get a", "partition 0 | 0", "partition 9", "cut 0->0", "cut 0-1",
		"expect value", "expect state 0 king", "addServer -3", "addServer 1e9", "removeServer 42", "debug maybe",
		"source /nonexistent", "source /", "help nosuch", "net loss=1.5", "net 0->0 loss=1", "disk 9 fsync=1ms", "export trace /nonexistent/x.jsonl", "trace off", "expect leader 9",
		"heal now", "status 1", "getLeaderId 1", "reset 1", "seed 1 2", "quit now",
	}
	for _, line := range garbage {
		for _, asJSON := range []bool{false, true} {
			var b bytes.Buffer
			res := s.Exec(line)
			(&render.Renderer{W: &b, JSON: asJSON}).Render(res)
			short := line
			if len(short) > 40 {
				short = short[:40] + "..."
			}
			assert.False(t, res.OK, "%q should fail", short)
			out := b.String()
			assert.Equal(t, 1, strings.Count(out, "\n"), "%q: one line, got %q", short, out)
			if asJSON {
				assert.True(t, json.Valid([]byte(out)), "%q: valid JSON", short)
			} else {
				assert.True(t, strings.HasPrefix(out, "error: "), "%q: %q", short, out)
			}
		}
	}
	assert.Equal(t, before, snapshot(s), "bad input must not change the cluster")
}

// jsonOf renders one line with --json.
func jsonOf(s *session.Session, line string) string {
	var b bytes.Buffer
	(&render.Renderer{W: &b, JSON: true}).Render(s.Exec(line))
	return b.String()
}

// tMs matches the virtual time of a JSON line, which tests blank out.
var tMs = regexp.MustCompile(`"t_ms":[0-9.]+`)

// cluster is a session whose 3 servers have elected a leader.
func cluster(t *testing.T) (*session.Session, raft.NodeID) {
	t.Helper()
	s := session.New(session.Options{Seed: 1})
	require.True(t, s.Exec("startServers 3").OK)
	r := s.Exec("lid = getLeaderId")
	l := r.Value.(render.Leader)
	require.True(t, l.Known)
	return s, l.ID
}

// logOf builds a log of n entries of term 1: a no-op, then writes.
func logOf(n int) render.LogValue {
	l := render.LogValue{{Index: 1, Term: 1, Kind: raft.EntryNoop}}
	for i := 2; i <= n; i++ {
		l = append(l, raft.Entry{Index: uint64(i), Term: 1, Cmd: &raft.Command{Op: raft.OpSet, Key: "k", Value: "1"}})
	}
	return l
}

// A long log is abbreviated in getAll log, and a long log equal to an
// earlier one says so (issue 8: 141 entries on 5 servers were 60 wrapped
// lines); short logs stay whole, to be compared by eye.
func TestGetAllLogAbbreviated(t *testing.T) {
	long, short := logOf(141), logOf(3)
	v := render.FieldValue{Field: "log", Rows: []render.FieldRow{
		{ID: 0, V: long, LastIndex: 141}, {ID: 1, V: long, LastIndex: 141}, {ID: 2, V: short, LastIndex: 3}, {ID: 3, V: short, LastIndex: 3},
	}}
	lines := strings.Split((&render.Renderer{}).Plain(v), "\n")
	require.Len(t, lines, 5)
	assert.Contains(t, lines[0], "... 133 more ...")
	assert.Equal(t, 9, strings.Count(lines[0], ", ")+1, "4 entries, the gap, 4 entries: %s", lines[0])
	assert.Equal(t, "S1  same as S0", lines[1])
	assert.NotContains(t, lines[3], "same as", "short logs stay whole")
	assert.Contains(t, lines[4], "getAll log ID shows one whole log")
}

// A range past the end of a log says so (issue 8: it said "[] (empty
// log)" of a log of 2 entries).
func TestGetAllLogRangePastTheEnd(t *testing.T) {
	s := session.New(session.Options{Seed: 1})
	s.Exec("startServers 3")
	s.Exec("clientRequest set a 1")
	r := (&render.Renderer{}).Plain(s.Exec("getAll log 0 5..9").Value)
	assert.Equal(t, "no entries in 5..9: the log of S0 ends at 2", r)
	r = (&render.Renderer{}).Plain(s.Exec("getAll log 5..9").Value)
	assert.Contains(t, r, "S1  [] (ends at 2)")
	assert.Equal(t, `{"cmd":"getAll log 0 5..9","t_ms":T,"ok":true,"result":[]}`+"\n", tMs.ReplaceAllString(jsonOf(s, "getAll log 0 5..9"), `"t_ms":T`))
}

// Servers 0..8 get nine different colours, none the bright twin of
// another (issue 8: S4-S6 were S0-S2 made bright).
func TestServerColoursDistinct(t *testing.T) {
	r := &render.Renderer{Color: true}
	seen := map[string]raft.NodeID{}
	for id := raft.NodeID(0); id < 9; id++ {
		var out bytes.Buffer
		r.W = &out
		s := session.New(session.Options{Seed: 1})
		res := s.Exec("print 1")
		res.Events = []render.EventLine{{Node: id, Text: "x"}}
		res.Value = nil
		r.Render(res)
		code := out.String()[strings.Index(out.String(), "\x1b"):strings.Index(out.String(), "x")]
		assert.Contains(t, code, "38;5;", "a 256-colour code")
		if prev, ok := seen[code]; ok {
			t.Errorf("S%d and S%d share colour %q", prev, id, code)
		}
		seen[code] = id
	}
}

// A linearizability check that could not decide fails, with the reason
// (issue 8: "unknown" exited 0).
func TestCheckUnknownFails(t *testing.T) {
	rep := render.CheckReport{Lin: check.Result{Verdict: check.Unknown, Ops: 9, Keys: 1,
		Undecided: []check.Undecided{{Key: "a", From: time.Second, To: 2 * time.Second, Ops: 9, Reason: "the search took more than 500000 steps"}}}}
	assert.True(t, rep.Failed())
	text := (&render.Renderer{}).Plain(rep)
	assert.Contains(t, text, "linearizability: no verdict (9 operations on 1 key): no violation found, but 1 stretch was not decided: key a from 1.000s to 2.000s (9 operations): the search took more than 500000 steps")
	assert.Contains(t, text, "an undecided check fails")
	assert.False(t, render.CheckReport{Lin: check.Result{Verdict: check.OK}}.Failed())
}

// A long list of started servers is shown by its ends and count.
func TestStartedShowsLongListsShort(t *testing.T) {
	ids := func(n int) []raft.NodeID {
		out := make([]raft.NodeID, n)
		for i := range out {
			out[i] = raft.NodeID(i)
		}
		return out
	}
	assert.Equal(t, "started servers 0, 1, 2", (&render.Renderer{}).Plain(render.Started{IDs: ids(3)}))
	assert.Equal(t, "started servers 0, 1, 2, ..., 999 (1000 servers)", (&render.Renderer{}).Plain(render.Started{IDs: ids(1000)}))
}

// getAll snapshot shows the whole configuration a snapshot records: the
// old voters of a joint change and the learners too (JSON adds "old" and
// "learners" only when there are any, so the plain shape is unchanged).
func TestSnapshotShowsWholeConfiguration(t *testing.T) {
	plain := func(v render.SnapshotValue) string {
		return (&render.Renderer{}).Plain(render.FieldValue{Field: "snapshot", Single: true, Rows: []render.FieldRow{{ID: 0, V: v}}})
	}
	one := render.SnapshotValue{Index: 12, Term: 3, Config: []raft.NodeID{0, 1, 2}, Bytes: 512}
	assert.Equal(t, "after 12@t3, configuration [0, 1, 2], 512 bytes", plain(one))
	assert.JSONEq(t, `{"index":12,"term":3,"config":[0,1,2],"bytes":512}`, string(render.ValueJSON(one)))
	joint := render.SnapshotValue{Index: 40, Term: 5, Config: []raft.NodeID{3, 4, 5}, Old: []raft.NodeID{0, 1, 2}, Learners: []raft.NodeID{6}, Bytes: 900}
	assert.Equal(t, "after 40@t5, configuration [3, 4, 5] joint with old [0, 1, 2] learners [6], 900 bytes", plain(joint))
	assert.JSONEq(t, `{"index":40,"term":5,"config":[3,4,5],"old":[0,1,2],"learners":[6],"bytes":900}`, string(render.ValueJSON(joint)))
}
