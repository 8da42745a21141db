package wasi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a log sink safe for the host's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// spinModule is a plugin whose update never returns (loop { br 0 }).
func spinModule() []byte {
	spin := []byte{0x03, 0x40, 0x0c, 0x00, 0x0b, 0x41, 1, 0x0b}
	return tinyModule([]string{"_start"}, spin, "frame", true)
}

// expectTimeout runs the spinning update and wants ErrCallTimeout.
func expectTimeout(t *testing.T, p *Plugin) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := p.Update(context.Background(), permResult())
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrCallTimeout) {
			t.Fatalf("update of a runaway loop: %v, want ErrCallTimeout", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the deadline did not stop the runaway loop")
	}
}

// brokenRewrites makes every binary rewritten with interrupt checks fail
// to compile (cut short) for the rest of the test.
func brokenRewrites(t *testing.T) {
	breakRewrite = func(b []byte) []byte { return b[:len(b)-3] }
	t.Cleanup(func() { breakRewrite = nil })
}

// TestRewriteCompileFailureFallsBack: when the module rewritten with
// interrupt checks does not compile, the original is loaded on the engine
// with wazero's context deadlines, a warning names the module and the
// error, and deadlines still stop a runaway call.
func TestRewriteCompileFailureFallsBack(t *testing.T) {
	brokenRewrites(t)
	var log lockedBuffer
	h, err := NewHost(context.Background(), HostConfig{Engine: EngineCompiler, CacheDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(context.Background())
	wasm := spinModule()
	p, err := h.Load(ctxT(t), wasm, PluginConfig{ID: 1, Limits: Limits{CallTimeout: 200 * time.Millisecond}})
	if err != nil {
		t.Fatalf("load with a broken rewrite: %v", err)
	}
	defer p.Close(context.Background())
	if p.cm.eng != h.safe || p.cm.tinfo != nil {
		t.Fatalf("loaded on %p with rewrite info %v, want the context-deadline engine %p and the original module", p.cm.eng, p.cm.tinfo, h.safe)
	}
	if f, err := p.Render(ctxT(t), 1, 10); err != nil || string(f) != "frame" {
		t.Fatalf("render %q, %v", f, err)
	}
	out := log.String()
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "does not compile") ||
		!strings.Contains(out, fmt.Sprintf("%x", sha256.Sum256(wasm))) || !strings.Contains(out, "err=") {
		t.Fatalf("no warning with the module digest and error; log:\n%s", out)
	}
	expectTimeout(t, p)
}

// TestRewriteCompileFailureFallsBackTiered: the same on the tiered path:
// the plugin starts on the interpreter and moves to compiled code of the
// interpreter's binary under context deadlines.
func TestRewriteCompileFailureFallsBackTiered(t *testing.T) {
	brokenRewrites(t)
	var log lockedBuffer
	h, err := NewHost(gated(context.Background()), HostConfig{Engine: EngineAuto, CacheDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(context.Background())
	p, err := h.Load(ctxT(t), spinModule(), PluginConfig{ID: 1, Limits: Limits{CallTimeout: 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	if e := p.Engine(); e != EngineInterpreter {
		t.Fatalf("started on %s", e)
	}
	if _, err := p.Render(ctxT(t), 1, 10); err != nil {
		t.Fatal(err)
	}
	close(fastGate(h))
	for i := 0; p.Engine() != EngineCompiler; i++ {
		if i > 60000 {
			t.Fatalf("never moved to the compiler; log:\n%s", log.String())
		}
		time.Sleep(time.Millisecond)
	}
	if out := log.String(); !strings.Contains(out, "does not compile") {
		t.Fatalf("no warning; log:\n%s", out)
	}
	expectTimeout(t, p)
}

// TestNoRewrite: HostConfig.NoRewrite loads modules unchanged (nothing
// rewritten, no tiering even when asked) and deadlines still hold.
func TestNoRewrite(t *testing.T) {
	dir := t.TempDir()
	h, err := NewHost(context.Background(), HostConfig{NoRewrite: true, Engine: EngineAuto, CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(context.Background())
	if h.interp != nil || h.safe != nil {
		t.Fatal("NoRewrite host has an interpreter tier or a second compiler")
	}
	p, err := h.Load(ctxT(t), spinModule(), PluginConfig{ID: 1, Limits: Limits{CallTimeout: 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	if p.Engine() != EngineCompiler || p.cm.tinfo != nil {
		t.Fatalf("engine %s, rewrite info %v", p.Engine(), p.cm.tinfo)
	}
	if err := h.WaitCompiled(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if ents, err := os.ReadDir(h.rewrites); err != nil || len(ents) != 0 {
		t.Fatalf("rewrite cache holds %d entries (%v): a module was rewritten", len(ents), err)
	}
	expectTimeout(t, p)
}
