package sim

import (
	"time"

	"raftsim/raft"
)

// maxAttempts bounds the sends of one request, so that two servers whose
// stale hints point at each other cannot bounce a client forever (on a
// network with zero latency that would never move the clock).
const maxAttempts = 100

// client is a client endpoint on the network, with a session (dissertation
// §6.3): its id is the session's ClientID and every request gets the next
// sequence number; a retry reuses it, so the cluster applies it once. A
// client has one request outstanding at a time.
type client struct {
	id  raft.NodeID
	seq uint64
	// session is the ClientID of its current session: its endpoint id,
	// and a new one each time the cluster answers SESSION_EXPIRED.
	session uint64

	pending bool
	// cmd is the current request, nil before the first. Every attempt
	// sends the same one, and the cluster's logs share it: it is never
	// modified, and the next request is a new one.
	cmd      *raft.Command
	follow   bool        // follow NOT_LEADER hints and try other servers
	target   raft.NodeID // where the current attempt went
	attempts int
	deadline time.Duration // the current attempt times out (or the pause after NOT_LEADER ends)
	giveUpAt time.Duration

	leaderGuess raft.NodeID // the last leader it heard of

	// The reply, once done.
	resp       raft.Response
	respFrom   raft.NodeID
	respCommit uint64 // the responder's commitIndex when the reply arrived

	timerGen   uint64
	timerArmed bool
	timerAt    time.Duration

	bench bool // a Bench client: issues its next proposal on each reply

	hist int         // 1 + index of its open entry in the history (history.go); 0: none
	load *loadClient // set for a load client (load.go)
}

// newClient creates the next client endpoint.
func (s *Sim) newClient() *client {
	c := &client{id: ClientIDBase + raft.NodeID(len(s.clients)), leaderGuess: raft.None}
	c.session = uint64(c.id)
	s.clients = append(s.clients, c)
	return c
}

func (s *Sim) client(id raft.NodeID) *client {
	i := int(id - ClientIDBase)
	if id < ClientIDBase || i >= len(s.clients) {
		return nil
	}
	return s.clients[i]
}

// shellClient is the client through which ClientRequest, AddServer and
// RemoveServer go, created on first use.
func (s *Sim) shellClient() *client {
	if s.shell == nil || s.shell.pending {
		// A request still pending was left by a command stopped at the
		// horizon: it goes on by itself, as an impatient user's would,
		// and the new request gets a client of its own.
		s.shell = s.newClient()
	}
	return s.shell
}

// timeouts returns how long one attempt of a request waits for a reply and
// when the client gives up. A membership change waits through the leader's
// catch-up of the new server (up to 20 election timeouts in raft) before it
// tries again, since a second request during the change is refused.
func (s *Sim) timeouts(op raft.Op) (attempt, total time.Duration) {
	et := s.opts.ElectionTimeout
	switch op {
	case raft.OpAddServer, raft.OpRemoveServer, raft.OpChangeConfig, raft.OpAddLearner, raft.OpPromote:
		return 25 * et, 50 * et
	}
	return 2 * et, 10 * et
}

// startRequest sends cmd from c to target (raft.None: to the leader as
// best known). With follow, NOT_LEADER replies are followed and a silent
// server is given up for another.
func (s *Sim) startRequest(c *client, target raft.NodeID, follow bool, cmd raft.Command) {
	c.seq++
	cmd.ClientID, cmd.Seq = c.session, c.seq
	c.cmd, c.follow, c.pending, c.attempts = s.newCommand(cmd), follow, true, 0
	c.resp, c.respFrom, c.respCommit = raft.Response{}, raft.None, 0
	_, total := s.timeouts(cmd.Op)
	c.giveUpAt = s.now + total
	s.recordCall(c)
	if target == raft.None {
		target = s.leader()
		if target == raft.None {
			target = s.nextTarget(c)
		}
	}
	s.pending++
	s.attempt(c, target)
}

// cmdBlock is how many client commands share one allocation: every
// request sends one, and the logs keep it (an entry points to it), so on
// its own it cost an allocation per commit. A block stays alive while any
// log or message holds one of its commands.
const cmdBlock = 32

// newCommand returns cmd where messages and log entries can point to it.
// Nothing writes to it after.
func (s *Sim) newCommand(cmd raft.Command) *raft.Command {
	if len(s.cmds) == 0 {
		s.cmds = make([]raft.Command, cmdBlock)
	}
	p := &s.cmds[0]
	s.cmds = s.cmds[1:]
	*p = cmd
	return p
}

