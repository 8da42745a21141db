package main

import (
	"strings"
	"testing"
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
