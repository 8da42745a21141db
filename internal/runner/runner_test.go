package runner

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

// testCacheDir is the compilation cache that the tests of every package
// share, where guestbuild.BuildCompiled compiles the probe without the race
// detector (under -race a cold compile takes minutes).
var testCacheDir = guestbuild.CacheDir()

// testHost returns a host on the tests' compilation cache, closed at the
// end of the test.
func testHost(t *testing.T) *wasi.Host {
	t.Helper()
	h, err := wasi.NewHost(context.Background(), wasi.HostConfig{CacheDir: testCacheDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}

func probeWASM(t *testing.T) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a wasm guest")
	}
	b, err := os.ReadFile(guestbuild.BuildCompiled(t, "testdata/guests/probe"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func runProbe(t *testing.T, opt Options, script string) *Result {
	t.Helper()
	opt.WASM = probeWASM(t)
	if opt.URL == "" {
		opt.URL = "file:/test/probe.wasm"
	}
	opt.CallTimeout = 20 * time.Second
	steps, err := ParseScript(strings.NewReader(script))
	if err != nil {
		t.Fatal(err)
	}
	opt.Steps = steps
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	res, err := Run(ctx, testHost(t), opt)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

func line(t *testing.T, res *Result, prefix string) string {
	t.Helper()
	for _, l := range res.Lines {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no line starting with %q in screen:\n%s", prefix, strings.Join(res.Lines, "\n"))
	return ""
}

func allPerms() []pluginpb.PermissionType { return pluginpb.AllPermissions() }

func TestRunInitialSession(t *testing.T) {
	res := runProbe(t, Options{Rows: 12, Cols: 100, Grant: allPerms(), Config: map[string]string{"b": "2", "a": "1"}}, "")
	if res.Crashed != nil {
		t.Fatalf("crashed: %v", res.Crashed)
	}
	if len(res.Lines) != 12 {
		t.Fatalf("%d lines, want 12", len(res.Lines))
	}
	for prefix, want := range map[string]string{
		"size":    "size 12x100 plugin 0 client 1 cwd /",
		"session": "session tessera mode Normal sessions tessera",
		"tabs":    "tabs Tab #1*",
		// Subscribed to InitialKeybinds: ModeUpdate carries none, the
		// InitialKeybinds event carries one entry per mode.
		"panes":  "panes 2 keybinds 0 initial 14 visible true",
		"config": "config a=1 b=2",
	} {
		if got := line(t, res, prefix); got != want {
			t.Errorf("line %q, want %q", got, want)
		}
	}
	if res.Timings.FirstFrameMS <= 0 || res.Timings.LoadMS <= 0 {
		t.Errorf("timings %+v", res.Timings)
	}
	if strings.Join(res.Subscriptions, ",") == "" {
		t.Error("no subscriptions reported")
	}
	if res.CommandCount < 2 {
		t.Errorf("command count %d, want at least GetPluginIds and Subscribe", res.CommandCount)
	}
}

func TestRunScript(t *testing.T) {
	script := `
key n
key t
key Ctrl+Shift+a
mouse left 2 3
pipe echo hi there
key m
key s
wait 300ms
key e
render
key g
key f
key q
key r
key l
resize 14x90
`
	res := runProbe(t, Options{Rows: 12, Cols: 100, Grant: allPerms(), Env: map[string]string{"LANG": "C"}}, script)
	if res.Crashed != nil {
		t.Fatalf("crashed: %v", res.Crashed)
	}
	want := map[string]string{
		"size":  "size 14x90 plugin 0 client 1 cwd /",
		"tabs":  "tabs Tab #1* Tab #2",
		"key":   "key SwitchToMode", // overwritten below
		"mouse": "mouse MouseLeftClick 2,3 lines=0",
		"run":   `run exit=false stderr="tessera plugin run does not run host commands"`,
	}
	delete(want, "key")
	for prefix, w := range want {
		if got := line(t, res, prefix); got != w {
			t.Errorf("line %q, want %q", got, w)
		}
	}
	// The self message came back as a private pipe from the plugin.
	if got := line(t, res, "pipe"); got != `pipe Plugin self payload="hello" private=true` {
		t.Errorf("pipe line %q", got)
	}
	if got := line(t, res, "session"); got != "session tessera mode Locked sessions tessera" {
		t.Errorf("session line %q", got)
	}
	if got := line(t, res, "timers"); !strings.HasPrefix(got, "timers 1 ") {
		t.Errorf("timer did not fire during wait: %q", got)
	}
	if got := line(t, res, "reply"); got != "reply sessions tessera(current=true,tabs=2)" {
		t.Errorf("reply line %q", got)
	}
	// The render step saw the env reply.
	if len(res.Snapshots) != 1 || res.Snapshots[0].Line != 11 {
		t.Fatalf("snapshots %+v", res.Snapshots)
	}
	found := false
	for _, l := range res.Snapshots[0].Screen {
		found = found || l == "reply env LANG=C"
	}
	if !found {
		t.Errorf("snapshot: %q", res.Snapshots[0].Screen)
	}
	if len(res.PipeOutput) != 1 || res.PipeOutput[0].Text != "echo:hi there" || res.PipeOutput[0].PipeID != "script:echo" {
		t.Errorf("pipe output %+v", res.PipeOutput)
	}
	names := map[string]Status{}
	for _, c := range res.Commands {
		names[c.Name] = c.Status
	}
	for name, st := range map[string]Status{
		"NewTab": StatusOK, "SwitchTabTo": StatusOK, "MessageToPlugin": StatusOK, "GetSessionEnvironmentVariables": StatusOK,
		"GenerateRandomName": StatusOK, "GetFocusedPaneInfo": StatusOK, "GetSessionList": StatusOK,
		"RunCommand": StatusUnsupported, "SwitchToMode": StatusOK,
		// Handled by the host itself, seen through OnCommand.
		"GetPluginIds": StatusHost, "Subscribe": StatusHost, "SetTimeout": StatusHost, "CliPipeOutput": StatusHost,
	} {
		if names[name] != st {
			t.Errorf("command %s status %q, want %q (all: %+v)", name, names[name], st, res.Commands)
		}
	}
	if _, err := os.Stat("/tmp/probe-ran"); err == nil {
		t.Error("RunCommand ran a host command")
	}
}

func TestRunKeyEncodingReachesGuest(t *testing.T) {
	res := runProbe(t, Options{Grant: allPerms()}, "key Ctrl+Shift+a\n")
	if got := line(t, res, "key"); got != "key CTRL+SHIFT+char 97" {
		t.Errorf("key line %q", got)
	}
	res = runProbe(t, Options{Grant: allPerms()}, "key Alt+F5\n")
	if got := line(t, res, "key"); got != "key ALT+F5" {
		t.Errorf("key line %q", got)
	}
}

func TestRunPermissions(t *testing.T) {
	// Nothing granted: state events are filtered, gated commands denied, and
	// strict ones still get an (empty) reply so the guest survives.
	res := runProbe(t, Options{}, "key n\nkey w\n")
	if res.Crashed != nil {
		t.Fatalf("crashed: %v", res.Crashed)
	}
	if got := line(t, res, "session"); got != "session  mode  sessions" {
		t.Errorf("session line without ReadApplicationState: %q", got)
	}
	if got := line(t, res, "reply"); got != "reply new tab 0" {
		t.Errorf("reply line %q", got)
	}
	var denied []string
	for _, c := range res.Commands {
		if c.Status == StatusDenied {
			denied = append(denied, c.Name+": "+c.Note)
		}
	}
	if strings.Join(denied, "|") != "NewTab: needs ChangeApplicationState|WebRequest: needs WebAccess" {
		t.Errorf("denied %q", denied)
	}
	var withheld []string
	for _, w := range res.Withheld {
		withheld = append(withheld, w.Event+":"+w.Permission)
	}
	if len(withheld) == 0 || !slices.Contains(withheld, "ModeUpdate:ReadApplicationState") {
		t.Errorf("withheld %q, want ModeUpdate:ReadApplicationState among them", withheld)
	}

	// A request is granted iff every permission asked for was given.
	res = runProbe(t, Options{Grant: []pluginpb.PermissionType{pluginpb.PermissionType_ReadApplicationState},
		Config: map[string]string{"perms": "ReadApplicationState,RunCommands"}}, "")
	if got := line(t, res, "timers"); got != "timers 0 perm false custom" {
		t.Errorf("partial grant: %q", got)
	}
	res = runProbe(t, Options{Grant: []pluginpb.PermissionType{pluginpb.PermissionType_ReadApplicationState, pluginpb.PermissionType_RunCommands},
		Config: map[string]string{"perms": "ReadApplicationState"}}, "")
	if got := line(t, res, "timers"); got != "timers 0 perm true custom" {
		t.Errorf("full grant: %q", got)
	}
	if got := line(t, res, "session"); got != "session tessera mode Normal sessions tessera" {
		t.Errorf("with ReadApplicationState: %q", got)
	}
	for _, w := range res.Withheld {
		if w.Permission == "ReadApplicationState" {
			t.Errorf("%s withheld although ReadApplicationState was granted", w.Event)
		}
	}
}

func TestRunCrash(t *testing.T) {
	res := runProbe(t, Options{Grant: allPerms()}, "key g\nkey x\nkey n\n")
	if res.Crashed == nil || !errors.Is(res.Crashed, wasi.ErrCrashed) {
		t.Fatalf("crash not reported: %v", res.Crashed)
	}
	if !strings.Contains(res.Crashed.Error(), "crashed in update") {
		t.Errorf("crash message %q", res.Crashed)
	}
	// The last frame before the crash stays on screen; key n never ran.
	if got := line(t, res, "reply"); !strings.HasPrefix(got, "reply name ") {
		t.Errorf("reply line %q", got)
	}
	for _, c := range res.Commands {
		if c.Name == "NewTab" {
			t.Error("steps ran after the crash")
		}
	}
}

func TestRunLoadError(t *testing.T) {
	_, err := Run(context.Background(), testHost(t), Options{WASM: []byte("\x00asm garbage"), URL: "file:/x.wasm"})
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("err %v, want a *LoadError", err)
	}
}
