package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConsoleREPL drives the REPL in a real pty as a person would.
func TestConsoleREPL(t *testing.T) {
	e := newDaemonEnv(t)
	e.write(pickerWorkspace(t, e))
	e.mustRun("up", e.file)

	pt := e.startPty(30, 120, nil, "console", "-w", e.file)
	pt.waitText("Ctrl-D leaves")
	pt.waitText("workspace:dev>") // the prompt names the workspace and the session

	// A command, and its table.
	pt.typeText("panes\r")
	pt.waitText("session.dev.tab.code.pane.chooser")
	pt.waitText("COMMAND/PLUGIN")

	// Tab completes a plugin's name from a suffix, then the command runs.
	pt.typeText("describe cho\t")
	pt.waitText("describe chooser")
	pt.typeText("\r")
	pt.waitText("picker.wasm")

	// Tab completes a command name.
	pt.typeText("scre\tch\t\r")
	pt.waitText("> alpha")

	// An unknown command gets the nearest one.
	pt.typeText("pnaes\r")
	pt.waitText(`did you mean "panes"?`)

	// events follows until Ctrl-C; the console stays.
	pt.typeText("events\r")
	e.waitFor("the console to follow events", func() bool {
		e.console("restart shell")
		return strings.Contains(pt.text(), "pane.started")
	})
	pt.typeText("\x03")
	pt.waitText("^C")
	pt.typeText("status\r")
	pt.waitScreen("status after Ctrl-C", func(s string) bool { return strings.Count(s, "uptime") == 1 })

	// watch redraws a plugin in place as it changes, until Ctrl-C.
	pt.typeText("watch chooser\r")
	pt.waitText("watching: Ctrl-C stops")
	pt.waitText("> alpha")
	// What is typed while watching is not echoed over the screen, nor left
	// for the prompt.
	pt.typeText("zzqq")
	e.console("keys chooser Down")
	pt.waitText("> bravo")
	pt.mu.Lock()
	echoed := strings.Contains(pt.raw.String(), "zzqq")
	pt.mu.Unlock()
	if echoed {
		t.Fatalf("keys typed while watching were echoed:\n%s", pt.text())
	}
	pt.typeText("\x03")
	pt.waitScreen("the prompt after watch", func(s string) bool {
		return strings.Contains(s, "workspace:dev> watch chooser") && !strings.Contains(s, "watching")
	})

	// Ctrl-C on a line being typed cancels the line only.
	pt.typeText("this is not run\x03")
	pt.typeText("help watch\r")
	pt.waitText("example: watch status")
	if strings.Contains(pt.text(), "zzqq") {
		t.Fatalf("keys typed while watching reached the prompt:\n%s", pt.text())
	}
	if strings.Contains(pt.text(), `"this"`) {
		t.Fatalf("a cancelled line was run:\n%s", pt.text())
	}

	// Ctrl-D leaves.
	pt.typeText("\x04")
	if code := pt.wait(); code != 0 {
		t.Fatalf("console exited %d; screen:\n%s", code, pt.text())
	}

	// History survives a restart: Up brings back the last command.
	hist, err := os.ReadFile(filepath.Join(e.base(), "state", "tessera", "console_history"))
	if err != nil || !strings.Contains(string(hist), "help watch") {
		t.Fatalf("history file: %v\n%s", err, hist)
	}
	pt2 := e.startPty(30, 120, nil, "console", "-w", e.file)
	pt2.waitText("Ctrl-D leaves")
	pt2.typeText("\x1b[A")
	pt2.waitText("> help watch")
	pt2.typeText("\r")
	pt2.waitScreen("help watch to run again", func(s string) bool { return strings.Contains(s, "example: watch status") })
	pt2.typeText("\x04")
	pt2.wait()
}

// TestConsoleREPLDaemonGone: the console ends with one line when the daemon stops.
func TestConsoleREPLDaemonGone(t *testing.T) {
	e := newDaemonEnv(t)
	e.write(twoPanes)
	e.mustRun("up", e.file)
	pt := e.startPty(24, 100, nil, "console", "-w", e.file)
	pt.waitText("Ctrl-D leaves")
	pt.typeText("events\r")
	pt.waitText("events")
	e.mustRun("down", "-w", e.file)
	if code := pt.wait(); code != 1 {
		t.Fatalf("console exited %d, want 1; screen:\n%s", code, pt.text())
	}
	pt.waitText("tessera console: the daemon has stopped")
}
