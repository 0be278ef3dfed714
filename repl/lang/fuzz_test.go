package lang

import (
	"strings"
	"testing"
)

// fuzzSeeds are the inputs FuzzParse starts from: every line of the other
// parser tests, and some junk.
func fuzzSeeds() []string {
	var seeds []string
	for _, tc := range tutorial {
		seeds = append(seeds, tc.js, strings.TrimSuffix(tc.js, ";"), tc.shell)
		seeds = append(seeds, strings.Split(tc.js, "\n")...)
	}
	for _, tc := range pairs {
		seeds = append(seeds, tc.js, tc.shell)
	}
	for _, tc := range specCommands {
		seeds = append(seeds, tc.in)
	}
	for _, tc := range parseErrors {
		if len(tc.in) < 1000 {
			seeds = append(seeds, tc.in)
		}
	}
	return append(seeds,
		"", ";", "#", "//", "$", "=", "|", "'", "\"", "`", "\\", "(", ")", "{", "}", "[", "]",
		"\x00\xff\xfe", "\xc3\x28", "\u2028", "a\u00a0b", "print \u00a0", "\ufeffstatus",
		"t.f(((((((((((((((((((", "))))))", "t.f({[({[({[", "print a=\"b\"c",
		"t.f(function(){", "t.f(x => {", "t.f(async () => `${`${1}`}`)",
		"x = y = z", "var x = y", "let", "const x=t.f()", "t.serverPool[", "serverPool[0].x(1)",
		"print \"\\u{1F600}\\uD800\\x00\"", "print 1e999 -0 0.0e+0", "t.f('\\\n')",
		"print k=v=w k==v =k", "a.b.c.d.e()", "t.f(1,,2)", "t.f(,)", "t.f({,})", "t.f({a:1,,})",
		"cut $lid->1", "cut 0->$lid", "partition $lid,1 | 2", "print $ $$ a$ $1a $a$b", "k=$a-$b",
		"x = [1, [2, {a: [3]}]]", "x = {a: {b: {c: 1}}}", "x = [", "x = {a:}", "x = -", "x = 1e999",
		"console.log([1, {}])", `t.serverPool["0"].crash()`, "a; b; c", ";;a;;", "t.f(1); t.g(2);",
	)
}

// FuzzParse checks that Parse and Incomplete never panic, and that Parse
// is deterministic and fails only with "parse: " errors.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Parse(in)
		c2, err2 := Parse(in)
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("Parse(%q) is not deterministic: %v / %v", in, err, err2)
		}
		_ = Incomplete(in)
		for _, st := range Statements(in) {
			if !strings.Contains(in, st) {
				t.Fatalf("Statements(%q) gave %q, which is not part of the input", in, st)
			}
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "parse: ") {
				t.Fatalf("Parse(%q): error %q does not start with \"parse: \"", in, err)
			}
			return
		}
		if !equalCommands(c, c2) {
			t.Fatalf("Parse(%q) is not deterministic: %+v / %+v", in, c, c2)
		}
	})
}

// equalCommands compares two Commands apart from Line and Callback.
func equalCommands(a, b Command) bool {
	if a.Assign != b.Assign || a.Name != b.Name || len(a.Args) != len(b.Args) {
		return false
	}
	for i := range a.Args {
		if a.Args[i] != b.Args[i] {
			return false
		}
	}
	return true
}
