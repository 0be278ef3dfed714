package session

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"raftsim/raft"
	"raftsim/repl/lang"
	"raftsim/repl/render"
	"raftsim/sim"
)

// Limits that keep a typo from freezing the shell or eating the memory.
const (
	maxServers    = sim.MaxServers // the simulator's limits, so both say the same
	maxServerID   = sim.MaxServerID
	maxStep       = 1_000_000
	maxRun        = 24 * time.Hour
	maxTimeoutOpt = time.Hour
	// minTimerOpt is the shortest heartbeat interval and election
	// timeout: a microsecond heartbeat made `run 1s` take a minute.
	minTimerOpt = time.Millisecond
)

// argFromJSON turns a stored variable back into an argument of the kind its
// value has, so `$lid` is a number and `$name` a string.
func argFromJSON(key, text string) lang.Arg {
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return lang.Arg{Key: key, Kind: lang.ArgWord, Text: text}
	}
	switch x := v.(type) {
	case nil:
		return lang.Arg{Key: key, Kind: lang.ArgNull, Text: "null"}
	case bool:
		return lang.Arg{Key: key, Kind: lang.ArgBool, Text: text}
	case float64:
		return lang.Arg{Key: key, Kind: lang.ArgNumber, Text: text}
	case string:
		return lang.Arg{Key: key, Kind: lang.ArgString, Text: x}
	}
	return lang.Arg{Key: key, Kind: lang.ArgJSON, Text: text}
}

// show quotes an argument for an error message the way the user typed it,
// and says which variable it came from.
func (s *Session) show(i int, a lang.Arg) string {
	text := strconv.Quote(a.Text)
	if a.Kind == lang.ArgNumber || a.Kind == lang.ArgNull || a.Kind == lang.ArgBool {
		text = a.Text
	}
	if name, ok := s.argVars[i]; ok {
		return fmt.Sprintf("$%s (= %s)", name, text)
	}
	return text
}

// inexact reports whether a number argument is an integer too large for a
// JavaScript number to hold exactly (beyond 2^53-1): it would come back
// with other digits.
func inexact(a lang.Arg) bool {
	if a.Kind != lang.ArgNumber || strings.ContainsAny(a.Text, ".eE") {
		return false
	}
	f, ok := number(a)
	return ok && math.Abs(f) > 1<<53-1
}

