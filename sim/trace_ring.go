package sim

import (
	"time"

	"raftsim/raft"
)

// DefaultTraceCap is how many events the trace keeps when Options.TraceCap
// is 0: the newest 200,000, about 20 MB at most. A 3-server cluster under
// the default `load` makes about 2,000 events per simulated second, so
// this is the last minute or two of a busy run, and hours of an idle one.
const DefaultTraceCap = 200_000

// The trace is always recorded, so that a user can export what just
// surprised them without having asked for it first. It sits on the hot
// path (every message is sent, delivered and traced), so it is kept
// compact: one small record per event, with no pointers in it (so the
// garbage collector never scans the ring), in a ring that grows as it
// fills and is then reused. Only what cannot be packed into a record —
// the entries a message carries (shared with the log: entries are
// immutable), the commands and answers of client traffic (by pointer:
// never modified either), rare events — goes to a
// second ring of extras. Recording allocates nothing once the rings are
// grown; Trace unpacks the records on export.

// traceRec is one recorded event. What the fields hold depends on flags:
//
//	recMsg:          a, b the message's From and To; n some of its numbers (msgNums), in order, mask saying which: every non-zero one is among them
//	recMsg|recCmd:   a client request: n[0..3] term, ClientID, Seq, Server; op its Op; extra the command (its strings)
//	recMsg|recResp:  a client reply: n[0..3] term, ClientID, Seq, LeaderHint; extra the response (its strings)
//	recRaft:         a node's step: a Node, b Peer, typ its kind, op its role, n Term, Index, Index2, EntryTerm, EntryTerm2
//	recFull:         extra holds the event as it was (crashes, network changes, shapes that do not pack)
//
// The event's Node and Peer follow from a, b and kind (see event).
type traceRec struct {
	at     time.Duration
	a, b   int32
	kind   EventKind
	typ    uint8 // raft.MsgType, or raft.EventKind
	op     uint8 // raft.Op of a request, or raft.Role of a step
	flags  uint8
	mask   uint16 // which of msgNums n holds (the others are zero)
	reason uint8  // 1 + index in traceRing.reasons; 0: none
	extra  int32  // 1 + index in traceRing.extras; 0: none
	n      [5]uint64
}

// traceExtra is what a record cannot hold. A client message's command
// or response is kept by pointer (for its strings): neither is modified
// once sent.
type traceExtra struct {
	ents []raft.Entry
	cmd  *raft.Command
	resp *raft.Response
	full *TraceEvent
}

// traceRec flags.
const (
	recMsg uint8 = 1 << iota
	recCmd
	recResp
	recRaft
	recFull
	recReject
	recReadOnly
	recPre // a raft event of a pre-vote (raft.Event.Pre)
	// recProbe is recPre's bit on a message record (a probing
	// AppendEntries, raft.Message.Probe): the two never meet.
	recProbe = recPre
)

// traceRing keeps the newest cap events. extras has the same bound and
// gets at most one extra per record, so an extra is overwritten only
// after the record that points to it.
type traceRing struct {
	recs   blockRing[traceRec]
	extras blockRing[traceExtra]

	// reasons interns the reason strings (a handful of constants: "loss",
	// "duplicate", why a vote was refused, ...).
	reasons []string
}

func newTraceRing(capacity int) *traceRing {
	return &traceRing{recs: blockRing[traceRec]{cap: capacity}, extras: blockRing[traceExtra]{cap: capacity}}
}

// traceBlock is the size of the blocks a ring is allocated in: it grows
// a block at a time, without copying what it holds.
const traceBlock = 4096

// blockRing is a ring of cap values that keeps the newest, allocated a
// block at a time as it fills.
type blockRing[T any] struct {
	cap    int
	blocks [][]T
	next   int    // where the next value goes (cap: at 0, once nextBlock wraps it)
	n      uint64 // values ever put
	// cur is the block that next is in, and next is at cur[off] (cur is
	// nil when next is at a block not reached yet): slot takes its slot
	// without dividing, and finds the next block once per block. (An
	// offset and not a moving slice: a slice is a pointer, and each
	// store of one costs a write barrier's test.)
	cur []T
	off int
}

