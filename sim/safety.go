package sim

import (
	"fmt"
	"slices"
	"time"

	"raftsim/raft"
)

// The five safety properties of Figure 3 of the Raft paper.
const (
	PropElectionSafety     = "Election Safety"
	PropLeaderAppendOnly   = "Leader Append-Only"
	PropLogMatching        = "Log Matching"
	PropLeaderCompleteness = "Leader Completeness"
	PropStateMachineSafety = "State Machine Safety"

	// PropLogIntegrity is not one of the five: it says that a server's
	// log stopped being a log (a gap between two indexes, a commit or
	// apply past its end), which the other checks cannot follow.
	PropLogIntegrity = "Log Integrity"
)

// maxViolations caps the list: one broken run should not eat the memory.
const maxViolations = 1000

// checker checks the safety properties incrementally: each observation costs
// time proportional to what changed (new entries, newly committed or applied
// indexes), never to the length of the logs.
//
// Logs are summarised by prefix hashes: ph[i] hashes entries 1..i, so two
// logs agree up to i exactly when their ph[i] agree (up to hash collisions),
// and a prefix is compared in O(1).
type checker struct {
	now time.Duration
	// entryOf returns a server's entry at an index, for readable details
	// only: held is false when it has none there, compacted true when
	// that is because a snapshot replaced it. May be nil.
	entryOf func(id raft.NodeID, i uint64) (e raft.Entry, held, compacted bool)

	srv []srvCheck // indexed by server id

	// leaders holds every leader of the run, sorted by term; byTerm finds
	// a term's entry in it.
	leaders    []*leaderRec
	byTerm     map[uint64]*leaderRec
	curLeaders []raft.NodeID // servers that are leader now

	// lm records, for every (index, term) ever seen in a log, the prefix
	// hash up to it: lm[i-1] is the first term seen at index i; other terms
	// at that index are chained through lmExtra.
	lm      []lmRec
	lmExtra []lmRec

	// commitPH[i-1-base] is the prefix hash at i of the committed log, as
	// first committed by commitBy[i-1-base]. (Servers are held as int32,
	// here and in appliedBy and lmRec: there are at most MaxServers, and
	// these arrays grow by an index at a time over the whole run.)
	commitPH []uint64
	commitBy []int32
	// base is how many indexes lm, commitPH and appliedPH have dropped
	// from their front (trim): every server's log begins with a snapshot
	// past them, so no check can ask about them again.
	base uint64

	// commitMax[k] is the highest index committed in term commitMax[k].term
	// (as seen by a server of that term), sorted by term. Leader
	// Completeness binds the leaders of terms later than a commit only.
	commitMax []termIndex

	// appliedPH[i-1-base] is the prefix hash at i of the first server to apply i.
	appliedPH []uint64
	appliedBy []int32

	violations  []Violation
	reported    map[string]bool
	onViolation func(*Violation)

	// hashes remembers the latest entries hashed (hashOf).
	hashes *[hashSlots]hashSlot
}

// hashSlots is how many entries hashOf remembers: the latest, one per
// index modulo hashSlots, far more than a follower lags behind in the
// steady state.
const hashSlots = 1024

// hashSlot is an entry hashOf hashed: what its hash covers, and the hash.
type hashSlot struct {
	index, term uint64
	time        time.Duration
	cmd         *raft.Command
	kind        raft.EntryKind
	h           uint64
}

// hashOf returns entryHash(e). The same entry reaches every server's log
// (a follower appends the leader's entries, which point to the leader's
// command), so the hash is kept for the next server instead of computed
// once per server: an entry of the same index, term, kind and time
// pointing to the same command is the same entry, since a command is
// never modified once sent. An entry of a configuration is hashed each
// time (it is rare, and its membership is not held to that).
func (c *checker) hashOf(e *raft.Entry) uint64 {
	if e.Config != nil {
		return entryHash(e)
	}
	if c.hashes == nil {
		c.hashes = new([hashSlots]hashSlot)
	}
	sl := &c.hashes[e.Index%hashSlots]
	if sl.index == e.Index && sl.term == e.Term && sl.cmd == e.Cmd && sl.kind == e.Kind && sl.time == e.Time && sl.index != 0 {
		return sl.h
	}
	h := entryHash(e)
	*sl = hashSlot{index: e.Index, term: e.Term, time: e.Time, cmd: e.Cmd, kind: e.Kind, h: h}
	return h
}

