package session

import (
	"fmt"
	"strings"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
)

const clientUsage = "clientRequest [ID] set K V | get K [ro] | del K | cas K OLD NEW"

var ops = map[string]raft.Op{"set": raft.OpSet, "get": raft.OpGet, "del": raft.OpDel, "cas": raft.OpCAS}

// opArity is the number of arguments after the op (key included).
var opArity = map[raft.Op]int{raft.OpSet: 2, raft.OpGet: 1, raft.OpDel: 1, raft.OpCAS: 3}

// clientArgs puts the arguments in positional order. The JS form may leave
// keys on them ({op: "set", key: 'a', value: 1}); they are reordered here.
func clientArgs(c lang.Command) (pos []lang.Arg, idx []int, ro bool, err error) {
	keyed := map[string]int{}
	for i, a := range c.Args {
		if a.Key == "" {
			pos = append(pos, a)
			idx = append(idx, i)
			continue
		}
		k := strings.ToLower(a.Key)
		switch k {
		case "ro", "readonly":
			ro = ro || truthy(a)
		case "op", "key", "value", "old", "new":
			keyed[k] = i
		default:
			return nil, nil, false, fmt.Errorf("clientRequest: unknown field %q (fields: op, key, value, old, new, ro)", a.Key)
		}
	}
	for _, k := range []string{"op", "key", "value", "old", "new"} {
		if i, ok := keyed[k]; ok {
			a := c.Args[i]
			a.Key = ""
			pos = append(pos, a)
			idx = append(idx, i)
		}
	}
	if n := len(pos); n > 0 && pos[n-1].Kind == lang.ArgWord && strings.EqualFold(pos[n-1].Text, "ro") {
		ro = true
		pos, idx = pos[:n-1], idx[:n-1]
	}
	return pos, idx, ro, nil
}

func (s *Session) clientRequest(c lang.Command) render.Result {
	pos, idx, ro, err := clientArgs(c)
	if err != nil {
		return render.Result{Err: err}
	}
	target := raft.None
	if len(pos) > 0 && (pos[0].Kind == lang.ArgNumber || pos[0].Kind == lang.ArgNull) {
		target, err = s.serverArg(c, idx[0], true)
		if err != nil {
			return render.Result{Err: err}
		}
		pos, idx = pos[1:], idx[1:]
	}
	if len(pos) == 0 {
		return render.Result{Err: fmt.Errorf("clientRequest: missing operation (usage: %s)", clientUsage)}
	}
	opName := strings.ToLower(pos[0].Text)
	op, ok := ops[opName]
	if !ok || pos[0].Kind == lang.ArgNumber {
		return render.Result{Err: fmt.Errorf("clientRequest: unknown operation %s (%susage: %s)", s.show(idx[0], pos[0]), didYouMean(pos[0].Text, []string{"set", "get", "del", "cas"}), clientUsage)}
	}
	if got, want := len(pos)-1, opArity[op]; got != want {
		return render.Result{Err: fmt.Errorf("clientRequest: %s takes %s after the op, got %d (usage: %s)", opName, render.Plural(uint64(want), "argument", "arguments"), got, clientUsage)}
	}
	if ro && op != raft.OpGet {
		return render.Result{Err: fmt.Errorf("clientRequest: ro is only for get (try clientRequest get %s ro)", pos[1].Text)}
	}
	key := pos[1]
	if key.Kind == lang.ArgNull || key.Kind == lang.ArgBool || strings.TrimSpace(key.Text) == "" {
		return render.Result{Err: fmt.Errorf("clientRequest: bad key %s (a key is a word or a string, like a or 'user:1')", s.show(idx[1], key))}
	}
	cmd := raft.Command{Op: op, Key: key.Text, ReadOnly: ro}
	switch op {
	case raft.OpSet:
		cmd.Value = valueArg(pos[2])
	case raft.OpCAS:
		// cas with old = null means "only if the key is absent".
		if pos[2].Kind != lang.ArgNull {
			cmd.Old = valueArg(pos[2])
		}
		cmd.Value = valueArg(pos[3])
	}
	if len(s.sim.Servers()) == 0 {
		return render.Result{Err: fmt.Errorf("clientRequest: no servers to ask (start some with: startServers 3)")}
	}
	resp, err := s.sim.ClientRequest(target, cmd)
	if err != nil {
		return render.Result{Err: simErr("clientRequest", err)}
	}
	return render.Result{OK: true, Value: render.Reply{Resp: resp, Callback: c.Callback}}
}

func (s *Session) getLeaderID(c lang.Command) render.Result {
	if len(c.Args) > 0 {
		return render.Result{Err: fmt.Errorf("getLeaderId: takes no arguments (try lid = getLeaderId)")}
	}
	if len(s.sim.Servers()) == 0 {
		return render.Result{Err: fmt.Errorf("getLeaderId: no servers yet (start some with: startServers 3)")}
	}
	id, ok := s.sim.LeaderID(true)
	return render.Result{OK: true, Value: render.Leader{ID: id, Known: ok}}
}
