package raft

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// sendOrderError checks a leader's send order (progressTable.sent): the
// list holds each follower of n.peers once, and no one else (not the
// leader, no progress dropped from the table), its links agree both ways,
// it runs least recently sent first, and, when overdue is set, no
// follower has gone more than a heartbeat interval without a message
// (§5.2), as a leader ticked at its deadlines must keep it.
func sendOrderError(n *Node, overdue bool) error {
	seen := map[NodeID]bool{}
	var prev *progress
	for pr := n.prs.head; pr != nil; pr = pr.sentNext {
		switch {
		case pr.sentPrev != prev:
			return fmt.Errorf("%d's back link is wrong", pr.id)
		case prev != nil && prev.lastSent > pr.lastSent:
			return fmt.Errorf("%d (sent %v) is listed before %d (sent %v)", prev.id, prev.lastSent, pr.id, pr.lastSent)
		case seen[pr.id] || pr.id == n.id || n.prs.get(pr.id) != pr:
			return fmt.Errorf("%d is listed twice, is the leader or is not in the table", pr.id)
		case overdue && n.now-pr.lastSent > n.cfg.HeartbeatInterval:
			return fmt.Errorf("%d was last sent a message at %v, now is %v", pr.id, pr.lastSent, n.now)
		}
		seen[pr.id] = true
		prev = pr
	}
	if prev != n.prs.tail {
		return fmt.Errorf("the tail is not the last listed")
	}
	if len(seen) != len(n.peers) {
		return fmt.Errorf("%d listed, %d peers %v", len(seen), len(n.peers), n.peers)
	}
	for _, id := range n.peers {
		if !seen[id] {
			return fmt.Errorf("peer %d is not listed", id)
		}
	}
	return nil
}

// The send order that finds the next heartbeat due in O(1) stays one list
// of exactly the leader's followers through what changes them: servers
// added and removed (the leader among them), learners added and
// promoted, joint changes, crashes, restarts, isolation, leaders stepping
// down and new ones elected, with each protocol; and a leader ticked at
// its deadlines never leaves a follower an interval without a message.
func TestSendOrderFollowsMembership(t *testing.T) {
	protos := []protocol{{}, {preVote: true, checkQuorum: true}, {preVote: true, checkQuorum: true, leaseRead: true}}
	for seed := uint64(1); seed <= 24; seed++ {
		r := rand.New(rand.NewPCG(seed, 17))
		tn := newTestNetProto(t, idsUpTo(3), Rules{}, protos[seed%3])
		tn.snapThreshold = []uint64{0, 8, 30}[seed%3]
		check := func(step int, what string, overdue bool) {
			for _, id := range tn.ids() {
				if n := tn.nodes[id]; n.Role() == Leader {
					if err := sendOrderError(n, overdue); err != nil {
						t.Fatalf("seed %d step %d (%s): leader %d term %d: %v", seed, step, what, id, n.Term(), err)
					}
				}
			}
		}
		tn.onReady = func(id NodeID, _ *Ready) {
			if n := tn.nodes[id]; n != nil && n.Role() == Leader {
				if err := sendOrderError(n, false); err != nil {
					t.Fatalf("seed %d: leader %d term %d, at a Ready: %v", seed, id, n.Term(), err)
				}
			}
		}
		next := NodeID(3)
		leader := func() NodeID {
			for _, id := range tn.ids() {
				if tn.nodes[id].Role() == Leader {
					return id
				}
			}
			return None
		}
		for step := range 150 {
			ids := tn.ids()
			id := ids[r.IntN(len(ids))]
			what := ""
			switch k := r.IntN(20); {
			case k < 6:
				what = "request"
				if l := leader(); l != None {
					tn.request(l, set("k", Value(fmt.Sprint(step))))
				}
			case k < 9:
				what = "advance"
			case k < 10:
				what = fmt.Sprintf("crash and restart %d", id)
				tn.crash(id)
				tn.advance(time.Duration(r.IntN(200)) * time.Millisecond)
				if _, ok := tn.disks[id]; ok {
					tn.start(id)
				}
			case k < 11:
				what = fmt.Sprintf("isolate %d", id)
				tn.isolate(id, true)
				tn.advance(time.Duration(r.IntN(400)) * time.Millisecond)
				tn.isolate(id, false)
			case k < 13:
				add, kind := addServer, "add"
				if k == 12 {
					add, kind = addLearner, "add learner"
				}
				what = fmt.Sprintf("%s %d", kind, next)
				if l := leader(); l != None && len(ids) < 7 {
					tn.joining(next)
					tn.request(l, add(next))
					next++
				}
			case k < 14:
				what = fmt.Sprintf("promote %d", id)
				if l := leader(); l != None {
					tn.request(l, promote(id))
				}
			case k < 16:
				what = fmt.Sprintf("remove %d", id)
				if l := leader(); l != None && len(ids) > 3 {
					tn.request(l, removeServer(id)) // the leader itself, now and then
				}
			case k < 17:
				what = "joint change"
				if l := leader(); l != None && len(ids) > 3 && len(ids) < 7 {
					tn.joining(next)
					tn.request(l, changeConfig([]NodeID{next}, []NodeID{id}))
					next++
				}
			default:
				what = fmt.Sprintf("%d times out", id)
				tn.fire(id)
				tn.deliver()
			}
			tn.deliver()
			check(step, what, false)
			tn.advance(time.Duration(1+r.IntN(120)) * time.Millisecond)
			check(step, what+", then time", true)
		}
	}
}
