package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
)

// tesseraBin is the tessera binary built once by TestMain, for tests that
// run the real command; prCacheDir is a compilation cache shared by every
// plugin run of this test binary.
var (
	tesseraBin string
	prCacheDir string
)

// TestMain builds the tessera binary into a temporary directory once.
func TestMain(m *testing.M) {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/")
	}
	flag.Parse()
	dir, err := os.MkdirTemp("", "tessera-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tesseraBin = filepath.Join(dir, "tessera")
	if runtime.GOOS == "windows" {
		tesseraBin += ".exe"
	}
	// Compiled plugins are cached persistently (like built guests) and
	// shared with the other packages' tests; guestbuild.BuildCompiled
	// compiles the guests there without the race detector (under -race a
	// cold compile takes minutes).
	prCacheDir = guestbuild.CacheDir()
	build := exec.Command("go", "build", "-o", tesseraBin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build tessera: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func updateGolden() bool {
	f := flag.Lookup("update")
	if f == nil {
		return false
	}
	return f.Value.String() == "true"
}

// prRun runs `tessera ARGS` in-process with stdin. A `plugin run` without
// --timeout gets a generous one: under -race on a cold cache the plugin
// starts on wazero's interpreter, where one call can take seconds.
func prRun(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	if len(args) >= 2 && args[0] == "plugin" && args[1] == "run" && !slices.Contains(args, "--timeout") {
		args = append(slices.Clip(args), "--timeout", "2m")
	}
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	code = run(ctx, args, stdio{in: strings.NewReader(stdin), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

func probePath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a wasm guest")
	}
	return guestbuild.BuildCompiled(t, "../../internal/runner/testdata/guests/probe")
}

// checkGolden compares got with testdata/plugin_run/NAME, or rewrites it
// with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "plugin_run", name)
	if updateGolden() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update to accept):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func TestPluginRunUsageErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	badScript := filepath.Join(dir, "bad.script")
	if err := os.WriteFile(badScript, []byte("key a\n# fine\nkey Hyper+q\nresize 0x1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"plugin"}, "usage: tessera plugin"},
		{[]string{"plugin", "frob"}, `unknown subcommand "frob"`},
		{[]string{"plugin", "run"}, "want exactly one plugin file, got 0"},
		{[]string{"plugin", "run", "a.wasm", "b.wasm"}, "want exactly one plugin file, got 2"},
		{[]string{"plugin", "run", "a.wasm", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"plugin", "run", "a.wasm", "--size", "24"}, "--size: bad size"},
		{[]string{"plugin", "run", "a.wasm", "--size", "0x80"}, "--size: bad size"},
		{[]string{"plugin", "run", "a.wasm", "--mount", "/etc=" + dir}, "guest path must be one of /host /data /cache /tmp"},
		{[]string{"plugin", "run", "a.wasm", "--mount", "/host"}, "want GUEST=HOSTDIR[:ro]"},
		{[]string{"plugin", "run", "a.wasm", "--mount", "/host=" + filepath.Join(dir, "missing")}, "no such file or directory"},
		{[]string{"plugin", "run", "a.wasm", "--mount", "/host=" + file}, "is not a directory"},
		{[]string{"plugin", "run", "a.wasm", "--mount", "/host=" + dir, "--mount", "/host=" + dir + ":ro"}, "/host mounted twice"},
		{[]string{"plugin", "run", "a.wasm", "--grant", "Everything"}, `--grant "Everything": unknown permission`},
		{[]string{"plugin", "run", "a.wasm", "--config", "novalue"}, `--config "novalue": want KEY=VALUE`},
		{[]string{"plugin", "run", "a.wasm", "--env", "TESSERA_SURELY_UNSET_VARIABLE"}, "not set in the environment"},
		{[]string{"plugin", "run", "a.wasm", "--timeout", "-1s"}, "must not be negative"},
		{[]string{"plugin", "run", "a.wasm", "--script", badScript}, badScript + ":line 3: key \"Hyper+q\": unknown modifier"},
		{[]string{"plugin", "run", "a.wasm", "--script", badScript}, badScript + ":line 4: resize: bad size"},
		{[]string{"plugin", "run", "a.wasm", "--script", filepath.Join(dir, "nope")}, "--script: open"},
	}
	for _, tt := range tests {
		code, _, stderr := prRun(t, "", tt.args...)
		if code != exitUsage {
			t.Errorf("%q: exit %d, want %d (stderr %q)", tt.args, code, exitUsage, stderr)
		}
		if !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: stderr %q does not contain %q", tt.args, stderr, tt.want)
		}
	}
	// A script read from stdin is named "stdin" in errors.
	code, _, stderr := prRun(t, "render\nbogus 1\n", "plugin", "run", "a.wasm", "--script", "-")
	if code != exitUsage || !strings.Contains(stderr, `stdin:line 2: unknown command "bogus"`) {
		t.Errorf("stdin script: exit %d, stderr %q", code, stderr)
	}
	// Help is not an error.
	if code, _, stderr := prRun(t, "", "plugin", "run", "-h"); code != exitOK || !strings.Contains(stderr, "usage: tessera plugin run FILE.wasm") {
		t.Errorf("-h: exit %d, stderr %q", code, stderr)
	}
}

func TestPluginRunLoadFailures(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := prRun(t, "", "plugin", "run", filepath.Join(dir, "missing.wasm"))
	if code != exitError || !strings.Contains(stderr, "read plugin") {
		t.Errorf("missing file: exit %d, stderr %q", code, stderr)
	}
	junk := filepath.Join(dir, "junk.wasm")
	if err := os.WriteFile(junk, []byte("not wasm at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := prRun(t, "", "plugin", "run", junk, "--cache-dir", prCacheDir)
	if code != exitError || !strings.Contains(stderr, "load plugin") || stdout != "" {
		t.Errorf("junk module: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

const probeScript = `# exercise the dispatcher through the probe guest
key n
key Ctrl+Shift+a
mouse left 2 3
pipe echo hello pipe
key m
key s
wait 250ms
key e
key q
key r
`

func TestPluginRunProbeGolden(t *testing.T) {
	probe := probePath(t)
	script := filepath.Join(t.TempDir(), "probe.script")
	if err := os.WriteFile(script, []byte(probeScript), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := prRun(t, "", "plugin", "run", probe, "--cache-dir", prCacheDir,
		"--grant", "all", "--size", "12x72", "--config", "theme=dark", "--env", "GREETING=hi",
		"--script", script)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if n := strings.Count(stdout, "\n"); n != 12 {
		t.Errorf("%d lines, want exactly 12 (one per row)", n)
	}
	checkGolden(t, "probe.golden", stdout)
}

func TestPluginRunJSON(t *testing.T) {
	probe := probePath(t)
	code, stdout, stderr := prRun(t, "key n\nkey w\nkey r\nrender\n", "plugin", "run", probe, "--cache-dir", prCacheDir,
		"--grant", "ReadApplicationState,ChangeApplicationState", "--grant", "RunCommands", "--json", "--ansi", "--script", "-")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var out struct {
		Plugin      string            `json:"plugin"`
		Rows        int               `json:"rows"`
		Cols        int               `json:"cols"`
		Screen      []string          `json:"screen"`
		ANSI        *string           `json:"ansi"`
		Crashed     *string           `json:"crashed"`
		Commands    []json.RawMessage `json:"commands"`
		Denied      []struct{ Name, Status, Note string }
		Unsupported []struct{ Name, Status, Note string }
		Snapshots   []struct {
			Line   int      `json:"line"`
			Screen []string `json:"screen"`
		} `json:"snapshots"`
		CommandCount int `json:"command_count"`
		Timings      map[string]float64
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if !strings.HasPrefix(out.Plugin, "file:/") || len(out.Screen) != 24 || out.Crashed != nil || out.ANSI == nil {
		t.Errorf("plugin %q, %d screen lines, crashed %v, ansi %v", out.Plugin, len(out.Screen), out.Crashed, out.ANSI != nil)
	}
	if len(out.Denied) != 1 || out.Denied[0].Name != "WebRequest" || out.Denied[0].Note != "needs WebAccess" {
		t.Errorf("denied %+v", out.Denied)
	}
	if len(out.Unsupported) != 1 || out.Unsupported[0].Name != "RunCommand" {
		t.Errorf("unsupported %+v", out.Unsupported)
	}
	var names []string
	for _, raw := range out.Commands {
		var c struct {
			Name    string          `json:"name"`
			Payload json.RawMessage `json:"payload"`
			Reply   json.RawMessage `json:"reply"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		names = append(names, c.Name)
		c.Reply, c.Payload = compactJSON(t, c.Reply), compactJSON(t, c.Payload)
		if c.Name == "NewTab" && string(c.Reply) != `{"tab_id":"1"}` {
			t.Errorf("NewTab reply %s", c.Reply)
		}
		if c.Name == "RunCommand" && !strings.Contains(string(c.Payload), `"command_line":["touch","/tmp/probe-ran"]`) {
			t.Errorf("RunCommand payload %s", c.Payload)
		}
	}
	// Every command, host-handled ones included, in the order issued.
	if strings.Join(names, ",") != "GetPluginIds,Subscribe,NewTab,WebRequest,RunCommand" {
		t.Errorf("commands %v", names)
	}
	if out.CommandCount < 5 {
		t.Errorf("command_count %d", out.CommandCount)
	}
	if len(out.Snapshots) != 1 || out.Snapshots[0].Line != 4 {
		t.Errorf("snapshots %+v", out.Snapshots)
	}
	for _, k := range []string{"compile_ms", "load_ms", "first_frame_ms", "total_ms"} {
		if out.Timings[k] <= 0 {
			t.Errorf("timing %s = %v", k, out.Timings[k])
		}
	}
}

func TestPluginRunMountAndEnv(t *testing.T) {
	probe := probePath(t)
	host := t.TempDir()
	t.Setenv("TESSERA_PR_TEST", "from-runner")
	code, stdout, stderr := prRun(t, "key e\n", "plugin", "run", probe, "--cache-dir", prCacheDir, "--grant", "all",
		"--mount", "/host="+host+":ro", "--env", "TESSERA_PR_TEST", "--env", "B=2", "--script", "-")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"cwd /host", "reply env B=2 TESSERA_PR_TEST=from-runner"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

// The real binary: exit codes and streams as a user sees them.
func TestPluginRunBinary(t *testing.T) {
	probe := probePath(t)
	runBin := func(stdin string, args ...string) (int, string, string) {
		cmd := exec.Command(tesseraBin, append([]string{"plugin", "run", probe, "--cache-dir", prCacheDir}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String(), errb.String()
	}

	code, stdout, stderr := runBin("key g\n", "--grant", "all", "--size", "6x60", "--script", "-")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	checkGolden(t, "probe_binary.golden", stdout)

	// --ansi keeps the text and adds no colour the probe did not ask for.
	code, stdout, _ = runBin("", "--grant", "all", "--size", "3x60", "--ansi")
	if code != 0 || !strings.HasPrefix(stdout, "size 3x60 plugin 0 client 1 cwd /\n") {
		t.Errorf("--ansi: exit %d, %q", code, stdout)
	}

	// A panic in the guest: exit 1, the reason on stderr, the last screen on stdout.
	code, stdout, stderr = runBin("key g\nkey x\n", "--grant", "all", "--script", "-")
	if code != 1 || !strings.Contains(stderr, "crashed in update") || !strings.Contains(stdout, "reply name ") {
		t.Errorf("crash: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = runBin("key x\n", "--grant", "all", "--script", "-", "--json")
	var js struct{ Crashed *string }
	if code != 1 || json.Unmarshal([]byte(stdout), &js) != nil || js.Crashed == nil {
		t.Errorf("crash --json: exit %d, %s", code, stdout)
	}

	// A guest looping forever is stopped by --timeout.
	start := time.Now()
	code, _, stderr = runBin("key z\n", "--grant", "all", "--timeout", "300ms", "--script", "-")
	if code != 1 || !strings.Contains(stderr, "timed out after") || !strings.Contains(stderr, "in update") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("loop: exit %d, stderr %q", code, stderr)
	}
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("loop took %v", d)
	}

	// Usage errors exit 2.
	if code, _, stderr := runBin("", "--size", "big"); code != 2 || !strings.Contains(stderr, "--size") {
		t.Errorf("bad size: exit %d, stderr %q", code, stderr)
	}
}

func compactJSON(t *testing.T, b json.RawMessage) json.RawMessage {
	t.Helper()
	if len(b) == 0 {
		return b
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The example plugins, built from examples/plugins with the SDK.
func examplePath(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a wasm guest")
	}
	return guestbuild.BuildCompiled(t, filepath.Join("../../examples/plugins", name))
}

func TestPluginRunExampleStatus(t *testing.T) {
	status := examplePath(t, "status")
	// Without ReadApplicationState the plugin's request is denied and it
	// never hears about the session.
	code, stdout, stderr := prRun(t, "", "plugin", "run", status, "--cache-dir", prCacheDir, "--size", "2x80")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	checkGolden(t, "status_denied.golden", stdout)

	script := "key Ctrl+g\n"
	code, stdout, stderr = prRun(t, script, "plugin", "run", status, "--cache-dir", prCacheDir,
		"--grant", "ReadApplicationState", "--size", "2x80", "--script", "-")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	checkGolden(t, "status.golden", stdout)
	code, stdout, _ = prRun(t, "", "plugin", "run", status, "--cache-dir", prCacheDir,
		"--grant", "ReadApplicationState", "--size", "2x80", "--ansi")
	if code != exitOK {
		t.Fatalf("--ansi exit %d", code)
	}
	checkGolden(t, "status_ansi.golden", stdout)
}

func TestPluginRunExampleFilter(t *testing.T) {
	filter := examplePath(t, "filter")
	script := "pipe lines error: disk full\npipe lines all good\npipe lines warn: low memory\npipe lines\n"
	code, stdout, stderr := prRun(t, script, "plugin", "run", filter, "--cache-dir", prCacheDir, "--grant", "all",
		"--size", "3x60", "--config", "pattern=err|warn", "--config", "number=true",
		"--config", "batch=2", "--config", "interval=100ms", "--script", "-", "--json")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var out struct {
		Screen     []string
		PipeOutput []struct {
			PipeID string `json:"pipe_id"`
			Text   string `json:"text"`
		} `json:"pipe_output"`
		Incidents []string
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	// Batch mode blocks the pipe until a timer writes the batch: the last
	// message waited for the unblock, so both matches arrive in one write.
	var text strings.Builder
	for _, o := range out.PipeOutput {
		if o.PipeID != "script:lines" {
			t.Errorf("pipe id %q", o.PipeID)
		}
		text.WriteString(o.Text)
	}
	if text.String() != "1:error: disk full\n3:warn: low memory\n" {
		t.Errorf("pipe output %q", text.String())
	}
	if len(out.Incidents) != 0 {
		t.Errorf("incidents %q", out.Incidents)
	}
	checkGolden(t, "filter.golden", strings.Join(out.Screen, "\n")+"\n")
}

func TestPluginRunExampleWorkers(t *testing.T) {
	workers := examplePath(t, "workers")
	code, stdout, stderr := prRun(t, "key 1\nwait 1s\n", "plugin", "run", workers, "--cache-dir", prCacheDir,
		"--grant", "all", "--size", "6x70", "--script", "-")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "primes 100000   9592") {
		t.Errorf("the worker's answer is not on screen:\n%s", stdout)
	}
}

// A script that ends right after posting work to a worker still shows the
// worker's answer: the runner waits for workers before it renders.
func TestPluginRunExampleWorkersNoWait(t *testing.T) {
	workers := examplePath(t, "workers")
	code, stdout, stderr := prRun(t, "key 2\n", "plugin", "run", workers, "--cache-dir", prCacheDir,
		"--size", "6x70", "--script", "-")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "primes 200000   17984") {
		t.Errorf("the worker's answer is not on screen:\n%s", stdout)
	}
}

// A plugin run without the permission its subscriptions need gets a note on
// stderr that names the events withheld and the --grant that sends them.
func TestPluginRunWithheldNote(t *testing.T) {
	status := examplePath(t, "status")
	code, stdout, stderr := prRun(t, "", "plugin", "run", status, "--cache-dir", prCacheDir, "--size", "2x80")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stderr, "ModeUpdate, TabUpdate not sent: the plugin lacks ReadApplicationState (add --grant ReadApplicationState)") {
		t.Errorf("no withheld note on stderr: %q\nstdout:\n%s", stderr, stdout)
	}
	code, _, stderr = prRun(t, "", "plugin", "run", status, "--cache-dir", prCacheDir, "--size", "2x80", "--grant", "ReadApplicationState")
	if code != exitOK || strings.Contains(stderr, "not sent") {
		t.Errorf("with the grant: exit %d, stderr %q", code, stderr)
	}
}

// A file that is not a plugin says so, in one line, and --json still
// prints a JSON document.
func TestPluginRunNotAPlugin(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.wasm")
	if err := os.WriteFile(text, []byte("hello, not wasm\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := prRun(t, "", "plugin", "run", "--cache-dir", dir, text)
	if code != 1 || !strings.Contains(stderr, "not a Zellij plugin: not a WebAssembly module") || strings.Count(stderr, "\n") != 1 || stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = prRun(t, "", "plugin", "run", "--cache-dir", dir, "--json", text)
	var js struct{ Plugin, Error string }
	if err := json.Unmarshal([]byte(stdout), &js); code != 1 || err != nil || !strings.Contains(js.Error, "not a Zellij plugin") {
		t.Errorf("--json: exit %d, %v, %q", code, err, stdout)
	}
	code, stdout, _ = prRun(t, "", "plugin", "run", "--json", filepath.Join(dir, "missing.wasm"))
	if err := json.Unmarshal([]byte(stdout), &js); code != 1 || err != nil || js.Error == "" {
		t.Errorf("--json, missing file: exit %d, %v, %q", code, err, stdout)
	}
}

// Denied commands get a note on stderr, like withheld events; FullHdAccess
// granted with a mount gets one saying what it means.
func TestPluginRunDeniedAndFullHdNotes(t *testing.T) {
	probe := probePath(t)
	code, _, stderr := prRun(t, "key n\nkey t\n", "plugin", "run", probe, "--cache-dir", prCacheDir, "--script", "-")
	if code != exitOK || !strings.Contains(stderr, "note: NewTab, SwitchTabTo denied: the plugin lacks ChangeApplicationState (add --grant ChangeApplicationState)") {
		t.Errorf("exit %d, no denied note on stderr: %q", code, stderr)
	}
	code, _, stderr = prRun(t, "", "plugin", "run", probe, "--cache-dir", prCacheDir, "--grant", "all", "--mount", "/host="+t.TempDir()+":ro")
	if code != exitOK || !strings.Contains(stderr, "FullHdAccess lets the plugin re-point /host anywhere") || strings.Contains(stderr, "denied") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
