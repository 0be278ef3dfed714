package session

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

const expectUsage = "expect leader [ID] | noleader | state ID ROLE | value K V [on IDS] | committed I [on IDS] | converged | safe | linearizable"

var predicates = []string{"leader", "noleader", "state", "value", "committed", "converged", "safe", "linearizable"}

func (s *Session) expect(c lang.Command) render.Result {
	if len(c.Args) == 0 {
		return render.Result{Err: fmt.Errorf("expect: give a predicate (%s)", expectUsage)}
	}
	pred := strings.ToLower(c.Args[0].Text)
	var e render.Expectation
	var err error
	switch pred {
	case "leader":
		e, err = s.expectLeader(c)
	case "noleader":
		e, err = s.expectNoLeader(c)
	case "state":
		e, err = s.expectState(c)
	case "value":
		e, err = s.expectValue(c)
	case "committed":
		e, err = s.expectCommitted(c)
	case "converged":
		e, err = s.expectConverged(c)
	case "safe":
		e, err = s.expectSafe(c)
	case "linearizable":
		e, err = s.expectLinearizable(c)
	default:
		return render.Result{Err: fmt.Errorf("expect: unknown predicate %s (%s%s)", s.show(0, c.Args[0]), didYouMean(pred, predicates), expectUsage)}
	}
	if err != nil {
		return render.Result{Err: err}
	}
	e.Pred = strings.TrimSpace(argText(c))
	if !e.Held {
		return render.Result{Value: e, Err: fmt.Errorf("expect %s: expected %s, found %s", e.Pred, e.Expected, e.Found)}
	}
	return render.Result{OK: true, Value: e}
}

// noArgs checks that a predicate has no arguments after its name.
func noArgs(c lang.Command, n int) error {
	if len(c.Args) > n {
		return fmt.Errorf("expect %s: too many arguments (%s)", c.Args[0].Text, expectUsage)
	}
	return nil
}

// briefs returns every server's state without its log and state machine
// (sim.Brief): what the predicates read, except a value (sim.Value).
func (s *Session) briefs() ([]sim.ServerInfo, error) {
	var out []sim.ServerInfo
	for _, id := range s.sim.Servers() {
		in, err := s.sim.Brief(id)
		if err != nil {
			return nil, fmt.Errorf("expect: %v", err)
		}
		out = append(out, in)
	}
	return out, nil
}

// roles describes every server briefly: "S0 follower t2, S1 down".
func roles(ins []sim.ServerInfo) string {
	if len(ins) == 0 {
		return "no servers"
	}
	parts := make([]string, len(ins))
	for i, in := range ins {
		if !in.Up {
			parts[i] = fmt.Sprintf("S%d down", in.ID)
		} else {
			parts[i] = fmt.Sprintf("S%d %s t%d", in.ID, in.Role, in.Term)
		}
	}
	return strings.Join(parts, ", ")
}

// topLeaders returns the live leaders of the highest term any live leader
// has. A deposed leader cut off in an older term does not count once a
// newer one exists.
func topLeaders(ins []sim.ServerInfo) []sim.ServerInfo {
	var top []sim.ServerInfo
	for _, in := range ins {
		if !in.Up || in.Role != raft.Leader {
			continue
		}
		switch {
		case len(top) == 0 || in.Term > top[0].Term:
			top = []sim.ServerInfo{in}
		case in.Term == top[0].Term:
			top = append(top, in)
		}
	}
	return top
}

