package session

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

// execOK runs a line and requires it to succeed.
func execOK(t *testing.T, s *Session, line string) render.Result {
	t.Helper()
	r := s.Exec(line)
	require.NoError(t, r.Err, line)
	require.True(t, r.OK, line)
	return r
}

// execErr runs a line and requires it to fail with an error containing
// each of parts.
func execErr(t *testing.T, s *Session, line string, parts ...string) render.Result {
	t.Helper()
	r := s.Exec(line)
	require.Error(t, r.Err, line)
	require.False(t, r.OK, line)
	for _, p := range parts {
		require.Contains(t, r.Err.Error(), p, line)
	}
	return r
}

// cluster returns a session with 3 servers and an elected leader in $lid.
func cluster(t *testing.T) (*Session, raft.NodeID) {
	t.Helper()
	s := New(Options{Seed: 1})
	execOK(t, s, "startServers 3")
	r := execOK(t, s, "lid = getLeaderId")
	l := r.Value.(render.Leader)
	require.True(t, l.Known)
	return s, l.ID
}

func info(t *testing.T, s *Session, id raft.NodeID) (up bool, role raft.Role) {
	t.Helper()
	in, err := s.Sim().Info(id)
	require.NoError(t, err)
	return in.Up, in.Role
}

func TestExecStartServers(t *testing.T) {
	s := New(Options{Seed: 1})
	r := execOK(t, s, "startServers")
	assert.Equal(t, render.Started{IDs: []raft.NodeID{0, 1, 2}}, r.Value)
	execErr(t, s, "startServers 3", "already running", "reset")

	s = New(Options{Seed: 1})
	r = execOK(t, s, "startServers 5 electionTimeout=300 heartbeatTime=50ms bug=figure8")
	assert.Len(t, r.Value.(render.Started).IDs, 5)

	s = New(Options{Seed: 1})
	execErr(t, s, "startServers bug=figure9", "unknown bug", "did you mean figure8?")
	execErr(t, s, "startServers colour=red", "unknown option", "electionTimeout")
	execErr(t, s, "startServers electionTimeout=fast", `bad duration "fast"`, "try 300ms")
	execErr(t, s, "startServers electionTimeout=150ms-140ms", "maximum is below the minimum")
	execErr(t, s, "startServers electionTimeout=150ms-soon", `bad duration "soon"`)
	execErr(t, s, "startServers 3 4", "one number of servers")
	assert.Empty(t, s.Sim().Servers(), "failed starts must not start anything")
}

// electionTimeout=MIN-MAX sets both bounds of the timeouts, in milliseconds
// or durations; MIN = MAX is a constant timeout.
func TestExecStartServersTimeoutRange(t *testing.T) {
	for _, c := range []struct {
		arg    string
		lo, hi time.Duration
	}{
		{"150-155", 150 * time.Millisecond, 155 * time.Millisecond},
		{"12ms-24ms", 12 * time.Millisecond, 24 * time.Millisecond},
		{"150ms-150ms", 150 * time.Millisecond, 150 * time.Millisecond},
		{"300", 300 * time.Millisecond, 0},
	} {
		s := New(Options{Seed: 1})
		execOK(t, s, "startServers 5 heartbeatTime=5ms electionTimeout="+c.arg)
		o := s.Sim().Options()
		assert.Equal(t, c.lo, o.ElectionTimeout, c.arg)
		assert.Equal(t, c.hi, o.ElectionTimeoutMax, c.arg)
	}
}

func TestExecStartServersJSForm(t *testing.T) {
	s := New(Options{Seed: 1})
	execOK(t, s, "t = require('./test_local');")
	r := execOK(t, s, "t.startServers({ debug: true }, 5);")
	assert.Len(t, r.Value.(render.Started).IDs, 5)
	r = execOK(t, s, "lid = t.getLeaderId();")
	assert.NotEmpty(t, r.Events, "servers started with debug show their events")
}

