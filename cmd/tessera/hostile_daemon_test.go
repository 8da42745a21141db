package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
)

// What a hostile plugin can make the daemon do with the commands it is
// permitted to give (testdata/guests/hostile): it harms nothing but itself.

// hostileWorkspace runs the hostile guest in a plugin pane with every
// permission that matters here.
func hostileWorkspace(wasm, config string) string {
	return fmt.Sprintf(`
plugin "hostile" {
  source      = %q
  config      = { %s }
  permissions = ["ReadApplicationState", "ChangeApplicationState", "OpenTerminalsOrPlugins", "RunCommands", "WebAccess", "MessageAndLaunchOtherPlugins", "ReadCliPipes"]
}

session "dev" {
  tab "main" {
    plugin_pane "bad" {
      plugin = plugin.hostile
    }
  }
}
`, wasm, config)
}

// sentCount reads what the guest draws: how many commands it gave.
func (e *daemonEnv) sentCount(pane string) int {
	m := regexp.MustCompile(`sent (\d+)`).FindStringSubmatch(e.console("screen " + pane))
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// commandCount reads the plugin's count of commands from its stats.
func (e *daemonEnv) commandCount(addr string) int {
	e.t.Helper()
	var res struct {
		Objects []struct {
			Address string `json:"address"`
			Stats   struct {
				Commands string `json:"commands"`
			} `json:"stats"`
		} `json:"objects"`
	}
	if err := json.Unmarshal([]byte(e.mustRun("console", "-w", e.file, "--json", "-c", "plugins")), &res); err != nil {
		e.t.Fatal(err)
	}
	for _, o := range res.Objects {
		if o.Address == addr {
			n, _ := strconv.Atoi(o.Stats.Commands)
			return n
		}
	}
	return 0
}

// daemonRSS is the daemon's resident set in KiB.
func (e *daemonEnv) daemonRSS() int {
	e.t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", e.daemonPID()))
	if err != nil {
		e.t.Fatal(err)
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		e.t.Fatalf("no VmRSS in the daemon's status")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// daemonChildren counts the daemon's child processes.
func (e *daemonEnv) daemonChildren() int {
	pid := strconv.Itoa(e.daemonPID())
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, ent := range ents {
		b, err := os.ReadFile("/proc/" + ent.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if f := strings.Fields(s[i+1:]); len(f) > 1 && f[1] == pid {
			n++
		}
	}
	return n
}

// TestHostileTabAndPaneFlood: a plugin that opens tabs (each with a shell)
// in a loop gets at most its quota of them; the rest of its NewTabs fail,
// recorded in `commands`. Closing some makes room again.
func TestHostileTabAndPaneFlood(t *testing.T) {
	e := newDaemonEnv(t)
	wasm := guestbuild.Build(t, "testdata/guests/hostile")
	e.write(hostileWorkspace(wasm, `action = "tabs", burst = "50"`))
	e.mustRun("up", e.file)
	e.waitFor("the flood", func() bool { return e.sentCount("bad") >= 400 })
	tabs := len(regexp.MustCompile(`(?m)^.*flood-.*$`).FindAllString(e.console("tabs"), -1))
	if tabs > 32 {
		t.Errorf("the plugin opened %d tabs; want at most its quota of 32", tabs)
	}
	if n := e.daemonChildren(); n > 64 {
		t.Errorf("the daemon runs %d processes for the plugin", n)
	}
	if cmds := e.console("commands bad"); !strings.Contains(cmds, "NewTab refused: the plugin has 32 tabs open") {
		t.Errorf("commands bad does not show the refusal:\n%s", cmds)
	}
	if objs := e.objects("plugins"); objs["session.dev.tab.main.pane.bad"].State != "running" {
		t.Errorf("the plugin: %+v", objs["session.dev.tab.main.pane.bad"])
	}
}

// TestHostileRunCommandFlood: background commands in a loop run at most
// 16 at a time per plugin.
func TestHostileRunCommandFlood(t *testing.T) {
	e := newDaemonEnv(t)
	wasm := guestbuild.Build(t, "testdata/guests/hostile")
	e.write(hostileWorkspace(wasm, `action = "run", burst = "50"`))
	e.mustRun("up", e.file)
	e.waitFor("the flood", func() bool { return e.sentCount("bad") >= 400 })
	if n := e.daemonChildren(); n > 16 {
		t.Errorf("the daemon runs %d processes for the plugin's RunCommands; want at most 16", n)
	}
	if cmds := e.console("commands bad"); !strings.Contains(cmds, "RunCommand refused: the plugin has 16 commands running") {
		t.Errorf("commands bad does not show the refusal:\n%s", cmds)
	}
}

// TestHostileWebRequestFlood: web requests to a server that does not
// answer are at most 16 in flight per plugin.
func TestHostileWebRequestFlood(t *testing.T) {
	e := newDaemonEnv(t)
	wasm := guestbuild.Build(t, "testdata/guests/hostile")
	var inFlight, most atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	e.write(hostileWorkspace(wasm, fmt.Sprintf(`action = "web", burst = "50", url = %q`, srv.URL)))
	e.mustRun("up", e.file)
	e.waitFor("the flood", func() bool { return e.sentCount("bad") >= 400 })
	if n := most.Load(); n > 16 {
		t.Errorf("the server saw %d of the plugin's requests at once; want at most 16", n)
	}
	if cmds := e.console("commands bad"); !strings.Contains(cmds, "WebRequest refused: the plugin has 16 requests in flight") {
		t.Errorf("commands bad does not show the refusal:\n%s", cmds)
	}
}

// TestHostileMessagePingPong: a plugin that answers each of its own
// messages (to its own URL, 64 KiB each) with two is the one instance that
// gets them (no instance is loaded per message, as happened when the
// manifest has a configuration), and the messages waiting for it are
// bounded: the excess fails in its `commands`, the daemon does not grow.
func TestHostileMessagePingPong(t *testing.T) {
	e := newDaemonEnv(t)
	wasm := guestbuild.Build(t, "testdata/guests/hostile")
	e.write(hostileWorkspace(wasm, `action = "pingpong"`))
	e.mustRun("up", e.file)
	plugins := func() int { return len(e.objects("plugins")) }
	e.waitFor("the ping-pong", func() bool { return e.sentCount("bad") >= 500 || plugins() > 1 })
	if n := plugins(); n > 1 {
		t.Fatalf("messages to its own URL loaded %d more instances of the plugin:\n%s", n-1, e.console("plugins"))
	}
	base := e.daemonRSS()
	e.waitFor("more ping-pong", func() bool { return e.sentCount("bad") >= 2500 })
	if rss := e.daemonRSS(); rss > base+64<<10 {
		t.Errorf("daemon RSS grew from %d KiB to %d KiB during the ping-pong", base, rss)
	}
	if cmds := e.console("commands bad"); !strings.Contains(cmds, "messages waiting: message dropped") {
		t.Errorf("commands bad does not show dropped messages:\n%s", cmds)
	}
}

// TestHostilePipeOutputToAStoppedClient: a plugin that writes to a CLI pipe
// whose client reads nothing does not grow the daemon without bound: the
// pipe ends with an error saying why.
func TestHostilePipeOutputToAStoppedClient(t *testing.T) {
	e := newDaemonEnv(t)
	wasm := guestbuild.Build(t, "testdata/guests/hostile")
	e.write(hostileWorkspace(wasm, `action = "pipeout", burst = "16"`))
	e.mustRun("up", e.file)
	cmd := exec.Command(tesseraBin, "pipe", "-w", e.file, "--name", "flood", "go")
	cmd.Env, cmd.Dir = e.env, e.dir
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// Nobody reads out: the client blocks on its stdout; stop it too.
	e.waitFor("the flood", func() bool { return e.sentCount("bad") >= 200 })
	syscall.Kill(cmd.Process.Pid, syscall.SIGSTOP)
	base := e.daemonRSS()
	e.waitFor("more flood", func() bool { return e.sentCount("bad") >= 3000 })
	if rss := e.daemonRSS(); rss > base+64<<10 {
		t.Errorf("daemon RSS grew from %d KiB to %d KiB while the pipe's client read nothing", base, rss)
	}
	// Resumed, the client gets what was kept, then the error that ended
	// the pipe.
	syscall.Kill(cmd.Process.Pid, syscall.SIGCONT)
	n, _ := io.Copy(io.Discard, out)
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(errb.String(), "has not read") {
		t.Errorf("the pipe's client after %d bytes: %v, stderr %q", n, err, errb.String())
	}
}

// TestHostileFloodsTogether: plugins that rename a tab to 64 KiB names,
// switch modes, dump the layout, spam permission requests, write 64 KiB
// to a pane that reads nothing and draw 1 MiB frames, all as fast as the
// host lets them, and one that closes every tab (its own last), leave the
// daemon running, answering and within bounds.
func TestHostileFloodsTogether(t *testing.T) {
	e := newDaemonEnv(t)
	wasm := guestbuild.Build(t, "testdata/guests/hostile")
	var panes strings.Builder
	actions := []string{"rename", "mode", "dump", "perms", "write"}
	for _, a := range actions {
		fmt.Fprintf(&panes, `
    plugin_pane %q {
      plugin = plugin.hostile
      config = { action = %q, burst = "20", render = "big" }
    }`, a, a)
	}
	e.write(fmt.Sprintf(`
plugin "hostile" {
  source      = %q
  permissions = ["ReadApplicationState", "ChangeApplicationState", "WriteToStdin"]
}

session "dev" {
  tab "main" {
    pane "sink" {
      command = "sleep"
      args    = ["600"]
    }%s
  }
}

session "doomed" {
  tab "a" {
    pane "x" {}
  }
  tab "b" {
    plugin_pane "closer" {
      plugin = plugin.hostile
      config = { action = "close", burst = "1" }
    }
  }
}
`, wasm, panes.String()))
	e.mustRun("up", e.file)
	pid := e.daemonPID()
	for _, a := range actions {
		// The host holds a plugin's events while it waits for an answer
		// to a permission request: perms stops after its first burst.
		want := 200
		if a == "perms" {
			want = 20
		}
		e.waitFor(a+" flooding", func() bool { return e.commandCount("session.dev.tab.main.pane."+a) >= want })
	}
	if !alive(pid) {
		t.Fatal("the daemon died")
	}
	t.Logf("daemon RSS %d KiB", e.daemonRSS())
	if rss := e.daemonRSS(); rss > 512<<10 {
		t.Errorf("daemon RSS %d KiB", rss)
	}
	e.waitFor("the closer to close every tab of its session", func() bool { return !strings.Contains(e.console("tabs"), "doomed") })
	if panes := e.console("panes"); !strings.Contains(panes, "session.dev.tab.main.pane.sink") {
		t.Errorf("panes:\n%s", panes)
	}
}
