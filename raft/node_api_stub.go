package raft

import "time"

// NOTE: temporary stub of the Node API so that sim can compile while the core
// is being written; replaced by node.go.

// Node is one Raft server.
type Node struct{}

// NewNode builds a node from its disk (a fresh server passes a Storage with
// only Bootstrap set). The caller must then take Ready() and act on it.
func NewNode(cfg Config, st Storage, now time.Duration) *Node { return &Node{} }

// Step feeds a message (from a peer or a client) to the node.
func (n *Node) Step(now time.Duration, m Message) {}

// Tick tells the node that its deadline has passed.
func (n *Node) Tick(now time.Duration) {}

// HasReady reports whether Ready would return anything to act on.
func (n *Node) HasReady() bool { return false }

// Ready returns the pending output and clears it. The returned slices belong
// to the caller.
func (n *Node) Ready() Ready { return Ready{} }

// Accessors for the shell and the checks.
func (n *Node) ID() NodeID                                { return 0 }
func (n *Node) Role() Role                                { return Follower }
func (n *Node) Term() uint64                              { return 0 }
func (n *Node) VotedFor() NodeID                          { return None }
func (n *Node) Leader() NodeID                            { return None }
func (n *Node) CommitIndex() uint64                       { return 0 }
func (n *Node) LastApplied() uint64                       { return 0 }
func (n *Node) LastIndex() uint64                         { return 0 }
func (n *Node) Log() []Entry                              { return nil } // entries 1..LastIndex; do not modify
func (n *Node) Entry(i uint64) (Entry, bool)              { return Entry{}, false }
func (n *Node) StateMachine() map[string]Value            { return nil }      // a copy
func (n *Node) Progress() (next, match map[NodeID]uint64) { return nil, nil } // leader only
func (n *Node) Members() []NodeID                         { return nil }      // current configuration, ascending
func (n *Node) Deadline() time.Duration                   { return 0 }
