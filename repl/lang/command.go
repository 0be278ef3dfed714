package lang

// Command is the contract between this package and the session that runs
// commands: both syntaxes (docs/language.md) parse to the same Command.

// ArgKind is the lexical kind of an argument.
type ArgKind uint8

// Argument kinds.
const (
	ArgWord   ArgKind = iota // a bare word: set, log, 0,1, 300ms, 0->1, |
	ArgNumber                // a JSON number: 1, -2, 1.5
	ArgString                // a quoted string literal (quotes removed, escapes resolved)
	ArgBool                  // true / false
	ArgNull                  // null / undefined
	ArgVar                   // a variable reference: $lid in shell form, bare lid in JS form (Text = "lid")
	// ArgTemplate is a bare word with variable references inside it,
	// as typed: $lid->1, 0->$lid, $lid,1 (the session puts the values in).
	ArgTemplate
	// ArgJSON is an array or object value as canonical JSON text:
	// x = [1, 2] holds [1,2], y = {a: 1} holds {"a":1}.
	ArgJSON
)

// Arg is one argument. Key is set for key=value (shell) and key: value (JS
// object literal) options, empty for positional arguments.
type Arg struct {
	Key  string
	Kind ArgKind
	Text string
}

// Command is one parsed line (or one multi-line JS call).
type Command struct {
	Line   string // the source text as typed (continuation lines joined with "\n")
	Assign string // "lid" for `lid = getLeaderId`, else ""
	Name   string // canonical command name, e.g. "startServers", "clientRequest"; "" for an empty line
	Args   []Arg
	// Callback is true when a JS callback function(results){...} was given:
	// the result is printed as `results:  {...}` like raft.js.
	Callback bool
}
