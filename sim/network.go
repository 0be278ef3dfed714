package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"raftsim/raft"
)

// network is the state of the simulated links: partition groups (kept on
// each server as server.group), one-way cuts, and the fault model (loss,
// duplication, latency, reordering, long delays). Client endpoints sit
// outside partitions and cuts: a client reaches every live server, as a
// user's laptop reaches every data centre in the usual pictures of a split
// brain. The fault model applies to client links too (see netModel).
type network struct {
	partitioned bool
	desc        string // the partition as the user gave it, for the trace
	cuts        map[[2]raft.NodeID]bool
	// blocking says a partition or a cut is in force: one load for the
	// question asked at every send and delivery (blocked).
	blocking bool

	model netModel
	// version counts the changes of partitions, cuts and the fault model,
	// so that what was computed from them (liveMemo) knows when to redo it.
	version uint64
}

func isClient(id raft.NodeID) bool { return IsClient(id) }

// latency draws one message's one-way delay on a link of a plain global
// model (the hot path): one draw from the network stream, exactly as the
// simulation drew it before the fault model existed.
func (s *Sim) latency() time.Duration {
	lo, hi := s.opts.LatencyMin, s.opts.LatencyMax
	if g := &s.net.model; g.set {
		lo, hi = g.glob.LatencyMin, g.glob.LatencyMax
	}
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(uint64n(s.netRnd, s.netSrc, uint64(hi-lo))) // as netRnd.Int64N
}

// blocked says why a message from one endpoint to another cannot cross the
// network right now, or "" if it can. It does not look at whether the
// receiver is up: that is decided on arrival.
func (s *Sim) blocked(from, to raft.NodeID) string {
	// Small enough to be inlined: on a network with no partition and no
	// cut (nearly always) it costs no call, and it is asked at every send
	// and every delivery.
	if !s.net.blocking {
		return ""
	}
	return s.blockedBy(from, to)
}

// blockedBy is blocked when a partition or a cut is in force.
func (s *Sim) blockedBy(from, to raft.NodeID) string {
	if isClient(from) || isClient(to) {
		return ""
	}
	if s.net.partitioned {
		a, b := s.server(from), s.server(to)
		if a == nil || b == nil || a.group != b.group {
			return "partition"
		}
	}
	if len(s.net.cuts) > 0 && s.net.cuts[[2]raft.NodeID{from, to}] {
		return "cut"
	}
	return ""
}

// send puts m on the network: it arrives after a random delay unless a
// partition or cut stops it now or by the time it arrives, or the link's
// fault model loses it.
func (s *Sim) send(m *raft.Message) {
	if s.tracing() {
		kind := EvSend
		if isClient(m.From) {
			kind = EvClientCall
		}
		s.emitMsg(kind, m.From, m.To, m, "")
	}
	sent := s.sentRecord()
	if why := s.blocked(m.From, m.To); why != "" {
		s.drop(m, why)
		return
	}
	nm := &s.net.model
	if !nm.faulty {
		// The hot path: one latency draw, as before the fault model.
		at := s.now + s.latency()
		s.queue.push(event{at: at, aux: s.pool.put(m, sent), id: int32(m.To), kind: evDeliver})
		return
	}
	s.sendFaulty(m, nm.link(s, m.From, m.To), sent)
}

// sentRecord names the trace record just made, or none when the trace
// is off.
func (s *Sim) sentRecord() recRef {
	r := s.ring
	if r == nil || r.recs.n == 0 {
		return recRef{}
	}
	idx := r.recs.next - 1
	if idx < 0 {
		idx = r.recs.cap - 1
	}
	return recRef{num: r.recs.n, idx: uint32(idx)}
}

// sendFaulty sends m over a link with model lm: it may be lost, delayed
// more, or duplicated. Loss and duplication are drawn from the fault
// stream, so that they never shift the latencies of the network stream.
func (s *Sim) sendFaulty(m *raft.Message, lm *NetModel, sent recRef) {
	fr := s.net.model.rnd(s)
	if lm.Loss > 0 && fr.Float64() < lm.Loss {
		s.drop(m, "loss")
		return
	}
	s.queue.push(event{at: s.now + s.delay(lm), aux: s.pool.put(m, sent), id: int32(m.To), kind: evDeliver})
	if lm.Dup > 0 && fr.Float64() < lm.Dup {
		if s.tracing() {
			s.emitMsg(EvSend, m.From, m.To, m, "duplicate")
		}
		s.queue.push(event{at: s.now + s.delay(lm), aux: s.pool.put(m, s.sentRecord()), id: int32(m.To), kind: evDeliver})
	}
}

