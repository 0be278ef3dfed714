package timeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"raftsim/internal/browsertest"
	"raftsim/repl/session"
)

// The browser tests open exported timelines in headless Chromium, act on
// them as a user would (checkboxes, buttons, the wheel, the pointer) and
// check what the page drew, from what each draw reports on the page's
// body (data-drawn: the arrows by category, the bands, marks and
// operations, how many items it looked at). Screenshots go to the test's
// artifact directory (go test -artifacts keeps it).

// page is one exported timeline open in a browser.
type page struct {
	t    *testing.T
	ctx  context.Context
	dir  string
	shot int
}

// export plays lines in a fresh session and exports its timeline; it
// returns the file and how many trace events the page was drawn from.
func export(t *testing.T, lines ...string) (string, int) {
	t.Helper()
	s := session.New(session.Options{Seed: 1})
	for _, l := range lines {
		if r := s.Exec(l); r.Err != nil {
			t.Fatalf("%s: %v", l, r.Err)
		}
	}
	file := filepath.Join(t.TempDir(), "timeline.html")
	if r := s.Exec("export timeline " + file); r.Err != nil {
		t.Fatal(r.Err)
	}
	return file, s.Sim().TraceStats().Kept
}

func open(t *testing.T, file string) *page {
	t.Helper()
	p := &page{t: t, ctx: browsertest.New(t, 1280, 800, 2*time.Minute), dir: t.ArtifactDir()}
	p.run(chromedp.Navigate("file://" + file))
	p.waitFor("the first draw", `document.body.dataset.drawn !== undefined`)
	return p
}

func (p *page) run(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatal(err)
	}
}

func eval[T any](p *page, expr string, opts ...chromedp.EvaluateOption) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		p.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func (p *page) waitFor(what, cond string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		p.screenshot("failed")
		p.t.Fatalf("waiting for %s (%s): %v", what, cond, err)
	}
}

func (p *page) screenshot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatal(err)
	}
	p.shot++
	f := filepath.Join(p.dir, fmt.Sprintf("%02d-%s.png", p.shot, name))
	if err := os.WriteFile(f, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot %s", f)
	p.settle()
}

// settle waits for the page to draw what is pending (a screenshot
// resizes the window, and the page redraws at a frame after).
func (p *page) settle() {
	p.t.Helper()
	eval[bool](p, `new Promise((done) => { let n = 0; const f = () => (++n < 4 ? requestAnimationFrame(f) : done(true)); requestAnimationFrame(f); })`, chromedp.EvalAwaitPromise)
}

// drawn is what one draw of the canvas did (data-drawn).
type drawn struct {
	Draws      int            `json:"draws"`
	View       [2]float64     `json:"view"`
	Arrows     map[string]int `json:"arrows"`
	Bands      int            `json:"bands"`
	Points     int            `json:"points"`
	Ops        int            `json:"ops"`
	Scanned    int            `json:"scanned"`
	Bins       int            `json:"bins"`
	Aggregated bool           `json:"aggregated"`
}

func (d drawn) arrows() int {
	n := 0
	for _, k := range d.Arrows {
		n += k
	}
	return n
}

func (p *page) drawn() drawn {
	p.t.Helper()
	var d drawn
	if err := json.Unmarshal([]byte(eval[string](p, `document.body.dataset.drawn`)), &d); err != nil {
		p.t.Fatal(err)
	}
	return d
}

// act does what a user does and returns the draw that follows it.
func (p *page) act(do func()) drawn {
	p.t.Helper()
	p.settle()
	before := p.drawn()
	do()
	p.waitFor("a new draw", fmt.Sprintf(`JSON.parse(document.body.dataset.drawn).draws > %d`, before.Draws))
	return p.drawn()
}

