package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/tools/txtar"
)

// FuzzParse feeds arbitrary bytes to the loader: it must not panic, must
// return a workspace exactly when there is no error, and every error
// diagnostic must carry a source range.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"valid", "invalid"} {
		names, _ := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
		for _, n := range names {
			a, err := txtar.ParseFile(n)
			if err != nil {
				continue
			}
			for _, file := range a.Files {
				if strings.HasSuffix(file.Name, ".hcl") {
					f.Add(file.Data)
				}
			}
		}
	}
	examples, _ := filepath.Glob(filepath.Join("..", "examples", "layouts", "*.hcl"))
	for _, n := range examples {
		if b, err := os.ReadFile(n); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		files := []File{{Name: "/ws/main.hcl", Src: src}}
		opts := Options{
			Env:      map[string]string{"HOME": "/home/u", "TESSERA_VAR_root": "."},
			ReadFile: func(string) ([]byte, error) { return []byte("data"), nil },
		}
		ws, diags := Parse(files, opts)
		if (ws == nil) != diags.HasErrors() {
			t.Fatalf("workspace %v with errors=%v", ws != nil, diags.HasErrors())
		}
		for _, d := range diags {
			if d.Severity == hcl.DiagError && d.Subject == nil {
				t.Fatalf("error without a range: %s: %s", d.Summary, d.Detail)
			}
		}
		_ = WriteDiagnostics(discard{}, files, diags)
		if ws != nil {
			_ = ws.JSON()
			_ = Diff(ws, ws)
			_ = Diff(nil, ws).Render(discard{})
		}
		_, _ = Format(src, "main.hcl")
		if msg := compareChunked(files, opts); msg != "" {
			t.Fatalf("chunked parse: %s", msg)
		}
	})
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
