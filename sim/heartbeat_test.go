package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// maxTerm returns the highest term of the servers.
func maxTerm(s *Sim) uint64 {
	t := uint64(0)
	for _, id := range s.Servers() {
		t = max(t, s.server(id).node.Term())
	}
	return t
}

// §5.2 (Figure 2, Rules for Servers, Leaders: the leader repeats its
// heartbeat "during idle periods to prevent election timeouts"): a
// follower whose election timeout is much shorter than its leader's, but
// longer than a heartbeat interval and the network's delay, never starts
// an election under a loaded leader. Classic Raft, so that nothing else
// (pre-vote, check-quorum's §4.2.3 rule) hides an election it starts. When
// the leader spared a follower a heartbeat for an AppendEntries half an
// interval old, bounding the silence by the leader's own timeout, this one
// could go 1.5 intervals without a message and campaigned: 24 term
// changes over these seeds.
func TestShortTimeoutFollowerUnderLoadNeverCampaigns_5_2(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		s := New(Options{Seed: seed, ElectionTimeout: 300 * time.Millisecond, HeartbeatInterval: 50 * time.Millisecond,
			NoPreVote: true, NoCheckQuorum: true, TraceCap: -1})
		require.NoError(t, s.StartServers(4, ServerOptions{}))
		_, ok := s.LeaderID(true)
		require.True(t, ok)
		// The shell's addServer 4 electionTimeout=70ms-70ms: 70 ms, more
		// than an interval and the spread of delays (5-15 ms), every time.
		r, err := s.AddServer(4, ServerOptions{ElectionTimeout: 70 * time.Millisecond, ElectionTimeoutMax: 70 * time.Millisecond})
		require.NoError(t, err)
		require.Equal(t, raft.StatusOK, r.Status, "seed %d", seed)
		term := maxTerm(s)
		_, err = s.StartLoad(LoadOptions{Rate: 30, Duration: 60 * time.Second})
		require.NoError(t, err)
		s.Run(60 * time.Second)
		l, ok := s.LeaderID(false)
		require.True(t, ok)
		require.Greater(t, s.server(l).node.CommitIndex(), uint64(1000), "seed %d: the load ran", seed)
		assert.Equal(t, term, maxTerm(s), "seed %d: elections under a working leader", seed)
		requireSafe(t, s)
	}
}

// §5.2, as a property over random timings: while a leader leads and its
// network is whole, the gap between two messages from it arriving at a
// follower never exceeds a heartbeat interval plus the spread of the
// network's delays (less than its largest delay), whatever the servers'
// election timeouts, the protocol's extensions and the load.
func TestLeaderSilenceBoundedByHeartbeatInterval_5_2(t *testing.T) {
	ms := time.Millisecond
	for trial := uint64(1); trial <= 24; trial++ {
		rng := rand.New(rand.NewPCG(trial, 5))
		dur := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(rng.Int64N(int64(hi-lo)+1)) }
		hb := dur(10*ms, 100*ms)
		latMin := dur(ms, 10*ms)
		latMax := latMin + dur(0, 20*ms)
		o := Options{Seed: trial, HeartbeatInterval: hb, LatencyMin: latMin, LatencyMax: latMax,
			ElectionTimeout: dur(hb+latMax+ms, 8*hb+latMax), TraceCap: -1,
			NoPreVote: rng.IntN(2) == 0, NoCheckQuorum: rng.IntN(2) == 0}
		s := New(o)
		bound := hb + latMax - latMin // sent an interval apart at most, each delayed by min to max
		worst, where := time.Duration(0), ""
		last := map[[2]raft.NodeID]time.Duration{} // leader, follower -> last arrival
		term := map[raft.NodeID]uint64{}           // the term a leader's arrivals are of
		s.OnEvent(func(e TraceEvent) {
			m := e.Msg
			if e.Kind != EvDeliver || m == nil || (m.Type != raft.MsgApp && m.Type != raft.MsgHeartbeat && m.Type != raft.MsgSnap) {
				return
			}
			if term[m.From] != m.Term {
				term[m.From] = m.Term // a new term: its first message starts the count
				for k := range last {
					if k[0] == m.From {
						delete(last, k)
					}
				}
			}
			k := [2]raft.NodeID{m.From, m.To}
			if prev, ok := last[k]; ok && s.server(m.From).node.Role() == raft.Leader && s.server(m.From).node.Term() == m.Term {
				if gap := e.Time - prev; gap > worst {
					worst, where = gap, fmt.Sprintf("S%d heard nothing from leader S%d from %v to %v", m.To, m.From, prev, e.Time)
				}
			}
			last[k] = e.Time
		})
		n := 3 + 2*rng.IntN(2)
		require.NoError(t, s.StartServers(n, ServerOptions{}))
		_, ok := s.LeaderID(true)
		require.True(t, ok)
		// Two more servers, with their own (shorter) timeouts.
		for _, id := range []raft.NodeID{raft.NodeID(n), raft.NodeID(n + 1)} {
			_, err := s.AddServer(id, ServerOptions{ElectionTimeout: dur(hb+latMax+ms, o.ElectionTimeout)})
			require.NoError(t, err)
		}
		_, err := s.StartLoad(LoadOptions{Clients: 1 + rng.IntN(8), Rate: float64(rng.IntN(200)), Duration: 10 * time.Second})
		require.NoError(t, err)
		s.Run(10 * time.Second)
		assert.LessOrEqual(t, worst, bound, "trial %d (interval %v, latency %v-%v, %+v): %s", trial, hb, latMin, latMax, o, where)
		requireSafe(t, s)
	}
}
