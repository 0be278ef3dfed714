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
	// lastApp is when the last AppendEntries left for the follower, and
	// appCommit the commit index the follower may take from it: the
	// leader's commit then, as far as the message's entries reach. A
	// heartbeat skips a follower that got one lately carrying the
	// current commit (heartbeatDue).
	lastApp   time.Duration
	appCommit uint64
	readAck   uint64 // highest ReadSeq this peer echoed in the current term
	voter     bool

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