func TestExecAddRemoveServer(t *testing.T) {
	execErr(t, New(Options{Seed: 1}), "addServer 3", "no cluster to join", "startServers 3")
	s, _ := cluster(t)
	r := execOK(t, s, "addServer 3")
	assert.Equal(t, raft.StatusOK, r.Value.(render.MemberStatus).Status)
	r = execOK(t, s, "getAll config 3")
	assert.Equal(t, "[0, 1, 2, 3]", (&render.Renderer{}).Plain(r.Value))
	execErr(t, s, "addServer", "give the id", "addServer 4")
	execErr(t, s, "addServer -3", "bad server id -3")
	r = execOK(t, s, "removeServer 3")
	assert.Equal(t, raft.StatusOK, r.Value.(render.MemberStatus).Status)
	execErr(t, s, "removeServer 42", "server 42 does not exist", "servers: 0, 1, 2, 3")
	execErr(t, s, "addServer 1000000", "addServer: server id 1000000 is out of range (0 to 999999;")
}

// A refused membership change fails and says why; its value is still the
// status (issue 8: removing the last member printed a bare "error" and
// succeeded).
func TestExecMembershipRefusalsFail(t *testing.T) {
	s, l := cluster(t)
	r := execErr(t, s, fmt.Sprintf("addServer %d", l), "ALREADY_A_MEMBER", "already in the configuration [0, 1, 2]")
	assert.Equal(t, raft.StatusAlreadyAMember, r.Value.(render.MemberStatus).Status)
	for _, id := range []raft.NodeID{(l + 1) % 3, (l + 2) % 3} {
		execOK(t, s, fmt.Sprintf("removeServer %d", id))
	}
	execErr(t, s, fmt.Sprintf("removeServer %d", (l+1)%3), "NOT_A_MEMBER", fmt.Sprintf("not in the configuration [%d]", l))
	r = execErr(t, s, fmt.Sprintf("removeServer %d", l), "cannot remove the last member")
	assert.Equal(t, raft.StatusError, r.Value.(render.MemberStatus).Status)
	var out bytes.Buffer
	(&render.Renderer{W: &out, JSON: true}).Render(r)
	assert.Contains(t, out.String(), `"ok":false,"error":"removeServer `)
	assert.Contains(t, out.String(), `"result":"error"`)
}

func TestExecCrashRestart(t *testing.T) {
	s, _ := cluster(t)
	execOK(t, s, "crash 1")
	up, _ := info(t, s, 1)
	assert.False(t, up)
	execErr(t, s, "crash 1", "already down", "restart 1")
	execOK(t, s, "expect state 1 down")
	execOK(t, s, "restart 1")
	up, _ = info(t, s, 1)
	assert.True(t, up)
	execErr(t, s, "restart 1", "already up")
	execErr(t, s, "crash 7", "crash: server 7 does not exist (servers: 0, 1, 2)")
	execErr(t, s, "crash", "give one server id")
	execErr(t, s, "crash 2.5", "bad server id 2.5")
}

func TestExecPartitionHealCut(t *testing.T) {
	s, lid := cluster(t)
	r := execOK(t, s, "partition "+itoa(lid))
	assert.Contains(t, string(r.Value.(render.Message)), "partitioned: "+itoa(lid)+" | ")
	execOK(t, s, "run 2s")
	execOK(t, s, "expect leader")
	r = execOK(t, s, "getLeaderId")
	assert.NotEqual(t, lid, r.Value.(render.Leader).ID, "the majority side elects a new leader")
	execOK(t, s, "heal")
	execOK(t, s, "run 1s")
	execOK(t, s, "expect converged")
	execOK(t, s, "cut 0->1")
	execOK(t, s, "cut 0<->2")
	execOK(t, s, "heal")
	execErr(t, s, "partition", "say which groups")
	execErr(t, s, "partition 0 | 0,1", "server 0 is in two groups")
	execErr(t, s, "partition 9", "server 9 does not exist")
	execErr(t, s, "partition 0,1,2", "nothing to cut")
	execErr(t, s, "cut 0->0", "two different servers")
	execErr(t, s, "cut 0-1", "bad link", "cut 0->1")
}

