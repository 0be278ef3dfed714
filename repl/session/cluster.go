package session

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"raftsim/bugs"
	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

func bugList() []string { return bugs.Names() }

const serverOptionsHelp = "options: debug, verbose, electionTimeout=300ms (or MIN-MAX: 150ms-155ms), heartbeatTime=50ms, preVote=true|false, checkQuorum=true|false, classic, leaseRead=true|false, maxDrift=5%, snapshotThreshold=N, sessionTimeout=D, bug=NAME"

// maxSnapshotThreshold bounds snapshotThreshold: past a billion entries a
// run never reaches it.
const maxSnapshotThreshold = 1_000_000_000

// maxSessionTimeout bounds sessionTimeout: a week of virtual time.
const maxSessionTimeout = 7 * 24 * time.Hour

// serverOpts reads the options shared by startServers and addServer. The
// positional numbers are returned for the caller to interpret.
func (s *Session) serverOpts(c lang.Command) (o sim.ServerOptions, level int, nums []int, err error) {
	for i, a := range c.Args {
		key := a.Key
		if key == "" {
			if _, ok := number(a); ok && a.Kind != lang.ArgString {
				nums = append(nums, i)
				continue
			}
			if a.Kind != lang.ArgWord {
				return o, 0, nil, fmt.Errorf("%s: unexpected argument %s (%s)", c.Name, s.show(i, a), serverOptionsHelp)
			}
			key, a = a.Text, lang.Arg{Kind: lang.ArgBool, Text: "true"}
		}
		switch strings.ToLower(key) {
		case "debug":
			if truthy(a) {
				level = max(level, render.DebugOn)
			}
		case "verbose":
			if truthy(a) {
				level = render.DebugVerbose
			}
		case "electiontimeout":
			lo, hi, err := s.timeoutRange(c, a)
			if err != nil {
				return o, 0, nil, err
			}
			if lo < minTimerOpt {
				return o, 0, nil, fmt.Errorf("%s electionTimeout: %s is too short (at least %s: shorter, elections follow each other faster than messages cross the network, and the votes alone are more events than a run can process)", c.Name, render.Duration(lo), render.Duration(minTimerOpt))
			}
			o.ElectionTimeout, o.ElectionTimeoutMax = lo, hi
		case "heartbeattime", "heartbeatinterval", "heartbeat":
			d, err := s.durationArg(lang.Command{Name: c.Name + " heartbeatTime", Args: []lang.Arg{a}}, 0, maxTimeoutOpt)
			if err != nil {
				return o, 0, nil, err
			}
			if d < minTimerOpt {
				return o, 0, nil, fmt.Errorf("%s heartbeatTime: %s is too short (at least %s: shorter, the heartbeats alone are more events than a run can process)", c.Name, render.Duration(d), render.Duration(minTimerOpt))
			}
			o.HeartbeatInterval = d
		case "prevote":
			on := truthy(a)
			o.PreVote = &on
		case "checkquorum":
			on := truthy(a)
			o.CheckQuorum = &on
		case "classic":
			// The paper's Figure 2 alone: neither extension.
			on := !truthy(a)
			o.PreVote, o.CheckQuorum = &on, &on
		case "leaseread":
			on := truthy(a)
			o.LeaseRead = &on
		case "maxdrift":
			if o.MaxDriftPPM, err = driftBound(c, a); err != nil {
				return o, 0, nil, err
			}
		case "sessiontimeout":
			d, err := s.durationArg(lang.Command{Name: c.Name + " sessionTimeout", Args: []lang.Arg{a}}, 0, maxSessionTimeout)
			if err != nil {
				return o, 0, nil, err
			}
			if d < time.Millisecond {
				return o, 0, nil, fmt.Errorf("%s sessionTimeout: %s is too short (at least 1ms; leave it out for sessions that never expire)", c.Name, render.Duration(d))
			}
			o.SessionTimeout = d
		case "snapshotthreshold":
			f, ok := number(a)
			if !ok || f != math.Trunc(f) || f < 0 || f > maxSnapshotThreshold {
				return o, 0, nil, fmt.Errorf("%s snapshotThreshold: %s is not a number of entries from 0 (never) to %d (try snapshotThreshold=1000)", c.Name, s.show(i, a), maxSnapshotThreshold)
			}
			t := uint64(f)
			o.SnapshotThreshold = &t
		case "bug":
			b, ok := bugs.Lookup(strings.ToLower(a.Text))
			if !ok {
				return o, 0, nil, fmt.Errorf("%s: unknown bug %q (%sbugs: %s)", c.Name, a.Text, didYouMean(a.Text, bugList()), strings.Join(bugList(), ", "))
			}
			o.Bug = b.Name
		default:
			known := []string{"debug", "verbose", "electionTimeout", "heartbeatTime", "preVote", "checkQuorum", "classic", "leaseRead", "maxDrift", "snapshotThreshold", "sessionTimeout", "bug"}
			return o, 0, nil, fmt.Errorf("%s: unknown option %q (%s%s)", c.Name, key, didYouMean(key, known), serverOptionsHelp)
		}
	}
	o.Debug = level > 0
	return o, level, nums, nil
}

