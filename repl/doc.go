// Package repl is the raftsim shell: the interactive line editor (prompt,
// history, tab completion, continuation lines), piped input, the script
// runner behind `raftsim run FILE` and the golden-file tests behind
// `raftsim test`. It only reads lines and prints results; the language is
// package lang, running commands is package session, and printing is
// package render:
//
//	repl -> session -> render -> lang
//
// session and render read the simulator (sim) and raft's types; lang reads
// nothing but its input.
package repl
