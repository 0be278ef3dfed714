package lang

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Argument constructors for the expected Commands.
func w(s string) Arg                       { return Arg{Kind: ArgWord, Text: s} }
func num(s string) Arg                     { return Arg{Kind: ArgNumber, Text: s} }
func str(s string) Arg                     { return Arg{Kind: ArgString, Text: s} }
func vr(s string) Arg                      { return Arg{Kind: ArgVar, Text: s} }
func tmpl(s string) Arg                    { return Arg{Kind: ArgTemplate, Text: s} }
func js(s string) Arg                      { return Arg{Kind: ArgJSON, Text: s} }
func bl(s string) Arg                      { return Arg{Kind: ArgBool, Text: s} }
func nl(s string) Arg                      { return Arg{Kind: ArgNull, Text: s} }
func kv(key string, a Arg) Arg             { a.Key = key; return a }
func flag(key string) Arg                  { return kv(key, bl("true")) }
func cmd(name string, args ...Arg) Command { return Command{Name: name, Args: args} }
func set(assign string, c Command) Command { c.Assign = assign; return c }

// bare drops the fields that differ between the two forms of one command.
func bare(c Command) Command {
	c.Line, c.Callback = "", false
	if len(c.Args) == 0 {
		c.Args = nil
	}
	return c
}

// mustParse parses input and fails the test on an error.
func mustParse(t *testing.T, input string) Command {
	t.Helper()
	c, err := Parse(input)
	require.NoError(t, err, "input %q", input)
	assert.Equal(t, input, c.Line)
	return c
}

// The three-line client requests of the README's tutorial, as printed.
const (
	tutSetA = "t.serverPool[lid].clientRequest({ op: \"set\", key: 'a', value: 1 }, function(results) {\n" +
		"console.log(\"results: \", results);\n" +
		"});"
	tutGetA = "t.serverPool[lid].clientRequest({ op: \"get\", key: 'a', ro: 1 }, function(results) {\n" +
		"console.log(\"results: \", results);\n" +
		"});"
	tutSetB = "t.serverPool[lid].clientRequest({ op: \"set\", key: 'b', value: 2 }, function(results) {\n" +
		"console.log(\"results: \", results);\n" +
		"});"
)

// tutorial pairs every line of the README's tutorial (verbatim) with its shell form
// and the Command both must give.
var tutorial = []struct {
	js, shell string
	want      Command
	callback  bool
}{
	{"t = require('./test_local');", `t = require "./test_local"`, set("t", cmd("require", str("./test_local"))), false},
	{"t = require('./test_http');", "t = require ./test_http", set("t", cmd("require", str("./test_http"))), false},
	{"t.startServers({ debug: true });", "startServers debug", cmd("startServers", flag("debug")), false},
	{"lid = t.getLeaderId();", "lid = getLeaderId", set("lid", cmd("getLeaderId")), false},
	{"t.getAll('log')[lid];", "getAll log $lid", cmd("getAll", w("log"), vr("lid")), false},
	{tutSetA, "clientRequest $lid set a 1", cmd("clientRequest", vr("lid"), w("set"), w("a"), num("1")), true},
	{"t.getAll('log');", "getAll log", cmd("getAll", w("log")), false},
	{"t.getAll('stateMachine');", "getAll stateMachine", cmd("getAll", w("stateMachine")), false},
	{tutGetA, "clientRequest $lid get a ro", cmd("clientRequest", vr("lid"), w("get"), w("a"), w("ro")), true},
	{"t.addServer(3, { debug: true });", "addServer 3 debug", cmd("addServer", num("3"), flag("debug")), false},
	{tutSetB, "clientRequest $lid set b 2", cmd("clientRequest", vr("lid"), w("set"), w("b"), num("2")), true},
}

