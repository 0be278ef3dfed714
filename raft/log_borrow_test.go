package raft

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Logs that lend their arrays to each other (a follower's log borrows the
// entries of an AppendEntries, appendAll) never write into what another
// holds: servers lead in turn, append entries of their own, send stretches
// of their logs that the receivers check and append as handleApp does
// (dropping a conflicting suffix, §5.3), compact (§7), are reset by a
// snapshot and hand entries out for the disk, over chunk boundaries. After
// every step each log holds what a flat model of it says, and every slice
// ever sent or handed out reads as its copy taken then: an entry written
// into an array shared with another log or a message would show in one or
// the other.
func TestBorrowedLogsNeverWriteIntoEachOther(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		borrowedLogsRun(t, seed)
	}
}

func borrowedLogsRun(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 21))
	const servers = 4
	logs := make([]*raftLog, servers)
	model := make([][]Entry, servers) // model[i][k] is entry offset+1+k of logs[i]
	for i := range logs {
		logs[i] = &raftLog{}
	}
	type sent struct {
		es, was []Entry
	}
	var out []sent
	keep := func(es []Entry) {
		if len(es) > 0 {
			out = append(out, sent{es, append([]Entry(nil), es...)})
		}
	}
	stamp := time.Duration(0) // makes every entry ever created distinct
	newEntry := func(index, term uint64) Entry {
		stamp++
		return Entry{Index: index, Term: term, Time: stamp}
	}
	term := uint64(1)
	lead := 0
	for step := 0; step < 2000; step++ {
		l := logs[lead]
		switch x := r.IntN(100); {
		case x < 35: // the leader appends
			k := 1 + r.IntN(8)
			if r.IntN(50) == 0 {
				k = chunkSize/2 + r.IntN(chunkSize)
			}
			for range k {
				e := newEntry(l.lastIndex()+1, term)
				l.append(e)
				model[lead] = append(model[lead], e)
			}
		case x < 80: // the leader sends a stretch of its log to a follower
			f := r.IntN(servers)
			if f == lead {
				break
			}
			fl := logs[f]
			// The latest index where both logs agree, from which the
			// leader sends (the consistency check, §5.3), or a little
			// before it (a resend of entries the follower has).
			floor := max(fl.offset, l.offset)
			prev := min(fl.lastIndex(), l.lastIndex())
			for prev > floor && fl.term(prev) != l.term(prev) {
				prev--
			}
			if prev < floor || fl.term(prev) != l.term(prev) || prev >= l.lastIndex() {
				break
			}
			prev -= min(prev-floor, uint64(r.IntN(3)))
			hi := min(l.lastIndex(), prev+1+uint64(r.IntN(40)))
			var es []Entry
			if r.IntN(5) == 0 {
				es = l.sliceAll(prev+1, hi)
			} else {
				es = l.slice(prev+1, hi)
			}
			keep(es)
			for i, e := range es {
				if e.Index <= fl.lastIndex() {
					if fl.term(e.Index) == e.Term {
						continue
					}
					fl.truncate(e.Index)
					model[f] = model[f][:e.Index-fl.offset-1]
				}
				fl.appendAll(es[i:])
				model[f] = append(model[f], es[i:]...)
				break
			}
		case x < 88: // a Ready hands out the log's tail
			if l.lastIndex() > l.offset {
				lo := l.offset + 1 + uint64(r.IntN(int(l.lastIndex()-l.offset)))
				keep(l.sliceAll(lo, l.lastIndex()))
			}
		case x < 93: // another server leads in a later term
			term++
			lead = r.IntN(servers)
		case x < 97: // a server compacts its log
			i := r.IntN(servers)
			if li := logs[i]; li.lastIndex() > li.offset {
				to := li.offset + 1 + uint64(r.IntN(int(li.lastIndex()-li.offset)))
				model[i] = model[i][to-li.offset:]
				li.compact(to)
			}
		default: // a follower installs the leader's snapshot
			f := r.IntN(servers)
			if f != lead && l.lastIndex() > l.offset && l.lastIndex() > logs[f].lastIndex() {
				at := l.offset + 1 + uint64(r.IntN(int(l.lastIndex()-l.offset)))
				logs[f].reset(at, l.term(at))
				model[f] = nil
			}
		}
		if step%20 != 0 && step != 1999 {
			continue
		}
		for i, li := range logs {
			require.Equal(t, append([]Entry{}, model[i]...), li.all(), "seed %d step %d: server %d's log", seed, step, i)
		}
		if step%50 == 0 || step == 1999 {
			for k := range out {
				require.Equal(t, out[k].was, out[k].es, "seed %d step %d: a slice sent or handed out was written to", seed, step)
			}
		}
	}
}
