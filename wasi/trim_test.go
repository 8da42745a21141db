package wasi

import (
	"context"
	"testing"
	"time"
)

// An idle plugin's resident pages of zeros are given back once, and its
// state survives it.
func TestIdlePluginGivesZeroPagesBack(t *testing.T) {
	defer trimIdle.Store(trimIdle.Load())
	trimIdle.Store(int64(50 * time.Millisecond))
	p := loadProbe(t, PluginConfig{ID: 1})
	mustContain(t, act(t, p, "log", "before-trim"), "log before-trim")
	deadline := time.Now().Add(20 * time.Second)
	for p.Stats().MemoryTrimmed == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no zero pages given back after the plugin went idle")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// No call since: no second scan.
	first := p.Stats().MemoryTrimmed
	time.Sleep(10 * time.Duration(trimIdle.Load()))
	if got := p.Stats().MemoryTrimmed; got != first {
		t.Fatalf("trimmed again without a call: %d → %d bytes", first, got)
	}
	t.Logf("%d KiB given back", first>>10)
	// The guest's heap and data are intact: earlier lines are still there
	// and it still allocates.
	mustContain(t, act(t, p, "log", "after-trim"), "log before-trim", "log after-trim")
	mustContain(t, act(t, p, "alloc", "2"), "alloc 2 MiB ok")
}

// The Go heap's free pages go back to the system after a burst of loads.
func TestLoadsSettleFreesMemory(t *testing.T) {
	defer loadSettle.Store(loadSettle.Load())
	loadSettle.Store(int64(20 * time.Millisecond))
	h := testHost(t)
	before := h.freedOS.Load()
	var ps []*Plugin
	for i := range 3 {
		p, err := h.Load(probeCtx(t), probeWasm(t), PluginConfig{ID: uint32(100 + i)})
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	defer func() {
		for _, p := range ps {
			p.Close(context.Background())
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for h.freedOS.Load() == before {
		if time.Now().After(deadline) {
			t.Fatal("memory not given back after the loads")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
