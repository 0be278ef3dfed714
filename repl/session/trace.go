package session

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

// maxTraceEvents bounds the trace kept by `trace on`: the latest events are
// kept, the oldest dropped (about 100 MB at most).
const maxTraceEvents = 500_000

// traceLog is the trace recorded since `trace on`: every event of the
// simulation, in a ring that keeps the latest maxTraceEvents. Recording
// is off by default because it costs time and memory on every event.
type traceLog struct {
	on      bool
	since   time.Duration // virtual time recording (last) started
	events  []sim.TraceEvent
	next    int // the oldest event, once the ring is full
	dropped int // events pushed out of the ring
}

func (t *traceLog) add(ev sim.TraceEvent) {
	if len(t.events) < maxTraceEvents {
		t.events = append(t.events, ev)
		return
	}
	t.events[t.next] = ev
	t.next = (t.next + 1) % maxTraceEvents
	t.dropped++
}

// all returns the events in order.
func (t *traceLog) all() []sim.TraceEvent {
	return append(append([]sim.TraceEvent(nil), t.events[t.next:]...), t.events[:t.next]...)
}

const traceUsage = "trace on | trace off | trace"

// traceCmd turns the recording of the trace on or off, or says how much
// was recorded.
func (s *Session) traceCmd(c lang.Command) render.Result {
	if len(c.Args) > 1 || (len(c.Args) == 1 && c.Args[0].Key != "") {
		return render.Result{Err: fmt.Errorf("trace: unexpected arguments (usage: %s)", traceUsage)}
	}
	if len(c.Args) == 0 {
		return render.Result{OK: true, Value: render.Message(s.traceState())}
	}
	switch w := strings.ToLower(c.Args[0].Text); w {
	case "on":
		if s.trace == nil || !s.trace.on {
			s.trace = &traceLog{on: true, since: s.sim.Now()}
		}
		s.updateListener()
		return render.Result{OK: true, Value: render.Message(fmt.Sprintf("trace: recording every event from t=%s (the last %d are kept); export trace FILE.jsonl writes them", render.Seconds(s.trace.since), maxTraceEvents))}
	case "off":
		if s.trace != nil {
			s.trace.on = false
		}
		s.updateListener()
		return render.Result{OK: true, Value: render.Message(s.traceState())}
	default:
		return render.Result{Err: fmt.Errorf("trace: %s is not on or off (usage: %s)", s.show(0, c.Args[0]), traceUsage)}
	}
}

func (s *Session) traceState() string {
	t := s.trace
	switch {
	case t == nil:
		return "trace: not recording (trace on starts)"
	case t.on:
		return fmt.Sprintf("trace: recording since t=%s, %s kept", render.Seconds(t.since), render.Plural(uint64(len(t.events)), "event", "events"))
	}
	return fmt.Sprintf("trace: stopped; %s recorded from t=%s kept for export (trace on starts afresh)", render.Plural(uint64(len(t.events)), "event", "events"), render.Seconds(t.since))
}

func (s *Session) exportTrace(file string) render.Result {
	t := s.trace
	if t == nil {
		return render.Result{Err: fmt.Errorf("export trace: the trace is not being recorded (turn it on with: trace on, run the cluster, then export)")}
	}
	events := t.all()
	err := writeFile(file, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, ev := range events {
			if err := enc.Encode(render.TraceEventJSON(ev, s.describe(ev))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return render.Result{Err: fmt.Errorf("export trace: %v", err)}
	}
	detail := fmt.Sprintf("%s from t=%s, one JSON object a line", render.Plural(uint64(len(events)), "event", "events"), render.Seconds(t.since))
	if t.dropped > 0 {
		detail += fmt.Sprintf(" (the %d oldest were dropped: only the last %d are kept)", t.dropped, maxTraceEvents)
	}
	return render.Result{OK: true, Value: render.Exported{What: "trace", File: file, Detail: detail}}
}

// writeFile creates name and writes it through write, buffered.
func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot write %s: %v", name, err)
	}
	bw := bufio.NewWriter(f)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %v", name, err)
	}
	return nil
}
