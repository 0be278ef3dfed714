package sim

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"raftsim/raft"
)

// Defaults of a load (`load` with no options).
const (
	DefaultLoadClients  = 3
	DefaultLoadRate     = 50.0 // operations per second, all clients together
	DefaultLoadKeys     = 3
	DefaultLoadDuration = 5 * time.Second
	// DefaultOpenClients bounds the operations in flight at once of an
	// open-loop load (each needs a client of its own).
	DefaultOpenClients = 100
)

// Limits that keep a typo from freezing a session.
const (
	MaxLoadClients  = 1000
	MaxLoadRate     = 100_000.0
	MaxLoadKeys     = 100_000
	MaxLoadDuration = 24 * time.Hour
)

// streamLoad names the random stream of the load: which operation, which
// key, when. Its own stream, so that turning a load on does not change
// what the network or the servers draw.
const streamLoad = "load"

// LoadOptions configures a client load. Zero fields take the defaults.
type LoadOptions struct {
	Clients  int           // concurrent clients, each with its own session
	Rate     float64       // operations started per second, all clients together
	Keys     int           // the keys are k0 .. k(Keys-1)
	Duration time.Duration // virtual time during which operations start
	Mix      [3]int        // relative weights of set, get and cas; gets split evenly between ro and log reads
	// Open makes arrivals an open loop: operations arrive at Rate
	// whatever the replies, as from a large population of users, each on
	// a client that is free (Clients of them at most, made as needed); an
	// arrival that finds every client busy is dropped and counted. In the
	// default closed loop each client waits for its answer before it
	// starts the next operation, so a slow cluster gets fewer of them.
	Open bool
}

func (o LoadOptions) withDefaults() LoadOptions {
	if o.Clients == 0 {
		o.Clients = DefaultLoadClients
		if o.Open {
			o.Clients = DefaultOpenClients
		}
	}
	if o.Rate == 0 {
		o.Rate = DefaultLoadRate
	}
	if o.Keys == 0 {
		o.Keys = DefaultLoadKeys
	}
	if o.Duration == 0 {
		o.Duration = DefaultLoadDuration
	}
	if o.Mix == [3]int{} {
		o.Mix = [3]int{1, 1, 1}
	}
	return o
}

func (o LoadOptions) validate() error {
	switch {
	case o.Clients < 1 || o.Clients > MaxLoadClients:
		return fmt.Errorf("load: %w: clients must be between 1 and %d, not %d", ErrBadOption, MaxLoadClients, o.Clients)
	case !(o.Rate > 0 && o.Rate <= MaxLoadRate):
		return fmt.Errorf("load: %w: rate must be above 0 and at most %g per second, not %g", ErrBadOption, MaxLoadRate, o.Rate)
	case o.Keys < 1 || o.Keys > MaxLoadKeys:
		return fmt.Errorf("load: %w: keys must be between 1 and %d, not %d", ErrBadOption, MaxLoadKeys, o.Keys)
	case o.Duration <= 0 || o.Duration > MaxLoadDuration:
		return fmt.Errorf("load: %w: the duration must be above 0 and at most %v, not %v", ErrBadOption, MaxLoadDuration, o.Duration)
	case o.Mix[0] < 0 || o.Mix[1] < 0 || o.Mix[2] < 0 || o.Mix[0]+o.Mix[1]+o.Mix[2] <= 0:
		return fmt.Errorf("load: %w: the mix set:get:cas needs non-negative weights, not all zero (e.g. 1:1:1)", ErrBadOption)
	}
	return nil
}

// LoadStatus describes a load: its options, its clients, when it started
// and when it stops starting operations, and what it has done so far.
type LoadStatus struct {
	LoadOptions
	Clients    []raft.NodeID
	Start, End time.Duration
	Running    bool // still starting new operations
	Issued     int  // operations started
	Answered   int  // operations answered (the rest are pending, retried until answered)
	// Resends counts the sends of an operation beyond its first, once it
	// is answered: redirects to the leader, tries of another server after
	// a silence, and the new rounds after the client gave up.
	Resends int
	// Dropped counts the arrivals of an open loop that found all its
	// clients busy (Clients operations in flight): they never started.
	Dropped int
}

// loadRun is a load in progress.
type loadRun struct {
	opts    LoadOptions
	clients []*client
	keys    []string
	start   time.Duration
	end     time.Duration
	stopped bool
	meanGap float64 // seconds between one client's operations (open loop: between arrivals), on average

	issued, answered, resends, dropped int

	// The open loop's clients with nothing in flight, and the generation
	// of its arrival events.
	idle []*client
	gen  uint64
}

