package check

import (
	"math"
	"slices"
	"sort"
)

// The verdict of a window comes from searcher, not porcupine: the same
// search as porcupine's (Wing and Gong's, with Lowe's cache of the sets of
// operations linearized and the states they left, as porcupine's
// checkSingle runs it), in the same order, so that it takes the same steps
// and a budget of steps runs out on the same windows. What it saves is
// what porcupine spends around the search: a goroutine, a context and a
// channel for every call, three interface values for every operation, and
// a new cache and linked list each time. A chaos seed checks about a
// hundred windows, and with porcupine those costs were about a seventh of
// the seed. Porcupine still finds the partial linearizations that
// explain a violation and place the operations (explain.go,
// placements.go): a search that produces them has no need to be fast.

// wop is one operation of a window, as the search reads it.
type wop struct {
	in        input
	out       output
	call, ret int64 // ret is math.MaxInt64 for a write without a reply
}

// wopOf is op as the search reads it.
func wopOf(op Operation) wop {
	return wop{in: toInput(op), out: toOutput(op), call: int64(op.Call), ret: int64(returns(op))}
}

// sentry is a call or a return of an operation, as porcupine's entry.
type sentry struct {
	op   int32 // the operation's index in the window
	ret  bool
	time int64
}

// byTimeEntries orders entries as porcupine's byTime does, and must stay
// so: sort.Sort is not stable, and the order it leaves equal entries in
// (calls at one instant, returns at one instant) is the order the search
// tries them in, which decides how many steps it takes. The same Less on
// the same sequence gives the same permutation.
type byTimeEntries []sentry

func (p *byTimeEntries) Len() int      { return len(*p) }
func (p *byTimeEntries) Swap(i, j int) { a := *p; a[i], a[j] = a[j], a[i] }
func (p *byTimeEntries) Less(i, j int) bool {
	a := *p
	if a[i].time != a[j].time {
		return a[i].time < a[j].time
	}
	return !a[i].ret && a[j].ret
}

// snode is an entry in the search's doubly linked list of the entries
// not yet linearized; indices into searcher.nodes, -1 for none. match is
// the return of a call, -1 in a return.
type snode struct {
	op               int32
	match            int32
	next, prev       int32
	isCall, sentinel bool
}

// cached is one (linearized set, state) pair the search has reached: its
// set is bits[off:off+words] of the searcher.
type cached struct {
	off   int32
	state kstate
}

// packedOps is the most operations of a window whose cache entries are
// packed into one word: the set in the low bits, the state's number
// (searcher.states) in the top eight.
const packedOps = 56

// frame is a linearized call on the search's stack and the state before it.
type frame struct {
	node  int32
	state kstate
}

// searcher runs the search of one window after another, keeping its
// memory: the slices grow to the largest window and stay.
type searcher struct {
	entries []sentry
	nodes   []snode
	retNode []int32 // the node of each operation's return
	calls   []frame
	set     []uint64 // the operations linearized so far
	bits    []uint64 // the sets in the cache, one after another
	cache   map[uint64][]cached
	// small is the cache of a window of at most packedOps operations
	// (nearly every window), by packed entry; states numbers the states
	// the search has reached (a handful: the values the window writes
	// and reads). cache serves the rest, and states past the 256th.
	small        map[uint64]struct{}
	states       []kstate
	used, usedBy bool // whether small and cache hold entries
	// window and ended hold the window being searched, and it with the
	// read withEndOf adds.
	window, ended []wop
}

// decide says whether ops, from state start, can be linearized, within
// steps steps: OK, Violation, or Unknown when the budget ran out. It
// takes exactly the steps porcupine's search would (the model's Step
// called as many times, in the same states); it also returns them.
func (s *searcher) decide(ops []wop, start kstate, steps int) (Verdict, int) {
	// porcupine's makeEntries: a call and a return for each operation,
	// in order of the operations, then sorted by time.
	s.entries = s.entries[:0]
	for i, op := range ops {
		s.entries = append(s.entries, sentry{op: int32(i), time: op.call}, sentry{op: int32(i), ret: true, time: op.ret})
	}
	sort.Sort((*byTimeEntries)(&s.entries))

	// porcupine's makeLinkedEntries, with the head it puts before the
	// first entry: node 0 is the head, node k+1 the k-th entry.
	n := len(s.entries)
	s.nodes = s.nodes[:0]
	s.nodes = append(s.nodes, snode{op: -1, match: -1, next: -1, prev: -1, sentinel: true})
	s.retNode = slices.Grow(s.retNode[:0], len(ops))[:len(ops)]
	for k, e := range s.entries {
		idx := int32(k + 1)
		next := idx + 1
		if k == n-1 {
			next = -1
		}
		s.nodes = append(s.nodes, snode{op: e.op, match: -1, next: next, prev: idx - 1, isCall: !e.ret})
		if e.ret {
			s.retNode[e.op] = idx
		}
	}
	if n > 0 {
		s.nodes[0].next = 1
	}
	for k := range s.entries {
		if nd := &s.nodes[k+1]; nd.isCall {
			nd.match = s.retNode[nd.op]
		}
	}

	words := (len(ops) + 63) / 64
	s.set = slices.Grow(s.set[:0], words)[:words]
	clear(s.set)
	s.bits = s.bits[:0]
	s.calls = s.calls[:0]
	s.states = s.states[:0]
	if s.used {
		clear(s.small)
		s.used = false
	}
	if s.usedBy {
		clear(s.cache)
		s.usedBy = false
	}

	taken := 0
	state := start
	entry := s.nodes[0].next
	for s.nodes[0].next >= 0 {
		e := &s.nodes[entry]
		if e.isCall {
			if taken++; taken > steps {
				// The model refuses every step past the budget, and
				// porcupine unwinds to a failure; the search is then
				// undecided, whatever else it found.
				return Unknown, taken
			}
			op := &ops[e.op]
			ok, next := stepState(state, op.in, op.out)
			if ok {
				s.set[e.op/64] |= 1 << (uint(e.op) % 64)
				if s.remember(next) {
					s.calls = append(s.calls, frame{node: entry, state: state})
					state = next
					s.lift(entry)
					entry = s.nodes[0].next
				} else {
					s.set[e.op/64] &^= 1 << (uint(e.op) % 64)
					entry = e.next
				}
			} else {
				entry = e.next
			}
			continue
		}
		if len(s.calls) == 0 {
			return Violation, taken
		}
		top := s.calls[len(s.calls)-1]
		s.calls = s.calls[:len(s.calls)-1]
		entry, state = top.node, top.state
		op := s.nodes[entry].op
		s.set[op/64] &^= 1 << (uint(op) % 64)
		s.unlift(entry)
		entry = s.nodes[entry].next
	}
	return OK, taken
}

