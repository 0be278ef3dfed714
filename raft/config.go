package raft

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultElectionTimeout   = 150 * time.Millisecond
	DefaultHeartbeatInterval = 50 * time.Millisecond
	DefaultMaxBatch          = 64
	DefaultMaxInflight       = 16
	// DefaultMaxDriftPPM is the clock drift lease reads allow for: 5%.
	DefaultMaxDriftPPM   = 50_000
	DefaultSnapshotChunk = 1024
)

// ErrLeaseNeedsCheckQuorum is returned by NewNode for LeaseRead without
// CheckQuorum: a lease holds only while the followers that acknowledged
// it refuse to vote for another (§4.2.3), which they do only with
// check-quorum.
var ErrLeaseNeedsCheckQuorum = errors.New("raft: Config.LeaseRead needs CheckQuorum (the lease relies on followers ignoring vote requests while they hear from a leader, §4.2.3)")

// ErrNoRand is returned by NewNode for a Config without Rand: without it
// every server would time out at the same instant, and split votes forever
// (§5.2 relies on randomized timeouts).
var ErrNoRand = errors.New("raft: Config.Rand is nil (election timeouts must be randomized, §5.2)")

// normalized returns c with every default filled in, or why c cannot run.
// It is the one place that reads Config's zero values: the rest of the
// package sees only normalized configs.
func (c Config) normalized() (Config, error) {
	if c.ID < 0 {
		return c, fmt.Errorf("raft: Config.ID %d: server ids are non-negative", c.ID)
	}
	if c.Rand == nil {
		return c, ErrNoRand
	}
	if c.StateMachine == nil {
		return c, ErrNoStateMachine
	}
	if c.ElectionTimeout < 0 || c.ElectionTimeoutMax < 0 || c.HeartbeatInterval < 0 || c.MaxBatch < 0 || c.MaxInflight < 0 {
		return c, fmt.Errorf("raft: Config has a negative value (electionTimeout %v, heartbeat %v, maxBatch %d, maxInflight %d)",
			c.ElectionTimeout, c.HeartbeatInterval, c.MaxBatch, c.MaxInflight)
	}
	if c.ElectionTimeout == 0 {
		c.ElectionTimeout = DefaultElectionTimeout
	}
	switch {
	case c.ElectionTimeoutMax == 0:
		c.ElectionTimeoutMax = 2 * c.ElectionTimeout
	case c.ElectionTimeoutMax < c.ElectionTimeout:
		c.ElectionTimeoutMax = c.ElectionTimeout // a constant timeout
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.MaxInflight == 0 {
		c.MaxInflight = DefaultMaxInflight
	}
	if c.MaxDriftPPM < 0 || c.MaxDriftPPM >= 1_000_000 {
		return c, fmt.Errorf("raft: Config.MaxDriftPPM %d: a drift bound is between 0 and 100%% (1,000,000)", c.MaxDriftPPM)
	}
	if c.MaxDriftPPM == 0 {
		c.MaxDriftPPM = DefaultMaxDriftPPM
	}
	if c.LeaseRead && !c.CheckQuorum {
		return c, ErrLeaseNeedsCheckQuorum
	}
	if c.SnapshotChunk <= 0 {
		c.SnapshotChunk = DefaultSnapshotChunk
	}
	if c.HeartbeatInterval >= c.ElectionTimeout {
		// Followers would time out between two heartbeats of a healthy
		// leader (§5.2: broadcastTime << electionTimeout).
		return c, fmt.Errorf("raft: heartbeat interval %v must be less than the election timeout %v",
			c.HeartbeatInterval, c.ElectionTimeout)
	}
	return c, nil
}

func strictlyIncreasing(ids []NodeID) bool {
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			return false
		}
	}
	return true
}

// normalizedStorage returns st with its bootstrap membership sorted and
// without duplicates (membership lookups are binary searches), or why its
// log cannot be a Raft log. A membership already sorted and without
// duplicates is kept, not copied (see Storage.Bootstrap).
func normalizedStorage(st Storage) (Storage, error) {
	if !strictlyIncreasing(st.Bootstrap) {
		st.Bootstrap = slices.Clone(st.Bootstrap)
		slices.Sort(st.Bootstrap)
		st.Bootstrap = slices.Compact(st.Bootstrap)
	}
	snap := st.Snapshot.SnapshotMeta
	if snap.Index > 0 && (snap.Term == 0 || len(snap.Config) == 0 || !slices.IsSorted(snap.Config)) {
		return st, fmt.Errorf("raft: Storage.Snapshot after entry %d has term %d and configuration %v (need a term and a sorted configuration)", snap.Index, snap.Term, snap.Config)
	}
	for i, e := range st.Log {
		if want := snap.Index + uint64(i) + 1; e.Index != want {
			return st, fmt.Errorf("raft: Storage.Log[%d] has index %d, want %d", i, e.Index, want)
		}
		prev := snap.Term
		if i > 0 {
			prev = st.Log[i-1].Term
		}
		if e.Term < prev {
			return st, fmt.Errorf("raft: Storage.Log entry %d has term %d, below the %d before it", e.Index, e.Term, prev)
		}
	}
	if t := max(lastTermOf(st.Log), snap.Term); t > st.Term {
		return st, fmt.Errorf("raft: Storage term %d is below its last entry's term %d", st.Term, t)
	}
	return st, nil
}

func lastTermOf(log []Entry) uint64 {
	if len(log) == 0 {
		return 0
	}
	return log[len(log)-1].Term
}

// leaseDuration is how long after the start of a heartbeat round that a
// majority acknowledged the leader may serve reads from its lease
// (§6.4.1), on its own clock: an election timeout measured on a follower
// clock up to d fast is ET/(1+d) of true time, and true time t reads as
// t*(1-d) on a leader clock up to d slow. Rules.Lease may replace it.
func (c Config) leaseDuration() time.Duration {
	if f := c.Rules.Lease; f != nil {
		return f(c.ElectionTimeout, c.MaxDriftPPM)
	}
	d := uint64(c.MaxDriftPPM)
	hi, lo := bits.Mul64(uint64(c.ElectionTimeout), 1_000_000-d)
	q, _ := bits.Div64(hi, lo, 1_000_000+d) // hi < divisor: the product is of a smaller factor
	return time.Duration(q)
}
