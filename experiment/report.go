package experiment

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is a finished experiment: its lines' results and how it ran.
type Report struct {
	Experiment string // "election", "splitvote" or "wan"
	Title      string // what it reproduces, in words
	Seed       uint64
	Trials     int
	Wall       time.Duration
	Results    []Result
}

func msf(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

// fmtMS writes a duration for the table: "287ms", "1.18s", "≥20s" for a
// censored value (the cap).
func fmtMS(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	case d >= time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 0, 64) + "ms"
}

// cell writes a statistic, marked when censored trials reach it.
func (r *Result) cell(d time.Duration, q float64) string {
	if r.Stats.Censored > 0 && q >= 1-float64(r.Stats.Censored)/float64(r.Stats.Trials) {
		return ">" + fmtMS(r.Setup.Cap)
	}
	return fmtMS(d)
}

// WriteTable writes one row per line, with the paper's numbers beside.
func (rep *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "%s\n", rep.Title)
	if len(rep.Results) > 0 {
		st := rep.Results[0].Setup
		lat := st.Latency.latencyString()
		for _, r := range rep.Results {
			if r.Setup.Latency != st.Latency {
				lat = "as named"
			}
		}
		fmt.Fprintf(w, "%d trials per line, seed %d; %d servers, latency %s one way, fsync %s, heartbeat = min timeout / 2\n",
			rep.Trials, rep.Seed, st.Servers, lat, fmtDur(st.Fsync))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "line\tmedian\tp90\tp99\tmax\tmean\tterms\tsplit votes\tfirst commit\treported")
	for i := range rep.Results {
		r := &rep.Results[i]
		s := r.Stats
		paper := ""
		for k, p := range r.Paper {
			if k > 0 {
				paper += "; "
			}
			paper += fmt.Sprintf("%s (%s) -> %s %s", p.Text, p.Source, fmtStat(p, p.Measured(s)), mark(p.Agrees(s)))
		}
		mean, terms, splits, commit := "-", "-", "-", "-"
		if s.Censored < s.Trials {
			mean, terms = fmtMS(s.Mean), strconv.FormatFloat(s.MeanTerms, 'f', 2, 64)
			splits, commit = strconv.FormatFloat(100*s.SplitVoteRate, 'f', 2, 64)+"%", fmtMS(s.CommitMedian)
		}
		if s.Censored > 0 {
			mean += fmt.Sprintf(" (%d of %d never elected)", s.Censored, s.Trials)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name,
			r.cell(s.Median, 0.5), r.cell(s.P90, 0.9), r.cell(s.P99, 0.99), r.cell(s.Max, 1), mean,
			terms, splits, commit, paper)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "times from the crash to a new leader (median, p90, p99, max, mean) and to its first commit (median); terms per election; split votes per round\n")
	fmt.Fprintf(w, "%d trials in %.1fs\n", rep.Trials*len(rep.Results), rep.Wall.Seconds())
	return nil
}

func fmtStat(p Reported, v float64) string {
	if p.Stat == "split_vote_rate" {
		return strconv.FormatFloat(100*v, 'f', 2, 64) + "%"
	}
	return fmtMS(time.Duration(v * float64(time.Millisecond)))
}

func mark(ok bool) string {
	if ok {
		return "(agrees)"
	}
	return "(DIFFERS)"
}

// jsonPaper is one reported number beside what was measured.
type jsonPaper struct {
	Stat     string  `json:"stat"`
	Value    float64 `json:"value"`
	Bound    string  `json:"bound,omitempty"`
	Source   string  `json:"source"`
	Text     string  `json:"text"`
	Measured float64 `json:"measured"`
	Agrees   bool    `json:"agrees"`
}

type jsonLine struct {
	Name           string      `json:"name"`
	Timeout        string      `json:"timeout"`
	Variant        Variant     `json:"variant"`
	Servers        int         `json:"servers"`
	Failed         int         `json:"failed"`
	Latency        string      `json:"latency"`
	FsyncMS        float64     `json:"fsync_ms"`
	Trials         int         `json:"trials"`
	Censored       int         `json:"censored"`
	MedianMS       float64     `json:"median_ms"`
	P90MS          float64     `json:"p90_ms"`
	P99MS          float64     `json:"p99_ms"`
	P999MS         float64     `json:"p999_ms"`
	MaxMS          float64     `json:"max_ms"`
	MeanMS         float64     `json:"mean_ms"`
	MeanTerms      float64     `json:"mean_terms"`
	SplitVoteRate  float64     `json:"split_vote_rate"`
	FirstSplitRate float64     `json:"first_split_rate"`
	CommitMedianMS float64     `json:"commit_median_ms"`
	CommitMeanMS   float64     `json:"commit_mean_ms"`
	Paper          []jsonPaper `json:"paper"`
}

type jsonReport struct {
	Experiment string     `json:"experiment"`
	Seed       uint64     `json:"seed"`
	Trials     int        `json:"trials"`
	WallS      float64    `json:"wall_s"`
	Lines      []jsonLine `json:"lines"`
}

