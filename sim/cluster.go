package sim

import (
	"fmt"
	"slices"

	"raftsim/bugs"
	"raftsim/raft"
)

// StartServers starts servers 0..n-1 as one cluster. Timing and protocol
// options given here become the simulation's (they apply to servers added
// later too); Debug and Bug apply to these servers.
func (s *Sim) StartServers(n int, o ServerOptions) error {
	if s.started {
		return fmt.Errorf("startServers: %w", ErrAlreadyStarted)
	}
	if n < 1 || n > MaxServers {
		return fmt.Errorf("startServers %d: the number of servers must be between 1 and %d", n, MaxServers)
	}
	if err := s.validate("startServers", o); err != nil {
		return err
	}
	lease, cq := s.opts.LeaseRead, !s.opts.NoCheckQuorum
	if o.LeaseRead != nil {
		lease = *o.LeaseRead
	}
	if o.CheckQuorum != nil {
		cq = *o.CheckQuorum
	}
	if lease && !cq {
		return fmt.Errorf("startServers: %w: leaseRead needs checkQuorum (a lease holds only while the followers that renewed it refuse to vote for another leader, which they do only with checkQuorum)", ErrBadOption)
	}
	if o.ElectionTimeout > 0 {
		s.opts.ElectionTimeout, s.opts.ElectionTimeoutMax = o.ElectionTimeout, o.ElectionTimeoutMax
	}
	if o.HeartbeatInterval > 0 {
		s.opts.HeartbeatInterval = o.HeartbeatInterval
	}
	if o.PreVote != nil {
		s.opts.NoPreVote = !*o.PreVote
	}
	if o.CheckQuorum != nil {
		s.opts.NoCheckQuorum = !*o.CheckQuorum
	}
	if o.LeaseRead != nil {
		s.opts.LeaseRead = *o.LeaseRead
	}
	if o.MaxDriftPPM > 0 {
		s.opts.MaxDriftPPM = o.MaxDriftPPM
	}
	if o.SnapshotThreshold != nil {
		s.opts.SnapshotThreshold = *o.SnapshotThreshold
	}
	if o.SessionTimeout > 0 {
		s.opts.SessionTimeout = o.SessionTimeout
	}
	o.SessionTimeout = 0
	o.PreVote, o.CheckQuorum, o.LeaseRead, o.MaxDriftPPM, o.SnapshotThreshold = nil, nil, nil, 0, nil
	o.ElectionTimeout, o.ElectionTimeoutMax, o.HeartbeatInterval = 0, 0, 0
	ids := make([]raft.NodeID, n)
	for i := range ids {
		ids[i] = raft.NodeID(i)
	}
	srvs := make([]*server, n)
	for i, id := range ids {
		if s.server(id) != nil {
			return fmt.Errorf("startServers: server %d already exists", id)
		}
		srvs[i] = s.newServer(id, raft.Storage{HardState: raft.HardState{VotedFor: raft.None}, Bootstrap: ids}, o)
	}
	s.started = true
	for _, srv := range srvs {
		if err := s.boot(srv); err != nil {
			return fmt.Errorf("startServers: %w", err)
		}
	}
	return nil
}

// validate checks per-server options; op names the command for the error.
func (s *Sim) validate(op string, o ServerOptions) error {
	if o.ElectionTimeout < 0 || o.HeartbeatInterval < 0 {
		return fmt.Errorf("%s: %w: electionTimeout and heartbeatTime must be positive", op, ErrBadOption)
	}
	if o.ElectionTimeoutMax != 0 && o.ElectionTimeoutMax < o.ElectionTimeout {
		return fmt.Errorf("%s: %w: electionTimeout range %v-%v: the maximum is below the minimum", op, ErrBadOption, o.ElectionTimeout, o.ElectionTimeoutMax)
	}
	if o.ElectionTimeoutMax != 0 && o.ElectionTimeout == 0 {
		return fmt.Errorf("%s: %w: an electionTimeout maximum needs its minimum (MIN-MAX)", op, ErrBadOption)
	}
	et, hb := o.ElectionTimeout, o.HeartbeatInterval
	if et == 0 {
		et = s.opts.ElectionTimeout
	}
	if hb == 0 {
		hb = s.opts.HeartbeatInterval
	}
	if hb >= et {
		return fmt.Errorf("%s: %w: heartbeatTime (%v) must be less than electionTimeout (%v)", op, ErrBadOption, hb, et)
	}
	if o.MaxDriftPPM < 0 || o.MaxDriftPPM > MaxDriftPPM {
		return fmt.Errorf("%s: %w: a clock drift bound is between 0%% and 50%%", op, ErrBadOption)
	}
	if _, ok := bugs.Lookup(o.Bug); !ok {
		return fmt.Errorf("%s: %w: unknown bug %q", op, ErrBadOption, o.Bug)
	}
	return nil
}

