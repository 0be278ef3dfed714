package session

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
)

// whyWords is how why must name a server's role and term.
func whyWords(in raftInfo) string {
	if !in.Up {
		return fmt.Sprintf("S%d is down", in.ID)
	}
	switch in.Role {
	case raft.Leader:
		return fmt.Sprintf("S%d is leader of term %d", in.ID, in.Term)
	case raft.Candidate:
		return fmt.Sprintf("S%d is a candidate in term %d", in.ID, in.Term)
	case raft.PreCandidate:
		return fmt.Sprintf("S%d is a pre-candidate in term %d", in.ID, in.Term)
	}
	return fmt.Sprintf("S%d is a follower in term %d", in.ID, in.Term)
}

type raftInfo struct {
	ID   raft.NodeID
	Up   bool
	Role raft.Role
	Term uint64
}

// Every script of scripts/ ends with servers in many states (leaders old
// and new, candidates, followers, crashed, partitioned, removed): why
// explains each, naming its role and term and citing at least one event.
// With -v the explanations are logged, to be read.
func TestWhyExplainsEveryServerOfEveryScript(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "scripts", "*.raft"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".raft"), func(t *testing.T) {
			text, err := os.ReadFile(f)
			require.NoError(t, err)
			sc, err := lang.ParseScript(f, string(text))
			require.NoError(t, err)
			s := New(Options{Seed: 1})
			for _, c := range sc.Commands() {
				s.Exec(c.Text)
			}
			for _, id := range s.Sim().Servers() {
				in, err := s.Sim().Info(id)
				require.NoError(t, err)
				r := s.Exec(fmt.Sprint("why ", id))
				require.NoError(t, r.Err)
				w := r.Value.(render.Why)
				t.Logf("t=%s %s", render.Seconds(s.Sim().Now()), w.Text)
				assert.True(t, strings.HasPrefix(w.Text, whyWords(raftInfo{id, in.Up, in.Role, in.Term})), "%s", w.Text)
				assert.NotEmpty(t, w.Causes, "%s cites no event", w.Text)
				for _, c := range w.Causes {
					assert.LessOrEqual(t, c.Time, s.Sim().Now())
					assert.NotEmpty(t, c.Text)
				}
			}
		})
	}
}
