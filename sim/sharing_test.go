package sim

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// sharingWatch checks, before every event of a simulation, that nothing
// the servers share was written to after it was shared. Entries, their
// commands and memberships, messages in flight and snapshots are shared
// by reference between a node's log, its disk, the messages carrying them
// and the other servers' logs (a2f3d81, 8dc320a, af0d247): each is
// remembered, deeply copied, the first time it is seen, and must read the
// same ever after. It also checks that every disk holds what its node
// holds, once nothing is left to write, and that the disk of a server that
// is down does not change.
type sharingWatch struct {
	t     *testing.T
	s     *Sim
	where func() string

	ents  map[*raft.Entry]raft.Entry
	cmds  map[*raft.Command]raft.Command
	chgs  map[*raft.ConfigChange]raft.ConfigChange
	cfgs  map[*raft.Membership]raft.Membership
	bytes map[*byte][]byte // snapshot data, by its first byte
	// flying holds each message in flight, by the sequence number of its
	// delivery event, with its slot in the pool.
	flying map[uint64]flyingMsg
	// down holds the disk of each server that is down, as it was when
	// it went down.
	down map[raft.NodeID]diskCopy

	checks int
	full   bool // check the registries at every check, not every few
}

type flyingMsg struct {
	slot uint64
	msg  raft.Message
	gone bool // out of the queue: being delivered
}

type diskCopy struct {
	hard raft.HardState
	snap raft.Snapshot
	log  []raft.Entry
}

func newSharingWatch(t *testing.T, s *Sim, where func() string) *sharingWatch {
	w := &sharingWatch{t: t, s: s, where: where,
		ents: map[*raft.Entry]raft.Entry{}, cmds: map[*raft.Command]raft.Command{}, chgs: map[*raft.ConfigChange]raft.ConfigChange{},
		cfgs: map[*raft.Membership]raft.Membership{}, bytes: map[*byte][]byte{}, flying: map[uint64]flyingMsg{}, down: map[raft.NodeID]diskCopy{}}
	s.Observe(w.check)
	return w
}

func cloneMembership(m raft.Membership) raft.Membership {
	return raft.Membership{Voters: slices.Clone(m.Voters), Outgoing: slices.Clone(m.Outgoing), Learners: slices.Clone(m.Learners)}
}

func sameMembership(a, b raft.Membership) bool {
	return slices.Equal(a.Voters, b.Voters) && slices.Equal(a.Outgoing, b.Outgoing) && slices.Equal(a.Learners, b.Learners)
}

// deepMessage copies m and everything it points to but its entries'
// commands and memberships, which the registries follow.
func deepMessage(m *raft.Message) raft.Message {
	c := *m
	c.Entries = slices.Clone(m.Entries)
	if m.Cmd != nil {
		x := *m.Cmd
		c.Cmd = &x
	}
	if m.Resp != nil {
		x := *m.Resp
		c.Resp = &x
	}
	if m.Snap != nil {
		c.Snap = &raft.SnapPart{Config: cloneMembership(m.Snap.Config), Data: slices.Clone(m.Snap.Data)}
	}
	return c
}

func (w *sharingWatch) fail(format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf("%s: %s", w.where(), fmt.Sprintf(format, args...))
}

// entries registers the entries of es, or checks them against what they
// were when first seen.
func (w *sharingWatch) entries(what string, id raft.NodeID, es []raft.Entry) {
	for i := range es {
		p := &es[i]
		if old, ok := w.ents[p]; !ok {
			w.ents[p] = *p
		} else if *p != old {
			w.fail("%s %d: entry %d/%d was written to after it was shared: now %+v", what, id, old.Index, old.Term, *p)
		}
		w.command(p.Cmd)
		if c := p.Config; c != nil {
			if _, ok := w.cfgs[c]; !ok {
				w.cfgs[c] = cloneMembership(*c)
			}
		}
	}
}

func (w *sharingWatch) command(c *raft.Command) {
	if c == nil {
		return
	}
	if _, ok := w.cmds[c]; !ok {
		w.cmds[c] = *c
	}
	if ch := c.Change; ch != nil {
		if _, ok := w.chgs[ch]; !ok {
			w.chgs[ch] = raft.ConfigChange{Add: slices.Clone(ch.Add), Remove: slices.Clone(ch.Remove)}
		}
	}
}

func (w *sharingWatch) data(what string, id raft.NodeID, b []byte) {
	if len(b) == 0 {
		return
	}
	old, ok := w.bytes[&b[0]]
	if k := min(len(old), len(b)); ok && !slices.Equal(old[:k], b[:k]) {
		w.fail("%s %d: snapshot data was written to after it was shared", what, id)
	}
	if len(b) > len(old) {
		w.bytes[&b[0]] = slices.Clone(b) // a chunk's data may come first
	}
}

