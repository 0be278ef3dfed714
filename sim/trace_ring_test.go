package sim

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// roundTrip records one message event in a fresh ring and reads it back.
func roundTrip(m raft.Message) raft.Message {
	r := newTraceRing(4)
	r.addMsg(time.Millisecond, EvSend, m.From, m.To, &m, "why")
	return *r.event(r.recs.at(0)).Msg
}

// setField gives field f of v (a struct value) a non-zero value of its type.
func setField(t *testing.T, f reflect.Value, name string) {
	t.Helper()
	switch f.Kind() {
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		f.SetUint(3)
	case reflect.Int, reflect.Int32, reflect.Int64:
		f.SetInt(7)
	case reflect.String:
		f.SetString("x")
	case reflect.Bool:
		f.SetBool(true)
	case reflect.Slice:
		f.Set(reflect.MakeSlice(f.Type(), 1, 1))
	case reflect.Pointer:
		f.Set(reflect.New(f.Type().Elem()))
	default:
		t.Fatalf("field %s of kind %s: teach this test (and the trace in trace_ring.go) about it", name, f.Kind())
	}
}

// TestTraceKeepsEveryField guards the compact trace against raft.Message
// growing: every field, set alone, must come back from the trace. A
// failure here names the field that sim/trace_ring.go has to record.
func TestTraceKeepsEveryField(t *testing.T) {
	base := raft.Message{Type: raft.MsgApp, From: 1, To: 2, Term: 5}
	mt := reflect.TypeFor[raft.Message]()
	for i := range mt.NumField() {
		name := mt.Field(i).Name
		switch name {
		case "Cmd", "Resp":
			sub := mt.Field(i).Type
			ptr := sub.Kind() == reflect.Pointer
			if ptr {
				// A client message carries a Command even when every
				// field of it is zero.
				m := base
				m.Type = raft.MsgClient
				reflect.ValueOf(&m).Elem().Field(i).Set(reflect.New(sub.Elem()))
				require.Equal(t, m, roundTrip(m), "the trace loses a zero raft.Message.%s", name)
				sub = sub.Elem()
			}
			for j := range sub.NumField() {
				m := base
				m.Type = raft.MsgClient
				f := reflect.ValueOf(&m).Elem().Field(i)
				if ptr {
					f.Set(reflect.New(sub))
					f = f.Elem()
				}
				setField(t, f.Field(j), name+"."+sub.Field(j).Name)
				require.Equal(t, m, roundTrip(m), "the trace loses raft.Message.%s.%s", name, sub.Field(j).Name)
			}
			continue
		}
		m := base
		setField(t, reflect.ValueOf(&m).Elem().Field(i), name)
		require.Equal(t, m, roundTrip(m), "the trace loses raft.Message.%s", name)
	}
	// A message with client fields and Raft fields at once is kept whole.
	odd := base
	odd.Commit, odd.Cmd, odd.Resp = 4, &raft.Command{Key: "k"}, &raft.Response{Status: raft.StatusSuccess}
	require.Equal(t, odd, roundTrip(odd))

	et := reflect.TypeFor[raft.Event]()
	for i := range et.NumField() {
		e := raft.Event{Kind: raft.EvCommit, Node: 2, Term: 1, Peer: raft.None}
		setField(t, reflect.ValueOf(&e).Elem().Field(i), et.Field(i).Name)
		r := newTraceRing(2)
		r.addRaft(0, e.Node, &e)
		got := r.event(r.recs.at(0))
		require.Equal(t, e, got.Raft, "the trace loses raft.Event.%s", et.Field(i).Name)
		require.Equal(t, EvRaft, got.Kind)
	}
}

// TestTraceKeepsTheNewest: past its bound the trace drops the oldest.
// TestTraceKeepsEveryNumberOfEveryType guards the layouts by message
// type (packUsual): a message of any type, with any of its numbers set
// besides its term, or all of them, comes back from the trace as it was.
func TestTraceKeepsEveryNumberOfEveryType(t *testing.T) {
	for typ := raft.MsgVote; typ <= raft.MsgSnapResp; typ++ {
		var all [10]uint64
		for i := range all {
			m := raft.Message{Type: typ, From: 1, To: 2, Term: 5}
			n := msgNums(&m)
			n[i] = uint64(10 + i)
			all[i] = uint64(10 + i)
			setNums(&m, &n)
			require.Equal(t, m, roundTrip(m), "the trace loses number %d of a message of type %v", i, typ)
			m.Entries = []raft.Entry{{Index: 1, Term: 5}}
			require.Equal(t, m, roundTrip(m), "the trace loses number %d of a message of type %v with entries", i, typ)
		}
		m := raft.Message{Type: typ, From: 1, To: 2}
		setNums(&m, &all)
		require.Equal(t, m, roundTrip(m), "the trace loses the numbers of a message of type %v", typ)
	}
}

func TestTraceKeepsTheNewest(t *testing.T) {
	s := New(Options{TraceCap: 3})
	for i := range 5 {
		s.now = time.Duration(i) * time.Millisecond
		s.emitNet("heal")
	}
	got := s.Trace()
	require.Len(t, got, 3)
	for i, e := range got {
		require.Equal(t, time.Duration(i+2)*time.Millisecond, e.Time)
		require.Equal(t, EvPartition, e.Kind)
	}
	require.Equal(t, TraceStats{Kept: 3, Dropped: 2, Cap: 3}, s.TraceStats())
}