func itoa(id raft.NodeID) string { return strconv.Itoa(int(id)) }

func TestExecClientRequest(t *testing.T) {
	s, lid := cluster(t)
	reply := func(line string) raft.Response {
		t.Helper()
		return execOK(t, s, line).Value.(render.Reply).Resp
	}
	assert.Equal(t, raft.StatusSuccess, reply("clientRequest $lid set a 1").Status)
	resp := reply("clientRequest get a")
	assert.Equal(t, raft.Value("1"), resp.Result, "numbers stay numbers")
	reply("clientRequest set s hello")
	assert.Equal(t, raft.Value(`"hello"`), reply("clientRequest get s ro").Result, "words are strings")
	assert.Equal(t, raft.Value("true"), reply("clientRequest cas a 1 2").Result)
	assert.Equal(t, raft.Value("2"), reply("clientRequest get a").Result)
	reply("clientRequest del a")
	execOK(t, s, "expect value a null")
	execOK(t, s, `t.serverPool[lid].clientRequest({ op: "set", key: 'b', value: 'x' }, function(results) {
console.log("results: ", results);
});`)
	execOK(t, s, "expect value b x")

	follower := (lid + 1) % 3
	resp = reply("clientRequest " + itoa(follower) + " set c 1")
	assert.Equal(t, raft.StatusNotLeader, resp.Status)
	assert.Equal(t, lid, resp.LeaderHint)

	execErr(t, s, "clientRequest $foo set a 1", "clientRequest: unknown variable $foo (set one with: foo = getLeaderId)")
	execErr(t, s, "clientRequest sett a 1", "unknown operation", "did you mean set?")
	execErr(t, s, "clientRequest set a", "set takes 2 arguments after the op, got 1")
	execErr(t, s, "clientRequest set a 1 ro", "ro is only for get")
	execErr(t, s, "clientRequest 9 set a 1", "server 9 does not exist")
	execErr(t, s, "clientRequest", "missing operation")
	execErr(t, New(Options{Seed: 1}), "clientRequest set a 1", "no servers")
}

func TestExecNullVariable(t *testing.T) {
	s, _ := cluster(t)
	s.vars["lid"] = variable{json: "null"}
	execErr(t, s, "clientRequest $lid set a 1", "$lid is null", "lid = getLeaderId")
}

func TestExecGetLeaderIDAndVariables(t *testing.T) {
	execErr(t, New(Options{Seed: 1}), "getLeaderId", "no servers yet", "startServers 3")
	s, lid := cluster(t)
	r := execOK(t, s, "print")
	assert.Equal(t, "lid = "+itoa(lid), (&render.Renderer{}).Plain(r.Value))
	r = execOK(t, s, "lid")
	assert.Equal(t, itoa(lid), (&render.Renderer{}).Plain(r.Value))
	execErr(t, s, "getLeaderId 3", "takes no arguments")
}

func TestExecGetAll(t *testing.T) {
	s, lid := cluster(t)
	execOK(t, s, "clientRequest set a 1")
	for _, f := range fields {
		r := execOK(t, s, "getAll "+f)
		assert.Len(t, r.Value.(render.FieldValue).Rows, 3, f)
		execOK(t, s, "getAll "+f+" $lid")
	}
	r := execOK(t, s, "t.getAll('log')[lid];")
	v := r.Value.(render.FieldValue)
	require.True(t, v.Single)
	assert.Equal(t, lid, v.Rows[0].ID)
	assert.Equal(t, "1@t1 noop\n2@t1 set a=1", (&render.Renderer{}).Plain(v))
	execErr(t, s, "getAll lgo", "unknown field", "did you mean log?")
	execErr(t, s, "getAll log 9", "server 9 does not exist")
	execErr(t, s, "getAll", "give a field")

	// A range of a long log: FROM..TO, or FROM.. to the end.
	execOK(t, s, "clientRequest set b 2")
	r = execOK(t, s, "getAll log $lid 2..2")
	assert.Equal(t, "2@t1 set a=1", (&render.Renderer{}).Plain(r.Value))
	r = execOK(t, s, "getAll log 2..")
	for _, row := range r.Value.(render.FieldValue).Rows {
		assert.Len(t, row.V, 2, "entries 2 and 3 of S%d", row.ID)
	}
	execErr(t, s, "getAll log 3..1", "bad range")
	execErr(t, s, "getAll log 0..2", "bad range")
	execErr(t, s, "getAll state 1..2", "for the log only")
	r = execOK(t, s, "status")
	assert.Len(t, r.Value.(render.Status), 3)
}

