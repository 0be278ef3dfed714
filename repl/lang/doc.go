// Package lang is the shell's language: what a line means, not what it
// does. It reads both syntaxes of the shell — the shell form
// (`startServers 3 debug`) and the JavaScript form of the raft.js tutorial
// (`t.startServers({ debug: true }, 3);`) — and gives the same Command for
// both. Parse is the entry point; Incomplete tells a line editor to read a
// continuation line; ParseScript splits a .raft file into commands and the
// output a golden test expects of them.
//
// The package knows the command names (for suggestions) but nothing of
// their arguments' meaning, of the simulator or of printing: it imports
// only the standard library. docs/language.md is the reference of the
// language.
package lang
