package kv

import (
	"encoding/json"
	"strconv"
	"time"

	"raftsim/raft"
)

// appendSnapshot appends st as encoding/json writes it, byte for byte
// (map keys sorted, empty fields left out as the tags say, strings escaped
// alike: TestSnapshotEncodesAsJSONDoes), without reflection. Chaos seeds
// with a small snapshotThreshold snapshot every few entries, and
// json.Marshal was a few percent of their time. The keys of data come
// sorted (keys).
func appendSnapshot(b []byte, st *snapshotState, keys []string) []byte {
	b = append(b, `{"data":`...)
	if st.Data == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, string(st.Data[k]))
		}
		b = append(b, '}')
	}
	if len(st.Sessions) > 0 {
		b = append(b, `,"sessions":[`...)
		for i := range st.Sessions {
			ss := &st.Sessions[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"client":`...)
			b = strconv.AppendUint(b, ss.Client, 10)
			b = append(b, `,"seq":`...)
			b = strconv.AppendUint(b, ss.Seq, 10)
			b = append(b, `,"status":`...)
			b = appendString(b, string(ss.Status))
			if ss.Result != "" {
				b = append(b, `,"result":`...)
				b = appendString(b, string(ss.Result))
			}
			if ss.Err != "" {
				b = append(b, `,"err":`...)
				b = appendString(b, ss.Err)
			}
			if ss.Last != 0 {
				b = append(b, `,"last":`...)
				b = appendDuration(b, ss.Last)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if st.Clock != 0 {
		b = append(b, `,"clock":`...)
		b = appendDuration(b, st.Clock)
	}
	if len(st.Expired) > 0 {
		b = append(b, `,"expired":[`...)
		for i, c := range st.Expired {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, c, 10)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendDuration(b []byte, d time.Duration) []byte {
	return strconv.AppendInt(b, int64(d), 10)
}

// appendString appends s as a JSON string. Printable ASCII that needs no
// escape is copied as it is; anything else (quotes, backslashes, control
// characters, the HTML characters json escapes, non-ASCII) goes through
// json.Marshal, so the bytes are always its own.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// parseSnapshot reads what appendSnapshot writes, when its strings need no
// escapes, into st; it says false for anything else, which the caller
// leaves to json.Unmarshal. A restarted server restores its snapshot, and
// chaos restarts servers several times a seed.
func parseSnapshot(data []byte, st *snapshotState) bool {
	p := snapParser{b: data}
	if !p.lit(`{"data":`) {
		return false
	}
	if !p.lit("null") {
		if !p.lit("{") {
			return false
		}
		st.Data = map[string]raft.Value{}
		for first := true; !p.lit("}"); first = false {
			if !first && !p.lit(",") {
				return false
			}
			k, ok := p.str()
			if !ok || !p.lit(":") {
				return false
			}
			v, ok := p.str()
			if !ok {
				return false
			}
			st.Data[k] = raft.Value(v)
		}
	}
	if p.lit(`,"sessions":[`) {
		for first := true; !p.lit("]"); first = false {
			if !first && !p.lit(",") {
				return false
			}
			var ss sessionState
			var status string
			ok := p.lit(`{"client":`) && p.uint(&ss.Client) && p.lit(`,"seq":`) && p.uint(&ss.Seq) && p.lit(`,"status":`) && p.strTo(&status)
			if !ok {
				return false
			}
			ss.Status = raft.Status(status)
			if p.lit(`,"result":`) {
				var r string
				if !p.strTo(&r) || r == "" {
					return false
				}
				ss.Result = raft.Value(r)
			}
			if p.lit(`,"err":`) && (!p.strTo(&ss.Err) || ss.Err == "") {
				return false
			}
			if p.lit(`,"last":`) && !p.duration(&ss.Last) {
				return false
			}
			if !p.lit("}") {
				return false
			}
			st.Sessions = append(st.Sessions, ss)
		}
	}
	if p.lit(`,"clock":`) && !p.duration(&st.Clock) {
		return false
	}
	if p.lit(`,"expired":[`) {
		for first := true; !p.lit("]"); first = false {
			var c uint64
			if (!first && !p.lit(",")) || !p.uint(&c) {
				return false
			}
			st.Expired = append(st.Expired, c)
		}
	}
	return p.lit("}") && len(p.b) == 0
}

// snapParser reads a snapshot from the front of b.
type snapParser struct{ b []byte }

// lit consumes s if b starts with it.
func (p *snapParser) lit(s string) bool {
	if len(p.b) < len(s) || string(p.b[:len(s)]) != s {
		return false
	}
	p.b = p.b[len(s):]
	return true
}

// str consumes a string of printable ASCII without escapes (what
// appendString copies as it is).
func (p *snapParser) str() (string, bool) {
	if len(p.b) == 0 || p.b[0] != '"' {
		return "", false
	}
	for i := 1; i < len(p.b); i++ {
		switch c := p.b[i]; {
		case c == '"':
			s := string(p.b[1:i])
			p.b = p.b[i+1:]
			return s, true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return "", false
		}
	}
	return "", false
}

func (p *snapParser) strTo(s *string) bool {
	v, ok := p.str()
	*s = v
	return ok
}

// digits returns the length of the number at the front of b (a leading
// minus sign if signed).
func (p *snapParser) digits(signed bool) int {
	i := 0
	if signed && len(p.b) > 0 && p.b[0] == '-' {
		i++
	}
	for i < len(p.b) && p.b[i] >= '0' && p.b[i] <= '9' {
		i++
	}
	return i
}

func (p *snapParser) uint(v *uint64) bool {
	n := p.digits(false)
	x, err := strconv.ParseUint(string(p.b[:n]), 10, 64)
	if err != nil {
		return false
	}
	*v, p.b = x, p.b[n:]
	return true
}

func (p *snapParser) duration(d *time.Duration) bool {
	n := p.digits(true)
	x, err := strconv.ParseInt(string(p.b[:n]), 10, 64)
	if err != nil {
		return false
	}
	*d, p.b = time.Duration(x), p.b[n:]
	return true
}
