package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestPluginRunEngines runs the probe on every engine: the screens agree, a
// cold auto run leaves the compiled code and its marker in the cache (it
// waits for the background compile at exit), and bad values are usage
// errors. The cold run is the binary, built without the race detector as a
// user's is: under -race its background compile alone takes minutes (the
// wasi package's tiering tests move plugins to compiled code under -race).
func TestPluginRunEngines(t *testing.T) {
	probe := probePath(t)
	wasm, err := os.ReadFile(probe)
	if err != nil {
		t.Fatal(err)
	}
	marker := func(dir string) string {
		return filepath.Join(dir, "compiled", "digests", fmt.Sprintf("%x", sha256.Sum256(wasm)))
	}
	const script = "key e\nrender\n"
	inProcess := func(args ...string) (int, string, string) { return prRun(t, script, args...) }
	binary := func(args ...string) (int, string, string) {
		cmd := exec.Command(tesseraBin, args...)
		cmd.Stdin = strings.NewReader(script)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
	}
	screen := func(run func(...string) (int, string, string), args ...string) []string {
		t.Helper()
		args = append([]string{"plugin", "run", probe, "--json", "--grant", "all", "--timeout", "2m", "--script", "-"}, args...)
		code, stdout, stderr := run(args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		var out struct {
			Screen  []string
			Crashed *string
		}
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatal(err)
		}
		if out.Crashed != nil {
			t.Fatalf("%v: crashed: %s", args, *out.Crashed)
		}
		return out.Screen
	}
	want := screen(inProcess, "--engine", "interpreter", "--cache-dir", t.TempDir())
	if got := screen(inProcess, "--engine", "compiler", "--cache-dir", prCacheDir); !reflect.DeepEqual(got, want) {
		t.Errorf("compiler screen %q, interpreter %q", got, want)
	}
	dir := t.TempDir()
	if got := screen(binary, "--cache-dir", dir, "--compile-wait", "10m"); !reflect.DeepEqual(got, want) {
		t.Errorf("auto (cold) screen %q, interpreter %q", got, want)
	}
	if _, err := os.Stat(marker(dir)); err != nil {
		t.Errorf("cold auto run did not leave the module compiled: %v", err)
	}
	if got := screen(inProcess, "--engine", "auto", "--cache-dir", dir); !reflect.DeepEqual(got, want) {
		t.Errorf("auto (warm) screen %q, interpreter %q", got, want)
	}
	for _, bad := range [][]string{{"--engine", "jit"}, {"--compile-wait", "-1s"}} {
		if code, _, stderr := prRun(t, "", append([]string{"plugin", "run", probe}, bad...)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", bad, code, exitUsage, stderr)
		}
	}
}