func (w *sharingWatch) check() {
	w.t.Helper()
	w.checks++
	s := w.s
	// A message delivered since the last check is as it was sent:
	// unchanged in flight and by its receiver's Step.
	live := map[uint64]bool{}
	slots := map[uint64]bool{}
	s.queue.all(func(e *event) bool {
		if e.kind == evDeliver {
			live[e.seq], slots[e.aux] = true, true
		}
		return true
	})
	free := map[uint64]bool{}
	for _, k := range s.pool.slots {
		free[uint64(k)] = true
	}
	for seq, f := range w.flying {
		switch {
		case live[seq]:
			continue
		case free[f.slot]:
			// Delivered (or dropped) since the last check, and its slot
			// not reused: the message is as its sender sent it.
			if !reflect.DeepEqual(f.msg, s.pool.msgs[f.slot]) {
				w.fail("a %s from %d to %d changed in flight or in its receiver's Step:\n was %+v\n now %+v",
					f.msg.Type, f.msg.From, f.msg.To, f.msg, s.pool.msgs[f.slot])
			}
		case !slots[f.slot] && !f.gone:
			// The event being processed now: check it once it is done.
			f.gone = true
			w.flying[seq] = f
			continue
		}
		// Otherwise the slot holds another message already.
		delete(w.flying, seq)
	}
	s.queue.all(func(e *event) bool {
		if e.kind != evDeliver {
			return true
		}
		m := &s.pool.msgs[e.aux]
		if _, ok := w.flying[e.seq]; ok {
			return true // compared once delivered
		}
		w.flying[e.seq] = flyingMsg{slot: e.aux, msg: deepMessage(m)}
		w.entries("a message to", m.To, m.Entries)
		w.command(m.Cmd)
		if m.Snap != nil {
			w.data("a message to", m.To, m.Snap.Data)
		}
		return true
	})
	for _, id := range s.ids {
		w.server(s.servers[id])
	}
	if w.checks%16 != 0 && !w.full {
		return
	}
	// Everything shared reads as it did when first seen (every few
	// events: what the registries hold only grows).
	for p, old := range w.cmds {
		if *p != old {
			w.fail("command %+v was written to after it was shared: now %+v", old, *p)
		}
	}
	for p, old := range w.chgs {
		if !slices.Equal(p.Add, old.Add) || !slices.Equal(p.Remove, old.Remove) {
			w.fail("config change %+v was written to after it was shared: now %+v", old, *p)
		}
	}
	for p, old := range w.cfgs {
		if !sameMembership(*p, old) {
			w.fail("membership %+v was written to after it was shared: now %+v", old, *p)
		}
	}
	for p, old := range w.bytes {
		if !slices.Equal(unsafe.Slice(p, len(old)), old) { // the registry's key keeps the array alive
			w.fail("snapshot data was written to after it was shared")
		}
	}
}

func (w *sharingWatch) server(srv *server) {
	d := srv.disk
	for b := range d.blocks {
		for k := range d.blocks[b] {
			w.entries("disk", srv.id, d.blocks[b][k].ents)
		}
	}
	w.data("disk", srv.id, d.snap.Data)
	for i := range srv.writes {
		wr := &srv.writes[i]
		w.entries("a write queued for disk", srv.id, wr.entries)
		for j := range wr.msgs {
			w.entries("a message held for disk", srv.id, wr.msgs[j].Entries)
		}
		if wr.snap != nil {
			w.data("a write queued for disk", srv.id, wr.snap.Data)
		}
	}
	if !srv.up {
		old, ok := w.down[srv.id]
		now := diskCopy{hard: d.hard, snap: d.snap, log: d.log()}
		if !ok {
			w.down[srv.id] = now
		} else if old.hard != now.hard || old.snap.Index != now.snap.Index || !slices.Equal(old.log, now.log) {
			w.fail("disk %d changed while its server was down:\n was %+v %d %v\n now %+v %d %v", srv.id,
				old.hard, old.snap.Index, old.log, now.hard, now.snap.Index, now.log)
		}
		return
	}
	delete(w.down, srv.id)
	if len(srv.writes) > 0 {
		return // the node runs ahead of its disk
	}
	// Nothing left to write: the disk holds the node's log and vote.
	n := srv.node
	if d.hard.Term != n.Term() || (d.hard.Term > 0 && d.hard.VotedFor != n.VotedFor()) {
		w.fail("disk %d holds term %d vote %d, its node term %d vote %d", srv.id, d.hard.Term, d.hard.VotedFor, n.Term(), n.VotedFor())
	}
	if d.len() != n.LastIndex() || d.first() < n.FirstIndex() {
		w.fail("disk %d holds %d..%d, its node %d..%d", srv.id, d.first(), d.len(), n.FirstIndex(), n.LastIndex())
	}
	for b := range d.blocks {
		for k := range d.blocks[b] {
			g := &d.blocks[b][k]
			for j := range g.ents {
				i := g.start() + uint64(j)
				if e, _ := n.Entry(i); e != g.ents[j] {
					w.fail("disk %d entry %d is %+v, its node's %+v", srv.id, i, g.ents[j], e)
				}
			}
		}
	}
}

