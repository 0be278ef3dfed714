package raft

import "time"

// progressState is how a leader replicates to one follower (the shape of
// etcd's raft tracker, dissertation §3.5 and §10.2.1).
type progressState uint8

const (
	// stateProbe: where the follower's log ends is not known. One
	// AppendEntries is out at a time; its answer (or the fast-backtracking
	// hint of a refusal, §5.3) says where to go on. A follower is probed
	// when a leader takes office, after a refusal, and after it fell silent.
	stateProbe progressState = iota
	// stateReplicate: the follower's log matches up to match and the
	// entries up to next-1 are on their way: the leader pipelines up to
	// MaxInflight AppendEntries, moving next past them before the answers.
	stateReplicate
	// stateSnapshot: the follower needs entries the leader has compacted
	// away (§7), so it gets the leader's snapshot instead, one chunk at a
	// time (InstallSnapshot, Figure 13); once it has installed it, the
	// leader replicates from there.
	stateSnapshot
)

func (s progressState) String() string {
	switch s {
	case stateReplicate:
		return "replicate"
	case stateSnapshot:
		return "snapshot"
	}
	return "probe"
}

// progress is the leader's view of one follower (Figure 2's nextIndex and
// matchIndex), plus what pipelining, check-quorum and ReadIndex need.
type progress struct {
	state progressState
	next  uint64
	match uint64
	// inflight holds, oldest first, the last index of every AppendEntries
	// with entries sent in stateReplicate and not yet acknowledged. An
	// acknowledgement of index i frees every message ending at or below i,
	// whatever order the answers arrive in; the window is full at
	// MaxInflight messages, which really bounds what is in flight.
	inflight []uint64
	// probeSent: in stateProbe, an AppendEntries is out; wait for its
	// answer (or the next heartbeat) before sending another.
	probeSent bool
	// reprobe: the next probe is a heartbeat's, to a follower that did not
	// answer the last one; it goes without entries (the follower may be
	// down, or cut off from us: entries would cross for nothing).
	reprobe bool
	// gapPrev: in stateReplicate, the lowest PrevIndex of a message the
	// follower refused because its log ends before it, while the entries
	// it lacks were already on their way (messages overtake each other).
	// Nothing is resent at once: when the follower's match reaches
	// gapPrev, the pipeline resumes from there; if match does not move for
	// a heartbeat interval, the entries were lost and the follower is
	// probed.
	// 0 when there is no gap.
	gapPrev uint64
	// lastProgress is when match last moved, or when the window went from
	// empty to not: a window that stays full of the same messages for a
	// heartbeat interval has lost some.
	lastProgress time.Duration
	lastAck      time.Duration // last answer of any kind, for check-quorum
	// lastSent is when the leader last sent the follower anything that
	// resets its election timer (AppendEntries, a snapshot chunk, a
	// Heartbeat): its next heartbeat is due an interval later (§5.2).
	// sentPrev and sentNext link the followers in the order of lastSent,
	// least recent first (progressTable.sent).
	lastSent           time.Duration
	sentPrev, sentNext *progress
	id                 NodeID
	readAck            uint64 // highest ReadSeq this peer echoed in the current term
	voter              bool

	// In stateSnapshot: the snapshot being sent (the leader's when the
	// transfer began: a newer one waits for the next transfer), the offset
	// of the next chunk, and whether a chunk is out (one at a time; its
	// answer, or a heartbeat interval without one, sends the next).
	snap       Snapshot
	snapOffset uint64
	snapSent   bool
}

// becomeSnapshot starts sending snap.
func (pr *progress) becomeSnapshot(snap Snapshot, now time.Duration) {
	pr.state = stateSnapshot
	pr.snap = snap
	pr.snapOffset = 0
	pr.snapSent = false
	pr.inflight = pr.inflight[:0]
	pr.probeSent = false
	pr.gapPrev = 0
	pr.lastProgress = now
}

// becomeProbe starts probing at next.
func (pr *progress) becomeProbe(next uint64) {
	pr.state = stateProbe
	pr.snap = Snapshot{}
	pr.next = max(next, pr.match+1)
	pr.inflight = pr.inflight[:0]
	pr.probeSent = false
	pr.gapPrev = 0
}

// becomeReplicate starts pipelining after match.
func (pr *progress) becomeReplicate(now time.Duration) {
	pr.state = stateReplicate
	pr.snap = Snapshot{}
	pr.next = pr.match + 1
	pr.inflight = pr.inflight[:0]
	pr.probeSent = false
	pr.gapPrev = 0
	pr.lastProgress = now
}

