// Command precompile compiles plugin modules into a host's disk cache the
// way a host with the default settings compiles them (rewritten with
// interrupt checks, then compiled), and marks them compiled.
//
// guestbuild runs it, built without the race detector, so that tests under
// -race load their guests from the cache: the compiler instrumented by the
// race detector is about twenty times slower, minutes for a large guest.
//
// Usage:
//
//	precompile -cache DIR FILE.wasm...   a host's cache (wasi.HostConfig.CacheDir)
//	precompile -wazero DIR [-close-on-done] FILE.wasm...
//
// The second form compiles with wazero.NewRuntimeConfigCompiler() (with
// WithCloseOnContextDone when asked) into the wazero compilation cache DIR,
// for tests that use wazero directly.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/tetratelabs/wazero"

	"github.com/tessera-ws/tessera/wasi"
)

func main() {
	cache := flag.String("cache", "", "the host's cache directory (wasi.HostConfig.CacheDir)")
	raw := flag.String("wazero", "", "a wazero compilation cache directory")
	closeOnDone := flag.Bool("close-on-done", false, "with -wazero: WithCloseOnContextDone(true)")
	flag.Parse()
	if (*cache == "") == (*raw == "") || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: precompile -cache DIR FILE.wasm... | precompile -wazero DIR [-close-on-done] FILE.wasm...")
		os.Exit(2)
	}
	var err error
	if *cache != "" {
		err = run(*cache, flag.Args())
	} else {
		err = runWazero(*raw, *closeOnDone, flag.Args())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "precompile:", err)
		os.Exit(1)
	}
}

func run(cache string, files []string) error {
	ctx := context.Background()
	h, err := wasi.NewHost(ctx, wasi.HostConfig{CacheDir: cache, Engine: wasi.EngineCompiler})
	if err != nil {
		return err
	}
	defer h.Close(ctx)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := h.Compile(ctx, b); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	// The rewritten binaries are written to the cache in the background.
	return h.WaitCompiled(ctx)
}

func runWazero(dir string, closeOnDone bool, files []string) error {
	ctx := context.Background()
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return err
	}
	defer cache.Close(ctx)
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCloseOnContextDone(closeOnDone).WithCompilationCache(cache))
	defer r.Close(ctx)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if _, err := r.CompileModule(ctx, b); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}
