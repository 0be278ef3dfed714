package sim

import "raftsim/raft"

// OnEvent installs the trace listener (nil removes it). Trace events are
// built only while a listener is installed, so the trace costs nothing when
// it is off. The listener sees every event; to show only debug-marked
// servers it filters with IsDebug.
//
// Nodes report their own steps (elections, commits, ...) only if they were
// built with tracing on. Nodes are built with it on while a listener is
// installed, while any server is debug-marked, or while the safety checks
// are on (the shell's case), so that `debug on` in the middle of a session
// shows everything; a benchmark (NoSafetyCheck, no listener) pays nothing.
func (s *Sim) OnEvent(f func(TraceEvent)) {
	s.listener = f
	if f != nil {
		s.check.onViolation = s.emitViolation
	} else {
		s.check.onViolation = nil
	}
}

// nodeTrace says whether srv's node should report its steps.
func (s *Sim) nodeTrace(srv *server) bool {
	return s.listener != nil || srv.opts.Debug || !s.opts.NoSafetyCheck
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

func (s *Sim) emit(e TraceEvent) {
	if s.listener != nil {
		s.listener(e)
	}
}

// emitMsg reports a message event. The listener gets its own copy of the
// message, so it may keep it.
func (s *Sim) emitMsg(kind EventKind, node, peer raft.NodeID, m *raft.Message, reason string) {
	mc := *m
	s.listener(TraceEvent{Time: s.now, Kind: kind, Node: node, Peer: peer, Msg: &mc, Reason: reason})
}

func (s *Sim) emitNode(kind EventKind, id raft.NodeID) {
	s.noteFault(kind, id, "")
	if s.listener != nil {
		s.listener(TraceEvent{Time: s.now, Kind: kind, Node: id, Peer: raft.None})
	}
}

func (s *Sim) emitNet(desc string) {
	s.noteFault(EvPartition, raft.None, desc)
	if s.listener != nil {
		s.listener(TraceEvent{Time: s.now, Kind: EvPartition, Node: raft.None, Peer: raft.None, Reason: desc})
	}
}

func (s *Sim) emitViolation(v *Violation) {
	if s.listener == nil {
		return
	}
	e := TraceEvent{Time: s.now, Kind: EvViolation, Node: raft.None, Peer: raft.None, Reason: v.Property + ": " + v.Detail}
	if len(v.Servers) > 0 {
		e.Node = v.Servers[0]
	}
	if len(v.Servers) > 1 {
		e.Peer = v.Servers[1]
	}
	s.listener(e)
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
	}
	return "unknown"
}