// checkbox clicks the filter checkbox whose label says name.
func (p *page) checkbox(name string) {
	p.t.Helper()
	p.run(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		for (const l of document.querySelectorAll("#bar label")) if (l.textContent.startsWith(%q)) { l.querySelector("input").click(); return; }
		throw new Error("no checkbox " + %q);
	})()`, name, name)))
}

// TestBrowserTimeline opens the timeline of scripts/partitioned-leader.raft
// (a leader cut off, steps down, another elected; client requests) and
// uses it: it loads with no request but its own file, draws every
// server's lane and the messages as arrows, hides a kind of message when
// its box is unticked, zooms with the buttons and the wheel, and a
// server's lane, hovered, says its state and why, as of the time pointed
// at.
func TestBrowserTimeline(t *testing.T) {
	file, _ := export(t, "source ../scripts/partitioned-leader.raft")
	p := open(t, file)
	p.screenshot("loaded")

	// Nothing fetched: the browser's record of the resources the page
	// loaded (scripts, styles, images, fetches) is empty.
	if n := eval[int](p, `performance.getEntriesByType("resource").length`); n != 0 {
		t.Errorf("the page fetched %s", eval[string](p, `JSON.stringify(performance.getEntriesByType("resource").map((e) => e.name))`))
	}

	// Lanes and arrows.
	d := p.drawn()
	if lanes := eval[int](p, `JSON.parse(document.getElementById("data").textContent).lanes.filter((l) => l.server).length`); lanes != 5 {
		t.Errorf("%d server lanes, want 5", lanes)
	}
	if d.Bands < 5 || d.arrows() == 0 || d.Points == 0 || d.Ops == 0 {
		t.Fatalf("the first draw drew %+v: want bands on 5 lanes, arrows, marks and operations", d)
	}
	if d.Arrows["votes"] == 0 || d.Arrows["appends"] == 0 {
		t.Errorf("arrows by kind %v: want votes and appends", d.Arrows)
	}

	// Filters: unticking votes removes their arrows and nothing else.
	f := p.act(func() { p.checkbox("votes") })
	if f.Arrows["votes"] != 0 || f.arrows() != d.arrows()-d.Arrows["votes"] {
		t.Errorf("without votes: arrows %v, before %v", f.Arrows, d.Arrows)
	}
	p.screenshot("no-votes")
	f = p.act(func() { p.checkbox("votes") })
	if f.Arrows["votes"] != d.Arrows["votes"] {
		t.Errorf("votes ticked again: %d vote arrows, want %d", f.Arrows["votes"], d.Arrows["votes"])
	}

	// Zoom: the button halves the span, the wheel zooms around the pointer.
	z := p.act(func() { p.run(chromedp.Click(`//button[text()="zoom in"]`)) })
	if span, was := z.View[1]-z.View[0], f.View[1]-f.View[0]; span > was*0.51 || span < was*0.49 {
		t.Errorf("zoom in: span %v, was %v", span, was)
	}
	if z.arrows() >= f.arrows() {
		t.Errorf("zoomed in, %d arrows; all of it drew %d", z.arrows(), f.arrows())
	}
	box := eval[[]float64](p, `(() => { const r = document.getElementById("canvas").getBoundingClientRect(); return [r.left, r.top, r.width, r.height] })()`)
	cx, cy := box[0]+box[2]*0.6, box[1]+box[3]*0.5
	at := eval[float64](p, fmt.Sprintf(`(() => { const d = JSON.parse(document.body.dataset.drawn); return d.view[0] + (%f - 124) / (%f - 124 - 12) * (d.view[1] - d.view[0]) })()`, cx-box[0], box[2]))
	w := p.act(func() {
		p.run(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById("canvas").dispatchEvent(new WheelEvent("wheel", { deltaY: -400, clientX: %f, clientY: %f, bubbles: true, cancelable: true }))`, cx, cy)))
	})
	if w.View[1]-w.View[0] >= z.View[1]-z.View[0] {
		t.Errorf("the wheel did not zoom in: %v, was %v", w.View, z.View)
	}
	if after := w.View[0] + (cx-box[0]-124)/(box[2]-124-12)*(w.View[1]-w.View[0]); after < at-1e6 || after > at+1e6 {
		t.Errorf("the wheel moved the time under the pointer from %.0f to %.0f", at, after)
	}
	p.screenshot("zoomed")
	p.act(func() { p.run(chromedp.Click(`//button[text()="fit"]`)) })

	// Hover: S0's lane while it leads term 1, then S3's once it leads.
	hoverLane := func(lane, role string) string {
		t.Helper()
		xy := eval[[]float64](p, fmt.Sprintf(`(() => {
			const D = JSON.parse(document.getElementById("data").textContent);
			const li = D.lanes.findIndex((l) => l.name === %q);
			const d = JSON.parse(document.body.dataset.drawn);
			const r = document.getElementById("canvas").getBoundingClientRect();
			const X = (t) => 124 + (t - d.view[0]) / (d.view[1] - d.view[0]) * (r.width - 124 - 12);
			for (let i = 0; i < D.bands.lane.length; i++) if (D.bands.lane[i] === li && D.roles[D.bands.role[i]] === %q) {
				const y = r.top + document.body.dataset.laneY.split(",").map(Number)[li];
				return [r.left + (X(D.bands.t0[i]) + X(D.bands.t1[i])) / 2, y];
			}
			throw new Error("no band");
		})()`, lane, role))
		p.run(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0], xy[1]))
		p.waitFor("the tooltip", `getComputedStyle(document.getElementById("tip")).display === "block"`)
		return eval[string](p, `document.getElementById("tip").textContent`)
	}
	tip := hoverLane("S0", "leader")
	p.screenshot("hover-S0")
	for _, want := range []string{"S0 is leader in term 1", "why, as of", "S0 is leader of term 1 since"} {
		if !strings.Contains(tip, want) {
			t.Errorf("S0's tooltip says %q; want it to say %q", tip, want)
		}
	}
	tip = hoverLane("S3", "leader")
	for _, want := range []string{"S3 is leader in term 2", "S3 is leader of term 2 since", "no AppendEntries"} {
		if !strings.Contains(tip, want) {
			t.Errorf("S3's tooltip says %q; want it to say %q", tip, want)
		}
	}
	p.screenshot("hover-S3")
}

