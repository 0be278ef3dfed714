package sim

import (
	"strconv"
	"strings"

	"raftsim/raft"
)

// Fingerprints and readable descriptions of log entries, for the safety
// checks and Converged.

// describe renders an entry for a violation's detail.
func describe(e *raft.Entry) string {
	if e == nil {
		return "no entry"
	}
	var b strings.Builder
	b.WriteString("term ")
	b.WriteString(u64(e.Term))
	b.WriteByte(' ')
	switch e.Kind {
	case raft.EntryCommand:
		b.WriteString(e.Cmd.Op.String())
		if e.Cmd.Key != "" {
			b.WriteByte(' ')
			b.WriteString(e.Cmd.Key)
		}
		if e.Cmd.Op == raft.OpCAS {
			b.WriteString(" " + string(e.Cmd.Old) + "->" + string(e.Cmd.Value))
		} else if e.Cmd.Value != "" {
			b.WriteString("=" + string(e.Cmd.Value))
		}
	case raft.EntryConfig:
		c := e.Config
		b.WriteString("config " + idList(c.Voters))
		if len(c.Outgoing) > 0 {
			b.WriteString(" joint with old " + idList(c.Outgoing))
		}
		if len(c.Learners) > 0 {
			b.WriteString(" learners " + idList(c.Learners))
		}
	default:
		b.WriteString(e.Kind.String())
	}
	return b.String()
}

// entryHash fingerprints everything an entry carries.
func entryHash(e *raft.Entry) uint64 {
	h := mix(mix(mix(mix(fnvOffset64, e.Index), e.Term), uint64(e.Kind)), uint64(e.Time))
	switch e.Kind {
	case raft.EntryCommand:
		c := e.Cmd
		h = mix(mix(mix(h, c.ClientID), c.Seq), uint64(c.Op))
		h = mix(h, fnv1a(c.Key))
		h = mix(h, fnv1a(string(c.Value)))
		h = mix(h, fnv1a(string(c.Old)))
		ro := uint64(0)
		if c.ReadOnly {
			ro = 1
		}
		h = mix(mix(h, ro), uint64(c.Server))
	case raft.EntryConfig:
		for _, ids := range [][]raft.NodeID{e.Config.Voters, e.Config.Outgoing, e.Config.Learners} {
			h = mix(h, uint64(len(ids)))
			for _, id := range ids {
				h = mix(h, uint64(id))
			}
		}
	}
	return h
}

// mix folds x into the hash h.
func mix(h, x uint64) uint64 { return splitmix64(h ^ splitmix64(x)) }

func itoa(i int) string   { return strconv.Itoa(i) }
func u64(i uint64) string { return strconv.FormatUint(i, 10) }

func idList(ids []raft.NodeID) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(id)))
	}
	b.WriteByte(']')
	return b.String()
}
