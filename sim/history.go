package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"raftsim/raft"
)

// HistoryOp is one client operation as its client saw it: what it asked,
// when (virtual time), and what it was told. Every key/value request of
// the shell's clientRequest and of the load's clients is recorded;
// membership requests and Bench's proposals are not.
type HistoryOp struct {
	Client   raft.NodeID // the client endpoint (ClientIDBase and up; ShownID to print)
	Seq      uint64      // the session sequence number (retries reuse it)
	Op       raft.Op     // get, set, del or cas
	Key      string
	Value    raft.Value // set, cas: the value written
	Old      raft.Value // cas: the value expected ("" = absent)
	ReadOnly bool       // a get through ReadIndex rather than the log
	Call     time.Duration
	Return   time.Duration // when the answer came; meaningful only if Done
	// Done says the client has its answer, or gave up (Status TIMEOUT). A
	// load client never gives up: it retries until the cluster answers.
	Done   bool
	Status raft.Status
	Result raft.Value
	Shell  bool // sent by the shell's clientRequest, not by a load client
	// Server is the server whose reply ended the operation (raft.None
	// while it has none, or when the client gave up).
	Server raft.NodeID
}

// FaultEvent is a change the world made to the cluster: a crash, a
// restart, a partition, a cut, a heal, a change of the network or disk
// model. They annotate the exported history.
type FaultEvent struct {
	Time time.Duration
	Kind EventKind // EvCrash, EvRestart, EvPartition (the network changed)
	Node raft.NodeID
	Desc string // for EvPartition: what changed, e.g. "partition 0,1 | 2", "heal"
}

// workload is the state of this file and load.go, hung off Sim: the
// client history, the faults seen, and the running load.
type workload struct {
	history opLog
	// dropped counts the operations dropped from the front of history to
	// keep it under Options.HistoryLimit (oldest first, answered ones only):
	// history.at(i) is operation dropped+i of the run.
	dropped int
	open    int // operations not Done
	faults  []FaultEvent
	load    *loadRun
	rnd     *rand.Rand // the "load" stream, made on first use
	loadGen uint64     // the generation of the latest open-loop load
}

// opBlock is how many operations one block of the history holds (150 kB).
const opBlock = 1024

// opLog is the history: operations in blocks of opBlock, filled in turn,
// so that it grows without copying what it holds (as a slice doubling
// would: an hour of a 50/s load, 180,000 operations, 27 MB, then
// allocated, copied and paged in 80 MB on the way, a few per cent of the
// run) and drops its front by releasing blocks. The first block grows
// by doubling, so that a short run's history stays small.
type opLog struct {
	blocks [][]HistoryOp // each holds up to opBlock operations; those past the last one in use are spares, empty
	off    int           // blocks[0][off] is the oldest operation held
	n      int           // operations held
}

// len returns how many operations the log holds.
func (l *opLog) len() int { return l.n }

// at returns operation i of those held (0: the oldest).
func (l *opLog) at(i int) *HistoryOp {
	i += l.off
	return &l.blocks[i/opBlock][i%opBlock]
}

// add appends op.
func (l *opLog) add(op HistoryOp) {
	b := (l.off + l.n) / opBlock
	if b == len(l.blocks) {
		size := opBlock
		if b == 0 {
			size = 64
		}
		l.blocks = append(l.blocks, make([]HistoryOp, 0, size))
	}
	blk := l.blocks[b]
	if len(blk) == cap(blk) {
		blk = slices.Grow(blk, min(max(len(blk), 64), opBlock-len(blk)))
	}
	l.blocks[b] = append(blk, op)
	l.n++
}

// drop removes the oldest k operations held.
func (l *opLog) drop(k int) {
	for i := range k {
		*l.at(i) = HistoryOp{} // let go of its strings
	}
	l.off += k
	l.n -= k
	if b := l.off / opBlock; b > 0 {
		// Move the blocks down, and keep the emptied ones at the end
		// as spares.
		freed := make([][]HistoryOp, b)
		for j, blk := range l.blocks[:b] {
			freed[j] = blk[:0]
		}
		copy(l.blocks, l.blocks[b:])
		copy(l.blocks[len(l.blocks)-b:], freed)
		l.off -= b * opBlock
	}
}

// appendTo appends the operations held from i on to dst.
func (l *opLog) appendTo(dst []HistoryOp, i int) []HistoryOp {
	dst = slices.Grow(dst, l.n-i)
	for i < l.n {
		j := i + l.off
		blk := l.blocks[j/opBlock][j%opBlock:]
		blk = blk[:min(len(blk), l.n-i)]
		dst = append(dst, blk...)
		i += len(blk)
	}
	return dst
}

// recordCall opens c's history entry for the request it is starting. It
// is an append of a small struct: cheap enough for every request.
func (s *Sim) recordCall(c *client) {
	c.hist = 0
	if c.bench || c.cmd.Op > raft.OpCAS {
		return
	}
	w := &s.work
	if lim := s.opts.HistoryLimit; lim > 0 && w.history.len() >= lim+lim/4 {
		w.trim(lim)
	}
	w.history.add(HistoryOp{
		Client: c.id, Seq: c.cmd.Seq, Op: c.cmd.Op, Key: c.cmd.Key, Value: c.cmd.Value, Old: c.cmd.Old,
		ReadOnly: c.cmd.ReadOnly, Call: s.now, Shell: c == s.shell, Server: raft.None,
	})
	w.open++
	c.hist = w.dropped + w.history.len()
}

