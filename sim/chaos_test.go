package sim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// TestRandomFaultsStaySafe drives clusters through random crashes,
// restarts, partitions, cuts and requests, and requires that no safety
// property ever breaks and that the cluster recovers once healed. It
// exercises the checker against real runs (no false alarms) and the core
// against faults.
func TestRandomFaultsStaySafe(t *testing.T) {
	seeds := 40
	if testing.Short() {
		seeds = 5
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		s := New(Options{Seed: seed})
		n := 3 + int(seed%3)
		require.NoError(t, s.StartServers(n, ServerOptions{}))
		r := rand.New(rand.NewPCG(seed, 99))
		acked := map[string]raft.Value{}
		for step := range 40 {
			id := raft.NodeID(r.IntN(n))
			switch r.IntN(8) {
			case 0:
				_ = s.Crash(id)
			case 1:
				_ = s.Restart(id)
			case 2:
				groups := [][]raft.NodeID{{id}}
				if other := raft.NodeID(r.IntN(n)); other != id && r.IntN(2) == 0 {
					groups = append(groups, []raft.NodeID{other})
				}
				require.NoError(t, s.Partition(groups))
			case 3:
				s.Heal()
			case 4:
				_ = s.Cut(id, raft.NodeID(r.IntN(n)), r.IntN(2) == 0)
			default:
				k := string(rune('a' + r.IntN(4)))
				v := raft.Value(rune('0' + step%10))
				resp, err := s.ClientRequest(raft.None, set(k, string(v)))
				require.NoError(t, err)
				if resp.Status == raft.StatusSuccess {
					acked[k] = v
				}
			}
			s.Run(time.Duration(r.IntN(300)) * time.Millisecond)
			require.Empty(t, s.Violations(), "seed %d step %d", seed, step)
		}
		// Heal everything: a leader must emerge and every acknowledged
		// write must be there (later writes to a key may have overwritten
		// it, so only check that some value is present).
		s.Heal()
		for _, id := range s.Servers() {
			_ = s.Restart(id)
		}
		// Logs that diverged during the faults can make elections take a
		// few rounds (only up-to-date servers can win), so allow more
		// than LeaderID's bound.
		l := requireRecovers(t, s, seed, 10*time.Second)
		ok, why := s.Converged()
		require.True(t, ok, "seed %d: %s", seed, why)
		sm := info(t, s, l).StateMachine
		for k := range acked {
			require.Contains(t, sm, k, "seed %d: acknowledged key %s lost", seed, k)
		}
		require.Empty(t, s.Violations(), "seed %d", seed)
	}
}

// TestRandomMembershipChangesStaySafe adds membership changes to the random
// faults. Besides safety it guards the event loop: a node whose deadline is
// stuck in the past must not make the simulation spin at one instant (seed
// 670 hit that in the core of November 2026: a leader whose caught-up new
// server waits for a commit kept a past catch-up deadline).
func TestRandomMembershipChangesStaySafe(t *testing.T) {
	seeds := 700
	if testing.Short() {
		seeds = 50
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		s := New(Options{Seed: seed})
		n := 3 + int(seed%3)
		require.NoError(t, s.StartServers(n, ServerOptions{}))
		r := rand.New(rand.NewPCG(seed, 77))
		maxID := n + 3
		for step := range 80 {
			id := raft.NodeID(r.IntN(maxID))
			switch r.IntN(10) {
			case 0:
				_ = s.Crash(id)
			case 1:
				_ = s.Restart(id)
			case 2:
				if s.server(id) != nil {
					require.NoError(t, s.Partition([][]raft.NodeID{{id}}))
				}
			case 3, 4:
				s.Heal()
			case 5:
				_, err := s.AddServer(id, ServerOptions{})
				require.NoError(t, err)
			case 6:
				// Never remove the last two members: a cluster emptied
				// by the user can elect no leader, which is not what this
				// test is about.
				if l, ok := s.LeaderID(false); ok && len(s.server(l).node.Members()) > 2 {
					_, err := s.RemoveServer(id)
					if s.server(id) != nil {
						require.NoError(t, err)
					}
				}
			default:
				_, err := s.ClientRequest(raft.None, set("k", string(rune('0'+step%10))))
				require.NoError(t, err)
			}
			s.Run(time.Duration(r.IntN(300)) * time.Millisecond)
			require.Empty(t, s.Violations(), "seed %d step %d", seed, step)
		}
		s.Heal()
		for _, id := range s.Servers() {
			_ = s.Restart(id)
		}
		require.True(t, s.RunUntil(UntilCond{Kind: "leader"}, 20*time.Second), "seed %d: no leader after healing", seed)
		require.Empty(t, s.Violations(), "seed %d", seed)
	}
}
