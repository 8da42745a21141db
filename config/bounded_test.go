package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// diagText renders diags for assertions.
func diagText(files []File, diags hcl.Diagnostics) string {
	var sb strings.Builder
	_ = WriteDiagnostics(&sb, files, diags)
	return sb.String()
}

// Workspace paths that are not regular files, or are huge, are refused
// before anything is read (os.ReadFile would read /dev/zero until the
// process is killed, and block on a FIFO).
func TestLoadRefusesUnboundedFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/zero or FIFOs")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.hcl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sparse := filepath.Join(dir, "sparse.hcl")
	if err := os.WriteFile(sparse, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(sparse, 10<<30); err != nil {
		t.Skipf("no sparse files: %v", err)
	}
	for _, c := range []struct{ path, want string }{
		{"/dev/zero", "/dev/zero:1:1: error: Not a workspace file\n  This is a character device, not a regular file."},
		{fifo, fifo + ":1:1: error: Not a workspace file\n  This is a named pipe (FIFO), not a regular file."},
		{sparse, sparse + ":1:1: error: File too large\n  A workspace file may have at most 4 MiB; this one has 10 GiB."},
		// A directory whose *.hcl match is a FIFO.
		{dir, fifo + ":1:1: error: Not a workspace file"},
	} {
		ws, files, diags := Load(c.path, Options{})
		if ws != nil || !diags.HasErrors() {
			t.Errorf("%s: loaded", c.path)
			continue
		}
		if got := diagText(files, diags); !strings.Contains(got, c.want) {
			t.Errorf("%s: diagnostics\n%s\nlack\n%s", c.path, got, c.want)
		}
	}
}

func TestFileFunctionBounded(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/zero")
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "big.txt")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 1<<20+1); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ok.txt"), []byte("bash"), 0o644); err != nil {
		t.Fatal(err)
	}
	ws := filepath.Join(dir, "ws.hcl")
	src := `session "s" {
  tab "t" {
    pane "a" { command = file("/dev/zero") }
    pane "b" { command = file("big.txt") }
    pane "c" {
      command = file("ok.txt")
      args    = [tostring(fileexists("big.txt")), tostring(fileexists("/dev/zero")), tostring(fileexists("none"))]
    }
  }
}
`
	if err := os.WriteFile(ws, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, files, diags := Load(ws, Options{})
	got := diagText(files, diags)
	for _, want := range []string{
		`ws.hcl:3:26: error: Error in function call`,
		`Call to function "file" failed: /dev/zero is a character device; file() reads only regular files.`,
		`ws.hcl:4:26: error: Error in function call`,
		`Call to function "file" failed: big.txt has 1.0 MiB; file() reads at most 1 MiB. Keep large data out of the workspace: give the program the file's path instead (for example args = [abspath("big.txt")]).`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
	if len(diags) != 2 {
		t.Errorf("%d diagnostics:\n%s", len(diags), got)
	}

	// Without the two bad panes, fileexists answers for regular files only.
	src = strings.Replace(strings.Replace(src, `    pane "a" { command = file("/dev/zero") }`+"\n", "", 1), `    pane "b" { command = file("big.txt") }`+"\n", "", 1)
	if err := os.WriteFile(ws, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	w, files, diags := Load(ws, Options{})
	if w == nil {
		t.Fatalf("diagnostics:\n%s", diagText(files, diags))
	}
	p := w.Sessions[0].Tabs[0].Panes[0].Terminal
	if p.Command != "bash" || strings.Join(p.Args, ",") != "true,false,false" {
		t.Errorf("command %q args %q", p.Command, p.Args)
	}
}
