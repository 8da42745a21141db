// Package guestbuild compiles Go plugin sources to WebAssembly for tests and
// caches the result by content, so each guest is built once per source change
// rather than once per test.
//
// It also keeps the compilation cache that the tests of every package share
// (CacheDir), and fills it from a process built without the race detector
// (BuildCompiled): under -race, wazero's compiler is about twenty times
// slower, and a Go guest took minutes to compile in each package's tests.
//
// Everything lives under $TESSERA_TEST_CACHE when it is set, else under
// the user cache directory (tessera-testguests and tessera-test), so later
// runs reuse it. Test processes of several packages running at once take a
// file lock per guest, so each guest is built and compiled once.
package guestbuild

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"
)

var (
	mu    sync.Mutex
	built = map[string]string{}
)

// Build compiles the Go main package in dir (a path relative to the caller's
// package directory or absolute) for GOOS=wasip1 GOARCH=wasm as a reactor
// module (-buildmode=c-shared) and returns the path of the .wasm file.
//
// The output is cached under the user cache directory, keyed by a digest of
// every file under dir, every Go file of the module's sdk/ and proto/ trees,
// go.mod, go.sum and the Go version, so repeated test runs reuse it.
func Build(tb testing.TB, dir string) string {
	tb.Helper()
	p, err := BuildPath(dir)
	if err != nil {
		tb.Fatalf("build guest %s: %v", dir, err)
	}
	return p
}

// BuildPath is Build without a testing.TB, for benchmarks and tools.
func BuildPath(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	mu.Lock()
	defer mu.Unlock()
	if p, ok := built[abs]; ok {
		return p, nil
	}
	root, err := moduleRoot(abs)
	if err != nil {
		return "", err
	}
	sum, err := digest(root, abs)
	if err != nil {
		return "", err
	}
	cache, err := GuestDir()
	if err != nil {
		return "", err
	}
	out := filepath.Join(cache, filepath.Base(abs)+"-"+sum[:16]+".wasm")
	if _, err := os.Stat(out); err == nil {
		built[abs] = out
		return out, nil
	}
	// Another test process may be building the same guest: wait for it.
	unlock, err := lockFile(out + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(out); err == nil {
		built[abs] = out
		return out, nil
	}
	tmp := out + fmt.Sprintf(".tmp%d", os.Getpid())
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", tmp, ".")
	cmd.Dir = abs
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("go build: %v\n%s", err, b)
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", err
	}
	built[abs] = out
	return out, nil
}

// GuestDir is where built guests are kept ($TESSERA_TEST_CACHE, else
// tessera-testguests in the user cache directory); it creates it.
func GuestDir() (string, error) {
	base := os.Getenv("TESSERA_TEST_CACHE")
	if base == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			c = os.TempDir()
		}
		base = filepath.Join(c, "tessera-testguests")
	}
	return base, os.MkdirAll(base, 0o755)
}

func moduleRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}

// digest hashes the guest's own files plus everything a guest can import
// from this module (sdk/, proto/) and the module files.
func digest(root, dir string) (string, error) {
	var files []string
	add := func(base string, goOnly bool) error {
		if _, err := os.Stat(base); err != nil {
			return nil
		}
		return filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || (goOnly && filepath.Ext(p) != ".go") || filepath.Ext(p) == ".wasm" {
				return nil
			}
			files = append(files, p)
			return nil
		})
	}
	if err := add(dir, false); err != nil {
		return "", err
	}
	for _, sub := range []string{"sdk", "proto"} {
		if err := add(filepath.Join(root, sub), true); err != nil {
			return "", err
		}
	}
	files = append(files, filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum"))
	sort.Strings(files)
	h := sha256.New()
	fmt.Fprintln(h, runtime.Version())
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