// timeoutRange reads electionTimeout=T (timeouts drawn from [T, 2T)) or
// electionTimeout=MIN-MAX (from [MIN, MAX); constant when MIN = MAX). The
// maximum is 0 for the first form.
func (s *Session) timeoutRange(c lang.Command, a lang.Arg) (lo, hi time.Duration, err error) {
	name := c.Name + " electionTimeout"
	minText, maxText, isRange := strings.Cut(a.Text, "-")
	if !isRange || minText == "" || a.Kind == lang.ArgNumber {
		lo, err = s.durationArg(lang.Command{Name: name, Args: []lang.Arg{a}}, 0, maxTimeoutOpt)
		return lo, 0, err
	}
	if lo, err = s.durationArg(lang.Command{Name: name, Args: []lang.Arg{{Kind: lang.ArgWord, Text: minText}}}, 0, maxTimeoutOpt); err != nil {
		return 0, 0, err
	}
	if hi, err = s.durationArg(lang.Command{Name: name, Args: []lang.Arg{{Kind: lang.ArgWord, Text: maxText}}}, 0, maxTimeoutOpt); err != nil {
		return 0, 0, err
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("%s: range %s: the maximum is below the minimum (write MIN-MAX, e.g. 150ms-300ms)", name, a.Text)
	}
	return lo, hi, nil
}

func (s *Session) startServers(c lang.Command) render.Result {
	o, level, nums, err := s.serverOpts(c)
	if err != nil {
		return render.Result{Err: err}
	}
	n := int64(3)
	switch len(nums) {
	case 0:
	case 1:
		if n, err = s.intArg(c, nums[0], "number of servers", 1, maxServers, "startServers 3"); err != nil {
			return render.Result{Err: err}
		}
	default:
		return render.Result{Err: fmt.Errorf("startServers: give one number of servers, not %d (try startServers 5)", len(nums))}
	}
	if ids := s.sim.Servers(); len(ids) > 0 {
		return render.Result{Err: fmt.Errorf("startServers: servers are already running (servers: %s); add one with addServer %d, or start over with reset", render.JoinIDs(ids, ", "), ids[len(ids)-1]+1)}
	}
	if err := s.sim.StartServers(int(n), o); err != nil {
		return render.Result{Err: simErr("startServers", err)}
	}
	ids := s.sim.Servers()
	if level > 0 {
		for _, id := range ids {
			s.debugServers[id] = level
		}
		s.updateListener()
	}
	return render.Result{OK: true, Value: render.Started{IDs: ids}}
}

func (s *Session) addServer(c lang.Command) render.Result {
	return s.join(c, "addServer", s.sim.AddServer)
}

func (s *Session) removeServer(c lang.Command) render.Result {
	return s.onServer(c, "removeServer", "one server", "removeServer 2", true, s.sim.RemoveServer)
}

