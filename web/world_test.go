package web

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"raftsim/raft"
	"raftsim/repl"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

// status is what `status` prints: the whole visible state of the cluster.
func status(t *testing.T, w *world) string {
	t.Helper()
	res := w.sess.Exec("status")
	return (&render.Renderer{}).Text(res)
}

// play builds a session the way the page does: commands at chosen times,
// the clock running between them.
func play(t *testing.T) *world {
	t.Helper()
	w := newWorld(1)
	w.exec("startServers 3", "test")
	w.advance(400 * time.Millisecond)
	w.exec("clientRequest set a 1", "test")
	w.advance(w.sim().Now() + 50*time.Millisecond)
	w.exec("crash 0", "test")
	w.advance(w.sim().Now() + 600*time.Millisecond)
	w.exec("clientRequest set b 2", "test")
	w.advance(w.sim().Now() + 300*time.Millisecond)
	return w
}

// Seeking back replays the session from its seed: the state at a time is
// the same whether the run got there first or was rebuilt to it.
func TestSeekRebuildsTheSameRun(t *testing.T) {
	ref := newWorld(1)
	ref.exec("startServers 3", "test")
	ref.advance(400 * time.Millisecond)
	ref.exec("clientRequest set a 1", "test")
	ref.advance(ref.sim().Now() + 20*time.Millisecond) // play crashes S0 30ms later
	at := ref.sim().Now()
	want := status(t, ref)
	wantFrame := snapshot(ref.sim(), newRecorder())

	w := play(t)
	end := w.sim().Now()
	endStatus := status(t, w)
	w.seek(at)
	if got := w.sim().Now(); got != at {
		t.Fatalf("seek to %v landed at %v", at, got)
	}
	if got := status(t, w); got != want {
		t.Errorf("state after seek back:\n%s\nwant (the run when it was there):\n%s", got, want)
	}
	if got := snapshot(w.sim(), newRecorder()); !reflect.DeepEqual(got.Servers, wantFrame.Servers) {
		t.Errorf("servers drawn after seek differ:\n%+v\nwant\n%+v", got.Servers, wantFrame.Servers)
	}
	if w.cursor >= len(w.entries) {
		t.Fatalf("after a seek back the later commands must stay as the future: cursor %d of %d", w.cursor, len(w.entries))
	}
	// Playing on runs the future commands again at their times: the same end.
	w.advance(end)
	if got := status(t, w); got != endStatus {
		t.Errorf("replaying the future gave:\n%s\nwant:\n%s", got, endStatus)
	}
}

// A command typed after a seek back forks the run: the old future is gone.
func TestActingInThePastForks(t *testing.T) {
	w := play(t)
	n := len(w.entries)
	w.seek(w.entries[2].At - time.Millisecond) // after the first request, before the crash
	w.exec("crash 1", "test")
	if len(w.entries) != 3 || w.entries[2].Line != "crash 1" {
		var lines []string
		for _, e := range w.entries {
			lines = append(lines, e.Line)
		}
		t.Fatalf("entries after the fork: %q (had %d before)", lines, n)
	}
	if w.cursor != len(w.entries) {
		t.Errorf("no future may remain after a fork: cursor %d of %d", w.cursor, len(w.entries))
	}
	if w.horizon != w.sim().Now() {
		t.Errorf("the horizon of the fork is %v, want its present %v", w.horizon, w.sim().Now())
	}
}