func TestParseTutorialBothForms(t *testing.T) {
	for _, tc := range tutorial {
		for _, js := range []string{tc.js, strings.TrimSuffix(tc.js, ";")} {
			jc := mustParse(t, js)
			sc := mustParse(t, tc.shell)
			assert.Equal(t, tc.want, bare(jc), "JS form %q", js)
			assert.Equal(t, tc.want, bare(sc), "shell form %q", tc.shell)
			assert.Equal(t, bare(sc), bare(jc), "%q vs %q", js, tc.shell)
			assert.Equal(t, tc.callback, jc.Callback, "callback of %q", js)
			assert.False(t, sc.Callback)
			semi := mustParse(t, tc.shell+";")
			assert.Equal(t, tc.want, bare(semi), "shell form with ';'")
		}
	}
}

func TestIncompleteTutorial(t *testing.T) {
	for _, call := range []string{tutSetA, tutGetA, tutSetB} {
		lines := strings.Split(call, "\n")
		require.Len(t, lines, 3)
		assert.True(t, Incomplete(lines[0]), "after line 1 of %q", call)
		assert.True(t, Incomplete(lines[0]+"\n"+lines[1]), "after line 2")
		assert.False(t, Incomplete(call), "after line 3")
		assert.False(t, Incomplete(strings.TrimSuffix(call, ";")), "after line 3 without ;")
	}
	for _, tc := range tutorial {
		assert.False(t, Incomplete(tc.shell), tc.shell)
	}
}

func TestIncomplete(t *testing.T) {
	for in, want := range map[string]bool{
		"":                                  false,
		"status":                            false,
		"t.startServers(":                   true,
		"t.startServers({":                  true,
		"t.startServers({ debug: true }":    true,
		"t.startServers({ debug: true })":   false,
		"startServers(3, {debug: [1":        true,
		"lid = t.getLeaderId(":              true,
		"var lid = t.getLeaderId(":          true,
		"t.x(1))":                           false, // more closers: Parse reports it
		"t.x(1]":                            false, // mismatched: Parse reports it
		"t.x(')')":                          false,
		"t.x('(')":                          false,
		"t.x(\"{\"":                         true,
		"t.x('(":                            false, // unterminated string
		"t.x( // (":                         true,
		"t.x(1) // (":                       false,
		"t.x(1) # (":                        false,
		"t.x(/* ) */":                       true,
		"t.x(1) /* (":                       true, // open block comment
		"t.x(`(":                            true, // open template literal
		"print (a":                          true, // shell form counts brackets too
		"print \"(a\"":                      false,
		"print a)":                          false,
		"print a # (":                       false,
		"print a // (":                      false,
		"print a/(":                         true,
		"t.f(" + strings.Repeat("[", 70):    false, // too deep: Parse reports it
		"t.f(\x01":                          false,
		"t.f(" + strings.Repeat(" ", 70000): false,
	} {
		assert.Equal(t, want, Incomplete(in), "Incomplete(%q)", in)
	}
}

