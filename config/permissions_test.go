package config

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// TestPermissionsMatchProto cross-checks the local permission table with the
// plugin protocol's PermissionType enum (config itself does not import proto).
func TestPermissionsMatchProto(t *testing.T) {
	if len(pluginpb.PermissionType_name) != len(Permissions) {
		t.Fatalf("proto has %d permissions, config %d", len(pluginpb.PermissionType_name), len(Permissions))
	}
	for i, name := range Permissions {
		p, ok := pluginpb.ParsePermission(name)
		if !ok || int(p) != i {
			t.Errorf("%s: proto value %d (ok %v), config index %d", name, p, ok, i)
		}
	}
}

// TestConfigImports keeps config pure: no Tessera package (daemon, wasi,
// proto, ...) among the imports of its non-test files, except the leaf
// internal/fsutil that bounds file reads.
func TestConfigImports(t *testing.T) {
	names, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if path := strings.Trim(imp.Path.Value, `"`); strings.HasPrefix(path, "github.com/tessera-ws/") && path != "github.com/tessera-ws/tessera/internal/fsutil" {
				t.Errorf("%s imports %s", n, path)
			}
		}
	}
}
