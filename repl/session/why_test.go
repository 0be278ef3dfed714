package session

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
)

// whyWords is how why must name a server's role and term.
func whyWords(in raftInfo) string {
	if !in.Up {
		return fmt.Sprintf("S%d is down", in.ID)
	}
	switch in.Role {
	case raft.Leader:
		return fmt.Sprintf("S%d is leader of term %d", in.ID, in.Term)
	case raft.Candidate:
		return fmt.Sprintf("S%d is a candidate in term %d", in.ID, in.Term)
	case raft.PreCandidate:
		return fmt.Sprintf("S%d is a pre-candidate in term %d", in.ID, in.Term)
	}
	return fmt.Sprintf("S%d is a follower in term %d", in.ID, in.Term)
}

type raftInfo struct {
	ID   raft.NodeID
	Up   bool
	Role raft.Role
	Term uint64
}

// Every script of scripts/ ends with servers in many states (leaders old
// and new, candidates, followers, crashed, partitioned, removed): why
// explains each, naming its role and term and citing at least one event.
// With -v the explanations are logged, to be read.
func TestWhyExplainsEveryServerOfEveryScript(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "scripts", "*.raft"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".raft"), func(t *testing.T) {
			text, err := os.ReadFile(f)
			require.NoError(t, err)
			sc, err := lang.ParseScript(f, string(text))
			require.NoError(t, err)
			s := New(Options{Seed: 1})
			for _, c := range sc.Commands() {
				s.Exec(c.Text)
			}
			for _, id := range s.Sim().Servers() {
				in, err := s.Sim().Info(id)
				require.NoError(t, err)
				r := s.Exec(fmt.Sprint("why ", id))
				require.NoError(t, r.Err)
				w := r.Value.(render.Why)
				t.Logf("t=%s %s", render.Seconds(s.Sim().Now()), w.Text)
				assert.True(t, strings.HasPrefix(w.Text, whyWords(raftInfo{id, in.Up, in.Role, in.Term})), "%s", w.Text)
				assert.NotEmpty(t, w.Causes, "%s cites no event", w.Text)
				assert.NotRegexp(t, `not yet on a majority \([^)]*: a majority of`, w.Text, "an entry said to be short of a majority is on one")
				for _, c := range w.Causes {
					assert.LessOrEqual(t, c.Time, s.Sim().Now())
					assert.NotEmpty(t, c.Text)
				}
			}
		})
	}
}

// why cites what caused the state: the crash that silenced the old leader,
// a partition that keeps a candidate from its voters, a vote refused for
// having gone to someone else.
func TestWhyCitesTheCause(t *testing.T) {
	s, l := cluster(t)
	execOK(t, s, "crash $lid")
	execOK(t, s, "until leader")
	nl, ok := s.Sim().LeaderID(false)
	require.True(t, ok)
	w := execOK(t, s, fmt.Sprint("why ", nl)).Value.(render.Why)
	assert.Contains(t, w.Text, fmt.Sprintf("S%d crashed at", l))
	kinds := map[string]bool{}
	for _, c := range w.Causes {
		kinds[c.Kind] = true
	}
	assert.True(t, kinds["crash"] && kinds["timeout"] && kinds["leader"], "causes %v", w.Causes)

	var other raft.NodeID
	for _, id := range s.Sim().Servers() {
		if id != l && id != nl {
			other = id
		}
	}
	execOK(t, s, fmt.Sprintf("partition %d", other))
	execOK(t, s, "run 1s")
	w = execOK(t, s, fmt.Sprint("why ", other)).Value.(render.Why)
	assert.Contains(t, w.Text, "(partition)", w.Text)

	w = execOK(t, s, fmt.Sprint("why ", l)).Value.(render.Why)
	assert.True(t, strings.HasPrefix(w.Text, fmt.Sprintf("S%d is down since", l)), w.Text)

	// A vote refused because it went to another candidate.
	h := New(Options{Seed: 1})
	execOK(t, h, "startServers 3 classic")
	execOK(t, h, "timeout 1")
	execOK(t, h, "deliver 1->0")
	execOK(t, h, "timeout 2")
	execOK(t, h, "deliver 2->0")
	execOK(t, h, "deliver 0->2")
	w = execOK(t, h, "why 2").Value.(render.Why)
	assert.Contains(t, w.Text, "S0 refused")
	assert.Contains(t, w.Text, "it had voted for S1 in term 1")
	assert.Contains(t, w.Text, "fired by hand")
}

