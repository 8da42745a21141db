package guestbuild

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// CacheDir is the host compilation cache (wasi.HostConfig.CacheDir) that
// the tests of every package share: $TESSERA_TEST_CACHE/host when that is
// set, else tessera-test under the user cache directory. Tests that are
// about a cold cache use a temporary directory instead.
func CacheDir() string {
	if base := os.Getenv("TESSERA_TEST_CACHE"); base != "" {
		return filepath.Join(base, "host")
	}
	c, err := os.UserCacheDir()
	if err != nil {
		c = os.TempDir()
	}
	return filepath.Join(c, "tessera-test")
}

// BuildCompiled is Build, then the guest compiled into CacheDir by
// Precompile, so a host on CacheDir (engine auto or compiler, default
// deadlines) loads it from the disk cache.
func BuildCompiled(tb testing.TB, dir string) string {
	tb.Helper()
	p, err := BuildCompiledPath(dir)
	if err != nil {
		tb.Fatalf("build guest %s: %v", dir, err)
	}
	return p
}

// BuildCompiledPath is BuildCompiled without a testing.TB.
func BuildCompiledPath(dir string) (string, error) {
	p, err := BuildPath(dir)
	if err != nil {
		return "", err
	}
	if err := Precompile(p); err != nil {
		return "", err
	}
	return p, nil
}

var (
	preMu   sync.Mutex
	preDone = map[string]bool{}
	tools   = map[string]string{} // the precompile command per cache, built once per process
)

// Precompile compiles the module at wasmPath into CacheDir the way a host
// with the default settings would, in a process built without the race
// detector (the command under ./precompile), once per module and cache:
// a marker file records it, and a file lock, one for all modules, keeps
// test processes that start together from compiling the same module twice
// (and the two cores from compiling two at once).
func Precompile(wasmPath string) error {
	b, err := os.ReadFile(wasmPath)
	if err != nil {
		return err
	}
	cache := CacheDir()
	return precompile(b, wasmPath, "host", "-cache", cache)
}

// WazeroCacheDir is the wazero compilation cache directory (for
// wazero.NewCompilationCacheWithDir) of the tests that use wazero's
// compiler directly, filled by PrecompileWazero.
func WazeroCacheDir() string { return filepath.Join(CacheDir(), "wazero") }

// PrecompileWazero compiles wasm into WazeroCacheDir with wazero's compiler
// configured as wazero.NewRuntimeConfigCompiler() with
// WithCloseOnContextDone(closeOnDone) and nothing else, in a process built
// without the race detector, once per module and configuration (see
// Precompile). A test whose runtime has that configuration and that cache
// then loads the module instead of compiling it.
func PrecompileWazero(wasm []byte, closeOnDone bool) error {
	kind := fmt.Sprintf("wazero-close=%v", closeOnDone)
	return precompile(wasm, "", kind, "-wazero", WazeroCacheDir(), fmt.Sprintf("-close-on-done=%v", closeOnDone))
}

// hostCompileFormat names what the host compiles for a module (the
// binary given to wazero). Change it when that changes, so that the
// shared cache is filled again: 2, the data section moved out of the
// binary into a mapped image (wasi.dataImage).
const hostCompileFormat = "2"

// precompile runs the precompile command with args on wasm (read from
// wasmPath, or written to a temporary file when wasmPath is empty) unless
// the marker of kind and wasm says it ran.
func precompile(wasm []byte, wasmPath, kind string, args ...string) error {
	// The marker's name covers what the compiled code depends on besides
	// the module: the Go version and the module's dependencies (wazero).
	root, err := workRoot()
	if err != nil {
		return err
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		return err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", runtime.Version(), kind, hostCompileFormat)
	h.Write(gosum)
	h.Write(wasm)
	sum := hex.EncodeToString(h.Sum(nil))
	cache := CacheDir()
	key := cache + "\x00" + sum
	preMu.Lock()
	defer preMu.Unlock()
	if preDone[key] {
		return nil
	}
	marks := filepath.Join(cache, "precompiled")
	if err := os.MkdirAll(marks, 0o755); err != nil {
		return err
	}
	mark := filepath.Join(marks, sum)
	if _, err := os.Stat(mark); err == nil {
		preDone[key] = true
		return nil
	}
	unlock, err := lockFile(filepath.Join(marks, "lock"))
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := os.Stat(mark); err == nil {
		preDone[key] = true
		return nil
	}
	tool := tools[marks]
	if tool == "" {
		if tool, err = buildTool(root, marks); err != nil {
			return err
		}
		tools[marks] = tool
	}
	if wasmPath == "" {
		f, err := os.CreateTemp("", "tessera-precompile-*.wasm")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		_, err = f.Write(wasm)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		wasmPath = f.Name()
	}
	cmd := exec.Command(tool, append(args, wasmPath)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("precompile %s: %v\n%s", wasmPath, err, out)
	}
	f, err := os.Create(mark)
	if err != nil {
		return err
	}
	preDone[key] = true
	return f.Close()
}

// buildTool builds the precompile command (no -race: go test's flags are
// not in the environment) beside the marks, once per process and under
// the lock, so no other process runs it while it is replaced.
func buildTool(root, dir string) (string, error) {
	src := filepath.Join(root, "internal", "testutil", "guestbuild", "precompile")
	out := filepath.Join(dir, "precompile")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = src
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the precompile command: %v\n%s", err, b)
	}
	return out, nil
}

// workRoot is the module root above the working directory (a test runs
// in its package's directory).
func workRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return moduleRoot(wd)
}
