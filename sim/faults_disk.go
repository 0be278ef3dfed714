package sim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"raftsim/raft"
)

// Slow disks. With fsync > 0, every Ready of a server is written through a
// FIFO queue: the write becomes durable at max(now, the previous write's
// durable time) + fsync. Until then the messages that vouch for what is
// being written are held (raft's Message.WaitsForDisk: persist before you
// speak): a RequestVote for a new term, a vote, an acknowledgement of
// entries leave only once what they promise is on the disk. A Ready with
// nothing to write still holds them behind the writes before it (a
// heartbeat's acknowledgement vouches for entries still on their way to the
// disk), but costs no fsync of its own. Once a write is durable it is
// reported to the node (HardStateStable, StableTo): a candidate counts its
// own vote, and a leader its own copy of entries, only from then on.
//
// A leader's AppendEntries and replies to clients vouch for nothing
// unwritten and leave at once, so a leader's slow disk slows its commits
// only when its own copy is needed for the quorum, and does not silence its
// heartbeats.
//
// The node's memory runs ahead of its disk meanwhile, exactly as on a real
// machine. A crash loses every write not yet durable, with its held
// messages; the server restarts from what was durable.
//
// The safety checks follow each node's log in memory (what it votes,
// replicates and applies from). "Committed" stays the node's commitIndex:
// a leader commits only entries durable on a quorum (followers acknowledge
// after their write, the leader's own copy counts from StableTo), so a
// follower may apply a committed entry its own disk does not hold yet
// without any risk. On a crash the checks rewind the server's log to its
// disk, since that is the log it comes back with.

// diskWrite is one write in a server's disk queue.
type diskWrite struct {
	seq     uint64
	at      time.Duration // when it becomes durable
	hasHard bool
	hard    raft.HardState
	from    uint64 // TruncateFrom of the Ready
	entries []raft.Entry
	snap    *raft.Snapshot // a snapshot to make the disk's (immutable: shared)
	snapPH  uint64         // the checks' prefix hash at snap.Index
	chunk   *raft.SnapshotChunk
	msgs    []raft.Message // held until the write is durable
}

// diskEventTag marks a timer event of a server as the completion of disk
// write number aux&^diskEventTag rather than its election or heartbeat
// timer. Disk writes ride on the server's timer events so that the event
// queue needs no kind of its own for them; timer generations never come
// near 2^63.
const diskEventTag = 1 << 63

// maxFsync bounds the fsync time, so a typo cannot park a server's output
// for years of virtual time.
const maxFsync = time.Hour

// queueWrite puts the write of rd on srv's disk queue, and with it the
// messages that must wait for it; the others are sent now.
func (s *Sim) queueWrite(srv *server, rd *raft.Ready) {
	var held []raft.Message // copies: Ready's slices live until the next Ready
	for i := range rd.Messages {
		if m := &rd.Messages[i]; !m.WaitsForDisk() {
			s.send(m)
		} else {
			if held == nil {
				// Sized once: a message is large, and growing the slice
				// copied the held ones again at every doubling.
				held = make([]raft.Message, 0, len(rd.Messages)-i)
			}
			held = append(held, *m)
		}
	}
	write := rd.HardStateChanged || rd.TruncateFrom != 0 || len(rd.Entries) > 0 || rd.Snapshot != nil || rd.SnapshotChunk != nil
	n := len(srv.writes)
	if !write {
		switch {
		case len(held) == 0:
		case n > 0:
			// Nothing to write, but the messages may rest on writes
			// still pending: they leave with the last of them.
			w := &srv.writes[n-1]
			w.msgs = append(w.msgs, held...)
		default:
			for i := range held {
				s.send(&held[i])
			}
		}
		return
	}
	at := s.now
	if n > 0 {
		at = max(at, srv.writes[n-1].at)
	}
	if at > math.MaxInt64-srv.fsync {
		at = math.MaxInt64
	} else {
		at += srv.fsync
	}
	srv.writeSeq++
	srv.writes = append(srv.writes, diskWrite{
		seq: srv.writeSeq, at: at,
		hasHard: rd.HardStateChanged, hard: rd.HardState,
		from:    rd.TruncateFrom,
		entries: slices.Clone(rd.Entries),
		snap:    rd.Snapshot,
		chunk:   rd.SnapshotChunk,
		msgs:    held,
	})
	if sn := rd.Snapshot; sn != nil {
		srv.writes[len(srv.writes)-1].snapPH = s.snapPH(srv.id, sn.Index)
	}
	s.queue.push(event{at: at, aux: diskEventTag | srv.writeSeq, id: int32(srv.id), kind: evTimer})
}