// TestBrowserTimelineLargeRun opens the timeline of a run of more than
// 100,000 events and checks that what a draw does follows what is in
// view, not the size of the run: zoomed out it draws each lane's busyness
// in bins instead of arrows; zoomed in it looks only at the messages near
// the window; and a burst of wheel events is drawn once a frame, not once
// an event. (How long it takes is BenchmarkTimelinePage's.)
func TestBrowserTimelineLargeRun(t *testing.T) {
	file, events := export(t, "startServers 5", "load clients=10 rate=300 keys=5 duration=40s", "run 40s")
	if events < 100_000 {
		t.Fatalf("%d events: the run must be larger", events)
	}
	p := open(t, file)
	total := eval[int](p, `JSON.parse(document.getElementById("data").textContent).msgs.t0.length`)
	d := p.drawn()
	if !d.Aggregated || d.arrows() != 0 || d.Bins == 0 {
		t.Errorf("zoomed out on %d messages, the draw did %+v: want busyness bins and no arrows", total, d)
	}
	p.screenshot("large-fit")

	// Zoom to 20 ms in the middle: arrows, and only the messages near the
	// window looked at.
	mid := (d.View[0] + d.View[1]) / 2
	p.run(chromedp.Navigate("about:blank"), chromedp.Navigate(fmt.Sprintf("file://%s#t=%f,%f", file, mid/1e9, (mid+20e6)/1e9)))
	p.waitFor("the page opened on 20ms", `document.body.dataset.drawn !== undefined && JSON.parse(document.body.dataset.drawn).view[1] - JSON.parse(document.body.dataset.drawn).view[0] < 1e8`)
	z := p.drawn()
	if z.Aggregated || z.arrows() == 0 {
		t.Errorf("zoomed to 20ms: %+v, want arrows", z)
	}
	if z.Scanned > total/50 {
		t.Errorf("zoomed to 20ms, a draw looked at %d items of %d messages: it must look only near the window", z.Scanned, total)
	}

	// A burst of 40 wheel events in one task: drawn at the next frame,
	// once (counted inside the page, over the two frames that follow).
	burst := eval[[]float64](p, `new Promise((done) => {
		const cv = document.getElementById("canvas"), r = cv.getBoundingClientRect();
		const drawn = () => JSON.parse(document.body.dataset.drawn);
		const before = drawn();
		for (let i = 0; i < 40; i++) cv.dispatchEvent(new WheelEvent("wheel", { deltaY: 30, clientX: r.left + 600, clientY: r.top + 200, bubbles: true, cancelable: true }));
		requestAnimationFrame(() => requestAnimationFrame(() => {
			const after = drawn();
			done([after.draws - before.draws, before.view[1] - before.view[0], after.view[1] - after.view[0]]);
		}));
	})`, chromedp.EvalAwaitPromise)
	if burst[0] != 1 {
		t.Errorf("40 wheel events drew %v times; want once, at the next frame", burst[0])
	}
	if burst[2] <= burst[1] {
		t.Errorf("the wheel did not zoom out: span %v, was %v", burst[2], burst[1])
	}
	p.screenshot("large-zoomed")
}

