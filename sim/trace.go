package sim

import "raftsim/raft"

// OnEvent installs the trace listener (nil removes it). The listener sees
// every event as it happens; to show only debug-marked servers it filters
// with IsDebug. Trace events are built only while the trace is recorded
// (the default, see Trace) or a listener is installed.
//
// Nodes report their own steps (elections, commits, ...) only if they were
// built with tracing on. Nodes are built with it on while the trace is
// recorded or a listener is installed, while any server is debug-marked,
// or while the safety checks are on, so that `debug on` in the middle of
// a session shows everything.
func (s *Sim) OnEvent(f func(TraceEvent)) {
	s.listener = f
	s.hookViolations()
}

// OnNodeEvent installs a listener for the steps nodes report of
// themselves (EvRaft events: timeouts, votes, elections, commits) and
// nothing else (nil removes it). It builds no message events, so it costs
// a fraction of OnEvent: the election experiment follows thousands of
// elections with it. Nodes built while it is installed report their
// steps, as with OnEvent.
func (s *Sim) OnNodeEvent(f func(TraceEvent)) { s.nodeListener = f }

// hookViolations makes the checks report violations while anything
// records or listens.
func (s *Sim) hookViolations() {
	if s.tracing() {
		s.check.onViolation = s.emitViolation
	} else {
		s.check.onViolation = nil
	}
}

// nodeTrace says whether srv's node should report its steps.
func (s *Sim) nodeTrace(srv *server) bool {
	return s.tracing() || s.nodeListener != nil || srv.opts.Debug || !s.opts.NoSafetyCheck
}

// IsDebug reports whether server id is debug-marked (startServers debug,
// addServer ID debug): the shell prints its events even when `debug` is off.
func (s *Sim) IsDebug(id raft.NodeID) bool {
	srv := s.server(id)
	return srv != nil && srv.opts.Debug
}

// SetDebug marks or unmarks server id for debug output.
func (s *Sim) SetDebug(id raft.NodeID, on bool) error {
	srv, err := s.lookup("debug", id)
	if err != nil {
		return err
	}
	srv.opts.Debug = on
	return nil
}

// tracing says whether events must be built at all: for the recorded
// trace or for a listener. Call sites test it before building an event.
func (s *Sim) tracing() bool { return s.ring != nil || s.listener != nil }

// emitRaft reports the steps a node took in one Ready.
func (s *Sim) emitRaft(id raft.NodeID, evs []raft.Event) {
	if s.listener == nil && s.nodeListener == nil {
		if s.ring != nil {
			s.ring.addRafts(s.now, id, evs)
		}
		return
	}
	for i := range evs {
		e := &evs[i]
		if s.ring != nil {
			s.ring.addRaft(s.now, id, e)
		}
		te := TraceEvent{Time: s.now, Kind: EvRaft, Node: id, Peer: e.Peer, Raft: *e}
		if s.listener != nil {
			s.listener(te)
		}
		if s.nodeListener != nil {
			s.nodeListener(te)
		}
	}
}

// emitMsg reports a message event. The trace records it in its compact
// form; the listener gets its own copy of the message, so it may keep it.
//
// The usual case (the trace recorded, no listener) has a function of its
// own: the listener's event, built on the stack, made every call pay
// for a frame of 200 bytes.
func (s *Sim) emitMsg(kind EventKind, node, peer raft.NodeID, m *raft.Message, reason string) {
	if s.listener == nil {
		if s.ring != nil {
			s.ring.addMsg(s.now, kind, node, peer, m, reason)
		}
		return
	}
	s.emitMsgListened(kind, node, peer, m, reason)
}

// emitMsgListened is emitMsg with a listener installed.
func (s *Sim) emitMsgListened(kind EventKind, node, peer raft.NodeID, m *raft.Message, reason string) {
	if s.ring != nil {
		s.ring.addMsg(s.now, kind, node, peer, m, reason)
	}
	mc := *m
	s.listener(TraceEvent{Time: s.now, Kind: kind, Node: node, Peer: peer, Msg: &mc, Reason: reason})
}

// emitOther reports an event without a message or a Raft step (a crash,
// a network change, a violation, a disk event).
func (s *Sim) emitOther(e TraceEvent) {
	if s.ring != nil {
		s.ring.addOther(&e)
	}
	if s.listener != nil {
		s.listener(e)
	}
}

func (s *Sim) emitNode(kind EventKind, id raft.NodeID) {
	s.noteFault(kind, id, "")
	s.emitOther(TraceEvent{Time: s.now, Kind: kind, Node: id, Peer: raft.None})
}

func (s *Sim) emitNet(desc string) {
	s.noteFault(EvPartition, raft.None, desc)
	s.emitOther(TraceEvent{Time: s.now, Kind: EvPartition, Node: raft.None, Peer: raft.None, Reason: desc})
}

func (s *Sim) emitViolation(v *Violation) {
	if !s.tracing() {
		return
	}
	e := TraceEvent{Time: s.now, Kind: EvViolation, Node: raft.None, Peer: raft.None, Reason: v.Property + ": " + v.Detail}
	if len(v.Servers) > 0 {
		e.Node = v.Servers[0]
	}
	if len(v.Servers) > 1 {
		e.Peer = v.Servers[1]
	}
	s.emitOther(e)
}

// String names the trace event kind.
func (k EventKind) String() string {
	switch k {
	case EvRaft:
		return "raft"
	case EvSend:
		return "send"
	case EvDeliver:
		return "deliver"
	case EvDrop:
		return "drop"
	case EvCrash:
		return "crash"
	case EvRestart:
		return "restart"
	case EvPartition:
		return "network"
	case EvClientCall:
		return "client-call"
	case EvClientReply:
		return "client-reply"
	case EvViolation:
		return "violation"
	case EvDisk:
		return "disk"
	case EvClock:
		return "clock"
	}
	return "unknown"
}
