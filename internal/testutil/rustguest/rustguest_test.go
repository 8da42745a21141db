package rustguest

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/tetratelabs/wazero"
)

// The built module has the shape of a zellij-tile plugin: a WASI command
// module (_start, no _initialize) with the plugin exports, importing the
// one zellij host function and the WASI calls Rust's std makes.
func TestModuleShape(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm guest")
	}
	p := Build(t)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	m, err := r.CompileModule(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	exports := m.ExportedFunctions()
	for _, name := range []string{"_start", "load", "update", "pipe", "render", "plugin_version"} {
		if exports[name] == nil {
			t.Errorf("no export %s", name)
		}
	}
	if exports["_initialize"] != nil {
		t.Errorf("exports _initialize: a reactor, not a command module")
	}
	if f := exports["update"]; f != nil && len(f.ResultTypes()) != 1 {
		t.Errorf("update returns %v", f.ResultTypes())
	}
	var imports []string
	for _, f := range m.ImportedFunctions() {
		mod, name, _ := f.Import()
		imports = append(imports, mod+"."+name)
	}
	for _, want := range []string{"zellij.host_run_plugin_command", "wasi_snapshot_preview1.fd_read",
		"wasi_snapshot_preview1.fd_write", "wasi_snapshot_preview1.proc_exit", "wasi_snapshot_preview1.random_get",
		"wasi_snapshot_preview1.environ_get", "wasi_snapshot_preview1.clock_time_get"} {
		if !slices.Contains(imports, want) {
			t.Errorf("does not import %s (imports %v)", want, imports)
		}
	}
}

// The build is cached by content: a second build reuses the file.
func TestBuildCached(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm guest")
	}
	p := Build(t)
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := build()
	if err != nil {
		t.Fatal(err)
	}
	st2, err := os.Stat(p2)
	if err != nil {
		t.Fatal(err)
	}
	if p2 != p || !st2.ModTime().Equal(st.ModTime()) {
		t.Errorf("rebuilt: %s (%v) then %s (%v)", p, st.ModTime(), p2, st2.ModTime())
	}
}

// A rustc without the WebAssembly standard library is reported as a
// missing toolchain (the tests skip), not as a build failure.
func TestFindToolchainMissing(t *testing.T) {
	t.Setenv("TESSERA_RUSTC", "/nonexistent/rustc")
	if _, err := FindToolchain(); !errors.Is(err, ErrNoToolchain) {
		t.Errorf("got %v, want ErrNoToolchain", err)
	}
}

// BenchmarkBuildCached is what a test process pays for the guest once it
// is in the cache: finding the toolchain, hashing the sources, the
// precompile marker.
func BenchmarkBuildCached(b *testing.B) {
	if _, err := BuildPath(); err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, err := build(); err != nil {
			b.Fatal(err)
		}
	}
}
