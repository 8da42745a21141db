// Package rustguest builds the Rust test plugin under guest/: a plugin with
// the shape of one built with Zellij's Rust SDK (a WASI command module
// whose _start runs main once, buffered stdin read a line at a time,
// line-buffered stdout, a panic hook that reports the crash and then traps)
// written in plain Rust without crates, so that Debian's rustc and its
// wasm32-wasi standard library (`make deps`) are enough to build it.
//
// The module is built once per source and compiler: it is cached by a
// digest of the sources, the compiler's version and the flags, next to the
// Go guests of guestbuild ($TESSERA_TEST_CACHE, else tessera-testguests
// under the user cache directory), and compiled into the shared host
// compilation cache (guestbuild.Precompile).
package rustguest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
)

// ErrNoToolchain is returned by BuildPath when no rustc with a wasm32-wasi
// standard library is installed.
var ErrNoToolchain = errors.New("no rustc with the wasm32-wasi standard library " +
	"(install it with `make deps`, i.e. apt-get install rustc libstd-rust-dev-wasm32, " +
	"or point TESSERA_RUSTC at such a rustc)")

// Toolchain is a rustc and the WebAssembly target it builds for.
type Toolchain struct {
	Rustc  string // path of the compiler
	Target string // wasm32-wasi (older releases) or wasm32-wasip1
	// Std is the target's standard library (libstd-HASH.rlib): its name
	// and size identify the compiler release in the cache key.
	Std string
}

var (
	mu       sync.Mutex
	builtAt  string
	buildErr error
)

// Build returns the path of the built guest; it skips the test when the
// toolchain is missing and fails it when the build fails.
func Build(tb testing.TB) string {
	tb.Helper()
	p, err := BuildPath()
	if errors.Is(err, ErrNoToolchain) {
		tb.Skipf("Rust guest not built: %v", err)
	}
	if err != nil {
		tb.Fatalf("build the Rust guest: %v", err)
	}
	return p
}

// BuildPath is Build without a testing.TB: the path of the built and
// precompiled guest, or ErrNoToolchain.
func BuildPath() (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if builtAt != "" || buildErr != nil {
		return builtAt, buildErr
	}
	builtAt, buildErr = build()
	if buildErr != nil {
		builtAt = ""
	}
	return builtAt, buildErr
}

// SourceDir is the directory of the guest's Rust sources.
func SourceDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "guest")
}

func build() (string, error) {
	tc, err := FindToolchain()
	if err != nil {
		return "", err
	}
	src := SourceDir()
	// The input is named relative to src, so panic locations read
	// main.rs:LINE:COL wherever the checkout is.
	flags := []string{"--target", tc.Target, "--edition", "2021", "-O", "-C", "strip=debuginfo", "--crate-type", "bin", "main.rs"}
	sum, err := digest(tc, src, flags)
	if err != nil {
		return "", err
	}
	dir, err := guestbuild.GuestDir()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "rustguest-"+sum[:16]+".wasm")
	if _, err := os.Stat(out); err != nil {
		// Concurrent test processes may build it too: each writes its own
		// file and renames it into place, so a reader never sees half a
		// module.
		tmp := fmt.Sprintf("%s.tmp%d", out, os.Getpid())
		cmd := exec.Command(tc.Rustc, append(flags, "-o", tmp)...)
		cmd.Dir = src
		if b, err := cmd.CombinedOutput(); err != nil {
			os.Remove(tmp)
			return "", fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, b)
		}
		if err := os.Rename(tmp, out); err != nil {
			return "", err
		}
	}
	if err := guestbuild.Precompile(out); err != nil {
		return "", fmt.Errorf("precompile %s: %w", out, err)
	}
	return out, nil
}

// FindToolchain looks for a rustc whose sysroot has a wasm32 WASI
// standard library: $TESSERA_RUSTC alone when set, else rustc on the PATH
// and then Debian's /usr/bin/rustc (a rustup rustc on the PATH often lacks
// the target).
func FindToolchain() (Toolchain, error) {
	var cands []string
	if r := os.Getenv("TESSERA_RUSTC"); r != "" {
		cands = []string{r}
	} else {
		if p, err := exec.LookPath("rustc"); err == nil {
			cands = append(cands, p)
		}
		cands = append(cands, "/usr/bin/rustc")
	}
	seen := map[string]bool{}
	for _, rc := range cands {
		if seen[rc] {
			continue
		}
		seen[rc] = true
		// One run per compiler: the targets' libraries are looked up in
		// its sysroot.
		b, err := exec.Command(rc, "--print", "sysroot").Output()
		if err != nil {
			continue
		}
		sysroot := strings.TrimSpace(string(b))
		for _, target := range []string{"wasm32-wasi", "wasm32-wasip1"} {
			libs, _ := filepath.Glob(filepath.Join(sysroot, "lib", "rustlib", target, "lib", "libstd-*.rlib"))
			if len(libs) > 0 {
				return Toolchain{Rustc: rc, Target: target, Std: libs[0]}, nil
			}
		}
	}
	return Toolchain{}, ErrNoToolchain
}

// digest covers the compiler (its path and its standard library's name
// and size: cheaper than running rustc -vV), the flags and every source
// file.
func digest(tc Toolchain, src string, flags []string) (string, error) {
	std, err := os.Stat(tc.Std)
	if err != nil {
		return "", err
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		return "", err
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && filepath.Ext(e.Name()) == ".rs" {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%s\x00", tc.Rustc, filepath.Base(tc.Std), std.Size(), strings.Join(flags, " "))
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(src, n))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
