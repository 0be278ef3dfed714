package sim

import (
	"math/rand/v2"
	"strconv"
)

// Randomness comes from one seed split into independent named streams
// (docs/design.md, principle 4). Each stream's PCG state is derived from the seed
// and the stream's name alone, so adding a stream, a server or a trace
// listener never shifts the numbers another stream draws.

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// fnv1a hashes s with 64-bit FNV-1a.
func fnv1a(s string) uint64 {
	h := uint64(fnvOffset64)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	return h
}

// splitmix64 is the finaliser of SplitMix64: a bijective mixer that spreads
// every input bit over the output.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// streamSeed derives the two PCG seed words of the named stream.
func streamSeed(seed uint64, name string) (uint64, uint64) {
	a := splitmix64(seed ^ splitmix64(fnv1a(name)))
	return a, splitmix64(a ^ 0x6a09e667f3bcc909)
}

// newStream returns the random stream called name under seed.
func newStream(seed uint64, name string) *rand.Rand {
	a, b := streamSeed(seed, name)
	return rand.New(rand.NewPCG(a, b))
}

// Stream names.
const (
	streamNetwork = "network"
	streamClients = "clients"
)

// serverStream names the stream of server id: its election timeouts.
func serverStream(id int) string { return "server/" + strconv.Itoa(id) }