// BenchmarkTimelinePage measures a 137,000-event run's page: exporting it
// (the data built, the explanations, the page written) and, in headless
// Chromium, opening it (parse and first draw, the page's data-render-ms)
// and drawing it zoomed out and at 20 ms (data-draw-ms, median of 9
// draws each). go test -run XXX -bench TimelinePage ./timeline/
func BenchmarkTimelinePage(b *testing.B) {
	s := session.New(session.Options{Seed: 1})
	for _, l := range []string{"startServers 5", "load clients=10 rate=300 keys=5 duration=40s", "run 40s"} {
		if r := s.Exec(l); r.Err != nil {
			b.Fatal(r.Err)
		}
	}
	file := filepath.Join(b.TempDir(), "timeline.html")
	b.ResetTimer()
	for range b.N {
		if r := s.Exec("export timeline " + file); r.Err != nil {
			b.Fatal(r.Err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(s.Sim().TraceStats().Kept), "events")
	ctx := browsertest.New(b, 1280, 800, 5*time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+file)); err != nil {
		b.Fatal(err)
	}
	num := func(expr string) float64 {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](expr, chromedp.EvalAwaitPromise))
		if err != nil {
			b.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	b.ReportMetric(num(`+document.body.dataset.renderMs`), "open-ms")
	// drawMs draws the view n times, a frame apart, and returns the
	// median time of a draw.
	const drawMs = `(n) => new Promise((done) => {
		const ms = [], cv = document.getElementById("canvas"), r = cv.getBoundingClientRect();
		const one = () => {
			ms.push(+document.body.dataset.drawMs);
			if (ms.length > n) { ms.shift(); ms.sort((a, b) => a - b); done(ms[n >> 1]); return; }
			window.dispatchEvent(new Event("resize"));
			requestAnimationFrame(() => requestAnimationFrame(one));
		};
		one();
	})`
	b.ReportMetric(num(`(`+drawMs+`)(9)`), "fit-draw-ms")
	for range 10 { // 20 s to 20 ms: ten halvings
		num(`new Promise((done) => { [...document.querySelectorAll("button")].find((b) => b.textContent === "zoom in").click(); requestAnimationFrame(() => requestAnimationFrame(() => done(0))); })`)
	}
	b.ReportMetric(num(`(`+drawMs+`)(9)`), "zoomed-draw-ms")
}
