package experiment

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"raftsim/raft"
	"raftsim/sim"
)

// Trial is what one trial measured.
type Trial struct {
	Index int
	Seed  uint64
	// Elected is the time from the crash to a new leader with a live
	// majority behind it (what `until leader` waits for).
	Elected time.Duration
	// Commit is the time from the crash to the new leader's first commit
	// (its no-op of the new term, §8); 0 if it did not commit within Cap.
	Commit time.Duration
	// Terms is how many terms the election took: 1 when the first
	// candidate after the crash won.
	Terms int
	// Rounds counts the terms after the crash in which some server
	// campaigned, Splits those of them that ended in a split vote: two or
	// more candidates and none elected.
	Rounds, Splits int
	// FirstSplit says the first round after the crash was a split vote.
	FirstSplit bool
	// Censored says no leader was elected within the setup's Cap.
	Censored bool
	// Eligible is how many of the servers still up after the crash had a
	// log up to date enough to win.
	Eligible int
	Leader   raft.NodeID // the new leader (raft.None if censored)
	// Script is the trial as shell commands: `raftsim run` replays it and
	// its `until leader` prints Elected.
	Script []string
}

// observer follows the trace of one trial: the old leader's broadcasts
// (to find its heartbeats), and after the crash who campaigned and who won
// in each term, and the new leader's first commit.
type observer struct {
	servers int
	leader  raft.NodeID // the leader whose heartbeats are watched
	// sendsAt counts the leader's AppendEntries sent at the instant
	// lastSend; broadcastAt is the last instant it sent one to every peer.
	lastSend    time.Duration
	sendsAt     int
	broadcastAt time.Duration

	crashed    bool
	candidates map[uint64]int  // term -> servers that campaigned in it
	won        map[uint64]bool // term -> a leader was elected in it
	commitTerm uint64          // watch for a commit of this leader in this term
	commitBy   raft.NodeID
	committed  time.Duration
	deposed    bool
}

func (o *observer) event(e sim.TraceEvent) {
	switch e.Kind {
	case sim.EvSend:
		if e.Node == o.leader && e.Msg != nil && (e.Msg.Type == raft.MsgApp || e.Msg.Type == raft.MsgHeartbeat) && !o.crashed {
			if e.Time != o.lastSend {
				o.lastSend, o.sendsAt = e.Time, 0
			}
			o.sendsAt++
			if o.sendsAt == o.servers-1 {
				o.broadcastAt = e.Time
			}
		}
	case sim.EvRaft:
		if !o.crashed {
			return
		}
		switch r := &e.Raft; {
		case r.Kind == raft.EvTimeout:
			o.candidates[r.Term]++
		case r.Kind == raft.EvBecome && r.Role == raft.Leader:
			o.won[r.Term] = true
		case r.Kind == raft.EvCommit && e.Node == o.commitBy && r.Term == o.commitTerm && o.committed == 0:
			o.committed = e.Time
		}
		if o.commitTerm > 0 && e.Raft.Term > o.commitTerm {
			o.deposed = true // a later term began: that leader will never commit in its own
		}
	}
}

// driver runs a trial: each step is a shell command, recorded, and the
// sim call that command makes.
type driver struct {
	s     *sim.Sim
	lines []string
	err   error
}

func (d *driver) do(line string, f func() error) {
	if d.err != nil {
		return
	}
	d.lines = append(d.lines, line)
	if err := f(); err != nil {
		d.err = fmt.Errorf("%s: %w", line, err)
	}
}

func (d *driver) comment(format string, args ...any) {
	d.lines = append(d.lines, "# "+fmt.Sprintf(format, args...))
}

// run is `run D`: Run advances exactly D, and D's text reads back exactly.
func (d *driver) run(dur time.Duration) {
	if dur < 0 {
		d.err = fmt.Errorf("run %v: negative", dur)
		return
	}
	d.do("run "+fmtDur(dur), func() error { d.s.Run(dur); return nil })
}

func (d *driver) untilLeader(timeout time.Duration) bool {
	ok := false
	d.do("until leader "+fmtDur(timeout), func() error {
		ok = d.s.RunUntil(sim.UntilCond{Kind: "leader"}, timeout)
		return nil
	})
	return ok
}

// setupTimeout bounds the initial election, which is not measured.
const setupTimeout = 100 * time.Second

