package timeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftsim/check"
	"raftsim/raft"
	"raftsim/sim"
)

// laneOf returns the lane index of name.
func laneOf(t *testing.T, d Data, name string) int {
	t.Helper()
	for i, l := range d.Lanes {
		if l.Name == name {
			return i
		}
	}
	t.Fatalf("no lane %s in %v", name, d.Lanes)
	return -1
}

// pageData reads the data back out of a written page, as its script does.
func pageData(t *testing.T, page []byte) Data {
	t.Helper()
	const open = `<script id="data" type="application/json">`
	i := bytes.Index(page, []byte(open))
	require.GreaterOrEqual(t, i, 0, "no data in the page")
	rest := page[i+len(open):]
	j := bytes.Index(rest, []byte("</script>"))
	require.GreaterOrEqual(t, j, 0)
	var d Data
	require.NoError(t, json.Unmarshal(rest[:j], &d))
	return d
}

func write(t *testing.T, in Input) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, Write(&b, in))
	return b.Bytes()
}

// TestCrashLostMessageClientOp builds a run by hand — a write, the
// leader's crash, a message lost to a partition, a restart — and finds
// each in the page's data: the down interval on the crashed server's lane,
// the lost message with its reason, and the client operation with its
// status and the server that answered.
func TestCrashLostMessageClientOp(t *testing.T) {
	s := sim.New(sim.Options{Seed: 1})
	require.NoError(t, s.StartServers(3, sim.ServerOptions{}))
	lid, ok := s.LeaderID(true)
	require.True(t, ok)
	resp, err := s.ClientRequest(raft.None, raft.Command{Op: raft.OpSet, Key: "a", Value: "1"})
	require.NoError(t, err)
	require.Equal(t, raft.StatusSuccess, resp.Status)
	other := (lid + 1) % 3
	require.NoError(t, s.Partition([][]raft.NodeID{{other}}))
	s.Run(200 * time.Millisecond)
	s.Heal()
	crashAt := s.Now()
	require.NoError(t, s.Crash(lid))
	s.Run(time.Second)
	restartAt := s.Now()
	require.NoError(t, s.Restart(lid))
	s.Run(500 * time.Millisecond)

	page := write(t, FromSim(s, "hand-built"))
	d := pageData(t, page)
	require.Equal(t, Build(FromSim(s, "hand-built")), d, "the page holds exactly the data built")
	leader := laneOf(t, d, laneName(lid))

	// The crash: a down band on the leader's lane from crash to restart,
	// with the leader's band before it.
	var down, led bool
	for i, ln := range d.Bands.Lane {
		if ln != leader {
			continue
		}
		switch d.Roles[d.Bands.Role[i]] {
		case "down":
			require.Equal(t, int64(crashAt), d.Bands.T0[i])
			require.Equal(t, int64(restartAt), d.Bands.T1[i])
			down = true
		case "leader":
			require.Equal(t, int64(1), d.Bands.Term[i])
			require.LessOrEqual(t, d.Bands.T1[i], int64(crashAt))
			led = true
		}
	}
	require.True(t, down, "no down band for the crashed leader")
	require.True(t, led, "no leader band")
	requireBandsTile(t, d)

	// A message lost to the partition, from the leader to the isolated
	// server, marked lost with the reason.
	lost := false
	for i := range d.Msgs.T0 {
		if d.Msgs.Flags[i]&FlagLost != 0 && d.Msgs.From[i] == leader && d.Msgs.To[i] == laneOf(t, d, laneName(other)) {
			require.Equal(t, "partition", d.Strings[d.Msgs.Why[i]])
			lost = true
		}
	}
	require.True(t, lost, "no lost message from the leader to the isolated server")

	// The client operation: call to return, success, answered by the leader.
	require.Len(t, d.Ops.T0, 1)
	require.Equal(t, "set a=1", d.Strings[d.Ops.Text[0]])
	require.Equal(t, "success", d.Strings[d.Ops.Status[0]])
	require.Equal(t, leader, d.Ops.Server[0])
	require.Less(t, d.Ops.T0[0], d.Ops.T1[0])
	require.False(t, d.Lanes[d.Ops.Lane[0]].Server)

	// The network lane shows the partition until the heal.
	require.Contains(t, d.Strings[d.Net.Label[0]], "partition")

	// Self-contained: nothing is fetched.
	for _, ref := range []string{"src=", "href=", "http://", "https://", "@import", "url("} {
		require.NotContains(t, string(page), ref)
	}
}

