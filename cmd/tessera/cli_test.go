package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlagErrorsNameTheCommand(t *testing.T) {
	for _, cmd := range []string{"validate", "fmt", "plan", "version"} {
		code, out, errs := runConfigCmd(t, cmd, "-x")
		want := "tessera " + cmd + ": flag provided but not defined: -x\nRun 'tessera " + cmd + " -h' for usage.\n"
		if code != exitUsage || out != "" || errs != want {
			t.Errorf("%s -x: exit %d, stdout %q, stderr %q, want %q", cmd, code, out, errs, want)
		}
	}
}

func TestHelpAndVersionFlags(t *testing.T) {
	for _, cmd := range []string{"validate", "fmt", "plan", "version"} {
		code, help, errs := runConfigCmd(t, "help", cmd)
		if code != exitOK || errs != "" || !strings.HasPrefix(help, "usage: tessera "+cmd) {
			t.Errorf("help %s: exit %d, stderr %q, stdout:\n%s", cmd, code, errs, help)
		}
		if code, h, _ := runConfigCmd(t, cmd, "-h"); code != exitOK || h != help {
			t.Errorf("%s -h differs from help %s:\n%s", cmd, cmd, h)
		}
	}
	if code, _, errs := runConfigCmd(t, "help", "nope"); code != exitUsage || !strings.HasPrefix(errs, `tessera help: unknown command "nope"`) {
		t.Errorf("help nope: exit %d, %s", code, errs)
	}
	if code, out, _ := runConfigCmd(t, "help"); code != exitOK || !strings.Contains(out, "  plan ") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
	_, want, _ := runConfigCmd(t, "version")
	if !strings.HasPrefix(want, "tessera "+version+" (plugin ABI: zellij "+abiVersion) {
		t.Errorf("version: %q", want)
	}
	for _, f := range []string{"--version", "-v"} {
		if code, out, _ := runConfigCmd(t, f); code != exitOK || out != want {
			t.Errorf("%s: exit %d, %q", f, code, out)
		}
	}
	code, out, _ := runConfigCmd(t, "version", "--json")
	var v struct{ Version, ZellijABI, Go, OS, Arch string }
	if err := json.Unmarshal([]byte(out), &v); code != exitOK || err != nil || v.Version != version || v.Go == "" {
		t.Errorf("version --json: exit %d, %v:\n%s", code, err, out)
	}
	var raw map[string]any
	_ = json.Unmarshal([]byte(out), &raw)
	if raw["zellij_abi"] != abiVersion {
		t.Errorf("zellij_abi = %v", raw["zellij_abi"])
	}
}

// With --detailed-exitcode, 2 means changes: every error exits 1, usage
// errors included.
func TestPlanDetailedExitCodeErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--detailed-exitcode", "-x", "--to", "testdata/config/new.hcl"},
		{"--detailed-exitcode"},
		{"--detailed-exitcode", "--to", "testdata/config/new.hcl", "extra"},
		{"--detailed-exitcode", "--to", "testdata/config/missing.hcl"},
		{"--detailed-exitcode", "--from", "testdata/config/bad.hcl", "--to", "testdata/config/new.hcl"},
		{"--detailed-exitcode", "--root", "testdata/config/nodir", "--to", "testdata/config/new.hcl"},
	} {
		if code, _, errs := runConfigCmd(t, append([]string{"plan"}, args...)...); code != exitError {
			t.Errorf("plan %q: exit %d, want 1:\n%s", args, code, errs)
		}
	}
	if code, _, _ := runConfigCmd(t, "plan", "-x"); code != exitUsage {
		t.Errorf("without --detailed-exitcode a usage error exits 2, got %d", code)
	}
}

// The git show HEAD~1:ws.hcl > /tmp/old.hcl workflow: a copy of the file
// elsewhere plans against the original with no false path changes.
func TestPlanCopyElsewhereHasNoFalseChanges(t *testing.T) {
	cp := copyConfigFile(t, "testdata/config/paths.hcl", t.TempDir())
	code, out, errs := runConfigCmd(t, "plan", "--detailed-exitcode", "--from", cp, "--to", "testdata/config/paths.hcl")
	if code != exitOK || !strings.HasPrefix(out, "No changes.") || errs != "" {
		t.Errorf("exit %d, stderr %q:\n%s", code, errs, out)
	}
	// --root names the root explicitly; here it moves both sides alike.
	code, out, _ = runConfigCmd(t, "plan", "--detailed-exitcode", "--root", t.TempDir(), "--from", cp, "--to", "testdata/config/paths.hcl")
	if code != exitOK || !strings.HasPrefix(out, "No changes.") {
		t.Errorf("--root: exit %d:\n%s", code, out)
	}
	// Planning the copy from nothing shows paths under the --to directory.
	abs, _ := filepath.Abs("testdata/config")
	_, out, _ = runConfigCmd(t, "plan", "--json", "--to", "testdata/config/paths.hcl")
	if !strings.Contains(out, `"after": "file:`+filepath.Join(abs, "plugins/notes.wasm")+`"`) {
		t.Errorf("source not resolved against the --to directory:\n%s", out)
	}
}

