package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/tessera-ws/tessera/internal/fsutil"
)

// wasmMagic starts every WebAssembly binary module.
var wasmMagic = []byte("\x00asm")

// CheckSources checks that every local plugin source (file:) of ws names a
// regular file of at most fsutil.MaxWasmModule bytes that starts like a
// WebAssembly module, and returns an error diagnostic at the source
// expression for each one that does not. Home-relative sources (file:~/…)
// are left to the daemon, which expands them.
//
// Load does not call it: a workspace is a valid configuration whether its
// plugins are built yet or not. tessera validate reports these as errors;
// tessera plan as warnings, since a plan only compares configurations.
func CheckSources(ws *Workspace) hcl.Diagnostics {
	if ws == nil {
		return nil
	}
	type key struct {
		path string
		rng  hcl.Range
	}
	seen := map[key]bool{}
	var diags hcl.Diagnostics
	check := func(src Source, rng hcl.Range) {
		if src.Kind != SourceFile || strings.HasPrefix(src.Location, "~") {
			return
		}
		k := key{src.Location, rng}
		if seen[k] {
			return
		}
		seen[k] = true
		if d := checkLocalSource(src.Location); d != nil {
			r := rng
			d.Subject = &r
			diags = append(diags, d)
		}
	}
	for _, p := range ws.Plugins {
		check(p.Source, p.SourceRange)
	}
	for _, s := range ws.Sessions {
		for _, t := range s.Tabs {
			for _, p := range t.Panes {
				if p.Plugin != nil && p.Plugin.Manifest == "" {
					check(p.Plugin.Source, p.Plugin.SourceRange)
				}
			}
		}
		for _, b := range s.BackgroundPlugins {
			if b.Manifest == "" {
				check(b.Source, b.SourceRange)
			}
		}
	}
	return normalize(diags)
}

// checkLocalSource returns a diagnostic (without range) when path is not a
// usable plugin module.
func checkLocalSource(path string) *hcl.Diagnostic {
	bad := func(summary, format string, args ...any) *hcl.Diagnostic {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...)}
	}
	f, st, err := fsutil.Open(path)
	var notRegular *fsutil.NotRegularError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return bad("Plugin file not found", "There is no file at %s. Build the plugin (for Tessera's examples, make plugins) or correct the path; a relative source resolves against the workspace directory.", path)
	case errors.As(err, &notRegular):
		return bad("Not a plugin file", "%s is %s, not a .wasm file.", path, notRegular.Kind())
	case err != nil:
		return bad("Cannot read plugin file", "%v.", err)
	}
	defer f.Close()
	if st.Size() > fsutil.MaxWasmModule {
		return bad("Plugin file too large", "%s has %s; a plugin module may have at most %s.", path, fsutil.FormatSize(st.Size()), fsutil.FormatSize(fsutil.MaxWasmModule))
	}
	head := make([]byte, len(wasmMagic))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, wasmMagic) {
		return bad("Not a plugin file", "%s is not a WebAssembly module (it does not start with \\0asm). Give the .wasm file the plugin's build produced.", path)
	}
	return nil
}
