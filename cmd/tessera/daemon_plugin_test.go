package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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

// TestDaemonPermissionFlow: a plugin that asks at run time for a
// permission its manifest does not grant waits for an admin; grant lets
// its events through, the answer survives down and up, and revoke stops
// them at once.
func TestDaemonPermissionFlow(t *testing.T) {
	e := newDaemonEnv(t)
	wasm := guestbuild.Build(t, "../../examples/plugins/status")
	e.write(fmt.Sprintf(`
session "dev" {
  tab "main" {
    plugin_pane "bar" {
      source = %q
    }
  }
}
`, wasm))
	out := e.mustRun("up", e.file)
	if !strings.Contains(out, "bar asks for ReadApplicationState") {
		t.Errorf("up does not say a request waits:\n%s", out)
	}
	pending := e.console("pending")
	if !strings.Contains(pending, "session.dev.tab.main.pane.bar") || !strings.Contains(pending, "ReadApplicationState") {
		t.Fatalf("pending:\n%s", pending)
	}
	if strings.Contains(e.console("screen bar"), "main") {
		t.Fatalf("the plugin saw the tabs before it was granted the permission")
	}
	e.console("grant bar ReadApplicationState")
	e.waitFor("the granted plugin to draw the tab", func() bool {
		return strings.Contains(e.console("screen bar"), "main")
	})
	if p := e.console("pending"); !strings.Contains(p, "no permission request is waiting") {
		t.Errorf("pending after grant:\n%s", p)
	}

	// The answer persists: after down and up no request waits.
	e.mustRun("down", "-w", e.file)
	out = e.mustRun("up", e.file)
	if strings.Contains(out, "asks for") {
		t.Errorf("the grant did not survive a restart:\n%s", out)
	}
	e.waitFor("the plugin to draw the tab after the restart", func() bool {
		return strings.Contains(e.console("screen bar"), "main")
	})

	// Revoking stops the events at once: a new tab never reaches it.
	e.console("revoke bar ReadApplicationState")
	e.console("new-tab after-revoke")
	time.Sleep(300 * time.Millisecond) // let a (wrong) TabUpdate arrive if one were sent
	if s := e.console("screen bar"); strings.Contains(s, "after-revoke") {
		t.Errorf("a revoked plugin still got tab updates:\n%s", s)
	}
	if perms := e.console("perms bar"); !strings.Contains(perms, "ReadApplicationState") || !strings.Contains(perms, "DENIED") {
		t.Errorf("perms after revoke:\n%s", perms)
	}
}

// TestDaemonPluginCommands: RunCommand, WebRequest (against a local test
// server), command panes reporting back with their context, a tab opened by
// a command, and a crash restarted per policy until its cap.
func TestDaemonPluginCommands(t *testing.T) {
	e := newDaemonEnv(t)
	wasm := guestbuild.Build(t, "testdata/guests/actions")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.Header.Get("X-Test"))
	}))
	defer srv.Close()
	e.write(fmt.Sprintf(`
plugin "actions" {
  source      = %q
  config      = { url = %q }
  permissions = ["ReadApplicationState", "RunCommands", "WebAccess", "ChangeApplicationState", "OpenTerminalsOrPlugins"]
  restart {
    policy       = "on-failure"
    max_restarts = 2
    backoff      = "50ms"
  }
}

session "dev" {
  tab "main" {
    plugin_pane "act" {
      plugin = plugin.actions
    }
  }
}
`, wasm, srv.URL))
	e.mustRun("up", e.file)
	e.waitFor("the plugin's first frame", func() bool { return strings.Contains(e.console("screen act"), "ready") })

	e.console("keys act r w c t")
	e.waitFor("the results", func() bool {
		s := e.console("screen act")
		return strings.Contains(s, `run exit=3 out="out-42" err="err" ctx=k=run`) &&
			strings.Contains(s, `web status=200 body="hello yes" ctx=k=web`) &&
			strings.Contains(s, "pane opened ctx=k=pane") &&
			strings.Contains(s, "pane exited code=7 ctx=k=pane")
	})
	if tabs := e.console("tabs"); !strings.Contains(tabs, "from-plugin") {
		t.Errorf("the plugin's NewTab did not open a tab:\n%s", tabs)
	}
	if cmds := e.console("commands act"); !strings.Contains(cmds, "RunCommand") || !strings.Contains(cmds, "WebRequest") {
		t.Errorf("commands act:\n%s", cmds)
	}

	const addr = "session.dev.tab.main.pane.act"
	if st := e.objects("plugins")[addr].Stats; st.MemoryBytes == "" || st.CallP50Micros == "" || st.CallP99Micros == "" {
		t.Errorf("stats without memory or call times: %+v", st)
	}
	if s := e.console("stats"); !strings.Contains(s, "MEMORY") || !strings.Contains(s, " MiB") {
		t.Errorf("stats:\n%s", s)
	}

	// A crash restarts the plugin (on-failure); after the cap (2) it stays down.
	for i := 1; i <= 3; i++ {
		e.waitFor("the plugin to run", func() bool { return e.objects("plugins")[addr].State == "running" })
		if out, code := e.run("console", "-w", e.file, "-c", "keys act p"); code != 1 || !strings.Contains(out, "crash") {
			t.Errorf("a key that crashes the plugin: exit %d\n%s", code, out)
		}
		e.waitFor("the crash to be counted", func() bool {
			return e.objects("plugins")[addr].Stats.Crashes == strconv.Itoa(i)
		})
	}
	e.waitFor("the restart cap", func() bool {
		return strings.Contains(e.console("describe act"), "the cap")
	})
	if o := e.objects("plugins")[addr]; o.State != "crashed" || o.Restarts != 2 {
		t.Errorf("after the cap: %+v", o)
	}
	if s := e.console("screen act"); !strings.Contains(s, "crashed") {
		t.Errorf("the pane does not show the crash:\n%s", s)
	}
}