// loadClient is what a load client keeps besides its session.
type loadClient struct {
	run  *loadRun
	next time.Duration         // its next operation may start then
	seen map[string]raft.Value // the last value it saw of each key: cas expects it
}

// StartLoad starts a load and returns at once: its clients work as virtual
// time advances. In the closed loop (the default) each client follows its
// own schedule of Poisson arrivals (exponential gaps, mean Clients/Rate,
// so Rate in all) but has at most one operation outstanding: an operation
// starts at its arrival time, or when the previous one is answered if
// that is later. In the open loop (o.Open) one schedule of Poisson
// arrivals at Rate feeds them all: each arrival starts at once on a free
// client, or is dropped when all Clients are busy. A client that times out, or is told
// NOT_LEADER by everyone, sends the same command again with the same
// sequence number (the session makes that safe), for as long as it takes.
// One load runs at a time; a finished or stopped one may leave pending
// operations behind, which keep being retried.
func (s *Sim) StartLoad(o LoadOptions) (LoadStatus, error) {
	if !s.started {
		return LoadStatus{}, fmt.Errorf("load: %w", ErrNotStarted)
	}
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return LoadStatus{}, err
	}
	if r := s.work.load; r != nil && !r.stopped && s.now < r.end {
		return LoadStatus{}, fmt.Errorf("load: a load is already running until t=%v (stop it with: load stop)", r.end)
	}
	run := &loadRun{opts: o, start: s.now, end: s.after(o.Duration), meanGap: float64(o.Clients) / o.Rate}
	for i := range o.Keys {
		run.keys = append(run.keys, "k"+strconv.Itoa(i))
	}
	rnd := s.loadRand()
	if o.Open {
		run.meanGap = 1 / o.Rate
		s.work.loadGen++
		run.gen = s.work.loadGen
		s.queue.push(event{at: s.now + s.loadGap(rnd, run), aux: run.gen, kind: evArrival})
		s.work.load = run
		return s.loadStatus(run), nil
	}
	for range o.Clients {
		c := s.newClient()
		c.load = &loadClient{run: run, seen: map[string]raft.Value{}}
		c.load.next = s.now + s.loadGap(rnd, run)
		run.clients = append(run.clients, c)
		s.armClientTimer(c, c.load.next)
	}
	s.work.load = run
	return s.loadStatus(run), nil
}

// StopLoad stops the load from starting operations; those pending go on
// until answered. It reports whether there was a load.
func (s *Sim) StopLoad() (LoadStatus, bool) {
	r := s.work.load
	if r == nil {
		return LoadStatus{}, false
	}
	if !r.stopped && s.now < r.end {
		r.stopped, r.end = true, s.now
	}
	return s.loadStatus(r), true
}

// Load returns the status of the latest load, if any.
func (s *Sim) Load() (LoadStatus, bool) {
	if s.work.load == nil {
		return LoadStatus{}, false
	}
	return s.loadStatus(s.work.load), true
}

func (s *Sim) loadStatus(r *loadRun) LoadStatus {
	st := LoadStatus{LoadOptions: r.opts, Start: r.start, End: r.end, Running: !r.stopped && s.now < r.end,
		Issued: r.issued, Answered: r.answered, Resends: r.resends, Dropped: r.dropped}
	for _, c := range r.clients {
		st.Clients = append(st.Clients, c.id)
	}
	return st
}

func (s *Sim) loadRand() *rand.Rand {
	if s.work.rnd == nil {
		s.work.rnd = newStream(s.opts.Seed, streamLoad)
	}
	return s.work.rnd
}

// loadGap draws the time between two operations of one client.
func (s *Sim) loadGap(rnd *rand.Rand, r *loadRun) time.Duration {
	g := rnd.ExpFloat64() * r.meanGap * float64(time.Second)
	return time.Duration(min(g, float64(MaxLoadDuration)))
}

// loadTimer runs when load client c's timer fires while it has nothing
// outstanding: it starts the next operation if its time has come. It
// reports whether it did.
func (s *Sim) loadTimer(c *client) bool {
	r := c.load.run
	if r.opts.Open || r.stopped || s.now >= r.end {
		return false // an open loop's clients start only on arrivals
	}
	if s.now < c.load.next {
		s.armClientTimer(c, c.load.next)
		return false
	}
	s.loadIssue(c)
	return true
}

