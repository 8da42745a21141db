package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
)

// TestDaemonPlugins brings up plugin panes of the example status plugin
// (built from source) and checks that they draw the daemon's real tabs,
// that a tab added by editing the file reaches them, and that changing one
// plugin's configuration replaces that plugin only.
func TestDaemonPlugins(t *testing.T) {
	e := newDaemonEnv(t)
	wasm := guestbuild.Build(t, "../../examples/plugins/status")
	ws := func(extraTab, compact string) string {
		tab := ""
		if extraTab != "" {
			tab = fmt.Sprintf("  tab %q {\n    pane \"sh\" {}\n  }\n", extraTab)
		}
		return fmt.Sprintf(`
plugin "status" {
  source      = %q
  permissions = ["ReadApplicationState"]
}

session "dev" {
  tab "main" {
    plugin_pane "bar" {
      plugin = plugin.status
    }
    plugin_pane "other" {
      plugin = plugin.status
      config = { compact = %q }
    }
  }
%s}
`, wasm, compact, tab)
	}
	e.write(ws("", "false"))
	out := e.mustRun("up", e.file)
	if !strings.Contains(out, "session.dev.tab.main.pane.bar") {
		t.Fatalf("up:\n%s", out)
	}
	e.waitFor("the plugin to draw the session's tab", func() bool {
		return strings.Contains(e.console("screen bar"), "main")
	})
	before := e.objects("plugins")

	// A tab added to the file appears in the plugin's next frame.
	e.write(ws("logs", "false"))
	e.waitFor("the plugin to draw the new tab", func() bool {
		return strings.Contains(e.console("screen bar"), "logs")
	})
	// A tab opened at run time too.
	e.console("new-tab scratch")
	e.waitFor("the plugin to draw the run-time tab", func() bool {
		return strings.Contains(e.console("screen bar"), "scratch")
	})

	// Changing one instance's configuration replaces it alone.
	e.write(ws("logs", "true"))
	e.waitFor("the changed plugin to be replaced", func() bool {
		o := e.objects("plugins")["session.dev.tab.main.pane.other"]
		return o.Id != before["session.dev.tab.main.pane.other"].Id && o.State == "running"
	})
	after := e.objects("plugins")
	if a, b := after["session.dev.tab.main.pane.bar"].Id, before["session.dev.tab.main.pane.bar"].Id; a != b {
		t.Errorf("unchanged plugin got a new instance: id %d -> %d", b, a)
	}

	// render draws now, at the size asked for.
	r := e.console("render bar 2x60")
	if !strings.Contains(r, "dev") {
		t.Errorf("render bar 2x60:\n%s", r)
	}
}