type srvCheck struct {
	// ph holds the prefix hashes of the server's log from the last entry
	// of its snapshot (or index 0) on: compaction (§7) leaves the checks
	// what they need, whatever the server dropped.
	ph      phLog
	commit  uint64
	applied uint64
	role    raft.Role
	term    uint64

	// pinned is one past the last index of the longest leader log
	// (leaderRec.ph) that shares ph's array: a truncation below it copies
	// the array first, so the leader's log of an earlier term is kept as
	// it was.
	pinned uint64
}

// phLog is a window of prefix hashes: h[k] hashes the log up to index
// base+k (h[0] at index 0 is 0: the empty log). Two logs agree up to i
// exactly when their hashes at i agree (up to hash collisions).
type phLog struct {
	base uint64
	h    []uint64
}

// last returns the index of the last entry hashed.
func (p *phLog) last() uint64 { return p.base + uint64(len(p.h)) - 1 }

// at returns the prefix hash at index i, if the window holds it.
func (p *phLog) at(i uint64) (uint64, bool) {
	if i < p.base || i > p.last() {
		return 0, false
	}
	return p.h[i-p.base], true
}

// leaderRec is the leader of one term. While it leads, its log is the
// server's own (ph is nil); once it steps down, ph keeps the log it had as
// leader, which is what Leader Completeness is about: a leader's log only
// grows during its term, so this holds every entry it had when elected.
type leaderRec struct {
	term uint64
	id   raft.NodeID
	ph   *phLog
}

type termIndex struct{ term, index uint64 }

type lmRec struct {
	term   uint64
	ph     uint64
	server int32 // a raft.NodeID
	next   int32 // 1 + index into lmExtra of the next term at this index; 0: none
}

func newChecker() *checker {
	return &checker{byTerm: map[uint64]*leaderRec{}, reported: map[string]bool{}}
}

func (c *checker) ensure(id raft.NodeID) *srvCheck {
	for int(id) >= len(c.srv) {
		c.srv = append(c.srv, srvCheck{ph: phLog{h: []uint64{0}}})
	}
	return &c.srv[id]
}

func (c *checker) report(key string, v Violation) {
	if c.reported[key] || len(c.violations) >= maxViolations {
		return
	}
	c.reported[key] = true
	v.Time = c.now
	c.violations = append(c.violations, v)
	if c.onViolation != nil {
		c.onViolation(&c.violations[len(c.violations)-1])
	}
}

// logChanged records that server id's log dropped every entry from index
// from on (if it held any) and then appended ents. stillLeader says the
// server was leader before and after the change, in the same term.
func (c *checker) logChanged(id raft.NodeID, from uint64, ents []raft.Entry, stillLeader bool) {
	st := c.ensure(id)
	last := st.ph.last()
	if len(ents) > 0 && (from == 0 || ents[0].Index < from) {
		from = ents[0].Index
	}
	if from != 0 && from <= last {
		if stillLeader {
			c.report("LAO "+itoa(int(id))+" "+u64(st.term), Violation{
				Property: PropLeaderAppendOnly, Servers: []raft.NodeID{id}, Index: from,
				Detail: fmt.Sprintf("server %d, leader of term %d, removed entries %d..%d from its own log", id, st.term, from, last),
			})
		}
		keep := max(from, st.ph.base+1) - st.ph.base
		if from < st.pinned {
			st.ph.h = append(make([]uint64, 0, int(keep)+len(ents)), st.ph.h[:keep]...)
			st.pinned = 0
		} else {
			st.ph.h = st.ph.h[:keep]
		}
	}
	for i := range ents {
		e := &ents[i]
		if e.Index <= st.ph.base {
			continue // inside the server's snapshot
		}
		if e.Index != st.ph.last()+1 {
			// The log is no longer a log: entry e does not follow the
			// last one. Nothing after it can be compared by position.
			c.report("GAP "+itoa(int(id)), Violation{
				Property: PropLogIntegrity, Servers: []raft.NodeID{id}, Index: e.Index,
				Detail: fmt.Sprintf("server %d appended entry %d (term %d) after entry %d: its log has a gap", id, e.Index, e.Term, st.ph.last()),
			})
			return
		}
		p := mix(st.ph.h[len(st.ph.h)-1], c.hashOf(e))
		st.ph.h = push(st.ph.h, p)
		c.matchLog(id, e, p)
	}
}

