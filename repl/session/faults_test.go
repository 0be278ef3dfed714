package session

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
	"raftsim/repl/render"
	"raftsim/sim"
)

// text renders a result for people, without colours.
func text(r render.Result) string {
	return (&render.Renderer{}).Text(r)
}

func TestExecNetSetsAndShows(t *testing.T) {
	s, _ := cluster(t)
	r := execOK(t, s, "net")
	assert.Equal(t, "LINK  LOSS  DUP  LATENCY   DIST     REORDER  LONGDELAY\n"+
		"all   0     0    5ms-15ms  uniform  0        0\n"+
		"(every link, client links included, follows `all`; set one link with net 0->1 loss=0.5)\n", text(r))

	r = execOK(t, s, "net loss=10% latency=2-4 dist=exp")
	assert.Equal(t, render.Message("network: loss=0.1 latency=2ms-4ms dist=exp on every link"), r.Value)
	execOK(t, s, "net 0 -> 1 loss=0.5")
	execOK(t, s, "net 1<->2 longdelay=0.1:100ms-1s")
	g := s.Sim().Net()
	assert.Equal(t, 0.1, g.Global.Loss)
	assert.Equal(t, sim.DistExp, g.Global.Dist)
	require.Len(t, g.Links, 3)
	assert.Equal(t, 0.5, g.Links[0].Effective.Loss)
	assert.Equal(t, 2*time.Millisecond, g.Links[0].Effective.LatencyMin, "inherited from the global model")

	r = execOK(t, s, "net")
	assert.Equal(t, "LINK   LOSS  DUP  LATENCY  DIST  REORDER  LONGDELAY\n"+
		"all    0.1   0    2ms-4ms  exp   0        0\n"+
		"0->1   0.5\n"+
		"1<->2                                     0.1:100ms-1s\n"+
		"(a blank setting of a link is the one of `all`; links to clients follow `all`)\n", text(r))

	execOK(t, s, "net 1->2 reset")
	assert.Len(t, s.Sim().Net().Links, 2)
	execOK(t, s, "heal")
	assert.Equal(t, 0.1, s.Sim().Net().Global.Loss, "heal keeps the model")
	r = execOK(t, s, "net reset")
	assert.Contains(t, r.Value, "default model")
	g = s.Sim().Net()
	assert.Equal(t, sim.NetModel{LatencyMin: sim.DefaultLatencyMin, LatencyMax: sim.DefaultLatencyMax}, g.Global)
	assert.Empty(t, g.Links)
}

func TestExecNetJSForm(t *testing.T) {
	s, _ := cluster(t)
	execOK(t, s, "t.net({ loss: 0.25, dup: 0.1 });")
	g := s.Sim().Net().Global
	assert.Equal(t, 0.25, g.Loss)
	assert.Equal(t, 0.1, g.Dup)
}

func TestExecNetErrors(t *testing.T) {
	s, _ := cluster(t)
	execErr(t, s, "net loss=1.5", "net: loss must be between 0 and 1, got 1.5")
	execErr(t, s, "net los=0.1", `net: unknown setting "los" (did you mean loss? the settings are loss, dup, latency, dist, reorder, longdelay)`)
	execErr(t, s, "net latency=20ms-5ms", "latency minimum 20ms is above its maximum 5ms")
	execErr(t, s, "net latency=soon", `latency: bad duration "soon"`)
	execErr(t, s, "net dist=normal", `dist must be uniform or exp, got "normal"`)
	execErr(t, s, "net longdelay=0.5", "longdelay needs a range: P:MIN-MAX")
	execErr(t, s, "net 0->1", "net 0->1: say what to set")
	execErr(t, s, "net 0->9 loss=1", "server 9 does not exist")
	execErr(t, s, "net 2<->2 loss=1", "a link joins two different servers")
	execErr(t, s, "net 0-1 loss=1", `bad link "0-1"`)
	execErr(t, s, "net fast", `bad link "fast"`)
	execErr(t, s, "net reset loss=0", "reset takes no settings")
	// A failed line changes nothing, even when its first settings were fine.
	execErr(t, s, "net loss=0.5 dup=2", "dup must be between 0 and 1, got 2")
	assert.Zero(t, s.Sim().Net().Global.Loss)
}

