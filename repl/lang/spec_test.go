package lang

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specCommands is every command of docs/language.md's tables, in shell form.
var specCommands = []struct {
	in   string
	want Command
}{
	{"startServers", cmd("startServers")},
	{"startServers 5 debug electionTimeout=300 heartbeatTime=60", cmd("startServers", num("5"), flag("debug"), kv("electionTimeout", num("300")), kv("heartbeatTime", num("60")))},
	{"startServers 3 bug=figure8", cmd("startServers", num("3"), kv("bug", w("figure8")))},
	{"addServer 3", cmd("addServer", num("3"))},
	{"addServer 3 debug", cmd("addServer", num("3"), flag("debug"))},
	{"removeServer 2", cmd("removeServer", num("2"))},
	{"crash 1", cmd("crash", num("1"))},
	{"restart 1", cmd("restart", num("1"))},
	{"partition 0,1 | 2,3,4", cmd("partition", w("0,1"), w("|"), w("2,3,4"))},
	{"partition 2", cmd("partition", w("2"))},
	{"heal", cmd("heal")},
	{"clientRequest set a 1", cmd("clientRequest", w("set"), w("a"), num("1"))},
	{"clientRequest 2 set a hello", cmd("clientRequest", num("2"), w("set"), w("a"), w("hello"))},
	{"clientRequest get a ro", cmd("clientRequest", w("get"), w("a"), w("ro"))},
	{"clientRequest $lid get a", cmd("clientRequest", vr("lid"), w("get"), w("a"))},
	{"clientRequest del a", cmd("clientRequest", w("del"), w("a"))},
	{"clientRequest cas a 1 2", cmd("clientRequest", w("cas"), w("a"), num("1"), num("2"))},
	{"getLeaderId", cmd("getLeaderId")},
	{"getAll log", cmd("getAll", w("log"))},
	{"getAll currentTerm 2", cmd("getAll", w("currentTerm"), num("2"))},
	{"status", cmd("status")},
	{"run 300ms", cmd("run", w("300ms"))},
	{"run 2s", cmd("run", w("2s"))},
	{"step", cmd("step")},
	{"step 10", cmd("step", num("10"))},
	{"until leader", cmd("until", w("leader"))},
	{"until committed 3 2s", cmd("until", w("committed"), num("3"), w("2s"))},
	{"until idle", cmd("until", w("idle"))},
	{"debug on", cmd("debug", w("on"))},
	{"debug off", cmd("debug", w("off"))},
	{"expect leader", cmd("expect", w("leader"))},
	{"expect leader 2", cmd("expect", w("leader"), num("2"))},
	{"expect noleader", cmd("expect", w("noleader"))},
	{"expect state 1 follower", cmd("expect", w("state"), num("1"), w("follower"))},
	{"expect value a 1 on 0,1", cmd("expect", w("value"), w("a"), num("1"), w("on"), w("0,1"))},
	{"expect committed 3 on 0,1,2", cmd("expect", w("committed"), num("3"), w("on"), w("0,1,2"))},
	{"expect converged", cmd("expect", w("converged"))},
	{"expect safe", cmd("expect", w("safe"))},
	{"expect linearizable", cmd("expect", w("linearizable"))},
	{"seed", cmd("seed")},
	{"seed 42", cmd("seed", num("42"))},
	{"reset", cmd("reset")},
	{"source scripts/tutorial.raft", cmd("source", w("scripts/tutorial.raft"))},
	{"help", cmd("help")},
	{"help clientRequest", cmd("help", w("clientRequest"))},
	{"quit", cmd("quit")},
	{"net", cmd("net")},
	{"net loss=0.1 dup=0.01 latency=1ms-5ms dist=exp reorder=0.2 longdelay=0.1:100ms-1s",
		cmd("net", kv("loss", num("0.1")), kv("dup", num("0.01")), kv("latency", w("1ms-5ms")), kv("dist", w("exp")), kv("reorder", num("0.2")), kv("longdelay", w("0.1:100ms-1s")))},
	{"net 0->1 loss=0.5", cmd("net", w("0->1"), kv("loss", num("0.5")))},
	{"net 0<->1 latency=50ms-100ms", cmd("net", w("0<->1"), kv("latency", w("50ms-100ms")))},
	{"cut 0->1", cmd("cut", w("0->1"))},
	{"cut 0<->1", cmd("cut", w("0<->1"))},
	{"disk 1 fsync=5ms", cmd("disk", num("1"), kv("fsync", w("5ms")))},
	{"disk fsync=5ms", cmd("disk", kv("fsync", w("5ms")))},
	{"load clients=4 rate=100/s keys=3 for=10s mix=set:get:cas",
		cmd("load", kv("clients", num("4")), kv("rate", w("100/s")), kv("keys", num("3")), kv("for", w("10s")), kv("mix", w("set:get:cas")))},
	{"history", cmd("history")},
	{"history 10", cmd("history", num("10"))},
	{"check", cmd("check")},
	{"export history out.html", cmd("export", w("history"), w("out.html"))},
	{"export trace out.jsonl", cmd("export", w("trace"), w("out.jsonl"))},
}