// join runs a command that brings a new server (empty disk) into the
// cluster, `op ID [options]`: addServer and addLearner.
func (s *Session) join(c lang.Command, op string, call func(raft.NodeID, sim.ServerOptions) (raft.Response, error)) render.Result {
	o, level, nums, err := s.serverOpts(c)
	if err != nil {
		return render.Result{Err: err}
	}
	if len(nums) != 1 {
		return render.Result{Err: fmt.Errorf("%s: give the id of the new server (try %s %d)", op, op, s.nextID())}
	}
	id, err := s.serverArg(c, nums[0], false)
	if err != nil {
		return render.Result{Err: err}
	}
	if len(s.sim.Servers()) == 0 {
		return render.Result{Err: fmt.Errorf("%s: there is no cluster to join yet (start one with: startServers 3)", op)}
	}
	if level > 0 {
		// Mark it before it exists, so its first events are shown.
		s.debugServers[id] = level
		s.updateListener()
	}
	r, err := call(id, o)
	if err != nil {
		return render.Result{Err: simErr(op, err)}
	}
	return s.memberResult(op, id, r)
}

// onServer runs a membership command on one server, `op ID`: removeServer,
// promote and transferLeadership. want and example make its usage line.
func (s *Session) onServer(c lang.Command, op, want, example string, mustExist bool, call func(raft.NodeID) (raft.Response, error)) render.Result {
	if len(c.Args) != 1 {
		return render.Result{Err: s.usageOne(op, want, example)}
	}
	id, err := s.serverArg(c, 0, mustExist)
	if err != nil {
		return render.Result{Err: err}
	}
	r, err := call(id)
	if err != nil {
		return render.Result{Err: simErr(op, err)}
	}
	return s.memberResult(op, id, r)
}

// usageOne is the usage error of a command on one server.
func (s *Session) usageOne(op, want, example string) error {
	return fmt.Errorf("%s: give the id of %s (try %s; %s)", op, want, example, s.serverList())
}

// memberResult is the result of addServer, removeServer, addLearner,
// promote and transferLeadership (whose OK leaves id a member): OK
// succeeds; every other answer is a refusal, which fails (a script exits
// 1) and says why, while the value stays the status (JSON "result").
func (s *Session) memberResult(op string, id raft.NodeID, r raft.Response) render.Result {
	v := render.MemberStatus{Op: op, ID: id, Status: r.Status}
	if r.Status == raft.StatusOK {
		if op == "removeServer" {
			s.removed[id] = true
		} else {
			delete(s.removed, id)
		}
		return render.Result{OK: true, Value: v}
	}
	return render.Result{Value: v, Err: fmt.Errorf("%s %d: %s: %s", op, id, r.Status, s.refusal(op, id, r))}
}

// refusal says in words why the cluster refused a membership change or a
// leadership transfer.
func (s *Session) refusal(op string, id raft.NodeID, r raft.Response) string {
	if r.Err != "" {
		return r.Err
	}
	config := ""
	if l, ok := s.sim.LeaderID(false); ok {
		if info, err := s.sim.Brief(l); err == nil {
			config = " [" + render.JoinIDs(info.Config, ", ") + "]"
			if m := info.Membership; len(m.Learners) > 0 {
				config += " (learners [" + render.JoinIDs(m.Learners, ", ") + "])"
			}
		}
	}
	switch {
	case r.Status == raft.StatusAlreadyAMember && op == "changeConfig":
		return "a server to add is a voter already" + config
	case r.Status == raft.StatusNotAMember && op == "changeConfig":
		return "a server to remove is not a voter" + config
	case r.Status == raft.StatusAlreadyAMember && op == "addLearner":
		return fmt.Sprintf("server %d is a voter or a learner already%s", id, config)
	case r.Status == raft.StatusNotAMember && op == "promote":
		return fmt.Sprintf("server %d is not a learner%s", id, config)
	case r.Status == raft.StatusNotLeader && op == "transferLeadership" && r.LeaderHint != raft.None:
		return fmt.Sprintf("S%d leads instead", r.LeaderHint)
	case r.Status == raft.StatusTimeout && op == "transferLeadership":
		return fmt.Sprintf("S%d was not elected in time (is it up, and reachable from the leader and a majority?)", id)
	}
	switch r.Status {
	case raft.StatusNotLeader:
		return "no leader took the request (try until leader, then again)"
	case raft.StatusAlreadyAMember:
		return fmt.Sprintf("server %d is already in the configuration%s", id, config)
	case raft.StatusNotAMember:
		return fmt.Sprintf("server %d is not in the configuration%s", id, config)
	case raft.StatusPendingConfigChange:
		return "the previous membership change is not committed yet (one change at a time; try until idle, then again)"
	case raft.StatusTimeout:
		return "the change did not commit in time (is a majority reachable? do the new servers catch up?)"
	}
	return "refused"
}