// RunTrial runs trial index of setup with its seed. It is deterministic:
// the same setup and seed give the same Trial.
func RunTrial(st Setup, index int, seed uint64) (Trial, error) {
	t := Trial{Index: index, Seed: seed, Leader: raft.None}
	rnd := rand.New(rand.NewPCG(seed, 0x5ee0f16))
	// No safety checks and no recorded trace: the shell has them on, but
	// neither changes what happens, and a replay runs with them.
	s := sim.New(sim.Options{Seed: seed, NoSafetyCheck: true, TraceCap: -1})
	obs := &observer{servers: st.Servers, leader: raft.None, candidates: map[uint64]int{}, won: map[uint64]bool{}}
	s.OnNodeEvent(obs.event)
	d := &driver{s: s}
	hb := st.heartbeat()

	d.lines = append(d.lines, fmt.Sprintf("seed %d", seed))
	v := variants[st.Variant]
	opts := sim.ServerOptions{ElectionTimeout: st.Timeout.Min, ElectionTimeoutMax: st.Timeout.Max, HeartbeatInterval: hb,
		PreVote: &v.preVote, CheckQuorum: &v.checkQuorum}
	start := fmt.Sprintf("startServers %d electionTimeout=%s-%s heartbeatTime=%s %s",
		st.Servers, fmtDur(st.Timeout.Min), fmtDur(st.Timeout.Max), fmtDur(hb), v.words)
	d.do(start, func() error { return s.StartServers(st.Servers, opts) })
	rule, netText, err := st.netRule()
	if err != nil {
		return t, err
	}
	d.do("net "+netText, func() error { return s.SetNet(rule) })
	if st.Fsync > 0 {
		d.do("disk fsync="+fmtDur(st.Fsync), func() error { return s.SetFsync(raft.None, st.Fsync) })
	}

	// The first election is not measured. Server 0 gets a head start of
	// half a timeout, so that even constant timeouts (which time out
	// together forever from a common start) elect someone quickly.
	d.comment("head start for server 0: the first election is not measured")
	for id := 1; id < st.Servers; id++ {
		d.do(fmt.Sprintf("crash %d", id), func() error { return s.Crash(raft.NodeID(id)) })
	}
	d.run(st.Timeout.Min / 2)
	for id := 1; id < st.Servers; id++ {
		d.do(fmt.Sprintf("restart %d", id), func() error { return s.Restart(raft.NodeID(id)) })
	}
	if !d.untilLeader(setupTimeout) && d.err == nil {
		return t, fmt.Errorf("trial %d (seed %d): no first leader within %v", index, seed, setupTimeout)
	}
	leader, _ := s.LeaderID(false)
	obs.leader = leader
	var followers []raft.NodeID
	for _, id := range s.Servers() {
		if id != leader {
			followers = append(followers, id)
		}
	}
	rnd.Shuffle(len(followers), func(i, j int) { followers[i], followers[j] = followers[j], followers[i] })

	// Servers that are down during the whole trial.
	failed := followers[:st.Failed]
	followers = followers[st.Failed:]
	for _, id := range failed {
		d.do(fmt.Sprintf("crash %d", id), func() error { return s.Crash(id) })
	}

	if st.Lagging {
		// Logs of different lengths: the laggers are down while entries
		// are written, the most lagging first, each missing one entry
		// more than the next. They come back unable to answer the leader
		// (their replies are cut), so it never learns what they lack and
		// only probes them with empty heartbeats: those reset their timers
		// as any heartbeat does, and leave their logs short.
		laggers := followers[:len(followers)/2]
		d.comment("logs of different lengths: %s miss the last %d..1 entries", ids(laggers), len(laggers))
		for i, id := range laggers {
			d.do(fmt.Sprintf("crash %d", id), func() error { return s.Crash(id) })
			d.do(fmt.Sprintf("clientRequest set lag %d", i+1), func() error {
				r, err := s.ClientRequest(raft.None, raft.Command{Op: raft.OpSet, Key: "lag", Value: raft.Value(fmt.Sprint(i + 1))})
				if err == nil && r.Status != raft.StatusSuccess {
					err = fmt.Errorf("status %s", r.Status)
				}
				return err
			})
		}
		for _, id := range laggers {
			d.do(fmt.Sprintf("cut %d->%d", id, leader), func() error { return s.Cut(id, leader, false) })
		}
		for _, id := range laggers {
			d.do(fmt.Sprintf("restart %d", id), func() error { return s.Restart(id) })
		}
	}
	if d.err != nil {
		return t, d.err
	}

	// Find the leader's next heartbeat (its heartbeats are periodic and go
	// to every peer at one instant), then crash it at the heartbeat plus
	// an offset: uniform within the interval for Figure 16, none for the
	// dissertation's synchronized timers. Stepping to the heartbeat and
	// then running to the crash processes the same events as the one
	// `run` the script records.
	t0 := s.Now()
	obs.broadcastAt = -1
	s.OnEvent(obs.event) // message events, only while looking for the heartbeat
	for obs.broadcastAt < t0 {
		if s.Step(1) == 0 {
			return t, fmt.Errorf("trial %d: the simulation ran dry before the leader's heartbeat", index)
		}
	}
	s.OnEvent(nil)
	offset := time.Duration(0)
	if st.CrashWithin {
		offset = time.Duration(rnd.Int64N(int64(hb)))
	}
	crashAt := obs.broadcastAt + offset
	s.Run(crashAt - s.Now())
	d.lines = append(d.lines, "run "+fmtDur(crashAt-t0))
	d.comment("the leader's heartbeat went out at t=%s; it crashes %s later", fmtDur(obs.broadcastAt), fmtDur(offset))

	oldTerm := uint64(0)
	for _, id := range s.Servers() {
		if in, err := s.Brief(id); err == nil {
			oldTerm = max(oldTerm, in.Term)
		}
	}
	t.Eligible = eligible(s, leader)
	obs.crashed = true
	d.do(fmt.Sprintf("crash %d", leader), func() error { return s.Crash(leader) })
	if !d.untilLeader(st.Cap) {
		t.Censored = true
	}
	if d.err != nil {
		return t, d.err
	}
	t.Elected = s.Now() - crashAt
	if !t.Censored {
		nl, _ := s.LeaderID(false)
		in, err := s.Brief(nl)
		if err != nil {
			return t, err
		}
		t.Leader = nl
		t.Terms = int(in.Term - oldTerm)
		obs.commitBy, obs.commitTerm = nl, in.Term
		for term := oldTerm + 1; term <= in.Term; term++ {
			if c := obs.candidates[term]; c > 0 {
				t.Rounds++
				split := c > 1 && !obs.won[term]
				if split {
					t.Splits++
				}
				if t.Rounds == 1 {
					t.FirstSplit = split
				}
			}
		}
		// The first commit may come with the election (a one-server
		// quorum) or a round trip later.
		for deadline := s.Now() + st.Cap; obs.committed == 0 && !obs.deposed && s.Now() < deadline; {
			if s.Step(1) == 0 {
				break
			}
		}
		if obs.committed > 0 {
			t.Commit = obs.committed - crashAt
		}
		d.comment("leader %d elected %s after the crash in term %d (%d terms), first commit %s after it",
			nl, fmtDur(t.Elected), in.Term, t.Terms, fmtDur(t.Commit))
	} else {
		t.Terms = 0
		for term := range obs.candidates {
			t.Terms = max(t.Terms, int(term-oldTerm))
		}
		d.comment("no leader within %s of the crash", fmtDur(st.Cap))
	}
	t.Script = d.lines
	return t, nil
}

