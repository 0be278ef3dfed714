// Package session runs shell commands against a simulated cluster. A
// Session owns one sim.Sim, the user's variables and the debug settings;
// Exec runs one line (either syntax, see package lang) and returns one
// render.Result, never printing and never panicking:
//
//	s := session.New(session.Options{Seed: 1})
//	res := s.Exec("startServers 3")
//	(&render.Renderer{W: os.Stdout}).Render(res)  // or JSON: true
//
// The same seed and the same lines give byte-identical results, which is
// what golden scripts, chaos replays and any other front end (a web view,
// an experiment runner) rely on. A Session is not safe for concurrent use.
package session
