// Package sim is the world around the Raft servers: one virtual clock, one
// event queue, a simulated network, disks, clients, a trace and the safety
// checks. It is single-threaded and deterministic: the same seed and the same
// calls give the same run, byte for byte.
//
// sim knows nothing about the shell: the shell's session drives it through
// the methods of Sim and renders the data types declared here.
package sim

import (
	"time"

	"raftsim/raft"
)

// Options configures a simulation. Zero fields take the defaults (docs/design.md).
type Options struct {
	Seed              uint64        // default 1 (0 is taken as 1)
	ElectionTimeout   time.Duration // default 150ms: timeouts uniform in [150ms, 300ms)
	HeartbeatInterval time.Duration // default 50ms
	LatencyMin        time.Duration // default 5ms
	LatencyMax        time.Duration // default 15ms: one-way latency uniform in [min, max)
	// ElectionTimeoutMax is the upper bound of the election timeouts:
	// uniform in [ElectionTimeout, ElectionTimeoutMax), constant when the
	// two are equal; 0 means 2*ElectionTimeout.
	ElectionTimeoutMax time.Duration
	// Fsync is how long a write to a server's disk takes to become
	// durable (0, the default: at once). See Sim.SetFsync.
	Fsync time.Duration
	// NoSafetyCheck turns off the invariant checks after every event (for
	// benchmarks). The shell leaves them on.
	NoSafetyCheck bool
	// TraceCap bounds the trace that is always recorded (see Sim.Trace):
	// it keeps the newest TraceCap events. 0 means DefaultTraceCap; a
	// negative value records no trace.
	TraceCap int
	// NoPreVote and NoCheckQuorum turn off pre-vote (dissertation §9.6)
	// and check-quorum (§6.2, with the §4.2.3 rule it makes safe). Servers
	// run both by default, as modern deployments do; with both off they
	// run the paper's Figure 2 alone ("classic").
	NoPreVote, NoCheckQuorum bool
	// LeaseRead serves read-only gets from a leader lease (dissertation
	// §6.4.1) instead of a heartbeat round; it needs check-quorum.
	// MaxDriftPPM is the clock drift the lease allows for, in parts per
	// million (0: raft.DefaultMaxDriftPPM, 5%).
	LeaseRead   bool
	MaxDriftPPM int
	// SnapshotThreshold makes servers snapshot their state machine and
	// compact their log every SnapshotThreshold applied entries (§7); 0
	// never (Sim.Snapshot still can).
	SnapshotThreshold uint64
	// SessionTimeout expires a client session after this much log time
	// without a command (dissertation §6.3; 0: never). It is the
	// cluster's: every server's state machine must expire alike.
	SessionTimeout time.Duration
	// HistoryLimit bounds the client history: past it the oldest answered
	// operations are dropped (and the history can no longer be checked
	// for linearizability). 0 means DefaultHistoryLimit; negative, none.
	HistoryLimit int
}

// ServerOptions are per-server options of startServers / addServer.
type ServerOptions struct {
	Debug             bool          // trace this server's events even when `debug` is off
	ElectionTimeout   time.Duration // 0 = the simulation's
	HeartbeatInterval time.Duration // 0 = the simulation's
	Bug               string        // a planted bug (package bugs); "" for the correct Raft
	// ElectionTimeoutMax bounds the timeouts from above, as in Options;
	// it goes with ElectionTimeout (0: 2*ElectionTimeout).
	ElectionTimeoutMax time.Duration
	// PreVote and CheckQuorum switch the extensions on or off; nil means
	// the simulation's (see Options). Given to StartServers they become the
	// simulation's, for servers added later too.
	PreVote, CheckQuorum *bool
	// LeaseRead and MaxDriftPPM are as in Options; nil and 0 mean the
	// simulation's. Given to StartServers they become the simulation's.
	LeaseRead   *bool
	MaxDriftPPM int
	// SnapshotThreshold is the server's, as in Options; nil means the
	// simulation's. Given to StartServers it becomes the simulation's.
	SnapshotThreshold *uint64
	// SessionTimeout, given to StartServers, becomes the simulation's
	// (Options.SessionTimeout); AddServer refuses it.
	SessionTimeout time.Duration
}

// ServerInfo is everything the shell can show about one server. For a
// crashed server, the persistent fields come from its disk and the volatile
// ones are zero.
type ServerInfo struct {
	ID           raft.NodeID
	Up           bool
	Role         raft.Role
	Term         uint64
	VotedFor     raft.NodeID
	Leader       raft.NodeID // who it believes leads, or raft.None
	CommitIndex  uint64
	LastApplied  uint64
	Log          []raft.Entry
	StateMachine map[string]raft.Value
	NextIndex    map[raft.NodeID]uint64 // leader only, else nil
	MatchIndex   map[raft.NodeID]uint64 // leader only, else nil
	Config       []raft.NodeID          // the membership this server follows: every voter, ascending
	Membership   raft.Membership        // the same, as raft decides for it (quorums, joint changes)
	Group        int                    // partition group (0 when not partitioned)
	// FirstIndex and LastIndex bound the log: entries before FirstIndex
	// are compacted into Snapshot (§7). Log holds FirstIndex..LastIndex.
	FirstIndex, LastIndex uint64
	Snapshot              SnapshotInfo
}

// SnapshotInfo describes a server's latest snapshot: the last entry it
// includes (Index 0: none yet), that entry's term, the configuration it
// records (its voters, and during a joint change the old voters, and its
// learners) and its size.
type SnapshotInfo struct {
	Index, Term uint64
	Config      []raft.NodeID
	Old         []raft.NodeID
	Learners    []raft.NodeID
	Bytes       int
}

// EventKind says what a trace event is.
type EventKind uint8

// Trace event kinds.
const (
	EvRaft        EventKind = iota // something a node did: see Raft
	EvSend                         // Msg left From for To
	EvDeliver                      // Msg arrived at To
	EvDrop                         // Msg was lost (Reason: "partition", "cut", "down", "loss")
	EvCrash                        // server Node crashed
	EvRestart                      // server Node restarted from disk
	EvPartition                    // the network changed (Reason describes it)
	EvClientCall                   // client Node sent Msg.Cmd
	EvClientReply                  // client Node got Msg.Resp (Reason "late": it answers an earlier attempt and is ignored)
	EvViolation                    // a safety property broke (Reason says which)
	EvDisk                         // a write of server Node became durable, or a crash lost it (Reason says which)
	EvClock                        // server Node's clock drift changed (Reason says to what)
)

// TraceEvent is one line of the trace.
type TraceEvent struct {
	Time   time.Duration
	Kind   EventKind
	Node   raft.NodeID
	Peer   raft.NodeID
	Msg    *raft.Message // EvSend, EvDeliver, EvDrop, EvClient*
	Raft   raft.Event    // EvRaft
	Reason string
}

// Violation is a broken safety property, with enough detail for a student to
// find it: which rule, when, on which servers, which entries.
type Violation struct {
	Time     time.Duration
	Property string // "Election Safety", "Leader Append-Only", "Log Matching", "Leader Completeness", "State Machine Safety", "Log Integrity", "Core Invariant" (one the Raft core caught broken in itself)
	Servers  []raft.NodeID
	Index    uint64
	Detail   string
}

// UntilCond is a condition for RunUntil.
type UntilCond struct {
	Kind  string // "leader", "committed", "idle"
	Index uint64 // for "committed"
}
