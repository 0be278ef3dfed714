package chaos

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
	"raftsim/sim"
)

// fakeLive is a hand-built history for the watch: the live groups, the
// leader and the client operations at each moment.
type fakeLive struct {
	now    time.Duration
	groups [][]raft.NodeID
	leader raft.NodeID
	ops    []sim.HistoryOp
}

func (f *fakeLive) Now() time.Duration                { return f.now }
func (f *fakeLive) LiveGroups() [][]raft.NodeID       { return f.groups }
func (f *fakeLive) LeaderID(bool) (raft.NodeID, bool) { return f.leader, f.leader != raft.None }
func (f *fakeLive) OldestOpen() (sim.HistoryOp, bool) {
	var best *sim.HistoryOp
	for i := range f.ops {
		if op := &f.ops[i]; !op.Done && (best == nil || op.Call < best.Call) {
			best = op
		}
	}
	if best == nil {
		return sim.HistoryOp{}, false
	}
	return *best, true
}

// at moves the fake to t and samples it, as the executor does.
func (f *fakeLive) at(w *liveWatch, t time.Duration) (int, string) {
	f.now = t
	w.sample(f)
	return w.violation(f)
}

func TestLiveWatchLeaderMustExistInALongLiveGroup(t *testing.T) {
	s := time.Second
	f := &fakeLive{groups: [][]raft.NodeID{{0, 1, 2}}, leader: raft.None}
	w := &liveWatch{}
	// Does not fire: no leader, but the group has been live for less
	// than the bound.
	k, _ := f.at(w, 1*s)
	assert.Equal(t, duringNone, k)
	k, _ = f.at(w, 1*s+duringLeaderBound-time.Millisecond)
	assert.Equal(t, duringNone, k)
	// Fires once it has been live for the bound.
	k, note := f.at(w, 1*s+duringLeaderBound)
	assert.Equal(t, duringLeader, k)
	assert.Contains(t, note, "servers 0,1,2 live since t=1.000s")
	assert.Equal(t, "expect leader", duringLine(k))

	// Does not fire: the group changed (a member crashed, say), so its
	// time starts again; nor with a leader in place.
	w = &liveWatch{}
	f.at(w, 0)
	f.groups = [][]raft.NodeID{{0, 1}}
	k, _ = f.at(w, duringLeaderBound)
	assert.Equal(t, duringNone, k)
	f.leader = 1
	k, _ = f.at(w, 3*duringLeaderBound)
	assert.Equal(t, duringNone, k)
	// Does not fire: no live group at all (a partial partition on a
	// classic cluster).
	f.groups, f.leader = nil, raft.None
	k, _ = f.at(w, 4*duringLeaderBound)
	assert.Equal(t, duringNone, k)
}

// A group live for long while a leader outside it led: once that leader
// is lost, the group gets the bound to elect its own.
func TestLiveWatchBoundRunsFromTheLeadersLoss(t *testing.T) {
	s := time.Second
	f := &fakeLive{groups: [][]raft.NodeID{{0, 1, 2}}, leader: 4}
	w := &liveWatch{}
	f.at(w, 0)
	k, _ := f.at(w, 10*s)
	assert.Equal(t, duringNone, k)
	f.leader = raft.None // the leader, S4, crashed at t=10s
	f.at(w, 10*s)
	k, _ = f.at(w, 10*s+duringLeaderBound-time.Millisecond)
	assert.Equal(t, duringNone, k, "the group has not had the bound since the loss")
	k, note := f.at(w, 10*s+duringLeaderBound)
	assert.Equal(t, duringLeader, k)
	assert.Contains(t, note, "live since t=0.000s (a connected majority), no leader since t=10.000s nor at t=12.000s")
}

