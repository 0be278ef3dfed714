// Package render holds what a command produces and prints it. A Result
// carries a Value whose Go type says what kind of answer it is (Started,
// Reply, FieldValue, Expectation, ...); a Renderer prints Results for
// people (aligned text, one colour per server) or as JSON, one object a
// line (docs/language.md lists the shapes).
//
// The words and JSON for values and Raft events live here too, so that
// the session (which builds Results) and the renderer say things the same
// way: ValueJSON is also the form in which the session stores a variable.
// The package runs nothing: it reads sim and raft types, never a cluster.
package render
