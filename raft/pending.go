package raft

import "slices"

// pendingQueue holds the clients a leader owes an answer, by the index of
// the entry each waits for. It behaves as a map from index to pendingReply
// but is a slice in index order: a leader appends at the end of its log and
// applies from the front, so adding an entry is an append, answering one
// takes the front, and finding a retry's entry is a binary search. A map
// cost a hash, an assignment and a deletion per commit (bench -w 100).
type pendingQueue struct {
	items []pendingItem // items[head:] in increasing index order
	head  int
}

type pendingItem struct {
	idx uint64
	p   pendingReply
}

// len returns the number of clients waiting.
func (q *pendingQueue) len() int { return len(q.items) - q.head }

// search returns where idx is, or would be inserted, in items, and whether
// it is there.
func (q *pendingQueue) search(idx uint64) (int, bool) {
	live := q.items[q.head:]
	if k := len(live); k == 0 || live[k-1].idx < idx {
		return len(q.items), false // the usual case: past the end
	}
	i, found := slices.BinarySearchFunc(live, idx, func(it pendingItem, idx uint64) int {
		switch {
		case it.idx < idx:
			return -1
		case it.idx > idx:
			return 1
		}
		return 0
	})
	return q.head + i, found
}

// get returns the reply waiting for entry idx.
func (q *pendingQueue) get(idx uint64) (*pendingReply, bool) {
	i, found := q.search(idx)
	if !found {
		return nil, false
	}
	return &q.items[i].p, true
}

// put makes p the reply waiting for entry idx.
func (q *pendingQueue) put(idx uint64, p pendingReply) {
	i, found := q.search(idx)
	switch {
	case found:
		q.items[i].p = p
	case i == len(q.items):
		q.items = append(q.items, pendingItem{idx, p})
	default:
		q.items = slices.Insert(q.items, i, pendingItem{idx, p})
	}
}

// take removes and returns the reply waiting for entry idx, if any.
func (q *pendingQueue) take(idx uint64) (pendingReply, bool) {
	if q.len() == 0 {
		return pendingReply{}, false
	}
	var i int
	if q.items[q.head].idx == idx {
		i = q.head // the usual case: the front
	} else {
		var found bool
		if i, found = q.search(idx); !found {
			return pendingReply{}, false
		}
	}
	p := q.items[i].p
	if i == q.head {
		q.items[i] = pendingItem{} // let the command go
		q.head++
		if q.head == len(q.items) {
			q.items, q.head = q.items[:0], 0
		} else if q.head >= 64 && q.head*2 >= len(q.items) {
			// Slide the live part down rather than let the front grow.
			k := copy(q.items, q.items[q.head:])
			clear(q.items[k:])
			q.items, q.head = q.items[:k], 0
		}
	} else {
		q.items = slices.Delete(q.items, i, i+1)
	}
	return p, true
}

// all returns the waiting replies in index order; the slice is valid until
// the queue next changes.
func (q *pendingQueue) all() []pendingItem { return q.items[q.head:] }

// reset empties the queue.
func (q *pendingQueue) reset() {
	clear(q.items)
	q.items, q.head = q.items[:0], 0
}