// number parses a numeric argument (a Number, or a Word that reads as one).
func number(a lang.Arg) (float64, bool) {
	if a.Kind != lang.ArgNumber && a.Kind != lang.ArgWord && a.Kind != lang.ArgString {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(a.Text), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// intArg reads a whole number in [lo, hi]. what names it in errors ("number
// of servers"), hint shows a correct use.
func (s *Session) intArg(c lang.Command, i int, what string, lo, hi int64, hint string) (int64, error) {
	a := c.Args[i]
	f, ok := number(a)
	if !ok || f != math.Trunc(f) {
		return 0, fmt.Errorf("%s: %s must be a whole number, not %s (try %s)", c.Name, what, s.show(i, a), hint)
	}
	if f < float64(lo) || f > float64(hi) {
		return 0, fmt.Errorf("%s: %s %s is out of range (%d to %d)", c.Name, what, s.show(i, a), lo, hi)
	}
	return int64(f), nil
}

// serverArg reads a server id. With mustExist, the server must have been
// created; the error lists the ones that exist.
func (s *Session) serverArg(c lang.Command, i int, mustExist bool) (raft.NodeID, error) {
	a := c.Args[i]
	if a.Kind == lang.ArgNull {
		if name, ok := s.argVars[i]; ok {
			return raft.None, fmt.Errorf("%s: $%s is null: there was no leader when it was set (set it again with: %s = getLeaderId)", c.Name, name, name)
		}
		return raft.None, fmt.Errorf("%s: server id is null (%s)", c.Name, s.serverList())
	}
	f, ok := number(a)
	if !ok || f != math.Trunc(f) || f < 0 {
		return raft.None, fmt.Errorf("%s: bad server id %s (a server id is a whole number like 0, 1, 2; %s)", c.Name, s.show(i, a), s.serverList())
	}
	if f > float64(maxServerID) {
		return raft.None, fmt.Errorf("%s: server id %s is out of range (0 to %d; %s)", c.Name, s.show(i, a), maxServerID, s.serverList())
	}
	id := raft.NodeID(f)
	if mustExist && !slices.Contains(s.sim.Servers(), id) {
		return raft.None, fmt.Errorf("%s: server %d does not exist (%s)", c.Name, id, s.serverList())
	}
	return id, nil
}

// durationArg reads a duration: a Go duration word (300ms, 2s, 1m30s) or a
// number of milliseconds (raft.js's unit). It must be in (0, max].
func (s *Session) durationArg(c lang.Command, i int, max time.Duration) (time.Duration, error) {
	a := c.Args[i]
	d, ok := parseDuration(a)
	if !ok {
		return 0, fmt.Errorf("%s: bad duration %s (try 300ms or 2s)", c.Name, s.show(i, a))
	}
	if d <= 0 {
		return 0, fmt.Errorf("%s: duration %s must be positive (try 300ms or 2s)", c.Name, s.show(i, a))
	}
	if d > max {
		return 0, fmt.Errorf("%s: duration %s is too long (at most %s)", c.Name, s.show(i, a), render.Duration(max))
	}
	return d, nil
}

func parseDuration(a lang.Arg) (time.Duration, bool) {
	if f, ok := number(a); ok {
		ms := f * float64(time.Millisecond)
		if ms > math.MaxInt64 || ms < math.MinInt64 {
			return 0, false
		}
		return time.Duration(ms), true
	}
	if a.Kind != lang.ArgWord && a.Kind != lang.ArgString {
		return 0, false
	}
	d, err := time.ParseDuration(strings.TrimSpace(a.Text))
	return d, err == nil
}

// valueArg converts an argument to a state-machine value: canonical JSON
// text. Words and strings are strings; numbers stay numbers.
func valueArg(a lang.Arg) raft.Value {
	switch a.Kind {
	case lang.ArgNumber:
		if f, ok := number(a); ok {
			return raft.Value(canonicalNumber(f, a.Text))
		}
	case lang.ArgBool:
		if a.Text == "true" {
			return "true"
		}
		return "false"
	case lang.ArgNull:
		return "null"
	case lang.ArgJSON:
		return raft.Value(a.Text) // an array or object, canonical already
	}
	b, _ := json.Marshal(a.Text)
	return raft.Value(b)
}

// canonicalNumber writes a number the way JavaScript would print it: 1, not
// 1.0; integers exactly when they fit.
func canonicalNumber(f float64, text string) string {
	if i, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64); err == nil {
		return strconv.FormatInt(i, 10)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// truthy says whether an option value means "on" (true, 1, yes, on).
func truthy(a lang.Arg) bool {
	switch a.Kind {
	case lang.ArgBool:
		return a.Text == "true"
	case lang.ArgNull:
		return false
	case lang.ArgNumber:
		f, _ := number(a)
		return f != 0
	}
	switch strings.ToLower(a.Text) {
	case "", "false", "0", "no", "off":
		return false
	}
	return true
}

// idList reads server ids written as "0,1,2", "0 1 2" or a mix, across
// several arguments.
func (s *Session) idList(c lang.Command, args []lang.Arg, mustExist bool) ([]raft.NodeID, error) {
	var ids []raft.NodeID
	for _, a := range args {
		for _, f := range strings.FieldsFunc(a.Text, func(r rune) bool { return r == ',' || r == ' ' }) {
			one := lang.Command{Name: c.Name, Args: []lang.Arg{{Kind: lang.ArgWord, Text: f}}}
			id, err := s.serverArg(one, 0, mustExist)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// closest returns the candidate nearest to word (edit distance, case
// insensitive), or "" when none is near enough to be a likely typo.
func closest(word string, candidates []string) string {
	best, bestD := "", 1<<30
	lw := strings.ToLower(word)
	for _, c := range candidates {
		d := lang.NameDistance([]rune(lw), []rune(strings.ToLower(c)))
		if d < bestD {
			best, bestD = c, d
		}
	}
	// A swap of two letters counts as one edit, so one edit in three
	// letters is close enough ("lgo": log) and "foo" is not taken for log.
	if bestD <= max(1, len(word)/3) {
		return best
	}
	return ""
}

// didYouMean formats a suggestion for an error message.
func didYouMean(word string, candidates []string) string {
	if sug := closest(word, candidates); sug != "" {
		return "did you mean " + sug + "? "
	}
	return ""
}
