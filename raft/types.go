// Package raft is the Raft consensus algorithm as a pure, deterministic state
// machine. It performs no I/O, starts no goroutines, reads no clock and draws
// no global randomness: every input is a method call carrying the virtual time,
// and every output is a value in a Ready batch that the caller must act on, in
// order (persist, then send, then arm the timer).
//
// The shape follows etcd's raft package (Step / Tick / Ready): the caller owns
// the network, the disk and the clock; this package owns only the rules of
// Figure 2 and sections 5-8 of the Raft paper and chapters 3, 4 and 6 of
// Ongaro's dissertation.
package raft

import (
	"fmt"
	"time"

	"raftsim/raft/quorum"
)

// NodeID names a server or a client endpoint on the simulated network.
// Servers use small non-negative ids; None means "no server". It is the
// quorum package's ID, so that a list of servers is a quorum configuration
// as it stands.
type NodeID = quorum.ID

// None is the NodeID meaning "nobody" (no vote, no known leader).
const None NodeID = -1

// Role is a server's role in its current term.
type Role uint8

// The three roles of Figure 2, and the pre-candidate of pre-vote
// (dissertation §9.6): a server that timed out and asks whether it could
// win before it starts a real election.
const (
	Follower Role = iota
	Candidate
	Leader
	PreCandidate
)

func (r Role) String() string {
	switch r {
	case Follower:
		return "follower"
	case Candidate:
		return "candidate"
	case Leader:
		return "leader"
	case PreCandidate:
		return "pre-candidate"
	}
	return "unknown"
}

// EntryKind says what a log entry carries.
type EntryKind uint8

const (
	// EntryNoop is appended by a new leader at the start of its term (§8) so
	// that it can commit entries of earlier terms through it (§5.4.2).
	EntryNoop EntryKind = iota
	// EntryCommand carries a client command for the state machine.
	EntryCommand
	// EntryConfig carries a new cluster membership (dissertation §4.1).
	EntryConfig
)

func (k EntryKind) String() string {
	switch k {
	case EntryNoop:
		return "noop"
	case EntryCommand:
		return "command"
	case EntryConfig:
		return "config"
	}
	return "unknown"
}

// Entry is one log entry. Entries are immutable once created: the logs of
// the servers, their disks and the messages carrying them share them (a
// follower's log holds the leader's arrays of entries where it can).
//
// An entry is small (48 bytes) because the logs, the disks and the messages
// of a run copy entries all the time: what only some kinds carry, the
// command of an EntryCommand and the membership of an EntryConfig, sits
// behind a pointer. The value pointed to is immutable too, so the copies of
// one entry in every server's log, on every disk and in every message share
// one command (allocated once, when the client sent it) and one membership.
type Entry struct {
	Index uint64
	Term  uint64
	Kind  EntryKind
	// Time is the leader's clock when it appended the entry: time carried
	// in the log, so that every server's state machine sees the same time
	// at the same entry (client sessions expire by it, dissertation §6.3).
	Time time.Duration
	// Cmd is the client command of an EntryCommand; nil in other entries.
	Cmd *Command
	// Config is the new membership of an EntryConfig: its voters (C_new,
	// during a joint change), the voters of the configuration being left
	// (C_old, in the entry C_old,new of a change through joint consensus,
	// §6 and dissertation §4.3; empty in every other) and the learners
	// (dissertation §4.2.1). Nil in other entries.
	Config *Membership
}

// Value is a state-machine value kept as canonical JSON text: `1`, `"a"`,
// `true`, `null`. Keeping the text means numbers stay numbers and strings stay
// strings from the shell to the JSON output, and equality (for cas) is string
// equality. The zero Value "" means "no value" and is rendered as null.
type Value string

// Op is a client operation.
type Op uint8