// TestDaemonPluginConfigurationChanged: a plugin that subscribed to
// PluginConfigurationChanged takes a configuration edit in place (same
// instance id, the new config drawn, describe shows it, the admin's grants
// follow it to its new identity); one that did not subscribe is replaced.
// The daemon's plan says which it will be.
func TestDaemonPluginConfigurationChanged(t *testing.T) {
	e := newDaemonEnv(t)
	wasm := guestbuild.Build(t, "testdata/guests/reconf")
	ws := func(live, fixed string) string {
		return fmt.Sprintf(`
plugin "reconf" {
  source      = %q
  permissions = ["ReadApplicationState"]
}

session "dev" {
  tab "main" {
    plugin_pane "live" {
      plugin = plugin.reconf
      config = { greeting = %q }
    }
    plugin_pane "fixed" {
      plugin = plugin.reconf
      config = { greeting = %q, live = "no" }
    }
  }
}
`, wasm, live, fixed)
	}
	const live, fixed = "session.dev.tab.main.pane.live", "session.dev.tab.main.pane.fixed"
	e.write(ws("hello", "hello"))
	e.mustRun("up", e.file)
	e.waitFor("both plugins to draw", func() bool {
		return strings.Contains(e.console("screen live"), "greeting=hello changes=0") &&
			strings.Contains(e.console("screen fixed"), "greeting=hello changes=0")
	})
	// An admin's answer, to follow the instance to its new identity.
	e.console("grant live RunCommands")
	before := e.objects("plugins")

	// The daemon's plan, for the edited file, says what will happen to each.
	next := filepath.Join(e.dir, "next.hcl") // not the workspace file: the watcher leaves it alone
	if err := os.WriteFile(next, []byte(ws("bonjour", "bonjour")), 0o600); err != nil {
		t.Fatal(err)
	}
	plan, _ := e.run("plan", "-w", e.file, next)
	liveAt, fixedAt := strings.Index(plan, "# "+live), strings.Index(plan, "# "+fixed)
	if liveAt < 0 || fixedAt < 0 || liveAt > fixedAt {
		t.Fatalf("plan lists the two panes out of order:\n%s", plan)
	}
	livePart, fixedPart := plan[liveAt:fixedAt], plan[fixedAt:]
	if !strings.Contains(livePart, "will be updated in place") || !strings.Contains(livePart, "update in place (PluginConfigurationChanged)") {
		t.Errorf("plan for the subscribed plugin:\n%s", livePart)
	}
	if !strings.Contains(fixedPart, "must be replaced") || !strings.Contains(fixedPart, "forces replacement") {
		t.Errorf("plan for the plugin that did not subscribe:\n%s", fixedPart)
	}
	if !strings.Contains(plan, "1 to update in place, 1 to replace") {
		t.Errorf("plan summary:\n%s", plan)
	}

	e.write(ws("bonjour", "bonjour"))
	e.waitFor("the subscribed plugin to draw its new config", func() bool {
		return strings.Contains(e.console("screen live"), "greeting=bonjour changes=1")
	})
	e.waitFor("the other plugin to be replaced", func() bool {
		o := e.objects("plugins")[fixed]
		return o.Id != before[fixed].Id && o.State == "running" &&
			strings.Contains(e.console("screen fixed"), "greeting=bonjour changes=0")
	})
	after := e.objects("plugins")
	if a, b := after[live].Id, before[live].Id; a != b {
		t.Errorf("the subscribed plugin got a new instance: id %d -> %d", b, a)
	}
	if s := e.console("screen live"); !strings.Contains(s, fmt.Sprintf("id=%d", before[live].Id)) {
		t.Errorf("the plugin's own id changed:\n%s", s)
	}
	if d := e.console("describe live"); !strings.Contains(d, "bonjour") {
		t.Errorf("describe does not show the new config:\n%s", d)
	}
	if dump := e.console("dump"); !strings.Contains(dump, "bonjour") {
		t.Errorf("dump does not show the new config:\n%s", dump)
	}
	// The grant followed the instance: a restart from the new config holds
	// it without asking.
	e.console("reload live")
	e.waitFor("the reloaded plugin", func() bool {
		o := e.objects("plugins")[live]
		return o.Id != before[live].Id && o.State == "running"
	})
	if p := e.console("perms live"); !strings.Contains(p, "RunCommands") {
		t.Errorf("the grant did not follow the new identity:\n%s", p)
	}
	if p := e.console("pending"); !strings.Contains(p, "no permission request is waiting") {
		t.Errorf("pending after the reload:\n%s", p)
	}
}

