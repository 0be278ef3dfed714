// Package web is raftsim's live web view: a page that draws a simulated
// cluster as it runs (servers, terms, election timers, logs, messages on
// the links) and drives it with the shell's own commands, typed into a
// console or made by clicking. The simulation runs in this process; the
// page gets a new view many times a second over Server-Sent Events and
// sends commands back as plain POSTs.
//
// The simulation is deterministic, so the session is just its seed and the
// commands typed with the virtual time of each: seeking back replays them
// from the seed, a command typed in the past forks the run, and the same
// list is the link a teacher hands out. A script can be played as a lesson,
// its `#` comments shown as captions, pausing at each.
package web

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/session"
)

//go:embed assets
var assets embed.FS

// Options configures a Server.
type Options struct {
	// Seed is the seed of the simulation (and of lessons and shared
	// scenarios, which start afresh from it); 0 means 1.
	Seed uint64
	// Script, if set, is run at the start instead of `startServers 3`:
	// the page opens on the state it leaves. ScriptName names it.
	Script, ScriptName string
	// Lessons are the scripts the page offers as lessons, by file name.
	Lessons fs.FS
}

// Server serves the page and its API. It runs one simulation, shared by
// every page that is open.
type Server struct {
	mu      sync.Mutex
	w       *world
	opts    Options
	lessons map[string]string // name -> script text
	mux     *http.ServeMux

	subMu   sync.Mutex
	subs    map[chan []byte]bool
	history [][]byte // the last console lines, for a page that opens later

	// features says which optional commands the shell has, for the
	// page's menus.
	features map[string]bool

	stop chan struct{}
	done chan struct{}
}

// optional are the commands the page offers in its menus when the shell
// has them.
var optional = []string{"timeout", "why"}

// probe reports which of the optional commands the shell knows.
func probe() map[string]bool {
	f := map[string]bool{}
	sess := session.New(session.Options{Seed: 1})
	for _, name := range optional {
		f[name] = sess.Exec("help " + name).OK
	}
	return f
}

// tickEvery is how often the display clock moves and the pages get a view.
const tickEvery = 33 * time.Millisecond

// maxHistory is how many console lines a page that opens late is sent.
const maxHistory = 200

// New builds a server on the default cluster (or on the state
// o.Script leaves) and starts its clock. Close stops it.
func New(o Options) (*Server, error) {
	if o.Seed == 0 {
		o.Seed = 1
	}
	s := &Server{opts: o, subs: map[chan []byte]bool{}, stop: make(chan struct{}), done: make(chan struct{}), lessons: map[string]string{}}
	if o.Lessons != nil {
		names, _ := fs.Glob(o.Lessons, "*.raft")
		for _, n := range names {
			if b, err := fs.ReadFile(o.Lessons, n); err == nil {
				s.lessons[n] = string(b)
			}
		}
	}
	if o.Script != "" && o.ScriptName != "" {
		s.lessons[path.Base(o.ScriptName)] = o.Script
	}
	s.features = probe()
	s.w = newWorld(o.Seed)
	if o.Script != "" {
		if err := s.w.load(o.ScriptName, o.Script, "script"); err != nil {
			return nil, err
		}
	} else {
		s.w.exec("startServers 3", "start")
		s.w.playing = true
	}
	s.flushOutputs()
	s.routes()
	go s.clock()
	return s, nil
}

// Close stops the clock. The handler stays usable (the clock no longer runs).
func (s *Server) Close() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
		<-s.done
	}
	s.subMu.Lock()
	for c := range s.subs {
		close(c)
		delete(s.subs, c)
	}
	s.subMu.Unlock()
}

// ServeHTTP serves the page (/), its event stream (/events) and its API
// (/api/...).
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(rw, r) }

// ListenAndServe serves on addr until ctx is done. It prints the address
// once it listens.
func ListenAndServe(ctx context.Context, addr string, o Options, log io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s, err := New(o)
	if err != nil {
		ln.Close()
		return err
	}
	defer s.Close()
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	fmt.Fprintf(log, "raftsim: the web view is at http://%s/ (Ctrl-C stops it)\n", ln.Addr())
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	s.mux.Handle("GET /", http.FileServerFS(static))
	s.mux.HandleFunc("GET /events", s.events)
	s.mux.HandleFunc("POST /api/exec", s.apiExec)
	s.mux.HandleFunc("POST /api/control", s.apiControl)
	s.mux.HandleFunc("POST /api/stop", func(rw http.ResponseWriter, r *http.Request) {
		s.w.stop.Store(true) // no lock: the running command holds it
		writeJSON(rw, map[string]bool{"ok": true})
	})
	s.mux.HandleFunc("GET /api/scenario", s.apiGetScenario)
	s.mux.HandleFunc("POST /api/scenario", s.apiLoadScenario)
	s.mux.HandleFunc("GET /api/lessons", s.apiLessons)
	s.mux.HandleFunc("GET /api/features", func(rw http.ResponseWriter, r *http.Request) { writeJSON(rw, s.features) })
	s.mux.HandleFunc("POST /api/lesson", s.apiLesson)
	s.mux.HandleFunc("GET /api/why", s.apiWhy)
}

