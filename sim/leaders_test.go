package sim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// leaderByScan is leader() as it was before the set of leaders: a look at
// every server.
func (s *Sim) leaderByScan() raft.NodeID {
	best, bestTerm := raft.None, uint64(0)
	for _, id := range s.ids {
		srv := s.servers[id]
		if !srv.up || srv.node.Role() != raft.Leader || srv.node.Term() < bestTerm {
			continue
		}
		if s.reachesMajority(srv) {
			best, bestTerm = id, srv.node.Term()
		}
	}
	return best
}

// TestLeaderSetAgreesWithScan checks, after every event of runs through
// crashes, restarts, partitions, slow disks, timeouts and membership
// changes, that leader() (which looks only at the servers seen leading)
// names the server a scan of every server names.
func TestLeaderSetAgreesWithScan(t *testing.T) {
	seeds := 40
	if testing.Short() {
		seeds = 8
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		s := New(Options{Seed: seed, NoSafetyCheck: true})
		n := 1 + int(seed%5)
		r := rand.New(rand.NewPCG(seed, 99))
		require.NoError(t, s.StartServers(n, ServerOptions{}))
		checked := 0
		for step := range 40 {
			id := raft.NodeID(r.IntN(n))
			switch r.IntN(9) {
			case 0:
				_ = s.Crash(id)
			case 1:
				_ = s.Restart(id)
			case 2:
				require.NoError(t, s.SetFsync(id, time.Duration(r.IntN(100))*time.Millisecond))
			case 3:
				require.NoError(t, s.Partition([][]raft.NodeID{{id}}))
			case 4:
				s.Heal()
			case 5:
				_, _ = s.FireTimer(id)
			case 6:
				_, _ = s.AddServer(raft.NodeID(n+r.IntN(2)), ServerOptions{})
			case 7:
				_, _ = s.RemoveServer(id)
			default:
				_, _ = s.ClientRequest(raft.None, set("k", "v"))
			}
			for range 1 + r.IntN(300) {
				if s.Step(1) == 0 {
					break
				}
				require.Equal(t, s.leaderByScan(), s.leader(), "seed %d step %d at %v", seed, step, s.Now())
				checked++
			}
		}
		require.Positive(t, checked)
	}
}
