package session

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

// Playing a run by hand, one message at a time, as RaftScope and DSLabs
// let a class do: pending shows what is about to happen; deliver, drop and
// timeout make one thing happen now, without moving the clock.

func (s *Session) pending(c lang.Command) render.Result {
	if len(c.Args) > 0 {
		return render.Result{Err: fmt.Errorf("pending: takes no arguments (deliver ID, drop ID and timeout ID act on what it lists)")}
	}
	p := render.Pending{Now: s.sim.Now()}
	fl, ts := s.sim.InFlight(), s.sim.Timers()
	// Merge the two lists, soonest first; a timer goes after the messages
	// due at the same instant (the messages were queued first).
	for len(fl) > 0 || len(ts) > 0 {
		if len(ts) == 0 || (len(fl) > 0 && fl[0].Due <= ts[0].Due) {
			f := fl[0]
			fl = fl[1:]
			m := f.Msg
			p.Items = append(p.Items, render.PendingItem{ID: f.ID, Due: f.Due, Msg: m, Text: s.describeMsg(&m, "→")})
			continue
		}
		t := ts[0]
		ts = ts[1:]
		what := fmt.Sprintf("S%d's election timer (timeout %d fires it now)", t.Server, t.Server)
		if t.Heartbeat {
			what = fmt.Sprintf("S%d's heartbeat timer: the leader sends its heartbeats (timeout %d fires it now)", t.Server, t.Server)
		}
		p.Items = append(p.Items, render.PendingItem{ID: uint64(t.Server), Timer: true, Due: t.Due, Server: t.Server, Heartbeat: t.Heartbeat, Text: what})
	}
	return render.Result{OK: true, Value: p}
}

// messageArg reads which pending message a command means: its id, as
// pending lists it, or a link FROM->TO for the first message due on it.
func (s *Session) messageArg(c lang.Command) (uint64, error) {
	usage := fmt.Sprintf("%s ID, with an id that pending lists, or %s FROM->TO for the next message on that link", c.Name, c.Name)
	if len(c.Args) != 1 {
		return 0, fmt.Errorf("%s: give one message (%s)", c.Name, usage)
	}
	a := c.Args[0]
	if f, ok := number(a); ok {
		if f < 1 || f != math.Trunc(f) || f > 1<<53 {
			return 0, fmt.Errorf("%s: %s is not a message id (%s)", c.Name, s.show(0, a), usage)
		}
		return uint64(f), nil
	}
	spec := strings.ReplaceAll(argText(c), " ", "")
	ends := strings.Split(spec, "->")
	if len(ends) != 2 {
		return 0, fmt.Errorf("%s: %s is not a message id or a link (%s)", c.Name, s.show(0, a), usage)
	}
	var ids [2]raft.NodeID
	for i, e := range ends {
		id, err := s.serverArg(lang.Command{Name: c.Name, Args: []lang.Arg{{Kind: lang.ArgWord, Text: e}}}, 0, false)
		if err != nil {
			return 0, err
		}
		ids[i] = id
	}
	for _, f := range s.sim.InFlight() {
		if f.Msg.From == ids[0] && f.Msg.To == ids[1] {
			return f.ID, nil
		}
	}
	return 0, fmt.Errorf("%s: no message in flight from %d to %d (pending lists them)", c.Name, ids[0], ids[1])
}

func (s *Session) deliver(c lang.Command) render.Result {
	id, err := s.messageArg(c)
	if err != nil {
		return render.Result{Err: err}
	}
	var m raft.Message
	var lost string
	s.showing(func() { m, lost, err = s.sim.DeliverNow(id) })
	if err != nil {
		return render.Result{Err: s.noMessage(c.Name, id, err)}
	}
	if lost != "" {
		return render.Result{OK: true, Value: render.Handled{ID: id, Text: fmt.Sprintf("message %d lost (%s): %s", id, lost, s.describeMsg(&m, "→"))}}
	}
	return render.Result{OK: true, Value: render.Handled{ID: id, Text: fmt.Sprintf("delivered %d: %s", id, s.describeMsg(&m, "→"))}}
}

func (s *Session) drop(c lang.Command) render.Result {
	id, err := s.messageArg(c)
	if err != nil {
		return render.Result{Err: err}
	}
	var m raft.Message
	s.showing(func() { m, err = s.sim.DropNow(id) })
	if err != nil {
		return render.Result{Err: s.noMessage(c.Name, id, err)}
	}
	return render.Result{OK: true, Value: render.Handled{ID: id, Text: fmt.Sprintf("dropped %d: %s", id, s.describeMsg(&m, "→"))}}
}

func (s *Session) noMessage(cmd string, id uint64, err error) error {
	if errors.Is(err, sim.ErrNoSuchMessage) {
		return fmt.Errorf("%s: no message %d in flight (it was delivered or lost, or never sent; pending lists the messages in flight)", cmd, id)
	}
	return fmt.Errorf("%s: %v", cmd, err)
}

func (s *Session) timeout(c lang.Command) render.Result {
	if len(c.Args) != 1 {
		return render.Result{Err: fmt.Errorf("timeout: give one server (try timeout 1)")}
	}
	id, err := s.serverArg(c, 0, true)
	if err != nil {
		return render.Result{Err: err}
	}
	var hb bool
	now := s.sim.Now()
	s.showing(func() { hb, err = s.sim.FireTimer(id) })
	if err == nil {
		s.fired = append(s.fired, firedTimer{at: now, id: id})
	}
	if err != nil {
		if errors.Is(err, sim.ErrServerDown) {
			return render.Result{Err: fmt.Errorf("timeout: server %d is down (restart %d first)", id, id)}
		}
		return render.Result{Err: err}
	}
	if hb {
		return render.Result{OK: true, Value: render.Handled{ID: uint64(id), Text: fmt.Sprintf("S%d is the leader: its heartbeat timer fired (a leader has no election timer)", id)}}
	}
	return render.Result{OK: true, Value: render.Handled{ID: uint64(id), Text: fmt.Sprintf("S%d's election timer fired", id)}}
}

// showing runs f with every event shown, as step does: a step taken by
// hand shows what it caused.
func (s *Session) showing(f func()) {
	s.stepping = true
	s.updateListener()
	defer func() {
		s.stepping = false
		s.updateListener()
	}()
	f()
}

// firedTimer is a timer fired by hand, for why to say so.
type firedTimer struct {
	at time.Duration
	id raft.NodeID
}

// firedByHand says whether server id's timer was fired by hand at t.
func (s *Session) firedByHand(id raft.NodeID, t time.Duration) bool {
	return slices.Contains(s.fired, firedTimer{at: t, id: id})
}
