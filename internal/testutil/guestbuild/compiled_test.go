package guestbuild

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestBuildCompiledFillsTheHostCache builds a guest into a fresh cache and
// checks that the precompile command left what a host looks for (the
// compiled marker of the module's digest) and that a second call does not
// run it again.
func TestBuildCompiledFillsTheHostCache(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and compiles a wasm guest")
	}
	t.Setenv("TESSERA_TEST_CACHE", t.TempDir())
	p, err := BuildCompiledPath("../../../wasi/testdata/guests/probe")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(CacheDir(), "compiled", "digests", fmt.Sprintf("%x", sha256.Sum256(b)))
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the host cache has no compiled marker: %v", err)
	}
	marks, err := filepath.Glob(filepath.Join(CacheDir(), "precompiled", "[0-9a-f]*"))
	if err != nil || len(marks) != 1 {
		t.Fatalf("precompiled marks %q (%v), want one", marks, err)
	}
	// A second call finds the mark: with the tool gone it would fail if
	// it ran again.
	marksDir := filepath.Join(CacheDir(), "precompiled")
	preMu.Lock()
	tools[marksDir] = filepath.Join(t.TempDir(), "missing")
	clear(preDone)
	preMu.Unlock()
	if err := Precompile(p); err != nil {
		t.Fatalf("second precompile ran again: %v", err)
	}
}

// TestPrecompileWazeroRefusesJunk shows the command's error comes back.
func TestPrecompileWazeroRefusesJunk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the precompile command")
	}
	t.Setenv("TESSERA_TEST_CACHE", t.TempDir())
	if err := PrecompileWazero([]byte("not wasm"), false); err == nil {
		t.Fatal("junk precompiled without an error")
	}
	// The smallest module compiles and lands in the wazero cache.
	if err := PrecompileWazero([]byte("\x00asm\x01\x00\x00\x00"), false); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(WazeroCacheDir())
	if err != nil || len(entries) == 0 {
		t.Fatalf("wazero cache %s empty (%v)", WazeroCacheDir(), err)
	}
}