// nextBlock points cur at the block next is in, allocating it when the
// ring first reaches it. It also wraps next round when it reaches cap
// (the last value of the last block), so that taking a slot (slot,
// addExtra) is a test and three increments. It is kept out of line, so
// that they can be inlined.
//
//go:noinline
func (r *blockRing[T]) nextBlock() {
	if r.next == r.cap {
		r.next = 0
	}
	b := r.next / traceBlock
	if b == len(r.blocks) {
		r.blocks = append(r.blocks, make([]T, min(traceBlock, r.cap-b*traceBlock)))
	}
	r.cur, r.off = r.blocks[b], r.next%traceBlock
}

// kept is how many values the ring holds.
func (r *blockRing[T]) kept() int { return int(min(r.n, uint64(r.cap))) }

// at returns the value at index i.
func (r *blockRing[T]) at(i int) *T { return &r.blocks[uint(i)/traceBlock][uint(i)%traceBlock] }

// oldest returns the index of the oldest value.
func (r *blockRing[T]) oldest() int {
	if r.n < uint64(r.cap) || r.next == r.cap {
		return 0
	}
	return r.next
}

// recRef names a trace record: its number plus one (0: none) and its
// index in the ring, so that a delivery finds its send's record without
// a division.
type recRef struct {
	num uint64
	idx uint32
}

// slot returns the slot for the next record, overwriting the oldest when
// the ring is full. (Not a method of blockRing: a generic method is
// compiled for its type's shape, with a dictionary, and is then too
// large to be inlined.)
func (r *traceRing) slot() *traceRec {
	q := &r.recs
	if q.off == len(q.cur) {
		q.nextBlock()
	}
	q.next++
	q.n++
	q.off++
	return &q.cur[q.off-1]
}

// addExtra stores x and returns its reference for traceRec.extra.
func (r *traceRing) addExtra(x traceExtra) int32 {
	q := &r.extras
	if q.off == len(q.cur) {
		q.nextBlock()
	}
	i := q.next
	q.next++
	q.n++
	q.off++
	q.cur[q.off-1] = x
	return int32(i + 1)
}

// intern returns the reference of reason, or false when the table is full.
func (r *traceRing) intern(reason string) (uint8, bool) {
	if reason == "" {
		return 0, true
	}
	for i, x := range r.reasons {
		if x == reason {
			return uint8(i + 1), true
		}
	}
	if len(r.reasons) == 255 {
		return 0, false
	}
	r.reasons = append(r.reasons, reason)
	return uint8(len(r.reasons)), true
}

// addFull stores e (which must own its message) as it is.
func (r *traceRing) addFull(p *traceRec, e *TraceEvent) {
	*p = traceRec{flags: recFull, extra: r.addExtra(traceExtra{full: e})}
}

// addFullMsg stores a message event as it is, with a copy of m (so that
// m itself never escapes: senders keep their messages on the stack).
func (r *traceRing) addFullMsg(p *traceRec, at time.Duration, kind EventKind, node, peer raft.NodeID, m *raft.Message, reason string) {
	mc := new(raft.Message)
	*mc = *m
	r.addFull(p, &TraceEvent{Time: at, Kind: kind, Node: node, Peer: peer, Msg: mc, Reason: reason})
}

// addRafts records the steps evs of node id at time at.
func (r *traceRing) addRafts(at time.Duration, id raft.NodeID, evs []raft.Event) {
	for i := range evs {
		r.addRaft(at, id, &evs[i])
	}
}

func (r *traceRing) addRaft(at time.Duration, id raft.NodeID, e *raft.Event) {
	p := r.slot()
	why, ok := r.intern(e.Reason)
	if len(e.Config) > 0 || len(e.Outgoing) > 0 || len(e.Learners) > 0 || e.Node != id || !ok || e.Bytes != 0 {
		r.addFull(p, &TraceEvent{Time: at, Kind: EvRaft, Node: id, Peer: e.Peer, Raft: *e})
		return
	}
	// Field by field: a composite literal is built aside and then copied.
	flags := recRaft
	if e.Pre {
		flags |= recPre
	}
	p.at, p.a, p.b, p.kind, p.typ, p.op, p.flags, p.mask, p.reason, p.extra = at, int32(id), int32(e.Peer), EvRaft, uint8(e.Kind), uint8(e.Role), flags, 0, why, 0
	p.n[0], p.n[1], p.n[2], p.n[3], p.n[4] = e.Term, e.Index, e.Index2, e.EntryTerm, e.EntryTerm2
}

