package wasi

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/internal/testutil/wasmgen"
)

// The data segments of a module reach each instance through the mapped
// image: the synthetic status bar renders the text of its data segment,
// before and after its image pages were given back.
func TestDataImageMapped(t *testing.T) {
	defer trimIdle.Store(trimIdle.Load())
	trimIdle.Store(int64(50 * time.Millisecond))
	wasm := wasmgen.StatusBarSized()
	h, err := NewHost(context.Background(), HostConfig{CacheDir: t.TempDir(), Engine: EngineCompiler})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(context.Background())
	var ps []*Plugin
	for i := range 2 {
		p, err := h.Load(ctxT(t), wasm, PluginConfig{ID: uint32(i + 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close(context.Background())
		ps = append(ps, p)
	}
	if ps[0].cm.image == nil {
		t.Fatal("the module was compiled with its data section: no image")
	}
	for _, p := range ps {
		if f, err := p.Render(ctxT(t), 1, 10); err != nil || string(f) != "status\n" {
			t.Fatalf("frame %q, %v", f, err)
		}
	}
	p := ps[0]
	// The data segment is 64 KiB: 16 image pages, of which render reads
	// one; load wrote the 19 pages after it.
	mem := p.main.mod.Memory()
	if got, _ := mem.Read(32, 7); string(got) != "status\n" {
		t.Fatalf("memory at 32: %q", got)
	}
	deadline := time.Now().Add(20 * time.Second)
	for p.Stats().MemoryTrimmed == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no image pages given back after the plugin went idle")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if f, err := p.Render(ctxT(t), 1, 10); err != nil || string(f) != "status\n" {
		t.Fatalf("frame after the trim %q, %v", f, err)
	}
	// A page the guest writes is its own: the other instance and the
	// image keep theirs.
	if !mem.Write(32, []byte("STATUS\n")) {
		t.Fatal("write failed")
	}
	if f, _ := p.Render(ctxT(t), 1, 10); string(f) != "STATUS\n" {
		t.Fatalf("frame after the write %q", f)
	}
	if f, _ := ps[1].Render(ctxT(t), 1, 10); string(f) != "status\n" {
		t.Fatalf("the other instance's frame %q", f)
	}
	// The written page is kept by the next trim (given back, it would read
	// the image's bytes).
	p.trimmed.Store(0)
	p.Render(ctxT(t), 1, 10)
	time.Sleep(20 * time.Duration(trimIdle.Load()))
	if got, _ := mem.Read(32, 7); !bytes.Equal(got, []byte("STATUS\n")) {
		t.Fatalf("a written image page was given back: %q", got)
	}
}