// arrival brings the next operation of the open-loop load of generation
// gen: on a free client (a new one while there are fewer than Clients),
// or dropped when all are busy; then it schedules the one after. It
// reports whether an operation started.
func (s *Sim) arrival(gen uint64) bool {
	r := s.work.load
	if r == nil || r.gen != gen || r.stopped || s.now >= r.end {
		return false
	}
	rnd := s.loadRand()
	s.queue.push(event{at: s.now + s.loadGap(rnd, r), aux: r.gen, kind: evArrival})
	var c *client
	switch {
	case len(r.idle) > 0:
		c = r.idle[len(r.idle)-1]
		r.idle = r.idle[:len(r.idle)-1]
	case len(r.clients) < r.opts.Clients:
		c = s.newClient()
		c.load = &loadClient{run: r, seen: map[string]raft.Value{}}
		r.clients = append(r.clients, c)
	default:
		r.dropped++
		return false
	}
	s.loadIssue(c)
	return true
}

// loadIssue starts c's next operation: a random op on a random key, sent
// to the leader c last heard of (a random server at first). Values
// written are unique (client id * 1e6 + sequence number), so that every
// read says which write it saw.
func (s *Sim) loadIssue(c *client) {
	lc, r, rnd := c.load, c.load.run, s.loadRand()
	key := r.keys[rnd.IntN(len(r.keys))]
	// The value is made only for the writes that need it (a string
	// allocated per operation).
	val := func() raft.Value {
		return raft.Value(strconv.FormatUint(uint64(ShownID(c.id))*1_000_000+c.seq+1, 10))
	}
	cmd := raft.Command{Key: key}
	m := r.opts.Mix
	switch x := rnd.IntN(m[0] + m[1] + m[2]); {
	case x < m[0]:
		cmd.Op, cmd.Value = raft.OpSet, val()
	case x < m[0]+m[1]:
		cmd.Op, cmd.ReadOnly = raft.OpGet, rnd.IntN(2) == 0
	default:
		cmd.Op, cmd.Old, cmd.Value = raft.OpCAS, lc.seen[key], val()
	}
	target := c.leaderGuess
	if s.server(target) == nil {
		target = s.ids[rnd.IntN(len(s.ids))]
	}
	if !r.opts.Open {
		// The arrivals are a schedule (each the previous plus a gap),
		// not gaps after each start: a slow answer then delays this
		// operation but not the rate. The schedule may run at most one
		// mean gap behind, so that a client held up by an outage does
		// not burst to catch up.
		behind := s.now - time.Duration(r.meanGap*float64(time.Second))
		lc.next = max(lc.next, behind) + s.loadGap(rnd, r)
	}
	r.issued++
	s.startRequest(c, target, true, cmd)
}

// loadRetry sends c's unanswered operation again, under the same sequence
// number, and reports whether it did: after a timeout at once (time has
// passed), after NOT_LEADER from every server it tried following a short
// pause (an election is on).
func (s *Sim) loadRetry(c *client) bool {
	pause := false
	switch c.resp.Status {
	case raft.StatusTimeout:
	case raft.StatusNotLeader:
		pause = true
	default:
		return false
	}
	c.load.run.resends += c.attempts // this round's sends, and the next round's first
	_, total := s.timeouts(c.cmd.Op)
	c.pending, c.attempts = true, 0
	c.resp, c.respFrom, c.respCommit = raft.Response{}, raft.None, 0
	c.giveUpAt = s.now + total
	s.pending++
	if pause {
		c.deadline = min(s.now+s.opts.ElectionTimeout/2, c.giveUpAt)
		s.armClientTimer(c, c.deadline)
		return true
	}
	s.attempt(c, s.nextTarget(c))
	return true
}

// loadDone notes the answer of c's operation and schedules the next one.
func (s *Sim) loadDone(c *client) {
	lc := c.load
	lc.run.answered++
	lc.run.resends += c.attempts - 1
	if c.resp.Status == raft.StatusSuccess {
		switch cmd := c.cmd; cmd.Op {
		case raft.OpGet:
			lc.seen[cmd.Key] = c.resp.Result
		case raft.OpSet:
			lc.seen[cmd.Key] = cmd.Value
		case raft.OpCAS:
			if c.resp.Result == "true" {
				lc.seen[cmd.Key] = cmd.Value
			}
		}
	}
	switch {
	case lc.run.opts.Open:
		lc.run.idle = append(lc.run.idle, c)
	case !lc.run.stopped && s.now < lc.run.end:
		s.armClientTimer(c, max(lc.next, s.now))
	}
}
