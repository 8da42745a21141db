package wasi

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogramBuckets(t *testing.T) {
	// Every duration falls in the bucket whose bounds hold it, and the
	// buckets tile the line without gaps.
	prevUpper := int64(-1)
	for i := range histBuckets - 1 {
		if got := int64(histUpper(i)); got <= prevUpper {
			t.Fatalf("bucket %d upper %d <= %d", i, got, prevUpper)
		}
		lower := uint64(prevUpper + 1)
		if histIndex(lower) != i || histIndex(histUpper(i)) != i {
			t.Fatalf("bucket %d [%d, %d]: index(lower)=%d index(upper)=%d", i, lower, histUpper(i), histIndex(lower), histIndex(histUpper(i)))
		}
		if lower >= 4 && float64(histUpper(i)+1) > 1.25*float64(lower) {
			t.Fatalf("bucket %d [%d, %d] is wider than 25 %%", i, lower, histUpper(i))
		}
		prevUpper = int64(histUpper(i))
	}
	if histIndex(1<<62) != histBuckets-1 {
		t.Errorf("a huge duration is not in the last bucket")
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h durationHistogram
	if h.quantile(0.5) != 0 {
		t.Fatal("empty histogram: quantile not 0")
	}
	r := rand.New(rand.NewPCG(1, 2))
	var ds []time.Duration
	for range 10000 {
		d := time.Duration(r.ExpFloat64()*200) * time.Microsecond
		ds = append(ds, d)
		h.add(d)
	}
	slices.Sort(ds)
	for _, q := range []float64{0.5, 0.9, 0.99} {
		want := ds[int(q*float64(len(ds)-1))]
		got := h.quantile(q)
		if got < want || float64(got) > 1.25*float64(want)+float64(2*time.Microsecond) {
			t.Errorf("q%.2f = %v, true %v", q, got, want)
		}
	}
}

// TestStatsMemoryAndCallTimes: Stats follows the instance's linear memory
// as the guest grows it, and times its calls.
func TestStatsMemoryAndCallTimes(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1}))
	before := p.Stats()
	if before.MemoryBytes == 0 || before.CallP50 == 0 || before.CallP99 < before.CallP50 {
		t.Fatalf("after load: %+v", before)
	}
	mustContain(t, act(t, p, "alloc", "16"), "alloc 16 MiB ok")
	after := p.Stats()
	if after.MemoryBytes < before.MemoryBytes+16<<20 {
		t.Fatalf("memory %d after hoarding 16 MiB, %d before", after.MemoryBytes, before.MemoryBytes)
	}
	if after.MemoryBytes > 256<<20 {
		t.Fatalf("memory %d over the cap", after.MemoryBytes)
	}
}