func (r *traceRing) addMsg(at time.Duration, kind EventKind, node, peer raft.NodeID, m *raft.Message, reason string) {
	p := r.slot()
	why, ok := r.intern(reason)
	if !ok || !endpoints(kind, node, peer, m) || m.Transfer || (m.Cmd != nil && m.Cmd.Change != nil) || m.Snap != nil || m.Type == raft.MsgSnap || m.Type == raft.MsgSnapResp ||
		m.Offset != 0 || m.Done {
		// A transfer's vote requests, a changeConfig request and
		// InstallSnapshot are rare: kept
		// whole (a chunk shares its bytes with the leader's snapshot).
		r.addFullMsg(p, at, kind, node, peer, m, reason)
		return
	}
	flags := recMsg
	if m.Reject {
		flags |= recReject
	}
	if m.Probe {
		flags |= recProbe
	}
	// Field by field (a composite literal is built aside and copied); n
	// is set below.
	p.at, p.a, p.b, p.kind, p.typ, p.op, p.flags, p.mask, p.reason, p.extra = at, int32(m.From), int32(m.To), kind, uint8(m.Type), 0, flags, 0, why, 0
	noCmd, noResp := m.Cmd == nil, m.Resp == nil
	switch {
	case noCmd && noResp && packUsual(p, m):
		if len(m.Entries) > 0 {
			p.extra = r.addExtra(traceExtra{ents: m.Entries})
		}
	case noCmd && noResp:
		// Pack the non-zero numbers to the front without a branch on
		// each (which of them are zero changes from one message to the
		// next, and a mispredicted branch costs more than the rest):
		// every number is written at the next place, which moves on
		// only past a non-zero one. The order is msgNums'.
		var pk numPacker
		pk.add(0, m.Term)
		pk.add(1, m.LastIndex)
		pk.add(2, m.LastTerm)
		pk.add(3, m.PrevIndex)
		pk.add(4, m.PrevTerm)
		pk.add(5, m.Commit)
		pk.add(6, m.ReadSeq)
		pk.add(7, m.Match)
		pk.add(8, m.ConflictTerm)
		pk.add(9, m.ConflictIndex)
		if pk.k > len(p.n) {
			r.addFullMsg(p, at, kind, node, peer, m, reason)
			return
		}
		p.n = [5]uint64(pk.n[:5])
		p.mask = pk.mask
		if len(m.Entries) > 0 {
			p.extra = r.addExtra(traceExtra{ents: m.Entries})
		}
	case noResp && onlyTerm(m):
		c := m.Cmd
		p.flags |= recCmd
		if c.ReadOnly {
			p.flags |= recReadOnly
		}
		p.op = uint8(c.Op)
		p.n = [5]uint64{m.Term, c.ClientID, c.Seq, uint64(int64(c.Server))}
		p.extra = r.addExtra(traceExtra{cmd: c})
	case noCmd && onlyTerm(m):
		rs := m.Resp
		p.flags |= recResp
		p.n = [5]uint64{m.Term, rs.ClientID, rs.Seq, uint64(int64(rs.LeaderHint))}
		p.extra = r.addExtra(traceExtra{resp: rs})
	default:
		r.addFullMsg(p, at, kind, node, peer, m, reason)
	}
}

// addDeliver records the delivery at time at of the message whose send is
// record sent, as a copy of that record, when it can: the send must be
// still held, be a plain send of a message that packed into its record
// without extras (heartbeats, votes, answers: most of the traffic), and
// the message arrives unchanged. It reports whether it did; if not, the
// caller records the delivery with addMsg. Copying is much cheaper than
// packing the message again.
func (r *traceRing) addDeliver(sent recRef, at time.Duration) bool {
	if sent.num == 0 || r.recs.n-(sent.num-1) > uint64(r.recs.cap) {
		return false
	}
	src := r.recs.at(int(sent.idx))
	if src.flags&(recMsg|recFull) != recMsg || src.extra != 0 || src.kind != EvSend {
		return false
	}
	// When the send is the oldest record held, p is its slot: the copy
	// then overwrites it with itself before the changes.
	p := r.slot()
	*p = *src
	p.at, p.kind, p.reason = at, EvDeliver, 0
	return true
}

