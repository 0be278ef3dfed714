package session

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
