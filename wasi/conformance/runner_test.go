package conformance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-ws/tessera/internal/runner"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

func TestStriderListsMountedFolder(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, ".hidden"), nil, 0o644))
	must(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "sub", "inner.go"), []byte("package x\n"), 0o644))
	res := run(t, runOpts{personality: "strider", grant: all,
		mounts: []wasi.Mount{{Guest: "/host", Host: dir, ReadOnly: true}},
		script: "render\nkey Down\nkey Enter\n"})
	if len(res.Snapshots) != 1 {
		t.Fatalf("snapshots: %d", len(res.Snapshots))
	}
	first := strings.Join(res.Snapshots[0].Screen, "\n")
	for _, s := range []string{"a.txt (5 B)", "sub/"} {
		if !strings.Contains(first, s) {
			t.Errorf("first listing lacks %q:\n%s", s, first)
		}
	}
	if strings.Contains(first, ".hidden") {
		t.Errorf("hidden file listed:\n%s", first)
	}
	// Entering sub/ goes through ChangeHostFolder(<initial_cwd>/sub) and,
	// on HostFolderChanged, a new scan of /host.
	wantScreen(t, res, "inner.go (10 B)")
	if strings.Contains(screen(res), "a.txt") {
		t.Errorf("still showing the parent folder:\n%s", screen(res))
	}
	if n := count(res, "ChangeHostFolder"); n != 1 {
		t.Errorf("ChangeHostFolder issued %d times", n)
	}
	if len(res.Incidents) > 0 {
		t.Errorf("incidents: %v", res.Incidents)
	}
}

func TestSessionManagerTimerLoop(t *testing.T) {
	res := run(t, runOpts{personality: "session-manager", grant: all, script: "wait 2500ms\nkey Down\n"})
	// A timer every second: at least two rounds of the refresh loop.
	if n := count(res, "CurrentSessionLastSavedTime"); n < 2 {
		t.Errorf("CurrentSessionLastSavedTime issued %d times, want >= 2", n)
	}
	if n := count(res, "GetSessionList"); n < 3 {
		t.Errorf("GetSessionList issued %d times, want >= 3", n)
	}
	wantScreen(t, res, "Sessions (1)", "(current)")
	if !strings.Contains(screen(res), "timers 2") && !strings.Contains(screen(res), "timers 3") {
		t.Errorf("timer count not shown:\n%s", screen(res))
	}
}

func TestTabBarClicks(t *testing.T) {
	// " Zellij (tessera) [Tab #1] + ": the tab starts at column 18, "+" at 26.
	res := run(t, runOpts{personality: "tab-bar", grant: all,
		script: "mouse left 0 20\nmouse left 0 27\nrender\nmouse scroll-down\n"})
	var switched, created bool
	for _, r := range res.Commands {
		switch r.Name {
		case "SwitchTabTo":
			switched = switched || strings.Contains(string(r.Payload), `"tab_index":1`)
		case "NewTab":
			created = true
			if r.Reply == nil {
				t.Errorf("NewTab got no reply record: %+v", r)
			}
		}
	}
	if !switched || !created {
		t.Errorf("commands %v: want SwitchTabTo(1) and NewTab", names(res.Commands))
	}
	snap := strings.Join(res.Snapshots[0].Screen, "\n")
	if !strings.Contains(snap, "Tab #2") {
		t.Errorf("new tab not shown after NewTab:\n%s", snap)
	}
}

func TestStatusBarClickOpensPane(t *testing.T) {
	res := run(t, runOpts{personality: "status-bar", grant: all, script: "mouse left 0 3\nresize 5x60\n"})
	if count(res, "NewPane") != 1 {
		t.Errorf("commands %v: want one NewPane", names(res.Commands))
	}
	wantScreen(t, res, "clicks: 1")
	if res.Cols != 60 {
		t.Errorf("size %dx%d after resize", res.Rows, res.Cols)
	}
}

