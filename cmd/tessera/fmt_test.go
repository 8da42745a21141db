package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func copyConfigFile(t *testing.T, src, dir string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(dst, b, 0o640); err != nil {
		t.Fatal(err)
	}
	return dst
}

const formattedConfig = `session "dev" {
  tab "main" {
    pane "shell" {
      command = "bash"
      args    = ["-l"]
    }
  }
}
`

func TestFmtCheckDiffAndWrite(t *testing.T) {
	dir := t.TempDir()
	name := copyConfigFile(t, "testdata/config/unformatted.hcl", dir)
	before, _ := os.ReadFile(name)

	code, out, _ := runConfigCmd(t, "fmt", "--check", "--diff", name)
	if code != exitError {
		t.Fatalf("--check on an unformatted file: exit %d", code)
	}
	for _, want := range []string{name + "\n", "--- " + name, "@@ -1,8 +1,8 @@", "-tab \"main\" {", "+  tab \"main\" {", "+      command = \"bash\""} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if after, _ := os.ReadFile(name); string(after) != string(before) {
		t.Fatal("--check modified the file")
	}

	code, out, _ = runConfigCmd(t, "fmt", dir)
	if code != exitOK || out != name+"\n" {
		t.Fatalf("fmt: exit %d, out %q", code, out)
	}
	got, _ := os.ReadFile(name)
	if string(got) != formattedConfig {
		t.Errorf("formatted file:\n%s\nwant:\n%s", got, formattedConfig)
	}
	if st, _ := os.Stat(name); st.Mode().Perm() != 0o640 {
		t.Errorf("mode changed to %v", st.Mode().Perm())
	}
	code, out, _ = runConfigCmd(t, "fmt", "--check", name)
	if code != exitOK || out != "" {
		t.Errorf("second --check: exit %d, out %q", code, out)
	}
}

func TestFmtSyntaxError(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "broken.hcl")
	if err := os.WriteFile(name, []byte("session \"x\" {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runConfigCmd(t, "fmt", name)
	if code != exitUsage || !strings.Contains(errs, name+":1:13: error:") {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
}

func TestDiffLines(t *testing.T) {
	ops := cfgDiffLines([]string{"a", "b", "c", "d"}, []string{"a", "x", "c", "d", "e"})
	var sb strings.Builder
	for _, op := range ops {
		sb.WriteByte(op.kind)
		sb.WriteString(op.text)
		sb.WriteByte(' ')
	}
	if got, want := sb.String(), " a -b +x  c  d +e "; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
