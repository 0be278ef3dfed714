package kv

import (
	"encoding/json"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"raftsim/raft"
)

// TestSnapshotEncodesAsJSONDoes checks appendSnapshot against json.Marshal
// on snapshotStates.
func TestSnapshotEncodesAsJSONDoes(t *testing.T) {
	for _, st := range snapshotStates() {
		want, err := json.Marshal(st)
		require.NoError(t, err)
		var keys []string
		if st.Data != nil {
			keys = slices.Sorted(maps.Keys(st.Data))
		}
		require.Equal(t, string(want), string(appendSnapshot(nil, &st, keys)))
	}
}

// TestSnapshotParsesAsJSONDoes checks parseSnapshot against json.Unmarshal
// on the encodings of the states above: it reads every one without
// escapes as json does, and hands every other to json (says false).
func TestSnapshotParsesAsJSONDoes(t *testing.T) {
	fast := 0
	for _, st := range snapshotStates() {
		b, err := json.Marshal(st)
		require.NoError(t, err)
		var want, got snapshotState
		require.NoError(t, json.Unmarshal(b, &want))
		if parseSnapshot(b, &got) {
			fast++
			require.Equal(t, want, got, string(b))
		} else {
			plain := !strings.ContainsFunc(string(b), func(r rune) bool { return r == '\\' || r >= 0x7f })
			require.False(t, plain, "only strings with escapes or beyond ASCII are left to json: %s", b)
		}
	}
	require.Greater(t, fast, 20, "the fast path must be tried")
	// Not what Snapshot writes: left to json (which may refuse it too).
	for _, b := range []string{``, `{}`, `{"data":{}`, `{"data":{} }`, `{"data":{"a":1}}`, `{"data":{"a":"1"},"clock":}`,
		`{"data":{},"expired":[1,]}`, `{"data":{},"sessions":[{"client":1}]}`, `{"data":{}}x`, `{"data":{},"clock":1.5}`} {
		var st snapshotState
		require.False(t, parseSnapshot([]byte(b), &st), b)
	}
}

// snapshotStates are hand-picked and random states: strings that need
// escapes (quotes, backslashes, control and HTML characters, non-ASCII,
// invalid UTF-8), empty and missing fields, large numbers.
func snapshotStates() []snapshotState {
	odd := []string{"", "a", "k0", `say "hi"`, `back\slash`, "tab\there", "nl\n", "<b>&amp;</b>", "a<b", "b>a", "é", "日本", "\u2028", "\xff\xfe", "del\x7f", " ", "{}"}
	states := []snapshotState{
		{},
		{Data: map[string]raft.Value{}},
		{Data: map[string]raft.Value{"a": "1"}, Clock: time.Second},
		{Data: map[string]raft.Value{"z": "", "a": "x"}, Expired: []uint64{1 << 63, 3}, Sessions: []sessionState{
			{Client: 1 << 30, Seq: 0, Status: raft.StatusSuccess},
			{Client: 7, Seq: 1<<64 - 1, Status: raft.StatusNotLeader, Result: "v", Err: "no", Last: -time.Millisecond},
		}},
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	pick := func() string { return odd[rnd.IntN(len(odd))] }
	for range 500 {
		st := snapshotState{Data: map[string]raft.Value{}, Clock: time.Duration(rnd.Int64N(3)) * time.Hour}
		for range rnd.IntN(6) {
			st.Data[pick()] = raft.Value(pick())
		}
		for range rnd.IntN(4) {
			st.Sessions = append(st.Sessions, sessionState{Client: rnd.Uint64N(5000), Seq: rnd.Uint64(), Status: raft.Status(pick()),
				Result: raft.Value(pick()), Err: pick(), Last: time.Duration(rnd.Int64N(2)) * time.Duration(rnd.Int64())})
		}
		for range rnd.IntN(3) {
			st.Expired = append(st.Expired, rnd.Uint64())
		}
		states = append(states, st)
	}
	return states
}
