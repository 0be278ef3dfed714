package session

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// completions returns a function listing the whole lines that tab

func TestCompleter(t *testing.T) {
	s, _ := cluster(t)
	complete := completions(s)
	assert.Equal(t, []string{"getAll "}, complete("getA"))
	assert.Contains(t, complete("getAll "), "getAll stateMachine ")
	assert.Equal(t, []string{"getAll log 0 ", "getAll log 1 ", "getAll log 2 "}, complete("getAll log "))
	assert.Contains(t, complete("expect "), "expect converged ")
	assert.Equal(t, []string{"expect state 1 leader "}, complete("expect state 1 le"))
	assert.Equal(t, []string{"crash $lid "}, complete("crash $"))
	assert.Equal(t, []string{"t.startServers "}, complete("t.startS"))
	assert.Equal(t, []string{"addServer 3 "}, complete("addServer "))
}

// completion offers for line in session s.
func completions(s *Session) func(line string) []string {
	c := s.Completer()
	return func(line string) []string {
		got, _ := c.Do([]rune(line), len([]rune(line)))
		var out []string
		for _, g := range got {
			out = append(out, line+string(g))
		}
		return out
	}
}

// The cases a newcomer hit (issue 8): a word that is complete and also the
// start of another is offered as it is, and the JavaScript form, cut's
// arrow, options and file names complete too.
func TestCompleterContexts(t *testing.T) {
	s, _ := cluster(t)
	execOK(t, s, "clientRequest set apple 1")
	complete := completions(s)
	assert.ElementsMatch(t, []string{"getAll state ", "getAll stateMachine "}, complete("getAll state"))
	assert.ElementsMatch(t, []string{"t.getAll('state'", "t.getAll('stateMachine'"}, complete("t.getAll('state"))
	assert.Contains(t, complete(`t.getAll("`), `t.getAll("commitIndex"`)
	assert.Equal(t, []string{"t.serverPool[lid].clientRequest("}, complete("t.serverPool[lid]."))
	assert.Equal(t, []string{"cut 0->1 ", "cut 0->2 "}, complete("cut 0->"))
	assert.Equal(t, []string{"cut 1->"}, complete("cut 1"))
	assert.Equal(t, []string{"startServers 3 bug=figure8 "}, complete("startServers 3 bug=fi"))
	assert.Contains(t, complete("startServers 3 bug="), "startServers 3 bug=stale-read ")
	assert.Equal(t, []string{"expect value apple "}, complete("expect value "))

	dir := t.TempDir()
	writeTestFile(t, dir+"/lesson.raft", "status\n")
	writeTestFile(t, dir+"/notes.txt", "")
	require.NoError(t, os.Mkdir(dir+"/more", 0o700))
	assert.Equal(t, []string{"source " + dir + "/lesson.raft ", "source " + dir + "/more/"}, complete("source "+dir+"/"))
	assert.Equal(t, []string{"run " + dir + "/lesson.raft "}, complete("run "+dir+"/l"))
	assert.Empty(t, complete("run 1"), "run DURATION is not a file")
	assert.Equal(t, []string{"export timeline " + dir + "/notes.txt "}, complete("export timeline "+dir+"/n"))
}

// FuzzCompleter: completion never panics, whatever the line and the
// cursor, and what it completes is within the line.
func FuzzCompleter(f *testing.F) {
	for _, seed := range []string{"getAll state", "t.getAll('", "t.serverPool[lid].", "cut 0->", "startServers bug=", "expect value ",
		"source ", "run s", "export timeline ", "x = t.getAll(\"st", "cut ->", "t.", "$", "a = b = c", "source /"} {
		f.Add(seed, len(seed))
	}
	s := New(Options{Seed: 1})
	s.Exec("startServers 3")
	s.Exec("clientRequest set a 1")
	c := s.Completer()
	f.Fuzz(func(t *testing.T, line string, pos int) {
		r := []rune(line)
		pos = min(max(pos, 0), len(r))
		_, n := c.Do(r, pos)
		if n < 0 || n > pos {
			t.Fatalf("%q at %d: completes %d runes", line, pos, n)
		}
	})
}