// Client operations. OpAddServer and OpRemoveServer are membership requests
// (dissertation §4.1): a client asks the leader to change the configuration.
const (
	OpGet Op = iota
	OpSet
	OpDel
	OpCAS
	OpAddServer
	OpRemoveServer
	// OpTransferLeader asks the leader to hand its leadership over to
	// Server (dissertation §3.10).
	OpTransferLeader
	// OpChangeConfig asks for any change of membership at once, adding
	// the voters Add and removing Remove, through the joint configuration
	// C_old,new (§6, dissertation §4.3).
	OpChangeConfig
	// OpAddLearner adds Server as a learner: it receives the log and never
	// votes (dissertation §4.2.1).
	OpAddLearner
	// OpPromote makes the learner Server a voter (through the log).
	OpPromote
)

func (o Op) String() string {
	switch o {
	case OpGet:
		return "get"
	case OpSet:
		return "set"
	case OpDel:
		return "del"
	case OpCAS:
		return "cas"
	case OpAddServer:
		return "addServer"
	case OpRemoveServer:
		return "removeServer"
	case OpTransferLeader:
		return "transferLeadership"
	case OpChangeConfig:
		return "changeConfig"
	case OpAddLearner:
		return "addLearner"
	case OpPromote:
		return "promote"
	}
	return "unknown"
}

// Command is a client request. ClientID and Seq form the client session of
// dissertation §6.3: a command whose (ClientID, Seq) was already applied is
// answered from the session table instead of being applied again. ClientID 0
// means "no session" (every copy is applied).
//
// Messages and entries carry a command by pointer, and share it: the client
// allocates it once, and the leader's log, the AppendEntries that carry it,
// every follower's log and every disk then refer to that one value. So it
// must never be modified once sent; a new request is a new Command.
type Command struct {
	ClientID uint64
	Seq      uint64
	Op       Op
	Key      string
	Value    Value // set: the new value; cas: the new value
	Old      Value // cas: the expected current value ("" = key absent)
	// ReadOnly asks for a linearizable read through ReadIndex (§6.4)
	// instead of a trip through the log. Only meaningful for OpGet.
	ReadOnly bool
	// Server is the server to add or remove, for membership operations,
	// and the one to hand leadership to, for OpTransferLeader.
	Server NodeID
	// Change is the change OpChangeConfig asks for. It is a pointer, never
	// modified once sent, so that Command stays comparable.
	Change *ConfigChange
}

// ConfigChange is a change of membership asked for at once (OpChangeConfig).
type ConfigChange struct {
	Add, Remove []NodeID // the voters to add and to remove
}

// Status is the outcome of a client request, as raft.js spells it.
type Status string

// Statuses of client and membership requests.
const (
	StatusSuccess             Status = "success"
	StatusNotLeader           Status = "NOT_LEADER"
	StatusError               Status = "error"
	StatusTimeout             Status = "TIMEOUT" // the client gave up, or a new server failed to catch up
	StatusOK                  Status = "OK"
	StatusAlreadyAMember      Status = "ALREADY_A_MEMBER"
	StatusNotAMember          Status = "NOT_A_MEMBER"
	StatusPendingConfigChange Status = "PENDING_CONFIG_CHANGE"
	// StatusSessionExpired answers a command whose client session the
	// state machine has expired (dissertation §6.3): it was not applied,
	// and the client must open a new session.
	StatusSessionExpired Status = "SESSION_EXPIRED"
)

// Response answers a Command.
type Response struct {
	ClientID   uint64
	Seq        uint64
	Status     Status
	Result     Value  // get: the value; set: the value set; del: the old value; cas: true/false
	LeaderHint NodeID // for NOT_LEADER: the leader this server believes in, or None
	Err        string // for StatusError: why
}

// MsgType is the kind of a Message.
type MsgType uint8

