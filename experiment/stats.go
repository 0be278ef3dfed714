package experiment

import (
	"math"
	"slices"
	"time"
)

// Stats summarises the trials of one line. Times are from the leader's
// crash. A censored trial (no leader within the cap) counts as slower than
// every other: it moves the quantiles up, and Max is then the cap.
type Stats struct {
	Trials   int
	Censored int
	Median   time.Duration
	P90      time.Duration
	P99      time.Duration
	P999     time.Duration
	Max      time.Duration
	Mean     time.Duration // over the trials that elected a leader
	// CommitMedian and CommitMean are the times to the new leader's first
	// commit, over the trials where it committed.
	CommitMedian time.Duration
	CommitMean   time.Duration
	// MeanTerms is the mean number of terms an election took (1: the
	// first candidate won).
	MeanTerms float64
	// SplitVoteRate is the fraction of election rounds (terms in which
	// some server campaigned) that ended in a split vote.
	SplitVoteRate float64
	// FirstSplitRate is the fraction of trials whose first round after
	// the crash was a split vote.
	FirstSplitRate float64
}

// Quantile returns the q-quantile (0 <= q <= 1) of sorted values by the
// nearest-rank method: the smallest value with at least q of them at or
// below it, so the median of 1..4 is 2 and the 0.99-quantile of 1000 trials
// is the 990th. It returns 0 for no values.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(q * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// Mean returns the mean of values (0 for none).
func Mean(values []time.Duration) time.Duration {
	if len(values) == 0 {
		return 0
	}
	sum := 0.0
	for _, v := range values {
		sum += float64(v)
	}
	return time.Duration(math.Round(sum / float64(len(values))))
}

// Summarize computes the statistics of trials.
func Summarize(trials []Trial) Stats {
	st := Stats{Trials: len(trials)}
	if len(trials) == 0 {
		return st
	}
	var elected, commits, all []time.Duration
	terms, rounds, splits, firstSplits := 0, 0, 0, 0
	for _, t := range trials {
		all = append(all, t.Elected)
		if t.Censored {
			st.Censored++
			continue
		}
		elected = append(elected, t.Elected)
		if t.Commit > 0 {
			commits = append(commits, t.Commit)
		}
		terms += t.Terms
		rounds += t.Rounds
		splits += t.Splits
		if t.FirstSplit {
			firstSplits++
		}
	}
	// A censored trial's Elected is its cap: sorting all of them puts the
	// censored last, which is where they belong.
	slices.Sort(all)
	slices.Sort(commits)
	st.Median = Quantile(all, 0.5)
	st.P90 = Quantile(all, 0.9)
	st.P99 = Quantile(all, 0.99)
	st.P999 = Quantile(all, 0.999)
	st.Max = all[len(all)-1]
	st.Mean = Mean(elected)
	st.CommitMedian = Quantile(commits, 0.5)
	st.CommitMean = Mean(commits)
	if n := len(elected); n > 0 {
		st.MeanTerms = float64(terms) / float64(n)
		st.FirstSplitRate = float64(firstSplits) / float64(n)
	}
	if rounds > 0 {
		st.SplitVoteRate = float64(splits) / float64(rounds)
	}
	return st
}

// CDF returns the points of the empirical distribution of the election
// times of trials: x the time in milliseconds, y the fraction of trials at
// or below it, one point per trial in increasing order. Censored trials
// are left out, so the curve stops below 1 when some never elected.
func CDF(trials []Trial) (xs, ys []float64) {
	var v []time.Duration
	for _, t := range trials {
		if !t.Censored {
			v = append(v, t.Elected)
		}
	}
	slices.Sort(v)
	n := float64(len(trials))
	for i, d := range v {
		xs = append(xs, float64(d)/float64(time.Millisecond))
		ys = append(ys, float64(i+1)/n)
	}
	return xs, ys
}
