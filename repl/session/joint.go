package session

import (
	"fmt"
	"strconv"
	"strings"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

// changeConfig runs `changeConfig +A +B -C ...`: any change of membership at
// once, through the joint configuration C_old,new (§6, dissertation §4.3).
// The JavaScript form t.changeConfig({ add: [3, 4], remove: [0] }) is the
// same change.
func (s *Session) changeConfig(c lang.Command) render.Result {
	const usage = "give the servers to add and remove: changeConfig +3 +4 +5 -0 -1 -2"
	if len(s.sim.Servers()) == 0 {
		return render.Result{Err: fmt.Errorf("changeConfig: there is no cluster to change yet (start one with: startServers 3)")}
	}
	var add, remove []raft.NodeID
	for i, a := range c.Args {
		var list *[]raft.NodeID
		text := a.Text
		switch strings.ToLower(a.Key) {
		case "add":
			list = &add
		case "remove":
			list = &remove
		case "":
			switch {
			case strings.HasPrefix(text, "+"):
				list, text = &add, text[1:]
			case strings.HasPrefix(text, "-"):
				list, text = &remove, text[1:]
			default:
				return render.Result{Err: fmt.Errorf("changeConfig: %s: say whether to add it (+%s) or remove it (-%s); %s", s.show(i, a), text, text, usage)}
			}
		default:
			return render.Result{Err: fmt.Errorf("changeConfig: unknown option %q (%s)", a.Key, usage)}
		}
		for _, f := range strings.Split(text, ",") {
			id, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || id < 0 {
				return render.Result{Err: fmt.Errorf("changeConfig: %s is not a server id (%s)", s.show(i, a), usage)}
			}
			*list = append(*list, raft.NodeID(id))
		}
	}
	if len(add)+len(remove) == 0 {
		return render.Result{Err: fmt.Errorf("changeConfig: %s", usage)}
	}
	r, err := s.sim.ChangeConfig(add, remove, sim.ServerOptions{})
	if err != nil {
		return render.Result{Err: simErr("changeConfig", err)}
	}
	v := render.MemberStatus{Op: "changeConfig", ID: raft.None, Status: r.Status}
	if r.Status != raft.StatusOK {
		return render.Result{Value: v, Err: fmt.Errorf("changeConfig: %s: %s", r.Status, s.refusal("changeConfig", raft.None, r))}
	}
	for _, id := range remove {
		s.removed[id] = true
	}
	for _, id := range add {
		delete(s.removed, id)
	}
	return render.Result{OK: true, Value: v}
}

// addLearner runs `addLearner ID`: a new server (empty disk) that receives
// the log and never votes (dissertation §4.2.1).
func (s *Session) addLearner(c lang.Command) render.Result {
	return s.join(c, "addLearner", s.sim.AddLearner)
}

// promote runs `promote ID`: the learner ID becomes a voter, through the log.
func (s *Session) promote(c lang.Command) render.Result {
	return s.onServer(c, "promote", "one learner", "promote 3", true, s.sim.Promote)
}