// Message kinds.
const (
	MsgVote MsgType = iota
	MsgVoteResp
	MsgApp
	MsgAppResp
	MsgClient     // client -> server: Cmd
	MsgClientResp // server -> client: Resp
	// MsgPreVote asks "would you vote for me in term Term?" without anyone
	// changing term (dissertation §9.6); MsgPreVoteResp answers it, with
	// the asked term when granted and the voter's own when refused.
	MsgPreVote
	MsgPreVoteResp
	// MsgHeartbeat is the leader's periodic message (§5.2): it confirms
	// leadership (ReadSeq, §6.4) and carries Commit, never entries, so it
	// never rewinds or checks a log; MsgHeartbeatResp echoes ReadSeq.
	MsgHeartbeat
	MsgHeartbeatResp
	// MsgTimeoutNow tells its receiver to start an election at once
	// (dissertation §3.10): the leader hands its leadership over to a
	// server whose log it has brought up to date.
	MsgTimeoutNow
	// MsgSnap is one chunk of InstallSnapshot (§7, Figure 13): the
	// leader's snapshot (LastIndex, LastTerm, Config) from byte Offset
	// on; Done marks the last chunk. MsgSnapResp answers it: Offset is
	// how many bytes the follower has, and Done with Match says it
	// installed (or already had) the snapshot and its log matches to Match.
	MsgSnap
	MsgSnapResp
)

func (t MsgType) String() string {
	switch t {
	case MsgVote:
		return "RequestVote"
	case MsgVoteResp:
		return "RequestVoteResp"
	case MsgApp:
		return "AppendEntries"
	case MsgAppResp:
		return "AppendEntriesResp"
	case MsgClient:
		return "ClientRequest"
	case MsgClientResp:
		return "ClientResponse"
	case MsgPreVote:
		return "PreVote"
	case MsgPreVoteResp:
		return "PreVoteResp"
	case MsgHeartbeat:
		return "Heartbeat"
	case MsgHeartbeatResp:
		return "HeartbeatResp"
	case MsgTimeoutNow:
		return "TimeoutNow"
	case MsgSnap:
		return "InstallSnapshot"
	case MsgSnapResp:
		return "InstallSnapshotResp"
	}
	return "unknown"
}

// Message is everything that travels between servers and clients. It is one
// flat struct (not an interface per kind) so that sending it allocates
// nothing beyond its Entries. It is kept small (160 bytes), because every
// message is copied on its way, into its sender's Ready and into the
// network: the flags share the word of Type, and what only InstallSnapshot
// and client traffic carry sits behind pointers, nil in the AppendEntries,
// heartbeats, votes and answers that make up nearly all the traffic.
type Message struct {
	Type MsgType
	// Probe marks an AppendEntries sent while the leader does not know
	// where the follower's log ends: it must be answered at once. One
	// without it is pipelined, and a follower may hold it until the
	// messages before it arrive.
	Probe bool
	// Transfer marks a RequestVote of an election that a leader asked for
	// with TimeoutNow (§3.10): voters grant it even while they heard from
	// that leader recently (the rule of §4.2.3 would refuse it).
	Transfer bool
	// Reject, in MsgVoteResp: vote refused; in MsgAppResp: consistency
	// check failed.
	Reject bool
	// Done, in MsgSnap: the last chunk; in MsgSnapResp: installed.
	Done bool

	From NodeID
	To   NodeID
	Term uint64

	// MsgVote: the candidate's last log position (§5.4.1).
	// MsgApp: PrevIndex/PrevTerm are the consistency check (§5.3).
	LastIndex uint64
	LastTerm  uint64
	PrevIndex uint64
	PrevTerm  uint64
	Entries   []Entry
	Commit    uint64
	// ReadSeq numbers the leader's heartbeat rounds; a follower echoes it so
	// the leader can confirm leadership for ReadIndex (§6.4).
	ReadSeq uint64

	// Responses.
	Match uint64 // MsgAppResp on success: the follower's log matches up to here
	// MsgAppResp on rejection: the fast-backtracking hint (§5.3): the term of
	// the conflicting entry (0 if the follower's log is too short) and the
	// first index the follower holds for that term (or its log length + 1).
	ConflictTerm  uint64
	ConflictIndex uint64

	// InstallSnapshot (MsgSnap, MsgSnapResp): LastIndex and LastTerm are
	// the snapshot's last included entry; Offset is where the chunk
	// begins in the state machine's snapshot (MsgSnapResp: how many bytes
	// the follower has). Snap, in MsgSnap only, carries the rest.
	Offset uint64
	Snap   *SnapPart

	// Client traffic: Cmd in MsgClient, Resp in MsgClientResp. Cmd is
	// shared with the log entry that a leader appends for it, and so never
	// modified once sent.
	Cmd  *Command
	Resp *Response
}

