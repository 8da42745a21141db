package wasi

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// durationHistogram counts durations in logarithmic buckets: four buckets
// per power of two of microseconds, from 1 µs to about 9 hours, so a
// quantile read from it is at most 25 % above the true one. Adding is one
// atomic increment; reading may run concurrently with adding.
type durationHistogram struct {
	buckets [histBuckets]atomic.Uint64
}

const (
	histSub     = 4 // buckets per power of two
	histBuckets = 36 * histSub
)

// histIndex is the bucket of a duration of us microseconds.
func histIndex(us uint64) int {
	if us < histSub {
		return int(us)
	}
	exp := bits.Len64(us) - 1 // us in [2^exp, 2^(exp+1))
	frac := int(us>>(exp-2)) & (histSub - 1)
	return min(exp*histSub+frac-(histSub*2-histSub), histBuckets-1)
}

// histUpper is the largest duration, in microseconds, of bucket i.
func histUpper(i int) uint64 {
	if i < histSub {
		return uint64(i)
	}
	i += histSub
	exp := i / histSub
	frac := uint64(i % histSub)
	return (1<<exp | frac<<(exp-2)) + 1<<(exp-2) - 1
}

func (h *durationHistogram) add(d time.Duration) {
	h.buckets[histIndex(uint64(max(d.Microseconds(), 0)))].Add(1)
}

// quantile returns the upper bound of the bucket holding quantile q of the
// durations added, 0 if none were.
func (h *durationHistogram) quantile(q float64) time.Duration {
	var counts [histBuckets]uint64
	var total uint64
	for i := range h.buckets {
		counts[i] = h.buckets[i].Load()
		total += counts[i]
	}
	if total == 0 {
		return 0
	}
	rank := uint64(q*float64(total-1)) + 1
	var seen uint64
	for i, n := range counts {
		seen += n
		if seen >= rank {
			return time.Duration(histUpper(i)+1) * time.Microsecond
		}
	}
	return time.Duration(histUpper(histBuckets-1)+1) * time.Microsecond
}