func TestExecDisk(t *testing.T) {
	s, l := cluster(t)
	f := raft.NodeID((int(l) + 1) % 3)
	r := execOK(t, s, "disk "+itoa(f)+" fsync=100ms")
	assert.Contains(t, r.Value, "a write is durable 100ms after the previous one")
	execOK(t, s, "clientRequest set a 1")
	r = execOK(t, s, "disk")
	out := text(r)
	assert.Contains(t, out, "ID  FSYNC  PENDING  HELD MSGS  NEXT DURABLE  DISK TERM  DISK LOG  MEMORY LOG  UP\n")
	d := r.Value.(render.DiskShown).Disks[f]
	assert.Equal(t, 100*time.Millisecond, d.Fsync)
	assert.Positive(t, d.Pending, "the slow follower's write is still pending")
	assert.Less(t, d.DiskLast, d.MemLast)
	execOK(t, s, "run 500ms")
	d = s.Sim().Disks()[f]
	assert.Zero(t, d.Pending)
	assert.Equal(t, d.MemLast, d.DiskLast)

	execOK(t, s, "disk fsync=5")
	for _, d := range s.Sim().Disks() {
		assert.Equal(t, 5*time.Millisecond, d.Fsync, "a bare number is milliseconds")
	}
	r = execOK(t, s, "disk fsync=0")
	assert.Contains(t, r.Value, "durable at once")
	execOK(t, s, "t.disk(1, { fsync: 20 })")
	assert.Equal(t, 20*time.Millisecond, s.Sim().Disks()[1].Fsync)
}

func TestExecDiskErrors(t *testing.T) {
	s, _ := cluster(t)
	execErr(t, s, "disk 9 fsync=1ms", "disk: server 9 does not exist")
	execErr(t, s, "disk fsync=-5ms", "fsync must not be negative")
	execErr(t, s, "disk fsync=slow", `bad fsync time "slow"`)
	execErr(t, s, "disk fsync=2h", "fsync must be between 0 and 1h0m0s, got 2h0m0s")
	execErr(t, s, "disk fsnyc=1ms", `unknown setting "fsnyc" (did you mean fsync?)`)
	execErr(t, s, "disk 1", "disk 1: say how slow")
	execErr(t, s, "disk 1 2 fsync=1ms", "unexpected 2")
	for _, d := range s.Sim().Disks() {
		assert.Zero(t, d.Fsync)
	}
}

func TestExecNetDiskJSON(t *testing.T) {
	s, _ := cluster(t)
	execOK(t, s, "net 0->1 loss=0.5")
	assert.Equal(t, `{"cmd":"net","t_ms":`+jsonTime(s)+`,"ok":true,"result":{"global":{"loss":0,"dup":0,"latency_min_ms":5,"latency_max_ms":15,"dist":"uniform","reorder":0,"longdelay":0,"longdelay_min_ms":0,"longdelay_max_ms":0},`+
		`"links":[{"link":"0->1","from":0,"to":1,"set":{"loss":0.5},"effective":{"loss":0.5,"dup":0,"latency_min_ms":5,"latency_max_ms":15,"dist":"uniform","reorder":0,"longdelay":0,"longdelay_min_ms":0,"longdelay_max_ms":0}}]}}`+"\n",
		jsonOf(s, "net"))
	out := jsonOf(s, "disk")
	var v struct {
		Result struct {
			DefaultFsyncMs float64 `json:"default_fsync_ms"`
			Servers        []struct {
				ID            int      `json:"id"`
				Up            bool     `json:"up"`
				FsyncMs       float64  `json:"fsync_ms"`
				Pending       int      `json:"pending"`
				NextDurableMs *float64 `json:"next_durable_ms"`
				DiskLog       uint64   `json:"disk_log"`
				MemoryLog     *uint64  `json:"memory_log"`
			} `json:"servers"`
		} `json:"result"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &v), out)
	require.Len(t, v.Result.Servers, 3)
	for _, srv := range v.Result.Servers {
		assert.True(t, srv.Up)
		assert.Nil(t, srv.NextDurableMs)
		require.NotNil(t, srv.MemoryLog)
		assert.Equal(t, srv.DiskLog, *srv.MemoryLog)
	}
	assert.Contains(t, jsonOf(s, "net loss=0.2"), `"result":"network: loss=0.2 on every link"`)
}

func jsonTime(s *Session) string {
	b, _ := json.Marshal(render.Millis(s.Sim().Now()))
	return string(b)
}

func TestDebugShowsDuplicatesAndDiskWrites(t *testing.T) {
	s, l := cluster(t)
	f := raft.NodeID((int(l) + 1) % 3)
	execOK(t, s, "run 100ms")
	execOK(t, s, "net dup=1")
	execOK(t, s, "disk "+itoa(f)+" fsync=1s")
	execOK(t, s, "debug verbose")
	out := text(execOK(t, s, "clientRequest set a 1"))
	assert.Contains(t, out, "(duplicate)")
	assert.Contains(t, out, "S"+itoa(f)+" appended 2@t1 set a=1")
	out = text(execOK(t, s, "crash "+itoa(f)))
	assert.Contains(t, out, "S"+itoa(f)+": the crash lost 1 disk write not yet durable (entry 2) and ")
	execOK(t, s, "restart "+itoa(f))
	execOK(t, s, "disk "+itoa(f)+" fsync=30ms")
	out = text(execOK(t, s, "run 200ms"))
	assert.Contains(t, out, "S"+itoa(f)+": disk write of entry 2 is durable; ")
}
