package sim

import (
	"slices"

	"raftsim/raft"
)

// diskChunk is the number of entries in one chunk of a disk log. Nothing
// outside the disk sees its chunks, so they are small, and the first one,
// which grows by copying, stops growing early: with 1,024-entry chunks,
// each of a thousand servers copied a thousand 200-byte entries on the
// way to its first full chunk.
const diskChunk = 64

// firstDiskChunk is the length the first chunk starts with; it doubles up
// to diskChunk as the log grows. The logs of most short runs (a test, one
// trial of an experiment) hold a few entries, and a full chunk per server
// would allocate 13 KB each.
const firstDiskChunk = 8

// disk is a server's stable storage: what survives a crash. It holds the
// latest snapshot and the log after it; the log is kept in fixed-size
// chunks so that a long log grows without ever being copied (a flat slice
// would be copied at every growth, on every server), and a snapshot frees
// the chunks it covers.
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
	// chunks[0] starts after index base (base <= snap.Index); n counts
	// the slots used from base on.
	base   uint64
	chunks [][]raft.Entry
	n      int
}

func newDisk(st raft.Storage) *disk {
	d := &disk{hard: st.HardState, bootstrap: st.Bootstrap, snap: st.Snapshot}
	d.base = st.Snapshot.Index
	d.append(st.Log)
	return d
}

// len returns the index of the last entry (the snapshot's when the log
// after it is empty).
func (d *disk) len() uint64 { return d.base + uint64(d.n) }

// first returns the index of the first entry held.
func (d *disk) first() uint64 { return d.snap.Index + 1 }

// entry returns entry i; i must be in first..len.
func (d *disk) entry(i uint64) *raft.Entry {
	k := int(i - d.base - 1)
	return &d.chunks[k/diskChunk][k%diskChunk]
}

// truncate drops entries from index i on and reports whether there were
// any.
func (d *disk) truncate(i uint64) bool {
	if i == 0 || i > d.len() {
		return false
	}
	i = max(i, d.first())
	for k := i; k <= d.len(); k++ {
		*d.entry(k) = raft.Entry{} // let the collector have them
	}
	d.n = int(i - d.base - 1)
	return true
}

// append copies es to the end of the log, skipping any the snapshot
// already covers.
func (d *disk) append(es []raft.Entry) {
	for len(es) > 0 && es[0].Index <= d.snap.Index {
		es = es[1:]
	}
	for len(es) > 0 {
		c, off := d.n/diskChunk, d.n%diskChunk
		if c == len(d.chunks) {
			size := diskChunk
			if c == 0 {
				size = min(diskChunk, max(firstDiskChunk, len(es)))
			}
			d.chunks = append(d.chunks, make([]raft.Entry, size))
		}
		if ch := d.chunks[c]; off == len(ch) {
			// The first chunk, started small, is full: double it.
			grown := make([]raft.Entry, min(diskChunk, 2*len(ch)))
			copy(grown, ch)
			d.chunks[c] = grown
		}
		k := copy(d.chunks[c][off:], es)
		d.n += k
		es = es[k:]
	}
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
		d.chunks, d.base, d.n = nil, sn.Index, 0
		return
	}
	for i := d.base + 1; i <= sn.Index && i <= d.len(); i++ {
		*d.entry(i) = raft.Entry{}
	}
	for len(d.chunks) > 1 && d.base+uint64(len(d.chunks[0])) <= sn.Index {
		d.chunks[0] = nil
		d.chunks = d.chunks[1:]
		d.base += diskChunk
		d.n -= diskChunk
	}
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
