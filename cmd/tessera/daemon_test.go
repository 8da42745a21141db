package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// daemonEnv is an isolated set of XDG directories for one test's daemons.
// The runtime directory is short: socket paths are limited to 108 bytes.
type daemonEnv struct {
	t    *testing.T
	dir  string // workspace directory
	env  []string
	rt   string
	file string // the workspace file
}

func newDaemonEnv(t *testing.T) *daemonEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("starts real daemons")
	}
	base, err := os.MkdirTemp("/tmp", "tsd")
	if err != nil {
		t.Fatal(err)
	}
	e := &daemonEnv{t: t, dir: filepath.Join(base, "ws"), rt: filepath.Join(base, "rt")}
	for _, d := range []string{e.dir, e.rt} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	e.file = filepath.Join(e.dir, "workspace.hcl")
	e.env = append(os.Environ(),
		"XDG_RUNTIME_DIR="+e.rt,
		"XDG_STATE_HOME="+filepath.Join(base, "state"),
		"XDG_DATA_HOME="+filepath.Join(base, "data"),
		"XDG_CACHE_HOME="+prCacheDir,
		"TESSERA_WORKSPACE=",
		"SHELL=/bin/sh",
	)
	t.Cleanup(func() {
		// Whatever the test did, no daemon outlives it.
		if out, _ := e.run("down", "-w", e.file); !strings.Contains(out, "stopped") {
			e.killDaemon()
		}
		os.RemoveAll(base)
	})
	return e
}

func (e *daemonEnv) write(src string) {
	e.t.Helper()
	// Write then rename, as editors do, so the watcher sees one complete file.
	tmp := e.file + ".tmp"
	if err := os.WriteFile(tmp, []byte(src), 0o600); err != nil {
		e.t.Fatal(err)
	}
	if err := os.Rename(tmp, e.file); err != nil {
		e.t.Fatal(err)
	}
}

// run runs the tessera binary in the workspace directory.
func (e *daemonEnv) run(args ...string) (stdout string, code int) {
	e.t.Helper()
	cmd := exec.Command(tesseraBin, args...)
	cmd.Env = e.env
	cmd.Dir = e.dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("tessera %s: %v", strings.Join(args, " "), err)
	}
	if code != 0 {
		e.t.Logf("tessera %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out.String(), errb.String())
	}
	return out.String() + errb.String(), code
}

func (e *daemonEnv) mustRun(args ...string) string {
	e.t.Helper()
	out, code := e.run(args...)
	if code != 0 {
		e.t.Fatalf("tessera %s: exit %d", strings.Join(args, " "), code)
	}
	return out
}

func (e *daemonEnv) console(script string) string {
	e.t.Helper()
	return e.mustRun("console", "-w", e.file, "-c", script)
}

type objectJSON struct {
	Address   string `json:"address"`
	Kind      string `json:"kind"`
	State     string `json:"state"`
	Pid       int    `json:"pid"`
	Id        int    `json:"id"`
	Managed   bool   `json:"managed"`
	LastError string `json:"lastError"`
	Restarts  int    `json:"restarts"`
	Stats     struct {
		Crashes       string `json:"crashes"`
		MemoryBytes   string `json:"memoryBytes"`
		CallP50Micros string `json:"callP50Micros"`
		CallP99Micros string `json:"callP99Micros"`
	} `json:"stats"`
}

