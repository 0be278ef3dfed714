package check

import (
	"math"
	"sort"
)

// The search without porcupine's generality. decide (through) asks only
// for a verdict, and porcupine's CheckOperations pays for what that does
// not need: a goroutine and a context per call, operations boxed as
// interfaces, a linked list and a bitset allocated per window, a cache
// keyed by the bitset's hash. Chaos runs thousands of these searches, so
// quickSearch runs porcupine's algorithm (Lowe's and Wing and Gong's
// search with a cache of linearized sets and states) itself, for windows
// of at most quickOps operations, on the same list in the same order:
// it calls the model on the same operations in the same states as
// porcupine does, so it takes the same number of steps, runs out of the
// budget exactly when porcupine would, and finds the same verdict
// (TestQuickSearchIsPorcupine). Explanations and Placements, which need
// porcupine's partial linearizations, still run porcupine.

// quickOps is the most operations a window may have for quickSearch: its
// linearized set is one word.
const quickOps = 64

// qEntry is a call or a return of a window, as porcupine's entry.
type qEntry struct {
	ret  bool // a return; false: a call
	id   int  // the operation's position in the window
	time int64
}

// qByTime sorts entries as porcupine's byTime does: by time, a call before
// a return at the same time. sort.Sort is not stable, but it is
// deterministic: given the same entries in the same order and the same
// Less, it makes the same swaps, so ties end up in porcupine's order.
type qByTime []qEntry

func (a qByTime) Len() int      { return len(a) }
func (a qByTime) Swap(i, j int) { a[i], a[j] = a[j], a[i] }
func (a qByTime) Less(i, j int) bool {
	if a[i].time != a[j].time {
		return a[i].time < a[j].time
	}
	return !a[i].ret && a[j].ret
}

// qNode is a node of the search's list: entries are nodes 1..2n, node 0
// is the head; -1 is the end of the list.
type qNode struct {
	id         int
	match      int // the node of a call's return, -1 for a return
	next, prev int
}

// qCall is a linearized call on the search's stack, and the state before
// it.
type qCall struct {
	node  int
	state kstate
}

// qScratch is quickSearch's memory, kept from one search to the next:
// chaos checks thousands of windows a second.
type qScratch struct {
	ins     []input
	outs    []output
	entries []qEntry
	nodes   []qNode
	retNode []int
	calls   []qCall
	states  []kstate // the states met, by number (a window meets a few)
	cache   []qSlot  // open addressing, len a power of two
	used    int      // slots of cache in use
}

// qSlot is an entry of the search's cache: a set of linearized operations
// and the number of the state they leave, plus one (0: an empty slot).
type qSlot struct {
	linearized uint64
	state      int
}

// stateID numbers st among the states met in this search.
func (q *qScratch) stateID(st kstate) int {
	for i, s := range q.states {
		if s == st {
			return i
		}
	}
	q.states = append(q.states, st)
	return len(q.states) - 1
}

// add puts (linearized, state) in the cache and says whether it was not
// there yet.
func (q *qScratch) add(linearized uint64, state int) bool {
	if 2*(q.used+1) > len(q.cache) {
		old := q.cache
		q.cache = make([]qSlot, max(64, 2*len(old)))
		q.used = 0
		for _, e := range old {
			if e.state > 0 {
				q.add(e.linearized, e.state-1)
			}
		}
	}
	mask := uint64(len(q.cache) - 1)
	h := (linearized ^ uint64(state)*0x9e3779b97f4a7c15) * 0xff51afd7ed558ccd
	for i := (h >> 32) & mask; ; i = (i + 1) & mask {
		e := &q.cache[i]
		if e.state == 0 {
			*e = qSlot{linearized, state + 1}
			q.used++
			return true
		}
		if e.linearized == linearized && e.state == state+1 {
			return false
		}
	}
}

