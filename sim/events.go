package sim

import (
	"time"

	"raftsim/raft"
)

// evKind says what a queued event does when it fires.
type evKind uint8

const (
	// evDeliver delivers the message in slot aux of the message pool.
	evDeliver evKind = iota
	// evTimer fires server id's timer if aux is its current generation.
	evTimer
	// evClientTimer fires client id's timer if aux is its current generation.
	evClientTimer
	// evArrival brings the next operation of an open-loop load, if aux is
	// that load's generation.
	evArrival
)

// event is one entry of the queue. It is a small value (32 bytes, no
// pointers, no closure) so that pushing and popping allocate nothing and the
// heap stays cache-friendly; a message travels in the pool, not in the event.
type event struct {
	at   time.Duration
	seq  uint64
	aux  uint64 // message slot or timer generation
	id   int32  // the server or client it concerns
	kind evKind
}

// node returns the id of the server or client the event concerns.
func (e *event) node() raft.NodeID { return raft.NodeID(e.id) }

// before orders events by time, then by the order they were scheduled, so
// that events at the same instant happen in a reproducible order.
func (e *event) before(o *event) bool {
	if e.at != o.at {
		return e.at < o.at
	}
	return e.seq < o.seq
}

// eventQueue is a 4-ary min-heap of events ordered by (at, seq). It is
// written by hand instead of with container/heap to avoid boxing every event
// in an interface on each push and pop; four children per node make the
// heap shallower, and sifting moves a hole instead of swapping.
type eventQueue struct {
	h   []event
	seq uint64
}

// Len returns the number of queued events.
func (q *eventQueue) Len() int { return len(q.h) }

// push schedules an event; its sequence number is assigned here.
func (q *eventQueue) push(e event) {
	q.seq++
	e.seq = q.seq
	q.h = append(q.h, e)
	siftUp(q.h, len(q.h)-1, e)
}

// siftUp fills the hole at i with e, moving it towards the root past every
// parent it comes before.
func siftUp(h []event, i int, e event) {
	for i > 0 {
		p := (i - 1) / 4
		if !e.before(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

// siftDown fills the hole at i with e, moving it away from the root past
// every child that comes before it (the heap has four children per node).
func siftDown(h []event, i int, e event) {
	last := len(h)
	for {
		c := 4*i + 1
		if c >= last {
			break
		}
		m := c
		for k := c + 1; k < min(c+4, last); k++ {
			if h[k].before(&h[m]) {
				m = k
			}
		}
		if !h[m].before(&e) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = e
}

// peek returns the earliest event without removing it. The queue must not
// be empty.
func (q *eventQueue) peek() *event { return &q.h[0] }

// pop removes and returns the earliest event. The queue must not be empty.
func (q *eventQueue) pop() event {
	h := q.h
	top := h[0]
	last := len(h) - 1
	e := h[last]
	h = h[:last]
	q.h = h
	if last == 0 {
		return top
	}
	siftDown(h, 0, e)
	return top
}

// msgPool holds messages in flight. An event refers to its message by slot,
// and slots are reused, so a delivery costs no allocation once the pool has
// grown to the number of messages in flight.
type msgPool struct {
	msgs []raft.Message
	// sent holds, per slot, the number of the trace record of the
	// message's send plus one (0: none), so that its delivery can copy it
	// (traceRing.addDeliver).
	sent  []uint64
	slots []uint32 // free slots
}

// put stores m, whose send is trace record sent-1 (0: not recorded), and
// returns its slot.
func (p *msgPool) put(m *raft.Message, sent uint64) uint64 {
	if n := len(p.slots); n > 0 {
		slot := p.slots[n-1]
		p.slots = p.slots[:n-1]
		p.msgs[slot] = *m
		p.sent[slot] = sent
		return uint64(slot)
	}
	p.msgs = append(p.msgs, *m)
	p.sent = append(p.sent, sent)
	return uint64(len(p.msgs) - 1)
}

// get returns the message in slot. The pointer stays valid (and the message
// unchanged) until free, even if the pool grows meanwhile.
func (p *msgPool) get(slot uint64) *raft.Message { return &p.msgs[slot] }

// free releases slot for reuse. The entries of a delivered message stay
// valid: they are shared with the sender's log, which never writes into an
// array it has handed out. The message is not cleared (392 bytes, with
// write barriers while the collector runs, on every delivery): what a free
// slot still refers to stays alive only until the slot is reused, so at
// most as many messages as were ever in flight at once.
func (p *msgPool) free(slot uint64) {
	p.slots = append(p.slots, uint32(slot))
}