// endpoints says whether an event's Node and Peer follow from its kind
// and its message's endpoints, as event reconstructs them.
func endpoints(kind EventKind, node, peer raft.NodeID, m *raft.Message) bool {
	n, p := msgEnds(kind, m.From, m.To)
	return n == node && p == peer
}

// msgEnds gives the Node and Peer of a message event: the sender and the
// receiver, except for a client's reply, which is about the client.
func msgEnds(kind EventKind, from, to raft.NodeID) (node, peer raft.NodeID) {
	if kind == EvClientReply {
		return to, from
	}
	return from, to
}

func (r *traceRing) addOther(e *TraceEvent) {
	if e.Msg != nil {
		r.addFullMsg(r.slot(), e.Time, e.Kind, e.Node, e.Peer, e.Msg, e.Reason)
		return
	}
	ev := *e
	r.addFull(r.slot(), &ev)
}

// packUsual packs m's numbers into p by the layout of its type, when the
// numbers it leaves out are zero: the fields that raft fills in a message
// of that type, zero or not. It is the common case, and cheaper than
// numPacker's pass over every field.
func packUsual(p *traceRec, m *raft.Message) bool {
	switch m.Type {
	case raft.MsgApp, raft.MsgHeartbeat:
		if m.LastIndex|m.LastTerm|m.Match|m.ConflictTerm|m.ConflictIndex != 0 {
			return false
		}
		p.n[0], p.n[1], p.n[2], p.n[3], p.n[4] = m.Term, m.PrevIndex, m.PrevTerm, m.Commit, m.ReadSeq
		p.mask = 1<<0 | 1<<3 | 1<<4 | 1<<5 | 1<<6
	case raft.MsgAppResp, raft.MsgHeartbeatResp:
		if m.LastIndex|m.LastTerm|m.PrevTerm|m.Commit|m.ConflictTerm != 0 {
			return false
		}
		p.n[0], p.n[1], p.n[2], p.n[3], p.n[4] = m.Term, m.PrevIndex, m.ReadSeq, m.Match, m.ConflictIndex
		p.mask = 1<<0 | 1<<3 | 1<<6 | 1<<7 | 1<<9
	case raft.MsgVote, raft.MsgVoteResp, raft.MsgPreVote, raft.MsgPreVoteResp, raft.MsgTimeoutNow:
		if m.PrevIndex|m.PrevTerm|m.Commit|m.ReadSeq|m.Match|m.ConflictTerm|m.ConflictIndex != 0 {
			return false
		}
		p.n[0], p.n[1], p.n[2], p.n[3], p.n[4] = m.Term, m.LastIndex, m.LastTerm, 0, 0
		p.mask = 1<<0 | 1<<1 | 1<<2
	default:
		return false
	}
	return true
}

// numPacker packs a message's non-zero numbers (msgNums) to the front of
// n, and says in mask which they were.
type numPacker struct {
	n    [11]uint64 // room for all, and for the last one written
	k    int
	mask uint16
}

// add writes number i, v, at the next place; the place moves on only if
// v is not zero. The compiler makes the test a flag move, not a branch.
func (p *numPacker) add(i uint, v uint64) {
	p.n[p.k] = v
	nz := 0
	if v != 0 {
		nz = 1
	}
	p.mask |= uint16(nz) << i
	p.k += nz
}

// msgNums lists a message's numbers; every numeric field of raft.Message
// is here (TestTraceKeepsEveryField checks that none is left out when
// raft.Message grows).
func msgNums(m *raft.Message) [10]uint64 {
	return [10]uint64{m.Term, m.LastIndex, m.LastTerm, m.PrevIndex, m.PrevTerm, m.Commit, m.ReadSeq, m.Match, m.ConflictTerm, m.ConflictIndex}
}