// SnapPart is what a chunk of InstallSnapshot (MsgSnap) carries beyond the
// positions that Message holds: the configuration in force at the
// snapshot's last entry (the follower's log, config entries included, is
// replaced by the snapshot, §7) and the chunk's bytes of the state
// machine's snapshot. Never modified once sent: Data shares the leader's
// snapshot.
type SnapPart struct {
	Config Membership
	Data   []byte
}

// WaitsForDisk reports whether m may leave only once the writes of its
// Ready, and of every earlier Ready of its sender, are durable. A vote
// request, a vote and an AppendEntries answer vouch for the sender's term,
// vote or log, and acknowledging what a crash can still lose breaks Raft
// (the leader never resends below a follower's matchIndex). Two kinds vouch
// for nothing unwritten and leave at once: a leader's AppendEntries (its term
// was durable before it could count its own vote, and its own copy of the
// entries counts only from StableTo, so it may replicate while it writes:
// dissertation §10.2.1), client replies (they report committed state,
// which is durable on a quorum, or a redirect), pre-votes, which change
// nobody's state, and TimeoutNow, which vouches only for the leader's term.
func (m *Message) WaitsForDisk() bool {
	switch m.Type {
	case MsgApp, MsgHeartbeat, MsgSnap, MsgClientResp, MsgPreVote, MsgPreVoteResp, MsgTimeoutNow:
		return false
	}
	return true
}

// HardState is what must be on disk before any message that depends on it is
// sent (Figure 2, "Persistent state on all servers").
type HardState struct {
	Term     uint64
	VotedFor NodeID
}

// SnapshotMeta describes a snapshot (§7): the last entry it includes, and
// the configuration in force at that entry.
type SnapshotMeta struct {
	Index, Term uint64
	Config      []NodeID
	// Outgoing and Learners complete Config as in a config entry: the old
	// voters of a joint configuration (§6), the learners (§4.2.1).
	Outgoing, Learners []NodeID
}

// Snapshot is the state machine's state after entry Index (Data, as its
// Snapshot method wrote it), which replaces the log up to there.
type Snapshot struct {
	SnapshotMeta
	Data []byte
}

// SnapshotChunk is a piece of a snapshot a follower is receiving, to be
// written at byte Offset of the snapshot it describes (Meta). Offset 0
// starts a new one; a crash loses what arrived of a snapshot not yet
// complete.
type SnapshotChunk struct {
	Meta   SnapshotMeta
	Offset uint64
	Data   []byte
}

// Storage is a server's disk as the caller keeps it: the persistent state of
// Figure 2, the latest snapshot, plus the bootstrap membership. A restarted
// node is built from it.
type Storage struct {
	HardState
	// Snapshot is the latest snapshot (Index 0: none); Log starts right
	// after it.
	Snapshot Snapshot
	Log      []Entry
	// Bootstrap is the membership the server was created with, used until a
	// config entry in the log supersedes it. Empty for a server that joins
	// through addServer: it waits to be contacted by a leader. The node
	// keeps a sorted slice as it is and only reads it, so the servers of a
	// cluster may share one (10,000 servers holding a copy each would hold
	// 10^8 ids); the caller must not change it afterwards.
	Bootstrap []NodeID
}

