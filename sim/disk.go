package sim

import (
	"cmp"
	"slices"

	"raftsim/raft"
)

// diskBlock is the number of segments in a full block of a disk log; the
// first block starts at firstDiskBlock and doubles up to it, so that the
// short logs of a test, or of each of ten thousand servers, stay small.
const (
	diskBlock      = 1024
	firstDiskBlock = 8
)

// disk is a server's stable storage: what survives a crash. It holds the
// latest snapshot and the log after it.
//
// The log is not a copy of the entries but the segments the node handed
// over in its Readys (Ready.Entries): a node never writes into an array it
// has handed out (entries are immutable, and its log's truncate cuts a
// chunk's capacity so that later appends go to a new array), so the disk
// can keep the segments themselves instead of copying every 48-byte entry
// (on every server, with write barriers, and twice the log for the
// collector to scan). What the node does next, or a crash that throws the
// node away, cannot touch them. Consecutive segments of one array are kept
// as one (see append), so a log written a Ready at a time costs a segment
// (32 bytes) per chunk of the node's log, not per Ready. The segments sit
// in blocks so that a long log grows without ever being copied, and a
// snapshot frees the blocks it covers.
type disk struct {
	hard      raft.HardState
	bootstrap []raft.NodeID
	// snap is the latest snapshot (Index 0: none); the log holds the
	// entries after it. snapPH is the safety checker's prefix hash of the
	// log up to snap.Index, kept beside it so that the checker can follow
	// a server that restarts from it (checks only, not the server's).
	snap   raft.Snapshot
	snapPH uint64
	// partial is what has arrived of a snapshot still being received:
	// the chunks' bytes, in order, and the snapshot they belong to. A
	// restart discards it (the node cannot finish a transfer it does not
	// remember), as a real server deletes a partial snapshot file.
	partial     []byte
	partialMeta raft.SnapshotMeta
	// The log holds entries base+1 .. last (base <= snap.Index), in
	// order, in the segments of blocks (none empty).
	base, last uint64
	blocks     [][]diskSeg
}

// diskSeg is a run of entries of the log, ending at index end.
type diskSeg struct {
	ents []raft.Entry
	end  uint64
}

// start is the index of seg's first entry.
func (g *diskSeg) start() uint64 { return g.end + 1 - uint64(len(g.ents)) }

func newDisk(st raft.Storage) *disk {
	d := &disk{hard: st.HardState, bootstrap: st.Bootstrap, snap: st.Snapshot}
	d.base = st.Snapshot.Index
	d.last = d.base
	d.append(slices.Clone(st.Log)) // the caller's, not a node's: it may change it
	return d
}

// len returns the index of the last entry (the snapshot's when the log
// after it is empty).
func (d *disk) len() uint64 { return d.last }

// first returns the index of the first entry held.
func (d *disk) first() uint64 { return d.snap.Index + 1 }

// seg returns where the segment holding entry i is (i in base+1..last).
func (d *disk) seg(i uint64) (b, k int) {
	b, _ = slices.BinarySearchFunc(d.blocks, i, func(blk []diskSeg, i uint64) int { return cmp.Compare(blk[len(blk)-1].end, i) })
	k, _ = slices.BinarySearchFunc(d.blocks[b], i, func(g diskSeg, i uint64) int { return cmp.Compare(g.end, i) })
	return b, k
}

// entry returns entry i; i must be in first..len. It must not be written
// to: the node shares it.
func (d *disk) entry(i uint64) *raft.Entry {
	b, k := d.seg(i)
	g := &d.blocks[b][k]
	return &g.ents[i-g.start()]
}

// truncate drops entries from index i on and reports whether there were
// any.
func (d *disk) truncate(i uint64) bool {
	if i == 0 || i > d.len() {
		return false
	}
	i = max(i, d.first())
	if i > d.len() {
		// Only entries the snapshot covers: nothing held goes.
		return true
	}
	b, k := d.seg(i)
	blk := d.blocks[b]
	g := &blk[k]
	// The capacity goes too: the entries cut off are no longer on the
	// disk, so no later append may continue the segment over them.
	n := i - g.start()
	g.ents = g.ents[:n:n]
	g.end = i - 1
	if len(g.ents) > 0 {
		k++
	}
	clear(blk[k:]) // let the collector have them
	d.blocks[b] = blk[:k]
	if k == 0 {
		b--
	}
	clear(d.blocks[b+1:])
	d.blocks = d.blocks[:b+1]
	d.last = i - 1
	return true
}

