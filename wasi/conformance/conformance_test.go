package conformance

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/internal/runner"
	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

var (
	guestOnce  sync.Once
	guestBytes []byte
	guestErr   error
)

// guest returns the zellij-like guest, built once per run and compiled into
// cacheDir without the race detector.
func guest(t testing.TB) []byte {
	t.Helper()
	guestOnce.Do(func() {
		var p string
		if p, guestErr = guestbuild.BuildCompiledPath("testdata/guests/zellijlike"); guestErr == nil {
			guestBytes, guestErr = os.ReadFile(p)
		}
	})
	if guestErr != nil {
		t.Fatal(guestErr)
	}
	return guestBytes
}

// cacheDir is the compilation cache shared by every run and package, so
// the guest is compiled once per machine, not once per test.
func cacheDir() string { return guestbuild.CacheDir() }

type runOpts struct {
	personality string
	config      map[string]string
	grant       []pluginpb.PermissionType
	script      string
	mounts      []wasi.Mount
	rows, cols  int
}

// run plays one personality through the runner behind `tessera plugin
// run`, loaded as a file: plugin like the CLI does.
func run(t *testing.T, o runOpts) *runner.Result {
	t.Helper()
	steps, err := runner.ParseScript(strings.NewReader(o.script))
	if err != nil {
		t.Fatalf("script: %v", err)
	}
	cfg := map[string]string{"personality": o.personality}
	for k, v := range o.config {
		cfg[k] = v
	}
	if o.rows == 0 {
		o.rows, o.cols = 10, 100
	}
	wasm := guest(t) // built and compiled before the run's deadline starts
	// Five minutes: the first run of a test process may compile the guest
	// itself under -race when the precompiled cache is not found from the
	// test binary (wazero names its cache directory by its own version).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	h, err := wasi.NewHost(ctx, wasi.HostConfig{CacheDir: cacheDir(), Engine: wasi.EngineCompiler})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(context.Background())
	res, err := runner.Run(ctx, h, runner.Options{
		WASM:   wasm,
		URL:    "file:/plugins/" + o.personality + ".wasm",
		Config: cfg,
		Rows:   o.rows,
		Cols:   o.cols,
		Mounts: o.mounts,
		Grant:  o.grant,
		Steps:  steps,
	})
	if err != nil {
		t.Fatalf("run %s: %v", o.personality, err)
	}
	if res.Crashed != nil {
		t.Fatalf("%s crashed: %v\nscreen:\n%s\ncommands: %+v", o.personality, res.Crashed, strings.Join(res.Lines, "\n"), names(res.Commands))
	}
	return res
}

func names(rs []runner.Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

func screen(res *runner.Result) string { return strings.Join(res.Lines, "\n") }

func wantScreen(t *testing.T, res *runner.Result, subs ...string) {
	t.Helper()
	s := screen(res)
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("screen lacks %q:\n%s", sub, s)
		}
	}
}

// wantPrefix checks the first commands of the run.
func wantPrefix(t *testing.T, res *runner.Result, want ...string) {
	t.Helper()
	got := names(res.Commands)
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Errorf("commands start %v, want %v", got, want)
	}
}

func count(res *runner.Result, name string) int {
	n := 0
	for _, r := range res.Commands {
		if r.Name == name {
			n++
		}
	}
	return n
}

var all = pluginpb.AllPermissions()

func TestDefaultPluginPersonalities(t *testing.T) {
	cases := []struct {
		personality string
		load        []string
		screen      []string
		subs        []string
	}{
		{"status-bar", []string{"SetSelectable", "Subscribe"},
			[]string{"Zellij (tessera)", "NORMAL", "Ctrl+g LOCK", "Ctrl+p PANE", "Ctrl+t TAB", "Ctrl+q QUIT", "tab: Tab #1"},
			[]string{"ModeUpdate", "TabUpdate", "PaneUpdate", "InitialKeybinds", "Mouse"}},
		{"tab-bar", []string{"SetSelectable", "Subscribe"},
			[]string{"Zellij (tessera) [Tab #1] +"},
			[]string{"TabUpdate", "ModeUpdate", "HintText", "ActivePaneScroll"}},
		{"compact-bar", []string{"GetPluginIds", "SetSelectable", "Subscribe"},
			[]string{"Zellij (tessera) [Tab #1]  NORMAL  plugin 0"},
			[]string{"TabUpdate", "PaneUpdate", "ModeUpdate"}},
		{"strider", []string{"GetPluginIds", "Subscribe", "ScanHostFolder"},
			[]string{"FIND: _", "<Up/Down> navigate"},
			[]string{"FileSystemUpdate", "HostFolderChanged", "Key"}},
		{"session-manager", []string{"Subscribe", "GetPluginIds", "RenamePluginPane", "GetSessionList", "SetTimeout"},
			[]string{"Sessions (1)", "tessera [1 tabs, 1 clients] (current) Tab #1", "mode NORMAL"},
			[]string{"SessionUpdate", "Timer", "Visible"}},
	}
	for _, c := range cases {
		t.Run(c.personality, func(t *testing.T) {
			res := run(t, runOpts{personality: c.personality, grant: all})
			wantPrefix(t, res, c.load...)
			wantScreen(t, res, c.screen...)
			for _, s := range c.subs {
				if !slices.Contains(res.Subscriptions, s) {
					t.Errorf("subscriptions %v lack %s", res.Subscriptions, s)
				}
			}
			if len(res.Incidents) > 0 && c.personality != "strider" { // strider without a /host mount
				t.Errorf("incidents: %v", res.Incidents)
			}
		})
	}
}
