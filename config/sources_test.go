package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

func TestCheckSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("good.wasm", []byte("\x00asm\x01\x00\x00\x00"))
	write("text.wasm", []byte("not wasm"))
	if runtime.GOOS != "windows" {
		if err := syscall.Mkfifo(filepath.Join(dir, "pipe.wasm"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src := `plugin "good" { source = "./good.wasm" }
plugin "gone" { source = "./plugins/gone.wasm" }
plugin "text" { source = "text.wasm" }
plugin "home" { source = "file:~/x.wasm" }
session "s" {
  tab "t" {
    plugin_pane "a" { plugin = plugin.gone }
    plugin_pane "b" { plugin = plugin.gone }
    plugin_pane "c" { source = "pipe.wasm" }
    plugin_pane "d" { source = "zellij:strider" }
  }
  background_plugin "e" { source = "file:gone2.wasm" }
}
`
	ws, diags := Parse([]File{{Name: filepath.Join(dir, "ws.hcl"), Src: []byte(src)}}, Options{})
	if ws == nil {
		t.Fatal(diags)
	}
	diags = CheckSources(ws)
	got := diagText(nil, diags)
	want := []string{
		"ws.hcl:2:26: error: Plugin file not found\n  There is no file at " + filepath.Join(dir, "plugins/gone.wasm") + ". Build the plugin",
		"ws.hcl:3:26: error: Not a plugin file\n  " + filepath.Join(dir, "text.wasm") + " is not a WebAssembly module",
		"ws.hcl:12:36: error: Plugin file not found",
	}
	if runtime.GOOS != "windows" {
		want = append(want, "ws.hcl:9:32: error: Not a plugin file\n  "+filepath.Join(dir, "pipe.wasm")+" is a named pipe (FIFO), not a .wasm file.")
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("diagnostics lack\n%s\ngot:\n%s", w, got)
		}
	}
	if len(diags) != len(want) {
		t.Errorf("%d diagnostics, want %d (one per source, none for good, home and zellij):\n%s", len(diags), len(want), got)
	}
	for i := 1; i < len(diags); i++ {
		if diags[i].Subject.Start.Byte < diags[i-1].Subject.Start.Byte {
			t.Errorf("unsorted:\n%s", got)
		}
	}
}

// With Options.Dir set, every relative path resolves against it, so a copy
// of a workspace file elsewhere (git show HEAD~1:ws.hcl > /tmp/old.hcl)
// yields the same model as the file in place.
func TestDirResolvesEveryPath(t *testing.T) {
	src := []byte(`plugin "n" {
  source = "./plugins/n.wasm"
  mount "/host" {
    source = "data"
  }
}
session "s" {
  cwd = "src"
  tab "t" {
    pane "p" { command = abspath("bin/x") }
    plugin_pane "q" { source = "q.wasm" }
  }
}
`)
	here, diags := Parse([]File{{Name: "/repo/ws.hcl", Src: src}}, Options{})
	if here == nil {
		t.Fatal(diags)
	}
	copied, diags := Parse([]File{{Name: "/tmp/old.hcl", Src: src}}, Options{Dir: "/repo"})
	if copied == nil {
		t.Fatal(diags)
	}
	if p := Diff(here, copied); !p.Empty() {
		var sb strings.Builder
		_ = p.Render(&sb)
		t.Errorf("false changes:\n%s", sb.String())
	}
	if got := here.Plugins[0].Source.URL(); got != "file:/repo/plugins/n.wasm" {
		t.Errorf("source %s", got)
	}
	// Without Dir, each file's own directory: the copy differs.
	elsewhere, _ := Parse([]File{{Name: "/tmp/old.hcl", Src: src}}, Options{})
	if p := Diff(here, elsewhere); p.Summary.Replace == 0 {
		t.Errorf("paths did not follow the file: %+v", p.Summary)
	}
}
