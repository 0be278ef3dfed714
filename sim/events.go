package sim

import (
	"cmp"
	"math/bits"
	"slices"
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

// eventQueue holds the events to come, ordered by (at, seq). It has two
// forms, for the two sizes it lives at.
//
// Small (up to sortedMax events: a 5-server cluster idle holds 5-16, under
// load some 15-45), it is a slice sorted latest first. Taking the earliest
// out shortens it by one; pushing slides the new event down past those due
// before it. Most events pushed are messages, due in a few milliseconds,
// ahead of the timers of the next heartbeat and election: they slide past
// the few other messages in flight, and an event costs a handful of
// comparisons and moves of 32 bytes, where a heap sifts past log(n)
// others at each push and pop and a radix heap spreads its buckets
// (BenchmarkEventQueue, BenchmarkClock).
//
// Large (a cluster of a thousand servers keeps a timer for each), it is a
// radix heap: the simulation's clock never goes back, so every event
// pushed is at or after the last one taken out, and an event can sit in
// the bucket of the highest bit in which its time differs from that last
// time. Pushing is an append; taking the earliest out is a scan of bucket
// 0 (the events at the last time, usually one), and when that is empty,
// the smallest non-empty bucket is spread over the buckets below it. Each
// event moves down a few times in its life instead of being sifted past
// log(n) others at each push and pop. An event at a time before the last
// one taken out (the clock was moved by hand, or peek looked past the end
// of a Run) is rare: the buckets are then spread again from it.
//
// The queue turns large when a push would pass sortedMax and small again
// when it falls to sortedMin, far enough apart that a queue hovering near
// one bound does not turn back and forth. Events
// are small values (32 bytes, no pointers) so that nothing is allocated
// once the slices have grown and the garbage collector never scans them.
type eventQueue struct {
	// sorted holds the events, latest first, while big is false.
	sorted []event
	big    bool
	// buckets[b] holds the events whose time first differs from last in
	// bit b-1; buckets[0] those at last itself (while big).
	buckets [65][]event
	used    uint64 // bit b set: buckets[b] is not empty (b < 64)
	last    uint64 // no event is earlier; times are taken as unsigned
	n       int
	seq     uint64
}

// The sizes at which the queue changes form (see eventQueue).
const (
	sortedMax = 64
	sortedMin = 16
)

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
	q.n++
	if !q.big && len(q.sorted) < sortedMax {
		q.insert(e)
		return
	}
	q.pushBig(e)
}

// pushBig is push into a large queue, or one that turns large.
func (q *eventQueue) pushBig(e event) {
	if !q.big {
		q.grow()
	}
	if uint64(e.at) < q.last {
		q.rebase(uint64(e.at))
	}
	q.put(e)
}

// insert adds e to the sorted slice. Its sequence number is the highest
// queued, so it goes after every event at its time or before: it slides
// down past those alone.
func (q *eventQueue) insert(e event) {
	h := append(q.sorted, e)
	j := len(h) - 1
	for j > 0 && h[j-1].at <= e.at {
		h[j] = h[j-1]
		j--
	}
	h[j] = e
	q.sorted = h
}

// grow turns the queue large: the sorted events go into the buckets,
// from the earliest.
func (q *eventQueue) grow() {
	q.big = true
	q.used = 0
	if k := len(q.sorted); k > 0 {
		q.last = uint64(q.sorted[k-1].at)
	}
	for _, e := range q.sorted {
		q.put(e)
	}
	q.sorted = q.sorted[:0]
}

// shrink turns the queue small: every event goes into the sorted slice.
func (q *eventQueue) shrink() {
	h := q.sorted[:0]
	for b := range q.buckets {
		h = append(h, q.buckets[b]...)
		q.buckets[b] = q.buckets[b][:0]
	}
	slices.SortFunc(h, func(a, b event) int { return cmp.Or(cmp.Compare(b.at, a.at), cmp.Compare(b.seq, a.seq)) })
	q.sorted, q.used, q.big = h, 0, false
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
// events then spread over the buckets below it. The queue must be large
// and not empty.
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
	if !q.big {
		return &q.sorted[len(q.sorted)-1]
	}
	q.settle()
	return &q.buckets[0][q.first()]
}

// pop removes and returns the earliest event. The queue must not be empty.
func (q *eventQueue) pop() event {
	if !q.big {
		return q.popSorted()
	}
	q.settle()
	e := q.take(0, q.first())
	q.taken()
	return e
}

// popSorted removes and returns the earliest event of a small queue.
func (q *eventQueue) popSorted() event {
	k := len(q.sorted) - 1
	e := q.sorted[k]
	q.sorted = q.sorted[:k]
	q.n--
	return e
}

// popUntil removes and returns the earliest event if there is one at or
// before end: peek and pop in one, settling the buckets and looking for
// the earliest once instead of twice (Run's loop, once per event). It is
// inlined for a small queue.
func (q *eventQueue) popUntil(end time.Duration) (event, bool) {
	if q.big {
		return q.popUntilBig(end)
	}
	if k := len(q.sorted) - 1; k >= 0 && q.sorted[k].at <= end {
		return q.popSorted(), true
	}
	return event{}, false
}

// popUntilBig is popUntil on a large queue.
func (q *eventQueue) popUntilBig(end time.Duration) (event, bool) {
	q.settle()
	k := q.first()
	if q.buckets[0][k].at > end {
		return event{}, false
	}
	e := q.take(0, k)
	q.taken()
	return e, true
}

// take removes event k of bucket b of a large queue and returns it.
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

// taken turns a large queue small if it has fallen to sortedMin events.
func (q *eventQueue) taken() {
	if q.n <= sortedMin {
		q.shrink()
	}
}

// all yields every queued event, in no particular order; the loop must not
// push or pop.
func (q *eventQueue) all(yield func(*event) bool) {
	for k := range q.sorted {
		if !yield(&q.sorted[k]) {
			return
		}
	}
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
	for k := range q.sorted {
		if e := q.sorted[k]; e.seq == seq {
			q.sorted = slices.Delete(q.sorted, k, k+1)
			q.n--
			return e, true
		}
	}
	for b := range q.buckets {
		for k := range q.buckets[b] {
			if q.buckets[b][k].seq == seq {
				e := q.take(b, k)
				q.taken()
				return e, true
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
