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
)

const traceUsage = "trace | trace on"

// traceCmd says how much of the run the trace holds. The simulation
// always records it (bounded to the newest events), so `trace on` has
// nothing to start, and it cannot be turned off.
func (s *Session) traceCmd(c lang.Command) render.Result {
	if len(c.Args) > 1 || (len(c.Args) == 1 && c.Args[0].Key != "") {
		return render.Result{Err: fmt.Errorf("trace: unexpected arguments (usage: %s)", traceUsage)}
	}
	if len(c.Args) == 0 {
		return render.Result{OK: true, Value: render.Message(s.traceState())}
	}
	switch w := strings.ToLower(c.Args[0].Text); w {
	case "on":
		return render.Result{OK: true, Value: render.Message(s.traceState() + "; it is always on: export trace FILE.jsonl or export timeline FILE.html write it")}
	case "off":
		return render.Result{Err: fmt.Errorf("trace: the trace cannot be turned off: it is always recorded, bounded to the newest %d events", s.sim.TraceStats().Cap)}
	default:
		return render.Result{Err: fmt.Errorf("trace: %s is not on (usage: %s)", s.show(0, c.Args[0]), traceUsage)}
	}
}

func (s *Session) traceState() string {
	st := s.sim.TraceStats()
	if st.Dropped == 0 {
		return fmt.Sprintf("trace: %s kept, the whole run (the newest %d are kept)", render.Plural(uint64(st.Kept), "event", "events"), st.Cap)
	}
	return fmt.Sprintf("trace: the newest %s kept, %d older ones dropped", render.Plural(uint64(st.Kept), "event", "events"), st.Dropped)
}

func (s *Session) exportTrace(file string) render.Result {
	events := s.sim.Trace()
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
	from := time.Duration(0)
	if st := s.sim.TraceStats(); st.Dropped > 0 && len(events) > 0 {
		from = events[0].Time
	}
	detail := fmt.Sprintf("%s from t=%s, one JSON object a line", render.Plural(uint64(len(events)), "event", "events"), render.Seconds(from))
	if st := s.sim.TraceStats(); st.Dropped > 0 {
		detail += fmt.Sprintf(" (the %d oldest were dropped: only the newest %d are kept)", st.Dropped, st.Cap)
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
