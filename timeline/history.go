package timeline

import (
	"fmt"
	"io"
	"time"

	"raftsim/check"
	"raftsim/raft"
	"raftsim/sim"
)

// WriteHistory draws the client history as a page of its own, with what
// the linearizability check found: the same lanes, times and names as the
// timeline (a lane per client, operations from call to return, the server
// that answered; a lane per server showing when it was down; the network),
// and for each key the order the check put its operations in, or where
// no order fits. It replaces porcupine's own page, which draws time
// warped, numbers clients from 0 and lets labels overlap.
func WriteHistory(w io.Writer, in Input, budget check.Budget) error {
	d, err := BuildHistory(in, budget)
	if err != nil {
		return err
	}
	return WriteData(w, d)
}

// BuildHistory is the data of WriteHistory.
func BuildHistory(in Input, budget check.Budget) (Data, error) {
	ops := sim.CheckOperations(in.History)
	if len(ops) != len(in.History) {
		return Data{}, fmt.Errorf("timeline: %d history operations, %d checked", len(in.History), len(ops))
	}
	places, lin, err := check.Placements(ops, budget)
	if err != nil {
		return Data{}, err
	}
	b := &builder{strs: map[string]int{}, lanes: map[raft.NodeID]int{}, types: map[raft.MsgType]int{}, servers: map[raft.NodeID]sim.ServerInfo{}}
	d := &b.d
	d.Mode, d.Title, d.Seed, d.End = "history", in.Title, in.Seed, int64(in.Now)
	d.Roles, d.Marks, d.Cats = roleNames, markNames, catNames
	d.Verdict, d.BadKeys = lin.String(), lin.BadKeys
	// Only the lanes matter here, not what the trace holds.
	b.addLanes(Input{Servers: in.Servers, History: in.History})
	b.network(in)
	b.upDown(in)
	b.ops(in)
	for i := range in.History {
		d.Ops.Order = append(d.Ops.Order, places[i].Order)
		d.Ops.State = append(d.Ops.State, b.str(places[i].State))
	}
	return *d, nil
}

// upDown draws each server as up or down over the whole run, from the
// fault record.
func (b *builder) upDown(in Input) {
	st := map[raft.NodeID]*laneState{}
	for _, si := range in.Servers {
		st[si.ID] = &laneState{open: true, role: roleUp, lead: raft.None}
	}
	for _, f := range in.Faults {
		s := st[f.Node]
		if s == nil {
			continue
		}
		role := roleUp
		if f.Kind == sim.EvCrash {
			role = roleDown
		} else if f.Kind != sim.EvRestart {
			continue
		}
		b.band(f.Node, s, f.Time)
		s.since, s.role = f.Time, role
		if f.Kind == sim.EvCrash {
			b.point(f.Node, f.Time, "crash", fmt.Sprintf("S%d crashed (its disk is kept)", f.Node))
		} else {
			b.point(f.Node, f.Time, "restart", fmt.Sprintf("S%d restarted from its disk", f.Node))
		}
	}
	for _, si := range in.Servers {
		b.band(si.ID, st[si.ID], in.Now)
	}
}

func (b *builder) point(id raft.NodeID, at time.Duration, kind, text string) {
	p := &b.d.Points
	p.Lane = append(p.Lane, b.lane(id))
	p.T = append(p.T, int64(at))
	p.Kind = append(p.Kind, markKind(kind))
	p.V = append(p.V, 0)
	p.Text = append(p.Text, b.str(text))
}
