package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"raftsim/internal/browsertest"
)

// The browser tests drive the page in headless Chromium: they act through
// the UI (clicks, the console, the slider) and check what the page draws.
// Screenshots are kept in the test's artifact directory (go test -artifacts
// keeps it; the path is logged).

// browser is one page in a fresh headless Chromium, on a new server.
type browser struct {
	t    *testing.T
	ctx  context.Context
	srv  *Server
	url  string
	dir  string
	shot int
}

func newBrowser(t *testing.T, o Options) *browser {
	t.Helper()
	// A whole test: a loaded machine (load 30 on 2 cores) took more than 40 s.
	ctx := browsertest.New(t, 1280, 800, 2*time.Minute)
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	// The server first: it ends the page's event stream, which hs.Close
	// would otherwise wait for until the browser's timeout (cleanups run
	// last first, so the browser is still up here).
	t.Cleanup(func() { s.Close(); hs.Close() })
	b := &browser{t: t, ctx: ctx, srv: s, url: hs.URL + "/", dir: t.ArtifactDir()}
	t.Logf("screenshots in %s", b.dir)
	b.run(chromedp.Navigate(b.url), chromedp.WaitVisible(`#ring .server`))
	return b
}

func (b *browser) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

// screenshot saves the page as NN-name.png in the artifact directory.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatal(err)
	}
	b.shot++
	p := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.shot, name))
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", p)
}

// js evaluates expr in the page for its effect.
func (b *browser) js(expr string) {
	b.t.Helper()
	b.run(chromedp.Evaluate[chromedp.Void](expr))
}

// eval evaluates expr in the page and returns its value.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds (the page is
// updated by the server's clock, so there is no single event to wait on).
// The deadline is only how long to wait before giving up: a loaded CI
// machine can take well over 15 s to start a cluster and render, and one
// run failed that way, so it is a generous minute.
func (b *browser) waitFor(what, cond string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(time.Minute)))
	if err != nil {
		b.screenshot("failed")
		if state, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`JSON.stringify({t: view.t, now: view.now, playing: view.playing, speed: view.speed, flights: view.flights.map((f) => f.type + " " + f.from + "->" + f.to)}) + "\n" + document.getElementById("out").textContent`)); err == nil {
			b.t.Logf("the page:\n%s", state)
		}
		b.t.Fatalf("waiting for %s (%s): %v", what, cond, err)
	}
}

// setSpeed moves the speed slider to pos (0 = 1000× slower, 30 = real
// time, 60 = as fast as it goes), as a user would.
func (b *browser) setSpeed(pos int) {
	b.t.Helper()
	b.js(fmt.Sprintf(`(() => { const s = document.getElementById("speed"); s.value = %d; s.dispatchEvent(new Event("input")); s.dispatchEvent(new Event("change")); return true })()`, pos))
}

// control presses a button by id.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.run(chromedp.Click(sel))
}

// leader waits for a leader to be drawn and returns its id.
func (b *browser) leader() int {
	b.t.Helper()
	b.waitFor("a leader", `document.querySelector('#ring .server.leader') !== null`)
	return eval[int](b, `+document.querySelector('#ring .server.leader').dataset.id`)
}

// serverMenu opens server id's menu and presses the button whose command
// is cmd (crash, restart, timeout, clientRequest).
func (b *browser) serverMenu(id int, cmd string) {
	b.t.Helper()
	b.click(fmt.Sprintf(`#ring .server[data-id="%d"] circle.body`, id))
	b.run(chromedp.WaitVisible(`#menu`))
	b.click(fmt.Sprintf(`#menu button[data-cmd="%s"]`, cmd))
}

func (b *browser) consoleText() string {
	return eval[string](b, `document.getElementById("out").textContent`)
}

// typeCommand types line into the console and presses Enter.
func (b *browser) typeCommand(line string) {
	b.t.Helper()
	b.run(chromedp.SendKeys(`#cmd`, line), chromedp.SendKeys(`#cmd`, "\r"))
}