// snapshotted records that server id's log now begins with a snapshot
// after entry index (§7), taken by itself or installed from a leader,
// followed by the entries ents: the checks then follow its log from the
// snapshot on. A snapshot holds committed entries only, so the log up to
// index is the committed one: a snapshot past anything committed, or one
// of its own (installed is false) that its log disagrees with, breaks
// State Machine Safety. (A snapshot installed from a leader replaces
// whatever conflicting entries the log held, Figure 13 rule 7.)
func (c *checker) snapshotted(id raft.NodeID, index uint64, ents []raft.Entry, installed bool) uint64 {
	st := c.ensure(id)
	var ph uint64
	switch {
	case index == 0:
	case index <= c.base:
		// Past what the checks keep (every log began after it): the
		// server's own hash, if it has one, is all there is.
		ph, _ = st.ph.at(index)
	case index <= c.commitLen():
		var by raft.NodeID
		ph, by, _ = c.commitAt(index)
		if own, ok := st.ph.at(index); ok && own != ph && st.ph.base < index && !installed {
			c.report("SNAP "+itoa(int(id)), Violation{
				Property: PropStateMachineSafety, Servers: []raft.NodeID{id, by}, Index: index,
				Detail: fmt.Sprintf("server %d has a snapshot after entry %d, but its log up to there is not the committed one%s",
					id, index, c.describeAt(by, index)),
			})
		}
	default:
		c.report("SNAP "+itoa(int(id)), Violation{
			Property: PropStateMachineSafety, Servers: []raft.NodeID{id}, Index: index,
			Detail: fmt.Sprintf("server %d has a snapshot after entry %d, but only entries up to %d are committed", id, index, c.commitLen()),
		})
		ph = mix(fnvOffset64, index)
	}
	st.ph = phLog{base: index, h: append(make([]uint64, 0, len(ents)+1), ph)}
	st.pinned = 0
	for i := range ents {
		if e := &ents[i]; e.Index > index {
			c.logChanged(id, 0, ents[i:], false)
			break
		}
	}
	c.trim()
	return ph
}

// trimSlack is how far the checks' common floor must move before trim
// copies their arrays: the copy is paid once per trimSlack entries.
const trimSlack = 4096

// trim drops the front of lm, commitPH and appliedPH up to just before
// the lowest index any server's log (its snapshot) begins at: the long
// run's memory then follows the servers' compacted logs, not the whole
// history of the run. A server that never compacts (or a new one, whose
// log begins at 0) holds the floor down.
func (c *checker) trim() {
	floor := uint64(1<<64 - 1)
	for i := range c.srv {
		floor = min(floor, c.srv[i].ph.base)
	}
	if floor == 0 || floor-1 < c.base+trimSlack {
		return
	}
	k := min(floor-1-c.base, uint64(len(c.lm)), uint64(len(c.commitPH)), uint64(len(c.appliedPH)))
	c.lm = append([]lmRec(nil), c.lm[k:]...)
	c.commitPH = append([]uint64(nil), c.commitPH[k:]...)
	c.commitBy = append([]int32(nil), c.commitBy[k:]...)
	c.appliedPH = append([]uint64(nil), c.appliedPH[k:]...)
	c.appliedBy = append([]int32(nil), c.appliedBy[k:]...)
	c.base += k
}

// push appends v to s, doubling its array when it is full. The checks'
// arrays grow by one entry per index (per server, for the prefix
// hashes), and append grows a long slice by a quarter at a time: an hour
// of a 50/s load then allocated about five times their final size, which
// was half of what the run allocated once the disks stopped copying
// entries, and so half of what set the collector going.
func push[T any](s []T, v T) []T {
	if len(s) == cap(s) {
		s = slices.Grow(s, max(16, len(s)))
	}
	return append(s, v)
}

// commitPHAt is commitAt's hash alone; commitByAt its server.
func (c *checker) commitPHAt(i uint64) uint64 { h, _, _ := c.commitAt(i); return h }

func (c *checker) commitByAt(i uint64) raft.NodeID { _, by, _ := c.commitAt(i); return by }

// commitLen returns the highest index seen committed.
func (c *checker) commitLen() uint64 { return c.base + uint64(len(c.commitPH)) }

