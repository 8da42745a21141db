package wasmgen

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
)

// TestStatusBarSized checks the module's size and that it compiles with
// the exports of a plugin.
func TestStatusBarSized(t *testing.T) {
	wasm := StatusBarSized()
	if n := len(wasm); n < 1_400_000 || n > 1_600_000 {
		t.Fatalf("module is %d bytes, want about 1.5 MB", n)
	}
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	mod, err := r.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"load", "update", "render", "_start"} {
		if _, ok := mod.ExportedFunctions()[name]; !ok {
			t.Errorf("missing export %s", name)
		}
	}
}
