package pb

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedCodeIsCurrent regenerates the mirror from pluginpb and
// compares it with the generated files in the working tree (`make generate`
// writes them; they are not committed), so a change to the .proto files
// cannot leave the plugins' encoding behind.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	out := filepath.Join(t.TempDir(), "pb.gen.go")
	cmd := exec.Command("go", "run", "./internal/gen", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator: %v\n%s", err, b)
	}
	for _, pair := range [][2]string{{out, "pb.gen.go"}, {filepath.Join(filepath.Dir(out), "pb.gen_test.go"), "pb.gen_test.go"}} {
		got, err := os.ReadFile(pair[0])
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(pair[1])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./sdk/pb", pair[1])
		}
	}
}
