package wasi

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
	"github.com/tessera-ws/tessera/wasi/internal/tiering"
)

// Every binary a plugin runs has its data segments merged: the Go probe's
// tens of thousands of segments would otherwise cost each instance a slot
// per segment in wazero (0.8 MiB for the status example). Checked for the
// paths a daemon takes: the compiler and EngineAuto on a warm cache (the
// rewritten binary read from the rewrite cache), the interpreter (not
// otherwise rewritten), and EngineAuto's interpreter start and background
// compile on an empty cache.
func TestDataSegmentsMergedOnEveryPath(t *testing.T) {
	wasm := probeWasm(t)
	orig := tiering.DataSegments(wasm)
	if orig < 1000 {
		t.Fatalf("the probe has %d data segments; the test needs a Go guest's thousands", orig)
	}
	var mu sync.Mutex
	var seen []int
	see := func(_ Engine, bin []byte) {
		mu.Lock()
		seen = append(seen, tiering.DataSegments(bin))
		mu.Unlock()
	}
	compiledBinary.Store(&see)
	defer compiledBinary.Store(nil)

	for _, tc := range []struct {
		name   string
		engine Engine
		cache  string
	}{
		{"compiler warm", EngineCompiler, guestbuild.CacheDir()},
		{"auto warm", EngineAuto, guestbuild.CacheDir()},
		{"interpreter", EngineInterpreter, ""},
		{"auto cold", EngineAuto, t.TempDir()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			ctx := context.Background()
			if tc.name == "auto cold" {
				// The background compile of the Go probe takes minutes
				// under the race detector: only the interpreter's binary
				// is checked here.
				ctx = gated(ctx)
			}
			h, err := NewHost(ctx, HostConfig{CacheDir: tc.cache, Engine: tc.engine, NoDiskCache: tc.cache == ""})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close(context.Background())
			p, err := h.Load(ctxT(t), wasm, PluginConfig{ID: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(ctxT(t))
			if runtime.GOOS == "linux" && p.cm.image == nil {
				t.Error("compiled with its data section: no data image")
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) == 0 {
				t.Fatal("no binary compiled")
			}
			for _, n := range seen {
				if n < 1 || n > 20 {
					t.Fatalf("a binary with %d data segments compiled (the original has %d)", n, orig)
				}
			}
			t.Logf("data segments: %d → %v", orig, seen)
		})
	}
}