func (s *Session) expectLeader(c lang.Command) (render.Expectation, error) {
	if err := noArgs(c, 2); err != nil {
		return render.Expectation{}, err
	}
	ins, err := s.briefs()
	if err != nil {
		return render.Expectation{}, err
	}
	want := raft.None
	e := render.Expectation{Expected: "exactly one leader in the highest term, with a majority behind it"}
	if len(c.Args) == 2 {
		if want, err = s.serverArg(lang.Command{Name: "expect leader", Args: c.Args[1:]}, 0, true); err != nil {
			return render.Expectation{}, err
		}
		e.Expected = fmt.Sprintf("S%d to be the leader", want)
	}
	top := topLeaders(ins)
	lid, working := s.sim.LeaderID(false)
	switch {
	case len(top) > 1:
		ids := make([]raft.NodeID, len(top))
		for i, in := range top {
			ids[i] = in.ID
		}
		e.Found = fmt.Sprintf("%d leaders in term %d: %s", len(top), top[0].Term, render.JoinIDs(ids, ", "))
	case !working && len(top) == 0:
		e.Found = "no leader (" + roles(ins) + ")"
	case !working:
		e.Found = fmt.Sprintf("no working leader: S%d leads term %d but %s behind it", top[0].ID, top[0].Term, backersText(s.sim.Backers(top[0].ID)))
	case len(top) == 1 && top[0].ID != lid:
		e.Found = fmt.Sprintf("S%d leads term %d, yet S%d (term %d) still has a majority behind it", top[0].ID, top[0].Term, lid, s.infoTerm(lid))
	default:
		e.Found = fmt.Sprintf("S%d is leader in term %d", lid, s.infoTerm(lid))
		e.Held = want == raft.None || lid == want
	}
	return e, nil
}

// backersText says who stands behind a leader that lacks a majority:
// "only S1 stands", "only S0, S2 stand".
func backersText(ids []raft.NodeID) string {
	switch len(ids) {
	case 0:
		return "no server stands"
	case 1:
		return fmt.Sprintf("only S%d stands", ids[0])
	}
	return "only S" + render.JoinIDs(ids, ", S") + " stand"
}

func (s *Session) infoTerm(id raft.NodeID) uint64 {
	in, err := s.sim.Brief(id)
	if err != nil {
		return 0
	}
	return in.Term
}

func (s *Session) expectNoLeader(c lang.Command) (render.Expectation, error) {
	if err := noArgs(c, 1); err != nil {
		return render.Expectation{}, err
	}
	ins, err := s.briefs()
	if err != nil {
		return render.Expectation{}, err
	}
	e := render.Expectation{Expected: "no leader with a live majority behind it", Held: true, Found: "none (" + roles(ins) + ")"}
	if lid, ok := s.sim.LeaderID(false); ok {
		in, _ := s.sim.Brief(lid)
		behind := s.sim.Backers(lid)
		e.Held = false
		e.Found = fmt.Sprintf("S%d is leader in term %d with %d of %d servers behind it (%s)", lid, in.Term, len(behind), len(in.Config), render.JoinIDs(behind, ", "))
	}
	return e, nil
}

func (s *Session) expectState(c lang.Command) (render.Expectation, error) {
	roleNames := []string{"leader", "follower", "candidate", "pre-candidate", "down"}
	if len(c.Args) != 3 {
		return render.Expectation{}, fmt.Errorf("expect state: give a server and a role (try expect state 0 follower; roles: %s)", strings.Join(roleNames, ", "))
	}
	id, err := s.serverArg(lang.Command{Name: "expect state", Args: c.Args[1:2]}, 0, true)
	if err != nil {
		return render.Expectation{}, err
	}
	role := strings.ToLower(c.Args[2].Text)
	if !slices.Contains(roleNames, role) {
		return render.Expectation{}, fmt.Errorf("expect state: unknown role %q (%sroles: %s)", c.Args[2].Text, didYouMean(role, roleNames), strings.Join(roleNames, ", "))
	}
	in, err := s.sim.Brief(id)
	if err != nil {
		return render.Expectation{}, fmt.Errorf("expect state: %v", err)
	}
	got := "down"
	if in.Up {
		got = in.Role.String()
	}
	return render.Expectation{Expected: fmt.Sprintf("S%d %s", id, role), Found: fmt.Sprintf("S%d %s (term %d)", id, got, in.Term), Held: got == role}, nil
}

// targets reads an optional `on IDS` tail starting at argument i; without
// it, the targets are the live servers. Their logs and state machines are
// not read.
func (s *Session) targets(c lang.Command, i int, name string) ([]sim.ServerInfo, error) {
	var ids []raft.NodeID
	listed := false
	if len(c.Args) > i {
		if !strings.EqualFold(c.Args[i].Text, "on") || len(c.Args) == i+1 {
			return nil, fmt.Errorf("expect %s: unexpected %s (to name servers: expect %s ... on 0,1)", name, s.show(i, c.Args[i]), name)
		}
		var err error
		if ids, err = s.idList(lang.Command{Name: "expect " + name}, c.Args[i+1:], true); err != nil {
			return nil, err
		}
		listed = true
	}
	ins, err := s.briefs()
	if err != nil {
		return nil, err
	}
	var out []sim.ServerInfo
	for _, in := range ins {
		if (listed && slices.Contains(ids, in.ID)) || (!listed && in.Up) {
			out = append(out, in)
		}
	}
	return out, nil
}

