// Package sim is the world around the Raft servers: one virtual clock, one
// event queue, a simulated network, disks, clients, a trace and the safety
// checks. It is single-threaded and deterministic: the same seed and the same
// calls give the same run, byte for byte.
//
// sim knows nothing about the shell; repl drives it through the methods
// declared here and renders the data they return.
package sim

// THIS FILE IS THE CONTRACT between sim and repl. Signatures and types here are
// what repl codes against; implementations live in the other files of sim.

import (
	"io"
	"time"

	"raftsim/check"
	"raftsim/raft"
)

// Options configures a simulation. Zero fields take the defaults of DESIGN.md.
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
}

// ServerOptions are per-server options of startServers / addServer.
type ServerOptions struct {
	Debug             bool          // trace this server's events even when `debug` is off
	ElectionTimeout   time.Duration // 0 = the simulation's
	HeartbeatInterval time.Duration // 0 = the simulation's
	Bug               raft.Bug
	// ElectionTimeoutMax bounds the timeouts from above, as in Options;
	// it goes with ElectionTimeout (0: 2*ElectionTimeout).
	ElectionTimeoutMax time.Duration
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
	Config       []raft.NodeID          // the membership this server follows
	Group        int                    // partition group (0 when not partitioned)
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
	Property string // "Election Safety", "Leader Append-Only", "Log Matching", "Leader Completeness", "State Machine Safety", "Log Integrity"
	Servers  []raft.NodeID
	Index    uint64
	Detail   string
}

// UntilCond is a condition for RunUntil.
type UntilCond struct {
	Kind  string // "leader", "committed", "idle"
	Index uint64 // for "committed"
}

// API lists what repl may call. *Sim implements it; the assertion below keeps
// the two in step.
type API interface {
	Now() time.Duration
	Seed() uint64
	// OnEvent installs the trace listener (nil removes it). Without a
	// listener the trace costs nothing. Debug-marked servers' events are
	// delivered only while a listener is installed; the listener filters.
	OnEvent(func(TraceEvent))

	StartServers(n int, o ServerOptions) error
	AddServer(id raft.NodeID, o ServerOptions) (raft.Status, error)
	RemoveServer(id raft.NodeID) (raft.Status, error)
	Crash(id raft.NodeID) error
	Restart(id raft.NodeID) error
	Partition(groups [][]raft.NodeID) error
	Cut(from, to raft.NodeID, bothWays bool) error
	Heal()

	// ClientRequest sends cmd to target (raft.None: to the leader, following
	// redirects) and runs the clock until the reply or a timeout, then on
	// until the entry is applied on every live reachable server, for a
	// bounded time (Sim.settle).
	ClientRequest(target raft.NodeID, cmd raft.Command) (raft.Response, error)
	// LeaderID returns the leader; if there is none and wait is true, runs
	// the clock until one is elected or a bound passes.
	LeaderID(wait bool) (raft.NodeID, bool)

	Servers() []raft.NodeID // every server ever created, ascending
	Info(id raft.NodeID) (ServerInfo, error)

	Run(d time.Duration)
	Step(n int) int // processes up to n events, returns how many
	RunUntil(c UntilCond, timeout time.Duration) bool

	// Violations returns the safety violations seen so far (nil: safe).
	Violations() []Violation
	// Converged reports whether all live, mutually connected servers have
	// identical logs and state machines; if not, why not.
	Converged() (bool, string)
	// Connected reports whether a and b can currently exchange messages.
	Connected(a, b raft.NodeID) bool
	// Backers returns the live members behind leader id (see Sim.Backers).
	Backers(id raft.NodeID) []raft.NodeID

	// The fault model (faults_net.go, faults_disk.go). SetNet changes the
	// global network model, SetLinkNet one link's (field by field over the
	// global one), ClearLinkNet removes a link's rules, ResetNet restores
	// the default model everywhere; Heal leaves the model alone. SetFsync
	// sets a server's disk speed (raft.None: every server and new ones).
	SetNet(r NetRule) error
	SetLinkNet(from, to raft.NodeID, bothWays bool, r NetRule) error
	ClearLinkNet(from, to raft.NodeID, bothWays bool) error
	ResetNet()
	Net() NetView
	SetFsync(id raft.NodeID, d time.Duration) error
	Disks() []DiskInfo

	// The client load and its history (load.go, history.go,
	// history_check.go). StartLoad returns at once; the clients work as
	// the clock runs. Every key/value request of the load and of
	// ClientRequest is recorded. WaitQuiet is the liveness check after
	// healing: a leader, and an answer to every operation pending now,
	// within bound. Linearizable checks the history with porcupine.
	StartLoad(o LoadOptions) (LoadStatus, error)
	StopLoad() (LoadStatus, bool)
	Load() (LoadStatus, bool)
	History() []HistoryOp
	HistoryTail(n int) ([]HistoryOp, int)
	Faults() []FaultEvent
	PendingOps() int
	WaitQuiet(bound time.Duration) (ok bool, why string)
	Linearizable(timeout time.Duration) (check.Result, error)
	Annotations() []check.Annotation
	VisualizeHistory(w io.Writer) error
}

var _ API = (*Sim)(nil)