// why's JSON is {"text", "causes": [{"t_ms", "kind", "server", "peer", "text"}]}.
func TestWhyJSON(t *testing.T) {
	s, _ := cluster(t)
	var b strings.Builder
	(&render.Renderer{W: &b, JSON: true}).Render(s.Exec("why 0"))
	var line struct {
		OK     bool `json:"ok"`
		Result struct {
			Text   string `json:"text"`
			Causes []struct {
				TMs    float64 `json:"t_ms"`
				Kind   string  `json:"kind"`
				Server *int    `json:"server"`
				Peer   *int    `json:"peer"`
				Text   string  `json:"text"`
			} `json:"causes"`
		} `json:"result"`
	}
	require.NoError(t, json.Unmarshal([]byte(b.String()), &line))
	assert.True(t, line.OK)
	assert.True(t, strings.HasPrefix(line.Result.Text, "S0 is leader of term 1"))
	require.NotEmpty(t, line.Result.Causes)
	for _, c := range line.Result.Causes {
		assert.NotEmpty(t, c.Kind)
		assert.NotEmpty(t, c.Text)
		require.NotNil(t, c.Server)
	}
}

// why as of a past time says what why said at that time: the state it
// rebuilds from the trace (past.go) is the one the servers had. Every
// script of scripts/ is played, and a run through snapshots (taken,
// and installed by a follower that was down); after each command, why
// explains each server, and at the end WhyAt explains them as of each of
// those times. (A time after which more events happened at the same
// instant, before why looked, is skipped: why then saw only part of it.)
// A script of many commands is looked at after 25 of them, spread over
// it; one that outgrows the trace has no start to rebuild from.
func TestWhyAtSaysWhatWhySaidThen(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "scripts", "*.raft"))
	require.NoError(t, err)
	runs := map[string][]string{
		"snapshots": {"startServers 3 snapshotThreshold=4", "clientRequest set a 1", "crash 2", "clientRequest set a 2",
			"clientRequest set b 3", "clientRequest set c 4", "clientRequest set d 5", "snapshot 0", "run 100ms", "restart 2", "run 1s",
			"crash 0", "until leader", "clientRequest set e 6", "run 500ms"},
	}
	for _, f := range files {
		text, err := os.ReadFile(f)
		require.NoError(t, err)
		sc, err := lang.ParseScript(f, string(text))
		require.NoError(t, err)
		for _, c := range sc.Commands() {
			runs[strings.TrimSuffix(filepath.Base(f), ".raft")] = append(runs[strings.TrimSuffix(filepath.Base(f), ".raft")], c.Text)
		}
	}
	for name, cmds := range runs {
		t.Run(name, func(t *testing.T) {
			s := New(Options{Seed: 1})
			type said struct {
				at   time.Duration
				seen int // trace events then
				id   raft.NodeID
				text string
			}
			var then []said
			every := max(1, len(cmds)/25) // why costs a pass over the trace: 25 looks per script
			for i, c := range cmds {
				before := s.Sim()
				s.Exec(c)
				if s.Sim() != before {
					then = nil // seed N or reset: a new run
				}
				if s.Sim().TraceStats().Dropped > 0 {
					t.Skipf("the run outgrew the trace at %q: nothing to rebuild its start from", c)
				}
				if i%every != 0 && i != len(cmds)-1 {
					continue
				}
				for _, id := range s.Sim().Servers() {
					w, err := s.Why(id)
					require.NoError(t, err)
					then = append(then, said{s.Sim().Now(), s.Sim().TraceStats().Kept, id, w.Text})
				}
			}
			evs := s.Sim().Trace()
			compared := 0
			for _, w := range then {
				n := 0
				for n < len(evs) && evs[n].Time <= w.at {
					n++
				}
				if n != w.seen {
					continue
				}
				got, err := s.WhyAt(w.id, w.at)
				require.NoError(t, err)
				require.Equal(t, w.text, got.Text, "S%d at t=%s", w.id, render.Seconds(w.at))
				compared++
			}
			require.NotZero(t, compared)
		})
	}
}