// objects lists panes and plugins by address.
func (e *daemonEnv) objects(kind string) map[string]objectJSON {
	e.t.Helper()
	out := e.mustRun("console", "-w", e.file, "--json", "-c", kind)
	var res struct {
		Objects []objectJSON `json:"objects"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		e.t.Fatalf("decode %s: %v\n%s", kind, err, out)
	}
	m := map[string]objectJSON{}
	for _, o := range res.Objects {
		m[o.Address] = o
	}
	return m
}

// waitFor polls cond until it holds; the deadline is generous because the
// machine may be loaded, and it is a failure deadline, not a measurement.
func (e *daemonEnv) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatalf("timed out waiting for %s", what)
}

func (e *daemonEnv) daemonPID() int {
	ents, _ := os.ReadDir(filepath.Join(e.rt, "tessera"))
	for _, ent := range ents {
		if strings.HasSuffix(ent.Name(), ".json") {
			b, _ := os.ReadFile(filepath.Join(e.rt, "tessera", ent.Name()))
			var in struct {
				PID int `json:"pid"`
			}
			if json.Unmarshal(b, &in) == nil {
				return in.PID
			}
		}
	}
	return 0
}

func (e *daemonEnv) killDaemon() {
	if pid := e.daemonPID(); pid > 0 {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	// A zombie is as good as dead.
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || !strings.HasPrefix(strings.TrimSpace(s[i+1:]), "Z")
}

const twoPanes = `
session "dev" {
  tab "code" {
    pane "shell" {}
    pane "hello" {
      command = "sh"
      args    = ["-c", "echo ready in $TESSERA_PANE; exec sleep 600"]
    }
  }
}
`

func TestDaemonUpScreenWriteDown(t *testing.T) {
	e := newDaemonEnv(t)
	e.write(twoPanes)
	out := e.mustRun("up", e.file)
	for _, want := range []string{"session.dev.tab.code.pane.shell", "session.dev.tab.code.pane.hello", "running"} {
		if !strings.Contains(out, want) {
			t.Errorf("up output lacks %q:\n%s", want, out)
		}
	}
	e.waitFor("the hello pane's output", func() bool {
		return strings.Contains(e.console("screen hello"), "ready in session.dev.tab.code.pane.hello")
	})
	e.console(`write shell 'echo $((6*7))-from-shell\n'`)
	e.waitFor("the shell's answer", func() bool { return strings.Contains(e.console("screen shell"), "42-from-shell") })

	// A second up changes nothing and keeps the processes.
	before := e.objects("panes")
	e.mustRun("up", e.file)
	after := e.objects("panes")
	for a, o := range before {
		if after[a].Pid != o.Pid {
			t.Errorf("%s: pid %d became %d after a second up", a, o.Pid, after[a].Pid)
		}
	}

	ps := e.mustRun("ps")
	for _, want := range []string{e.dir, "SOCKET", ".sock", "dev"} {
		if !strings.Contains(ps, want) {
			t.Errorf("ps lacks %q:\n%s", want, ps)
		}
	}
	sock := filepath.Join(e.rt, "tessera")
	out = e.mustRun("down", "-w", e.file)
	if !strings.Contains(out, "stopped") {
		t.Errorf("down: %s", out)
	}
	for a, o := range before {
		if alive(o.Pid) {
			t.Errorf("%s: pid %d still alive after down", a, o.Pid)
		}
	}
	ents, _ := os.ReadDir(sock)
	for _, ent := range ents {
		t.Errorf("left behind in the runtime directory: %s", ent.Name())
	}
}

func TestDaemonReconcilesEdits(t *testing.T) {
	e := newDaemonEnv(t)
	e.write(`
session "dev" {
  tab "code" {
    pane "keep" {
      command = "sleep"
      args    = ["600"]
    }
    pane "change" {
      command = "sleep"
      args    = ["601"]
    }
    pane "drop" {
      command = "sleep"
      args    = ["602"]
    }
  }
}
`)
	e.mustRun("up", e.file)
	before := e.objects("panes")
	if len(before) != 3 {
		t.Fatalf("want 3 panes, got %v", before)
	}
	// An unmanaged tab and pane opened at run time survive applies.
	e.console("new-tab scratch; open scratch --name top sleep 603")
	scratch := e.objects("panes")["session.dev.tab.scratch.pane.top"]
	if scratch.Pid == 0 || scratch.Managed {
		t.Fatalf("unmanaged pane: %+v", scratch)
	}

	e.write(`
session "dev" {
  tab "code" {
    pane "keep" {
      command = "sleep"
      args    = ["600"]
    }
    pane "change" {
      command = "sleep"
      args    = ["611"]
    }
    pane "add" {
      command = "sleep"
      args    = ["604"]
    }
  }
}
`)
	e.waitFor("the edit to be applied", func() bool {
		_, ok := e.objects("panes")["session.dev.tab.code.pane.add"]
		return ok
	})
	after := e.objects("panes")
	keep := "session.dev.tab.code.pane.keep"
	if after[keep].Pid != before[keep].Pid {
		t.Errorf("unchanged pane restarted: pid %d -> %d", before[keep].Pid, after[keep].Pid)
	}
	change := "session.dev.tab.code.pane.change"
	if after[change].Pid == before[change].Pid || after[change].Pid == 0 {
		t.Errorf("changed pane kept pid %d", after[change].Pid)
	}
	if _, ok := after["session.dev.tab.code.pane.drop"]; ok {
		t.Errorf("removed pane still listed")
	}
	if alive(before["session.dev.tab.code.pane.drop"].Pid) {
		t.Errorf("removed pane's process still alive")
	}
	if after["session.dev.tab.scratch.pane.top"].Pid != scratch.Pid {
		t.Errorf("unmanaged pane touched by apply: %+v", after["session.dev.tab.scratch.pane.top"])
	}
	plan := e.console("plan")
	if !strings.Contains(plan, "session.dev.tab.scratch") || !strings.Contains(strings.ToLower(plan), "unmanaged") {
		t.Errorf("plan does not list the unmanaged tab:\n%s", plan)
	}

	// An invalid edit changes nothing and plan shows why.
	e.write(`session "dev" { tab "code" { pane "keep" { command = } } }`)
	time.Sleep(500 * time.Millisecond) // past the debounce: the reload runs and must change nothing
	now := e.objects("panes")
	if len(now) != len(after) || now[keep].Pid != after[keep].Pid {
		t.Errorf("an invalid file changed the session: %v", now)
	}
	out, code := e.run("console", "-w", e.file, "-c", "plan")
	if code != 1 || !strings.Contains(out, "workspace.hcl:1") {
		t.Errorf("plan of an invalid file: exit %d\n%s", code, out)
	}
	out, code = e.run("apply", "-w", e.file)
	if code != 2 {
		t.Errorf("apply of an invalid file: exit %d, want 2\n%s", code, out)
	}
}

func TestDaemonEndsEscapedDescendants(t *testing.T) {
	e := newDaemonEnv(t)
	pidfile := filepath.Join(e.dir, "escaped.pid")
	e.write(fmt.Sprintf(`
session "dev" {
  tab "t" {
    pane "escaper" {
      command = "sh"
      args    = ["-c", "setsid sh -c 'echo $$ > %s; exec sleep 600' & exec sleep 600"]
    }
  }
}
`, pidfile))
	e.mustRun("up", e.file)
	var pid int
	e.waitFor("the escaped process's pid", func() bool {
		b, err := os.ReadFile(pidfile)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && pid > 0
	})
	if !alive(pid) {
		t.Fatalf("escaped process %d is not running", pid)
	}
	daemon := e.daemonPID()
	if err := syscall.Kill(daemon, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the daemon to exit on SIGTERM", func() bool { return !alive(daemon) })
	e.waitFor("the escaped process to end", func() bool { return !alive(pid) })
	if _, err := os.Stat(filepath.Join(e.rt, "tessera")); err == nil {
		ents, _ := os.ReadDir(filepath.Join(e.rt, "tessera"))
		for _, ent := range ents {
			t.Errorf("left behind after SIGTERM: %s", ent.Name())
		}
	}
}

func TestUpRefusesAnInvalidWorkspace(t *testing.T) {
	e := newDaemonEnv(t)
	e.write(`session "dev" { tab "t" { pane "p" { comand = "x" } } }`)
	out, code := e.run("up", e.file)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, out)
	}
	if !strings.Contains(out, "nothing started") {
		t.Errorf("output:\n%s", out)
	}
	if pid := e.daemonPID(); pid != 0 {
		t.Errorf("a daemon (pid %d) was started for an invalid workspace", pid)
	}
}

func TestConsoleScriptErrors(t *testing.T) {
	e := newDaemonEnv(t)
	e.write(twoPanes)
	e.mustRun("up", e.file)
	for _, tc := range []struct{ script, want string }{
		{"screen nosuch", `no object at "nosuch"`},
		{"screen shel", "did you mean session.dev.tab.code.pane.shell"},
		{"scren shell", `did you mean "screen"`},
		{"resize shell 0x3", "want ROWSxCOLS"},
		{"panes; describe", "usage: describe ADDR"},
	} {
		out, code := e.run("console", "-w", e.file, "-c", tc.script)
		if code != 1 || !strings.Contains(out, tc.want) {
			t.Errorf("%q: exit %d, want 1 and %q in:\n%s", tc.script, code, tc.want, out)
		}
	}
}

func TestDaemonScrollbackAndReplies(t *testing.T) {
	e := newDaemonEnv(t)
	// The pane prints 100 numbered lines, then asks the terminal where its
	// cursor is (DSR 6) and prints the answer it reads back.
	e.write(`
session "dev" {
  tab "t" {
    pane "count" {
      command = "sh"
      args    = ["-c", "i=1; while [ $i -le 100 ]; do echo line-$i; i=$((i+1)); done; stty -echo raw; printf '\\033[6n'; r=$(dd bs=1 count=7 2>/dev/null); stty sane; echo; echo reply:$r | tr -d '\\033'; exec sleep 600"]
    }
  }
}
`)
	e.mustRun("up", e.file)
	e.waitFor("the cursor report", func() bool { return strings.Contains(e.console("screen count"), "reply:[") })
	sb := e.console("scrollback count 200")
	for _, want := range []string{"line-1\n", "line-50\n", "line-100\n"} {
		if !strings.Contains(sb, want) {
			t.Errorf("scrollback lacks %q:\n%s", want, sb)
		}
	}
	if got := e.console("scrollback count 3"); strings.Count(got, "\n") != 3 {
		t.Errorf("scrollback count 3 printed:\n%s", got)
	}
}

// TestDaemonDumpModeAndSIGHUP: dump writes the running session (run-time
// tabs included) as a file validate accepts; mode switches the session's
// input mode; SIGHUP re-reads the files.
func TestDaemonDumpModeAndSIGHUP(t *testing.T) {
	e := newDaemonEnv(t)
	e.write(twoPanes)
	e.mustRun("up", e.file)
	e.console("new-tab extra; open extra --name top sleep 500")
	dump := e.console("dump")
	for _, want := range []string{`session "dev"`, `tab "code"`, `tab "extra"`, `pane "top"`, `"sleep"`, `"500"`} {
		if !strings.Contains(dump, want) {
			t.Errorf("dump lacks %s:\n%s", want, dump)
		}
	}
	dumped := filepath.Join(e.dir, "dumped.hcl")
	if err := os.WriteFile(dumped, []byte(dump), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := e.run("validate", dumped); code != 0 {
		t.Errorf("the dump does not validate:\n%s\n%s", out, dump)
	}
	if out := e.console("mode locked"); !strings.Contains(out, "Locked") {
		t.Errorf("mode locked: %s", out)
	}
	if _, code := e.run("console", "-w", e.file, "-c", "mode nosuch"); code != 1 {
		t.Errorf("mode nosuch: exit %d", code)
	}

	// SIGHUP: a file changed behind the watcher's back is applied. The
	// change here is seen by the watcher too; the point is that SIGHUP
	// alone applies (the daemon logs "reload requested").
	if err := syscall.Kill(e.daemonPID(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the SIGHUP reload in the log", func() bool {
		return strings.Contains(e.console("logs -n 50"), "reload requested")
	})
}
