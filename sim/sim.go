package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"raftsim/raft"
)

// Defaults (docs/design.md).
const (
	DefaultSeed              = 1
	DefaultServers           = 3
	DefaultElectionTimeout   = 150 * time.Millisecond
	DefaultHeartbeatInterval = 50 * time.Millisecond
	DefaultLatencyMin        = 5 * time.Millisecond
	DefaultLatencyMax        = 15 * time.Millisecond
	// DefaultUntilTimeout bounds RunUntil when no timeout is given.
	DefaultUntilTimeout = 10 * time.Second
)

// Id spaces. Servers have ids 0..MaxServerID, and a cluster has at most
// MaxServers of them (an election of 10,000 takes about a second of CPU).
// Every server follows the membership, but they share one copy of it:
// the disks and nodes of StartServers hold the same slice, and a config
// entry's slice is shared by every log it is replicated to. Client endpoints live apart, from ClientIDBase up, far above
// any server id, so that neither space limits the other. People see a
// client by its number (ShownID): 1000 for the first, then 1001, ..., as
// before servers could pass 999, so outputs naming clients did not change.
const (
	MaxServerID       raft.NodeID = 999_999
	MaxServers                    = 10_000
	ClientIDBase      raft.NodeID = 1 << 30 // events hold ids in an int32
	FirstClientNumber             = 1000
)

// IsClient says whether id is a client endpoint rather than a server.
func IsClient(id raft.NodeID) bool { return id >= ClientIDBase }

// ShownID is the number people see for id: a server's id, a client's
// number (FirstClientNumber for the first client, then up), None's -1.
func ShownID(id raft.NodeID) int {
	if IsClient(id) {
		return int(id-ClientIDBase) + FirstClientNumber
	}
	return int(id)
}

// Errors returned by Sim's methods, wrapped with the operation and the id
// (test them with errors.Is).
var (
	ErrNoSuchServer   = errors.New("no such server")
	ErrServerDown     = errors.New("server is down")
	ErrServerUp       = errors.New("server is already up")
	ErrAlreadyStarted = errors.New("servers already started (reset to start again)")
	ErrNotStarted     = errors.New("no servers yet: run startServers first")
	ErrBadServerID    = fmt.Errorf("server ids must be between 0 and %d", MaxServerID)
	ErrBadOption      = errors.New("bad option")
)

// Sim is one simulated cluster: servers, clients, a network, a virtual
// clock and an event queue. It is not safe for concurrent use; it starts no
// goroutines and reads no wall clock.
type Sim struct {
	opts Options
	now  time.Duration

	queue eventQueue
	pool  msgPool
	// cmds is the rest of a block of client commands (newCommand).
	cmds   []raft.Command
	netRnd *rand.Rand
	netSrc *rand.PCG // netRnd's generator (latency)
	cliRnd *rand.Rand

	// servers is indexed by id; nil where no server was created.
	servers []*server
	ids     []raft.NodeID // ids of created servers, ascending
	started bool
	// leaders holds, ascending, every server seen as leader since it was
	// last seen otherwise (noteRole): a superset of the live leaders, so
	// that leader() looks at a handful of servers, not at all of them,
	// after every event while it waits for an election.
	leaders []raft.NodeID

	net  network
	live liveMemo // LiveGroups' last answer (live.go)

	// clients is indexed by id-ClientIDBase.
	clients []*client
	shell   *client // the client the shell's requests go through
	pending int     // client requests awaiting a reply
	// sessions counts the sessions opened again after SESSION_EXPIRED
	// (client.session).
	sessions uint64

	check    *checker
	listener func(TraceEvent)
	ring     *traceRing // the recorded trace (trace_ring.go); nil when off
	// nodeListener gets the nodes' own steps only (OnNodeEvent).
	nodeListener func(TraceEvent)
	observer     func() // see Observe (view.go)

	bench *benchRun
	work  workload // client history, faults seen, the load (history.go, load.go)

	stuckTimers int // see StuckTimers

	// horizon is the latest virtual time the clock may reach (see
	// SetHorizon); NoHorizon when unbounded.
	horizon time.Duration

	// poll, events and halted stop a long run from outside (interrupt.go).
	poll     func(Progress) bool
	pollMask uint64 // poll when events&pollMask == 0; tests poll more often
	events   uint64
	halted   bool
}

// New returns a simulation with no servers. Zero or negative fields of o
// take the defaults (docs/design.md); a latency maximum at or below the minimum
// makes the latency constant.
func New(o Options) *Sim {
	o = o.withDefaults()
	s := &Sim{
		opts:   o,
		cliRnd: newStream(o.Seed, streamClients),
		check:  newChecker(),

		horizon: NoHorizon,
	}
	s.netRnd, s.netSrc = newStreamPCG(o.Seed, streamNetwork)
	s.check.entryOf = s.checkedEntry
	if o.TraceCap > 0 {
		s.ring = newTraceRing(o.TraceCap)
	}
	s.hookViolations()
	return s
}

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.TraceCap == 0 {
		o.TraceCap = DefaultTraceCap
	}
	switch {
	case o.HistoryLimit == 0:
		o.HistoryLimit = DefaultHistoryLimit
	case o.HistoryLimit < 0:
		o.HistoryLimit = 0
	}
	if o.ElectionTimeout <= 0 {
		o.ElectionTimeout = DefaultElectionTimeout
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if o.LatencyMin <= 0 && o.LatencyMax <= 0 {
		o.LatencyMin, o.LatencyMax = DefaultLatencyMin, DefaultLatencyMax
	}
	if o.LatencyMin < 0 {
		o.LatencyMin = 0
	}
	if o.LatencyMax < o.LatencyMin {
		o.LatencyMax = o.LatencyMin
	}
	return o
}

// Now returns the virtual time.
func (s *Sim) Now() time.Duration { return s.now }

// Seed returns the seed the simulation was built with.
func (s *Sim) Seed() uint64 { return s.opts.Seed }

// Options returns the options in force, defaults filled in.
func (s *Sim) Options() Options { return s.opts }

// server returns server id, or nil.
func (s *Sim) server(id raft.NodeID) *server {
	if id < 0 || int(id) >= len(s.servers) {
		return nil
	}
	return s.servers[id]
}

// lookup returns server id or an error naming the operation.
func (s *Sim) lookup(op string, id raft.NodeID) (*server, error) {
	srv := s.server(id)
	if srv == nil {
		return nil, errNoServer(op, id)
	}
	return srv, nil
}

func errNoServer(op string, id raft.NodeID) error {
	return fmt.Errorf("%s %d: %w", op, id, ErrNoSuchServer)
}
