package experiment

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
	"raftsim/repl/render"
	"raftsim/repl/session"
)

const ms = time.Millisecond

func durs(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * ms
	}
	return out
}

// Nearest rank: the smallest value with at least q of the values at or
// below it.
func TestQuantileNearestRank(t *testing.T) {
	v := durs(10, 20, 30, 40)
	assert.Equal(t, 20*ms, Quantile(v, 0.5))
	assert.Equal(t, 40*ms, Quantile(v, 0.9))
	assert.Equal(t, 10*ms, Quantile(v, 0), "q = 0 is the minimum")
	assert.Equal(t, 40*ms, Quantile(v, 1))
	assert.Equal(t, 30*ms, Quantile(durs(10, 20, 30, 40, 50), 0.5), "odd count: the middle one")
	assert.Equal(t, time.Duration(0), Quantile(nil, 0.5))
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * ms
	}
	assert.Equal(t, 99*ms, Quantile(hundred, 0.99))
	assert.Equal(t, 90*ms, Quantile(hundred, 0.9))
}

func TestMean(t *testing.T) {
	assert.Equal(t, 25*ms, Mean(durs(10, 20, 30, 40)))
	assert.Equal(t, time.Duration(0), Mean(nil))
}

// Summarize on hand-built trials: the censored one counts as slowest for
// the quantiles and the maximum, and is left out of the means; split votes
// are per round, first splits per trial.
func TestSummarize(t *testing.T) {
	trials := []Trial{
		{Elected: 100 * ms, Commit: 110 * ms, Terms: 1, Rounds: 1},
		{Elected: 300 * ms, Commit: 320 * ms, Terms: 2, Rounds: 2, Splits: 1, FirstSplit: true},
		{Elected: 200 * ms, Commit: 0, Terms: 3, Rounds: 3, Splits: 2, FirstSplit: true},
		{Elected: 20 * time.Second, Censored: true, Terms: 9},
	}
	s := Summarize(trials)
	assert.Equal(t, 4, s.Trials)
	assert.Equal(t, 1, s.Censored)
	assert.Equal(t, 200*ms, s.Median)
	assert.Equal(t, 20*time.Second, s.Max)
	assert.Equal(t, 20*time.Second, s.P99)
	assert.Equal(t, 200*ms, s.Mean, "mean of the three elected")
	assert.Equal(t, 110*ms, s.CommitMedian, "median of the two commits (nearest rank)")
	assert.Equal(t, 215*ms, s.CommitMean)
	assert.InDelta(t, 2.0, s.MeanTerms, 1e-9)
	assert.InDelta(t, 0.5, s.SplitVoteRate, 1e-9, "3 split rounds of 6")
	assert.InDelta(t, 2.0/3, s.FirstSplitRate, 1e-9)

	assert.Equal(t, Stats{}, Summarize(nil))
}

func TestCDF(t *testing.T) {
	xs, ys := CDF([]Trial{{Elected: 30 * ms}, {Elected: 10 * ms}, {Elected: time.Minute, Censored: true}, {Elected: 20 * ms}})
	assert.Equal(t, []float64{10, 20, 30}, xs)
	assert.Equal(t, []float64{0.25, 0.5, 0.75}, ys, "the censored trial keeps the curve below 1")
}

// Reported numbers agree within 25%, or on the right side of a bound.
func TestReportedAgrees(t *testing.T) {
	s := Stats{Median: 300 * ms, Max: 700 * ms, P999: 1400 * ms, FirstSplitRate: 0.05}
	assert.True(t, Reported{Stat: "median_ms", Value: 287}.Agrees(s))
	assert.False(t, Reported{Stat: "max_ms", Value: 513}.Agrees(s), "700 is 36% above 513")
	assert.True(t, Reported{Stat: "p999_ms", Value: 1500, Bound: "<="}.Agrees(s))
	assert.False(t, Reported{Stat: "median_ms", Value: 10000, Bound: ">"}.Agrees(s))
	assert.True(t, Reported{Stat: "split_vote_rate", Value: 0.052}.Agrees(s))
}

func TestParseRanges(t *testing.T) {
	r, err := ParseRanges("150-150, 150-155,12ms-24ms,0.5-1.5,10")
	require.NoError(t, err)
	assert.Equal(t, []Range{{150 * ms, 150 * ms}, {150 * ms, 155 * ms}, {12 * ms, 24 * ms}, {500 * time.Microsecond, 1500 * time.Microsecond}, {10 * ms, 10 * ms}}, r)
	assert.Equal(t, "150-155", r[1].String())
	assert.Equal(t, "0.5-1.5ms", r[3].latencyString())
	for _, bad := range []string{"", "300-150", "a-b", "-5"} {
		_, err := ParseRanges(bad)
		assert.Error(t, err, bad)
	}
	v, err := ParseVariants("classic, prevote,checkquorum,prevote+checkquorum")
	require.NoError(t, err)
	assert.Equal(t, []Variant{Classic, PreVote, CheckQuorum, Both}, v)
	_, err = ParseVariants("fast")
	assert.ErrorContains(t, err, "unknown variant")
}

func figure16Line(timeout Range) Line {
	for _, l := range Election(Config{Timeouts: []Range{timeout}}) {
		return l
	}
	panic("no line")
}