// AddServer creates server id with an empty disk (unless it exists, e.g. a
// server removed earlier) and asks the leader to add it (dissertation §4.1).
// It waits until the change commits or the request times out, then settles
// like ClientRequest. The reply is the leader's answer (its Status, and
// Err saying why it refused), or TIMEOUT.
func (s *Sim) AddServer(id raft.NodeID, o ServerOptions) (raft.Response, error) {
	if !s.started {
		return raft.Response{}, fmt.Errorf("addServer %d: %w", id, ErrNotStarted)
	}
	if id < 0 || id > MaxServerID {
		return raft.Response{}, fmt.Errorf("addServer %d: %w", id, ErrBadServerID)
	}
	if err := s.validate(fmt.Sprintf("addServer %d", id), o); err != nil {
		return raft.Response{}, err
	}
	if o.SessionTimeout != 0 {
		return raft.Response{}, fmt.Errorf("addServer %d: %w: sessionTimeout is the cluster's, set by startServers (every server must expire sessions alike)", id, ErrBadOption)
	}
	if srv := s.server(id); srv == nil {
		srv = s.newServer(id, raft.Storage{HardState: raft.HardState{VotedFor: raft.None}}, o)
		if err := s.boot(srv); err != nil {
			return raft.Response{}, fmt.Errorf("addServer %d: %w", id, err)
		}
	} else if o.Debug {
		srv.opts.Debug = true
	}
	return s.request(raft.None, raft.Command{Op: raft.OpAddServer, Server: id}), nil
}

// RemoveServer asks the leader to remove server id; a removed leader steps
// down once the change commits. It waits and settles like AddServer. The
// removed server keeps running (outside the configuration it stays quiet).
// The reply is as AddServer's.
func (s *Sim) RemoveServer(id raft.NodeID) (raft.Response, error) {
	if !s.started {
		return raft.Response{}, fmt.Errorf("removeServer %d: %w", id, ErrNotStarted)
	}
	if s.server(id) == nil {
		return raft.Response{}, errNoServer("removeServer", id)
	}
	return s.request(raft.None, raft.Command{Op: raft.OpRemoveServer, Server: id}), nil
}

// ChangeConfig asks the leader for any change of membership at once
// (§6, dissertation §4.3): the servers of add join as voters, those of
// remove leave, through the joint configuration C_old,new. A server of add
// that does not exist yet is created with an empty disk and options o, as
// AddServer does. It waits and settles like AddServer; the reply is OK once
// C_new has committed, or a refusal (NOT_LEADER, ALREADY_A_MEMBER,
// NOT_A_MEMBER, PENDING_CONFIG_CHANGE, TIMEOUT, error).
func (s *Sim) ChangeConfig(add, remove []raft.NodeID, o ServerOptions) (raft.Response, error) {
	op := "changeConfig"
	if !s.started {
		return raft.Response{}, fmt.Errorf("%s: %w", op, ErrNotStarted)
	}
	for _, id := range remove {
		if s.server(id) == nil {
			return raft.Response{}, errNoServer(op, id)
		}
	}
	for _, id := range add {
		if err := s.ensureServer(op, id, o); err != nil {
			return raft.Response{}, err
		}
	}
	change := &raft.ConfigChange{Add: slices.Clone(add), Remove: slices.Clone(remove)}
	return s.request(raft.None, raft.Command{Op: raft.OpChangeConfig, Change: change}), nil
}

// AddLearner creates server id with an empty disk (unless it exists) and
// asks the leader to add it as a learner (dissertation §4.2.1): it receives
// the log and never votes. The reply is as AddServer's.
func (s *Sim) AddLearner(id raft.NodeID, o ServerOptions) (raft.Response, error) {
	op := fmt.Sprintf("addLearner %d", id)
	if !s.started {
		return raft.Response{}, fmt.Errorf("%s: %w", op, ErrNotStarted)
	}
	if err := s.ensureServer(op, id, o); err != nil {
		return raft.Response{}, err
	}
	return s.request(raft.None, raft.Command{Op: raft.OpAddLearner, Server: id}), nil
}