func setNums(m *raft.Message, n *[10]uint64) {
	m.Term, m.LastIndex, m.LastTerm, m.PrevIndex, m.PrevTerm = n[0], n[1], n[2], n[3], n[4]
	m.Commit, m.ReadSeq, m.Match, m.ConflictTerm, m.ConflictIndex = n[5], n[6], n[7], n[8], n[9]
}

// onlyTerm says whether a message carries nothing but its term besides
// client fields, as client traffic does.
func onlyTerm(m *raft.Message) bool {
	n := msgNums(m)
	n[0] = 0
	return n == [10]uint64{} && !m.Reject && len(m.Entries) == 0
}

// event unpacks record p.
func (r *traceRing) event(p *traceRec) TraceEvent {
	var x *traceExtra
	if p.extra > 0 {
		x = r.extras.at(int(p.extra - 1))
	}
	if p.flags&recFull != 0 {
		e := *x.full
		if e.Msg != nil {
			mc := *e.Msg
			e.Msg = &mc
		}
		return e
	}
	e := TraceEvent{Time: p.at, Kind: p.kind}
	if p.reason > 0 {
		e.Reason = r.reasons[p.reason-1]
	}
	if p.flags&recRaft != 0 {
		e.Node, e.Peer = raft.NodeID(p.a), raft.NodeID(p.b)
		e.Raft = raft.Event{Kind: raft.EventKind(p.typ), Node: e.Node, Peer: e.Peer, Role: raft.Role(p.op),
			Term: p.n[0], Index: p.n[1], Index2: p.n[2], EntryTerm: p.n[3], EntryTerm2: p.n[4], Reason: e.Reason,
			Pre: p.flags&recPre != 0}
		e.Reason = ""
		return e
	}
	m := &raft.Message{Type: raft.MsgType(p.typ), From: raft.NodeID(p.a), To: raft.NodeID(p.b), Reject: p.flags&recReject != 0,
		Probe: p.flags&recProbe != 0}
	e.Node, e.Peer = msgEnds(p.kind, m.From, m.To)
	switch {
	case p.flags&recCmd != 0:
		m.Term = p.n[0]
		m.Cmd = &raft.Command{ClientID: p.n[1], Seq: p.n[2], Server: raft.NodeID(int64(p.n[3])), Op: raft.Op(p.op),
			Key: x.cmd.Key, Value: x.cmd.Value, Old: x.cmd.Old, ReadOnly: p.flags&recReadOnly != 0}
	case p.flags&recResp != 0:
		m.Term = p.n[0]
		m.Resp = &raft.Response{ClientID: p.n[1], Seq: p.n[2], LeaderHint: raft.NodeID(int64(p.n[3])),
			Status: x.resp.Status, Result: x.resp.Result, Err: x.resp.Err}
	default:
		var nums [10]uint64
		k := 0
		for i := range nums {
			if p.mask&(1<<i) != 0 {
				nums[i] = p.n[k]
				k++
			}
		}
		setNums(m, &nums)
		if x != nil {
			m.Entries = x.ents
		}
	}
	e.Msg = m
	return e
}

// TraceStats says how much of the run the trace holds.
type TraceStats struct {
	Kept    int // events held
	Dropped int // older events pushed out by newer ones
	Cap     int // the bound (0: the trace is off)
}

// Trace returns the recorded events, oldest first: every event of the run,
// or the newest Options.TraceCap of them (DefaultTraceCap unless set). Each
// message event has its own copy of the message.
func (s *Sim) Trace() []TraceEvent {
	r := s.ring
	if r == nil {
		return nil
	}
	kept := r.recs.kept()
	out := make([]TraceEvent, 0, kept)
	for k, i := 0, r.recs.oldest(); k < kept; k++ {
		out = append(out, r.event(r.recs.at(i)))
		if i++; i == r.recs.cap {
			i = 0
		}
	}
	return out
}

// TraceStats reports the trace's size and bound.
func (s *Sim) TraceStats() TraceStats {
	if s.ring == nil {
		return TraceStats{}
	}
	kept := s.ring.recs.kept()
	return TraceStats{Kept: kept, Dropped: int(s.ring.recs.n) - kept, Cap: s.ring.recs.cap}
}