func TestLiveWatchOperationsMustBeAnswered(t *testing.T) {
	s := time.Second
	f := &fakeLive{groups: [][]raft.NodeID{{0, 1, 2}}, leader: 0}
	w := &liveWatch{}
	f.at(w, 2*s) // live from t=2s
	f.ops = []sim.HistoryOp{
		{Client: 1000, Seq: 1, Op: raft.OpSet, Key: "k0", Call: 1 * s, Done: true, Return: 9 * s}, // answered
		{Client: 1001, Seq: 4, Op: raft.OpGet, Key: "k1", Call: 0},                                // pending from before the group
	}
	// Does not fire: pending for longer than the bound, but not for as
	// long since the group became live.
	k, _ := f.at(w, 2*s+duringOpBound-time.Millisecond)
	assert.Equal(t, duringNone, k)
	// Fires: unanswered for the bound while the group was live.
	k, note := f.at(w, 2*s+duringOpBound)
	assert.Equal(t, duringOps, k)
	assert.Contains(t, note, "client 1001's get k1 (seq 4)")
	assert.Equal(t, "until idle 1ms", duringLine(k))
	// Does not fire once answered.
	f.ops[1].Done = true
	k, _ = f.at(w, 3*s+duringOpBound)
	assert.Equal(t, duringNone, k)
}

// A cluster whose servers wait 5-10 s before an election has a live group
// and no leader for longer than the bound: the generator adds a failing
// `expect leader` with its reason, the replay of the script judges it the
// same, and the correct timing does not fire.
func TestExecutorAddsLivenessCheckDuringFaults(t *testing.T) {
	run := func(start string) (Script, Outcome) {
		x := newExecutor(1)
		x.inject = true
		for _, text := range []string{"seed 1", start, "run 3s", "run 1s"} {
			kind := KindRun
			if !strings.HasPrefix(text, "run") {
				kind = KindSetup
			}
			x.exec(Line{Text: text, Kind: kind})
		}
		return x.sc, x.out
	}
	sc, out := run("startServers 3 electionTimeout=5s")
	require.Equal(t, Liveness, out.Verdict, sc.Text())
	text := sc.Text()
	// The run stops where the bound passed, and the check follows.
	assert.Contains(t, text, "run 2s\n# liveness during faults: servers 0,1 live since t=0.000s (a connected majority), no leader since t=0.000s nor at t=2.000s\nexpect leader\n")
	assert.Contains(t, out.Detail, "nor at t=2.000s")
	_, re := replay(sc)
	assert.Equal(t, out.Verdict, re.Verdict)
	assert.Equal(t, out.Line, re.Line)

	sc, out = run("startServers 3")
	assert.Equal(t, Pass, out.Verdict, sc.Text())
	assert.NotContains(t, sc.Text(), "liveness during faults")
}

// TestLiveWatchNamesTheOldestGroup checks which group a note names when
// several are live: the one live the longest, and of those live since the
// same sample the first by ids; a group keeps its start while it stays
// live, whatever the others do.
func TestLiveWatchNamesTheOldestGroup(t *testing.T) {
	s := time.Second
	f := &fakeLive{groups: [][]raft.NodeID{{3, 4, 5}, {0, 1, 2}}, leader: raft.None}
	w := &liveWatch{}
	f.at(w, 1*s)
	f.groups = [][]raft.NodeID{{0, 1}, {3, 4, 5}, {0, 1, 2}}
	f.at(w, 2*s)
	f.groups = [][]raft.NodeID{{0, 1}, {3, 4, 5}}
	f.at(w, 2*s+500*time.Millisecond)
	k, note := f.at(w, 1*s+duringLeaderBound)
	require.Equal(t, duringLeader, k)
	assert.Contains(t, note, "servers 3,4,5 live since t=1.000s")

	f.groups = [][]raft.NodeID{{3, 4, 5}, {0, 1, 2}}
	w = &liveWatch{}
	f.at(w, 0)
	k, note = f.at(w, duringLeaderBound)
	require.Equal(t, duringLeader, k)
	assert.Contains(t, note, "servers 0,1,2 live since t=0.000s", "a tie goes to the first group by ids")
}