// freeTo frees the window's messages that end at or below index.
func (pr *progress) freeTo(index uint64) {
	k := 0
	for k < len(pr.inflight) && pr.inflight[k] <= index {
		k++
	}
	if k > 0 {
		pr.inflight = append(pr.inflight[:0], pr.inflight[k:]...)
	}
}

// busy reports whether an AppendEntries with entries beyond commit is in
// flight to the follower: a commit round is under way, and a new entry
// waits to go in the next batch (offerAppend). inflight is ascending.
func (pr *progress) busy(commit uint64) bool {
	k := len(pr.inflight)
	return k > 0 && pr.inflight[k-1] > commit
}

// progressTable is the leader's progress of every server it replicates
// to, by id. Servers' ids are small numbers in practice, so a progress is
// found by indexing a slice with the id, not by hashing it (a map of
// 5,000 progresses was a probe of a cold table on every answer), and the
// progresses of one term are allocated together, in the order of the
// configuration's sorted ids, so that a pass over every voter (the commit
// index, recountAbove) reads memory in order. Ids from denseIDs up, if
// any, are kept in a map.
//
// The followers (every progress but the leader's own) are also linked in
// the order the leader last sent them a message, least recent first, so
// that the next heartbeat due is the head's, found without a pass over
// them, and a send moves its follower to the tail in constant time.
type progressTable struct {
	dense []*progress // by id; nil where none
	far   map[NodeID]*progress
	n     int
	// head and tail of the send order (sentPrev, sentNext).
	head, tail *progress
	// slab is where new progresses come from: a block of them, handed out
	// in order and never moved.
	slab []progress
}

// denseIDs bounds the ids whose progress is found by index: a slice of
// 64K pointers (512 KB) at most, for any cluster the simulator builds
// (10,000 servers at most); a larger id goes to the map.
const denseIDs = 1 << 16

// get returns id's progress, or nil.
func (t *progressTable) get(id NodeID) *progress {
	if uint(id) < uint(len(t.dense)) {
		return t.dense[id]
	}
	if id >= 0 && id < denseIDs {
		return nil
	}
	return t.far[id]
}

// add gives id a progress that starts as pr and returns it; id must have
// none. hint is how many more are likely to follow in this term, so that
// they come from the same block.
func (t *progressTable) add(id NodeID, pr progress, hint int) *progress {
	if len(t.slab) == cap(t.slab) {
		t.slab = make([]progress, 0, max(hint, 4))
	}
	t.slab = append(t.slab, pr)
	p := &t.slab[len(t.slab)-1]
	t.n++
	if id >= 0 && id < denseIDs {
		if int(id) >= len(t.dense) {
			t.dense = append(t.dense, make([]*progress, int(id)+1-len(t.dense))...)
		}
		t.dense[id] = p
		return p
	}
	if t.far == nil {
		t.far = map[NodeID]*progress{}
	}
	t.far[id] = p
	return p
}

// remove drops id's progress.
func (t *progressTable) remove(id NodeID) {
	pr := t.get(id)
	if pr == nil {
		return
	}
	t.unlink(pr)
	t.n--
	if uint(id) < uint(len(t.dense)) {
		t.dense[id] = nil
		return
	}
	delete(t.far, id)
}

// len returns the number of progresses held.
func (t *progressTable) len() int { return t.n }

// reset drops every progress (the node is no longer leader).
func (t *progressTable) reset() { *t = progressTable{} }

// sent records that a message left for pr's follower at now, and moves it
// to the tail of the send order (linking it if it was not).
func (t *progressTable) sent(pr *progress, now time.Duration) {
	pr.lastSent = now
	if t.tail == pr {
		return
	}
	t.unlink(pr)
	pr.sentPrev = t.tail
	if t.tail != nil {
		t.tail.sentNext = pr
	} else {
		t.head = pr
	}
	t.tail = pr
}

// unlink takes pr out of the send order, if it is in it.
func (t *progressTable) unlink(pr *progress) {
	if pr.sentPrev == nil && t.head != pr {
		return // not linked
	}
	if pr.sentPrev != nil {
		pr.sentPrev.sentNext = pr.sentNext
	} else {
		t.head = pr.sentNext
	}
	if pr.sentNext != nil {
		pr.sentNext.sentPrev = pr.sentPrev
	} else {
		t.tail = pr.sentPrev
	}
	pr.sentPrev, pr.sentNext = nil, nil
}

// leastRecent returns the follower sent a message least recently, or nil
// when there is none.
func (t *progressTable) leastRecent() *progress { return t.head }

// mostRecent returns the follower sent a message most recently, or nil.
func (t *progressTable) mostRecent() *progress { return t.tail }