// TestDaemonPluginScrollsAPane: a plugin's scroll commands move the focused
// terminal pane's (the first pane's) view into its scrollback, and screen
// shows the view.
func TestDaemonPluginScrollsAPane(t *testing.T) {
	e := newDaemonEnv(t)
	wasm := guestbuild.Build(t, "testdata/guests/scroller")
	e.write(fmt.Sprintf(`
plugin "scroller" {
  source      = %q
  permissions = ["ChangeApplicationState"]
}

session "dev" {
  tab "main" {
    pane "log" {
      command = "sh"
      args    = ["-c", "seq 1 100; exec sleep 600"]
    }
    plugin_pane "scroller" {
      plugin = plugin.scroller
    }
  }
}
`, wasm))
	e.mustRun("up", e.file)
	first := func() string {
		rows := strings.Split(e.console("screen log"), "\n")
		return rows[0]
	}
	e.waitFor("the pane's output", func() bool { return first() == "78" })
	for _, step := range []struct{ key, first string }{
		{"t", "1"},  // ScrollToTop
		{"n", "25"}, // PageScrollDown (24 rows)
		{"d", "26"}, // ScrollDown
		{"b", "78"}, // ScrollToBottom
		{"u", "77"}, // ScrollUp
		{"p", "53"}, // PageScrollUp
	} {
		e.console("keys scroller " + step.key)
		e.waitFor("the view after key "+step.key, func() bool { return first() == step.first })
	}
	if s := e.console("screen scroller"); !strings.Contains(s, "sent=6 last=PageScrollUp") {
		t.Errorf("the plugin's view of its commands:\n%s", s)
	}
	if c := e.console("commands scroller"); strings.Contains(c, "unsupported") {
		t.Errorf("a scroll command was recorded as unsupported:\n%s", c)
	}
	// Output snaps the view back to the live screen.
	e.console(`write log 'x'`)
	e.waitFor("the live screen after output", func() bool { return first() == "78" })
}

// TestDaemonPluginCrashInLoad: a plugin that crashes while loading is
// reported twice by the host (its crash, then Load's error) but restarted
// once per crash: with a cap of 2 it is loaded three times.
func TestDaemonPluginCrashInLoad(t *testing.T) {
	e := newDaemonEnv(t)
	wasm := guestbuild.Build(t, "testdata/guests/actions")
	e.write(fmt.Sprintf(`
plugin "actions" {
  source = %q
  config = { panic_on_load = "broken on purpose" }
  restart {
    policy       = "on-failure"
    max_restarts = 2
    backoff      = "50ms"
  }
}

session "dev" {
  tab "main" {
    plugin_pane "act" {
      plugin = plugin.actions
    }
  }
}
`, wasm))
	e.mustRun("up", e.file)
	const addr = "session.dev.tab.main.pane.act"
	e.waitFor("the restart cap", func() bool {
		return strings.Contains(e.console("describe act"), "the cap")
	})
	o := e.objects("plugins")[addr]
	if o.Restarts != 2 || o.Stats.Crashes != "3" {
		t.Errorf("after the cap: restarts %d, crashes %s; want 2 restarts of 3 loads, each crash counted once", o.Restarts, o.Stats.Crashes)
	}
	if !strings.Contains(o.LastError, "broken on purpose") {
		t.Errorf("last error %q does not say why", o.LastError)
	}
}
