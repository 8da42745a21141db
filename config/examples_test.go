package config

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestExampleLayouts loads every example workspace (each *.hcl file, and each
// directory as one workspace) and requires zero diagnostics and canonical
// formatting.
func TestExampleLayouts(t *testing.T) {
	root := filepath.Join("..", "examples", "layouts")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() && filepath.Ext(e.Name()) != ".hcl" {
			continue
		}
		path := filepath.Join(root, e.Name())
		n++
		t.Run(e.Name(), func(t *testing.T) {
			ws, files, diags := Load(path, Options{})
			if len(diags) > 0 {
				var buf bytes.Buffer
				_ = WriteDiagnostics(&buf, files, diags)
				t.Fatalf("diagnostics:\n%s", buf.String())
			}
			if ws == nil || len(ws.Sessions) == 0 {
				t.Fatal("no sessions")
			}
			for _, f := range files {
				out, diags := Format(f.Src, f.Name)
				if diags.HasErrors() || !bytes.Equal(out, f.Src) {
					t.Errorf("%s is not fmt-clean (run tessera fmt %s)", f.Name, path)
				}
			}
		})
	}
	if n < 4 {
		t.Errorf("only %d example workspaces", n)
	}
}