// Ready is one batch of output. The caller must, in this order:
//  1. persist HardState (if HardStateChanged); if TruncateFrom is non-zero,
//     drop every disk entry with index >= TruncateFrom, then append Entries
//     (which start at TruncateFrom); write SnapshotChunk where it says; and
//     if Snapshot is set, make it the disk's snapshot and drop every disk
//     entry up to its index (and any chunks received so far);
//  2. send Messages, each only once what it vouches for is durable: a
//     message for which WaitsForDisk is true waits for this Ready's (and
//     every earlier Ready's) writes; the others may leave at once;
//  3. once the writes are durable, report them: HardStateStable with the
//     HardState written, StableTo with the last entry's index and term.
//     Nothing counts before it is reported: a candidate counts its own vote
//     only from HardStateStable, a leader its own copy of an entry only
//     from StableTo, as etcd's raft does. Then take the next Ready, which
//     these reports may have filled (a lone voter wins at once);
//  4. call Tick at (or after) Deadline.
//
// Messages and Events stay valid until the next call of Ready (they are
// reused, so the hot path allocates nothing): copy what must outlive that,
// such as messages held back until a slow disk write is durable. Entries
// (and the entries a message carries) is never written again: it shares
// the log's array, which the node never writes into once it has handed
// it out, so the caller may keep it instead of copying it, as the
// simulator's disk does (TestHandedOutEntriesAreNeverWrittenAgain). Its
// capacity may run on over slots of that array that the node has not
// filled yet and will fill with the entries that follow: the caller must
// not append to it, and may tell from it that one Ready's Entries continue
// the last's in the same array (the simulator's disk keeps them as one).
//
// Committed entries are applied by the node to Config.StateMachine, which
// the caller supplies, so the caller has nothing to apply.
type Ready struct {
	// Invariants lists what the node caught broken in itself since the
	// last Ready (whatever Trace says): never a state Raft allows, always a
	// bug, of this package, of a planted mistake, or of the caller. The
	// caller reports them; the node goes on as well as it can.
	Invariants       []Invariant
	HardStateChanged bool
	HardState        HardState
	TruncateFrom     uint64
	Entries          []Entry
	// Snapshot is a snapshot to persist (taken here or received whole);
	// nil when none. It stays valid: snapshots are never modified.
	Snapshot *Snapshot
	// Installed says Snapshot came from the leader (InstallSnapshot) and
	// replaced the state machine, rather than being taken here.
	Installed bool
	// SnapshotChunk is a piece of a snapshot being received; nil when none.
	SnapshotChunk *SnapshotChunk
	Messages      []Message
	Events        []Event
	Deadline      time.Duration
}

// Invariant is one broken invariant: What broke, at Index, against Other
// (what the index had to stay at or below, or to equal). For
// ClockWentBack, Index and Other are the node's time and the earlier time
// it was handed, in nanoseconds.
type Invariant struct {
	What         string
	Index, Other uint64
}

// ClockWentBack is the What of the invariant a node reports when an input
// is dated before the one it had last (see Node's setNow).
const ClockWentBack = "clock went back"

// String says what broke, in words a report can show: the two times of a
// clock that went back, the index and its bound otherwise.
func (iv Invariant) String() string {
	if iv.What == ClockWentBack {
		return fmt.Sprintf("%s from %v to %v", iv.What, time.Duration(iv.Index), time.Duration(iv.Other))
	}
	return fmt.Sprintf("%s at index %d (against %d)", iv.What, iv.Index, iv.Other)
}

// Rules are the seams through which a package outside this one (bugs)
// plants a known mistake in a node, to show that the checkers catch it.
// The zero Rules is Raft as the paper writes it: each nil or false field
// keeps the paper's rule, and the core holds no broken rule of its own.
type Rules struct {
	// Quorum, if set, gives the rule that decides for each configuration
	// the node enters (commit index, ReadIndex rounds, elections,
	// pre-votes, check-quorum) in place of the configuration's majorities.
	Quorum func(quorum.JointConfig) Quorum
	// UpToDate, if set, replaces the election restriction (§5.4.1):
	// whether a candidate whose log ends at candidate may have the vote of
	// a server whose log ends at own.
	// transfer says the candidate campaigns on a leader's TimeoutNow.
	UpToDate func(candidate, own LogPos, transfer bool) bool
	// Persist, if set, changes the HardState a Ready hands out to be
	// written; the node goes on with its own.
	Persist func(HardState) HardState
	// Commit, if set, replaces the rule of §5.4.2: whether the leader of
	// term may commit up to an index that a quorum holds, whose entry is
	// of entryTerm.
	Commit func(entryTerm, term uint64) bool
	// NoNoop: a new leader appends no entry of its term (§8).
	NoNoop bool
	// UnconfirmedReads: a leader serves a read-only get from its state
	// machine at once, without the heartbeat round of ReadIndex (§6.4).
	UnconfirmedReads bool
	// Lease, if set, replaces the lease of §6.4.1: how long after the
	// start of a heartbeat round a majority acknowledged the leader may
	// serve reads from its lease, given the election timeout and the
	// clock-drift bound.
	Lease func(electionTimeout time.Duration, maxDriftPPM int) time.Duration
	// TransferBehind: a leader sends TimeoutNow to a transfer's target
	// without first bringing its log up to date (§3.10).
	TransferBehind bool
	// DropLogOnSnapshot: a follower that receives a snapshot installs it
	// even when it already holds everything the snapshot holds, and
	// discards its whole log, entries past the snapshot included (§7,
	// Figure 13 rules 5 to 7 say ignore it, and keep those entries).
	DropLogOnSnapshot bool
}

