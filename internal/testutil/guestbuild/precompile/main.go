// Command precompile compiles plugin modules into a host's disk cache the
// way a host with the default settings compiles them (rewritten with
// interrupt checks, then compiled), and marks them compiled.
//
// guestbuild runs it, built without the race detector, so that tests under
// -race load their guests from the cache: the compiler instrumented by the
// race detector is about twenty times slower, minutes for a large guest.
//
// Usage: precompile -cache DIR FILE.wasm...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/tessera-ws/tessera/wasi"
)

func main() {
	cache := flag.String("cache", "", "the host's cache directory (wasi.HostConfig.CacheDir)")
	flag.Parse()
	if *cache == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: precompile -cache DIR FILE.wasm...")
		os.Exit(2)
	}
	if err := run(*cache, flag.Args()); err != nil {
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