func TestPlanJSONValuesCLI(t *testing.T) {
	_, out, _ := runConfigCmd(t, "plan", "--json", "--from", "testdata/config/old.hcl", "--to", "testdata/config/new.hcl")
	var p struct {
		Changes []struct {
			Address    string
			Attributes []struct {
				Name          string
				Before, After any
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		for _, a := range c.Attributes {
			if c.Address == "session.dev.tab.main.pane.tests" && a.Name == "args" {
				b, _ := json.Marshal([]any{a.Before, a.After})
				if want := `[["test","./..."],["test","-race","./..."]]`; string(b) != want {
					t.Errorf("args before/after %s, want %s", b, want)
				}
				return
			}
		}
	}
	t.Errorf("no args change:\n%s", out)
}

func TestValidateMissingWasm(t *testing.T) {
	code, _, errs := runConfigCmd(t, "validate", "testdata/config/missing_wasm.hcl")
	abs, _ := filepath.Abs("testdata/config/plugins/gone.wasm")
	for _, want := range []string{
		"testdata/config/missing_wasm.hcl:4:16: error: Plugin file not found\n",
		`      source = "./plugins/gone.wasm"`,
		"  There is no file at " + abs + ". Build the plugin",
		"testdata/config/missing_wasm.hcl: 1 error, 0 warnings",
	} {
		if code != exitUsage || !strings.Contains(errs, want) {
			t.Errorf("exit %d; stderr lacks %q:\n%s", code, want, errs)
		}
	}
	if code, _, _ := runConfigCmd(t, "validate", "testdata/config/paths.hcl"); code != exitOK {
		t.Errorf("an existing module: exit %d", code)
	}
	// plan warns and plans anyway.
	code, out, errs := runConfigCmd(t, "plan", "testdata/config/missing_wasm.hcl")
	if code != exitOK || !strings.Contains(errs, "missing_wasm.hcl:4:16: warning: Plugin file not found") || !strings.Contains(out, "Plan: 3 to create") {
		t.Errorf("plan: exit %d, stderr:\n%s\nstdout:\n%s", code, errs, out)
	}
}

func TestFmtWritesThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	target := copyConfigFile(t, "testdata/config/unformatted.hcl", dir)
	link := filepath.Join(dir, "link.hcl")
	if err := os.Symlink(filepath.Base(target), link); err != nil {
		t.Skip(err)
	}
	if code, _, errs := runConfigCmd(t, "fmt", link); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", st.Mode(), err)
	}
	if got, _ := os.ReadFile(target); string(got) != formattedConfig {
		t.Errorf("target:\n%s", got)
	}
}

func TestFmtDiffDoesNotWrite(t *testing.T) {
	name := copyConfigFile(t, "testdata/config/unformatted.hcl", t.TempDir())
	before, _ := os.ReadFile(name)
	code, out, _ := runConfigCmd(t, "fmt", "--diff", name)
	if code != exitOK || !strings.HasPrefix(out, "--- "+name+"\n") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if after, _ := os.ReadFile(name); string(after) != string(before) {
		t.Error("--diff wrote the file")
	}
}

func TestFmtStdin(t *testing.T) {
	src, _ := os.ReadFile("testdata/config/unformatted.hcl")
	var code int
	var out, errs string
	code, out, errs = runConfigCmdIn(t, string(src), "fmt", "-")
	if code != exitOK || out != formattedConfig || errs != "" {
		t.Errorf("fmt -: exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
	code, out, _ = runConfigCmdIn(t, string(src), "fmt", "--check", "-")
	if code != exitError || out != "<stdin>\n" {
		t.Errorf("fmt --check -: exit %d, %q", code, out)
	}
	code, out, _ = runConfigCmdIn(t, formattedConfig, "fmt", "--check", "-")
	if code != exitOK || out != "" {
		t.Errorf("fmt --check - of formatted input: exit %d, %q", code, out)
	}
	code, _, errs = runConfigCmdIn(t, "session \"x\" {\n", "fmt", "-")
	if code != exitUsage || !strings.Contains(errs, "<stdin>:1:13: error:") {
		t.Errorf("syntax error: exit %d, %s", code, errs)
	}
	code, _, errs = runConfigCmdIn(t, strings.Repeat("#", 4<<20+1), "fmt", "-")
	if code != exitError || errs != "tessera fmt: standard input is over the limit of 4 MiB\n" {
		t.Errorf("huge stdin: exit %d, %q", code, errs)
	}
}

// Diagnostics of fmt come sorted by position.
func TestFmtDiagnosticsSorted(t *testing.T) {
	_, _, errs := runConfigCmdIn(t, "a = [1,\nb = {\nsession \"x\" {\n  c = 1 +\n}\nd = \"\n", "fmt", "-")
	i, j := strings.Index(errs, "<stdin>:2:"), strings.Index(errs, "<stdin>:6:")
	if i < 0 || j < 0 || i > j {
		t.Errorf("unsorted:\n%s", errs)
	}
}