// TestNothingSharedIsWrittenTo runs clusters through crashes and restarts
// (from disks that share their arrays with the node that wrote them),
// slow disks whose writes a crash loses, duplicating and reordering
// networks, partitions that make leaders overwrite conflicting suffixes,
// snapshots every few entries (and on demand) on leaders and followers,
// InstallSnapshot, and membership changes, with client writes throughout,
// and checks before every event that nothing shared by reference was
// written to since it was shared (sharingWatch), as well as every safety
// property.
func TestNothingSharedIsWrittenTo(t *testing.T) {
	seeds := 24
	if testing.Short() {
		seeds = 8
	}
	checks := 0
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		checks += sharingRun(t, seed)
	}
	require.Greater(t, checks, 10000, "the watch saw too few events to prove anything")
}

func sharingRun(t *testing.T, seed uint64) int {
	r := rand.New(rand.NewPCG(seed, 99))
	s := New(Options{Seed: seed, SnapshotThreshold: uint64(4 + r.IntN(12)), TraceCap: 1 << 10})
	n := 3 + int(seed%3)
	step := 0
	w := newSharingWatch(t, s, func() string { return fmt.Sprintf("seed %d step %d at %v", seed, step, s.Now()) })
	require.NoError(t, s.StartServers(n, ServerOptions{}))
	if r.IntN(2) == 0 {
		require.NoError(t, s.SetNet(randomNet(r)))
	}
	next := raft.NodeID(n) // the next server to add
	for step = range 60 {
		ids := s.Servers()
		id := ids[r.IntN(len(ids))]
		switch r.IntN(20) {
		case 0, 1:
			_ = s.Crash(id)
		case 2, 3:
			_ = s.Restart(id)
		case 4:
			require.NoError(t, s.SetFsync(id, time.Duration(r.IntN(60))*time.Millisecond))
		case 5:
			require.NoError(t, s.Partition([][]raft.NodeID{{id}}))
		case 6, 7:
			s.Heal()
		case 8:
			require.NoError(t, s.SetNet(randomNet(r)))
		case 9:
			s.ResetNet()
		case 10:
			_, _ = s.Snapshot(id)
		case 11:
			if len(ids) < 7 {
				_, err := s.AddServer(next, ServerOptions{})
				require.NoError(t, err)
				next++
			}
		case 12:
			if len(ids) > 3 {
				_, err := s.RemoveServer(id)
				require.NoError(t, err)
			}
		case 13:
			_, err := s.ChangeConfig([]raft.NodeID{next}, []raft.NodeID{id}, ServerOptions{})
			require.NoError(t, err)
			next++
		case 14, 15:
			// Writes to a leader cut off: it appends entries that its
			// successor's log overwrites once the cut heals.
			if l, ok := s.LeaderID(false); ok {
				require.NoError(t, s.Partition([][]raft.NodeID{{l}}))
				for range 1 + r.IntN(3) {
					_, err := s.ClientRequest(l, set("c", fmt.Sprint(step)))
					require.NoError(t, err)
				}
				_, err := s.ClientRequest(raft.None, set("c", fmt.Sprint(step)))
				require.NoError(t, err)
				s.Heal()
			}
		default:
			for range 1 + r.IntN(4) {
				_, err := s.ClientRequest(raft.None, set(string(rune('a'+r.IntN(3))), fmt.Sprint(step)))
				require.NoError(t, err)
			}
		}
		s.Run(time.Duration(r.IntN(200)) * time.Millisecond)
		require.Empty(t, s.Violations(), "seed %d step %d", seed, step)
	}
	s.Heal()
	s.ResetNet()
	require.NoError(t, s.SetFsync(raft.None, 0))
	for _, id := range s.Servers() {
		_ = s.Restart(id)
	}
	s.Run(3 * time.Second)
	w.full = true
	w.check() // the last events' messages and disks, and every registry
	require.Empty(t, s.Violations(), "seed %d", seed)
	return w.checks
}
