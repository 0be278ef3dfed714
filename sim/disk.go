package sim

import (
	"slices"

	"raftsim/raft"
)

// diskChunk is the number of entries in one chunk of a disk log.
const diskChunk = 1024

// firstDiskChunk is the length the first chunk starts with; it doubles up
// to diskChunk as the log grows. The logs of most short runs (a test, one
// trial of an experiment) hold a few entries, and a full chunk per server
// would allocate over 100 KB each.
const firstDiskChunk = 8

// disk is a server's stable storage: what survives a crash. The log is kept
// in fixed-size chunks so that a long log grows without ever being copied
// (a flat slice would be copied at every growth, on every server).
type disk struct {
	hard      raft.HardState
	bootstrap []raft.NodeID
	chunks    [][]raft.Entry
	n         int // entries held
}

func newDisk(st raft.Storage) *disk {
	// The bootstrap membership is read only, by the disk and the node, so
	// every server of a cluster shares the one StartServers made.
	d := &disk{hard: st.HardState, bootstrap: st.Bootstrap}
	d.append(st.Log)
	return d
}

// len returns the index of the last entry.
func (d *disk) len() uint64 { return uint64(d.n) }

// entry returns entry i (1-based); i must be in 1..len.
func (d *disk) entry(i uint64) *raft.Entry {
	k := int(i - 1)
	return &d.chunks[k/diskChunk][k%diskChunk]
}

// truncate drops entries from index i on and reports whether there were
// any.
func (d *disk) truncate(i uint64) bool {
	if i == 0 || i > d.len() {
		return false
	}
	keep := int(i - 1)
	for k := keep; k < d.n; k++ {
		*d.entry(uint64(k + 1)) = raft.Entry{} // let the collector have them
	}
	d.n = keep
	return true
}

// append copies es to the end of the log.
func (d *disk) append(es []raft.Entry) {
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

// log returns a flat copy of the log.
func (d *disk) log() []raft.Entry {
	out := make([]raft.Entry, 0, d.n)
	for c := 0; len(out) < d.n; c++ {
		out = append(out, d.chunks[c][:min(diskChunk, d.n-len(out))]...)
	}
	return out
}

// storage returns a copy of the disk's contents to build a node from.
func (d *disk) storage() raft.Storage {
	return raft.Storage{HardState: d.hard, Log: d.log(), Bootstrap: d.bootstrap}
}

// config returns the membership recorded on the disk: the latest config
// entry, else the bootstrap one.
func (d *disk) config() []raft.NodeID {
	for i := d.len(); i >= 1; i-- {
		if e := d.entry(i); e.Kind == raft.EntryConfig {
			return slices.Clone(e.Config)
		}
	}
	return slices.Clone(d.bootstrap)
}