// LogPos is where a log ends: its last entry's index and term.
type LogPos struct{ Index, Term uint64 }

// Rand is the source of randomness for election timeouts; math/rand/v2's
// *Rand satisfies it. The caller injects it so runs replay exactly.
type Rand interface {
	Int64N(n int64) int64
}

// Config configures a Node. NewNode normalizes it in one place: zero
// durations and limits take the Default values, Rand is required, and the
// heartbeat interval must be shorter than the election timeout.
type Config struct {
	ID NodeID
	// ElectionTimeout is the lower bound; each timeout is drawn uniformly
	// from [ElectionTimeout, ElectionTimeoutMax) (§5.2). 0 means
	// DefaultElectionTimeout.
	ElectionTimeout time.Duration
	// ElectionTimeoutMax is the upper bound; 0 means 2*ElectionTimeout, and
	// a bound at or below ElectionTimeout makes every timeout exactly
	// ElectionTimeout (the paper's Figure 16 measures 150-150ms up to
	// 150-300ms).
	ElectionTimeoutMax time.Duration
	// HeartbeatInterval is how often an idle leader sends AppendEntries.
	// 0 means DefaultHeartbeatInterval.
	HeartbeatInterval time.Duration
	// MaxBatch caps the entries in one AppendEntries (0 = DefaultMaxBatch).
	// It is also the size of a whole batch: entries proposed while a commit
	// round is in flight to a follower wait to go together, unless MaxBatch
	// of them wait (dissertation §10.2.1; see offerAppend). 1 turns
	// batching off: every entry goes in a message of its own at once.
	MaxBatch int
	// MaxInflight caps unacknowledged AppendEntries per follower when
	// pipelining (0 = DefaultMaxInflight).
	MaxInflight int
	// Rand draws the election timeouts; NewNode fails without it.
	Rand Rand
	// StateMachine receives the committed commands and serves the reads;
	// NewNode fails without it. A restarted node needs a fresh one: the
	// state machine is volatile and rebuilt from the log.
	StateMachine StateMachine
	// PreVote runs a pre-vote before every election (dissertation §9.6):
	// a server increments its term only once a majority would vote for it,
	// so a server that was cut off cannot depose a working leader with the
	// higher term it would otherwise bring back. Voters refuse a pre-vote
	// because they hear from a leader only with CheckQuorum (as etcd's
	// raft; §9.6 has them refuse it regardless): without it, a server that
	// cannot hear the leader but reaches a majority with a log as long
	// still deposes it (a bridge in a partial partition).
	PreVote bool
	// CheckQuorum makes a leader step down when it has not heard from a
	// majority for an election timeout (§6.2), and makes servers that heard
	// from a leader within the election timeout ignore vote requests
	// (§4.2.3): only then does a loyal follower mean a leader that works.
	CheckQuorum bool
	// LeaseRead serves read-only gets from a leader lease (dissertation
	// §6.4.1) instead of a heartbeat round: for a lease after the start of
	// the last heartbeat round a majority acknowledged, no other leader can
	// have been elected, since each of that majority ignores vote requests
	// for an election timeout after it heard from the leader (§4.2.3, which
	// needs CheckQuorum: NewNode refuses LeaseRead without it). The lease is
	// the election timeout shortened for clocks that drift by up to
	// MaxDriftPPM: ElectionTimeout * (1-d)/(1+d), a slow leader clock
	// against a fast follower clock.
	LeaseRead bool
	// MaxDriftPPM bounds how far any server's clock may run fast or slow,
	// in parts per million (50,000 is 5%); 0 means DefaultMaxDriftPPM.
	// Only lease reads depend on it.
	MaxDriftPPM int
	// SnapshotThreshold makes the node snapshot its state machine and
	// compact its log every SnapshotThreshold applied entries (§7); 0
	// never (Node.Compact still can).
	SnapshotThreshold uint64
	// SnapshotChunk is the number of bytes of snapshot in one
	// InstallSnapshot message (0 = DefaultSnapshotChunk).
	SnapshotChunk int
	// Trace asks for Events in every Ready. Off, the node builds none.
	Trace bool
	// Rules plants broken rules; the zero value is the paper's Raft.
	Rules Rules
}

