package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
)

// readmePluginRuns returns the `tessera plugin run` command lines of the
// README's "Running a plugin" section that run an example plugin.
func readmePluginRuns(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "### Running a plugin")
	if !ok {
		t.Fatal("README has no 'Running a plugin' section")
	}
	sec, _, _ = strings.Cut(sec, "\n### ")
	var out []string
	for l := range strings.Lines(sec) {
		l = strings.TrimSpace(l)
		if strings.Contains(l, "./bin/tessera plugin run") && strings.Contains(l, "examples/plugins/") {
			out = append(out, l)
		}
	}
	if len(out) < 2 {
		t.Fatalf("found %d example plugin runs in the README: %q", len(out), out)
	}
	return out
}

var exampleWasm = regexp.MustCompile(`examples/plugins/([a-z]+)\.wasm`)

// TestREADMEPluginRunsOnEmptyCache runs the README's plugin-run examples as
// a user would on a fresh machine: the binary, a shell, an empty cache
// ($XDG_CACHE_HOME), the default engine. Each must exit 0 with a screen.
func TestREADMEPluginRunsOnEmptyCache(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example plugins and compiles them cold")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	for _, line := range readmePluginRuns(t) {
		t.Run(exampleWasm.FindStringSubmatch(line)[1], func(t *testing.T) {
			cmdline := exampleWasm.ReplaceAllStringFunc(line, func(m string) string {
				name := exampleWasm.FindStringSubmatch(m)[1]
				return guestbuild.Build(t, filepath.Join("../../examples/plugins", name))
			})
			cmdline = strings.ReplaceAll(cmdline, "./bin/tessera", tesseraBin)
			cache := t.TempDir()
			cmd := exec.Command("sh", "-c", cmdline)
			cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", line, err, stdout.String(), stderr.String())
			}
			if strings.TrimSpace(stdout.String()) == "" {
				t.Fatalf("%s: empty screen; stderr:\n%s", line, stderr.String())
			}
			if strings.Contains(stderr.String(), "crashed") || strings.Contains(stderr.String(), "timed out") {
				t.Fatalf("%s: stderr:\n%s", line, stderr.String())
			}
		})
	}
}
