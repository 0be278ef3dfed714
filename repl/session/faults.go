package session

import (
	"fmt"
	"strings"
	"time"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

// net sets or shows the network model:
//
//	net                              show it
//	net KEY=VALUE ...                set it for every link
//	net A->B KEY=VALUE ...           set it for one link, one way (A<->B: both)
//	net A->B reset                   the link follows the global model again
//	net reset                        the default model everywhere, no link rules
func (s *Session) net(c lang.Command) render.Result {
	var pos []string
	var rule sim.NetRule
	var keys []string
	for _, a := range c.Args {
		if a.Key == "" {
			pos = append(pos, a.Text)
			continue
		}
		if err := unknownSetting(a.Key); err != nil {
			return render.Result{Err: err}
		}
		if err := sim.ParseNetSetting(&rule, a.Key, a.Text); err != nil {
			return render.Result{Err: fmt.Errorf("net: %v", err)}
		}
		keys = append(keys, a.Key)
	}
	reset := len(pos) > 0 && strings.EqualFold(pos[len(pos)-1], "reset")
	if reset {
		pos = pos[:len(pos)-1]
	}
	for i, p := range pos {
		if strings.EqualFold(p, "reset") {
			// `net reset now` is not the link "resetnow".
			return render.Result{Err: fmt.Errorf("net: unexpected %q after reset: reset ends the command (net reset, or net 0->1 reset for one link)", strings.Join(pos[i+1:], " "))}
		}
	}
	spec := strings.Join(pos, "")
	if reset && len(keys) > 0 {
		return render.Result{Err: fmt.Errorf("net: reset takes no settings (net reset, or net 0->1 reset for one link)")}
	}
	if spec == "" {
		switch {
		case reset:
			s.sim.ResetNet()
			g := s.sim.Net().Global
			return render.Result{OK: true, Value: render.Message("network: default model on every link (" + g.String() + "); link rules removed")}
		case len(keys) == 0:
			return render.Result{OK: true, Value: render.NetShown{View: s.sim.Net()}}
		}
		if err := s.sim.SetNet(rule); err != nil {
			return render.Result{Err: err}
		}
		return render.Result{OK: true, Value: render.Message("network: " + rule.String() + " on every link")}
	}
	from, to, both, err := s.link(c, spec)
	if err != nil {
		return render.Result{Err: err}
	}
	name := render.LinkText(from, to, both)
	switch {
	case reset:
		if err := s.sim.ClearLinkNet(from, to, both); err != nil {
			return render.Result{Err: err}
		}
		return render.Result{OK: true, Value: render.Message("network " + name + ": follows the global model again")}
	case len(keys) == 0:
		return render.Result{Err: fmt.Errorf("net %s: say what to set, e.g. net %s loss=0.5 latency=50ms-100ms (or net %s reset)", name, name, name)}
	}
	if err := s.sim.SetLinkNet(from, to, both, rule); err != nil {
		return render.Result{Err: err}
	}
	return render.Result{OK: true, Value: render.Message("network " + name + ": " + rule.String() + " (other settings as on every link)")}
}

// unknownSetting says what is wrong with a setting name that `net` does not
// know, suggesting the closest one.
func unknownSetting(key string) error {
	for _, n := range sim.NetSettings {
		if strings.EqualFold(n, key) {
			return nil
		}
	}
	return fmt.Errorf("net: unknown setting %q (%sthe settings are %s)", key, didYouMean(key, sim.NetSettings), strings.Join(sim.NetSettings, ", "))
}

// link reads a link written A->B or A<->B between existing servers.
func (s *Session) link(c lang.Command, spec string) (from, to raft.NodeID, both bool, err error) {
	sep := "->"
	if strings.Contains(spec, "<->") {
		sep, both = "<->", true
	}
	ends := strings.Split(spec, sep)
	if len(ends) != 2 || ends[0] == "" || ends[1] == "" {
		return 0, 0, false, fmt.Errorf("%s: bad link %q (write A->B for one way or A<->B for both, e.g. %s 0->1 ...; settings are KEY=VALUE)", c.Name, spec, c.Name)
	}
	var ids [2]raft.NodeID
	for i, e := range ends {
		id, err := s.serverArg(lang.Command{Name: c.Name, Args: []lang.Arg{{Kind: lang.ArgWord, Text: e}}}, 0, true)
		if err != nil {
			return 0, 0, false, err
		}
		ids[i] = id
	}
	if ids[0] == ids[1] {
		return 0, 0, false, fmt.Errorf("%s: a link joins two different servers, not %d and %d", c.Name, ids[0], ids[1])
	}
	return ids[0], ids[1], both, nil
}

// disk sets or shows disk speed:
//
//	disk                  show every server's disk
//	disk fsync=D          every server (and servers created later)
//	disk ID fsync=D       one server
func (s *Session) disk(c lang.Command) render.Result {
	id := raft.None
	fsync, haveFsync := time.Duration(0), false
	for i, a := range c.Args {
		switch {
		case a.Key == "" && id == raft.None:
			sid, err := s.serverArg(c, i, true)
			if err != nil {
				return render.Result{Err: err}
			}
			id = sid
		case a.Key == "":
			return render.Result{Err: fmt.Errorf("disk: unexpected %s (try disk 1 fsync=10ms, or disk fsync=10ms for every server)", s.show(i, a))}
		case strings.EqualFold(a.Key, "fsync"):
			d, ok := parseDuration(a)
			if !ok {
				return render.Result{Err: fmt.Errorf("disk: bad fsync time %s (a duration like 10ms, or 0 for an instant disk; a bare number is milliseconds)", s.show(i, a))}
			}
			if d < 0 {
				return render.Result{Err: fmt.Errorf("disk: fsync must not be negative, got %v (0 makes writes durable at once)", d)}
			}
			fsync, haveFsync = d, true
		default:
			hint := ""
			if sug := closest(a.Key, []string{"fsync"}); sug != "" {
				hint = " (did you mean fsync?)"
			}
			return render.Result{Err: fmt.Errorf("disk: unknown setting %q%s: the setting is fsync=DURATION", a.Key, hint)}
		}
	}
	if !haveFsync {
		if id != raft.None {
			return render.Result{Err: fmt.Errorf("disk %d: say how slow, e.g. disk %d fsync=10ms (disk alone shows every disk)", id, id)}
		}
		return render.Result{OK: true, Value: render.DiskShown{Disks: s.sim.Disks(), Default: s.sim.DefaultFsync(), Now: s.sim.Now()}}
	}
	if err := s.sim.SetFsync(id, fsync); err != nil {
		return render.Result{Err: err}
	}
	what := "every server's disk (and new servers')"
	if id != raft.None {
		what = fmt.Sprintf("S%d's disk", id)
	}
	if fsync == 0 {
		return render.Result{OK: true, Value: render.Message(what + ": writes are durable at once")}
	}
	return render.Result{OK: true, Value: render.Message(fmt.Sprintf("%s: a write is durable %v after the previous one (a crash loses what is not)", what, fsync))}
}
