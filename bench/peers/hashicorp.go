package main

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// countFSM counts the commands it applies.
type countFSM struct{ applied atomic.Int64 }

func (f *countFSM) Apply(*raft.Log) any { f.applied.Add(1); return nil }

func (f *countFSM) Snapshot() (raft.FSMSnapshot, error) { return nil, errors.New("no snapshots") }

func (f *countFSM) Restore(io.ReadCloser) error { return errors.New("no snapshots") }

// runHashicorp runs n nodes on the in-memory transport and stores; node 0
// bootstraps the cluster. w goroutines apply through the leader, each one
// command after another.
func runHashicorp(n, k, w int) (result, error) {
	type node struct {
		r   *raft.Raft
		fsm *countFSM
		tr  *raft.InmemTransport
	}
	nodes := make([]node, n)
	var servers []raft.Server
	for i := range nodes {
		addr, tr := raft.NewInmemTransport(raft.ServerAddress(fmt.Sprintf("n%d", i)))
		nodes[i].tr, nodes[i].fsm = tr, &countFSM{}
		servers = append(servers, raft.Server{ID: raft.ServerID(addr), Address: addr})
	}
	for i := range nodes {
		for j := range nodes {
			if i != j {
				nodes[i].tr.Connect(nodes[j].tr.LocalAddr(), nodes[j].tr)
			}
		}
	}
	logger := hclog.New(&hclog.LoggerOptions{Output: io.Discard, Level: hclog.Off})
	for i := range nodes {
		c := raft.DefaultConfig()
		c.LocalID = servers[i].ID
		c.Logger = logger
		// Long timeouts: the library's 1 s default (and anything shorter)
		// loses the leadership mid-run on a loaded 2-core machine, whose
		// timer goroutines wait seconds for a core. Heartbeats are sent at
		// a tenth of HeartbeatTimeout; CommitTimeout keeps its default.
		c.HeartbeatTimeout, c.ElectionTimeout, c.LeaderLeaseTimeout = 5*time.Second, 5*time.Second, 2500*time.Millisecond
		store := raft.NewInmemStore()
		if i == 0 {
			if err := raft.BootstrapCluster(c, store, store, raft.NewInmemSnapshotStore(), nodes[i].tr, raft.Configuration{Servers: servers}); err != nil {
				return result{}, err
			}
		}
		r, err := raft.NewRaft(c, nodes[i].fsm, store, store, raft.NewInmemSnapshotStore(), nodes[i].tr)
		if err != nil {
			return result{}, err
		}
		nodes[i].r = r
	}
	defer func() {
		for _, nd := range nodes {
			_ = nd.r.Shutdown().Error()
		}
	}()
	var leader *raft.Raft
	for deadline := time.Now().Add(time.Minute); leader == nil; {
		for _, nd := range nodes {
			if nd.r.State() == raft.Leader {
				leader = nd.r
			}
		}
		if time.Now().After(deadline) {
			return result{}, errors.New("no leader within a minute")
		}
		time.Sleep(time.Millisecond)
	}
	// The bootstrap configuration is an entry too: count from here.
	base := make([]int64, n)
	for i, nd := range nodes {
		_ = nd.r.Barrier(0)
		base[i] = nd.fsm.applied.Load()
	}

	data := []byte("set k 1")
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	for range min(w, k) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(k) {
				if err := leader.Apply(data, 0).Error(); err != nil {
					failed.Store(&err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return result{}, *err
	}
	deadline := time.Now().Add(time.Minute)
	for i, nd := range nodes {
		for nd.fsm.applied.Load()-base[i] < int64(k) {
			if time.Now().After(deadline) {
				return result{}, fmt.Errorf("node %d applied %d of %d a minute after the last answer", i, nd.fsm.applied.Load()-base[i], k)
			}
			time.Sleep(10 * time.Microsecond)
		}
	}
	return result{commits: k, wall: time.Since(start)}, nil
}
