package wasi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/wasi/internal/tiering"
)

// TestRewriteCacheCorruption checks that a damaged rewrite cache entry is
// detected and replaced: the plugin must run the code of its own module,
// never bytes from the cache that do not match it.
func TestRewriteCacheCorruption(t *testing.T) {
	wasm := tinyModule([]string{"_start"}, returnOne, "a-frame", true)
	other := tinyModule([]string{"_start"}, returnOne, "o-frame", true)
	sum := sha256.Sum256(wasm)
	opt := tiering.Options{Interrupt: true}

	entry := func(t *testing.T, dir string, mod []byte) (string, []byte) {
		h, err := NewHost(context.Background(), HostConfig{CacheDir: dir, Engine: EngineCompiler})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close(context.Background())
		if err := h.Compile(ctxT(t), mod); err != nil {
			t.Fatal(err)
		}
		if err := h.WaitCompiled(ctxT(t)); err != nil { // the entry is written in the background
			t.Fatal(err)
		}
		path := h.rewritePath(sha256.Sum256(mod), opt)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("no rewrite cache entry: %v", err)
		}
		return path, data
	}
	frame := func(t *testing.T, dir string, tiered bool) string {
		cfg := HostConfig{CacheDir: dir, Engine: EngineCompiler}
		ctx := context.Background()
		if tiered {
			cfg.Engine = EngineAuto
			ctx = gated(ctx) // stay on the interpreter for now
		}
		h, err := NewHost(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close(context.Background())
		p, err := h.Load(ctxT(t), wasm, PluginConfig{ID: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close(ctxT(t))
		if want := map[bool]Engine{false: EngineCompiler, true: EngineInterpreter}[tiered]; p.Engine() != want {
			t.Fatalf("runs on %s, want %s", p.Engine(), want)
		}
		f, err := p.Render(ctxT(t), 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if tiered {
			// The compiler compiles the binary with the interrupt flag
			// (the damaged entry's); the moved plugin must run the
			// module's own code.
			close(fastGate(h))
			if err := h.WaitCompiled(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			for i := 0; p.Engine() != EngineCompiler; i++ {
				if i > 1000 {
					t.Fatal("never moved to the compiler")
				}
				time.Sleep(time.Millisecond)
				p.Render(ctxT(t), 1, 10)
			}
			if g, err := p.Render(ctxT(t), 1, 10); err != nil || string(g) != string(f) {
				t.Fatalf("after the move: %q, %v; before: %q", g, err, f)
			}
		}
		if err := h.WaitCompiled(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		return string(f)
	}

	_, good := entry(t, t.TempDir(), wasm)
	if _, _, err := decodeRewrite(good, sum, opt); err != nil {
		t.Fatalf("fresh entry rejected: %v", err)
	}
	at := bytes.Index(good, []byte("a-frame"))
	if at < 0 {
		t.Fatal("data segment not found in the entry")
	}
	_, foreign := entry(t, t.TempDir(), other)

	for _, tc := range []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"flipped-data-byte", func(b []byte) []byte { b[at] = 'z'; return b }},
		{"flipped-checksum", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }},
		{"truncated-half", func(b []byte) []byte { return b[:len(b)/2] }},
		{"truncated-checksum", func(b []byte) []byte { return b[:len(b)-1] }},
		{"truncated-header", func(b []byte) []byte { return b[:20] }},
		{"empty", func([]byte) []byte { return nil }},
		{"trailing-garbage", func(b []byte) []byte { return append(b, 0) }},
		{"other-module", func([]byte) []byte { return append([]byte(nil), foreign...) }},
		{"other-version", func(b []byte) []byte {
			b[7] = 99
			c := sha256.Sum256(b[:len(b)-32])
			copy(b[len(b)-32:], c[:])
			return b
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := tc.damage(append([]byte(nil), good...))
			if _, _, err := decodeRewrite(bad, sum, opt); err == nil {
				t.Fatal("damaged entry accepted")
			}
			for _, tiered := range []bool{false, true} {
				dir := t.TempDir()
				path, _ := entry(t, dir, wasm)
				if err := os.WriteFile(path, bad, 0o600); err != nil {
					t.Fatal(err)
				}
				if tiered { // no "compiled before" marker: start on the interpreter
					if err := os.Remove(filepath.Join(dir, "compiled", "digests", fmt.Sprintf("%x", sum))); err != nil {
						t.Fatal(err)
					}
				}
				if f := frame(t, dir, tiered); f != "a-frame" {
					t.Fatalf("tiered=%v: frame %q, want a-frame", tiered, f)
				}
				fixed, err := os.ReadFile(path)
				if err != nil || !bytes.Equal(fixed, good) {
					t.Fatalf("tiered=%v: entry not rewritten (err %v)", tiered, err)
				}
			}
		})
	}
	// Every truncation of a good entry is rejected.
	for n := 0; n < len(good); n += 1 + n/64 {
		if _, _, err := decodeRewrite(good[:n], sum, opt); err == nil {
			t.Fatalf("entry truncated to %d of %d bytes accepted", n, len(good))
		}
	}
}

// TestRewriteCacheUsed checks that a second host takes the rewritten binary
// from the cache (an entry whose binary was replaced by another valid
// module, with a consistent checksum, is what the host then runs).
func TestRewriteCacheUsed(t *testing.T) {
	dir := t.TempDir()
	wasm := tinyModule([]string{"_start"}, returnOne, "a-frame", true)
	sum := sha256.Sum256(wasm)
	opt := tiering.Options{Interrupt: true}
	h, err := NewHost(context.Background(), HostConfig{CacheDir: dir, Engine: EngineCompiler})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Compile(ctxT(t), wasm); err != nil {
		t.Fatal(err)
	}
	if err := h.WaitCompiled(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	path := h.rewritePath(sum, opt)
	h.Close(context.Background())
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bin, info, err := decodeRewrite(data, sum, opt)
	if err != nil {
		t.Fatal(err)
	}
	bin = bytes.Replace(bin, []byte("a-frame"), []byte("c-frame"), 1)
	forged, err := encodeRewrite(bin, info, sum, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, forged, 0o600); err != nil {
		t.Fatal(err)
	}
	h2, err := NewHost(context.Background(), HostConfig{CacheDir: dir, Engine: EngineCompiler})
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close(context.Background())
	p, err := h2.Load(ctxT(t), wasm, PluginConfig{ID: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctxT(t))
	if f, _ := p.Render(ctxT(t), 1, 10); string(f) != "c-frame" {
		t.Fatalf("frame %q: the cache entry was not used", f)
	}
}