// EventKind names something a node did that a person watching may want to see.
type EventKind uint8

// Events a node reports when Config.Trace is on.
const (
	EvTimeout           EventKind = iota // election timer fired, a pre-vote was won, or TimeoutNow came from Peer (Reason says which); Term is the new term
	EvBecome                             // role changed to Role in Term
	EvVoteGranted                        // voted for Peer in Term
	EvVoteRejected                       // refused Peer's vote request; Reason says why
	EvVoteReceived                       // candidate got a vote from Peer; Index = votes so far
	EvAppend                             // appended entries Index..Index2, of terms EntryTerm..EntryTerm2
	EvTruncate                           // dropped conflicting entries from Index on
	EvAppendRejected                     // refused Peer's AppendEntries; Reason says why
	EvCommit                             // commitIndex advanced to Index
	EvApply                              // applied entry Index
	EvConfig                             // membership is now Config, with Outgoing and Learners (from entry Index; Reason "snapshot": from the snapshot after entry Index)
	EvStepDown                           // saw a higher term from Peer; Term is the new term
	EvRead                               // served a linearizable read at read index Index
	EvCatchUp                            // new server Peer caught up to Index (round Index2)
	EvCheckQuorum                        // leader stepped down: only Index of its Index2 voters answered within an election timeout (§6.2)
	EvTransfer                           // leadership transfer to Peer (§3.10): Reason says what happened ("started", "timeout now sent", "abandoned", ...)
	EvSnapshot                           // took a snapshot of Bytes bytes after entry Index of term EntryTerm (configuration Config); the log now begins after Index2; Reason says why
	EvSnapshotSent                       // sent Peer the chunk of Bytes bytes at offset Index2 of its snapshot after entry Index (Reason "last chunk" for the last)
	EvSnapshotInstalled                  // installed Peer's snapshot of Bytes bytes after entry Index of term EntryTerm (configuration Config); Reason says what became of the log
)

// Event is one traced step of a node. Reason is a constant string, so
// building an event allocates nothing beyond the Events slice.
type Event struct {
	Kind   EventKind
	Node   NodeID
	Term   uint64
	Peer   NodeID
	Role   Role
	Index  uint64
	Index2 uint64
	// EntryTerm and EntryTerm2 are the terms of the first and last entry
	// an EvAppend appended (Term is the node's own term, as for every event).
	EntryTerm  uint64
	EntryTerm2 uint64
	Reason     string
	Config     []NodeID
	// Bytes is the size of a snapshot, or of a chunk of one.
	Bytes uint64
	// Outgoing and Learners complete Config for EvConfig: the voters of
	// the configuration being left during a joint change, the learners.
	Outgoing, Learners []NodeID
	// Pre marks the events of a pre-vote (EvTimeout, EvVote*): Term is
	// then the term asked for, which nobody has entered yet.
	Pre bool
}