// The share link's script replays, with `raftsim run`, to the state the
// page shows.
func TestScriptReplaysTheSession(t *testing.T) {
	w := play(t)
	sc := w.script()
	if !strings.HasPrefix(sc, "# a raftsim web session\nseed 1\nstartServers 3\nrun ") {
		t.Errorf("script does not start with the seed and the first command:\n%s", sc)
	}
	f := filepath.Join(t.TempDir(), "s.raft")
	if err := os.WriteFile(f, []byte(sc+"status\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errs strings.Builder
	if !repl.Run(f, repl.RunOptions{Seed: 1}, &out, &errs) {
		t.Fatalf("script failed: %s\n%s", errs.String(), out.String())
	}
	want := status(t, w)
	if !strings.HasSuffix(out.String(), "> status\n"+want) {
		t.Errorf("the script ends in\n%s\nwant the page's state\n%s", out.String(), want)
	}
	// Loading it back gives the same session.
	w2 := newWorld(1)
	if err := w2.load("s.raft", sc, "test"); err != nil {
		t.Fatal(err)
	}
	if got := status(t, w2); got != want {
		t.Errorf("loaded script gives\n%s\nwant\n%s", got, want)
	}
	if len(w2.entries) != len(w.entries) {
		t.Errorf("loaded %d commands, want %d", len(w2.entries), len(w.entries))
	}
}

// seed N builds a new simulation: the session starts over from that seed.
func TestSeedStartsOver(t *testing.T) {
	w := play(t)
	w.exec("seed 7", "test")
	if w.seed != 7 || len(w.entries) != 0 || w.horizon != 0 {
		t.Errorf("after seed 7: seed %d, %d entries, horizon %v; want 7, 0, 0", w.seed, len(w.entries), w.horizon)
	}
	w.exec("startServers 5", "test")
	if !strings.Contains(w.script(), "seed 7\nstartServers 5\n") {
		t.Errorf("script after seed 7:\n%s", w.script())
	}
}

// A command that runs the clock records every state it passes through,
// for playback, with the time each message left and each timer was set.
func TestFramesRecordMessagesAndTimers(t *testing.T) {
	w := newWorld(1)
	w.exec("startServers 3", "test")
	w.rec.reset()
	w.exec("run 400ms", "test")
	sawVote, sawLeader := false, false
	for _, f := range w.rec.frames {
		for _, fl := range f.Flights {
			if fl.Sent > ms(f.T) || fl.Due < ms(f.T) {
				t.Fatalf("frame at %v: flight %+v is not in the air", f.T, fl)
			}
			if fl.Kind == "vote" {
				sawVote = true
			}
		}
		for _, s := range f.Servers {
			if s.Role == "leader" {
				sawLeader = true
			} else if s.TimerAt == 0 || s.TimerFrom > ms(f.T) || s.TimerAt < ms(f.T) {
				t.Fatalf("frame at %v: %s S%d's timer runs %v..%v", f.T, s.Role, s.ID, s.TimerFrom, s.TimerAt)
			}
		}
	}
	if !sawVote || !sawLeader {
		t.Errorf("the first election should show vote requests (%v) and a leader (%v)", sawVote, sawLeader)
	}
	// Playback drops the frames it has passed.
	if len(w.rec.frames) < 20 {
		t.Fatalf("run 400ms recorded %d frames", len(w.rec.frames))
	}
	n := len(w.rec.frames)
	f := w.rec.at(200 * time.Millisecond)
	if f.T > 200*time.Millisecond || len(w.rec.frames) >= n {
		t.Errorf("at(200ms) gave the frame of %v and kept %d of %d frames", f.T, len(w.rec.frames), n)
	}
}

// The display plays a command's frames back at the chosen speed instead
// of jumping to its end.
func TestTickPlaysBackACommand(t *testing.T) {
	w := newWorld(1)
	w.exec("startServers 3", "test")
	w.exec("until leader", "test")
	end := w.sim().Now()
	w.v = 0
	w.playing, w.speed = true, 1
	w.tick(100 * time.Millisecond)
	if w.v != 100*time.Millisecond || w.sim().Now() != end {
		t.Errorf("after 100ms at real time: showing %v (want 100ms), simulation at %v (want %v, unchanged)", w.v, w.sim().Now(), end)
	}
	w.tick(time.Second)
	if w.v != w.sim().Now() || w.v <= end {
		t.Errorf("past the recorded frames the clock runs live: showing %v, simulation at %v", w.v, w.sim().Now())
	}
	// Live, one frame a tick is enough: the display is at its time.
	n := len(w.rec.frames)
	w.tick(time.Second)
	if len(w.rec.frames) > n+1 {
		t.Errorf("a live tick recorded %d frames", len(w.rec.frames)-n)
	}
}

func TestParseLesson(t *testing.T) {
	text := `# Title line.
# More of it.

startServers 3
----
started servers 0, 1, 2

# Now a JS call over two lines.
t.clientRequest({ op: 'set',
  key: 'a', value: 1 });
----
----
out

put
----
----
status
`
	steps, err := parseLesson("t.raft", text)
	if err != nil {
		t.Fatal(err)
	}
	want := []step{
		{Caption: "Title line.\nMore of it.", N: 1},
		{Line: "startServers 3", N: 4},
		{Caption: "Now a JS call over two lines.", N: 8},
		{Line: "t.clientRequest({ op: 'set',\n  key: 'a', value: 1 });", N: 9},
		{Line: "status", N: 18},
	}
	if !reflect.DeepEqual(steps, want) {
		t.Errorf("steps:\n%+v\nwant\n%+v", steps, want)
	}
}

// A lesson runs each command when the display has caught up and stops at
// each caption.
func TestLessonPausesAtCaptions(t *testing.T) {
	w := newWorld(1)
	if err := w.startLesson("l", "# one\nstartServers 3\nuntil leader\n# two\ncrash 0\n"); err != nil {
		t.Fatal(err)
	}
	w.speed = 0
	w.tick(tickEvery)
	if w.playing || w.lesson.Caption != "one" {
		t.Fatalf("first tick: playing %v, caption %q; want paused at \"one\"", w.playing, w.lesson.Caption)
	}
	w.playing = true
	for i := 0; i < 10 && w.playing; i++ {
		w.tick(tickEvery)
	}
	if w.lesson.Caption != "two" || len(w.entries) != 2 {
		t.Fatalf("at the second caption: caption %q, %d commands run; want \"two\", 2", w.lesson.Caption, len(w.entries))
	}
	if id, ok := w.sim().LeaderID(false); !ok {
		t.Errorf("until leader ran, but there is no leader (%v)", id)
	}
	w.playing = true
	for i := 0; i < 10 && w.playing; i++ {
		w.tick(tickEvery)
	}
	if !w.lesson.Done || len(w.entries) != 3 {
		t.Errorf("at the end: done %v, %d commands; want done, 3", w.lesson.Done, len(w.entries))
	}
}

func TestRunDuration(t *testing.T) {
	for line, want := range map[string]time.Duration{"run 300ms": 300 * time.Millisecond, "run 2": 2 * time.Millisecond, "run 1.5s": 1500 * time.Millisecond, "run 123456ns": 123456} {
		if d, ok := runDuration(line); !ok || d != want {
			t.Errorf("runDuration(%q) = %v, %v; want %v", line, d, ok, want)
		}
	}
	for _, line := range []string{"step 3", "x = run 3s", "run", "run fast"} {
		if _, ok := runDuration(line); ok {
			t.Errorf("runDuration(%q) took it for a run", line)
		}
	}
}

// The HTTP API: commands run and print, a JS call left open asks for more,
// and the event stream starts with the view.
func TestHTTP(t *testing.T) {
	s, err := New(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer func() { hs.Close(); s.Close() }()

	post := func(path, body string) map[string]any {
		t.Helper()
		r, err := http.Post(hs.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		if r.StatusCode != 200 {
			t.Fatalf("%s %s: %s", path, body, r.Status)
		}
		var v map[string]any
		json.NewDecoder(r.Body).Decode(&v)
		return v
	}
	if o := post("/api/exec", `{"line":"t.crash(1);"}`); o["text"] != "S1 crashed (its disk is kept)\n" || o["ok"] != true {
		t.Errorf("crash: %v", o)
	}
	if o := post("/api/exec", `{"line":"t.getAll('log',"}`); o["incomplete"] != true {
		t.Errorf("an open call should ask for more: %v", o)
	}
	if o := post("/api/exec", `{"line":"quit"}`); !strings.Contains(o["text"].(string), "keeps running") {
		t.Errorf("quit: %v", o)
	}
	post("/api/control", `{"action":"pause"}`)

	r, err := http.Get(hs.URL + "/api/scenario")
	if err != nil {
		t.Fatal(err)
	}
	var sc struct{ Script string }
	json.NewDecoder(r.Body).Decode(&sc)
	r.Body.Close()
	if !strings.Contains(sc.Script, "startServers 3\n") || !strings.Contains(sc.Script, "t.crash(1);\n") {
		t.Errorf("scenario:\n%s", sc.Script)
	}

	r, err = http.Get(hs.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	br := bufio.NewReader(r.Body)
	var events []string
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(l, "event: ") {
			events = append(events, strings.TrimSpace(l[7:]))
		}
		if strings.HasPrefix(l, "data: ") && events[len(events)-1] == "view" {
			var v view
			if err := json.Unmarshal([]byte(l[6:]), &v); err != nil {
				t.Fatal(err)
			}
			if len(v.Servers) != 3 || v.Servers[1].Role != "down" {
				t.Errorf("view: %+v", v.Servers)
			}
			break
		}
	}
	// startServers, t.crash(1), quit: a new page gets the console so far.
	if want := []string{"out", "out", "out", "view"}; !reflect.DeepEqual(events, want) {
		t.Errorf("events %q, want %q", events, want)
	}
}

// rewind, goto and save in the page's console travel in the page's
// session (whose clock the shell's session alone cannot see).
func TestConsoleTimeTravel(t *testing.T) {
	w := play(t)
	end := w.sim().Now()
	w.v = end
	// 900ms back is between the crash and the second request: no command
	// runs there, so the rewind lands exactly.
	o := w.exec("rewind 900ms", "test")
	if !o.OK || w.sim().Now() != end-900*time.Millisecond {
		t.Fatalf("rewind 900ms from %v: at %v, %q", end, w.sim().Now(), o.Text)
	}
	if w.cursor == len(w.entries) {
		t.Errorf("rewind kept no future: %q", o.Text)
	}
	o = w.exec("t.goto('100s')", "test")
	if !o.OK || w.sim().Now() != 100*time.Second || w.cursor != len(w.entries) {
		t.Errorf("goto past the end runs the clock on: at %v, cursor %d of %d, %q", w.sim().Now(), w.cursor, len(w.entries), o.Text)
	}
	if o := w.exec("goto soon", "test"); o.OK {
		t.Errorf("goto soon: %q", o.Text)
	}
	f := filepath.Join(t.TempDir(), "saved.raft")
	if o := w.exec("save "+f, "test"); !o.OK {
		t.Fatalf("save: %q", o.Text)
	}
	// save writes the session's script with its outputs (a golden file).
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := lang.ParseScript(f, string(b))
	if err != nil {
		t.Fatal(err)
	}
	replay, _ := lang.ParseScript("replay", w.script())
	if got, want := scriptLines(saved), scriptLines(replay); !reflect.DeepEqual(got, want) {
		t.Errorf("saved the commands %q, want the session's %q", got, want)
	}
}

func scriptLines(sc *lang.Script) []string {
	var out []string
	for _, c := range sc.Commands() {
		out = append(out, c.Text)
	}
	return out
}

// save writes a golden script: each command with the output it gives,
// which `raftsim test` checks, and which replays to the page's state. The
// session has clicks, a fork after a seek back and a command stopped in
// its middle.
func TestSaveWritesAGoldenScript(t *testing.T) {
	w := play(t)
	w.seek(500 * time.Millisecond)
	w.exec("partition 0 | 1,2", "click") // a fork
	w.advance(w.sim().Now() + 200*time.Millisecond)
	w.exec("clientRequest 1 set c 3", "click")
	w.advance(w.sim().Now() + 100*time.Millisecond)
	f := filepath.Join(t.TempDir(), "golden.raft")
	if o := w.exec("save "+f, "console"); !o.OK {
		t.Fatalf("save: %q", o.Text)
	}
	b, _ := os.ReadFile(f)
	text := string(b)
	if !strings.Contains(text, "partition 0 | 1,2\n----\npartitioned: 0 | 1,2\n") {
		t.Errorf("the saved script has no output after the partition:\n%s", text)
	}
	if res := repl.Golden(f, false); res.Err != nil || len(res.Diffs) > 0 {
		t.Fatalf("raftsim test %s: %v %v\n%s", f, res.Err, res.Diffs, text)
	}
	var out, errs strings.Builder
	if !repl.Run(f, repl.RunOptions{Seed: 1}, &out, &errs) {
		t.Fatalf("raftsim run %s: %s", f, errs.String())
	}
	w2 := newWorld(1)
	if err := w2.load("golden.raft", text, "test"); err != nil {
		t.Fatal(err)
	}
	if got, want := status(t, w2), status(t, w); got != want {
		t.Errorf("the saved script replays to\n%s\nwant the page's\n%s", got, want)
	}
}

// A step prints the event in the console; in the future of a seek back it
// moves on without forking.
func TestStep(t *testing.T) {
	w := newWorld(1)
	w.exec("startServers 3", "test")
	w.step()
	o := w.ready()
	if len(o) != 2 || o[1].Line != "step" || !strings.Contains(o[1].Text, "S") {
		t.Fatalf("step printed %+v", o)
	}
	first := w.sim().Now()
	if first == 0 || len(w.entries) != 2 {
		t.Fatalf("after a step: t=%v, %d entries", first, len(w.entries))
	}
	w.advance(first + 300*time.Millisecond)
	w.exec("status", "test") // looking is not recorded
	w.exec("crash 2", "test")
	w.seek(0) // runs the commands typed at 0: startServers and the step
	if w.sim().Now() != first || w.cursor != 2 {
		t.Fatalf("after seeking to 0: t=%v (want %v), cursor %d (want 2)", w.sim().Now(), first, w.cursor)
	}
	w.step()
	if w.sim().Now() <= first || len(w.entries) != 3 || w.cursor != 2 {
		t.Errorf("a step in the future: t=%v (want past %v), %d entries and cursor %d (want 3 and 2: no fork)", w.sim().Now(), first, len(w.entries), w.cursor)
	}
	w.advance(first + 400*time.Millisecond)
	if w.cursor != 3 {
		t.Errorf("playing on runs the future crash: cursor %d", w.cursor)
	}
}

// serve FILE.raft opens on the state the script leaves, paused there.
func TestServeScriptOpensOnItsEnd(t *testing.T) {
	s, err := New(Options{Seed: 1, Script: "# hello\nstartServers 5\nuntil leader\ncrash 2\n", ScriptName: "dir/x.raft"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.view()
	if len(v.Servers) != 5 || v.Servers[2].Role != "down" || v.T != v.Now || v.T == 0 || v.Playing {
		t.Errorf("view after the script: t=%v now=%v playing=%v servers %+v", v.T, v.Now, v.Playing, v.Servers)
	}
	if _, ok := s.lessons["x.raft"]; !ok {
		t.Errorf("the script is not offered as a lesson: %v", s.lessons)
	}
	if _, err := New(Options{Script: "----\n", ScriptName: "bad.raft"}); err == nil || !strings.HasPrefix(err.Error(), "bad.raft:1: ") {
		t.Errorf("a script with ---- and no command must be refused, naming the line: %v", err)
	}
}

// Looking (status, why, getAll) after a seek back keeps the future; a
// command that changes the run forks it, from a lesson too.
func TestLookingDoesNotFork(t *testing.T) {
	w := play(t)
	w.seek(500 * time.Millisecond)
	n, cur := len(w.entries), w.cursor
	w.exec("status", "test")
	w.exec("t.getAll('log');", "test")
	if len(w.entries) != n || w.cursor != cur {
		t.Fatalf("looking changed the entries: %d/%d, want %d/%d", w.cursor, len(w.entries), cur, n)
	}
	w.exec("lid = getAll commitIndex 1", "test")
	if len(w.entries) != cur+1 {
		t.Errorf("storing a variable is recorded (and forks): %d entries, want %d", len(w.entries), cur+1)
	}
}

// Every script of scripts/ plays as a lesson to its end, and leaves the
// state `raftsim run` leaves. Two of them are played back frame by frame
// (the others as fast as it goes, to keep the test quick): recording the
// frames must change nothing.
func TestEveryScriptPlaysAsALesson(t *testing.T) {
	files, err := filepath.Glob("../scripts/*.raft")
	if err != nil || len(files) == 0 {
		t.Fatal("no scripts", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			w := newWorld(1)
			if err := w.startLesson(filepath.Base(f), string(b)); err != nil {
				t.Fatal(err)
			}
			w.speed = 0
			if name := filepath.Base(f); name == "leader-crash.raft" || name == "figure8-by-hand.raft" {
				w.speed = 1
			}
			for i := 0; i < 100000 && !w.lesson.Done; i++ {
				w.playing = true
				w.catchUp() // as if the class watched each playback to its end
				w.tick(tickEvery)
			}
			if !w.lesson.Done {
				t.Fatalf("the lesson did not end (step %d of %d)", w.lesson.Next, len(w.lesson.Steps))
			}
			var out, errs strings.Builder
			tmp := filepath.Join(t.TempDir(), "s.raft")
			os.WriteFile(tmp, []byte(string(b)+"\nstatus\n"), 0o644)
			repl.Run(tmp, repl.RunOptions{Seed: 1}, &out, &errs)
			want := out.String()[strings.LastIndex(out.String(), "> status\n")+len("> status\n"):]
			if got := status(t, w); got != want {
				t.Errorf("the lesson ends in\n%s\n`raftsim run` in\n%s", got, want)
			}
		})
	}
}

// A command stopped in its middle (the stop button) is replayed stopped
// where it was, and saved so.
func TestStoppedCommandReplaysStopped(t *testing.T) {
	w := newWorld(1)
	w.exec("startServers 3", "test")
	w.stop.Store(true)
	// The stop is read every sim.PollEvery events: 24 hours are plenty.
	w.inCommand = true
	w.sess.SetPoll(func(p sim.Progress) bool { return p.Now < 3*time.Second })
	o := w.run("run 24h", "test", true)
	w.sess.SetPoll(func(sim.Progress) bool { return !(w.inCommand && w.stop.Load()) })
	end := w.sim().Now()
	if o.OK || end >= 24*time.Hour || end < 3*time.Second {
		t.Fatalf("the stopped run: ok %v, at %v: %q", o.OK, end, o.Text)
	}
	e := w.entries[len(w.entries)-1]
	if !e.Cut || e.End != end {
		t.Fatalf("entry %+v, want cut at %v", e, end)
	}
	w.advance(end + time.Second)
	if w.sim().Interrupted() || w.sim().Now() != end+time.Second {
		t.Fatalf("the clock must run on after a stop: at %v", w.sim().Now())
	}
	want := status(t, w)
	w.seek(end - time.Millisecond)
	w.advance(end + time.Second)
	if got := status(t, w); got != want || w.sim().Now() != end+time.Second {
		t.Errorf("replayed through the stopped run: at %v\n%s\nwant\n%s", w.sim().Now(), got, want)
	}
	if !strings.Contains(w.script(), fmt.Sprintf("\nrun %s\n", end)) {
		t.Errorf("the script holds the run as long as it ran (%v):\n%s", end, w.script())
	}
}

// TestFlightEnds: the page places a message by server id (every client in
// the middle of the ring, at -1) and names its ends as the shell does, so
// server 1000 and the shell's client 1000 stay apart.
func TestFlightEnds(t *testing.T) {
	fl := sim.Flight{ID: 1, Msg: raft.Message{Type: raft.MsgClientResp, From: 1000, To: sim.ClientIDBase}}
	v := flightFrom(fl, 0)
	if v.From != 1000 || v.To != -1 || v.FromName != "S1000" || v.ToName != "client 1000" {
		t.Fatalf("ends %d (%s) -> %d (%s), want 1000 (S1000) -> -1 (client 1000)", v.From, v.FromName, v.To, v.ToName)
	}
}

// Each message is drawn in the colour of its class (raft.MsgType.Class):
// a heartbeat's answer with the heartbeats, an InstallSnapshot's answer
// with its chunks, TimeoutNow as a transfer, other answers as replies.
func TestFlightKinds(t *testing.T) {
	for typ, want := range map[raft.MsgType]string{
		raft.MsgVote: "vote", raft.MsgPreVote: "vote", raft.MsgVoteResp: "reply", raft.MsgPreVoteResp: "reply",
		raft.MsgApp: "append", raft.MsgAppResp: "reply", raft.MsgHeartbeat: "heartbeat", raft.MsgHeartbeatResp: "heartbeat",
		raft.MsgTimeoutNow: "transfer", raft.MsgSnap: "snapshot", raft.MsgSnapResp: "snapshot",
		raft.MsgClient: "client", raft.MsgClientResp: "client",
	} {
		if got := flightFrom(sim.Flight{Msg: raft.Message{Type: typ, From: 0, To: 1}}, 0).Kind; got != want {
			t.Errorf("%s is drawn as %q, want %q", typ, got, want)
		}
	}
	if l := flightFrom(sim.Flight{Msg: raft.Message{Type: raft.MsgHeartbeatResp, Term: 2}}, 0).Label; l != "♥ ✓ t2" {
		t.Errorf("a heartbeat's answer is labelled %q", l)
	}
}

// The page's why explains a server as of the time the page shows: while
// a command is played back, or after a seek, that is not the
// simulation's now.
func TestWhyAtTheTimeShown(t *testing.T) {
	s, err := New(Options{Seed: 1, Script: "startServers 3\nuntil leader\nrun 100ms\n", ScriptName: "start.raft"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer func() { hs.Close(); s.Close() }()
	why := func() (string, float64) {
		t.Helper()
		r, err := http.Get(hs.URL + "/api/why?id=0")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var w struct {
			T    float64
			Text string
		}
		if err := json.NewDecoder(r.Body).Decode(&w); err != nil {
			t.Fatal(err)
		}
		return w.Text, w.T
	}
	s.mu.Lock()
	crashAt := s.w.sim().Now()
	s.w.exec("crash 0", "test")
	s.w.exec("run 1s", "test")
	s.w.v = crashAt - 50*time.Millisecond // shown: before the crash, S0 leading
	shown := s.w.v
	s.mu.Unlock()
	text, at := why()
	if !strings.HasPrefix(text, "S0 is leader of term 1") || at != ms(shown) {
		t.Errorf("why at t=%vms (the time shown) says %q (at %vms)", ms(shown), text, at)
	}
	s.mu.Lock()
	s.w.catchUp()
	s.mu.Unlock()
	if text, _ := why(); !strings.HasPrefix(text, "S0 is down since") {
		t.Errorf("why now says %q", text)
	}
	if r, err := http.Get(hs.URL + "/api/why?id=x"); err != nil || r.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad id: %v %v", r.Status, err)
	}
}

// The console takes what the shell takes: several statements on a line,
// each its own command (a rewind among them is the page's own), a pasted
// block of lines with a call over several of them, the JavaScript form;
// a line stops at its first failing statement.
func TestConsoleTakesWhatTheShellTakes(t *testing.T) {
	w := newWorld(1)
	w.exec("t = require('./test_local');\nt.startServers({ debug: false }, 3);\nlid = t.getLeaderId();\n"+
		"t.serverPool[lid].clientRequest({ op: \"set\", key: 'a', value: 1 }, function(results) {\nconsole.log(\"results: \", results);\n});", "test")
	var lines []string
	for _, o := range w.outputs {
		lines = append(lines, o.Line)
		if !o.OK {
			t.Errorf("%q failed: %s", o.Line, o.Text)
		}
	}
	if len(lines) != 4 || !strings.HasPrefix(lines[3], "t.serverPool[lid].clientRequest(") {
		t.Fatalf("the pasted tutorial ran as %q", lines)
	}
	if v := w.sess.Exec("expect value a 1"); !v.OK {
		t.Fatalf("the write did not happen: %s", (&render.Renderer{}).Text(v))
	}
	n := len(w.entries)
	w.outputs = nil
	w.exec("crash 1; restart 1; t.crash(2);", "test")
	if len(w.outputs) != 3 || w.outputs[0].Line != "crash 1" || w.outputs[2].Line != "t.crash(2)" || len(w.entries) != n+3 {
		t.Fatalf("three statements: outputs %+v, %d entries (want %d)", w.outputs, len(w.entries), n+3)
	}
	w.advance(w.sim().Now() + time.Second)
	end := w.sim().Now()
	w.v = end
	w.outputs = nil
	n = len(w.entries)
	w.exec("rewind 500ms; status", "test")
	if w.sim().Now() != end-500*time.Millisecond || len(w.outputs) != 2 || !w.outputs[0].OK {
		t.Fatalf("rewind among statements is the page's: at %v (want %v), %+v", w.sim().Now(), end-500*time.Millisecond, w.outputs)
	}
	if len(w.entries) != n {
		t.Errorf("rewind and status are no entries: %d, want %d", len(w.entries), n)
	}
	w.outputs = nil
	w.exec("crash 9; crash 0\nstatus", "test")
	if len(w.outputs) != 2 || w.outputs[0].OK || w.outputs[1].Line != "status" {
		t.Errorf("a failing statement stops its line, not the next: %+v", w.outputs)
	}
}
