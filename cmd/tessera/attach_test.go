package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
)

func TestAttachTerminalPane(t *testing.T) {
	e := newDaemonEnv(t)
	e.write(twoPanes)
	e.mustRun("up", e.file)
	pid := e.objects("panes")["session.dev.tab.code.pane.shell"].Pid

	pt := e.startPty(30, 100, nil, "attach", "-w", e.file, "shell")
	pt.waitText("Ctrl+q detaches")
	// The pane takes the terminal's size, less the status line.
	e.waitFor("the pane to take the terminal's size", func() bool {
		return strings.Contains(e.console("describe shell"), "29x100")
	})
	pt.typeText("echo $((6*7))-attached\r")
	pt.waitText("42-attached")

	pt.resize(20, 70)
	e.waitFor("the pane to follow the resize", func() bool {
		return strings.Contains(e.console("describe shell"), "19x70")
	})
	pt.typeText("stty size\r")
	pt.waitText("19 70")

	pt.typeText("\x11") // Ctrl+q
	if code := pt.wait(); code != 0 {
		t.Fatalf("attach exited %d; screen:\n%s", code, pt.text())
	}
	pt.waitText("[detached from shell]")
	o := e.objects("panes")["session.dev.tab.code.pane.shell"]
	if o.State != "running" || o.Pid != pid {
		t.Fatalf("after detach the shell is %s pid %d, want running pid %d", o.State, o.Pid, pid)
	}
	if d := e.console("describe shell"); !strings.Contains(d, "24x80") {
		t.Fatalf("the pane's size was not restored after detach:\n%s", d)
	}
	if s := e.console("screen shell"); !strings.Contains(s, "42-attached") {
		t.Fatalf("the pane's screen lost what was typed:\n%s", s)
	}
}

// pickerWorkspace writes the picker test guest next to the workspace file
// and returns a workspace with it in a plugin pane.
func pickerWorkspace(t *testing.T, e *daemonEnv) string {
	wasm := guestbuild.Build(t, "../../console/testdata/guests/picker")
	b, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "picker.wasm"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return `
plugin "picker" {
  source = "picker.wasm"
}

session "dev" {
  tab "code" {
    pane "shell" {}
    plugin_pane "chooser" {
      plugin = plugin.picker
    }
  }
}
`
}

func TestAttachPluginMovesSelection(t *testing.T) {
	e := newDaemonEnv(t)
	e.write(pickerWorkspace(t, e))
	e.mustRun("up", e.file)

	pt := e.startPty(12, 60, nil, "attach", "-w", e.file, "--detach-key", "Ctrl+]", "chooser")
	pt.waitText("Ctrl+] detaches")
	pt.waitText("picker 11x60") // rendered at the terminal's size
	pt.waitText("> alpha")
	pt.typeText("\x1b[B") // Down
	pt.waitText("> bravo")
	pt.typeText("j")
	pt.waitText("> charlie")
	pt.typeText("\x1bOA") // Up, application cursor encoding
	pt.waitText("> bravo")
	pt.typeText("\x1b[<0;3;5M\x1b[<0;3;5m") // click on the 4th item's row
	pt.waitText("> delta")
	pt.typeText("\x1d") // Ctrl+]
	if code := pt.wait(); code != 0 {
		t.Fatalf("attach exited %d; screen:\n%s", code, pt.text())
	}
	if s := e.console("screen chooser"); !strings.Contains(s, "> delta") || !strings.Contains(s, "picker 24x80") {
		t.Fatalf("after detach the plugin shows:\n%s", s)
	}
}