// simErr words an error of the simulator for command name: the simulator's
// messages start with the operation already ("addServer 7: ..."), so the
// command's name is not said twice.
func simErr(name string, err error) error {
	if strings.HasPrefix(err.Error(), name) {
		return err
	}
	return fmt.Errorf("%s: %v", name, err)
}

func (s *Session) nextID() raft.NodeID {
	ids := s.sim.Servers()
	if len(ids) == 0 {
		return 0
	}
	return ids[len(ids)-1] + 1
}

// oneServer reads the single server argument of crash / restart /
// snapshot, and says whether that server is up.
func (s *Session) oneServer(c lang.Command) (raft.NodeID, bool, error) {
	if len(c.Args) != 1 {
		return raft.None, false, fmt.Errorf("%s: give one server id (try %s 1; %s)", c.Name, c.Name, s.serverList())
	}
	id, err := s.serverArg(c, 0, true)
	if err != nil {
		return raft.None, false, err
	}
	up, err := s.sim.Up(id)
	if err != nil {
		return raft.None, false, simErr(c.Name, err)
	}
	return id, up, nil
}

func (s *Session) crash(c lang.Command) render.Result {
	id, up, err := s.oneServer(c)
	if err != nil {
		return render.Result{Err: err}
	}
	if !up {
		return render.Result{Err: fmt.Errorf("crash: server %d is already down (bring it back with: restart %d)", id, id)}
	}
	if err := s.sim.Crash(id); err != nil {
		return render.Result{Err: simErr("crash", err)}
	}
	s.down[id] = true
	return render.Result{OK: true, Value: render.Message(fmt.Sprintf("S%d crashed (its disk is kept)", id))}
}

// snapshot makes one server snapshot its state machine and compact its
// log now (§7).
func (s *Session) snapshot(c lang.Command) render.Result {
	id, up, err := s.oneServer(c)
	if err != nil {
		return render.Result{Err: err}
	}
	if !up {
		return render.Result{Err: fmt.Errorf("snapshot: server %d is down (restart %d first)", id, id)}
	}
	took, err := s.sim.Snapshot(id)
	if err != nil {
		return render.Result{Err: simErr("snapshot", err)}
	}
	after, err := s.sim.Brief(id)
	if err != nil {
		return render.Result{Err: simErr("snapshot", err)}
	}
	sn := after.Snapshot
	if !took {
		// Nothing to do is not a failure: a script or chaos may ask at
		// any moment.
		return render.Result{OK: true, Value: render.Message(fmt.Sprintf("S%d has applied nothing since its snapshot after %s: no new snapshot", id, render.EntryRef(sn.Index, sn.Term)))}
	}
	return render.Result{OK: true, Value: render.Message(fmt.Sprintf("S%d snapshot after %s (%d bytes, configuration [%s]); its log now holds %s",
		id, render.EntryRef(sn.Index, sn.Term), sn.Bytes, render.JoinIDs(sn.Config, ", "), logSpan(after.FirstIndex, after.LastIndex)))}
}

// logSpan words the indexes a log holds: "entries 97..120", "no entries".
func logSpan(first, last uint64) string {
	switch {
	case first > last:
		return "no entries"
	case first == last:
		return fmt.Sprintf("entry %d", first)
	}
	return fmt.Sprintf("entries %d..%d", first, last)
}

