package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The text form of network models is the shell's: `loss=0.1 dup=0.05
// latency=5ms-15ms dist=exp reorder=0.1 longdelay=0.01:100ms-1s`. It lives
// here, next to the model, so that whatever writes scripts (the chaos
// runner's replays) and the shell that reads them agree on it.

// NetSettings lists the setting names of the text form, in order.
var NetSettings = []string{"loss", "dup", "latency", "dist", "reorder", "longdelay"}

// ParseNetSetting parses one setting (key and value as in key=value) into
// r, adding to what r already sets. A bare number as a duration is
// milliseconds (raft.js's unit); a probability may be written as 10%.
func ParseNetSetting(r *NetRule, key, value string) error {
	m := &r.Model
	value = strings.TrimSpace(value)
	var err error
	switch strings.ToLower(key) {
	case "loss":
		m.Loss, err = parseProb(key, value)
		r.Set |= NetLoss
	case "dup":
		m.Dup, err = parseProb(key, value)
		r.Set |= NetDup
	case "reorder":
		m.Reorder, err = parseProb(key, value)
		r.Set |= NetReorder
	case "latency":
		m.LatencyMin, m.LatencyMax, err = parseRange(key, value)
		r.Set |= NetLatency
	case "dist":
		switch strings.ToLower(value) {
		case "uniform":
			m.Dist = DistUniform
		case "exp", "exponential":
			m.Dist = DistExp
		default:
			err = fmt.Errorf("dist must be uniform or exp, got %q", value)
		}
		r.Set |= NetDist
	case "longdelay":
		m.LongDelay, m.LongDelayMin, m.LongDelayMax, err = parseLongDelay(value)
		r.Set |= NetLongDelay
	default:
		return fmt.Errorf("unknown setting %q (settings: %s)", key, strings.Join(NetSettings, ", "))
	}
	if err != nil {
		return err
	}
	return NetRule{Set: r.Set, Model: *m}.Validate()
}

func parseProb(key, v string) (float64, error) {
	scale := 1.0
	if t, ok := strings.CutSuffix(v, "%"); ok {
		v, scale = t, 100
	}
	p, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(p) {
		return 0, fmt.Errorf("%s must be a probability between 0 and 1 (like 0.1 or 10%%), got %q", key, v)
	}
	p /= scale
	if p < 0 || p > 1 {
		return 0, fmt.Errorf("%s must be between 0 and 1, got %s", key, fmtProb(p))
	}
	return p, nil
}

// parseRange reads MIN-MAX, or a single duration for a constant.
func parseRange(key, v string) (time.Duration, time.Duration, error) {
	if strings.HasPrefix(v, "-") {
		return 0, 0, fmt.Errorf("%s must not be negative, got %q", key, v)
	}
	lo, hi, two := strings.Cut(v, "-")
	if !two {
		hi = lo
	}
	a, err := parseDur(key, lo)
	if err != nil {
		return 0, 0, err
	}
	b, err := parseDur(key, hi)
	if err != nil {
		return 0, 0, err
	}
	if err := checkRange(key, a, b); err != nil {
		return 0, 0, err
	}
	return a, b, nil
}

func parseDur(key, v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(f) {
		if f < 0 || f > float64(maxNetDelay/time.Millisecond) {
			return 0, fmt.Errorf("%s: %s ms is out of range (0 to %v)", key, v, maxNetDelay)
		}
		return time.Duration(f * float64(time.Millisecond)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s: bad duration %q (write MIN-MAX like 5ms-15ms; a bare number is milliseconds)", key, v)
	}
	if d < 0 {
		return 0, fmt.Errorf("%s must not be negative, got %v", key, d)
	}
	return d, nil
}

// parseLongDelay reads P:MIN-MAX; a bare 0 turns long delays off.
func parseLongDelay(v string) (float64, time.Duration, time.Duration, error) {
	ps, rng, ok := strings.Cut(v, ":")
	p, err := parseProb("longdelay", ps)
	if err != nil {
		return 0, 0, 0, err
	}
	if !ok {
		if p == 0 {
			return 0, 0, 0, nil
		}
		return 0, 0, 0, fmt.Errorf("longdelay needs a range: P:MIN-MAX like 0.1:100ms-1s, got %q", v)
	}
	lo, hi, err := parseRange("longdelay", rng)
	return p, lo, hi, err
}

func fmtProb(p float64) string { return strconv.FormatFloat(p, 'g', -1, 64) }

// fmtDur writes a duration the way the text form reads it back.
func fmtDur(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return strings.ReplaceAll(d.String(), "µs", "us")
}

// fmtRange writes MIN-MAX, or one duration when they are equal.
func fmtRange(lo, hi time.Duration) string {
	if lo == hi {
		return fmtDur(lo)
	}
	return fmtDur(lo) + "-" + fmtDur(hi)
}

// Setting returns the text of one field of m (one of NetSettings).
func (m NetModel) Setting(name string) string {
	switch name {
	case "loss":
		return fmtProb(m.Loss)
	case "dup":
		return fmtProb(m.Dup)
	case "reorder":
		return fmtProb(m.Reorder)
	case "latency":
		return fmtRange(m.LatencyMin, m.LatencyMax)
	case "dist":
		return m.Dist.String()
	case "longdelay":
		if m.LongDelay == 0 {
			return "0"
		}
		return fmtProb(m.LongDelay) + ":" + fmtRange(m.LongDelayMin, m.LongDelayMax)
	}
	return ""
}

// settingField maps a setting name to its field.
func settingField(name string) NetField {
	for i, n := range NetSettings {
		if n == name {
			return NetField(1 << i)
		}
	}
	return 0
}

// Sets reports whether r sets the setting called name.
func (r NetRule) Sets(name string) bool { return r.Set&settingField(name) != 0 }

// String writes the settings r makes, in the text form ParseNetSetting
// reads: "loss=0.1 latency=5ms-15ms".
func (r NetRule) String() string {
	var parts []string
	for _, n := range NetSettings {
		if r.Sets(n) {
			parts = append(parts, n+"="+r.Model.Setting(n))
		}
	}
	return strings.Join(parts, " ")
}

// String writes every setting of m in the text form.
func (m NetModel) String() string { return NetRule{Set: netAllFields, Model: m}.String() }