// pairs are further inputs whose two forms must give the same Command.
var pairs = []struct {
	js, shell string
	want      Command
}{
	{"t.startServers({ debug: true }, 3)", "", cmd("startServers", flag("debug"), num("3"))},
	{"startServers(3, {debug:true})", "startServers 3 debug", cmd("startServers", num("3"), flag("debug"))},
	{"t.startServers(5, {electionTimeout: 300, 'heartbeatTime': 60, verbose: true,})", "startServers 5 electionTimeout=300 heartbeatTime=60 verbose",
		cmd("startServers", num("5"), kv("electionTimeout", num("300")), kv("heartbeatTime", num("60")), flag("verbose"))},
	{"t.startServers(3, {bug: 'figure8'})", "startServers 3 bug=figure8", cmd("startServers", num("3"), kv("bug", w("figure8")))},
	{"t.getAll('log')[2]", "getAll log 2", cmd("getAll", w("log"), num("2"))},
	{"getAll('log')", "getAll log", cmd("getAll", w("log"))},
	{"t.clientRequest({op:'get', key:'a'})", "clientRequest get a", cmd("clientRequest", w("get"), w("a"))},
	{"t.clientRequest({op:'get', key:'a', ro: true})", "clientRequest get a ro", cmd("clientRequest", w("get"), w("a"), w("ro"))},
	{"t.clientRequest({op:'get', key:'a', ro: 0})", "clientRequest get a", cmd("clientRequest", w("get"), w("a"))},
	{"t.serverPool[2].clientRequest({op:'get', key:'a'})", "clientRequest 2 get a", cmd("clientRequest", num("2"), w("get"), w("a"))},
	{"serverPool[lid].clientRequest({key:'a', op:'del'})", "clientRequest $lid del a", cmd("clientRequest", vr("lid"), w("del"), w("a"))},
	{"t.clientRequest({op: 'cas', key: 'a', old: 1, new: 2})", "clientRequest cas a 1 2", cmd("clientRequest", w("cas"), w("a"), num("1"), num("2"))},
	{"t.clientRequest({op: 'cas', key: 'a', expected: 1, value: 2})", "clientRequest cas a 1 2", cmd("clientRequest", w("cas"), w("a"), num("1"), num("2"))},
	{"t.clientRequest({op: 'set', key: 'a', value: 'x'})", `clientRequest set a "x"`, cmd("clientRequest", w("set"), w("a"), str("x"))},
	{"t.clientRequest({op: 'set', key: 'a', value: '1'})", `clientRequest set a "1"`, cmd("clientRequest", w("set"), w("a"), str("1"))},
	{"t.clientRequest({op: 'set', key: 'a', value: true})", "clientRequest set a true", cmd("clientRequest", w("set"), w("a"), bl("true"))},
	{"t.clientRequest({op: 'set', key: 'a b', value: -1.5e3})", `clientRequest set "a b" -1.5e3`, cmd("clientRequest", w("set"), str("a b"), num("-1.5e3"))},
	{"t.clientRequest({op: 'set', key: 'a', value: 1, client: 7})", "clientRequest set a 1 client=7", cmd("clientRequest", w("set"), w("a"), num("1"), kv("client", num("7")))},
	{"t.addServer(3, { debug: true });", "addServer 3 debug", cmd("addServer", num("3"), flag("debug"))},
	{"t.removeServer(2)", "removeServer 2", cmd("removeServer", num("2"))},
	{"t.crash(2);", "crash 2", cmd("crash", num("2"))},
	{"t.restart(lid)", "restart $lid", cmd("restart", vr("lid"))},
	{"t.partition([0,1],[2])", "partition 0,1|2", cmd("partition", w("0,1"), w("|"), w("2"))},
	{"t.partition([0, 1], [2, 3, 4])", "partition 0,1 | 2,3,4", cmd("partition", w("0,1"), w("|"), w("2,3,4"))},
	{"t.partition([[0,1],[2]])", "partition 0,1 |2", cmd("partition", w("0,1"), w("|"), w("2"))},
	{"t.partition(2)", "partition 2", cmd("partition", w("2"))},
	{"t.heal()", "heal", cmd("heal")},
	{"t.run('300ms')", "run 300ms", cmd("run", w("300ms"))},
	{"t.run(\"1.5s\")", "run 1.5s", cmd("run", w("1.5s"))},
	{"t.step(5)", "step 5", cmd("step", num("5"))},
	{"t.until('committed', 3, '2s')", "until committed 3 2s", cmd("until", w("committed"), num("3"), w("2s"))},
	{"t.expect('leader', 2)", "expect leader 2", cmd("expect", w("leader"), num("2"))},
	{"t.expect('value', 'a', 1, 'on', [0, 1])", "expect value a 1 on 0,1", cmd("expect", w("value"), w("a"), num("1"), w("on"), w("0,1"))},
	{"t.debug('on')", "debug on", cmd("debug", w("on"))},
	{"t.net({loss: 0.1, latency: '1ms-5ms', longdelay: '0.1:100ms-1s'})", "net loss=0.1 latency=1ms-5ms longdelay=0.1:100ms-1s",
		cmd("net", kv("loss", num("0.1")), kv("latency", w("1ms-5ms")), kv("longdelay", w("0.1:100ms-1s")))},
	{"t.net('0->1', {loss: 0.5})", "net 0->1 loss=0.5", cmd("net", w("0->1"), kv("loss", num("0.5")))},
	{"t.cut('0<->1')", "cut 0<->1", cmd("cut", w("0<->1"))},
	{"t.load({clients: 4, rate: '100/s', mix: 'set:get:cas'})", "load clients=4 rate=100/s mix=set:get:cas",
		cmd("load", kv("clients", num("4")), kv("rate", w("100/s")), kv("mix", w("set:get:cas")))},
	{"console.log(lid)", "print $lid", cmd("print", vr("lid"))},
	{"console.log('results: ', r)", `print "results: " $r`, cmd("print", str("results: "), vr("r"))},
	{"x = t.seed(null)", "x = seed null", set("x", cmd("seed", nl("null")))},
	{"var t = require('./test_local')", "t = require ./test_local", set("t", cmd("require", str("./test_local")))},
	{"let lid = t.getLeaderId();", "lid=getLeaderId", set("lid", cmd("getLeaderId"))},
	{"const lid = t.getLeaderId()", "lid = GETLEADERID", set("lid", cmd("getLeaderId"))},
	{"t.status() // show it", "status # show it", cmd("status")},
	{"t.status(); // show it", "status; // show it", cmd("status")},
	{"t.crash(1) # x", "crash 1 // x", cmd("crash", num("1"))},
	{"t.exit()", "exit", cmd("quit")},
	{"t.Quit()", ".exit", cmd("quit")},
	{"t.frobnicate(1, 'x y')", `frobnicate 1 "x y"`, cmd("frobnicate", num("1"), str("x y"))},
	{"t.crash(2, (r) => { console.log('})'); })", "crash 2", cmd("crash", num("2"))},
	{"t.crash(2, r => console.log(r, [1, {a: ')'}]))", "crash 2", cmd("crash", num("2"))},
	{"t.crash(2, async function done(r) { if (r) { return `${r}` } })", "crash 2", cmd("crash", num("2"))},
	{"t.crash($lid)", "crash $lid", cmd("crash", vr("lid"))},
}