// A file: plugin gets no application state without ReadApplicationState:
// mode, tab and session events are filtered and GetSessionList is denied
// (answered with an empty line, so the strict reader does not crash).
func TestPermissionsForNonBuiltin(t *testing.T) {
	t.Run("status-bar denied", func(t *testing.T) {
		res := run(t, runOpts{personality: "status-bar"})
		wantScreen(t, res, "NO MODE", "tabs: 0", "Ctrl+g LOCK") // keybinds need no permission
	})
	t.Run("status-bar granted", func(t *testing.T) {
		res := run(t, runOpts{personality: "status-bar", grant: []pluginpb.PermissionType{pluginpb.PermissionType_ReadApplicationState}})
		wantScreen(t, res, "Zellij (tessera)  NORMAL", "tabs: 1")
	})
	t.Run("tab-bar denied renders nothing", func(t *testing.T) {
		res := run(t, runOpts{personality: "tab-bar"})
		if s := strings.TrimSpace(screen(res)); s != "" {
			t.Errorf("tab-bar rendered without tabs:\n%s", s)
		}
	})
	t.Run("session-manager denied", func(t *testing.T) {
		res := run(t, runOpts{personality: "session-manager", script: "wait 1200ms\n"})
		wantScreen(t, res, "Sessions (0)", "mode NO MODE", "timers 1")
		denied := 0
		for _, r := range res.Commands {
			if r.Status == runner.StatusDenied {
				denied++
			}
		}
		if denied < 3 { // GetSessionList twice, CurrentSessionLastSavedTime, RenamePluginPane
			t.Errorf("denied %d commands: %v", denied, res.Commands)
		}
	})
	t.Run("tab-bar click denied", func(t *testing.T) {
		// Without ChangeApplicationState the NewTab reply is still written.
		res := run(t, runOpts{personality: "tab-bar", grant: []pluginpb.PermissionType{pluginpb.PermissionType_ReadApplicationState},
			script: "mouse left 0 27\n"})
		if count(res, "NewTab") != 1 {
			t.Errorf("commands %v", names(res.Commands))
		}
		wantScreen(t, res, "(empty reply)")
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Strider's filepicker: a private CLI pipe message named filepicker blocks
// the pipe until a file is chosen, then the path goes to the CLI and the
// pipe is released.
func TestStriderFilepickerPipe(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "pick.me"), []byte("x"), 0o644))
	res := run(t, runOpts{personality: "strider", grant: all,
		mounts: []wasi.Mount{{Guest: "/host", Host: dir}},
		script: "pipe filepicker\nrender\nkey Enter\npipe filepicker\n"})
	if !strings.Contains(strings.Join(res.Snapshots[0].Screen, "\n"), "(pick a file)") {
		t.Errorf("filepicker request not shown:\n%s", strings.Join(res.Snapshots[0].Screen, "\n"))
	}
	if len(res.PipeOutput) == 0 || res.PipeOutput[0].Text != "/host/pick.me" {
		t.Errorf("pipe output %+v, want /host/pick.me", res.PipeOutput)
	}
	for _, n := range []string{"BlockCliPipeInput", "CliPipeOutput", "UnblockCliPipeInput"} {
		if count(res, n) == 0 {
			t.Errorf("no %s in %v", n, names(res.Commands))
		}
	}
	for _, inc := range res.Incidents {
		if strings.Contains(inc, "still blocked") {
			t.Errorf("second message waited for a released pipe: %s", inc)
		}
	}
}

// A third-party plugin asks for permissions in load, runs a command and
// talks to its worker.
func TestThirdPartyPermissionsCommandsWorker(t *testing.T) {
	script := "key r\nkey w\nwait 300ms\nkey w\nwait 300ms\n"
	t.Run("granted", func(t *testing.T) {
		res := run(t, runOpts{personality: "third-party", grant: all, script: script})
		wantScreen(t, res, "permission: granted  mode: NORMAL  tabs: 1", "runs: exit=none id=1",
			"worker: ping:2 received 2")
	})
	t.Run("denied", func(t *testing.T) {
		res := run(t, runOpts{personality: "third-party", script: script})
		wantScreen(t, res, "permission: denied  mode: NO MODE  tabs: 0", "runs:\n", "worker: ping:2 received 2")
		for _, r := range res.Commands {
			if r.Name == "RunCommand" && r.Status != runner.StatusDenied {
				t.Errorf("RunCommand %s without RunCommands", r.Status)
			}
		}
	})
	t.Run("worker commands", func(t *testing.T) {
		res := run(t, runOpts{personality: "third-party", grant: all, script: "key i\nwait 300ms\n"})
		wantScreen(t, res, "worker: ping:ids received 1 plugin 0 sessions 1")
	})
	t.Run("partly granted", func(t *testing.T) {
		// Asking for more than --grant gives is denied; what was given
		// stays.
		res := run(t, runOpts{personality: "third-party", script: script,
			grant: []pluginpb.PermissionType{pluginpb.PermissionType_ReadApplicationState}})
		wantScreen(t, res, "permission: denied  mode: NORMAL  tabs: 1")
	})
}

// Every key and mouse form the script language has decodes with the
// strict Key and Mouse conversions.
func TestScriptInputDecodes(t *testing.T) {
	keys := []string{"a", "A", "Ctrl+g", "Alt+Shift+x", "F5", "Esc", "Space", "Backspace", "Tab", "PageDown",
		"é", "Ctrl+Alt+Super+Delete", "Home", "End", "Insert", "F12", "Left", "Right", "Up", "Down", "Enter"}
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("key " + k + "\n")
	}
	b.WriteString("mouse hover 1 1\nmouse release 2 2\nmouse hold 1 1\nmouse right 1 1\nmouse left 3 3\n" +
		"mouse scroll-left 2\nmouse scroll-right\nmouse scroll-up 3\nmouse scroll-down\n")
	res := run(t, runOpts{personality: "strider", script: b.String()})
	// Characters without modifiers go to the search line; é survives
	// the guest's byte-sized char decoding.
	wantScreen(t, res, "FIND: aA é_")
}

// caller_cwd makes strider start with ChangeHostFolder. Under the guest's
// view of its cwd, /host/... names a folder of the mount, never one
// outside it (a symlink leading out is refused).
func TestStriderCallerCwd(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	must(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "sub", "in-sub"), nil, 0o644))
	must(t, os.WriteFile(filepath.Join(outside, "secret"), nil, 0o644))
	must(t, os.Symlink(outside, filepath.Join(dir, "out")))
	mounts := []wasi.Mount{{Guest: "/host", Host: dir, ReadOnly: true}}
	res := run(t, runOpts{personality: "strider", grant: all, mounts: mounts, config: map[string]string{"caller_cwd": "/host/sub"}})
	wantScreen(t, res, "/host/sub/", "in-sub")
	for _, cwd := range []string{"/host/out", "/host/../" + filepath.Base(outside), "/host/missing"} {
		res = run(t, runOpts{personality: "strider", grant: all, mounts: mounts, config: map[string]string{"caller_cwd": cwd}})
		if strings.Contains(screen(res), "secret") {
			t.Errorf("caller_cwd %s reached outside the mount:\n%s", cwd, screen(res))
		}
	}
}