// diskDone makes the oldest write of srv durable, if it is write seq (a
// crash may have lost it): it reaches the disk, its messages leave, and
// the node learns that its log is stable up to the write's last entry. It
// reports whether it did anything.
func (s *Sim) diskDone(srv *server, seq uint64) bool {
	if len(srv.writes) == 0 || srv.writes[0].seq != seq {
		return false
	}
	w := srv.writes[0]
	srv.writes[0] = diskWrite{} // let the collector have its slices
	srv.writes = srv.writes[1:]
	dk := srv.disk
	if w.hasHard {
		dk.hard = w.hard
	}
	dk.truncate(w.from)
	dk.append(w.entries)
	if w.chunk != nil {
		dk.writeChunk(w.chunk)
	}
	if w.snap != nil {
		dk.installSnapshot(w.snap, w.snapPH)
	}
	if s.tracing() {
		what, msgs := describeWrites([]diskWrite{w})
		why := "disk write of " + what + " is durable"
		if msgs > 0 {
			why += "; " + leave(msgs)
		}
		s.emitDisk(srv.id, why)
	}
	for i := range w.msgs {
		s.send(&w.msgs[i])
	}
	if !srv.up {
		return true
	}
	p := prior{role: srv.node.Role(), term: srv.node.Term()}
	if w.hasHard {
		srv.node.HardStateStable(s.localNow(srv), w.hard)
	}
	if k := len(w.entries); k > 0 {
		last := &w.entries[k-1]
		srv.node.StableTo(s.localNow(srv), last.Index, last.Term)
	}
	if srv.node.HasReady() {
		s.afterInput(srv, p, false)
	} else {
		s.noteRole(srv)
	}
	return true
}

// loseWrites drops the writes of srv that are not durable yet, with their
// messages, as its crash does; the checks rewind the server's log to what
// its disk holds.
func (s *Sim) loseWrites(srv *server) {
	lost := srv.writes
	srv.writes = nil
	if len(lost) == 0 {
		return
	}
	if s.tracing() {
		what, msgs := describeWrites(lost)
		why := "the crash lost " + strconv.Itoa(len(lost)) + " disk write"
		if len(lost) > 1 {
			why += "s"
		}
		why += " not yet durable (" + what + ")"
		if msgs > 0 {
			why += " and " + heldMessages(msgs)
		}
		s.emitDisk(srv.id, why)
	}
	from := uint64(0)
	snapLost := false
	for i := range lost {
		if f := lost[i].from; f != 0 && (from == 0 || f < from) {
			from = f
		}
		snapLost = snapLost || lost[i].snap != nil
	}
	if s.opts.NoSafetyCheck {
		return
	}
	if snapLost {
		// The server comes back from the snapshot on its disk, older than
		// the one it lost: the checks follow that log from there.
		s.check.rebuild(srv.id, srv.disk)
		return
	}
	if from == 0 {
		return
	}
	// Every index below from is unchanged since the last durable write,
	// so the disk holds what the checks hold up to there.
	dk := srv.disk
	var ents []raft.Entry
	for i := from; i <= dk.len(); i++ {
		ents = append(ents, *dk.entry(i))
	}
	s.check.logChanged(srv.id, from, ents, false)
}

