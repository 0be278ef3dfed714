package sim

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// uint64n draws what math/rand/v2 draws, and leaves the generator where
// it would: bounds of every size, powers of two, and bounds just above a
// power of two (where half the products are rejected).
func TestUint64nMatchesRand(t *testing.T) {
	_, src := newStreamPCG(7, "test")
	ours := rand.New(src)
	ref := rand.New(rand.NewPCG(streamSeed(7, "test")))
	pick := rand.New(rand.NewPCG(1, 2))
	for i := range 200000 {
		var n uint64
		switch i % 4 {
		case 0:
			n = 1 + pick.Uint64N(1<<uint(pick.IntN(64)))
		case 1:
			n = 1 << uint(pick.IntN(64))
		case 2:
			n = 1<<uint(pick.IntN(63)) + 1
		default:
			n = 1 + pick.Uint64N(10_000_000) // a latency span
		}
		require.Equal(t, ref.Uint64N(n), uint64n(ours, src, n), "draw %d, n=%d", i, n)
	}
	assert.Equal(t, ref.Uint64(), src.Uint64(), "the generators end in step")
}