// DefaultHistoryLimit is the Options.HistoryLimit of a simulation that
// sets none: 750,000 operations, about 150 MB with the room trim leaves,
// 62 minutes of a 200/s load, so that an hour of it (720,000) can still
// be checked for linearizability while a day-long run stays under 500 MB
// (issue 7); a day of history would not fit.
const DefaultHistoryLimit = 750_000

// trim drops the oldest answered operations until at most lim are left
// (an operation still open, and those after it, stay). The blocks it
// empties are reused: the history's memory stays put.
func (w *workload) trim(lim int) {
	k := 0
	for k < w.history.len()-lim && w.history.at(k).Done {
		k++
	}
	if k == 0 {
		return
	}
	w.history.drop(k)
	w.dropped += k
}

// op returns operation i of the run (0-based), or nil if it was dropped.
func (w *workload) op(i int) *HistoryOp {
	if i < w.dropped || i-w.dropped >= w.history.len() {
		return nil
	}
	return w.history.at(i - w.dropped)
}

// HistoryDropped returns how many of the oldest operations the history
// no longer holds (Options.HistoryLimit).
func (s *Sim) HistoryDropped() int { return s.work.dropped }

// recordReturn closes c's history entry with the answer c holds.
func (s *Sim) recordReturn(c *client) {
	if c.hist == 0 {
		return
	}
	h := s.work.op(c.hist - 1)
	h.Return, h.Done, h.Status, h.Result, h.Server = s.now, true, c.resp.Status, c.resp.Result, c.respFrom
	s.work.open--
	c.hist = 0
}

// clientFinished is called when c's request has ended (a reply, or the
// client gave up). A load client that was not answered tries the same
// command again under the same sequence number, so its operation stays
// open in the history; everything else is recorded as it ended.
func (s *Sim) clientFinished(c *client) {
	if c.load != nil && s.loadRetry(c) {
		return
	}
	s.recordReturn(c)
	if c.load != nil {
		s.loadDone(c)
	}
}

// noteFault records a crash, a restart or a network change; trace.go
// calls it whether or not a listener is installed (they are rare).
func (s *Sim) noteFault(kind EventKind, id raft.NodeID, desc string) {
	s.work.faults = append(s.work.faults, FaultEvent{Time: s.now, Kind: kind, Node: id, Desc: desc})
}

// History returns the recorded client operations, oldest call first. The
// slice is a copy.
func (s *Sim) History() []HistoryOp {
	return s.work.history.appendTo(nil, 0)
}

// HistoryTail returns the last n recorded operations (all if n <= 0) and
// how many there are in all.
func (s *Sim) HistoryTail(n int) ([]HistoryOp, int) {
	h, from := &s.work.history, 0
	if n > 0 && n < h.len() {
		from = h.len() - n
	}
	return h.appendTo(nil, from), s.work.dropped + h.len()
}

// Faults returns the crashes, restarts and network changes so far.
func (s *Sim) Faults() []FaultEvent {
	return append([]FaultEvent(nil), s.work.faults...)
}

// PendingOps returns how many client operations (of the load and of the
// shell) have no answer yet.
func (s *Sim) PendingOps() int { return s.work.open }

// WaitQuiet runs the clock until there is a leader and every client
// operation pending now has its answer, for at most bound of virtual
// time. It is the liveness check after the faults are healed: ok is false
// and why says what did not happen in time. A load still running keeps
// issuing operations meanwhile; only those pending at the call count.
func (s *Sim) WaitQuiet(bound time.Duration) (ok bool, why string) {
	if !s.started {
		return false, "no servers"
	}
	var open []int // operations of the run (work.op), not positions: the history may drop its front meanwhile
	for i := range s.work.history.len() {
		if !s.work.history.at(i).Done {
			open = append(open, s.work.dropped+i)
		}
	}
	start := s.now
	done := func() bool {
		for _, i := range open {
			if h := s.work.op(i); h != nil && !h.Done {
				return false
			}
		}
		return true
	}
	if s.runUntil(func() bool { return s.leader() != raft.None && done() }, s.after(bound)) {
		return true, ""
	}
	if s.leader() == raft.None {
		return false, fmt.Sprintf("no leader within %v (from t=%v)", bound, start)
	}
	left := 0
	var first *HistoryOp
	for _, i := range open {
		if h := s.work.op(i); h != nil && !h.Done {
			left++
			if first == nil {
				first = h
			}
		}
	}
	ops := "client operations are"
	if left == 1 {
		ops = "client operation is"
	}
	return false, fmt.Sprintf("%d %s still without an answer %v after t=%v; the oldest: client %d %s %s (seq %d) called at t=%v",
		left, ops, bound, start, ShownID(first.Client), first.Op, first.Key, first.Seq, first.Call)
}