// Promote asks the leader to make the learner id a voter, through the log
// (a single-server change once it has caught up). The reply is as
// AddServer's; NOT_A_MEMBER if id is no learner.
func (s *Sim) Promote(id raft.NodeID) (raft.Response, error) {
	if !s.started {
		return raft.Response{}, fmt.Errorf("promote %d: %w", id, ErrNotStarted)
	}
	if s.server(id) == nil {
		return raft.Response{}, errNoServer("promote", id)
	}
	return s.request(raft.None, raft.Command{Op: raft.OpPromote, Server: id}), nil
}

// ensureServer creates server id with an empty disk and options o unless
// it exists, for a server about to join.
func (s *Sim) ensureServer(op string, id raft.NodeID, o ServerOptions) error {
	if id < 0 || id > MaxServerID {
		return fmt.Errorf("%s: server %d: %w", op, id, ErrBadServerID)
	}
	if err := s.validate(op, o); err != nil {
		return err
	}
	if srv := s.server(id); srv == nil {
		srv = s.newServer(id, raft.Storage{HardState: raft.HardState{VotedFor: raft.None}}, o)
		if err := s.boot(srv); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	} else if o.Debug {
		srv.opts.Debug = true
	}
	return nil
}

// ClientRequest sends cmd to target (raft.None: to the leader, following
// redirects) and runs the clock until the reply or a timeout, then on until
// the entry is applied on every live server the leader reaches (settle, in
// wait.go). ClientID and Seq are set by the simulation's client session.
func (s *Sim) ClientRequest(target raft.NodeID, cmd raft.Command) (raft.Response, error) {
	if !s.started {
		return raft.Response{}, fmt.Errorf("clientRequest: %w", ErrNotStarted)
	}
	if target != raft.None && s.server(target) == nil {
		return raft.Response{}, errNoServer("clientRequest", target)
	}
	if cmd.Op > raft.OpRemoveServer {
		return raft.Response{}, fmt.Errorf("clientRequest: unknown operation %d", cmd.Op)
	}
	return s.request(target, cmd), nil
}

// request runs one request of the shell's client to its end, then settles.
func (s *Sim) request(target raft.NodeID, cmd raft.Command) raft.Response {
	c := s.shellClient()
	s.startRequest(c, target, target == raft.None, cmd)
	for c.pending && !s.stopped() && s.queue.Len() > 0 {
		e, ok := s.queue.popUntil(s.horizon)
		if !ok {
			s.now = max(s.now, s.horizon)
			return raft.Response{} // stopped at the horizon, still waiting
		}
		s.process(e)
	}
	r := c.resp
	if !cmd.ReadOnly && (r.Status == raft.StatusSuccess || r.Status == raft.StatusOK) {
		s.settle(c.respFrom, c.respCommit)
	}
	return r
}

// TransferLeadership asks the leader to hand its leadership over to server
// id (dissertation §3.10) and waits for the answer: OK once id leads (the
// clock runs on, for at most two election timeouts, until it is the
// cluster's leader: the old leader answers as soon as id campaigns),
// NOT_LEADER when no leader took the request or another server won,
// NOT_A_MEMBER when id is not a voting member, TIMEOUT when the transfer
// was abandoned (an election timeout without a hand-over) or id was not
// elected. A refusal for another reason is StatusError with Err saying why.
func (s *Sim) TransferLeadership(id raft.NodeID) (raft.Response, error) {
	if !s.started {
		return raft.Response{}, fmt.Errorf("transferLeadership %d: %w", id, ErrNotStarted)
	}
	if id < 0 || id > MaxServerID {
		return raft.Response{}, fmt.Errorf("transferLeadership %d: %w", id, ErrBadServerID)
	}
	r := s.request(raft.None, raft.Command{Op: raft.OpTransferLeader, Server: id})
	if r.Status != raft.StatusOK || s.leader() == id {
		return r, nil
	}
	s.runUntil(func() bool { return s.leader() == id }, s.after(2*s.opts.ElectionTimeout))
	switch l := s.leader(); {
	case l == id:
	case l != raft.None:
		r.Status, r.LeaderHint = raft.StatusNotLeader, l
	default:
		r.Status = raft.StatusTimeout
	}
	return r, nil
}
