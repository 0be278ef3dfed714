package sim

import (
	"fmt"
	"math"
	"time"
)

// Dist is a latency distribution.
type Dist uint8

// Latency distributions. Both have the same mean, (min+max)/2, so that
// switching between them changes the shape of the delays, not their average.
const (
	// DistUniform draws latencies uniformly from [min, max).
	DistUniform Dist = iota
	// DistExp draws min + an exponential variable with mean (max-min)/2:
	// most messages are fast, a long tail is slow, and none is faster than
	// min (the speed of light of the link).
	DistExp
)

func (d Dist) String() string {
	if d == DistExp {
		return "exp"
	}
	return "uniform"
}

// NetModel is how a link treats the messages that cross it. The zero value
// is a perfect link with no latency.
type NetModel struct {
	// Loss is the probability that a message is dropped.
	Loss float64
	// Dup is the probability that a message that is not lost arrives
	// twice; the copy has its own, independent delay.
	Dup float64
	// LatencyMin and LatencyMax bound the one-way latency (see Dist). A
	// maximum at or below the minimum makes the latency constant.
	LatencyMin, LatencyMax time.Duration
	Dist                   Dist
	// Reorder is the probability that a message is held back by an extra
	// delay uniform in [L, 2L), L = max(LatencyMax, 1ms), so that messages
	// sent on the same link shortly after it overtake it.
	Reorder float64
	// LongDelay is the probability that a message is delayed by an extra
	// delay uniform in [LongDelayMin, LongDelayMax), on top of its latency
	// (the "long reordering" of the classic Raft lab network).
	LongDelay                  float64
	LongDelayMin, LongDelayMax time.Duration
}

// plain reports whether the model is a plain uniform latency with no
// faults: the case the hot path handles without touching the fault stream.
func (m *NetModel) plain() bool {
	return m.Loss == 0 && m.Dup == 0 && m.Reorder == 0 && m.LongDelay == 0 && m.Dist == DistUniform
}

// NetField names fields of a NetModel, so that a rule can set some of them
// and leave the others as they are (per-link rules override the global
// model field by field).
type NetField uint8

// Fields of a NetModel. NetLatency covers both bounds, NetLongDelay the
// probability and both bounds.
const (
	NetLoss NetField = 1 << iota
	NetDup
	NetLatency
	NetDist
	NetReorder
	NetLongDelay

	netAllFields = NetLoss | NetDup | NetLatency | NetDist | NetReorder | NetLongDelay
)

// NetRule sets the fields of Model that Set names.
type NetRule struct {
	Set   NetField
	Model NetModel
}

// Validate checks the fields the rule sets: probabilities in [0, 1],
// durations not negative, minimum not above maximum.
func (r NetRule) Validate() error {
	m := &r.Model
	for _, p := range []struct {
		f    NetField
		name string
		v    float64
	}{{NetLoss, "loss", m.Loss}, {NetDup, "dup", m.Dup}, {NetReorder, "reorder", m.Reorder}, {NetLongDelay, "longdelay", m.LongDelay}} {
		if r.Set&p.f != 0 && !(p.v >= 0 && p.v <= 1) { // written so that NaN fails too
			return fmt.Errorf("%s must be between 0 and 1, got %s", p.name, fmtProb(p.v))
		}
	}
	if r.Set&NetLatency != 0 {
		if err := checkRange("latency", m.LatencyMin, m.LatencyMax); err != nil {
			return err
		}
	}
	if r.Set&NetLongDelay != 0 {
		if err := checkRange("longdelay", m.LongDelayMin, m.LongDelayMax); err != nil {
			return err
		}
	}
	if r.Set&NetDist != 0 && m.Dist != DistUniform && m.Dist != DistExp {
		return fmt.Errorf("dist must be uniform or exp, got %d", m.Dist)
	}
	return nil
}

// maxNetDelay bounds every duration of a model, so that adding a latency,
// a reorder delay and a long delay to the clock can never overflow it.
const maxNetDelay = 24 * time.Hour

func checkRange(name string, lo, hi time.Duration) error {
	switch {
	case lo < 0 || hi < 0:
		return fmt.Errorf("%s must not be negative, got %v-%v", name, lo, hi)
	case lo > hi:
		return fmt.Errorf("%s minimum %v is above its maximum %v (write MIN-MAX)", name, lo, hi)
	case hi > maxNetDelay:
		return fmt.Errorf("%s maximum %v is too long (at most %v)", name, hi, maxNetDelay)
	}
	return nil
}

// apply returns m with the fields r sets taken from r.
func (m NetModel) apply(r NetRule) NetModel {
	if r.Set&NetLoss != 0 {
		m.Loss = r.Model.Loss
	}
	if r.Set&NetDup != 0 {
		m.Dup = r.Model.Dup
	}
	if r.Set&NetLatency != 0 {
		m.LatencyMin, m.LatencyMax = r.Model.LatencyMin, r.Model.LatencyMax
	}
	if r.Set&NetDist != 0 {
		m.Dist = r.Model.Dist
	}
	if r.Set&NetReorder != 0 {
		m.Reorder = r.Model.Reorder
	}
	if r.Set&NetLongDelay != 0 {
		m.LongDelay, m.LongDelayMin, m.LongDelayMax = r.Model.LongDelay, r.Model.LongDelayMin, r.Model.LongDelayMax
	}
	return m
}

// merge returns r with the fields o sets taken from o: a later rule for a
// link adds to an earlier one.
func (r NetRule) merge(o NetRule) NetRule {
	return NetRule{Set: r.Set | o.Set, Model: r.Model.apply(o)}
}

// delay draws one message's delay on a link with model m: the latency from
// the network stream, then (only when the model asks for them) the reorder
// and long delays from the fault stream. With a plain model it draws
// exactly what the simulation drew before the fault model existed, so old
// runs replay unchanged.
func (s *Sim) delay(m *NetModel) time.Duration {
	d := m.LatencyMin
	if span := m.LatencyMax - m.LatencyMin; span > 0 {
		if m.Dist == DistExp {
			// Mean span/2, so the mean latency is (min+max)/2 as with
			// uniform. The tail is cut where it would exceed the
			// longest duration a model may hold.
			x := s.netRnd.ExpFloat64() * float64(span) / 2
			d += time.Duration(math.Min(x, float64(maxNetDelay)))
		} else {
			d += time.Duration(s.netRnd.Int64N(int64(span)))
		}
	}
	fr := s.net.model.rnd(s)
	if m.Reorder > 0 && fr.Float64() < m.Reorder {
		l := max(m.LatencyMax, time.Millisecond)
		d += l + time.Duration(fr.Int64N(int64(l)))
	}
	if m.LongDelay > 0 && fr.Float64() < m.LongDelay {
		d += m.LongDelayMin
		if span := m.LongDelayMax - m.LongDelayMin; span > 0 {
			d += time.Duration(fr.Int64N(int64(span)))
		}
	}
	return d
}