// The ring is read right at every count of values put, across its
// blocks and around its end (where next stays at cap until the
// next value).
func TestTraceRingAtEveryCount(t *testing.T) {
	for _, capacity := range []int{1, 3, traceBlock, traceBlock + 5} {
		s := New(Options{TraceCap: capacity})
		for i := range 2*capacity + 3 {
			s.now = time.Duration(i) * time.Millisecond
			s.emitNet("heal")
			require.Equal(t, s.ring.recs.n, s.sentRecord().num)
			require.Equal(t, s.now, s.ring.event(s.ring.recs.at(int(s.sentRecord().idx))).Time)
			if n := i + 1; n > 5 && n%capacity > 1 && n%traceBlock > 1 {
				continue // the whole trace at the edges only
			}
			got := s.Trace()
			require.Len(t, got, min(i+1, capacity))
			require.Equal(t, s.now, got[len(got)-1].Time, "cap %d, %d values", capacity, i+1)
			require.Equal(t, time.Duration(i+1-len(got))*time.Millisecond, got[0].Time, "cap %d, %d values", capacity, i+1)
		}
	}
}

// TestTraceIsWhatTheListenerSaw: the trace is recorded without anyone
// asking, and it holds exactly the events a listener sees (disk events
// through elections, client traffic, a crash, lost messages and a slow disk.
func TestTraceIsWhatTheListenerSaw(t *testing.T) {
	// The default bound holds the whole run; a bound past one block
	// (traceBlock) but below the run wraps around, keeping the newest.
	for _, capacity := range []int{0, traceBlock + 500} {
		traceMatchesListener(t, capacity)
	}
}

func traceMatchesListener(t *testing.T, capacity int) {
	s := New(Options{Seed: 3, TraceCap: capacity})
	var heard []TraceEvent
	s.OnEvent(func(e TraceEvent) { heard = append(heard, e) })
	require.NoError(t, s.StartServers(3, ServerOptions{}))
	l, ok := s.LeaderID(true)
	require.True(t, ok)
	_, err := s.ClientRequest(raft.None, set("a", "1"))
	require.NoError(t, err)
	require.NoError(t, s.Crash(l))
	require.NoError(t, s.SetNet(NetRule{Set: NetLoss | NetDup, Model: NetModel{Loss: 0.3, Dup: 0.2}}))
	require.NoError(t, s.SetFsync(raft.None, 3*time.Millisecond))
	s.Run(time.Second)
	_, err = s.ClientRequest(raft.None, raft.Command{Op: raft.OpGet, Key: "a", ReadOnly: true})
	require.NoError(t, err)

	s.Run(time.Minute)
	got := s.Trace()
	if capacity > 0 {
		require.Greater(t, len(heard), capacity, "the run is too short to wrap the trace")
		heard = heard[len(heard)-capacity:]
	}
	require.Equal(t, len(heard), len(got))
	for i := range got {
		require.Equal(t, formatEvent(heard[i]), formatEvent(got[i]), "event %d", i)
	}
	kinds := map[EventKind]int{}
	for _, e := range got {
		kinds[e.Kind]++
	}
	if capacity > 0 {
		return
	}
	for _, k := range []EventKind{EvRaft, EvSend, EvDeliver, EvDrop, EvCrash, EvPartition, EvClientCall, EvClientReply, EvDisk} {
		require.Positive(t, kinds[k], "no %s event in the trace", k)
	}
}

// TestTraceOff: a negative bound records nothing.
func TestTraceOff(t *testing.T) {
	s := New(Options{TraceCap: -1})
	require.NoError(t, s.StartServers(3, ServerOptions{}))
	s.Run(time.Second)
	require.Empty(t, s.Trace())
	require.Equal(t, TraceStats{}, s.TraceStats())
}

// TestTraceDeliveryCopies: a delivery recorded as a copy of its send's
// record (traceRing.addDeliver) reads back exactly as one packed anew, with
// duplicates, losses, a crash and a trace short enough to wrap while
// messages are in flight. A listener makes every delivery be packed anew.
func TestTraceDeliveryCopies(t *testing.T) {
	run := func(listen bool, capacity int) []TraceEvent {
		s := New(Options{Seed: 3, TraceCap: capacity})
		if listen {
			s.OnEvent(func(TraceEvent) {})
		}
		require.NoError(t, s.StartServers(3, ServerOptions{}))
		_, ok := s.LeaderID(true)
		require.True(t, ok)
		_, err := s.StartLoad(LoadOptions{Clients: 3, Rate: 100, Duration: 2 * time.Second})
		require.NoError(t, err)
		s.Run(500 * time.Millisecond)
		require.NoError(t, s.SetNet(NetRule{Set: NetDup | NetLoss, Model: NetModel{Dup: 0.2, Loss: 0.05}}))
		s.Run(time.Second)
		require.NoError(t, s.Crash(1))
		s.Run(time.Second)
		// Messages in flight while hundreds of events pass: their sends
		// leave the short trace before they arrive.
		require.NoError(t, s.SetNet(NetRule{Set: NetLatency, Model: NetModel{LatencyMin: 5 * time.Millisecond, LatencyMax: 400 * time.Millisecond}}))
		s.Run(2 * time.Second)
		return s.Trace()
	}
	for _, capacity := range []int{700, 25} {
		copied, packed := run(false, capacity), run(true, capacity)
		require.Len(t, copied, capacity)
		for i := range packed {
			require.Equal(t, packed[i], copied[i], "event %d of %d (trace of %d)", i, len(packed), capacity)
		}
	}
}
