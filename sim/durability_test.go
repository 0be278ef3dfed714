package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// Figure 2, "persistent state": a lone voter must not lead (or write) before
// the term it votes itself into is durable. With a 3s fsync, a crash while
// term 1 is still on its way to the disk brings the server back in term 0;
// had it led term 1 already, it would win term 1 a second time and write a
// different entry under an (index, term) it wrote before, which a server
// holding the first copy could never tell apart (Log Matching, §5.3).
func TestLoneVoterLeadsOnlyOnceItsTermIsDurable(t *testing.T) {
	s := New(Options{Seed: 1})
	require.NoError(t, s.SetFsync(raft.None, 3*time.Second))
	require.NoError(t, s.StartServers(1, ServerOptions{}))
	_, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	first := s.server(0).node.Log()
	require.NoError(t, s.Crash(0))
	require.NoError(t, s.Restart(0))
	s.Run(10 * time.Second)
	_, err = s.ClientRequest(raft.None, set("a", "2"))
	require.NoError(t, err)
	s.Run(10 * time.Second)
	second := s.server(0).node.Log()
	for _, a := range first {
		for _, b := range second {
			if a.Index == b.Index && a.Term == b.Term {
				require.Equal(t, a, b, "two different entries written under index %d, term %d", a.Index, a.Term)
			}
		}
	}
	requireSafe(t, s)
}
