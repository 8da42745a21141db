//go:build unix

package sandboxfs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
)

// guestRuntime is one compiler runtime with the escape guest compiled once
// for every test of this file.
type guestRuntime struct {
	rt  wazero.Runtime
	mod wazero.CompiledModule
}

var (
	guestOnce sync.Once
	guest     guestRuntime
	guestErr  error
)

func escapeGuest(t testing.TB) guestRuntime {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and compiles a wasm guest")
	}
	wasmPath := guestbuild.Build(t, "testdata/guests/escape")
	guestOnce.Do(func() {
		ctx := context.Background()
		bin, err := os.ReadFile(wasmPath)
		if err != nil {
			guestErr = err
			return
		}
		// Compiling the guest takes seconds, and minutes under -race: it
		// is compiled without the race detector into the tests' shared
		// cache, and loaded from there.
		if err := guestbuild.PrecompileWazero(bin, false); err != nil {
			guestErr = err
			return
		}
		rcfg := wazero.NewRuntimeConfigCompiler()
		if cache, err := wazero.NewCompilationCacheWithDir(guestbuild.WazeroCacheDir()); err == nil {
			rcfg = rcfg.WithCompilationCache(cache)
		}
		rt := wazero.NewRuntimeWithConfig(ctx, rcfg)
		wasi_snapshot_preview1.MustInstantiate(ctx, rt)
		mod, err := rt.CompileModule(ctx, bin)
		if err != nil {
			guestErr = err
			return
		}
		guest = guestRuntime{rt: rt, mod: mod}
	})
	if guestErr != nil {
		t.Fatal(guestErr)
	}
	return guest
}

type result struct {
	ok     bool
	detail string
}

// instantiate runs the guest's _initialize with fsCfg and returns a function
// that calls an export and parses the lines it printed.
func instantiate(t *testing.T, fsCfg wazero.FSConfig, env map[string]string) func(string) map[string]result {
	t.Helper()
	g := escapeGuest(t)
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithStdout(&stdout).
		WithStderr(&stderr).
		WithFSConfig(fsCfg).
		WithStartFunctions("_initialize")
	for k, v := range env {
		cfg = cfg.WithEnv(k, v)
	}
	mod, err := g.rt.InstantiateModule(ctx, g.mod, cfg)
	if err != nil {
		t.Fatalf("instantiate: %v\n%s", err, stderr.String())
	}
	t.Cleanup(func() { mod.Close(ctx) })
	return func(export string) map[string]result {
		t.Helper()
		stdout.Reset()
		if _, err := mod.ExportedFunction(export).Call(ctx); err != nil {
			t.Fatalf("call %s: %v\nstderr: %s", export, err, stderr.String())
		}
		res := map[string]result{}
		for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
			parts := strings.SplitN(line, "\t", 3)
			if len(parts) != 3 {
				t.Fatalf("bad guest line %q", line)
			}
			res[parts[0]] = result{ok: parts[1] == "ok", detail: parts[2]}
		}
		t.Logf("%s:\n%s", export, stdout.String())
		return res
	}
}

func mountConfig(host, data *FS) wazero.FSConfig {
	cfg := wazero.NewFSConfig().(sysfs.FSConfig).WithSysFSMount(host, "/host")
	return cfg.(sysfs.FSConfig).WithSysFSMount(data, "/data")
}