// attempt sends the request to server to.
func (s *Sim) attempt(c *client, to raft.NodeID) {
	c.attempts++
	c.target = to
	t, _ := s.timeouts(c.cmd.Op)
	c.deadline = min(s.now+t, c.giveUpAt)
	s.armClientTimer(c, c.deadline)
	m := raft.Message{Type: raft.MsgClient, From: c.id, To: to, Cmd: c.cmd}
	s.send(&m)
}

// nextTarget picks where a following client tries next: the leader it last
// heard of, unless that is where it just failed, else a random server.
func (s *Sim) nextTarget(c *client) raft.NodeID {
	if g := c.leaderGuess; g != raft.None && g != c.target && s.server(g) != nil {
		return g
	}
	if len(s.ids) == 0 {
		return raft.None
	}
	if len(s.ids) == 1 {
		return s.ids[0]
	}
	for {
		id := s.ids[s.cliRnd.IntN(len(s.ids))]
		if id != c.target {
			return id
		}
	}
}

// armClientTimer makes sure c's timer fires no later than d.
func (s *Sim) armClientTimer(c *client, d time.Duration) {
	if c.timerArmed && c.timerAt <= d {
		return
	}
	c.timerGen++
	c.timerArmed, c.timerAt = true, d
	s.queue.push(event{at: max(d, s.now), aux: c.timerGen, id: int32(c.id), kind: evClientTimer})
}

// fireClientTimer runs a client timer event; it reports whether the client
// did something (retried or gave up).
func (s *Sim) fireClientTimer(c *client, gen uint64) bool {
	if gen != c.timerGen {
		return false
	}
	c.timerArmed = false
	if !c.pending {
		return c.load != nil && s.loadTimer(c)
	}
	if s.now >= c.giveUpAt || c.attempts >= maxAttempts {
		s.finish(c, raft.Response{ClientID: c.cmd.ClientID, Seq: c.cmd.Seq, Status: raft.StatusTimeout, LeaderHint: raft.None}, raft.None)
		return true
	}
	if s.now < c.deadline {
		s.armClientTimer(c, c.deadline)
		return false
	}
	to := c.target
	if c.follow {
		to = s.nextTarget(c)
	}
	s.attempt(c, to)
	return true
}

// clientReceive handles a reply arriving at client c.
func (s *Sim) clientReceive(c *client, m *raft.Message) {
	var r raft.Response
	if m.Resp != nil {
		r = *m.Resp
	}
	late := !c.pending || r.ClientID != c.cmd.ClientID || r.Seq != c.cmd.Seq
	if s.tracing() {
		why := ""
		if late {
			why = "late"
		}
		s.emitMsg(EvClientReply, c.id, m.From, m, why)
	}
	if late {
		return // a late answer to an earlier attempt or request
	}
	hint := r.LeaderHint
	if s.server(hint) == nil {
		hint = raft.None
	}
	if r.Status == raft.StatusNotLeader && c.follow {
		if hint != raft.None && hint != m.From && c.attempts < maxAttempts {
			c.leaderGuess = hint
			s.attempt(c, hint)
			return
		}
		// Nobody knows a leader (an election is on): pause, then try
		// another server. Half an election timeout is long enough for an
		// election to finish more often than not.
		c.leaderGuess = raft.None
		c.target = m.From
		c.deadline = min(s.now+s.opts.ElectionTimeout/2, c.giveUpAt)
		s.armClientTimer(c, c.deadline)
		return
	}
	switch {
	case hint != raft.None:
		c.leaderGuess = hint
	case r.Status == raft.StatusSuccess || r.Status == raft.StatusOK:
		c.leaderGuess = m.From
	}
	s.finish(c, r, m.From)
}

// finish ends c's request with r from server from (raft.None: a timeout).
func (s *Sim) finish(c *client, r raft.Response, from raft.NodeID) {
	c.pending = false
	c.resp, c.respFrom, c.respCommit = r, from, 0
	if srv := s.server(from); srv != nil && srv.up {
		c.respCommit = srv.node.CommitIndex()
	}
	s.pending--
	if r.Status == raft.StatusSessionExpired {
		// The cluster forgot this session (dissertation §6.3): the next
		// request opens a new one, an id no session ever had.
		s.sessions++
		c.session = uint64(c.id) | s.sessions<<32
	}
	if s.tracing() && from == raft.None {
		// A copy for the message, so that r itself does not escape: it
		// would be moved to the heap on every call, traced or not.
		resp := r
		m := raft.Message{Type: raft.MsgClientResp, From: raft.None, To: c.id, Resp: &resp}
		s.emitMsg(EvClientReply, c.id, raft.None, &m, "timeout")
	}
	s.clientFinished(c)
	if c.bench {
		s.benchReply(c)
	}
}
