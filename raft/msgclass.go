package raft

// MsgClass sorts message types by the part of the protocol they serve. It
// is for what reads a trace (the timeline's filters and colours, the web
// view's, why's words): a new message type is classified here, once, and
// TestEveryMsgTypeHasAClass fails until it is.
type MsgClass uint8

// Message classes.
const (
	ClassUnknown     MsgClass = iota
	ClassElection             // RequestVote and PreVote, and their answers (§5.2, dissertation §9.6)
	ClassReplication          // AppendEntries and its answer (§5.3)
	ClassHeartbeat            // Heartbeat and its answer (§5.2, §6.4)
	ClassTransfer             // TimeoutNow (dissertation §3.10)
	ClassSnapshot             // InstallSnapshot's chunks and their answers (§7)
	ClassClient               // client requests and their answers (§8)
)

// Class returns the class of t.
func (t MsgType) Class() MsgClass {
	switch t {
	case MsgVote, MsgVoteResp, MsgPreVote, MsgPreVoteResp:
		return ClassElection
	case MsgApp, MsgAppResp:
		return ClassReplication
	case MsgHeartbeat, MsgHeartbeatResp:
		return ClassHeartbeat
	case MsgTimeoutNow:
		return ClassTransfer
	case MsgSnap, MsgSnapResp:
		return ClassSnapshot
	case MsgClient, MsgClientResp:
		return ClassClient
	}
	return ClassUnknown
}

// IsResponse reports whether a message of type t answers another.
func (t MsgType) IsResponse() bool {
	switch t {
	case MsgVoteResp, MsgPreVoteResp, MsgAppResp, MsgHeartbeatResp, MsgSnapResp, MsgClientResp:
		return true
	}
	return false
}

// FromLeader reports whether a message of type t is a leader's to its
// followers: one of its term makes the receiver follow its sender and
// resets the receiver's election timer (§5.2, §7).
func (t MsgType) FromLeader() bool { return t == MsgApp || t == MsgHeartbeat || t == MsgSnap }