// TestGuestEscapes runs the hostile guest against a read-write /host and a
// read-only /data and checks the guest's report and the host filesystem.
func TestGuestEscapes(t *testing.T) {
	hostDir, outside := layout(t)
	dataDir, _ := layout(t)
	beforeOutside := snapshot(t, outside)
	beforeData := snapshot(t, dataDir)
	hostFS := newFS(t, hostDir, false)
	dataFS := newFS(t, dataDir, true)

	call := instantiate(t, mountConfig(hostFS, dataFS), map[string]string{"OUTSIDE": outside})
	res := call("run")

	mustOK := map[string]string{
		"read-inside":   `"hello"`,
		"read-inlink":   `"inner"`,
		"read-data":     `"hello"`,
		"symlink-down":  "",
		"read-via-down": `"inner"`,
		"write-host":    "",
		"mkdir-host":    "",
		"ro-read-after": `"hello"`,
		// Go's os.Chmod on wasip1 only stats the file (WASI has no chmod);
		// the host snapshot below proves nothing changed.
		"ro-chmod":  "",
		"list-host": `"absdir:L---------,absfile:L---------,chain1:L---------,chain2:L---------,dangabs:L---------,dangrel:L---------,deep:L---------,empty:d---------,file.txt:----------,inlink:L---------,loop1:L---------,loop2:L---------,rel:L---------,reldir:L---------,sub:d---------,subup:L---------"`,
	}
	for name, r := range res {
		if want, ok := mustOK[name]; ok {
			if !r.ok || (want != "" && r.detail != want) {
				t.Errorf("%s: got ok=%v %s, want ok %s", name, r.ok, r.detail, want)
			}
			continue
		}
		if r.ok {
			t.Errorf("%s: succeeded (%s), want an error", name, r.detail)
		}
		if strings.Contains(r.detail, secret) || strings.Contains(r.detail, "root:") {
			t.Errorf("%s: leaked %s", name, r.detail)
		}
	}
	for name := range mustOK {
		if _, ok := res[name]; !ok {
			t.Errorf("guest did not report %s", name)
		}
	}
	if len(res) != 60 {
		t.Errorf("guest reported %d attempts, want 60", len(res))
	}
	// Read-only failures say so (a rename across mounts is refused by Go's
	// runtime before it reaches the host).
	for name, r := range res {
		if strings.HasPrefix(name, "ro-") && !r.ok && name != "ro-rename-cross" &&
			!strings.Contains(strings.ToLower(r.detail), "read-only file system") {
			t.Errorf("%s: %s, want a read-only file system error", name, r.detail)
		}
	}

	// The host itself: nothing outside changed, /data unchanged, /host has
	// exactly the allowed additions and no link the guest made escapes.
	if got := snapshot(t, outside); got != beforeOutside {
		t.Errorf("outside changed:\nbefore:\n%s\nafter:\n%s", beforeOutside, got)
	}
	if got := snapshot(t, dataDir); got != beforeData {
		t.Errorf("read-only mount changed:\nbefore:\n%s\nafter:\n%s", beforeData, got)
	}
	if b, err := os.ReadFile(filepath.Join(hostDir, "created.txt")); err != nil || string(b) != "made by guest" {
		t.Errorf("created.txt: %q %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(hostDir, "file.txt")); err != nil || string(b) != "hello" {
		t.Errorf("file.txt: %q %v", b, err)
	}
	for _, name := range []string{"slash", "out", "up", "out2", "out3", "stolen", "stolen2", "stolen-raw", "x"} {
		if _, err := os.Lstat(filepath.Join(hostDir, name)); err == nil {
			t.Errorf("%s exists in /host", name)
		}
	}
	for _, name := range []string{"x", "moved-raw"} {
		if _, err := os.Lstat(filepath.Join(filepath.Dir(hostDir), name)); err == nil {
			t.Errorf("%s exists next to the root", name)
		}
	}
	if dst, err := os.Readlink(filepath.Join(hostDir, "down")); err != nil || dst != "sub/inner.txt" {
		t.Errorf("down -> %q %v", dst, err)
	}

	call("release")
	if n := hostFS.OpenFiles(); n != 0 {
		t.Errorf("host OpenFiles after run = %d", n)
	}
	if n := dataFS.OpenFiles(); n != 0 {
		t.Errorf("data OpenFiles after run = %d", n)
	}
}

// TestGuestSetRoot switches the /host root while the guest holds a file
// open: the held file still reads the old directory, new opens and the
// listing see the new one, and OpenFiles follows the guest's handles.
func TestGuestSetRoot(t *testing.T) {
	a, _ := layout(t)
	b := t.TempDir()
	os.WriteFile(filepath.Join(b, "file.txt"), []byte("from B"), 0o644)
	os.WriteFile(filepath.Join(b, "only-b"), nil, 0o644)
	hostFS := newFS(t, a, false)
	dataFS := newFS(t, t.TempDir(), true)
	call := instantiate(t, mountConfig(hostFS, dataFS), nil)

	if r := call("hold")["hold"]; !r.ok {
		t.Fatalf("hold: %s", r.detail)
	}
	if n := hostFS.OpenFiles(); n != 1 {
		t.Errorf("OpenFiles while the guest holds one file = %d", n)
	}
	if err := hostFS.SetRoot(b); err != nil {
		t.Fatal(err)
	}
	if r := call("readheld")["readheld"]; !r.ok || r.detail != `"hello"` {
		t.Errorf("held file after SetRoot: %+v", r)
	}
	res := call("readnew")
	if r := res["readnew"]; !r.ok || r.detail != `"from B"` {
		t.Errorf("new open after SetRoot: %+v", r)
	}
	if r := res["listnew"]; !r.ok || r.detail != `"file.txt,only-b"` {
		t.Errorf("listing after SetRoot: %+v", r)
	}
	if n := hostFS.OpenFiles(); n != 1 {
		t.Errorf("OpenFiles after readnew = %d", n)
	}
	call("release")
	if n := hostFS.OpenFiles(); n != 0 {
		t.Errorf("OpenFiles after release = %d", n)
	}
}

// TestPlainDirMountLeaks shows why this package exists: wazero's own
// directory mount follows a symlink planted in the directory to a file
// outside it.
func TestPlainDirMountLeaks(t *testing.T) {
	hostDir, _ := layout(t)
	dataDir := t.TempDir()
	cfg := wazero.NewFSConfig().WithDirMount(hostDir, "/host").WithReadOnlyDirMount(dataDir, "/data")
	res := instantiate(t, cfg, nil)("probe")
	// The same probe through sandboxfs reads nothing.
	hostFS := newFS(t, hostDir, false)
	dataFS := newFS(t, dataDir, true)
	for name, r := range instantiate(t, mountConfig(hostFS, dataFS), nil)("probe") {
		if r.ok || strings.Contains(r.detail, secret) {
			t.Errorf("sandboxfs: %s: %+v", name, r)
		}
	}

	leaked := 0
	for name, r := range res {
		if r.ok && strings.Contains(r.detail, secret) {
			leaked++
			t.Logf("plain wazero dir mount: %s read %s from outside the mount", name, r.detail)
		}
	}
	if leaked == 0 {
		t.Skip("the plain wazero directory mount did not leak through planted symlinks here")
	}
}