func TestExecTime(t *testing.T) {
	s, _ := cluster(t)
	t0 := s.Sim().Now()
	r := execOK(t, s, "run 300ms")
	assert.Equal(t, t0+300e6, r.T)
	execOK(t, s, "run 100") // milliseconds, like raft.js
	assert.Equal(t, t0+400e6, s.Sim().Now())
	r = execOK(t, s, "step 5")
	assert.Equal(t, 5, r.Value.(render.Stepped).Done)
	assert.NotEmpty(t, r.Events, "step prints each event")
	execOK(t, s, "until leader")
	execOK(t, s, "clientRequest set a 1")
	execOK(t, s, "until committed 2 1s")
	execErr(t, s, "until committed 99 1s", "until committed 99: not reached within 1s")
	execErr(t, s, "until rain", "unknown condition")
	execErr(t, s, "run 3x", `run: bad duration "3x" (try 300ms or 2s)`)
	execErr(t, s, "run -5s", "must be positive")
	execErr(t, s, "run 1000h", "too long")
	execErr(t, s, "step 1e12", "out of range")
	execErr(t, s, "step 0", "out of range")
}

func TestExecDebug(t *testing.T) {
	s, _ := cluster(t)
	r := execOK(t, s, "debug on")
	assert.Equal(t, render.DebugState{Level: render.DebugOn}, r.Value)
	execOK(t, s, "crash $lid")
	r = execOK(t, s, "run 1s")
	require.NotEmpty(t, r.Events)
	text := (&render.Renderer{}).Text(r)
	assert.Contains(t, text, "timed out, asking for pre-votes for term 2")
	assert.Contains(t, text, "won the pre-vote, starting election for term 2")
	assert.Contains(t, text, "became leader for term 2")
	assert.NotContains(t, text, "heartbeat", "debug on leaves heartbeats to verbose")
	execOK(t, s, "debug off")
	r = execOK(t, s, "run 1s")
	assert.Empty(t, r.Events)
	execErr(t, s, "debug maybe", "not on, off or verbose")
}

// `debug off` silences servers started with the debug option too (issue
// 8: the tutorial's t.startServers({ debug: true }) could not be quieted).
func TestExecDebugOffSilencesDebugServers(t *testing.T) {
	s := New(Options{Seed: 1})
	r := execOK(t, s, "t.startServers({ debug: true })")
	r = execOK(t, s, "run 1s")
	require.NotEmpty(t, r.Events, "servers started with debug are traced")
	execOK(t, s, "debug off")
	execOK(t, s, "crash 0")
	r = execOK(t, s, "run 1s")
	assert.Empty(t, r.Events)
}

