package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

func intID(i int) raft.NodeID { return raft.NodeID(i) }

// diskOf is the disk of a fresh member of an n-server cluster.
func diskOf(n int) raft.Storage {
	ids := make([]raft.NodeID, n)
	for i := range ids {
		ids[i] = raft.NodeID(i)
	}
	return raft.Storage{HardState: raft.HardState{VotedFor: raft.None}, Bootstrap: ids}
}

// newCluster starts n servers and waits for a leader.
func newCluster(t *testing.T, seed uint64, n int) (*Sim, raft.NodeID) {
	t.Helper()
	s := New(Options{Seed: seed})
	require.NoError(t, s.StartServers(n, ServerOptions{}))
	l, ok := s.LeaderID(true)
	require.True(t, ok, "no leader elected")
	return s, l
}

// newClassicCluster is newCluster with the paper's Figure 2 alone: no
// pre-vote, no check-quorum (a cut-off leader does not step down).
func newClassicCluster(t *testing.T, seed uint64, n int) (*Sim, raft.NodeID) {
	t.Helper()
	s := New(Options{Seed: seed, NoPreVote: true, NoCheckQuorum: true})
	require.NoError(t, s.StartServers(n, ServerOptions{}))
	l, ok := s.LeaderID(true)
	require.True(t, ok, "no leader elected")
	return s, l
}

func set(k, v string) raft.Command {
	return raft.Command{Op: raft.OpSet, Key: k, Value: raft.Value(v)}
}

// requireSafe fails the test if any safety property broke.
func requireSafe(t *testing.T, s *Sim) {
	t.Helper()
	require.Empty(t, s.Violations(), "safety violations")
}

// formatEvent renders a trace event as one line of text, with everything
// it carries, so that two traces compare byte for byte.
func formatEvent(e TraceEvent) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s n=%d p=%d", e.Time, e.Kind, e.Node, e.Peer)
	if e.Reason != "" {
		fmt.Fprintf(&b, " reason=%q", e.Reason)
	}
	if m := e.Msg; m != nil {
		fmt.Fprintf(&b, " msg=%s %d->%d t=%d li=%d lt=%d pi=%d pt=%d c=%d rs=%d rej=%v m=%d ct=%d ci=%d",
			m.Type, m.From, m.To, m.Term, m.LastIndex, m.LastTerm, m.PrevIndex, m.PrevTerm, m.Commit, m.ReadSeq,
			m.Reject, m.Match, m.ConflictTerm, m.ConflictIndex)
		for _, en := range m.Entries {
			fmt.Fprintf(&b, " [%d/%d %s]", en.Index, en.Term, describe(&en))
		}
		if m.Type == raft.MsgClient {
			fmt.Fprintf(&b, " cmd=%+v", *m.Cmd)
		}
		if m.Type == raft.MsgClientResp {
			fmt.Fprintf(&b, " resp=%+v", *m.Resp)
		}
	}
	if e.Kind == EvRaft {
		fmt.Fprintf(&b, " raft=%+v", e.Raft)
	}
	return b.String()
}

// recorder collects a simulation's trace as text.
type recorder struct {
	lines []string
}

func (r *recorder) listen(e TraceEvent) { r.lines = append(r.lines, formatEvent(e)) }
func (r *recorder) text() string        { return strings.Join(r.lines, "\n") }

// requireRecovers checks liveness after every fault is healed: a leader
// within leaderBound, a write that succeeds (without pre-vote, servers with
// stale logs but high terms may depose a leader a few times first, so it is
// retried), then an idle cluster. It returns the leader.
func requireRecovers(t *testing.T, s *Sim, seed uint64, leaderBound time.Duration) raft.NodeID {
	t.Helper()
	require.True(t, s.RunUntil(UntilCond{Kind: "leader"}, leaderBound), "seed %d: no leader after healing", seed)
	var resp raft.Response
	for range 5 {
		var err error
		resp, err = s.ClientRequest(raft.None, set("final", "1"))
		require.NoError(t, err)
		if resp.Status == raft.StatusSuccess {
			break
		}
	}
	require.Equal(t, raft.StatusSuccess, resp.Status, "seed %d", seed)
	require.True(t, s.RunUntil(UntilCond{Kind: "idle"}, 5*time.Second), "seed %d: not idle", seed)
	l, _ := s.LeaderID(false)
	return l
}
