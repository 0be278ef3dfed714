package main

import (
	"errors"
	"fmt"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// silent is a raft.Logger that drops everything (etcd raft logs every
// election at info level).
type silent struct{ raft.Logger }

func (silent) Debug(...any)                {}
func (silent) Debugf(string, ...any)       {}
func (silent) Info(...any)                 {}
func (silent) Infof(string, ...any)        {}
func (silent) Warning(...any)              {}
func (silent) Warningf(string, ...any)     {}
func (silent) Error(...any)                {}
func (silent) Errorf(string, ...any)       {}
func (s silent) Fatal(v ...any)            { panic(fmt.Sprint(v...)) }
func (s silent) Fatalf(f string, v ...any) { panic(fmt.Sprintf(f, v...)) }
func (s silent) Panic(v ...any)            { panic(fmt.Sprint(v...)) }
func (s silent) Panicf(f string, v ...any) { panic(fmt.Sprintf(f, v...)) }

// etcdNode is one voter: the RawNode, its storage and what it applied.
type etcdNode struct {
	rn      *raft.RawNode
	storage *raft.MemoryStorage
	applied int // proposals applied (entries with data)
}

// runEtcd drives n RawNodes in one goroutine: each Ready is persisted to
// MemoryStorage, its committed entries applied and its messages queued;
// the queue is delivered in order, at once. Node 1 campaigns and leads.
func runEtcd(n, k, w int) (result, error) {
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	nodes := make(map[uint64]*etcdNode, n)
	for _, id := range ids {
		st := raft.NewMemoryStorage()
		// Every voter starts from the same configuration at index 1.
		if err := st.ApplySnapshot(raftpb.Snapshot{Metadata: raftpb.SnapshotMetadata{Index: 1, Term: 1, ConfState: raftpb.ConfState{Voters: ids}}}); err != nil {
			return result{}, err
		}
		rn, err := raft.NewRawNode(&raft.Config{
			ID: id, ElectionTick: 10, HeartbeatTick: 1, Storage: st,
			MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 256, Logger: silent{},
		})
		if err != nil {
			return result{}, err
		}
		nodes[id] = &etcdNode{rn: rn, storage: st}
	}
	var queue []raftpb.Message
	step := func() {
		for _, id := range ids {
			nd := nodes[id]
			for nd.rn.HasReady() {
				rd := nd.rn.Ready()
				if !raft.IsEmptyHardState(rd.HardState) {
					_ = nd.storage.SetHardState(rd.HardState)
				}
				_ = nd.storage.Append(rd.Entries)
				queue = append(queue, rd.Messages...)
				for _, e := range rd.CommittedEntries {
					if e.Type == raftpb.EntryNormal && len(e.Data) > 0 {
						nd.applied++
					}
				}
				nd.rn.Advance(rd)
			}
		}
	}
	deliver := func() bool {
		if len(queue) == 0 {
			return false
		}
		msgs := queue
		queue = nil
		for _, m := range msgs {
			_ = nodes[m.To].rn.Step(m)
		}
		return true
	}
	leader := nodes[1]
	if err := leader.rn.Campaign(); err != nil {
		return result{}, err
	}
	for {
		step()
		if !deliver() {
			break
		}
	}
	if leader.rn.Status().RaftState != raft.StateLeader {
		return result{}, errors.New("node 1 did not become leader")
	}

	data := []byte("set k 1") // a command of the size raftsim's bench sends
	start := time.Now()
	proposed := 0
	for proposed < w && proposed < k {
		if err := leader.rn.Propose(data); err != nil {
			return result{}, err
		}
		proposed++
	}
	for {
		before := leader.applied
		step()
		for i := before; i < leader.applied && proposed < k; i++ {
			if err := leader.rn.Propose(data); err != nil {
				return result{}, err
			}
			proposed++
		}
		if leader.applied != before {
			step()
		}
		if !deliver() {
			break
		}
	}
	wall := time.Since(start)
	for _, id := range ids {
		if nodes[id].applied != k {
			return result{}, fmt.Errorf("node %d applied %d of %d", id, nodes[id].applied, k)
		}
	}
	return result{commits: k, wall: wall}, nil
}