func (s *Session) restart(c lang.Command) render.Result {
	id, up, err := s.oneServer(c)
	if err != nil {
		return render.Result{Err: err}
	}
	if up {
		return render.Result{Err: fmt.Errorf("restart: server %d is already up (crash it first with: crash %d)", id, id)}
	}
	if err := s.sim.Restart(id); err != nil {
		return render.Result{Err: simErr("restart", err)}
	}
	delete(s.down, id)
	return render.Result{OK: true, Value: render.Message(fmt.Sprintf("S%d restarted from its disk", id))}
}

// argText joins the arguments as typed, for commands with their own little
// syntax (partition A,B | C, cut A->B).
func argText(c lang.Command) string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.Text
	}
	return strings.Join(parts, " ")
}

func (s *Session) partition(c lang.Command) render.Result {
	spec := strings.TrimSpace(argText(c))
	if spec == "" {
		return render.Result{Err: fmt.Errorf("partition: say which groups to split into (try partition 0,1 | 2, or partition 2 to isolate server 2)")}
	}
	var groups [][]raft.NodeID
	var seen []raft.NodeID
	for _, part := range strings.Split(spec, "|") {
		ids, err := s.idList(c, []lang.Arg{{Kind: lang.ArgWord, Text: part}}, true)
		if err != nil {
			return render.Result{Err: err}
		}
		if len(ids) == 0 {
			return render.Result{Err: fmt.Errorf("partition: empty group in %q (try partition 0,1 | 2)", spec)}
		}
		for _, id := range ids {
			if slices.Contains(seen, id) {
				return render.Result{Err: fmt.Errorf("partition: server %d is in two groups in %q (each server belongs to one group)", id, spec)}
			}
			seen = append(seen, id)
		}
		groups = append(groups, ids)
	}
	// Servers not named form one more group: `partition 2` isolates 2.
	var rest []raft.NodeID
	for _, id := range s.sim.Servers() {
		if !slices.Contains(seen, id) {
			rest = append(rest, id)
		}
	}
	if len(rest) > 0 {
		groups = append(groups, rest)
	}
	if len(groups) < 2 {
		return render.Result{Err: fmt.Errorf("partition: %q puts every server in one group, nothing to cut (try partition 0,1 | 2)", spec)}
	}
	if err := s.sim.Partition(groups); err != nil {
		return render.Result{Err: simErr("partition", err)}
	}
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = render.JoinIDs(g, ",")
	}
	return render.Result{OK: true, Value: render.Message("partitioned: " + strings.Join(names, " | "))}
}

func (s *Session) heal(c lang.Command) render.Result {
	if len(c.Args) > 0 {
		return render.Result{Err: fmt.Errorf("heal: takes no arguments (heal restores every link)")}
	}
	s.sim.Heal()
	return render.Result{OK: true, Value: render.Message("healed: every link works again")}
}

func (s *Session) cut(c lang.Command) render.Result {
	spec := strings.ReplaceAll(argText(c), " ", "")
	sep, both := "->", false
	if strings.Contains(spec, "<->") {
		sep, both = "<->", true
	}
	ends := strings.Split(spec, sep)
	if len(ends) != 2 || ends[0] == "" || ends[1] == "" {
		return render.Result{Err: fmt.Errorf("cut: bad link %q (try cut 0->1 for one way, or cut 0<->1 for both)", argText(c))}
	}
	var ids [2]raft.NodeID
	for i, e := range ends {
		id, err := s.serverArg(lang.Command{Name: "cut", Args: []lang.Arg{{Kind: lang.ArgWord, Text: e}}}, 0, true)
		if err != nil {
			return render.Result{Err: err}
		}
		ids[i] = id
	}
	if ids[0] == ids[1] {
		return render.Result{Err: fmt.Errorf("cut: a link joins two different servers, not %d and %d", ids[0], ids[1])}
	}
	if err := s.sim.Cut(ids[0], ids[1], both); err != nil {
		return render.Result{Err: simErr("cut", err)}
	}
	return render.Result{OK: true, Value: render.Message(fmt.Sprintf("cut %d%s%d (heal restores it)", ids[0], sep, ids[1]))}
}
