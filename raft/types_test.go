package raft

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// TestEntryIsSmall guards the size of an Entry: every log, every disk and
// every AppendEntries copies entries, so what only some kinds of entry
// carry (a command, a membership) stays behind a pointer.
func TestEntryIsSmall(t *testing.T) {
	assert.LessOrEqual(t, unsafe.Sizeof(Entry{}), uintptr(48), "raft.Entry grew: put what only some entries carry behind a pointer")
}