func TestParsePairs(t *testing.T) {
	for _, tc := range pairs {
		jc := mustParse(t, tc.js)
		assert.Equal(t, tc.want, bare(jc), "JS form %q", tc.js)
		if tc.shell != "" {
			sc := mustParse(t, tc.shell)
			assert.Equal(t, tc.want, bare(sc), "shell form %q", tc.shell)
		}
	}
}

func TestParseCallbackFlag(t *testing.T) {
	for in, want := range map[string]bool{
		"t.crash(2, function(r) {})": true,
		"t.crash(2, r => r)":         true,
		"t.crash(2, (a, b) => {})":   true,
		"t.crash(2)":                 false,
		"crash 2":                    false,
	} {
		assert.Equal(t, want, mustParse(t, in).Callback, in)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", "   ", "\t", "# comment", "// comment", "/* c */", ";", " ;; ", "  # x ( [", "\n\n"} {
		c := mustParse(t, in)
		assert.Equal(t, Command{Line: in}, c, "%q", in)
	}
}

func TestParseShellWords(t *testing.T) {
	for in, want := range map[string][]Arg{
		"print 0,1 0->1 0<->1 300ms 1.5s 100/s set:get:cas": {w("0,1"), w("0->1"), w("0<->1"), w("300ms"), w("1.5s"), w("100/s"), w("set:get:cas")},
		"print 1 -2 1.5 2e3 -0.5E-2 01 +1 1.":               {num("1"), num("-2"), num("1.5"), num("2e3"), num("-0.5E-2"), w("01"), w("+1"), w("1.")},
		"print true false null undefined":                   {bl("true"), bl("false"), nl("null"), nl("undefined")},
		`print "a b" 'c "d"' "e\n\u00e9\x41"`:               {str("a b"), str(`c "d"`), str("e\né\x41")},
		`print k="a b" k2='' $v k3=$v`:                      {kv("k", str("a b")), kv("k2", str("")), vr("v"), kv("k3", vr("v"))},
		"print a|b | c||":                                   {w("a"), w("|"), w("b"), w("|"), w("c"), w("|"), w("|")},
		"print a=b=c 0=1 x==y":                              {kv("a", w("b=c")), w("0=1"), kv("x", w("=y"))},
		"print a$b a\\b é 5$":                               {tmpl("a$b"), w(`a\b`), w("é"), w("5$")},
		"print a//b k=//c a#b":                              {w("a//b"), kv("k", w("//c")), w("a")},
	} {
		assert.Equal(t, cmd("print", want...), bare(mustParse(t, in)), in)
	}
}

