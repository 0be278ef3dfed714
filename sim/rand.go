package sim

import (
	"math/bits"
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
	r, _ := newStreamPCG(seed, name)
	return r
}

// newStreamPCG is newStream, with the generator under the stream: a draw
// from either advances both.
func newStreamPCG(seed uint64, name string) (*rand.Rand, *rand.PCG) {
	a, b := streamSeed(seed, name)
	src := rand.NewPCG(a, b)
	return rand.New(src), src
}

// is32bit says ints are 32 bits wide: math/rand/v2 then draws a bound
// that fits in 32 bits otherwise (uint64n).
const is32bit = ^uint(0)>>32 == 0

// uint64n returns a draw in [0, n) from src (n > 0): the number
// rand.New(src).Uint64N(n) would return, by the same algorithm (Lemire's
// multiply, rejecting the few products that would bias it), with the
// same draws from src, but without the call through the Source interface
// and the function that rand.Rand does not inline: the network draws one
// for every message it carries. TestUint64nMatchesRand holds it to
// math/rand/v2's. A 32-bit platform goes through r, the rand.Rand over
// src, whose algorithm differs there.
func uint64n(r *rand.Rand, src *rand.PCG, n uint64) uint64 {
	if is32bit && uint64(uint32(n)) == n {
		return r.Uint64N(n)
	}
	if n&(n-1) == 0 {
		return src.Uint64() & (n - 1)
	}
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

// Stream names.
const (
	streamNetwork = "network"
	streamClients = "clients"
)

// serverStream names the stream of server id: its election timeouts.
func serverStream(id int) string { return "server/" + strconv.Itoa(id) }
