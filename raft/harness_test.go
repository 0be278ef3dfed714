package raft

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testNet is a minimal in-process world for unit tests of the pure core:
// instant, ordered delivery, a manual clock, disks kept as Storage, and
// per-link drop switches. The real simulator lives in sim/.
type testNet struct {
	t       *testing.T
	now     time.Duration
	nodes   map[NodeID]*Node
	disks   map[NodeID]*Storage
	queue   []Message
	cut     map[[2]NodeID]bool
	replies map[NodeID][]Response // client id -> responses received
	rules   Rules                 // planted by the tests of the seams
	// proto is the protocol the nodes run: both extensions on, as servers
	// run by default, unless a test asks for another.
	proto protocol
	sent  int // messages delivered, for counting round trips
	// entriesTo counts the entries carried by AppendEntries sent to each
	// server, delivered or not.
	entriesTo map[NodeID]int
	// drop, when set, loses the messages it returns true for.
	drop func(m Message) bool
	// sms holds each node's state machine; a restart gets a new one.
	sms map[NodeID]*testSM
	// chunks holds, per server, the chunks written of a snapshot still
	// arriving (lost in a crash).
	chunks map[NodeID][]SnapshotChunk
	// snapThreshold and snapChunk configure snapshots (0: none, default).
	snapThreshold uint64
	snapChunk     int
	// maxBatch is the nodes' MaxBatch (0: the default); 1 turns batching
	// off, for the tests of pipelining and of the in-flight window.
	maxBatch int
	// onReady, when set, sees every Ready as collect takes it.
	onReady func(NodeID, *Ready)
}

const clientA NodeID = 1000

func newTestNet(t *testing.T, n int) *testNet {
	ids := make([]NodeID, n)
	for i := range ids {
		ids[i] = NodeID(i)
	}
	return newTestNetIDs(t, ids, Rules{})
}

// protocol says which extensions of Figure 2 the nodes of a testNet run.
type protocol struct{ preVote, checkQuorum, leaseRead bool }

var (
	modern  = protocol{preVote: true, checkQuorum: true} // the default
	leased  = protocol{preVote: true, checkQuorum: true, leaseRead: true}
	classic = protocol{} // Figure 2 alone
)

func newTestNetIDs(t *testing.T, ids []NodeID, rules Rules) *testNet {
	return newTestNetProto(t, ids, rules, modern)
}

// newClassic is a testNet of n servers that run Figure 2 alone.
func newClassic(t *testing.T, n int) *testNet {
	return newTestNetProto(t, idsUpTo(n), Rules{}, classic)
}

func idsUpTo(n int) []NodeID {
	ids := make([]NodeID, n)
	for i := range ids {
		ids[i] = NodeID(i)
	}
	return ids
}

func newTestNetProto(t *testing.T, ids []NodeID, rules Rules, p protocol) *testNet {
	return newTestNetBatch(t, ids, rules, p, 0)
}

// newBatchNet is a testNet of n servers whose MaxBatch is maxBatch.
func newBatchNet(t *testing.T, n, maxBatch int) *testNet {
	return newTestNetBatch(t, idsUpTo(n), Rules{}, modern, maxBatch)
}

func newTestNetBatch(t *testing.T, ids []NodeID, rules Rules, p protocol, maxBatch int) *testNet {
	tn := &testNet{t: t, nodes: map[NodeID]*Node{}, disks: map[NodeID]*Storage{},
		cut: map[[2]NodeID]bool{}, replies: map[NodeID][]Response{}, rules: rules, entriesTo: map[NodeID]int{}, proto: p, sms: map[NodeID]*testSM{}, chunks: map[NodeID][]SnapshotChunk{},
		maxBatch: maxBatch}
	for _, id := range ids {
		tn.disks[id] = &Storage{Bootstrap: slices.Clone(ids)}
		tn.start(id)
	}
	return tn
}

func (tn *testNet) config(id NodeID) Config {
	return Config{ID: id, ElectionTimeout: 150 * time.Millisecond, HeartbeatInterval: 50 * time.Millisecond,
		Rand: rand.New(rand.NewPCG(uint64(id), 7)), Trace: true, Rules: tn.rules,
		PreVote: tn.proto.preVote, CheckQuorum: tn.proto.checkQuorum, LeaseRead: tn.proto.leaseRead,
		SnapshotThreshold: tn.snapThreshold, SnapshotChunk: tn.snapChunk, MaxBatch: tn.maxBatch}
}