func TestExecExpect(t *testing.T) {
	s, lid := cluster(t)
	execOK(t, s, "clientRequest set a 1")
	for _, line := range []string{"expect leader", "expect leader $lid", "expect state $lid leader",
		"expect value a 1", "expect value a 1 on 0,1", "expect committed 2", "expect committed 2 on 0 1",
		"expect converged", "expect safe"} {
		r := execOK(t, s, line)
		assert.True(t, r.Value.(render.Expectation).Held, line)
	}
	other := (lid + 1) % 3
	r := execErr(t, s, "expect leader "+itoa(other), "expected S"+itoa(other)+" to be the leader")
	assert.False(t, r.Value.(render.Expectation).Held)
	assert.Contains(t, (&render.Renderer{}).Text(r), "✗ expect leader")
	execErr(t, s, "expect noleader", "with 3 of 3 servers behind it")
	execErr(t, s, "expect value a 2", "expected a = 2", "S0: 1")
	execErr(t, s, `expect value a "1"`, `expected a = "1"`)
	execErr(t, s, "expect committed 9", "commitIndex >= 9")
	execErr(t, s, "expect state 0 king", "unknown role", "roles: leader")
	execErr(t, s, "expect lader", "did you mean leader?")
	execErr(t, s, "expect", "give a predicate")
	execOK(t, s, "expect linearizable")
	execErr(t, s, "expect value a 1 at 0", "unexpected", "on 0,1")

	execOK(t, s, "partition $lid")
	execOK(t, s, "expect noleader") // the old leader has no majority, none elected yet
	execOK(t, s, "crash $lid")
	execErr(t, s, "expect value a 1 on $lid", "S"+itoa(lid)+" down")
}

func TestExecSeedResetQuitHelp(t *testing.T) {
	s, _ := cluster(t)
	r := execOK(t, s, "seed")
	assert.Equal(t, render.SeedValue{Seed: 1}, r.Value)
	execOK(t, s, "seed 42")
	assert.Empty(t, s.Sim().Servers(), "seed N starts over")
	assert.Equal(t, uint64(42), s.Sim().Seed())
	execErr(t, s, "print $lid", "unknown variable $lid")
	execErr(t, s, "seed -1", "not a seed")
	execErr(t, s, "seed x", "not a seed")
	execOK(t, s, "startServers")
	execOK(t, s, "reset")
	assert.Empty(t, s.Sim().Servers())
	assert.Equal(t, uint64(42), s.Sim().Seed())
	assert.True(t, execOK(t, s, "quit").Quit)
	assert.True(t, execOK(t, s, "exit").Quit)
	r = execOK(t, s, "t = require('./test_local');")
	assert.Contains(t, string(r.Value.(render.Message)), "t is the simulated cluster")
	_, isVar := s.vars["t"]
	assert.False(t, isVar)

	overview := string(execOK(t, s, "help").Value.(render.HelpText))
	for name := range handlers {
		if name == "exit" {
			continue
		}
		h, ok := helps[name]
		require.True(t, ok, "help for %s", name)
		assert.NotEmpty(t, h.example, name)
		assert.Contains(t, overview, h.usage, name)
		execOK(t, s, "help "+name)
	}
	execErr(t, s, "help startServer", "did you mean startServers?")
}

func TestExecUnknown(t *testing.T) {
	s := New(Options{Seed: 1})
	execErr(t, s, "startServer 3", "startServer: unknown command (did you mean startServers?)")
	execErr(t, s, "xyzzy", "xyzzy: unknown command or variable", "help")
	execErr(t, s, "stauts", "stauts: unknown command (did you mean status?)")
}

func TestExecSource(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "s.raft")
	require.NoError(t, os.WriteFile(f, []byte("startServers 3\ncrash 9\n# comment\nt.getAll(\n'state');\n"), 0o644))
	s := New(Options{Seed: 1})
	r := s.Exec("source " + f)
	require.Error(t, r.Err)
	assert.Contains(t, r.Err.Error(), f+":2: crash: server 9 does not exist")
	require.Len(t, r.Sub, 3)
	assert.Equal(t, f+":4", r.Sub[2].Where)
	assert.True(t, r.Sub[2].OK)
	assert.Len(t, s.Sim().Servers(), 3, "the commands ran")

	self := filepath.Join(dir, "self.raft")
	require.NoError(t, os.WriteFile(self, []byte("source "+self+"\n"), 0o644))
	r = New(Options{Seed: 1}).Exec("source " + self)
	require.Error(t, r.Err)
	assert.Contains(t, r.Err.Error(), "more than 8 deep")
	execErr(t, s, "source /nonexistent/x.raft", "cannot read /nonexistent/x.raft")
	execErr(t, s, "source "+dir, "is a directory")
}