func TestBrowserClass(t *testing.T) {
	b := newBrowser(t, Options{Seed: 1, Lessons: os.DirFS("../scripts")})

	// Real time: the first election takes a few hundred milliseconds.
	b.setSpeed(30)
	lead := b.leader()
	b.click("#play") // pause
	b.waitFor("paused", `document.getElementById("play").textContent.includes("play")`)

	// A request sent by clicking the leader, watched 100x slower: its
	// AppendEntries cross the links, then the entry is committed everywhere.
	b.setSpeed(10)
	b.click("#play")
	b.serverMenu(lead, "clientRequest")
	b.waitFor("an AppendEntries arrow", `document.querySelector('#ring .msg.append polygon') !== null`)
	b.screenshot("request-in-flight")
	b.setSpeed(60)
	for _, id := range []int{0, 1, 2} {
		b.waitFor("the entry committed", fmt.Sprintf(`document.querySelector('#logsvg .logrow[data-id="%d"] .cell.committed[data-index="2"]') !== null`, id))
	}
	b.setSpeed(30)
	b.screenshot("request-committed")

	// Crash the leader: it is drawn down, and the others elect a new one.
	beforeCrash := eval[float64](b, `view.now`)
	b.serverMenu(lead, "crash")
	b.waitFor("the leader drawn down", fmt.Sprintf(`document.querySelector('#ring .server[data-id="%d"]').dataset.role === "down"`, lead))
	b.waitFor("a new leader", `document.querySelector('#ring .server.leader') !== null`)
	b.screenshot("leader-crashed")

	// The console takes both syntaxes.
	b.typeCommand("status")
	b.waitFor("status output", `document.getElementById("out").textContent.includes("STATE")`)
	b.typeCommand("t.getAll('commitIndex');")
	b.waitFor("getAll output", `document.getElementById("out").textContent.includes("t.getAll('commitIndex')")`)
	if out := b.consoleText(); !strings.Contains(out, "down") {
		t.Errorf("status in the console does not show the crashed server:\n%s", out)
	}

	// Draw a partition across the picture: the server at the top alone.
	b.click("#play")
	b.waitFor("paused", `document.getElementById("play").textContent.includes("play")`)
	box := eval[[]float64](b, `(() => { const r = document.getElementById("ring").getBoundingClientRect(); return [r.left, r.top, r.width, r.height] })()`)
	sx, sy := box[2]/600, box[3]/530
	y := box[1] + 170*sy
	b.run(
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, box[0]+40*sx, y, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, box[0]+300*sx, y, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, box[0]+560*sx, y, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, box[0]+560*sx, y, chromedp.ButtonLeft),
	)
	b.waitFor("the links to S0 cut", `document.querySelectorAll('#ring .link.cut').length === 2`)
	b.waitFor("the partition in the console", `document.getElementById("out").textContent.includes("partition 1,2 | 0") || document.getElementById("out").textContent.includes("partition 0 | 1,2")`)
	b.screenshot("partition")

	// Seek back to before the crash: the old leader is up again, and the
	// commands after that time are the future of the run.
	b.js(fmt.Sprintf(`(() => { const s = document.getElementById("slider"); s.value = %f; s.dispatchEvent(new Event("change")); return true })()`, beforeCrash))
	b.waitFor("the crashed leader up again", fmt.Sprintf(`document.querySelector('#ring .server[data-id="%d"]').dataset.role !== "down"`, lead))
	b.waitFor("the future shown", `document.getElementById("future").textContent.includes("forks")`)
	b.screenshot("seek-back")
}

func TestBrowserLesson(t *testing.T) {
	b := newBrowser(t, Options{Seed: 1, Lessons: os.DirFS("../scripts")})
	b.waitFor("the lessons listed", `document.querySelector('#lessons option[value="leader-crash.raft"]') !== null`)
	b.js(`(() => { const s = document.getElementById("lessons"); s.value = "leader-crash.raft"; s.dispatchEvent(new Event("change")); })()`)
	b.waitFor("the first caption", `document.getElementById("caption").textContent.includes("A leader crashes")`)
	b.screenshot("lesson-start")
	b.setSpeed(60)
	b.click("#lessonNext")
	b.waitFor("the second caption", `document.getElementById("caption").textContent.includes("survivors time out")`)
	b.waitFor("S0 down", `document.querySelector('#ring .server[data-id="0"]').dataset.role === "down"`)
	b.screenshot("lesson-caption")

	// The share link replays the session.
	b.click("#share")
	b.waitFor("a link", `document.getElementById("shareUrl").value.includes("#scenario=")`)
	url := eval[string](b, `document.getElementById("shareUrl").value`)
	b.run(chromedp.Navigate(url))
	b.waitFor("the scenario replayed", `document.getElementById("out").textContent.includes("(scenario)")`)
	b.waitFor("S0 down again", `document.querySelector('#ring .server[data-id="0"]') && document.querySelector('#ring .server[data-id="0"]').dataset.role === "down"`)
	b.screenshot("scenario")
}

// The commands at the grain of one message, from the server menu: time a
// follower out, and ask why.
func TestBrowserTimeoutAndWhy(t *testing.T) {
	// Election timers of a minute: no server times out by itself while the
	// test runs, however slow the machine, so the only election is the one
	// the menu starts (with the default timers a loaded machine could elect
	// a leader before the pause, and S2's pre-vote would then be refused).
	b := newBrowser(t, Options{Seed: 1, Script: "startServers 3 electionTimeout=60s\n", ScriptName: "long-timers.raft"})
	// A page that opens on a script's state starts paused.
	b.waitFor("paused", `document.getElementById("play").textContent.includes("play")`)
	b.waitFor("the menus know the commands", `features.timeout === true && features.why === true`)
	b.serverMenu(2, "timeout")
	b.waitFor("S2 campaigning", `["pre-candidate", "candidate"].includes(document.querySelector('#ring .server[data-id="2"]').dataset.role)`)
	b.setSpeed(20) // 10x slower
	b.click("#play")
	b.waitFor("S2 elected", `document.querySelector('#ring .server[data-id="2"]').dataset.role === "leader"`)
	// The menu says why, as of the time shown; so does the hover title.
	b.click(`#ring .server[data-id="2"] circle.body`)
	b.waitFor("why in the menu", `document.querySelector("#menu .why").textContent.includes("S2 is leader of term")`)
	b.screenshot("menu-why")
	b.serverMenu(2, "why")
	b.waitFor("why in the console", `document.getElementById("out").textContent.includes("S2 is leader")`)
	b.screenshot("timeout-why")

	// A command that would run for long is stopped with the stop button.
	b.setSpeed(60)
	b.typeCommand("run 24h")
	b.waitFor("the stop button", `!document.getElementById("stop").hidden`)
	b.click("#stop")
	b.waitFor("the run interrupted", `document.getElementById("out").textContent.includes("run: interrupted")`)
	b.waitFor("the stop button gone", `document.getElementById("stop").hidden`)
}