// clock moves the display clock on and sends the pages what changed.
func (s *Server) clock() {
	defer close(s.done)
	t := time.NewTicker(tickEvery)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			wall := now.Sub(last)
			last = now
			s.mu.Lock()
			s.w.tick(min(wall, 4*tickEvery)) // a stalled machine skips, not rushes
			s.mu.Unlock()
			s.publish()
		}
	}
}

// publish sends the pages the console lines and, if anything changed, the
// view.
func (s *Server) publish() {
	s.mu.Lock()
	s.flushOutputs()
	var msg []byte
	if s.w.changed {
		s.w.changed = false
		msg = sse("view", s.view())
	}
	s.mu.Unlock()
	if msg != nil {
		s.send(msg)
	}
}

// flushOutputs sends the console lines the world printed. Called with
// s.mu held.
func (s *Server) flushOutputs() {
	for _, o := range s.w.ready() {
		msg := sse("out", o)
		s.subMu.Lock()
		s.history = append(s.history, msg)
		if len(s.history) > maxHistory {
			s.history = s.history[len(s.history)-maxHistory:]
		}
		s.subMu.Unlock()
		s.send(msg)
	}
}

func (s *Server) send(msg []byte) {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	for c := range s.subs {
		select {
		case c <- msg:
		default: // a page that cannot keep up misses a view; the next one replaces it
		}
	}
}

func sse(event string, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	return []byte("event: " + event + "\ndata: " + string(b) + "\n\n")
}

// view is everything a page draws, at the display time.
type view struct {
	T        float64      `json:"t"`
	Now      float64      `json:"now"`
	Horizon  float64      `json:"horizon"`
	Playing  bool         `json:"playing"`
	Speed    float64      `json:"speed"`
	Seed     uint64       `json:"seed"`
	Commands int          `json:"commands"`
	Future   int          `json:"future"`
	Servers  []serverView `json:"servers"`
	Flights  []flightView `json:"flights"`
	Links    []linkView   `json:"links"`
	Lesson   *lessonView  `json:"lesson"`
}

type lessonView struct {
	Name    string `json:"name"`
	Caption string `json:"caption"`
	Step    int    `json:"step"`
	Steps   int    `json:"steps"`
	Waiting bool   `json:"waiting"`
	Done    bool   `json:"done"`
}

// view builds the view at the display time. Called with s.mu held.
func (s *Server) view() view {
	w := s.w
	f := w.rec.at(w.v)
	v := view{T: ms(w.v), Now: ms(w.sim().Now()), Horizon: ms(w.horizon), Playing: w.playing, Speed: w.speed,
		Seed: w.seed, Commands: w.cursor, Future: len(w.entries) - w.cursor,
		Servers: f.Servers, Flights: f.Flights, Links: f.Links}
	if l := w.lesson; l != nil {
		v.Lesson = &lessonView{Name: l.Name, Caption: l.Caption, Step: l.Next, Steps: len(l.Steps), Waiting: !w.playing, Done: l.Done}
	}
	return v
}

func (s *Server) events(rw http.ResponseWriter, r *http.Request) {
	fl, ok := rw.(http.Flusher)
	if !ok {
		http.Error(rw, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/event-stream")
	rw.Header().Set("Cache-Control", "no-cache")
	c := make(chan []byte, 64)
	s.subMu.Lock()
	hist := append([][]byte(nil), s.history...)
	s.subs[c] = true
	s.subMu.Unlock()
	defer func() {
		s.subMu.Lock()
		if s.subs[c] {
			delete(s.subs, c)
		}
		s.subMu.Unlock()
	}()
	for _, m := range hist {
		rw.Write(m)
	}
	s.mu.Lock()
	first := sse("view", s.view())
	s.mu.Unlock()
	rw.Write(first)
	fl.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case m, ok := <-c:
			if !ok {
				return
			}
			if _, err := rw.Write(m); err != nil {
				return
			}
			fl.Flush()
		}
	}
}

