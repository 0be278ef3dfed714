package sim

import "testing"

// WatchSharing puts a sharingWatch on s for the tests outside the package
// (replays of chaos scripts): before every event, nothing shared by
// reference may have been written to since it was shared. It returns the
// last check, to call once the run is over, which also says how many
// events the watch saw.
func WatchSharing(t *testing.T, s *Sim, where func() string) (final func() int) {
	w := newSharingWatch(t, s, where)
	return func() int {
		w.full = true
		w.check()
		return w.checks
	}
}
