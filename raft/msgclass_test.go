package raft

import "testing"

// Every message type has a class, so that the pictures and explanations
// built on the trace place a new type somewhere sensible: add it to
// MsgType.Class (and IsResponse, FromLeader) when adding a type.
func TestEveryMsgTypeHasAClass(t *testing.T) {
	n := 0
	for i := range 256 {
		mt := MsgType(i)
		if mt.String() == "unknown" {
			continue
		}
		n++
		if mt.Class() == ClassUnknown {
			t.Errorf("message type %s has no class: add it to MsgType.Class in msgclass.go", mt)
		}
		if mt.FromLeader() && mt.IsResponse() {
			t.Errorf("%s is both a leader's message and an answer", mt)
		}
	}
	if n < 11 {
		t.Fatalf("only %d message types named", n)
	}
}