// A commit index learned without committing up to it — from a snapshot
// installed (§7), or from its own snapshot at a restart — is explained so,
// not as "not in the trace" nor by a commit from before the restart.
func TestWhyCommitFromASnapshot(t *testing.T) {
	s := New(Options{Seed: 1})
	for _, l := range []string{"startServers 3 snapshotThreshold=4", "clientRequest set a 1", "crash 2", "clientRequest set a 2",
		"clientRequest set b 3", "clientRequest set c 4", "clientRequest set d 5", "snapshot 0", "run 100ms", "restart 2", "run 1s"} {
		execOK(t, s, l)
	}
	w := execOK(t, s, "why 2").Value.(render.Why)
	assert.Contains(t, w.Text, "when it installed S0's snapshot: a snapshot holds only committed entries (§7)")
	assert.NotContains(t, w.Text, "not in the trace")

	execOK(t, s, "crash 1")
	execOK(t, s, "restart 1")
	w = execOK(t, s, "why 1").Value.(render.Why)
	restart := render.Seconds(s.Sim().Now())
	assert.Contains(t, w.Text, "commit index 4 since "+restart+", when it restarted from its snapshot after entry 4", "the commit index after the restart comes from its snapshot: %s", w.Text)
}

// why never says an entry is short of a majority while naming the majority
// that stores it: the golden scripts hold why's words at many points of
// their runs (TestGolden keeps them equal to what the shell prints), so
// their text is checked here. transfer.raft's `why 3` asked while the
// leader's answers were in flight said "3@t2 is not yet on a majority (S1,
// S3 and S4: a majority of 5)".
func TestWhyNeverCallsAMajorityShort(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "scripts", "*.raft"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	short := regexp.MustCompile(`not yet on a majority \([^)]*: a majority of`)
	for _, f := range files {
		text, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.False(t, short.Match(text), "%s: %s", f, short.Find(text))
	}
}

// An entry in the logs of a majority but not yet on their disks is not
// waiting for answers on the way: none is sent before the write is
// durable, and the leader counts its own copy only then. why says so
// (every disk slow: the followers' answers wait for their fsync).
func TestWhyPendingEntryWaitsForTheDisks(t *testing.T) {
	s := New(Options{Seed: 1})
	for _, l := range []string{"startServers 3", "clientRequest set x 1", "disk 0 fsync=100ms", "disk 1 fsync=100ms", "disk 2 fsync=100ms",
		"load clients=1 rate=20/s keys=1 for=1s"} {
		execOK(t, s, l)
	}
	seen := false
	for range 40 {
		execOK(t, s, "run 5ms")
		w := execOK(t, s, "why 0").Value.(render.Why)
		if strings.Contains(w.Text, "is on S0, S1 and S2: a majority of 3, but") {
			assert.NotContains(t, w.Text, "their answers are on the way", "no answer leaves before the write is durable: %s", w.Text)
			assert.Contains(t, w.Text, "a copy counts toward a commit once it is durable", "%s", w.Text)
			seen = true
		}
	}
	require.True(t, seen, "the run never had an entry on a majority of logs and uncommitted")
}
