package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func draws(n int, f func() uint64) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = f()
	}
	return out
}

func TestStreamsAreReproducible(t *testing.T) {
	a, b := newStream(7, "network"), newStream(7, "network")
	assert.Equal(t, draws(100, a.Uint64), draws(100, b.Uint64))
}

func TestStreamsDifferByNameAndSeed(t *testing.T) {
	base := draws(10, newStream(7, "network").Uint64)
	assert.NotEqual(t, base, draws(10, newStream(7, "clients").Uint64))
	assert.NotEqual(t, base, draws(10, newStream(8, "network").Uint64))
	assert.NotEqual(t, draws(10, newStream(7, serverStream(1)).Uint64), draws(10, newStream(7, serverStream(2)).Uint64))
}

func TestAddingAStreamDoesNotChangeAnother(t *testing.T) {
	// Draw from "network" alone, then again while other streams are
	// created and drawn from in between: the network's numbers must not move.
	alone := draws(50, newStream(1, streamNetwork).Uint64)

	net := newStream(1, streamNetwork)
	var mixed []uint64
	for i := range 50 {
		other := newStream(1, serverStream(i))
		other.Uint64()
		mixed = append(mixed, net.Uint64())
	}
	assert.Equal(t, alone, mixed)
}

func TestServerStreamIndependentOfClusterSize(t *testing.T) {
	// Server 0's election timeouts come from "server/0" whatever else
	// exists: a 3-server and a 5-server simulation give it the same draws.
	s3, s5 := New(Options{Seed: 9}), New(Options{Seed: 9})
	s3.newServer(0, diskOf(3), ServerOptions{})
	for i := range 5 {
		s5.newServer(intID(i), diskOf(5), ServerOptions{})
	}
	assert.Equal(t, draws(20, s3.servers[0].rnd.Uint64), draws(20, s5.servers[0].rnd.Uint64))
}