// reset empties q for a search of n operations.
func (q *qScratch) reset(n int) {
	q.ins, q.outs = grow(q.ins, n), grow(q.outs, n)
	q.retNode = grow(q.retNode, n)
	q.nodes = grow(q.nodes, 2*n+1)
	q.entries, q.calls, q.states = q.entries[:0], q.calls[:0], q.states[:0]
	clear(q.cache)
	q.used = 0
}

// grow returns s with length n, reusing its array if it is large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// quickSearch is search of window w of the key (with withEnd's read of
// *end after it, if end is not nil) from state start, within steps; ok
// false means the window has too many operations for it, and the caller
// runs porcupine.
func (h *keyHistory) quickSearch(w [2]int, end *kstate, start kstate, steps int) (v Verdict, ok bool) {
	n := w[1] - w[0]
	if end != nil {
		n++
	}
	if n > quickOps {
		return OK, false
	}
	if h.scratch == nil {
		h.scratch = &qScratch{}
	}
	q := h.scratch
	q.reset(n)
	ins, outs, entries, nodes, retNode := q.ins, q.outs, q.entries, q.nodes, q.retNode
	last := int64(math.MinInt64)
	for k := range w[1] - w[0] {
		op := h.op(w[0] + k)
		ins[k], outs[k] = toInput(op), toOutput(op)
		ret := int64(returns(op))
		last = max(last, ret)
		entries = append(entries, qEntry{id: k, time: int64(op.Call)}, qEntry{ret: true, id: k, time: ret})
	}
	if end != nil {
		// withEnd's read, as it builds it.
		k := n - 1
		ins[k], outs[k] = input{kind: Get, key: h.key}, output{known: true, value: end.v}
		entries = append(entries, qEntry{id: k, time: last + 1}, qEntry{ret: true, id: k, time: last + 2})
	}
	q.entries = entries
	sort.Sort(qByTime(entries))

	// The list, linked as porcupine's makeLinkedEntries links it.
	for i, e := range entries {
		nodes[i+1] = qNode{id: e.id, match: -1, next: i + 2, prev: i}
		if e.ret {
			retNode[e.id] = i + 1
		}
	}
	nodes[0] = qNode{id: -1, match: -1, next: 1, prev: -1}
	nodes[2*n].next = -1
	for i, e := range entries {
		if !e.ret {
			nodes[i+1].match = retNode[e.id]
		}
	}
	lift := func(e int) {
		nodes[nodes[e].prev].next = nodes[e].next
		nodes[nodes[e].next].prev = nodes[e].prev
		m := nodes[e].match
		nodes[nodes[m].prev].next = nodes[m].next
		if nx := nodes[m].next; nx >= 0 {
			nodes[nx].prev = nodes[m].prev
		}
	}
	unlift := func(e int) {
		m := nodes[e].match
		nodes[nodes[m].prev].next = m
		if nx := nodes[m].next; nx >= 0 {
			nodes[nx].prev = m
		}
		nodes[nodes[e].prev].next = e
		nodes[nodes[e].next].prev = e
	}

	calls := q.calls
	defer func() { q.calls = calls[:0] }()
	var linearized uint64
	state := start
	taken := 0
	e := nodes[0].next
	for nodes[0].next >= 0 {
		if m := nodes[e].match; m >= 0 {
			if taken++; taken > steps {
				return Unknown, true
			}
			id := nodes[e].id
			if ok, next := stepState(state, ins[id], outs[id]); ok {
				lin := linearized | 1<<id
				if q.add(lin, q.stateID(next)) {
					calls = append(calls, qCall{e, state})
					state, linearized = next, lin
					lift(e)
					e = nodes[0].next
					continue
				}
			}
			e = nodes[e].next
			continue
		}
		if len(calls) == 0 {
			return Violation, true
		}
		top := calls[len(calls)-1]
		calls = calls[:len(calls)-1]
		e, state = top.node, top.state
		linearized &^= 1 << nodes[e].id
		unlift(e)
		e = nodes[e].next
	}
	return OK, true
}