// commitAt returns the committed log's prefix hash at i and the server that
// first committed i, if the checks still keep it.
func (c *checker) commitAt(i uint64) (uint64, raft.NodeID, bool) {
	if i <= c.base || i > c.commitLen() {
		return 0, raft.None, false
	}
	return c.commitPH[i-1-c.base], raft.NodeID(c.commitBy[i-1-c.base]), true
}

// matchLog checks Log Matching for entry e of server id, whose log prefix
// up to e hashes to p: any other log with an entry of the same index and
// term must have had the same prefix.
func (c *checker) matchLog(id raft.NodeID, e *raft.Entry, p uint64) {
	i := e.Index
	if i <= c.base {
		return // before every snapshot the checks still follow
	}
	for c.base+uint64(len(c.lm)) < i {
		c.lm = push(c.lm, lmRec{})
	}
	r := &c.lm[i-1-c.base]
	if r.term == 0 {
		*r = lmRec{term: e.Term, ph: p, server: int32(id)}
		return
	}
	for r.term != e.Term {
		if r.next == 0 {
			c.lmExtra = append(c.lmExtra, lmRec{term: e.Term, ph: p, server: int32(id)})
			r.next = int32(len(c.lmExtra))
			return
		}
		r = &c.lmExtra[r.next-1]
	}
	if r.ph == p {
		return
	}
	other := raft.NodeID(r.server)
	if other == id {
		// The rule holds across time too: an (index, term) is created once,
		// by the leader of that term, so one server holding two different
		// logs up to it has held two different entries under one name.
		c.report("LM "+itoa(int(id))+" "+itoa(int(id)), Violation{
			Property: PropLogMatching, Servers: []raft.NodeID{id}, Index: i,
			Detail: fmt.Sprintf("server %d has an entry at index %d in term %d, but its log up to it differs from the one it held there before (now %s)",
				id, i, e.Term, describe(e)),
		})
		return
	}
	a, b := min(other, id), max(other, id)
	c.report("LM "+itoa(int(a))+" "+itoa(int(b)), Violation{
		Property: PropLogMatching, Servers: []raft.NodeID{other, id}, Index: i,
		Detail: fmt.Sprintf("servers %d and %d both have an entry at index %d in term %d, but their logs differ up to it%s",
			other, id, i, e.Term, c.firstDifference(other, id, i)),
	})
}

// rebuild makes the checks follow server id's log as disk d holds it: its
// snapshot, then the entries after it (after a crash lost writes that a
// snapshot was among).
func (c *checker) rebuild(id raft.NodeID, d *disk) {
	st := c.ensure(id)
	st.ph = phLog{base: d.snap.Index, h: []uint64{d.snapPH}}
	st.pinned = 0
	c.logChanged(id, 0, d.log(), false)
}

// roleChanged records server id's role and term.
func (c *checker) roleChanged(id raft.NodeID, role raft.Role, term uint64) {
	st := c.ensure(id)
	if st.role == role && st.term == term {
		return
	}
	wasLeader, prevTerm := st.role == raft.Leader, st.term
	st.role, st.term = role, term
	if wasLeader {
		for i, l := range c.curLeaders {
			if l == id {
				c.curLeaders = append(c.curLeaders[:i], c.curLeaders[i+1:]...)
				break
			}
		}
		// Keep the log it led with: later commits are checked against it.
		if rec := c.byTerm[prevTerm]; rec != nil && rec.id == id && rec.ph == nil {
			ph := st.ph
			rec.ph = &ph
			st.pinned = max(st.pinned, st.ph.last()+1)
		}
	}
	if role != raft.Leader {
		return
	}
	c.curLeaders = append(c.curLeaders, id)
	switch rec := c.byTerm[term]; {
	case rec == nil:
		c.addLeader(&leaderRec{term: term, id: id})
	case rec.id != id:
		c.report("ES "+u64(term), Violation{
			Property: PropElectionSafety, Servers: []raft.NodeID{rec.id, id},
			Detail: fmt.Sprintf("servers %d and %d were both leader in term %d", rec.id, id, term),
		})
	case rec.ph != nil:
		// Elected again in the same term, after stepping down (a crash
		// and restart, say): harmless only if it leads on with the log it
		// had, which then holds every entry it made as that term's leader.
		old := rec.ph
		k := old.last()
		want, _ := old.at(k)
		if got, ok := st.ph.at(k); k > st.ph.last() || ok && got != want {
			c.report("ES "+u64(term), Violation{
				Property: PropElectionSafety, Servers: []raft.NodeID{id},
				Detail: fmt.Sprintf("server %d was elected twice in term %d, the second time with a log (last index %d) that does not extend the one it led with before (last index %d)",
					id, term, st.ph.last(), k),
			})
		}
		rec.ph = nil
	}
	// Leader Completeness: the new leader holds every entry committed in
	// an earlier term. An entry committed in this term or a later one (a
	// vote for this term may crawl in after the cluster moved on) binds
	// only the leaders of terms after that one.
	if n := c.committedBefore(term); n > 0 {
		if i, ok := c.missingCommitted(&st.ph, n); !ok {
			c.report("LC "+itoa(int(id))+" "+u64(term), Violation{
				Property: PropLeaderCompleteness, Servers: []raft.NodeID{id, c.commitByAt(i)}, Index: i,
				Detail: fmt.Sprintf("server %d became leader of term %d without committed entry %d%s",
					id, term, i, c.describeAt(c.commitByAt(i), i)),
			})
		}
	}
}

