package sim

import (
	"math/bits"
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

// eventQueue holds the events to come, ordered by (at, seq). It is a
// radix heap, not a binary or 4-ary one: the simulation's clock never goes
// back, so every event pushed is at or after the last one taken out, and
// an event can sit in the bucket of the highest bit in which its time
// differs from that last time. Pushing is an append; taking the earliest
// out is a scan of bucket 0 (the events at the last time, usually one),
// and when that is empty, the smallest non-empty bucket is spread over
// the buckets below it. Each event moves down a few times in its life
// instead of being sifted past log(n) others at each push and pop
// (BenchmarkEventQueue). Events are small values (32 bytes, no pointers)
// so that nothing is allocated once the buckets have grown and the garbage
// collector never scans them. An event at a time before the last one taken
// out (the clock was moved by hand, or peek looked past the end of a Run)
// is rare: the buckets are then spread again from it.
type eventQueue struct {
	// buckets[b] holds the events whose time first differs from last in
	// bit b-1; buckets[0] those at last itself.
	buckets [65][]event
	used    uint64 // bit b set: buckets[b] is not empty (b < 64)
	last    uint64 // no event is earlier; times are taken as unsigned
	n       int
	seq     uint64
}

// Len returns the number of queued events.
func (q *eventQueue) Len() int { return q.n }

// bucketOf returns the bucket of an event at time at (at >= last).
func (q *eventQueue) bucketOf(at time.Duration) int { return bits.Len64(uint64(at) ^ q.last) }

// put adds e to its bucket.
func (q *eventQueue) put(e event) {
	b := q.bucketOf(e.at)
	q.buckets[b] = append(q.buckets[b], e)
	if b < 64 {
		q.used |= 1 << b
	}
}

// push schedules an event; its sequence number is assigned here.
func (q *eventQueue) push(e event) {
	q.seq++
	e.seq = q.seq
	if uint64(e.at) < q.last {
		q.rebase(uint64(e.at))
	}
	q.put(e)
	q.n++
}

// rebase spreads every event over the buckets again, from last.
func (q *eventQueue) rebase(last uint64) {
	var all []event
	for b := range q.buckets {
		all = append(all, q.buckets[b]...)
		q.buckets[b] = q.buckets[b][:0]
	}
	q.used, q.last = 0, last
	for _, e := range all {
		q.put(e)
	}
}

// settle makes bucket 0 hold the earliest events: if it is empty, last
// moves to the earliest time of the smallest non-empty bucket, whose
// events then spread over the buckets below it. The queue must not be
// empty.
func (q *eventQueue) settle() {
	if q.used&1 != 0 {
		return
	}
	i := 64
	if q.used != 0 {
		i = bits.TrailingZeros64(q.used)
	}
	src := q.buckets[i]
	m := uint64(src[0].at)
	for k := 1; k < len(src); k++ {
		m = min(m, uint64(src[k].at))
	}
	q.last = m
	q.buckets[i] = src[:0]
	if i < 64 {
		q.used &^= 1 << i
	}
	for _, e := range src {
		q.put(e) // into a bucket below i: the buckets never alias
	}
}

// first returns the index in bucket 0 of its earliest event (the one
// pushed first: they are all at the same time).
func (q *eventQueue) first() int {
	b0 := q.buckets[0]
	j := 0
	for k := 1; k < len(b0); k++ {
		if b0[k].seq < b0[j].seq {
			j = k
		}
	}
	return j
}

// peek returns the earliest event without removing it. The queue must not
// be empty. The pointer is valid until the next push or pop.
func (q *eventQueue) peek() *event {
	q.settle()
	return &q.buckets[0][q.first()]
}

// pop removes and returns the earliest event. The queue must not be empty.
func (q *eventQueue) pop() event {
	q.settle()
	return q.take(0, q.first())
}

// popUntil removes and returns the earliest event if there is one at or
// before end: peek and pop in one, settling the buckets and looking for
// the earliest once instead of twice (Run's loop, once per event).
func (q *eventQueue) popUntil(end time.Duration) (event, bool) {
	if q.n == 0 {
		return event{}, false
	}
	q.settle()
	k := q.first()
	if q.buckets[0][k].at > end {
		return event{}, false
	}
	return q.take(0, k), true
}

// take removes event k of bucket b and returns it.
func (q *eventQueue) take(b, k int) event {
	src := q.buckets[b]
	e := src[k]
	last := len(src) - 1
	src[k] = src[last]
	q.buckets[b] = src[:last]
	if last == 0 && b < 64 {
		q.used &^= 1 << b
	}
	q.n--
	return e
}

// all yields every queued event, in no particular order; the loop must not
// push or pop.
func (q *eventQueue) all(yield func(*event) bool) {
	for b := range q.buckets {
		for k := range q.buckets[b] {
			if !yield(&q.buckets[b][k]) {
				return
			}
		}
	}
}

// removeSeq takes the event with sequence number seq out of the queue
// and returns it, if it is there.
func (q *eventQueue) removeSeq(seq uint64) (event, bool) {
	for b := range q.buckets {
		for k := range q.buckets[b] {
			if q.buckets[b][k].seq == seq {
				return q.take(b, k), true
			}
		}
	}
	return event{}, false
}

// msgPool holds messages in flight. An event refers to its message by slot,
// and slots are reused, so a delivery costs no allocation once the pool has
// grown to the number of messages in flight.
type msgPool struct {
	msgs []raft.Message
	// sent names, per slot, the trace record of the message's send (if
	// it was recorded), so that its delivery can copy it
	// (traceRing.addDeliver).
	sent  []recRef
	slots []uint32 // free slots
}

// put stores m, whose send is trace record sent (none: not recorded), and
// returns its slot.
func (p *msgPool) put(m *raft.Message, sent recRef) uint64 {
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