// requireBandsTile checks that each server's role bands follow one another
// without gaps or overlaps up to the end of the run.
func requireBandsTile(t *testing.T, d Data) {
	t.Helper()
	last := map[int]int64{}
	for i, ln := range d.Bands.Lane {
		require.True(t, d.Lanes[ln].Server)
		require.LessOrEqual(t, d.Bands.T0[i], d.Bands.T1[i])
		if prev, ok := last[ln]; ok {
			require.Equal(t, prev, d.Bands.T0[i], "lane %s: a gap or an overlap at band %d", d.Lanes[ln].Name, i)
		}
		last[ln] = d.Bands.T1[i]
	}
	for ln, end := range last {
		require.Equal(t, d.End, end, "lane %s ends early", d.Lanes[ln].Name)
	}
}

// TestExportIsDeterministic: the same run writes the same bytes.
func TestExportIsDeterministic(t *testing.T) {
	run := func() []byte {
		s := sim.New(sim.Options{Seed: 7})
		require.NoError(t, s.StartServers(5, sim.ServerOptions{}))
		_, err := s.StartLoad(sim.LoadOptions{Clients: 3, Rate: 80, Keys: 3, Duration: 2 * time.Second})
		require.NoError(t, err)
		require.NoError(t, s.SetNet(sim.NetRule{Set: sim.NetLoss | sim.NetDup, Model: sim.NetModel{Loss: 0.05, Dup: 0.05}}))
		s.Run(time.Second)
		lid, _ := s.LeaderID(false)
		require.NoError(t, s.Crash(lid))
		s.Run(2 * time.Second)
		return write(t, FromSim(s, "determinism"))
	}
	a, b := run(), run()
	require.True(t, bytes.Equal(a, b), "two identical runs wrote different pages")
	d := pageData(t, a)
	flags := 0
	for _, f := range d.Msgs.Flags {
		flags |= f
	}
	require.NotZero(t, flags&FlagLost, "no lost message")
	require.NotZero(t, flags&FlagDup, "no duplicate")
	requireBandsTile(t, d)
}

// TestMessagesReadGenerically: a message is described by its type's name
// and its non-zero fields, so a new message type or field needs nothing
// here.
func TestMessagesReadGenerically(t *testing.T) {
	m := &raft.Message{Type: raft.MsgApp, From: 0, To: 2, Term: 3, PrevIndex: 4, PrevTerm: 2, Commit: 4,
		Entries: []raft.Entry{{Index: 5, Term: 3, Kind: raft.EntryCommand, Cmd: &raft.Command{Op: raft.OpSet, Key: "a", Value: "1"}}}}
	require.Equal(t, "AppendEntries S0 → S2, term 3, prevIndex 4, prevTerm 2, entries 5 (t3 set a=1), commit 4", MessageText(m))
	require.Equal(t, 1, category(m)) // appends
	m.Entries = nil
	require.Equal(t, catAppends, category(m), "an AppendEntries without entries probes the log: heartbeats have their own type")
	require.Equal(t, catHeartbeats, category(&raft.Message{Type: raft.MsgHeartbeat}))
	require.Equal(t, catHeartbeats, category(&raft.Message{Type: raft.MsgHeartbeatResp}), "a heartbeat's answer goes with the heartbeats, hidden with them")
	require.Equal(t, catReplies, category(&raft.Message{Type: raft.MsgAppResp}))
	require.Equal(t, catSnapshots, category(&raft.Message{Type: raft.MsgSnap}))
	require.Equal(t, catSnapshots, category(&raft.Message{Type: raft.MsgSnapResp}), "a snapshot's chunks and answers are one transfer")
	r := &raft.Message{Type: raft.MsgClientResp, From: 1, To: sim.ClientIDBase, Resp: &raft.Response{Status: raft.StatusNotLeader, LeaderHint: raft.None}}
	require.Equal(t, "ClientResponse S1 → client 1000, resp {status NOT_LEADER, leaderHint -1}", MessageText(r))
	require.Equal(t, 4, category(r)) // client
	c := &raft.Message{Type: raft.MsgClient, From: sim.ClientIDBase + 1, To: 1000,
		Cmd: &raft.Command{ClientID: uint64(sim.ClientIDBase + 1), Seq: 2, Op: raft.OpSet, Key: "a", Value: "1"}}
	require.Equal(t, "ClientRequest client 1001 → S1000, cmd {clientID 1001, seq 2, op set, key a, value 1}", MessageText(c),
		"a client by its number, a server by its id, past 999 too")
	require.True(t, strings.HasSuffix(raft.MsgVoteResp.String(), "Resp"))
	require.Equal(t, 3, category(&raft.Message{Type: raft.MsgVoteResp})) // replies
	require.Equal(t, 0, category(&raft.Message{Type: raft.MsgVote}))     // votes
	require.Equal(t, 0, category(&raft.Message{Type: raft.MsgTimeoutNow}), "TimeoutNow starts an election: with the votes")
}

