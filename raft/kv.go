package raft

// kvStore is the replicated key/value state machine with client sessions
// (dissertation §6.3): for each client, the last sequence number applied and
// its response, so that a retried command is applied once.
type kvStore struct {
	data     map[string]Value
	sessions map[uint64]session
}

type session struct {
	seq  uint64
	resp Response
}

func newKV() *kvStore {
	return &kvStore{data: map[string]Value{}, sessions: map[uint64]session{}}
}

const (
	valTrue  Value = "true"
	valFalse Value = "false"
)

// apply executes cmd and returns its response. A command whose session
// sequence number was already applied is not executed again.
func (kv *kvStore) apply(cmd Command) Response {
	if cmd.ClientID != 0 {
		if s, ok := kv.sessions[cmd.ClientID]; ok && cmd.Seq <= s.seq {
			if cmd.Seq == s.seq {
				return s.resp
			}
			return Response{ClientID: cmd.ClientID, Seq: cmd.Seq, Status: StatusError, Err: "stale request: the client has moved on"}
		}
	}
	r := Response{ClientID: cmd.ClientID, Seq: cmd.Seq, Status: StatusSuccess, LeaderHint: None}
	switch cmd.Op {
	case OpGet:
		r.Result = kv.data[cmd.Key]
	case OpSet:
		kv.data[cmd.Key] = cmd.Value
		r.Result = cmd.Value
	case OpDel:
		r.Result = kv.data[cmd.Key]
		delete(kv.data, cmd.Key)
	case OpCAS:
		if kv.data[cmd.Key] == cmd.Old {
			if cmd.Value == "" {
				delete(kv.data, cmd.Key)
			} else {
				kv.data[cmd.Key] = cmd.Value
			}
			r.Result = valTrue
		} else {
			r.Result = valFalse
		}
	default:
		r.Status = StatusError
		r.Err = "unknown operation " + cmd.Op.String()
	}
	if cmd.ClientID != 0 {
		kv.sessions[cmd.ClientID] = session{seq: cmd.Seq, resp: r}
	}
	return r
}

// read serves a read-only get outside the log (ReadIndex, §6.4).
func (kv *kvStore) read(cmd Command) Response {
	return Response{ClientID: cmd.ClientID, Seq: cmd.Seq, Status: StatusSuccess, Result: kv.data[cmd.Key], LeaderHint: None}
}

func (kv *kvStore) snapshot() map[string]Value {
	m := make(map[string]Value, len(kv.data))
	for k, v := range kv.data {
		m[k] = v
	}
	return m
}