// remember adds the current set with state to the cache, and says whether
// it was new.
func (s *searcher) remember(state kstate) bool {
	if len(s.set) == 1 && s.set[0]>>packedOps == 0 {
		id := slices.Index(s.states, state)
		if id < 0 {
			id = len(s.states)
			s.states = append(s.states, state)
		}
		if id < 256 {
			k := s.set[0] | uint64(id)<<packedOps
			if _, ok := s.small[k]; ok {
				return false
			}
			if s.small == nil {
				s.small = map[uint64]struct{}{}
			}
			s.small[k], s.used = struct{}{}, true
			return true
		}
	}
	// porcupine's bitset hash (MurmurHash3's finalizer prime).
	var h uint64
	for _, v := range s.set {
		h ^= v
		h *= 0xff51afd7ed558ccd
	}
	bucket := s.cache[h]
	for _, c := range bucket {
		if c.state == state && equalWords(s.bits[c.off:int(c.off)+len(s.set)], s.set) {
			return false
		}
	}
	off := int32(len(s.bits))
	s.bits = append(s.bits, s.set...)
	if s.cache == nil {
		s.cache = map[uint64][]cached{}
	}
	s.cache[h], s.usedBy = append(bucket, cached{off: off, state: state}), true
	return true
}

func equalWords(a, b []uint64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// lift takes a call and its return out of the list (porcupine's lift).
func (s *searcher) lift(i int32) {
	e := &s.nodes[i]
	s.nodes[e.prev].next = e.next
	s.nodes[e.next].prev = e.prev
	m := &s.nodes[e.match]
	s.nodes[m.prev].next = m.next
	if m.next >= 0 {
		s.nodes[m.next].prev = m.prev
	}
}

// unlift puts them back (porcupine's unlift).
func (s *searcher) unlift(i int32) {
	e := &s.nodes[i]
	m := &s.nodes[e.match]
	s.nodes[m.prev].next = e.match
	if m.next >= 0 {
		s.nodes[m.next].prev = e.match
	}
	s.nodes[e.prev].next = i
	s.nodes[e.next].prev = i
}

// endsOf is ends over a window as the search reads it.
func endsOf(ops []wop) []kstate {
	maxCall := int64(math.MinInt64)
	for _, op := range ops {
		if _, ok := wopWrites(op); ok {
			maxCall = max(maxCall, op.call)
		}
	}
	var out []kstate
	for _, op := range ops {
		if v, ok := wopWrites(op); ok && op.ret >= maxCall {
			out = append(out, kstate{v: v})
		}
	}
	slices.SortFunc(out, compareStates)
	return slices.Compact(out)
}

// wopWrites is writes over an operation as the search reads it.
func wopWrites(op wop) (string, bool) {
	return writesOf(op.in, op.out)
}

// withEndOf is withEnd over a window as the search reads it: ops with a
// read after everything that sees v. It appends to buf.
func withEndOf(buf, ops []wop, v kstate) []wop {
	last := int64(math.MinInt64)
	for _, op := range ops {
		last = max(last, op.ret)
	}
	buf = append(buf[:0], ops...)
	return append(buf, wop{
		in:   input{kind: Get, key: ops[0].in.key},
		out:  output{known: true, value: v.v},
		call: last + 1, ret: last + 2,
	})
}

// readValueOf is the value the first completed read of a window saw, or
// the wild state if it has none.
func readValueOf(ops []wop) kstate {
	for _, op := range ops {
		if op.in.kind == Get && op.out.known {
			return kstate{v: op.out.value}
		}
	}
	return kstate{wild: true}
}

// load puts window w of h in s.window, as the search reads it.
func (s *searcher) load(h *keyHistory, w [2]int) []wop {
	s.window = s.window[:0]
	for _, i := range h.idx[w[0]:w[1]] {
		s.window = append(s.window, wopOf(h.all[i]))
	}
	return s.window
}
