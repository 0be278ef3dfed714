package timeline_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"raftsim/repl/session"
	"raftsim/timeline"
)

// TestEveryScriptRenders plays every script of scripts/ and draws its
// timeline; the page's data must be whole: every server has a lane with
// role bands to the end of the run, every message goes between two
// lanes and arrives no earlier than it left, every client operation sits
// on a client's lane, every server's lane says why at some time (when
// the trace holds the whole run). With
// TIMELINE_OUT set, the pages are written there
// (to look at them in a browser).
func TestEveryScriptRenders(t *testing.T) {
	files, err := filepath.Glob("../scripts/*.raft")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := os.Getenv("TIMELINE_OUT")
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".raft")
		t.Run(name, func(t *testing.T) {
			s := session.New(session.Options{Seed: 1})
			s.Exec("source " + f) // a script that fails on purpose still draws
			in := timeline.FromSim(s.Sim(), name)
			in.Why, in.WhyMore = s.WhyOverTime(3000)
			d := timeline.Build(in)
			explained := map[int]bool{}
			for _, ln := range d.Why.Lane {
				explained[ln] = true
			}
			for i, l := range d.Lanes {
				// (a run that outgrew the trace explains only the servers
				// whose state it can rebuild)
				require.True(t, !l.Server || explained[i] || in.Dropped > 0, "lane %s has no explanation", l.Name)
			}
			require.NotEmpty(t, d.Lanes)
			servers := 0
			ends := map[int]int64{}
			for i, ln := range d.Bands.Lane {
				require.True(t, d.Lanes[ln].Server)
				require.LessOrEqual(t, d.Bands.T0[i], d.Bands.T1[i])
				if prev, ok := ends[ln]; ok {
					require.Equal(t, prev, d.Bands.T0[i], "lane %s: gap or overlap", d.Lanes[ln].Name)
				}
				ends[ln] = d.Bands.T1[i]
			}
			for i, l := range d.Lanes {
				if l.Server {
					servers++
					require.Equal(t, d.End, ends[i], "lane %s has no role up to the end", l.Name)
				}
			}
			require.Equal(t, len(in.Servers), servers)
			for i := range d.Msgs.T0 {
				require.GreaterOrEqual(t, d.Msgs.From[i], 0, "message %d from nowhere: %s", i, d.Strings[d.Msgs.Text[i]])
				require.LessOrEqual(t, d.Msgs.T0[i], d.Msgs.T1[i], "message %d", i)
			}
			for i, ln := range d.Ops.Lane {
				require.False(t, d.Lanes[ln].Server, "op %d on a server lane", i)
			}
			var b bytes.Buffer
			require.NoError(t, timeline.WriteData(&b, d))
			if out != "" {
				require.NoError(t, os.WriteFile(filepath.Join(out, name+".html"), b.Bytes(), 0o644))
			}
		})
	}
}
