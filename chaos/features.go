package chaos

import (
	"strings"
	"sync"

	"raftsim/repl/session"
)

// features says which of the shell's newer commands this build has. The
// fault, workload and checker commands arrive one by one; chaos asks the
// shell instead of assuming, so that it works with what exists and uses
// each command as soon as it lands.
type features struct {
	Net          bool // net loss=P dup=P reorder=P longdelay=P:MIN-MAX latency=MIN-MAX
	Disk         bool // disk ID fsync=D
	Load         bool // load clients=N rate=R/s keys=K for=D
	Linearizable bool // expect linearizable
}

var (
	featOnce sync.Once
	feat     features
)

// available probes the shell once per process.
func available() features {
	featOnce.Do(func() { feat = probe() })
	return feat
}

// probe runs each command once in a throwaway session. A command is there
// unless the shell answers that it is not implemented yet.
func probe() features {
	s := session.New(session.Options{Seed: 1})
	s.Exec("startServers 3")
	s.Exec("run 500ms")
	has := func(line string) bool {
		r := s.Exec(line)
		return r.Err == nil || !strings.Contains(r.Err.Error(), "not implemented")
	}
	return features{
		Net:          has("net"),
		Disk:         has("disk 0 fsync=1ms"),
		Load:         has("load clients=1 rate=1/s keys=1 for=100ms"),
		Linearizable: has("expect linearizable"),
	}
}

// kinds lists the fault kinds this build can inject.
func (f features) kinds() []Fault {
	out := []Fault{FaultPartition, FaultCut, FaultCrash}
	if f.Net {
		out = append(out, FaultNet)
	}
	if f.Disk {
		out = append(out, FaultDisk)
	}
	return append(out, FaultMembership, FaultBridge, FaultSnapshot, FaultTransfer, FaultClock)
}
