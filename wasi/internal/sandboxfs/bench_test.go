//go:build unix

package sandboxfs

import (
	"context"

	"os"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/experimental/sysfs"
)

// BenchmarkOpenReadClose compares opening, reading and closing a small file
// through sandboxfs and through wazero's unconfined DirFS, for a file at the
// root and one four directories down (os.Root opens every component).
func BenchmarkOpenReadClose(b *testing.B) {
	dir := b.TempDir()
	deep := filepath.Join(dir, "a", "b", "c", "d")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		b.Fatal(err)
	}
	content := []byte("a small file of a few dozen bytes, like a config\n")
	for _, p := range []string{filepath.Join(dir, "f.txt"), filepath.Join(deep, "f.txt")} {
		if err := os.WriteFile(p, content, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	sandbox, err := New(dir, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer sandbox.Close()
	for _, fsys := range []struct {
		name string
		fs   experimentalsys.FS
	}{
		{"sandboxfs", sandbox},
		{"dirfs", sysfs.DirFS(dir)},
	} {
		for _, p := range []string{"f.txt", "a/b/c/d/f.txt"} {
			name := "depth0"
			if p != "f.txt" {
				name = "depth4"
			}
			b.Run(fsys.name+"/"+name, func(b *testing.B) {
				buf := make([]byte, 256)
				b.ReportAllocs()
				for b.Loop() {
					f, errno := fsys.fs.OpenFile(p, experimentalsys.O_RDONLY, 0o600)
					if errno != 0 {
						b.Fatal(errno)
					}
					if n, errno := f.Read(buf); errno != 0 || n != len(content) {
						b.Fatalf("read %d %v", n, errno)
					}
					f.Close()
				}
			})
		}
	}
}

// BenchmarkGuestReadFile measures os.ReadFile of a small file from a real
// Go guest (open, fstat, read, close through WASI) with /host mounted by
// sandboxfs and by wazero's plain directory mount.
func BenchmarkGuestReadFile(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file.txt"), []byte("hello"), 0o644); err != nil {
		b.Fatal(err)
	}
	sandbox, err := New(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer sandbox.Close()
	data, err := New(b.TempDir(), Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer data.Close()
	g := escapeGuest(b)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		cfg  wazero.FSConfig
	}{
		{"sandboxfs", mountConfig(sandbox, data)},
		{"dirmount", wazero.NewFSConfig().WithDirMount(dir, "/host")},
	} {
		mod, err := g.rt.InstantiateModule(ctx, g.mod, wazero.NewModuleConfig().WithName("").
			WithFSConfig(c.cfg).WithStartFunctions("_initialize"))
		if err != nil {
			b.Fatal(err)
		}
		fn := mod.ExportedFunction("readloop")
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				res, err := fn.Call(ctx, 1)
				if err != nil || int32(res[0]) != 5 {
					b.Fatalf("readloop: %v %v", res, err)
				}
			}
		})
		mod.Close(ctx)
	}
}
