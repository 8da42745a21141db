package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/internal/testutil/rustguest"
)

// The Rust guest (internal/testutil/rustguest) has the shape of a plugin
// built with Zellij's Rust SDK: a command module whose _start runs main
// once, Rust's buffered stdin and line-buffered stdout, a panic hook that
// sends ReportCrash and then traps. These tests run it unmodified through
// `tessera plugin run` and a daemon.

func rustGuest(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a wasm guest")
	}
	return rustguest.Build(t)
}

// rustRun is `tessera plugin run` on the Rust guest with --json.
type rustRun struct {
	Screen   []string `json:"screen"`
	Crashed  *string  `json:"crashed"`
	Commands []struct {
		Name    string          `json:"name"`
		Payload json.RawMessage `json:"payload"`
		Status  string          `json:"status"`
		Reply   json.RawMessage `json:"reply"`
	} `json:"commands"`
	Incidents  []string `json:"incidents"`
	PipeOutput []struct {
		PipeID string `json:"pipe_id"`
		Text   string `json:"text"`
	} `json:"pipe_output"`
	Snapshots []struct {
		Screen []string `json:"screen"`
	} `json:"snapshots"`
	Stderr        []string `json:"stderr"`
	Subscriptions []string `json:"subscriptions"`
	Permissions   []string `json:"permissions"`
}

func runRustJSON(t *testing.T, wasm, script string, args ...string) (int, rustRun, string) {
	t.Helper()
	code, stdout, stderr := prRun(t, script, append([]string{"plugin", "run", wasm, "--cache-dir", prCacheDir,
		"--script", "-", "--json"}, args...)...)
	var out rustRun
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("exit %d, not JSON (%v):\n%s\nstderr: %s", code, err, stdout, stderr)
	}
	return code, out, stderr
}

func (r rustRun) names() []string {
	var n []string
	for _, c := range r.Commands {
		n = append(n, c.Name)
	}
	return n
}

