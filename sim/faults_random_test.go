package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// randomNet draws a fault model: some loss, duplication, reordering and
// long delays, uniform or exponential latency.
func randomNet(r *rand.Rand) NetRule {
	m := NetModel{
		Loss:       r.Float64() * 0.2,
		Dup:        r.Float64() * 0.2,
		Reorder:    r.Float64() * 0.2,
		LatencyMin: time.Duration(1+r.IntN(5)) * time.Millisecond,
		LatencyMax: time.Duration(10+r.IntN(30)) * time.Millisecond,
		Dist:       Dist(r.IntN(2)),
	}
	if r.IntN(2) == 0 {
		m.LongDelay, m.LongDelayMin, m.LongDelayMax = r.Float64()*0.05, 50*time.Millisecond, 400*time.Millisecond
	}
	return NetRule{Set: netAllFields, Model: m}
}

// TestRandomNetworkAndDiskFaultsStaySafe runs clusters through lossy,
// duplicating, reordering networks, slow disks (a crash then loses
// writes), crashes, restarts, partitions and one-way cuts, with client
// requests throughout, and requires every safety property at every step.
// Then it heals everything and requires a leader, a successful write and
// every acknowledged write in place (no acknowledged write is lost to a
// slow disk). It also exercises the checker against slow disks: no false
// alarms while memory runs ahead of the disk.
func TestRandomNetworkAndDiskFaultsStaySafe(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 30
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		randomFaultRun(t, seed)
	}
}

func randomFaultRun(t *testing.T, seed uint64) {
	s := New(Options{Seed: seed})
	n := 3 + int(seed%3)
	r := rand.New(rand.NewPCG(seed, 1234))
	require.NoError(t, s.SetNet(randomNet(r)))
	require.NoError(t, s.StartServers(n, ServerOptions{}))
	// Most servers get a slow disk: writes pile up, and crashes lose them.
	for _, id := range s.Servers() {
		if r.IntN(4) > 0 {
			require.NoError(t, s.SetFsync(id, time.Duration(r.IntN(150))*time.Millisecond))
		}
	}
	acked := map[string]raft.Value{}
	where := func(step int) string { return fmt.Sprintf("seed %d step %d", seed, step) }
	for step := range 40 {
		id := raft.NodeID(r.IntN(n))
		switch r.IntN(14) {
		case 0, 1:
			_ = s.Crash(id)
		case 2, 3:
			_ = s.Restart(id)
		case 4:
			require.NoError(t, s.SetFsync(id, time.Duration(r.IntN(150))*time.Millisecond), where(step))
		case 5:
			require.NoError(t, s.Partition([][]raft.NodeID{{id}}), where(step))
		case 6:
			s.Heal()
		case 7:
			if other := raft.NodeID(r.IntN(n)); other != id {
				require.NoError(t, s.Cut(id, other, r.IntN(2) == 0), where(step))
			}
		case 8:
			if other := raft.NodeID(r.IntN(n)); other != id {
				rule := NetRule{Set: NetLoss | NetLatency, Model: NetModel{Loss: r.Float64() * 0.5, LatencyMin: 20 * time.Millisecond, LatencyMax: 80 * time.Millisecond}}
				require.NoError(t, s.SetLinkNet(id, other, r.IntN(2) == 0, rule), where(step))
			}
		case 9:
			require.NoError(t, s.SetNet(randomNet(r)), where(step))
		default:
			k := string(rune('a' + r.IntN(3)))
			v := raft.Value(fmt.Sprint(step))
			resp, err := s.ClientRequest(raft.None, set(k, string(v)))
			require.NoError(t, err)
			if resp.Status == raft.StatusSuccess {
				acked[k] = v
			}
		}
		s.Run(time.Duration(r.IntN(150)) * time.Millisecond)
		require.Empty(t, s.Violations(), where(step))
	}
	// Heal everything: the plain network, instant disks, every server up.
	s.Heal()
	s.ResetNet()
	require.NoError(t, s.SetFsync(raft.None, 0))
	for _, id := range s.Servers() {
		_ = s.Restart(id)
	}
	l := requireRecovers(t, s, seed, 20*time.Second)
	info, err := s.Info(l)
	require.NoError(t, err)
	for k := range acked {
		// A later write to the key may have overwritten the acknowledged
		// value (even one whose client timed out), so only its presence
		// is certain.
		require.Contains(t, info.StateMachine, k, "seed %d: acknowledged key %s lost", seed, k)
	}
	ok, why := s.Converged()
	require.True(t, ok, "seed %d: %s", seed, why)
	require.Empty(t, s.Violations(), "seed %d", seed)
}