// readJSON decodes a small request body.
func readJSON(r *http.Request, v any) error {
	return json.NewDecoder(io.LimitReader(r.Body, lang.MaxInputBytes+1024)).Decode(v)
}

func writeJSON(rw http.ResponseWriter, v any) {
	rw.Header().Set("Content-Type", "application/json")
	json.NewEncoder(rw).Encode(v)
}

func (s *Server) apiExec(rw http.ResponseWriter, r *http.Request) {
	var req struct {
		Line  string `json:"line"`
		Where string `json:"where"`
	}
	if err := readJSON(r, &req); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	if lang.Incomplete(req.Line) {
		writeJSON(rw, map[string]bool{"incomplete": true})
		return
	}
	if req.Where == "" {
		req.Where = "console"
	}
	s.mu.Lock()
	o := s.w.exec(req.Line, req.Where)
	s.mu.Unlock()
	s.publish()
	writeJSON(rw, o)
}

func (s *Server) apiControl(rw http.ResponseWriter, r *http.Request) {
	var req struct {
		Action string  `json:"action"`
		Value  float64 `json:"value"`
	}
	if err := readJSON(r, &req); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	w := s.w
	switch req.Action {
	case "play":
		w.playing = true
	case "pause":
		w.playing = false
	case "step":
		w.step()
	case "speed":
		w.speed = max(0, req.Value)
	case "seek":
		w.seek(time.Duration(req.Value * float64(time.Millisecond)))
	case "now":
		w.catchUp()
	case "endLesson":
		w.lesson = nil
	default:
		s.mu.Unlock()
		http.Error(rw, "unknown action "+req.Action, http.StatusBadRequest)
		return
	}
	w.changed = true
	s.mu.Unlock()
	s.publish()
	writeJSON(rw, map[string]bool{"ok": true})
}

// apiWhy explains server ?id= as the page shows it: as of the display
// time, which trails the simulation while a command is played back.
func (s *Server) apiWhy(rw http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.URL.Query().Get("id"))
	if err != nil {
		http.Error(rw, "why: give a server id (?id=0)", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	t := s.w.v
	w, err := s.w.sess.WhyAt(raft.NodeID(id), t)
	s.mu.Unlock()
	if err != nil {
		http.Error(rw, "why: "+err.Error(), http.StatusNotFound)
		return
	}
	writeJSON(rw, map[string]any{"t": ms(t), "text": w.Text})
}

func (s *Server) apiGetScenario(rw http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	sc := s.w.script()
	s.mu.Unlock()
	writeJSON(rw, map[string]string{"script": sc})
}

func (s *Server) apiLoadScenario(rw http.ResponseWriter, r *http.Request) {
	var req struct {
		Script string `json:"script"`
	}
	if err := readJSON(r, &req); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	w := s.w
	w.seed = s.opts.Seed
	err := w.load("scenario", req.Script, "scenario")
	if err == nil {
		w.seek(0)
		w.playing = true
	}
	s.mu.Unlock()
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	s.publish()
	writeJSON(rw, map[string]bool{"ok": true})
}

func (s *Server) apiLessons(rw http.ResponseWriter, r *http.Request) {
	type item struct {
		Name  string `json:"name"`
		Title string `json:"title"`
	}
	var items []item
	for n, text := range s.lessons {
		items = append(items, item{Name: n, Title: title(text)})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
	writeJSON(rw, items)
}

// title is the first line of a script's first comment.
func title(text string) string {
	for _, l := range strings.Split(text, "\n") {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "#") {
			return strings.TrimSpace(strings.TrimLeft(t, "#"))
		}
	}
	return ""
}

func (s *Server) apiLesson(rw http.ResponseWriter, r *http.Request) {
	var req struct {
		Name   string `json:"name"`
		Script string `json:"script"`
	}
	if err := readJSON(r, &req); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	text := req.Script
	if text == "" {
		t, ok := s.lessons[req.Name]
		if !ok {
			http.Error(rw, "no lesson named "+req.Name, http.StatusNotFound)
			return
		}
		text = t
	}
	s.mu.Lock()
	s.w.seed = s.opts.Seed
	err := s.w.startLesson(req.Name, text)
	s.mu.Unlock()
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	s.publish()
	writeJSON(rw, map[string]bool{"ok": true})
}