func TestRustGuestPluginRun(t *testing.T) {
	wasm := rustGuest(t)
	script := "key a\nkey i\nkey v\nkey d\nrender\npipe shout hello world\npipe shout\nkey n\nkey w\nkey w\nwait 300ms\nkey m\n"
	code, out, stderr := runRustJSON(t, wasm, script, "--grant", "all", "--size", "8x70", "--config", "greeting=hi")
	if code != 0 || out.Crashed != nil {
		t.Fatalf("exit %d, crashed %v, stderr %q", code, out.Crashed, stderr)
	}

	// The snapshot after the reply-bearing keys: ids, the version and the
	// two replies read back to back from Rust's stdin buffer.
	if len(out.Snapshots) != 1 {
		t.Fatalf("%d snapshots", len(out.Snapshots))
	}
	want := []string{
		"rust guest 8x70 id 0 client 1 cwd /",
		"tabs: *Tab #1",
		"mode: Normal session tessera",
		"permission: granted",
		"key: d reply: ids 0 version 0.45.0",
		"pipe:",
		"config: greeting=hi env 0",
		"worker:",
	}
	if got := out.Snapshots[0].Screen; !slices.Equal(got, want) {
		t.Errorf("snapshot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The final screen: the tab NewTab opened, the pipe, memory grown by
	// 8 MiB past the 17 pages rustc gives a binary.
	if got := out.Screen[1]; got != "tabs: Tab #1 *from-rust" {
		t.Errorf("tabs line %q", got)
	}
	if got := out.Screen[5]; got != "pipe: shout" {
		t.Errorf("pipe line %q (want the last, payload-less message)", got)
	}
	// The worker, an instance of its own, counted both jobs.
	if got := out.Screen[7]; got != "worker: done WORK #2" {
		t.Errorf("worker line %q", got)
	}
	m := regexp.MustCompile(`^key: m reply: memory (\d+) pages$`).FindStringSubmatch(out.Screen[4])
	if m == nil {
		t.Fatalf("memory line %q", out.Screen[4])
	}
	if pages, _ := strconv.Atoi(m[1]); pages < 17+128 {
		t.Errorf("memory %d pages after an 8 MiB allocation", pages)
	}

	// The commands in order, as the guest wrote them.
	wantNames := []string{"RequestPluginPermissions", "Subscribe", "SetSelectable", "GetPluginIds",
		"GetPluginIds", "GetZellijVersion", "GetPluginIds", "GetZellijVersion",
		"CliPipeOutput", "CliPipeOutput", "NewTab", "PostMessageTo", "PostMessageToPlugin", "PostMessageTo", "PostMessageToPlugin"}
	if got := out.names(); !slices.Equal(got, wantNames) {
		t.Errorf("commands %v\nwant %v", got, wantNames)
	}
	payload := func(i int) string { return string(compactJSON(t, out.Commands[i].Payload)) }
	if got := payload(0); got != `{"request_plugin_permission_payload":{"permissions":["ReadApplicationState","ChangeApplicationState","ReadCliPipes"]}}` {
		t.Errorf("permission request %s", got)
	}
	if got := payload(1); got != `{"subscribe_payload":{"subscriptions":{"event_types":["ModeUpdate","TabUpdate","Key","CustomMessage","PermissionRequestResult"]}}}` {
		t.Errorf("subscribe %s", got)
	}
	if got := payload(2); got != `{"set_selectable_payload":true}` {
		t.Errorf("set selectable %s", got)
	}
	if got := payload(10); got != `{"new_tab_payload":{"name":"from-rust"}}` {
		t.Errorf("new tab %s", got)
	}
	if out.Commands[10].Status != "ok" || len(out.Commands[10].Reply) == 0 {
		t.Errorf("new tab status %q reply %s", out.Commands[10].Status, out.Commands[10].Reply)
	}
	var pipes []string
	for _, p := range out.PipeOutput {
		pipes = append(pipes, p.PipeID+"="+p.Text)
	}
	if want := []string{"script:shout=rust:HELLO WORLD", "script:shout=rust:end\n"}; !slices.Equal(pipes, want) {
		t.Errorf("pipe output %q, want %q", pipes, want)
	}
	if !slices.Equal(out.Stderr, []string{"rust guest loaded with 1 configuration keys"}) {
		t.Errorf("stderr %q", out.Stderr)
	}
	if len(out.Incidents) != 0 {
		t.Errorf("incidents %q", out.Incidents)
	}
}

// A panic is one clean line on stderr, whatever the Rust panic hook sent:
// ReportCrash text is "PAYLOAD\r\n\rPanicInfo {...}" over many \r\n lines,
// and a formatted panic (unwrap, expect, panic! with arguments) has no
// string payload, so its first line is "<NO PAYLOAD>".
func TestRustGuestCrash(t *testing.T) {
	wasm := rustGuest(t)
	for _, tt := range []struct {
		name, script string
		args         []string
		want         *regexp.Regexp
	}{
		{"plain panic", "key x\n", nil, regexp.MustCompile(`^crashed in update: rust guest: crash key pressed$`)},
		{"formatted panic", "key a\nkey f\n", nil,
			regexp.MustCompile(`^crashed in update: panicked at main\.rs:\d+:\d+: rust guest: formatted crash after \d+ events$`)},
		{"panic in load", "", []string{"--config", "crash=load"}, regexp.MustCompile(`^crashed in load: rust guest: crash in load$`)},
		{"panic in render", "", []string{"--config", "crash=render"}, regexp.MustCompile(`^crashed in render: rust guest: crash in render$`)},
		// The stderr line load wrote long before is not why it exited.
		{"process exit", "key q\n", nil, regexp.MustCompile(`^exited with code 3 in update$`)},
		// Rust's allocator grows memory 8 MiB at a time until the host's
		// limit refuses; the guest aborts ("memory allocation ... failed").
		{"out of memory", strings.Repeat("key m\n", 40), nil, regexp.MustCompile(`^out of memory: limit \d+ MiB in update$`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"plugin", "run", wasm, "--cache-dir", prCacheDir, "--grant", "all", "--size", "4x70", "--script", "-"}, tt.args...)
			code, _, stderr := prRun(t, tt.script, args...)
			prefix := "tessera plugin run: " + wasm + ": "
			line, ok := strings.CutPrefix(stderr, prefix)
			if code != 1 || !ok || strings.Count(stderr, "\n") != 1 || strings.ContainsRune(stderr, '\r') {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if line = strings.TrimSuffix(line, "\n"); !tt.want.MatchString(line) {
				t.Errorf("crash line %q, want %s", line, tt.want)
			}
		})
	}
}

// Without the permissions it asks for, the guest gets no state events and
// its NewTab is denied. Zellij writes no reply to a denied command, so a
// Rust plugin waiting for one panics there; this host answers an empty
// reply, which the guest reads as "no tab".
func TestRustGuestDenied(t *testing.T) {
	wasm := rustGuest(t)
	code, out, stderr := runRustJSON(t, wasm, "key n\n", "--size", "6x70")
	if code != 0 || out.Crashed != nil {
		t.Fatalf("exit %d, crashed %v, stderr %q", code, out.Crashed, stderr)
	}
	want := []string{"rust guest 6x70 id 0 client 1 cwd /", "tabs:", "mode:  session", "permission: denied",
		"key: n reply: new tab: none", "pipe:"}
	if !slices.Equal(out.Screen, want) {
		t.Errorf("screen:\n%s\nwant:\n%s", strings.Join(out.Screen, "\n"), strings.Join(want, "\n"))
	}
	if len(out.Commands) == 0 || out.Commands[len(out.Commands)-1].Status != "denied" {
		t.Errorf("commands %v", out.names())
	}
	if !slices.Contains(out.Incidents, "plugin 0: denied NewTab (needs ChangeApplicationState)") {
		t.Errorf("incidents %q", out.Incidents)
	}
}

// Rust's stdout is a LineWriter: a render that ends with print! and never
// flushes (as most plugins do) leaves a short last line in the guest's
// buffer. It reaches the host with the next write: here in front of the
// next command, which must still be served, and the text must start the
// next frame rather than be lost.
func TestRustGuestUnflushedTail(t *testing.T) {
	wasm := rustGuest(t)
	code, out, stderr := runRustJSON(t, wasm, "key a\nrender\nkey i\n", "--grant", "all", "--size", "8x70",
		"--config", "unflushed_tail=true")
	if code != 0 || out.Crashed != nil {
		t.Fatalf("exit %d, crashed %v, stderr %q", code, out.Crashed, stderr)
	}
	first := "worker: rust guest 8x70 id 0 client 1 cwd /"
	if len(out.Snapshots) != 1 || out.Snapshots[0].Screen[0] != first || out.Snapshots[0].Screen[7] != "" {
		t.Errorf("snapshot: %q", out.Snapshots)
	}
	if out.Screen[0] != first || out.Screen[4] != "key: i reply: ids 0/1" {
		t.Errorf("screen: %q", out.Screen)
	}
	if n := out.names(); len(n) != 5 || n[4] != "GetPluginIds" || len(out.Incidents) != 0 {
		t.Errorf("commands %v, incidents %q", n, out.Incidents)
	}
}

// TestDaemonRustPlugin: the Rust guest as a plugin pane of a daemon. Its
// load-time request asks for more than the manifest grants, so it waits
// for an admin; once granted over the console it draws the session's
// tabs, its reply-bearing commands are served, `tessera pipe` round-trips
// through its pipe export, and a panic is shown as one line.
func TestDaemonRustPlugin(t *testing.T) {
	wasm := rustGuest(t)
	e := newDaemonEnv(t)
	e.write(fmt.Sprintf(`
plugin "rust" {
  source      = %q
  permissions = ["ReadApplicationState"]
  restart {
    policy = "never"
  }
}

session "dev" {
  tab "main" {
    plugin_pane "rs" {
      plugin = plugin.rust
    }
  }
  tab "logs" {
    pane "sh" {}
  }
}
`, wasm))
	out := e.mustRun("up", e.file)
	if !strings.Contains(out, "rs asks for") {
		t.Errorf("up does not say the request waits:\n%s", out)
	}
	if p := e.console("pending"); !strings.Contains(p, "ChangeApplicationState") || !strings.Contains(p, "ReadCliPipes") {
		t.Fatalf("pending:\n%s", p)
	}
	e.console("grant rs ChangeApplicationState ReadCliPipes")
	e.waitFor("the granted plugin to draw the tabs", func() bool {
		s := e.console("screen rs")
		return strings.Contains(s, "permission: granted") && strings.Contains(s, "tabs: *main logs") &&
			strings.Contains(s, "session dev")
	})

	// Reply-bearing commands from update: ids, version, a tab opened.
	e.console("keys rs d n")
	e.waitFor("the replies", func() bool {
		return strings.Contains(e.console("screen rs"), "key: n reply: new tab id")
	})
	if tabs := e.console("tabs"); !strings.Contains(tabs, "from-rust") {
		t.Errorf("NewTab did not open a tab:\n%s", tabs)
	}
	e.waitFor("the new tab in the plugin's frame", func() bool {
		return strings.Contains(e.console("screen rs"), "from-rust")
	})

	// A CLI pipe: each line to pipe(), each answered with CliPipeOutput.
	stdout, stderr, code := e.pipe("a\nb\n", "--plugin", "file:"+wasm, "--name", "shout")
	if code != 0 || stdout != "rust:A\nrust:B\nrust:end\n" {
		t.Fatalf("pipe: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	e.waitFor("the pipe in the plugin's frame", func() bool {
		return strings.Contains(e.console("screen rs"), "pipe: shout")
	})

	// A panic inside pipe(): the CLI is released with the reason, the pane
	// shows the crash in one clean line.
	const addr = "session.dev.tab.main.pane.rs"
	done := make(chan struct{})
	go func() {
		defer close(done)
		stdout, stderr, code = e.pipe("panic\n", "--plugin", "file:"+wasm, "--name", "shout")
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("tessera pipe still waits two minutes after the plugin crashed")
	}
	if code == 0 || !strings.Contains(stderr, "rust guest: panic in pipe") {
		t.Errorf("pipe into a crashing plugin: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	e.waitFor("the crash", func() bool { return e.objects("plugins")[addr].State == "crashed" })
	if le := e.objects("plugins")[addr].LastError; !strings.Contains(le, "crashed in pipe: rust guest: panic in pipe") ||
		strings.ContainsAny(le, "\r\n") {
		t.Errorf("last error %q", le)
	}
}

// Keys as the Rust guest decodes them: the character code (as a byte, the
// way zellij-tile does), modifiers from both fields, named keys.
func TestRustGuestKeys(t *testing.T) {
	wasm := rustGuest(t)
	code, out, stderr := runRustJSON(t, wasm, "key Ctrl+a\nrender\nkey Alt+Shift+b\nrender\nkey é\nrender\nkey Down\n",
		"--grant", "all", "--size", "6x60")
	if code != 0 || len(out.Snapshots) != 3 {
		t.Fatalf("exit %d, %d snapshots, stderr %q", code, len(out.Snapshots), stderr)
	}
	got := []string{out.Snapshots[0].Screen[4], out.Snapshots[1].Screen[4], out.Snapshots[2].Screen[4], out.Screen[4]}
	want := []string{"key: a +1 reply:", "key: b +2 reply:", "key: é reply:", "key: named 3 reply:"}
	if !slices.Equal(got, want) {
		t.Errorf("keys %q, want %q", got, want)
	}
}

// A Rust guest started on the interpreter (auto engine, cold cache) moves
// to compiled code mid-run with its state: memory (the heap, Rust's stdin
// buffer), globals (the shadow stack pointer), and _start not run again.
// The real binary, so the background compile runs without -race.
func TestRustGuestTierUp(t *testing.T) {
	wasm := rustGuest(t)
	cmd := exec.Command(tesseraBin, "plugin", "run", wasm, "--cache-dir", t.TempDir(), "--engine", "auto",
		"--grant", "all", "--size", "7x60", "--json", "-v", "--script", "-")
	cmd.Stdin = strings.NewReader("pipe shout before\nkey m\nwait 5s\nkey d\n")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	var out struct {
		Engine  string   `json:"engine"`
		Crashed *string  `json:"crashed"`
		Screen  []string `json:"screen"`
	}
	if err != nil || json.Unmarshal(b, &out) != nil {
		t.Fatalf("%v, stderr %q, stdout %s", err, stderr.String(), b)
	}
	if out.Engine != "compiler" || out.Crashed != nil || !strings.Contains(stderr.String(), "plugin moved to compiled code") {
		t.Errorf("engine %q (want compiler after a move), crashed %v, log:\n%s", out.Engine, out.Crashed, stderr.String())
	}
	if out.Screen[4] != "key: d reply: ids 0 version 0.45.0" || out.Screen[5] != "pipe: shout before" {
		t.Errorf("screen after the move: %q", out.Screen)
	}
}