// A trial is deterministic by its seed, and the logs differ as the paper
// says: of the four servers left, only two can win.
func TestTrialDeterministic(t *testing.T) {
	l := figure16Line(Range{150 * ms, 155 * ms})
	a, err := RunTrial(l.Setup, 3, 77)
	require.NoError(t, err)
	b, err := RunTrial(l.Setup, 3, 77)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.False(t, a.Censored)
	assert.Equal(t, 2, a.Eligible, "two laggers cannot win")
	assert.GreaterOrEqual(t, a.Terms, 1)
	assert.Greater(t, a.Commit, a.Elected, "the first commit follows the election")
	assert.NotEqual(t, raft.None, a.Leader)
	c, err := RunTrial(l.Setup, 3, 78)
	require.NoError(t, err)
	assert.NotEqual(t, a.Script, c.Script, "another seed, another run")
}

// The script of a trial, run by the shell, elects the new leader exactly
// as long after the crash as the trial measured (for each kind of setup).
func TestReplayScriptReproducesTrial(t *testing.T) {
	lines := []Line{
		figure16Line(Range{150 * ms, 155 * ms}),
		figure16Line(Range{12 * ms, 24 * ms}),
		SplitVote(Config{})[1],
		WAN(Config{})[1],
	}
	lines[2].Setup.Variant, lines[3].Setup.Variant = PreVote, CheckQuorum
	for _, l := range lines {
		for _, k := range []int{0, 5} {
			tr, err := Replay(l, 1, k)
			require.NoError(t, err)
			s := session.New(session.Options{Seed: 1})
			var last render.Reached
			for _, line := range tr.Script {
				if strings.HasPrefix(line, "#") {
					continue
				}
				r := s.Exec(line)
				require.True(t, r.OK, "%s: %s: %v", l.Name, line, r.Err)
				if v, ok := r.Value.(render.Reached); ok {
					last = v
				}
			}
			assert.Equal(t, tr.Elected, last.After, "%s trial %d: `until leader` after the crash", l.Name, k)
		}
	}
}

// Run gives the same results whatever the number of workers, and its JSON
// has the fields SPEC names.
func TestRunDeterministicAndJSON(t *testing.T) {
	lines := Election(Config{Timeouts: []Range{{150 * ms, 175 * ms}, {25 * ms, 50 * ms}}, Variants: []Variant{Classic, PreVote}})
	require.Len(t, lines, 4)
	one, err := Run(lines, Options{Trials: 20, Seed: 9, Workers: 1})
	require.NoError(t, err)
	two, err := Run(lines, Options{Trials: 20, Seed: 9, Workers: 3})
	require.NoError(t, err)
	assert.Equal(t, one, two)

	var a, b bytes.Buffer
	require.NoError(t, (&Report{Experiment: "election", Seed: 9, Trials: 20, Results: one}).WriteJSON(&a))
	require.NoError(t, (&Report{Experiment: "election", Seed: 9, Trials: 20, Results: two}).WriteJSON(&b))
	assert.Equal(t, a.String(), b.String(), "byte-identical output")

	var doc map[string]any
	require.NoError(t, json.Unmarshal(a.Bytes(), &doc))
	ls := doc["lines"].([]any)
	require.Len(t, ls, 4)
	first := ls[0].(map[string]any)
	for _, k := range []string{"timeout", "trials", "median_ms", "p90_ms", "p99_ms", "max_ms", "mean_terms", "split_vote_rate"} {
		assert.Contains(t, first, k)
	}
	assert.Equal(t, "150-175", first["timeout"])
	assert.Equal(t, "150-175 classic", first["name"])
	assert.Equal(t, "prevote", ls[2].(map[string]any)["variant"])
	assert.EqualValues(t, 20, first["trials"])
}

// The files of --out: CSVs, JSON, plots in both formats, and a replay
// script per line that the shell runs.
func TestWriteDir(t *testing.T) {
	lines := Election(Config{Timeouts: []Range{{150 * ms, 200 * ms}, {50 * ms, 100 * ms}}})
	res, err := Run(lines, Options{Trials: 30, Seed: 2})
	require.NoError(t, err)
	rep := &Report{Experiment: "election", Seed: 2, Trials: 30, Results: res}
	replays, err := rep.Outliers()
	require.NoError(t, err)
	dir := t.TempDir()
	files, err := rep.WriteDir(dir, replays)
	require.NoError(t, err)
	for _, name := range []string{"election-summary.csv", "election-trials.csv", "election.json", "figure16.png", "figure16.svg"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err, name)
		assert.Positive(t, fi.Size(), name)
		assert.Contains(t, files, filepath.Join(dir, name))
	}
	png, err := os.ReadFile(filepath.Join(dir, "figure16.png"))
	require.NoError(t, err)
	assert.Equal(t, "\x89PNG", string(png[:4]))
	trialsCSV, err := os.ReadFile(filepath.Join(dir, "election-trials.csv"))
	require.NoError(t, err)
	assert.Equal(t, 1+60, strings.Count(string(trialsCSV), "\n"), "a header and a row per trial")
	require.Len(t, replays, 2)
	assert.True(t, strings.HasPrefix(replays[0].Name, "150-200-trial-"))
	slowest := res[0].Trials[res[0].Slowest()].Elected
	assert.Contains(t, replays[0].Text, fmtDur(slowest), "the slowest trial's script says what it measured")

	var table bytes.Buffer
	require.NoError(t, rep.WriteTable(&table))
	assert.Contains(t, table.String(), "worst of 1000: 513 ms (paper §9.3)")
}