func TestExecParseErrorNamesCommand(t *testing.T) {
	s := New(Options{Seed: 1})
	execErr(t, s, "startServers 3 )", "startServers: unexpected ')'")
	execErr(t, s, "lid = ", "nothing after '='")
}

func TestExecRecoversFromPanics(t *testing.T) {
	s := New(Options{Seed: 1})
	handlers["boom"] = func(*Session, lang.Command) render.Result { panic("kaboom") }
	defer delete(handlers, "boom")
	r := s.ExecCommand(lang.Command{Name: "boom", Line: "boom"})
	require.Error(t, r.Err)
	assert.Contains(t, r.Err.Error(), "boom: internal error: kaboom")
}

// jsonOf renders one line with --json.
func jsonOf(s *Session, line string) string {
	var b bytes.Buffer
	(&render.Renderer{W: &b, JSON: true}).Render(s.Exec(line))
	return b.String()
}

var tMs = regexp.MustCompile(`"t_ms":[0-9.]+`)

// $name anywhere inside an argument (issue 8).
func TestExecTemplates(t *testing.T) {
	s, l := cluster(t)
	r := execOK(t, s, "cut $lid->1")
	assert.Contains(t, (&render.Renderer{}).Plain(r.Value), fmt.Sprintf("cut %d->1", l))
	execOK(t, s, "heal")
	execOK(t, s, "other = 2")
	r = execOK(t, s, "partition $lid,$other")
	assert.Contains(t, (&render.Renderer{}).Plain(r.Value), fmt.Sprintf("partitioned: %d,2 | ", l))
	execErr(t, s, "cut $nope->1", "unknown variable $nope in $nope->1")
	execOK(t, s, "arr = [1, 2]")
	execErr(t, s, "cut $arr->1", "$arr holds [1,2]", "cannot stand inside the word")
	execOK(t, s, "nothing = null")
	execErr(t, s, "cut $nothing->1", "$nothing is null")
}

// Values in variables keep their type: arrays and objects stay JSON, not
// the string '1,2'; an integer too large to be exact is refused, not
// rounded (issue 8).
func TestExecValues(t *testing.T) {
	s := New(Options{Seed: 1})
	r := execOK(t, s, "x = [1, 2]")
	assert.Equal(t, "x = [ 1, 2 ]", (&render.Renderer{}).Text(r)[:12])
	r = execOK(t, s, "print $x")
	assert.Equal(t, `[1,2]`, string(render.ValueJSON(r.Value)))
	execOK(t, s, "y = {a: 1}")
	r = execOK(t, s, "y")
	assert.Equal(t, `{"a":1}`, string(render.ValueJSON(r.Value)))
	execErr(t, s, "n = 99999999999999999999", "too large to be exact")
	execOK(t, s, "n = 9007199254740991")
	execOK(t, s, "seed 18446744073709551615") // seeds are 64-bit
}

// A table stored in a variable starts on its own line (issue 8: the header
// was glued to the name).
func TestExecAssignTable(t *testing.T) {
	s, _ := cluster(t)
	text := (&render.Renderer{}).Text(execOK(t, s, "x = status"))
	assert.True(t, strings.HasPrefix(text, "x =\nID "), text)
}

// Several statements on one line run in order; the first failure stops
// the rest (issue 8).
func TestExecStatements(t *testing.T) {
	s, l := cluster(t)
	r := execOK(t, s, "t.crash(lid); t.restart(lid);")
	require.Len(t, r.Sub, 2)
	up, _ := info(t, s, l)
	assert.True(t, up)
	text := (&render.Renderer{}).Text(r)
	assert.Equal(t, fmt.Sprintf("S%d crashed (its disk is kept)\nS%d restarted from its disk\n", l, l), text)
	r = s.Exec("crash 1; crash 1; crash 2")
	assert.False(t, r.OK)
	require.Len(t, r.Sub, 2)
	up, _ = info(t, s, 2)
	assert.True(t, up, "the statement after a failure does not run")
	var out bytes.Buffer
	(&render.Renderer{W: &out, JSON: true}).Render(r)
	assert.Equal(t, 2, strings.Count(out.String(), "\n"), "one JSON line per statement: %s", out.String())
}

