package wasi

import (
	"bytes"
	"context"
	"errors"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

func TestLimitedMemoryGrowsInPlace(t *testing.T) {
	const page = 64 << 10
	before := liveMappings.Load()
	a := &memoryAllocator{limit: 10*page + 100}
	m := a.Allocate(2*page, 1<<32)
	b := m.Reallocate(2 * page)
	if len(b) != 2*page {
		t.Fatalf("len %d", len(b))
	}
	for i := range b {
		b[i] = byte(i)
	}
	g := m.Reallocate(10 * page)
	if len(g) != 10*page {
		t.Fatalf("len %d after growth", len(g))
	}
	if runtime.GOOS == "linux" && unsafe.SliceData(g) != unsafe.SliceData(b) {
		t.Error("memory moved on growth")
	}
	for i := range 2 * page {
		if g[i] != byte(i) {
			t.Fatalf("byte %d lost on growth", i)
		}
	}
	if !bytes.Equal(g[2*page:], make([]byte, 8*page)) {
		t.Fatal("grown pages are not zero")
	}
	if a.denied() {
		t.Fatal("denied within the limit")
	}
	if r := m.Reallocate(11 * page); r != nil {
		t.Fatalf("grew past the limit to %d bytes", len(r))
	}
	if !a.denied() {
		t.Fatal("growth past the limit not recorded")
	}
	m.Free()
	if got := liveMappings.Load(); got > before {
		t.Fatalf("%d mappings after Free, %d before", got, before)
	}
	if r := m.Reallocate(3 * page); r != nil {
		t.Fatal("reallocated after Free")
	}
}

// TestGrowingModuleMemoryCap: a module whose load grows its memory past
// Limits.MemoryBytes is refused with ErrMemoryLimit; at exactly its size it
// loads.
func TestGrowingModuleMemoryCap(t *testing.T) {
	wasm := growingModule(8)
	h := testHost(t)
	for _, tc := range []struct {
		limit uint64
		ok    bool
	}{
		{growingPages<<16 - 1, false},
		{(growingPages - 5) << 16, false},
		{growingPages << 16, true},
		{growingPages<<16 + 100, true},
	} {
		p, err := h.Load(ctxT(t), wasm, PluginConfig{ID: 1, Limits: Limits{MemoryBytes: tc.limit, CallTimeout: 30 * time.Second}})
		if !tc.ok {
			if !errors.Is(err, ErrMemoryLimit) {
				t.Errorf("limit %d: %v, want %v", tc.limit, err, ErrMemoryLimit)
			}
			continue
		}
		if err != nil {
			t.Fatalf("limit %d: %v", tc.limit, err)
		}
		if f, err := p.Render(ctxT(t), 1, 80); err != nil || string(f) != "status\n" {
			t.Errorf("limit %d: render %q, %v", tc.limit, f, err)
		}
		if got := p.main.mod.Memory().Size(); got != growingPages<<16 {
			t.Errorf("limit %d: memory %d bytes, want %d", tc.limit, got, growingPages<<16)
		}
		p.Close(context.Background())
	}
}

// TestMemoryReleasedOnClose loads and closes many plugins that grow their
// memory to 2 MiB: resident memory must not grow with their number (it
// would by 400 MiB if nothing were given back), and once the plugins are
// garbage every reserved range is unmapped.
func TestMemoryReleasedOnClose(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/statm")
	}
	wasm := growingModule(8)
	h := testHost(t)
	ctx := ctxT(t)
	load := func(i int) {
		p, err := h.Load(ctx, wasm, PluginConfig{ID: uint32(i), Limits: Limits{CallTimeout: 30 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Render(ctx, 1, 80); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 { // warm up the host's and the runtime's caches
		load(i)
	}
	// Cleanups run on their own goroutine after a collection: collect
	// until the count of mappings reaches target or 100 rounds passed.
	settle := func(target int64) int64 {
		for range 100 {
			if liveMappings.Load() <= target {
				break
			}
			runtime.GC()
			time.Sleep(time.Millisecond)
		}
		return liveMappings.Load()
	}
	base := settle(0)
	debug.FreeOSMemory()
	rss0 := rssBytes(t)
	const plugins = 200
	for i := range plugins {
		load(i)
	}
	debug.FreeOSMemory()
	grown := rssBytes(t) - rss0
	if grown > 64<<20 {
		t.Errorf("resident memory grew by %d MiB over %d closed plugins of 2 MiB", grown>>20, plugins)
	}
	if n := settle(base); n > base {
		t.Errorf("%d linear memory mappings left after closing %d plugins (%d before)", n, plugins, base)
	}
}

func rssBytes(t testing.TB) int64 {
	s, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	pages, err := strconv.ParseInt(strings.Fields(string(s))[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}
