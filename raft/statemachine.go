package raft

import "errors"

// StateMachine is the replicated service a Node drives: the node decides
// what is committed and in which order, the state machine what a command
// means. raftsim's is the key/value store of package kv; a test may plug
// in its own. Its methods are called from the node's inputs (Step, Tick
// and the durability reports), in log order, and must be deterministic:
// every server applies the same commands to the same state and must give
// the same answers.
type StateMachine interface {
	// Apply executes the command of committed entry e (an EntryCommand)
	// and returns the answer for its client. Client sessions
	// (dissertation §6.3) live here: a command whose session has already
	// applied it must not be executed again. e points into the node's
	// log: Apply must neither modify it nor keep it after returning.
	Apply(e *Entry) Response
	// Read answers a read-only command outside the log, once the node has
	// confirmed that it leads and applied up to the read index (§6.4).
	Read(cmd Command) Response
	// Applied returns the answer the state machine gave to the client's
	// command seq if that is the last command its session applied, so that
	// a leader answers a retry of it without a second trip through the log.
	Applied(clientID, seq uint64) (Response, bool)
	// Snapshot returns the whole state, client sessions included, as bytes
	// that Restore takes back (§7): the node keeps them, writes them to its
	// disk and sends them to followers whose next entry it compacted away.
	Snapshot() []byte
	// Restore replaces the state by that of a snapshot.
	Restore(data []byte) error
}

// ErrNoStateMachine is returned by NewNode for a Config without a
// StateMachine: committed commands would have nothing to be applied to.
var ErrNoStateMachine = errors.New("raft: Config.StateMachine is nil (committed commands need a state machine to apply them)")
