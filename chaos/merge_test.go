package chaos

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reportJSON is s as chaos --json writes it, without the timing fields.
func reportJSON(t *testing.T, s Summary) map[string]any {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, s.WriteJSON(&b))
	var j map[string]any
	require.NoError(t, json.Unmarshal(b.Bytes(), &j))
	for _, k := range []string{"wall_seconds", "seeds_per_second", "sim_seconds_per_wall_second"} {
		delete(j, k)
	}
	return j
}

// roundTrip writes s as JSON and reads it back, as chaos merge reads a
// shard's report.
func roundTrip(t *testing.T, s Summary) Summary {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, s.WriteJSON(&b))
	r, err := ReadSummary(&b, "shard.json")
	require.NoError(t, err)
	return r
}

// Shards of a campaign merge into the report of one run of all their
// seeds, failures, counts and all (only the timing differs).
func TestMergedShardsEqualOneRun(t *testing.T) {
	cfg := ciConfig(8)
	cfg.Bug = "even-majority"
	whole, err := Run(cfg)
	require.NoError(t, err)
	require.Positive(t, whole.Violations(), "even-majority fails within 8 seeds")

	var parts []Summary
	for _, r := range []Range{{6, 3}, {1, 2}, {3, 3}} { // out of order on purpose
		c := cfg
		c.Start, c.Seeds = r.Start, r.Seeds
		s, err := Run(c)
		require.NoError(t, err)
		parts = append(parts, roundTrip(t, s))
	}
	m, err := Merge(parts)
	require.NoError(t, err)
	assert.Equal(t, reportJSON(t, whole), reportJSON(t, m))
	assert.Equal(t, whole.ExitCode(), m.ExitCode())

	var a, b bytes.Buffer
	whole.WriteTable(&a)
	m.WriteTable(&b)
	assert.Equal(t, withoutTiming(a.String()), withoutTiming(b.String()))

	// A merged report merges again.
	again, err := Merge([]Summary{roundTrip(t, m)})
	require.NoError(t, err)
	assert.Equal(t, reportJSON(t, whole), reportJSON(t, again))
}

func withoutTiming(table string) string {
	var out []string
	for _, l := range strings.Split(table, "\n") {
		if !strings.Contains(l, "(timing)") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Gaps between shards are kept and named; overlapping shards and shards of
// other settings are refused, saying why.
func TestMergeRefusesWhatIsNotOneCampaign(t *testing.T) {
	shard := func(start uint64, seeds int, mod func(*Config)) Summary {
		c := ciConfig(seeds)
		c.Start = start
		if mod != nil {
			mod(&c)
		}
		s, err := Run(c)
		require.NoError(t, err)
		return roundTrip(t, s)
	}
	a, b := shard(1, 2, nil), shard(10, 2, nil)
	m, err := Merge([]Summary{b, a})
	require.NoError(t, err)
	assert.Equal(t, []Range{{1, 2}, {10, 2}}, m.Ranges)
	assert.Equal(t, "1..2, 10..11", m.rangeText())
	assert.Equal(t, 4, m.Seeds)

	_, err = Merge([]Summary{a, shard(2, 2, nil)})
	assert.ErrorContains(t, err, "seeds 2..2 are in two reports")

	_, err = Merge([]Summary{a, shard(3, 1, func(c *Config) { c.Servers = 3 })})
	assert.ErrorContains(t, err, "other settings (servers 3, duration 5s, faults all, bug none)")

	_, err = Merge([]Summary{a, shard(3, 1, func(c *Config) { c.Faults = []Fault{FaultCrash} })})
	assert.ErrorContains(t, err, "faults crash")

	_, err = ReadSummary(bytes.NewBufferString(`{"seeds": 3, "colour": 1}`), "x.json")
	assert.ErrorContains(t, err, "x.json: not a chaos --json report")
	_, err = Merge(nil)
	assert.Error(t, err)
}
