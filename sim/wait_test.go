package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// TestClientRequestWaitsUntilAppliedOnReachableServers: after a write's
// answer the shell's next look must show it on every live server the leader
// reaches (the tutorial's promise), on a plain and on a lossy, reordering
// network, for many seeds (seed 6 is one where the commit reaches the
// followers more than a heartbeat interval after the answer).
func TestClientRequestWaitsUntilAppliedOnReachableServers(t *testing.T) {
	for _, lossy := range []bool{false, true} {
		for seed := uint64(1); seed <= 40; seed++ {
			s := New(Options{Seed: seed})
			require.NoError(t, s.StartServers(3, ServerOptions{}))
			if lossy {
				require.NoError(t, s.SetNet(NetRule{Set: NetLoss | NetDup | NetReorder, Model: NetModel{Loss: 0.1, Dup: 0.1, Reorder: 0.2}}))
			}
			s.Run(3 * time.Second)
			for i := range 5 {
				r, err := s.ClientRequest(raft.None, set("a", string(rune('0'+i))))
				require.NoError(t, err)
				if r.Status != raft.StatusSuccess {
					continue
				}
				// The server that answered, and the index it had
				// committed then.
				l, want := s.shell.respFrom, s.shell.respCommit
				s.reachable(l, func(srv *server) bool {
					require.GreaterOrEqual(t, srv.node.LastApplied(), want, "seed %d lossy %v: S%d behind leader S%d after write %d", seed, lossy, srv.id, l, i)
					return true
				})
			}
		}
	}
}

// TestSettleIsBounded: a live follower the leader reaches but that hears
// nothing (every message to it is lost) does not hold the shell for longer
// than the bound.
func TestSettleIsBounded(t *testing.T) {
	s, l := newCluster(t, 1, 3)
	deaf := (l + 1) % 3
	require.NoError(t, s.SetLinkNet(l, deaf, false, NetRule{Set: NetLoss, Model: NetModel{Loss: 1}}))
	start := s.Now()
	r, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	require.Equal(t, raft.StatusSuccess, r.Status)
	bound := s.settleBound(s.server(l), s.server(l).node.Members())
	require.Less(t, s.Now()-start, 2*s.opts.ElectionTimeout+bound, "the request and its settling")
	require.Less(t, s.server(deaf).node.LastApplied(), s.server(l).node.LastApplied())
}