// status shows membership, partition groups as letters and a leader
// without a majority as such, as the prompt's L= does (issue 8).
func TestExecStatusHonest(t *testing.T) {
	s, l := cluster(t)
	execOK(t, s, "partition $lid")
	st := execOK(t, s, "status").Value.(render.Status)
	for _, row := range st {
		want := "B"
		if row.ID == l {
			want = "A"
		}
		assert.Equal(t, want, render.Group(row.Group), "S%d", row.ID)
		assert.Equal(t, "member", row.Membership)
	}
	execOK(t, s, "heal")
	f := (l + 1) % 3
	execOK(t, s, fmt.Sprintf("removeServer %d", f))
	execOK(t, s, "addServer 3")
	st = execOK(t, s, "status").Value.(render.Status)
	got := map[raft.NodeID]string{}
	for _, row := range st {
		got[row.ID] = row.Membership
	}
	assert.Equal(t, "removed", got[f])
	assert.Equal(t, "member", got[3])

	s, l = cluster(t)
	execOK(t, s, fmt.Sprintf("crash %d", (l+1)%3))
	execOK(t, s, fmt.Sprintf("crash %d", (l+2)%3))
	assert.Contains(t, s.Prompt(), "L=none")
	for _, row := range execOK(t, s, "status").Value.(render.Status) {
		if row.ID == l {
			assert.Equal(t, "leader (no majority)", row.StateText())
		}
	}
	text := (&render.Renderer{}).Text(execOK(t, s, "status"))
	assert.Contains(t, text, "MEMBER")
	var out bytes.Buffer
	(&render.Renderer{W: &out, JSON: true}).Render(execOK(t, s, "status"))
	assert.Contains(t, out.String(), `"state":"leader","currentTerm":1`)
	assert.Contains(t, out.String(), `"membership":"member","group":null,"majority":false`)
}

func TestStatusRowStateText(t *testing.T) {
	row := render.StatusRow{ServerInfo: sim.ServerInfo{Up: true, Role: raft.Candidate}, Membership: "removed"}
	assert.Equal(t, "candidate (removed: ignored)", row.StateText())
	row.Membership = "member"
	assert.Equal(t, "candidate", row.StateText())
	row.Up = false
	assert.Equal(t, "down", row.StateText())
	assert.Equal(t, "-", render.Group(0))
	assert.Equal(t, "C", render.Group(3))
}

// until leader names the leader and its term (issue 8).
func TestExecUntilLeaderNamesIt(t *testing.T) {
	s, l := cluster(t)
	execOK(t, s, "crash $lid")
	r := execOK(t, s, "until leader")
	v := r.Value.(render.Reached)
	nl, ok := s.Sim().LeaderID(false)
	require.True(t, ok)
	assert.NotEqual(t, l, nl)
	assert.Equal(t, nl, v.Leader)
	assert.Contains(t, (&render.Renderer{}).Text(r), fmt.Sprintf("leader S%d in term %d after ", nl, v.Term))
	v = execOK(t, s, "until committed 1").Value.(render.Reached)
	assert.Equal(t, raft.None, v.Leader)
}

// source of a file that is no script runs nothing and never shows its
// lines (issue 8: source /etc/shadow printed the file line by line).
func TestExecSourceNotAScript(t *testing.T) {
	f := filepath.Join(t.TempDir(), "shadow")
	require.NoError(t, os.WriteFile(f, []byte("root:$6$secret:20228:0:99999:7:::\nstartServers 3\n"), 0o600))
	s := New(Options{Seed: 1})
	r := execErr(t, s, "source "+f, "does not look like a script", "nothing of it ran")
	assert.NotContains(t, r.Err.Error(), "secret")
	assert.Empty(t, r.Sub)
	assert.Empty(t, s.Sim().Servers())
}
