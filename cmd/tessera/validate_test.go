package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// runConfigCmd runs the tessera command line in-process.
func runConfigCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runConfigCmdIn(t, "", args...)
}

// runConfigCmdIn runs the tessera command line in-process with stdin.
func runConfigCmdIn(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, stdio{in: strings.NewReader(stdin), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

func TestValidateValid(t *testing.T) {
	code, out, errs := runConfigCmd(t, "validate", "testdata/config/good.hcl")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	if want := "testdata/config/good.hcl is valid: 1 session, 1 tab, 1 pane, 0 plugin manifests.\n"; out != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
}

func TestValidateErrorsHaveFileLineCol(t *testing.T) {
	code, out, errs := runConfigCmd(t, "validate", "testdata/config/bad.hcl")
	if code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
	if out != "" {
		t.Errorf("stdout not empty: %q", out)
	}
	for _, want := range []string{
		"testdata/config/bad.hcl:4:7: error: Unsupported argument",
		`Did you mean "command"?`,
		"testdata/config/bad.hcl:7:16: error: Missing sha256",
		"testdata/config/bad.hcl: 2 errors, 0 warnings",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

func TestValidateJSON(t *testing.T) {
	code, out, _ := runConfigCmd(t, "validate", "--json", "testdata/config/bad.hcl")
	if code != exitUsage {
		t.Fatalf("exit %d", code)
	}
	var got struct {
		Valid       bool `json:"valid"`
		ErrorCount  int  `json:"error_count"`
		Diagnostics []struct {
			Severity, Summary string
			Range             *struct {
				File         string
				Line, Column int
			}
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("bad JSON %v:\n%s", err, out)
	}
	if got.Valid || got.ErrorCount != 2 || len(got.Diagnostics) != 2 {
		t.Fatalf("got %+v", got)
	}
	d := got.Diagnostics[0]
	if d.Severity != "error" || d.Range == nil || d.Range.Line != 4 || d.Range.Column != 7 || !strings.HasSuffix(d.Range.File, "bad.hcl") {
		t.Errorf("first diagnostic = %+v", d)
	}
	// Flags after the path and variables work too.
	code, out, _ = runConfigCmd(t, "validate", "testdata/config/good.hcl", "--json", "--var", "shell=zsh")
	if code != exitOK || !strings.Contains(out, `"valid": true`) {
		t.Errorf("exit %d: %s", code, out)
	}
}

func TestValidateUsage(t *testing.T) {
	if code, _, _ := runConfigCmd(t, "validate", "a.hcl", "b.hcl"); code != exitUsage {
		t.Errorf("two paths: exit %d", code)
	}
	if code, _, _ := runConfigCmd(t, "validate", "--nope"); code != exitUsage {
		t.Errorf("unknown flag: exit %d", code)
	}
	code, _, errs := runConfigCmd(t, "validate", "testdata/config/missing.hcl")
	if code != exitUsage || !strings.Contains(errs, "Cannot read workspace") {
		t.Errorf("missing file: exit %d, %s", code, errs)
	}
	code, _, errs = runConfigCmd(t, "validate", "--var", "nosuch=1", "testdata/config/good.hcl")
	if code != exitUsage || !strings.Contains(errs, "Value for undeclared variable") {
		t.Errorf("undeclared var: exit %d, %s", code, errs)
	}
}

func TestValidateRequiredVersion(t *testing.T) {
	dir := t.TempDir()
	name := dir + "/ws.hcl"
	src := "tessera {\n  required_version = \"< 0.0.1\"\n}\n\nsession \"s\" {\n  tab \"t\" {\n    pane \"p\" {}\n  }\n}\n"
	if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runConfigCmd(t, "validate", name)
	if code != exitUsage || !strings.Contains(errs, "Unsupported Tessera version") || !strings.Contains(errs, "this is Tessera "+version) {
		t.Errorf("exit %d:\n%s", code, errs)
	}
}