func TestParseNamesAndBareIdentifiers(t *testing.T) {
	for in, want := range map[string]Command{
		"lid":                          cmd("print", vr("lid")),
		"lid;":                         cmd("print", vr("lid")),
		"$lid":                         cmd("print", vr("lid")),
		" $lid ; ":                     cmd("print", vr("lid")),
		"true":                         cmd("print", bl("true")),
		"null":                         cmd("print", nl("null")),
		"x = lid":                      set("x", cmd("print", vr("lid"))),
		"status":                       cmd("status"),
		"Status":                       cmd("status"),
		"STARTSERVERS 3":               cmd("startServers", num("3")),
		"clientrequest get a":          cmd("clientRequest", w("get"), w("a")),
		"debug":                        cmd("debug"),
		"debug on":                     cmd("debug", w("on")),
		"startServers 3 debug verbose": cmd("startServers", num("3"), flag("debug"), flag("verbose")),
		"run debug":                    cmd("run", w("debug")), // a flag only for startServers/addServer
		"frobnicate 1":                 cmd("frobnicate", num("1")),
		"Frobnicate 1":                 cmd("Frobnicate", num("1")),
		"frob()":                       cmd("frob"),
		".help":                        cmd("help"),
		"require ./x":                  cmd("require", str("./x")),
	} {
		assert.Equal(t, want, bare(mustParse(t, in)), in)
	}
}

// $name may stand anywhere inside a shell-form word (issue 8): the word
// is a template the session fills in.
func TestParseTemplates(t *testing.T) {
	for in, want := range map[string]Command{
		"cut $lid->1":          cmd("cut", tmpl("$lid->1")),
		"cut 0->$lid":          cmd("cut", tmpl("0->$lid")),
		"partition $lid,1 | 2": cmd("partition", tmpl("$lid,1"), w("|"), w("2")),
		"net $a<->$b loss=0.1": cmd("net", tmpl("$a<->$b"), kv("loss", num("0.1"))),
		"run ${x}":             {}, // braces are the JavaScript form's
	} {
		c, err := Parse(in)
		if want.Name == "" {
			assert.Error(t, err, in)
			continue
		}
		require.NoError(t, err, in)
		assert.Equal(t, want, bare(c), in)
	}
	assert.Equal(t, []TemplateRef{{Name: "lid", Start: 0, End: 4}, {Name: "x_1", Start: 6, End: 10}}, TemplateRefs("$lid->$x_1$"))
}

// NAME = VALUE keeps a value (issue 8: x = 5 was not a command; arrays
// and objects were stored as the string '1,2').
func TestParseAssignedValues(t *testing.T) {
	for in, want := range map[string]Command{
		"x = 5":                                set("x", cmd("print", num("5"))),
		"x = -2.5;":                            set("x", cmd("print", num("-2.5"))),
		"x = 'a b'":                            set("x", cmd("print", str("a b"))),
		"let x = [1, 2]":                       set("x", cmd("print", js("[1,2]"))),
		"x = [[0, 1], [2],]":                   set("x", cmd("print", js("[[0,1],[2]]"))),
		`x = {a: 1, "b c": [true, null, 's']}`: set("x", cmd("print", js(`{"a":1,"b c":[true,null,"s"]}`))),
		"console.log([1, {a: 2}])":             cmd("print", js(`[1,{"a":2}]`)),
		"x = status":                           set("x", cmd("status")),
	} {
		assert.Equal(t, want, bare(mustParse(t, in)), in)
	}
	for in, msg := range map[string]string{
		"x = [1, lid]":   "the variable lid cannot stand inside an array",
		"x = 5 6":        "after the value",
		"x = 1e999":      "too large for a number",
		"t.crash(1e999)": "too large for a number",
		"x = {1: 2}":     "expected a key",
	} {
		_, err := Parse(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), msg, in)
	}
}