func (s *Sim) drop(m *raft.Message, why string) {
	if s.tracing() {
		s.emitMsg(EvDrop, m.From, m.To, m, why)
	}
}

// deliver hands the message of a delivery event to its receiver, and then
// frees its slot. (Not by defer, which costs a tenth of a delivery: a
// panic on the way, which the shell turns into an error, leaves one slot
// unused.)
func (s *Sim) deliver(slot uint64) {
	m := s.pool.get(slot)
	s.deliverMsg(m, slot)
	s.pool.free(slot)
}

// deliverMsg is deliver's work: m, in pool slot slot, to its receiver,
// or dropped if the network now blocks it.
func (s *Sim) deliverMsg(m *raft.Message, slot uint64) {
	if why := s.blocked(m.From, m.To); why != "" {
		// The network changed while the message was in flight.
		s.drop(m, why)
		return
	}
	if isClient(m.To) {
		if c := s.client(m.To); c != nil {
			s.clientReceive(c, m)
		}
		return
	}
	srv := s.server(m.To)
	if srv == nil || !srv.up {
		s.drop(m, "down")
		return
	}
	if s.listener != nil || (s.ring != nil && !s.ring.addDeliver(s.pool.sent[slot], s.now)) {
		s.emitMsg(EvDeliver, m.From, m.To, m, "")
	}
	s.stepServer(srv, m)
}

// Partition splits the servers into groups that cannot reach each other.
// Servers not named form one more group together, so Partition([[2]])
// isolates server 2. It replaces any earlier partition; cuts stay.
func (s *Sim) Partition(groups [][]raft.NodeID) error {
	if len(groups) == 0 {
		return fmt.Errorf("partition: no groups given (e.g. 0,1 | 2)")
	}
	seen := map[raft.NodeID]int{}
	for g, ids := range groups {
		if len(ids) == 0 {
			return fmt.Errorf("partition: group %d is empty", g+1)
		}
		for _, id := range ids {
			if s.server(id) == nil {
				return errNoServer("partition", id)
			}
			if prev, dup := seen[id]; dup {
				return fmt.Errorf("partition: server %d is in groups %d and %d", id, prev+1, g+1)
			}
			seen[id] = g
		}
	}
	for _, id := range s.ids {
		s.servers[id].group = 0
	}
	var b strings.Builder
	for g, ids := range groups {
		if g > 0 {
			b.WriteString(" | ")
		}
		for i, id := range ids {
			s.servers[id].group = g + 1
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(int(id)))
		}
	}
	s.net.partitioned, s.net.blocking = true, true
	s.net.desc = b.String()
	s.net.version++
	s.emitNet("partition " + s.net.desc)
	return nil
}

// Cut blocks the link from -> to (and to -> from if bothWays) until Heal.
func (s *Sim) Cut(from, to raft.NodeID, bothWays bool) error {
	if s.server(from) == nil {
		return errNoServer("cut", from)
	}
	if s.server(to) == nil {
		return errNoServer("cut", to)
	}
	if from == to {
		return fmt.Errorf("cut %d->%d: a server cannot be cut from itself", from, to)
	}
	if s.net.cuts == nil {
		s.net.cuts = map[[2]raft.NodeID]bool{}
	}
	s.net.cuts[[2]raft.NodeID{from, to}] = true
	s.net.blocking = true
	s.net.version++
	arrow := "->"
	if bothWays {
		s.net.cuts[[2]raft.NodeID{to, from}] = true
		arrow = "<->"
	}
	s.emitNet("cut " + strconv.Itoa(int(from)) + arrow + strconv.Itoa(int(to)))
	return nil
}

// Heal removes every partition and cut. The fault model stays (ResetNet
// restores the default one).
func (s *Sim) Heal() {
	for _, id := range s.ids {
		s.servers[id].group = 0
	}
	s.net.partitioned, s.net.desc, s.net.cuts, s.net.blocking = false, "", nil, false
	s.net.version++
	s.emitNet("heal")
}

// Connected reports whether a and b can currently exchange messages: both
// exist and are up, and no partition or cut stands between them either way.
func (s *Sim) Connected(a, b raft.NodeID) bool {
	if !s.endpointUp(a) || !s.endpointUp(b) {
		return false
	}
	return s.blocked(a, b) == "" && s.blocked(b, a) == ""
}

func (s *Sim) endpointUp(id raft.NodeID) bool {
	if isClient(id) {
		return s.client(id) != nil
	}
	srv := s.server(id)
	return srv != nil && srv.up
}
