package wasi

import (
	"context"
	"strings"
	"testing"
	"time"
)

func tieringHost(t *testing.T) *Host {
	t.Helper()
	h, err := NewHost(gated(context.Background()), HostConfig{Engine: EngineAuto, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}

// counterUpdate traps unless init ran (a global) and increments the first
// byte of the rendered text (memory).
var counterUpdate = []byte{
	0x23, 0, 0x45, 0x04, 0x40, 0x00, 0x0b,
	0x41, 16, 0x41, 16, 0x2d, 0, 0, 0x41, 1, 0x6a, 0x3a, 0, 0,
	0x41, 1, 0x0b,
}

func TestTieringMovesStateToCompiler(t *testing.T) {
	h := tieringHost(t)
	r := newRec()
	p, err := h.Load(ctxT(t), tinyModule([]string{"_start"}, counterUpdate, "a-frame", true), r.wire(PluginConfig{ID: 1}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctxT(t))
	if e := p.Engine(); e != EngineInterpreter {
		t.Fatalf("started on %s", e)
	}
	p.Resize(1, 10)
	for i := 0; i < 3; i++ {
		p.Update(ctxT(t), permResult())
	}
	f, _ := p.Render(ctxT(t), 1, 10)
	if string(f) != "d-frame" {
		t.Fatalf("before the move: %q", f)
	}
	close(fastGate(h))
	deadline := time.Now().Add(60 * time.Second)
	for p.Engine() != EngineCompiler {
		if time.Now().After(deadline) {
			t.Fatal("never moved to the compiler")
		}
		p.Render(ctxT(t), 1, 10) // moves happen between calls
		time.Sleep(time.Millisecond)
	}
	p.Update(ctxT(t), permResult())
	f, err = p.Render(ctxT(t), 1, 10)
	if err != nil || string(f) != "e-frame" {
		t.Fatalf("after the move: %q %v", f, err)
	}
	// A second plugin of the same module now starts on compiled code, and
	// so does the first plugin of a new host sharing the disk cache.
	h2, err := NewHost(context.Background(), HostConfig{Engine: EngineAuto, CacheDir: h.cfg.CacheDir})
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close(context.Background())
	q2, err := h2.Load(ctxT(t), tinyModule([]string{"_start"}, counterUpdate, "a-frame", true), PluginConfig{ID: 3})
	if err != nil {
		t.Fatal(err)
	}
	if e := q2.Engine(); e != EngineCompiler {
		t.Fatalf("warm start on %s", e)
	}
	q, err := h.Load(ctxT(t), tinyModule([]string{"_start"}, counterUpdate, "a-frame", true), PluginConfig{ID: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close(ctxT(t))
	if e := q.Engine(); e != EngineCompiler {
		t.Fatalf("second plugin on %s", e)
	}
}

func TestTieringGoGuestWithWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the probe guest twice")
	}
	h := tieringHost(t)
	p, err := h.Load(probeCtx(t), probeWasm(t), PluginConfig{ID: 1, Config: map[string]string{"subscribe": "10"},
		Limits: Limits{CallTimeout: 60 * time.Second, LoadTimeout: 60 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctxT(t))
	if e := p.Engine(); e != EngineInterpreter {
		t.Fatalf("started on %s", e)
	}
	act(t, p, "alloc", "2")
	act(t, p, "post", "echo:ping:before")
	waitFrame(t, p, "custom pong=before #1")
	close(fastGate(h))
	deadline := time.Now().Add(5 * time.Minute)
	for p.Engine() != EngineCompiler {
		if time.Now().After(deadline) {
			t.Fatal("never moved to the compiler")
		}
		time.Sleep(10 * time.Millisecond)
		render(t, p)
	}
	for p.Stats().Moves != 2 { // main and worker
		if time.Now().After(deadline) {
			t.Fatalf("moves: %d", p.Stats().Moves)
		}
		time.Sleep(10 * time.Millisecond)
	}
	act(t, p, "post", "echo:ping:after")
	f := waitFrame(t, p, "custom pong=after #2") // worker state carried too
	mustContain(t, f, "alloc 2 MiB ok", "custom pong=before #1", "stale=0")
	mustContain(t, act(t, p, "ids", ""), "ids plugin=1")
	if strings.Contains(f, "STALE") {
		t.Fatal(f)
	}
}

// Closing the host while a background compile runs (or waits to start)
// cancels it and waits for it, instead of closing the runtime under it
// (which panicked inside wazero).
func TestTieringCloseDuringBackgroundCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the probe guest")
	}
	wasm := probeWasm(t)
	for _, delay := range []time.Duration{0, 300 * time.Millisecond, time.Second} {
		h, err := NewHost(context.Background(), HostConfig{Engine: EngineAuto, CacheDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		p, err := h.Load(ctxT(t), wasm, PluginConfig{ID: 1,
			Limits: Limits{CallTimeout: 60 * time.Second, LoadTimeout: 60 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Render(ctxT(t), 2, 20); err != nil { // releases the background compile
			t.Fatal(err)
		}
		time.Sleep(delay)
		if err := h.Close(ctxT(t)); err != nil {
			t.Fatalf("close after %s: %v", delay, err)
		}
		if err := h.WaitCompiled(ctxT(t)); err != nil {
			t.Fatalf("background compile still running after Close: %v", err)
		}
	}
}

// Once every plugin of a tiered module runs compiled code, the
// interpreter's code is closed (and the memory of the tiering given back);
// not before, while a plugin still runs there.
func TestTieringReleasesInterpreterAfterLastMove(t *testing.T) {
	h := tieringHost(t)
	wasm := tinyModule([]string{"_start"}, counterUpdate, "a-frame", true)
	var ps []*Plugin
	for id := uint32(1); id <= 3; id++ {
		p, err := h.Load(ctxT(t), wasm, PluginConfig{ID: id})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close(ctxT(t))
		if e := p.Engine(); e != EngineInterpreter {
			t.Fatalf("plugin %d started on %s", id, e)
		}
		ps = append(ps, p)
	}
	te := ps[0].tier
	users := func() (int, bool) {
		h.mu.Lock()
		defer h.mu.Unlock()
		return te.users, te.interpClosed
	}
	if n, closed := users(); n != 3 || closed {
		t.Fatalf("users %d, closed %v; want 3, false", n, closed)
	}
	// A plugin closed on the interpreter gives its use back, and the
	// others keep running there.
	if err := ps[2].Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if n, closed := users(); n != 2 || closed {
		t.Fatalf("after a close: users %d, closed %v; want 2, false", n, closed)
	}
	if f, err := ps[1].Render(ctxT(t), 1, 10); err != nil || string(f) != "a-frame" {
		t.Fatalf("render on the interpreter: %q %v", f, err)
	}
	close(fastGate(h))
	deadline := time.Now().Add(60 * time.Second)
	for _, p := range ps[:2] {
		for p.Engine() != EngineCompiler {
			if time.Now().After(deadline) {
				t.Fatalf("plugin %d never moved to the compiler", p.ID())
			}
			time.Sleep(time.Millisecond)
		}
	}
	for h.settled.Load() != 1 {
		if time.Now().After(deadline) {
			n, closed := users()
			t.Fatalf("interpreter code not released: users %d, closed %v", n, closed)
		}
		time.Sleep(time.Millisecond)
	}
	if n, closed := users(); n != 0 || !closed {
		t.Fatalf("all moved: users %d, closed %v; want 0, true", n, closed)
	}
	for _, p := range ps[:2] {
		p.Update(ctxT(t), permResult())
		if f, err := p.Render(ctxT(t), 1, 10); err != nil || string(f) != "b-frame" {
			t.Fatalf("plugin %d after the move: %q %v", p.ID(), f, err)
		}
	}
	q, err := h.Load(ctxT(t), wasm, PluginConfig{ID: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close(ctxT(t))
	if e := q.Engine(); e != EngineCompiler {
		t.Fatalf("plugin loaded after the release on %s", e)
	}
	if f, err := q.Render(ctxT(t), 1, 10); err != nil || string(f) != "a-frame" {
		t.Fatalf("plugin loaded after the release: %q %v", f, err)
	}
}
