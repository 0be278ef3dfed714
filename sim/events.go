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
)

// event is one entry of the queue. It is a small value (no pointers, no
// closure) so that pushing and popping allocate nothing and the heap stays
// cache-friendly; a message travels in the pool, not in the event.
type event struct {
	at   time.Duration
	seq  uint64
	aux  uint64 // message slot or timer generation
	id   raft.NodeID
	kind evKind
}

// before orders events by time, then by the order they were scheduled, so
// that events at the same instant happen in a reproducible order.
func (e *event) before(o *event) bool {
	if e.at != o.at {
		return e.at < o.at
	}
	return e.seq < o.seq
}

// eventQueue is a binary min-heap of events ordered by (at, seq). It is
// written by hand instead of with container/heap to avoid boxing every event
// in an interface on each push and pop.
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
	// Sift up.
	h := q.h
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].before(&h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

// peek returns the earliest event without removing it. The queue must not
// be empty.
func (q *eventQueue) peek() *event { return &q.h[0] }

// pop removes and returns the earliest event. The queue must not be empty.
func (q *eventQueue) pop() event {
	h := q.h
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	q.h = h
	// Sift down.
	i := 0
	for {
		l := 2*i + 1
		if l >= last {
			break
		}
		m := l
		if r := l + 1; r < last && h[r].before(&h[l]) {
			m = r
		}
		if !h[m].before(&h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return top
}

// msgPool holds messages in flight. An event refers to its message by slot,
// and slots are reused, so a delivery costs no allocation once the pool has
// grown to the number of messages in flight.
type msgPool struct {
	msgs []raft.Message
	free []uint32
}

func (p *msgPool) put(m *raft.Message) uint64 {
	if n := len(p.free); n > 0 {
		slot := p.free[n-1]
		p.free = p.free[:n-1]
		p.msgs[slot] = *m
		return uint64(slot)
	}
	p.msgs = append(p.msgs, *m)
	return uint64(len(p.msgs) - 1)
}

// take returns the message in slot and frees the slot. The entries of the
// returned message stay valid: they are shared with the sender's log, which
// never writes into an array it has handed out.
func (p *msgPool) take(slot uint64) raft.Message {
	m := p.msgs[slot]
	p.msgs[slot] = raft.Message{} // drop references for the garbage collector
	p.free = append(p.free, uint32(slot))
	return m
}