// start (re)creates node id from its disk.
func (tn *testNet) start(id NodeID) *Node {
	cfg := tn.config(id)
	tn.sms[id] = newTestSM()
	cfg.StateMachine = tn.sms[id]
	n, err := NewNode(cfg, *tn.disks[id], tn.now)
	require.NoError(tn.t, err)
	tn.nodes[id] = n
	tn.collect(n)
	return n
}

func (tn *testNet) crash(id NodeID) {
	delete(tn.nodes, id)
	delete(tn.chunks, id) // a snapshot not yet whole is no use after a restart
}

// collect takes a node's Ready and acts on it: persist, then queue messages.
func (tn *testNet) collect(n *Node) Ready {
	rd := n.Ready()
	if tn.onReady != nil {
		tn.onReady(n.ID(), &rd)
	}
	rd.Messages = slices.Clone(rd.Messages) // valid only until the next Ready
	for _, m := range rd.Messages {
		if m.Type == MsgApp {
			tn.entriesTo[m.To] += len(m.Entries)
		}
	}
	d := tn.disks[n.ID()]
	if d == nil {
		d = &Storage{}
		tn.disks[n.ID()] = d
	}
	if rd.HardStateChanged {
		d.HardState = rd.HardState
	}
	if rd.TruncateFrom != 0 {
		d.Log = slices.DeleteFunc(d.Log, func(e Entry) bool { return e.Index >= rd.TruncateFrom })
		for _, e := range rd.Entries {
			if e.Index > d.Snapshot.Index {
				d.Log = append(d.Log, e)
			}
		}
	}
	if sn := rd.Snapshot; sn != nil {
		// The snapshot replaces the disk's entries up to its index.
		drop := 0
		for drop < len(d.Log) && d.Log[drop].Index <= sn.Index {
			drop++
		}
		d.Log = slices.Clone(d.Log[drop:])
		d.Snapshot = *sn
		tn.chunks[n.ID()] = nil
	}
	if c := rd.SnapshotChunk; c != nil {
		tn.chunks[n.ID()] = append(tn.chunks[n.ID()], *c)
	}
	tn.queue = append(tn.queue, rd.Messages...)
	if rd.HardStateChanged {
		n.HardStateStable(tn.now, rd.HardState)
	}
	if k := len(rd.Entries); k > 0 {
		last := rd.Entries[k-1]
		n.StableTo(tn.now, last.Index, last.Term)
	}
	if n.HasReady() {
		more := tn.collect(n)
		rd.Messages = append(rd.Messages, more.Messages...)
	}
	return rd
}

// deliver runs messages until the queue is empty (or limit messages).
func (tn *testNet) deliver() {
	for i := 0; len(tn.queue) > 0; i++ {
		require.Less(tn.t, i, 100000, "message storm")
		m := tn.queue[0]
		tn.queue = tn.queue[1:]
		tn.deliverOne(m)
	}
}

func (tn *testNet) deliverOne(m Message) {
	if tn.cut[[2]NodeID{m.From, m.To}] || (tn.drop != nil && tn.drop(m)) {
		return
	}
	if m.Type == MsgClientResp {
		tn.replies[m.To] = append(tn.replies[m.To], *m.Resp)
		return
	}
	n := tn.nodes[m.To]
	if n == nil {
		return
	}
	tn.sent++
	sent := deepCopy(m)
	n.Step(tn.now, &m)
	require.Equal(tn.t, sent, m, "Step modified the message it was given, or what it carries")
	tn.collect(n)
}

// deepCopy copies m and everything it points to, so that comparing the
// copy with m after Step sees a change anywhere in what m carries: its
// entries, their commands and memberships, its command, response and
// snapshot chunk are shared with other servers' logs and messages, and a
// shallow copy would change along with them.
func deepCopy(m Message) Message {
	m.Entries = slices.Clone(m.Entries)
	for i := range m.Entries {
		e := &m.Entries[i]
		if e.Cmd != nil {
			e.Cmd = deepCopyCmd(e.Cmd)
		}
		if e.Config != nil {
			c := deepCopyMembership(*e.Config)
			e.Config = &c
		}
	}
	if m.Cmd != nil {
		m.Cmd = deepCopyCmd(m.Cmd)
	}
	if m.Resp != nil {
		r := *m.Resp
		m.Resp = &r
	}
	if m.Snap != nil {
		m.Snap = &SnapPart{Config: deepCopyMembership(m.Snap.Config), Data: slices.Clone(m.Snap.Data)}
	}
	return m
}