// eligible counts the live servers other than the leader that could win
// an election once it is gone: those whose log is at least as up to date
// (§5.4.1) as the logs of a majority of the cluster.
func eligible(s *sim.Sim, leader raft.NodeID) int {
	type pos struct{ term, index uint64 }
	var live []pos
	for _, id := range s.Servers() {
		in, err := s.Brief(id)
		if err != nil || !in.Up || id == leader {
			continue
		}
		p := pos{}
		if e, ok := s.LogEntry(id, in.LastIndex); ok {
			p = pos{e.Term, e.Index}
		}
		live = append(live, p)
	}
	majority := raft.Majority(s.Servers())
	n := 0
	for _, c := range live {
		votes := 0
		for _, v := range live {
			if c.term > v.term || c.term == v.term && c.index >= v.index {
				votes++
			}
		}
		if votes >= majority {
			n++
		}
	}
	return n
}

func ids(l []raft.NodeID) string {
	s := make([]string, len(l))
	for i, id := range l {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ", ")
}

// trialSeed derives the seed of trial index of the line called key from
// the experiment's seed: the same trial gets the same seed whatever other
// lines run with it.
func trialSeed(seed uint64, key string, index int) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(key); i++ {
		h = (h ^ uint64(key[i])) * 1099511628211
	}
	x := splitmix64(seed ^ splitmix64(h) ^ splitmix64(uint64(index)+0x9e3779b97f4a7c15))
	if x == 0 {
		x = 1 // seed 0 means the default seed to sim
	}
	return x % 1_000_000_000_000 // short enough to type
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