func TestParseSpecCommands(t *testing.T) {
	for _, tc := range specCommands {
		c := mustParse(t, tc.in)
		assert.Equal(t, tc.want, bare(c), tc.in)
	}
}

// parseErrors are malformed inputs and a fragment of the expected message.
var parseErrors = []struct{ in, msg string }{
	{"t.startServers(3))", "unexpected ')' at column 18"},
	{"t.startServers(3]", "expected ')' to close the '(' from column 15, found ']' at column 17"},
	{"t.startServers(3", "expected ')' before the end of the input to close the '(' at column 15"},
	{"t.startServers({debug: true)", "expected '}' to close the '{' from column 16"},
	{"t.startServers(3 4)", "expected ',' or ')' after argument 1 of startServers, found '4' at column 18"},
	{"t.startServers({debug})", "expected ':' at column 22 after the key debug"},
	{"t.startServers({debug: true true})", "expected ',' or '}' after the value of debug"},
	{"t.startServers({'a b': 1})", `object key "a b" at column 17 is not a plain name`},
	{"t.foo({a: {b: 1}})", "nested object literals are not supported at column 11"},
	{`set a "1`, "unterminated string starting at column 7"},
	{"t.run('300ms)", "unterminated string starting at column 7"},
	{"t.run('300ms\n')", "unterminated string starting at line 1, column 7"},
	{`print "a\`, "lone backslash"},
	{`print "\x4"`, `bad escape at column 8; \x must be followed by 2 hex digits`},
	{`print "\u12"`, `bad escape at column 8; \u must be followed by 4 hex digits`},
	{`print "\u{110000}"`, `bad escape at column 8; \u{...} needs`},
	{"lid =", "nothing after '=' at column 5"},
	{"lid = ", "nothing after '='"},
	{"lid = # comment", "nothing after '='"},
	{"lid = ;", "nothing after '='"},
	{"lid = // c", "nothing after '='"},
	{"3 = getLeaderId", "cannot assign to 3 at column 3"},
	{"$x = getLeaderId", "cannot assign to $x at column 4"},
	{`"x" = getLeaderId`, `cannot assign to "x"`},
	{"t.x = 3", "cannot assign to t.x at column 5"},
	{"t.serverPool[0] = 3", "expected '.' at column 17 after serverPool[...], found '='"},
	{"= getLeaderId", "unexpected '=' at column 1"},
	{"print $", "bad variable reference $ at column 7"},
	{"print $1x", "bad variable reference $1x at column 7"},
	{"print k=$", "bad variable reference $ at column 9"},
	{"$1x", "bad variable reference $1x at column 1"},
	{"t.crash($)", "bad variable name $"},
	{"t.crash(a$b)", "bad variable name a$b"},
	{"status\x01", "control character U+0001 at column 7 is not allowed"},
	{"status\x7f", "control character U+007F at column 7"},
	{"status \xff", "invalid UTF-8 (byte 0xff) at column 8"},
	{"t.crash(1)\n\x00", "control character U+0000 at line 2, column 1"},
	{strings.Repeat("a", MaxInputBytes+1), "line too long (65537 bytes, limit 65536)"},
	{"t.f(" + strings.Repeat("[", 64) + strings.Repeat("]", 64) + ")", "nesting deeper than 64 levels at column 68"},
	{"t.f(`${" + strings.Repeat("{", 70) + "`)", "nesting deeper than 64 levels"},
	{"startServers debug=", "expected a value after '=' in debug= at column 14"},
	{"status; heal", "unexpected text after ';' at column 7; write one command per line"},
	{"t.status(); t.heal()", "unexpected 't' at column 13 after the end of the command"},
	{"run (3)", "unexpected '(' at column 5 in a shell-form command"},
	{"print a\"b\"", "unexpected quote at column 8 inside the word a"},
	{`print "a"b`, "expected a space after the closing quote, found 'b' at column 10"},
	{"3 status", "expected a command name at column 1, found 3"},
	{`"status"`, `expected a command name at column 1, found "status"`},
	{"foo-bar 1", "expected a command name at column 1, found foo-bar"},
	{"var", "'var' at column 1 is a JavaScript keyword"},
	{"function 1", "'function' at column 1 is a JavaScript keyword"},
	{"let = x", "'let' at column 1 must be followed by a name and '='"},
	{"let=x", "'let' at column 1 is a JavaScript keyword, not a command or variable name"},
	{"var true = x", "'true' at column 5 is a JavaScript keyword"},
	{"var 3 = x", "'var' at column 1 must be followed by a name and '='"},
	{"t.run(0x10)", "unsupported number 0x10 at column 7"},
	{"t.run(.5)", "unsupported number .5"},
	{"t.run(-'a')", "expected a value"},
	{"t.run(`${d}`)", "template literals with ${...} are not supported at column 7"},
	{"t.run(`x", "unterminated template literal starting at column 7"},
	{"t.run(1) /* x", "unterminated /* comment at column 10"},
	{"t.partition([])", "empty array at column 13"},
	{"t.partition([lid])", "array elements must be numbers or strings, not the variable lid"},
	{"t.partition([[[0]]])", "arrays nested this deep are not supported"},
	{"t.partition([[0, 1], 2])", "expected '[' at column 22, found '2'; write every group as an array"},
	{"t.getAll('log')[1][2]", "unexpected '[' at column 19 after the call; only one [index]"},
	{"t.getAll('log').length", "unexpected '.' at column 16 after the call"},
	{"t.crash(t.getLeaderId())", "only plain variables are supported as values"},
	{"t.crash((2))", "parenthesised expressions are not supported"},
	{"a.b.c(1)", "unsupported call a.b.c"},
	{"t.getLeaderId;", "expected '(' after t.getLeaderId, found ';' at column 14"},
	{"t.x[0]()", "unexpected '[' after t.x at column 4"},
	{"t.crash(2) é", "unexpected character 'é' at column 12"},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range parseErrors {
		c, err := Parse(tc.in)
		if !assert.Error(t, err, "input %q gave %+v", tc.in, c) {
			continue
		}
		assert.Contains(t, err.Error(), tc.msg, "input %q", tc.in)
		assert.True(t, strings.HasPrefix(err.Error(), "parse: "), err.Error())
		var pe *ParseError
		require.True(t, errors.As(err, &pe))
		assert.Equal(t, Command{Line: tc.in}, c)
	}
}

func TestParseLimits(t *testing.T) {
	in := "print " + strings.Repeat("x", MaxInputBytes-len("print "))
	c := mustParse(t, in)
	assert.Len(t, c.Args[0].Text, MaxInputBytes-len("print "))
	deep := "t.f(" + strings.Repeat("[", 63) + "1" + strings.Repeat("]", 63) + ")"
	_, err := Parse(deep)
	require.Error(t, err) // 64 levels is fine for the brackets; arrays this deep are not
	assert.Contains(t, err.Error(), "arrays nested this deep")
	cb := "t.f(1, function() {" + strings.Repeat("(", 62) + strings.Repeat(")", 62) + "})"
	assert.True(t, mustParse(t, cb).Callback)
}

// \u{...} escapes and UTF-16 surrogate pairs read back as the character.
func TestParseUnicodeEscapes(t *testing.T) {
	assert.Equal(t, cmd("print", str("😀x")), bare(mustParse(t, `print "\u{1F600}x"`)))
	assert.Equal(t, cmd("print", str("😀")), bare(mustParse(t, `print "\uD83D\uDE00"`)))
}

func TestSuggest(t *testing.T) {
	for in, want := range map[string]string{
		"startserver":        "startServers",
		"startSevrers":       "startServers",
		"stauts":             "status",
		"crsh":               "crash",
		"getleader":          "getLeaderId",
		"clientRequets":      "clientRequest",
		"exti":               "exit",
		"hlep":               "help",
		"hepl":               "heal",         // a tie with help; heal comes first
		"start":              "startServers", // an unambiguous prefix
		"STARTS":             "startServers",
		"Status":             "status",
		"get":                "net", // getAll and getLeaderId are both prefixed
		"getL":               "getLeaderId",
		"xyzzy":              "",
		"":                   "",
		"qq":                 "",
		"partitionnnnnnnnnn": "",
	} {
		assert.Equal(t, want, Suggest(in), "Suggest(%q)", in)
	}
}