func deepCopyCmd(c *Command) *Command {
	x := *c
	if ch := c.Change; ch != nil {
		x.Change = &ConfigChange{Add: slices.Clone(ch.Add), Remove: slices.Clone(ch.Remove)}
	}
	return &x
}

func deepCopyMembership(m Membership) Membership {
	return Membership{Voters: slices.Clone(m.Voters), Outgoing: slices.Clone(m.Outgoing), Learners: slices.Clone(m.Learners)}
}

// fire advances the clock to node id's deadline and ticks it.
func (tn *testNet) fire(id NodeID) {
	n := tn.nodes[id]
	if d := n.Deadline(); d > tn.now {
		tn.now = d
	}
	n.Tick(tn.now)
	tn.collect(n)
}

// advance moves the clock by d, ticking every node whose deadline passes,
// and delivering messages after each tick.
func (tn *testNet) advance(d time.Duration) {
	end := tn.now + d
	for spins := 0; ; spins++ {
		require.Less(tn.t, spins, 100000, "a node keeps asking to be ticked at %v (deadline stuck in the past)", tn.now)
		var next time.Duration = -1
		var who NodeID
		for _, id := range tn.ids() {
			if dl := tn.nodes[id].Deadline(); dl != 0 && (next < 0 || dl < next) {
				next, who = dl, id
			}
		}
		if next < 0 || next > end {
			tn.now = end
			return
		}
		if next > tn.now {
			tn.now = next
		}
		tn.nodes[who].Tick(tn.now)
		tn.collect(tn.nodes[who])
		tn.deliver()
	}
}

func (tn *testNet) ids() []NodeID {
	ids := make([]NodeID, 0, len(tn.nodes))
	for id := range tn.nodes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// isolate cuts every link to and from id.
func (tn *testNet) isolate(id NodeID, on bool) {
	for other := range tn.disks {
		tn.cut[[2]NodeID{id, other}] = on
		tn.cut[[2]NodeID{other, id}] = on
	}
	for _, c := range []NodeID{clientA} {
		tn.cut[[2]NodeID{id, c}] = on
		tn.cut[[2]NodeID{c, id}] = on
	}
}

// elect makes id time out first and delivers the election.
func (tn *testNet) elect(id NodeID) {
	tn.fire(id)
	tn.deliver()
	require.Equal(tn.t, Leader, tn.nodes[id].Role(), "server %d should have won the election", id)
}

// winVotesOnly makes id time out and delivers messages only until it has
// won; what it sends as the new leader (its no-op) stays in the queue.
func (tn *testNet) winVotesOnly(id NodeID) {
	tn.fire(id)
	for len(tn.queue) > 0 && tn.nodes[id].Role() != Leader {
		m := tn.queue[0]
		tn.queue = tn.queue[1:]
		tn.deliverOne(m)
	}
	require.Equal(tn.t, Leader, tn.nodes[id].Role(), "server %d should have won the election", id)
}

// request sends cmd from clientA to server to and delivers everything.
func (tn *testNet) request(to NodeID, cmd Command) {
	tn.queue = append(tn.queue, Message{Type: MsgClient, From: clientA, To: to, Cmd: &cmd})
	tn.deliver()
}

func (tn *testNet) lastReply() (Response, bool) {
	r := tn.replies[clientA]
	if len(r) == 0 {
		return Response{}, false
	}
	return r[len(r)-1], true
}

// sm returns the key/value state node id has applied.
func (tn *testNet) sm(id NodeID) map[string]Value { return tn.sms[id].state() }

func set(k string, v Value) Command { return Command{Op: OpSet, Key: k, Value: v} }

// setp is set as the pointer that an Entry or a Message carries.
func setp(k string, v Value) *Command { c := set(k, v); return &c }