// sameValue compares two canonical JSON values; "" (absent) equals null.
func sameValue(a, b raft.Value) bool {
	if a == "" {
		a = "null"
	}
	if b == "" {
		b = "null"
	}
	if a == b {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return fmt.Sprintf("%#v", x) == fmt.Sprintf("%#v", y)
}

func (s *Session) expectValue(c lang.Command) (render.Expectation, error) {
	if len(c.Args) < 3 {
		return render.Expectation{}, fmt.Errorf("expect value: give a key and a value (try expect value a 1, or expect value a 1 on 0,1)")
	}
	key, want := c.Args[1].Text, valueArg(c.Args[2])
	ts, err := s.targets(c, 3, "value")
	if err != nil {
		return render.Expectation{}, err
	}
	e := render.Expectation{Expected: fmt.Sprintf("%s = %s", key, want), Held: len(ts) > 0}
	var found []string
	for _, in := range ts {
		switch got, ok := s.sim.Value(in.ID, key); {
		case !in.Up:
			e.Held = false
			found = append(found, fmt.Sprintf("S%d down", in.ID))
		case !ok:
			e.Held = e.Held && sameValue(want, "")
			found = append(found, fmt.Sprintf("S%d: no %s", in.ID, key))
		default:
			e.Held = e.Held && sameValue(want, got)
			found = append(found, fmt.Sprintf("S%d: %s", in.ID, got))
		}
	}
	e.Found = strings.Join(found, ", ")
	if len(ts) == 0 {
		e.Found = "no live server to ask"
	}
	return e, nil
}

func (s *Session) expectCommitted(c lang.Command) (render.Expectation, error) {
	if len(c.Args) < 2 {
		return render.Expectation{}, fmt.Errorf("expect committed: give an index (try expect committed 3)")
	}
	idx, err := s.intArg(lang.Command{Name: "expect committed", Args: c.Args[1:2]}, 0, "index", 0, 1<<53, "expect committed 3")
	if err != nil {
		return render.Expectation{}, err
	}
	ts, err := s.targets(c, 2, "committed")
	if err != nil {
		return render.Expectation{}, err
	}
	e := render.Expectation{Expected: fmt.Sprintf("commitIndex >= %d", idx), Held: len(ts) > 0}
	var found []string
	for _, in := range ts {
		if !in.Up {
			e.Held = false
			found = append(found, fmt.Sprintf("S%d down", in.ID))
			continue
		}
		e.Held = e.Held && in.CommitIndex >= uint64(idx)
		found = append(found, fmt.Sprintf("S%d: %d", in.ID, in.CommitIndex))
	}
	e.Found = strings.Join(found, ", ")
	if len(ts) == 0 {
		e.Found = "no live server to ask"
	}
	return e, nil
}

func (s *Session) expectConverged(c lang.Command) (render.Expectation, error) {
	if err := noArgs(c, 1); err != nil {
		return render.Expectation{}, err
	}
	ok, why := s.sim.Converged()
	found := why
	if ok && found == "" {
		found = "identical logs and state machines"
	}
	return render.Expectation{Expected: "all live, connected servers identical", Found: found, Held: ok}, nil
}

func (s *Session) expectSafe(c lang.Command) (render.Expectation, error) {
	if err := noArgs(c, 1); err != nil {
		return render.Expectation{}, err
	}
	vs := s.sim.Violations()
	e := render.Expectation{Expected: "no safety violation", Held: len(vs) == 0, Found: "no violation so far"}
	if len(vs) > 0 {
		parts := make([]string, 0, 3)
		for i, v := range vs {
			if i == 3 {
				parts = append(parts, fmt.Sprintf("and %d more", len(vs)-3))
				break
			}
			parts = append(parts, render.DescribeViolation(v))
		}
		e.Found = strings.Join(parts, "; ")
	}
	return e, nil
}