// append adds es to the end of the log, skipping any the snapshot
// already covers. It keeps es itself, which must never be written to
// again (see disk).
func (d *disk) append(es []raft.Entry) {
	for len(es) > 0 && es[0].Index <= d.snap.Index {
		es = es[1:]
	}
	if len(es) == 0 {
		return
	}
	n := len(d.blocks)
	if n > 0 {
		// The node hands over consecutive stretches of one chunk of its
		// log (one entry a Ready at a window of one): a stretch that
		// continues the last segment's array extends that segment
		// instead of adding one, so that the disk keeps a segment per
		// chunk rather than per Ready, and the collector follows one
		// pointer instead of a thousand.
		if g := &d.blocks[n-1][len(d.blocks[n-1])-1]; continues(g.ents, es) {
			g.ents = g.ents[:len(g.ents)+len(es)]
			d.last += uint64(len(es))
			g.end = d.last
			return
		}
	}
	if n == 0 || len(d.blocks[n-1]) == diskBlock {
		size := diskBlock
		if n == 0 {
			size = firstDiskBlock
		}
		d.blocks = append(d.blocks, make([]diskSeg, 0, size))
		n++
	}
	blk := &d.blocks[n-1]
	if len(*blk) == cap(*blk) {
		// The first block, started small, is full: double it.
		*blk = slices.Grow(*blk, min(diskBlock, 2*cap(*blk))-len(*blk))
	}
	d.last += uint64(len(es))
	*blk = append(*blk, diskSeg{ents: es, end: d.last})
}

// continues reports whether b lies in the array of a right after a's
// entries, so that a[:len(a)+len(b)] holds exactly a's entries and b's.
func continues(a, b []raft.Entry) bool {
	return len(b) <= cap(a)-len(a) && &a[:len(a)+1][len(a)] == &b[0]
}

// installSnapshot makes sn the disk's snapshot (§7): the entries up to its
// index go, and so does any snapshot half received. ph is the checker's
// prefix hash at sn.Index.
func (d *disk) installSnapshot(sn *raft.Snapshot, ph uint64) {
	d.partial, d.partialMeta = nil, raft.SnapshotMeta{}
	if sn.Index <= d.snap.Index {
		return
	}
	d.snap, d.snapPH = *sn, ph
	if sn.Index >= d.len() {
		d.blocks, d.base, d.last = nil, sn.Index, sn.Index
		return
	}
	b, k := d.seg(sn.Index + 1)
	clear(d.blocks[:b])
	d.blocks = d.blocks[b:]
	blk := d.blocks[0]
	clear(blk[:k])
	blk = blk[k:]
	g := &blk[0]
	g.ents = g.ents[sn.Index+1-g.start():]
	d.blocks[0], d.base = blk, sn.Index
}

// writeChunk writes a piece of a snapshot being received; a chunk at
// offset 0 starts a new one.
func (d *disk) writeChunk(c *raft.SnapshotChunk) {
	if c.Offset == 0 || c.Meta.Index != d.partialMeta.Index || c.Offset != uint64(len(d.partial)) {
		d.partial, d.partialMeta = nil, c.Meta
	}
	if c.Offset == uint64(len(d.partial)) {
		d.partial = append(d.partial, c.Data...)
	}
}

// log returns a flat copy of the log after the snapshot.
func (d *disk) log() []raft.Entry {
	out := make([]raft.Entry, 0, d.len()-d.snap.Index)
	for i := d.first(); i <= d.len(); i++ {
		out = append(out, *d.entry(i))
	}
	return out
}

// storage returns a copy of the disk's contents to build a node from. A
// snapshot half received is not part of it: the restarted node starts
// that transfer over, and the disk drops it.
func (d *disk) storage() raft.Storage {
	d.partial, d.partialMeta = nil, raft.SnapshotMeta{}
	return raft.Storage{HardState: d.hard, Snapshot: d.snap, Log: d.log(), Bootstrap: d.bootstrap}
}

// config returns the membership recorded on the disk: the latest config
// entry, else the snapshot's, else the bootstrap one.
func (d *disk) config() []raft.NodeID { return d.membership().AllVoters() }

// membership is the configuration the disk holds last: the latest config
// entry, else the snapshot's, else the bootstrap one.
func (d *disk) membership() raft.Membership {
	for i := d.len(); i >= d.first(); i-- {
		if e := d.entry(i); e.Kind == raft.EntryConfig {
			c := e.Config
			return raft.Membership{Voters: slices.Clone(c.Voters), Outgoing: slices.Clone(c.Outgoing), Learners: slices.Clone(c.Learners)}
		}
	}
	if d.snap.Index > 0 {
		return raft.Membership{Voters: slices.Clone(d.snap.Config), Outgoing: slices.Clone(d.snap.Outgoing), Learners: slices.Clone(d.snap.Learners)}
	}
	return raft.Membership{Voters: slices.Clone(d.bootstrap)}
}