// TestHistoryPage: the history page draws every operation on its client's
// lane with the server that answered, numbers each key's operations in
// the order the check found, and leaves the stale read unplaced, naming
// its key; the server lane shows when it was down.
func TestHistoryPage(t *testing.T) {
	ms := time.Millisecond
	op := func(client raft.NodeID, o raft.Op, key, v string, call, ret time.Duration, result string, server raft.NodeID) sim.HistoryOp {
		return sim.HistoryOp{Client: client, Op: o, Key: key, Value: raft.Value(v), Call: call * ms, Return: ret * ms, Done: true,
			Status: raft.StatusSuccess, Result: raft.Value(result), Server: server}
	}
	in := Input{
		Title: "stale read", Now: 100 * ms,
		Servers: []sim.ServerInfo{{ID: 0, Up: true}, {ID: 1, Up: true}},
		History: []sim.HistoryOp{
			op(sim.ClientIDBase, raft.OpSet, "x", "1", 0, 10, "1", 0),
			op(sim.ClientIDBase, raft.OpSet, "x", "2", 20, 30, "2", 0),
			op(sim.ClientIDBase+1, raft.OpGet, "x", "", 40, 50, "1", 1), // stale: 2 was acknowledged before
			op(sim.ClientIDBase+1, raft.OpSet, "y", "5", 60, 70, "5", 0),
		},
		Faults: []sim.FaultEvent{{Time: 35 * ms, Kind: sim.EvCrash, Node: 0}, {Time: 80 * ms, Kind: sim.EvRestart, Node: 0}},
	}
	d, err := BuildHistory(in, check.DefaultBudget)
	require.NoError(t, err)
	require.Equal(t, "history", d.Mode)
	require.Contains(t, d.Verdict, "not linearizable on key x")
	require.Equal(t, []string{"x"}, d.BadKeys)
	require.Equal(t, []int{1, 2, 0, 1}, d.Ops.Order)
	require.Equal(t, "5", d.Strings[d.Ops.State[3]])
	require.Equal(t, laneOf(t, d, "S1"), d.Ops.Server[2], "the stale read was answered by S1")
	require.Equal(t, laneOf(t, d, "client 1001"), d.Ops.Lane[2])
	require.Empty(t, d.Msgs.T0, "the history page draws no messages")
	var roles []string
	for i, ln := range d.Bands.Lane {
		if ln == laneOf(t, d, "S0") {
			roles = append(roles, fmt.Sprintf("%s %d-%d", d.Roles[d.Bands.Role[i]], d.Bands.T0[i]/int64(ms), d.Bands.T1[i]/int64(ms)))
		}
	}
	require.Equal(t, []string{"up 0-35", "down 35-80", "up 80-100"}, roles)

	var b bytes.Buffer
	require.NoError(t, WriteHistory(&b, in, check.DefaultBudget))
	require.Equal(t, d, pageData(t, b.Bytes()))
}
