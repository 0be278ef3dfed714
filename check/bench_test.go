package check

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// hourHistory is a history like a load's: clients each with one
// operation at a time, at rate operations a second in all, for d, on keys
// keys, against a linearizable store (each operation takes effect at a
// moment between its call and its return), every value written unique.
// The last operation of each client is left without a reply.
func hourHistory(rate float64, d time.Duration, clients, keys int) []Operation {
	rnd := rand.New(rand.NewPCG(7, 8))
	type pending struct {
		op Operation
		at time.Duration // when it takes effect
	}
	state := map[string]string{}
	var out []Operation
	next := make([]time.Duration, clients) // when each client calls next
	perClient := rate / float64(clients)
	seq := 0
	var inflight []pending
	apply := func(p pending) Operation {
		op := p.op
		switch op.Kind {
		case Get:
			op.Output = state[op.Key]
		case Set:
			state[op.Key] = op.Value
		case CAS:
			op.Output = strconv.FormatBool(state[op.Key] == op.Old)
			if op.Output == "true" {
				state[op.Key] = op.Value
			}
		}
		return op
	}
	for {
		// The client whose call comes first.
		c := 0
		for i := range next {
			if next[i] < next[c] {
				c = i
			}
		}
		now := next[c]
		if now >= d {
			break
		}
		// Everything that takes effect before now, in order of effect.
		for len(inflight) > 0 {
			j := 0
			for i := range inflight {
				if inflight[i].at < inflight[j].at {
					j = i
				}
			}
			if inflight[j].at > now {
				break
			}
			out = append(out, apply(inflight[j]))
			inflight = append(inflight[:j], inflight[j+1:]...)
		}
		seq++
		key := "k" + strconv.Itoa(rnd.IntN(keys))
		op := Operation{Client: c, Key: key, Call: now, Completed: true}
		switch rnd.IntN(3) {
		case 0:
			op.Kind = Get
		case 1:
			op.Kind, op.Value = Set, strconv.Itoa(seq)
		case 2:
			op.Kind, op.Old, op.Value = CAS, state[key], strconv.Itoa(seq)
		}
		effect := now + time.Duration(5+rnd.IntN(20))*time.Millisecond
		op.Return = effect + time.Duration(5+rnd.IntN(20))*time.Millisecond
		inflight = append(inflight, pending{op, effect})
		// The client thinks a little, then calls again.
		next[c] = op.Return + time.Duration(rnd.ExpFloat64()/perClient*float64(time.Second))
	}
	for _, p := range inflight {
		op := apply(p)
		if op.Kind != Get {
			op = noReply(op)
		}
		out = append(out, op)
	}
	return out
}

// BenchmarkLinearizableHour checks an hour of a load at 200 operations a
// second (720,000 operations): under /usr/bin/time -f %M, the peak memory
// of checking a long history (the history itself is about 100 MB).
//
//	go test -c -o /tmp/check.test ./check/
//	/usr/bin/time -f %M /tmp/check.test -test.run XXX -test.bench LinearizableHour -test.benchtime 1x
func BenchmarkLinearizableHour(b *testing.B) {
	ops := hourHistory(200, time.Hour, 40, 8)
	b.ResetTimer()
	for b.Loop() {
		r, err := Linearizable(ops, DefaultBudget)
		if err != nil || r.Verdict != OK {
			b.Fatal(r, err)
		}
		b.ReportMetric(float64(r.Windows), "windows")
	}
	b.ReportMetric(float64(len(ops)), "ops")
}