// addLeader inserts rec into c.leaders, keeping them sorted by term.
func (c *checker) addLeader(rec *leaderRec) {
	c.byTerm[rec.term] = rec
	i := len(c.leaders)
	for i > 0 && c.leaders[i-1].term > rec.term {
		i--
	}
	c.leaders = append(c.leaders, nil)
	copy(c.leaders[i+1:], c.leaders[i:])
	c.leaders[i] = rec
}

// committedBefore returns the highest index committed in a term before
// term: the prefix of the log that the leader of term must hold.
func (c *checker) committedBefore(term uint64) uint64 {
	n := uint64(0)
	for _, ti := range c.commitMax {
		if ti.term >= term {
			break
		}
		n = max(n, ti.index)
	}
	return n
}

// noteCommit records that index ci was committed in term; it reports
// whether ci is higher than any index committed in that term before.
func (c *checker) noteCommit(term, ci uint64) bool {
	k := len(c.commitMax)
	for k > 0 && c.commitMax[k-1].term > term {
		k--
	}
	if k > 0 && c.commitMax[k-1].term == term {
		if c.commitMax[k-1].index >= ci {
			return false
		}
		c.commitMax[k-1].index = ci
		return true
	}
	c.commitMax = append(c.commitMax, termIndex{})
	copy(c.commitMax[k+1:], c.commitMax[k:])
	c.commitMax[k] = termIndex{term: term, index: ci}
	return true
}