// t.serverPool["0"] is server 0: JavaScript's keys are strings (issue 8:
// the id was taken for the operation).
func TestParseServerPoolStringKey(t *testing.T) {
	assert.Equal(t, cmd("clientRequest", num("0"), w("get"), w("a")),
		bare(mustParse(t, `t.serverPool["0"].clientRequest({op: 'get', key: 'a'})`)))
}

// Several statements may share a line (issue 8).
func TestStatements(t *testing.T) {
	for in, want := range map[string][]string{
		"t.crash(lid); t.restart(lid);": {"t.crash(lid)", "t.restart(lid)"},
		"crash 1;restart 1":             {"crash 1", "restart 1"},
		"crash 1;":                      {"crash 1;"},
		"crash 1; # a; b":               {"crash 1; # a; b"},
		`print "a;b"; print 'c;d'`:      {`print "a;b"`, `print 'c;d'`},
		"t.f({a: 1; b}); x":             {"t.f({a: 1; b})", "x"},
		"print 'open; x":                {"print 'open; x"},
		"/* ; */ a; b // ; c":           {"/* ; */ a", "b // ; c"},
	} {
		assert.Equal(t, want, Statements(in), in)
	}
}

// TestInputs: a block of lines splits as the shell reads them: one input
// a line, a call left open continued until it closes, and ended early by
// a line that starts a command.
func TestInputs(t *testing.T) {
	tutorial := "t = require('./test_local');\nt.startServers({ debug: true });\n\n" +
		"t.serverPool[lid].clientRequest({ op: \"set\", key: 'a', value: 1 }, function(results) {\nconsole.log(\"results: \", results);\n});\r\n" +
		"# a comment\n// another\ncrash 1; restart 1\n"
	assert.Equal(t, []string{
		"t = require('./test_local');",
		"t.startServers({ debug: true });",
		"t.serverPool[lid].clientRequest({ op: \"set\", key: 'a', value: 1 }, function(results) {\nconsole.log(\"results: \", results);\n});",
		"crash 1; restart 1",
	}, Inputs(tutorial))
	assert.Equal(t, []string{"t.crash(", "status"}, Inputs("t.crash(\nstatus"), "a line that starts a command ends the open call")
	assert.Empty(t, Inputs(" \n# only a comment\n"))
}

// TestWordEnds checks the table of bytes that end a bare word against
// its definition: space, or one of |#;'"(){}[].
func TestWordEnds(t *testing.T) {
	for c := range 256 {
		want := isSpace(byte(c)) || strings.IndexByte("|#;'\"(){}[]", byte(c)) >= 0
		if wordEnds[c] != want {
			t.Errorf("wordEnds[%q] = %v, want %v", rune(c), wordEnds[c], want)
		}
	}
}

// TestIsJSONNumber checks the hand-written reader against the grammar of
// a JSON number as a regular expression, on every string of up to five
// characters from the ones that matter and on random longer ones.
func TestIsJSONNumber(t *testing.T) {
	re := regexp.MustCompile(`^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$`)
	alphabet := "-+.eE019x "
	var walk func(s string)
	walk = func(s string) {
		if got, want := isJSONNumber(s), re.MatchString(s); got != want {
			t.Fatalf("isJSONNumber(%q) = %v, want %v", s, got, want)
		}
		if len(s) == 5 {
			return
		}
		for i := range len(alphabet) {
			walk(s + alphabet[i:i+1])
		}
	}
	walk("")
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		b := make([]byte, 6+rnd.IntN(10))
		for i := range b {
			b[i] = "-+.eE0123456789"[rnd.IntN(15)]
		}
		if got, want := isJSONNumber(string(b)), re.MatchString(string(b)); got != want {
			t.Fatalf("isJSONNumber(%q) = %v, want %v", b, got, want)
		}
	}
}