// describeWrites words what writes carry, for the trace: "term 3 (voted
// for 1), entries 4..6" and the number of messages held for them.
func describeWrites(ws []diskWrite) (string, int) {
	var parts []string
	lo, hi, msgs := uint64(0), uint64(0), 0
	var hard *raft.HardState
	var snap *raft.Snapshot
	chunks := 0
	for i := range ws {
		w := &ws[i]
		if w.hasHard {
			hard = &w.hard
		}
		if w.snap != nil {
			snap = w.snap
		}
		if w.chunk != nil {
			chunks++
		}
		if k := len(w.entries); k > 0 {
			if lo == 0 || w.entries[0].Index < lo {
				lo = w.entries[0].Index
			}
			hi = w.entries[k-1].Index
		}
		msgs += len(w.msgs)
	}
	if hard != nil {
		h := "term " + strconv.FormatUint(hard.Term, 10)
		if hard.VotedFor != raft.None {
			h += " (voted for " + strconv.Itoa(int(hard.VotedFor)) + ")"
		}
		parts = append(parts, h)
	}
	switch {
	case lo != 0 && lo == hi:
		parts = append(parts, "entry "+strconv.FormatUint(lo, 10))
	case lo != 0:
		parts = append(parts, "entries "+strconv.FormatUint(lo, 10)+".."+strconv.FormatUint(hi, 10))
	}
	switch {
	case chunks == 1:
		parts = append(parts, "a snapshot chunk")
	case chunks > 1:
		parts = append(parts, strconv.Itoa(chunks)+" snapshot chunks")
	}
	if snap != nil {
		parts = append(parts, "the snapshot after entry "+strconv.FormatUint(snap.Index, 10))
	}
	return strings.Join(parts, ", "), msgs
}

// heldMessages counts messages: "1 held message", "2 held messages".
func heldMessages(n int) string {
	if n == 1 {
		return "1 held message"
	}
	return strconv.Itoa(n) + " held messages"
}

// leave is heldMessages with its verb.
func leave(n int) string {
	if n == 1 {
		return heldMessages(n) + " leaves"
	}
	return heldMessages(n) + " leave"
}

// SetFsync sets how long a write to server id's disk takes to become
// durable; id raft.None sets it for every server and for servers created
// later. 0 makes the disk synchronous again (writes already queued still
// complete in order).
func (s *Sim) SetFsync(id raft.NodeID, d time.Duration) error {
	op := "disk"
	if id != raft.None {
		op += " " + strconv.Itoa(int(id))
	}
	if d < 0 || d > maxFsync {
		return fmt.Errorf("%s: fsync must be between 0 and %v, got %v", op, maxFsync, d)
	}
	if id == raft.None {
		s.opts.Fsync = d
		for _, sid := range s.ids {
			s.servers[sid].fsync = d
		}
		s.emitDisk(raft.None, "fsync is now "+fmtDur(d))
		return nil
	}
	srv, err := s.lookup("disk", id)
	if err != nil {
		return err
	}
	srv.fsync = d
	s.emitDisk(id, "fsync is now "+fmtDur(d))
	return nil
}

// emitDisk reports a disk event of server id (raft.None: every disk).
func (s *Sim) emitDisk(id raft.NodeID, why string) {
	s.emitOther(TraceEvent{Time: s.now, Kind: EvDisk, Node: id, Peer: raft.None, Reason: why})
}

// DiskInfo describes one server's disk.
type DiskInfo struct {
	ID    raft.NodeID
	Up    bool
	Fsync time.Duration
	// Pending counts the writes not yet durable, Held the messages that
	// wait for them; NextDurable is when the oldest becomes durable.
	Pending, Held int
	NextDurable   time.Duration
	// DiskTerm and DiskLast are the term and last log index on the disk;
	// MemTerm and MemLast the node's in memory (0 while down).
	DiskTerm, DiskLast uint64
	MemTerm, MemLast   uint64
}

// DefaultFsync returns the fsync time servers get when they are created.
func (s *Sim) DefaultFsync() time.Duration { return s.opts.Fsync }

// Disks describes the disk of every server, ascending by id.
func (s *Sim) Disks() []DiskInfo {
	out := make([]DiskInfo, 0, len(s.ids))
	for _, id := range s.ids {
		srv := s.servers[id]
		di := DiskInfo{ID: id, Up: srv.up, Fsync: srv.fsync, Pending: len(srv.writes),
			DiskTerm: srv.disk.hard.Term, DiskLast: srv.disk.len()}
		for i := range srv.writes {
			di.Held += len(srv.writes[i].msgs)
		}
		if len(srv.writes) > 0 {
			di.NextDurable = srv.writes[0].at
		}
		if srv.up {
			di.MemTerm, di.MemLast = srv.node.Term(), srv.node.LastIndex()
		}
		out = append(out, di)
	}
	return out
}