// missingCommitted checks that the log with prefix hashes ph holds the committed log up to n;
// if not, it returns the first committed index it lacks.
func (c *checker) missingCommitted(ph *phLog, n uint64) (uint64, bool) {
	last := ph.last()
	k := min(last, n)
	if h, ok := ph.at(k); ok && k > c.base && h != c.commitPHAt(k) {
		// Prefix hashes differ from the first differing entry on, so
		// the first difference can be found by bisection (within the
		// window: a snapshot was checked when it was taken).
		lo, hi := max(uint64(1), ph.base, c.base+1), k
		for lo < hi {
			mid := (lo + hi) / 2
			if h, _ := ph.at(mid); h == c.commitPHAt(mid) {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		return lo, false
	}
	if last < n {
		return last + 1, false
	}
	return 0, true
}

// committed records server id's commitIndex (its term is term).
func (c *checker) committed(id raft.NodeID, term uint64, ci uint64) {
	st := c.ensure(id)
	if ci <= st.commit {
		st.commit = ci
		return
	}
	st.commit = ci
	if last := st.ph.last(); ci > last {
		c.report("COMMIT "+itoa(int(id)), Violation{
			Property: PropLogIntegrity, Servers: []raft.NodeID{id}, Index: ci,
			Detail: fmt.Sprintf("server %d committed index %d, past the end of its log (last index %d)", id, ci, last),
		})
		ci = last
	}
	for n := c.commitLen(); n < ci; n++ {
		h, ok := st.ph.at(n + 1)
		if !ok {
			break // inside a snapshot that went past what was seen committed (reported)
		}
		c.commitPH = push(c.commitPH, h)
		c.commitBy = push(c.commitBy, int32(id))
	}
	here, ok := st.ph.at(ci)
	if !ok {
		return // committed inside its snapshot: checked when it was taken
	}
	if ci == 0 || !c.noteCommit(term, ci) {
		return
	}
	// Leader Completeness, the other way round: a leader of a later term
	// elected before this commit was observed (it may have stepped down
	// since) must hold the entry too.
	for k := len(c.leaders) - 1; k >= 0 && c.leaders[k].term > term; k-- {
		rec := c.leaders[k]
		if rec.id == id {
			continue
		}
		ph := rec.ph
		if ph == nil {
			ph = &c.srv[rec.id].ph
		}
		h, held := ph.at(ci)
		if ci > ph.last() || held && h != here {
			c.report("LC "+itoa(int(rec.id))+" "+u64(rec.term), Violation{
				Property: PropLeaderCompleteness, Servers: []raft.NodeID{rec.id, id}, Index: ci,
				Detail: fmt.Sprintf("server %d committed index %d in term %d, but server %d, leader of later term %d, did not hold the same log up to it%s",
					id, ci, term, rec.id, rec.term, c.firstDifference(id, rec.id, ci)),
			})
		}
	}
}

// applied records server id's lastApplied.
func (c *checker) applied(id raft.NodeID, la uint64) {
	st := c.ensure(id)
	if la <= st.applied {
		st.applied = la
		return
	}
	if last := st.ph.last(); la > last {
		c.report("APPLY "+itoa(int(id)), Violation{
			Property: PropLogIntegrity, Servers: []raft.NodeID{id}, Index: la,
			Detail: fmt.Sprintf("server %d applied index %d, past the end of its log (last index %d)", id, la, last),
		})
		la = last
	}
	for i := max(st.applied, st.ph.base, c.base) + 1; i <= la; i++ {
		p, _ := st.ph.at(i)
		if i > c.base+uint64(len(c.appliedPH)) {
			c.appliedPH = push(c.appliedPH, p)
			c.appliedBy = push(c.appliedBy, int32(id))
			continue
		}
		if c.appliedPH[i-1-c.base] == p {
			continue
		}
		// Servers that agreed up to i-1 and differ at i applied different
		// entries at i; report each pair of servers once.
		other := raft.NodeID(c.appliedBy[i-1-c.base])
		a, b := min(other, id), max(other, id)
		c.report("SMS "+itoa(int(a))+" "+itoa(int(b)), Violation{
			Property: PropStateMachineSafety, Servers: []raft.NodeID{other, id}, Index: i,
			Detail: fmt.Sprintf("servers %d and %d applied different entries at index %d%s",
				other, id, i, c.firstDifference(other, id, i)),
		})
	}
	st.applied = la
}

// crashed forgets server id's volatile state.
func (c *checker) crashed(id raft.NodeID) {
	st := c.ensure(id)
	st.commit, st.applied = 0, 0
	c.roleChanged(id, raft.Follower, st.term)
}

// firstDifference describes where the logs of a and b first differ at or
// before index i, from the disks as they are now.
func (c *checker) firstDifference(a, b raft.NodeID, i uint64) string {
	if c.entryOf == nil {
		return ""
	}
	for j := uint64(1); j <= i; j++ {
		ea, oka, ca := c.entryOf(a, j)
		eb, okb, cb := c.entryOf(b, j)
		if ca || cb || oka && okb && entryHash(&ea) == entryHash(&eb) {
			continue // the same, or in a snapshot: nothing to show
		}
		pa, pb := &ea, &eb
		if !oka {
			pa = nil
		}
		if !okb {
			pb = nil
		}
		return fmt.Sprintf(": at index %d server %d has %s, server %d has %s", j, a, describe(pa), b, describe(pb))
	}
	return ""
}

func (c *checker) describeAt(id raft.NodeID, i uint64) string {
	if c.entryOf == nil {
		return ""
	}
	if e, ok, _ := c.entryOf(id, i); ok {
		return " (" + describe(&e) + ")"
	}
	return ""
}

// Violations returns the safety violations seen so far (nil: safe).
func (s *Sim) Violations() []Violation {
	if len(s.check.violations) == 0 {
		return nil
	}
	out := make([]Violation, len(s.check.violations))
	copy(out, s.check.violations)
	return out
}