// WriteJSON writes the report as one JSON object (SPEC: `{"lines": [...]}`).
func (rep *Report) WriteJSON(w io.Writer) error {
	out := jsonReport{Experiment: rep.Experiment, Seed: rep.Seed, Trials: rep.Trials,
		WallS: math.Round(rep.Wall.Seconds()*1000) / 1000, Lines: []jsonLine{}}
	for _, r := range rep.Results {
		s, st := r.Stats, r.Setup
		l := jsonLine{
			Name: r.Name, Timeout: st.Timeout.String(), Variant: st.Variant, Servers: st.Servers, Failed: st.Failed + 1,
			Latency: st.Latency.latencyString(), FsyncMS: msf(st.Fsync),
			Trials: s.Trials, Censored: s.Censored,
			MedianMS: msf(s.Median), P90MS: msf(s.P90), P99MS: msf(s.P99), P999MS: msf(s.P999), MaxMS: msf(s.Max), MeanMS: msf(s.Mean),
			MeanTerms: round4(s.MeanTerms), SplitVoteRate: round4(s.SplitVoteRate), FirstSplitRate: round4(s.FirstSplitRate),
			CommitMedianMS: msf(s.CommitMedian), CommitMeanMS: msf(s.CommitMean), Paper: []jsonPaper{},
		}
		for _, p := range r.Paper {
			l.Paper = append(l.Paper, jsonPaper{Stat: p.Stat, Value: p.Value, Bound: p.Bound, Source: p.Source, Text: p.Text,
				Measured: round4(p.Measured(s)), Agrees: p.Agrees(s)})
		}
		out.Lines = append(out.Lines, l)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func round4(f float64) float64 { return math.Round(f*10000) / 10000 }

// WriteSummaryCSV writes one row per line.
func (rep *Report) WriteSummaryCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"line", "timeout", "variant", "trials", "censored", "median_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms",
		"mean_terms", "split_vote_rate", "first_split_rate", "commit_median_ms", "reported"})
	for _, r := range rep.Results {
		s := r.Stats
		var paper []string
		for _, p := range r.Paper {
			paper = append(paper, p.Text)
		}
		cw.Write([]string{r.Name, r.Setup.Timeout.String(), string(r.Setup.Variant), itoa(s.Trials), itoa(s.Censored),
			ff(msf(s.Median)), ff(msf(s.P90)), ff(msf(s.P99)), ff(msf(s.P999)), ff(msf(s.Max)), ff(msf(s.Mean)),
			ff(round4(s.MeanTerms)), ff(round4(s.SplitVoteRate)), ff(round4(s.FirstSplitRate)), ff(msf(s.CommitMedian)),
			strings.Join(paper, "; ")})
	}
	cw.Flush()
	return cw.Error()
}

// WriteTrialsCSV writes one row per trial: enough to redraw any plot, and
// the seed to replay any trial.
func (rep *Report) WriteTrialsCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"line", "trial", "seed", "elected_ms", "commit_ms", "terms", "rounds", "split_votes", "censored", "eligible", "leader"})
	for _, r := range rep.Results {
		for _, t := range r.Trials {
			cw.Write([]string{r.Name, itoa(t.Index), strconv.FormatUint(t.Seed, 10), ff(msf(t.Elected)), ff(msf(t.Commit)),
				itoa(t.Terms), itoa(t.Rounds), itoa(t.Splits), strconv.FormatBool(t.Censored), itoa(t.Eligible), itoa(int(t.Leader))})
		}
	}
	cw.Flush()
	return cw.Error()
}

func itoa(i int) string   { return strconv.Itoa(i) }
func ff(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
func slug(name string) string {
	r := strings.NewReplacer(" ", "-", ",", "", "+", "-", "/", "-")
	return r.Replace(name)
}

// ScriptText is a trial's script as a file: a header that says what it is
// and what it measured, then the commands.
func ScriptText(l Line, t Trial) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# raftsim experiment, line %s, trial %d (seed %d)\n", l.Name, t.Index, t.Seed)
	if t.Censored {
		fmt.Fprintf(&b, "# no leader within %s of the crash\n", fmtDur(l.Setup.Cap))
	} else {
		fmt.Fprintf(&b, "# the last `until leader` prints the election time: %s after the crash, in %d terms\n", fmtDur(t.Elected), t.Terms)
	}
	fmt.Fprintf(&b, "# replay: raftsim run FILE.raft\n")
	for _, line := range t.Script {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// WriteDir writes the report's files into dir: summary.csv, trials.csv,
// report.json, the CDF plots (SVG and PNG), and for each line the script
// of its slowest trial under replay/.
func (rep *Report) WriteDir(dir string, replays []ReplayFile) ([]string, error) {
	if err := os.MkdirAll(filepath.Join(dir, "replay"), 0o755); err != nil {
		return nil, err
	}
	var written []string
	put := func(name string, f func(io.Writer) error) error {
		path := filepath.Join(dir, name)
		fh, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := f(fh); err != nil {
			fh.Close()
			return fmt.Errorf("%s: %w", path, err)
		}
		written = append(written, path)
		return fh.Close()
	}
	for _, p := range []struct {
		name string
		f    func(io.Writer) error
	}{
		{rep.Experiment + "-summary.csv", rep.WriteSummaryCSV},
		{rep.Experiment + "-trials.csv", rep.WriteTrialsCSV},
		{rep.Experiment + ".json", rep.WriteJSON},
	} {
		if err := put(p.name, p.f); err != nil {
			return written, err
		}
	}
	plots, err := rep.WritePlots(dir)
	written = append(written, plots...)
	if err != nil {
		return written, err
	}
	for _, r := range replays {
		if err := put(filepath.Join("replay", r.Name), func(w io.Writer) error {
			_, err := io.WriteString(w, r.Text)
			return err
		}); err != nil {
			return written, err
		}
	}
	return written, nil
}

// ReplayFile is a trial's script under its file name.
type ReplayFile struct{ Name, Text string }

// Outliers replays the slowest trial of each line and returns the scripts.
func (rep *Report) Outliers() ([]ReplayFile, error) {
	var out []ReplayFile
	for i := range rep.Results {
		r := &rep.Results[i]
		k := r.Slowest()
		t, err := Replay(r.Line, rep.Seed, k)
		if err != nil {
			return out, err
		}
		out = append(out, ReplayFile{Name: fmt.Sprintf("%s-trial-%d.raft", slug(r.Name), k), Text: ScriptText(r.Line, t)})
	}
	return out, nil
}
