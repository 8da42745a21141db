package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
)

// pipe runs `tessera pipe ARGS` in the workspace with stdin.
func (e *daemonEnv) pipe(stdin string, args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	cmd := exec.Command(tesseraBin, append([]string{"pipe", "-w", e.file}, args...)...)
	cmd.Env = e.env
	cmd.Dir = e.dir
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("tessera pipe: %v", err)
	}
	return out.String(), errb.String(), code
}

// background lists the background plugins, by address.
func (e *daemonEnv) background() []objectJSON {
	e.t.Helper()
	var out []objectJSON
	for _, o := range e.objects("plugins") {
		if o.Kind == "background_plugin" {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Id < out[j].Id })
	return out
}

const piperWorkspace = `
plugin "piper" {
  source      = %q
  permissions = ["ReadCliPipes", "MessageAndLaunchOtherPlugins"]
  restart {
    policy = "never"
  }
}

session "dev" {
  tab "main" {
    plugin_pane "p" {
      plugin = plugin.piper
      config = { role = "main" }
    }
  }
}
`

// TestDaemonPipes drives CLI pipes and plugin-to-plugin messages through a
// real daemon with the piper guest.
func TestDaemonPipes(t *testing.T) {
	e := newDaemonEnv(t)
	wasm := guestbuild.Build(t, "testdata/guests/piper")
	e.write(fmt.Sprintf(piperWorkspace, wasm))
	e.mustRun("up", e.file)
	url := "file:" + wasm

	// Lines of stdin, then the end of the input, in order.
	out, errOut, code := e.pipe("a\nb\nc\n", "--plugin", url, "--plugin-configuration", "role=main", "--name", "echo")
	if code != 0 || out != "main:A\nmain:B\nmain:C\nmain:end\n" {
		t.Fatalf("echo pipe: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// A plugin that blocks each line holds the pipe until it unblocks it:
	// it never gets a line while it holds the previous one, and what it
	// writes later comes in order.
	out, errOut, code = e.pipe("1\n2\n3\n4\n", "--plugin", url, "-c", "role=main", "--name", "hold")
	if code != 0 || out != "late:1\nlate:2\nlate:3\nlate:4\n" {
		t.Fatalf("hold pipe: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// The same URL with another configuration is another plugin: loaded on
	// the first message as an unmanaged background plugin, then reused.
	out, errOut, code = e.pipe("", "--plugin", url, "-c", "role=cli", "--name", "echo", "hi")
	if code != 0 || out != "cli:HI" {
		t.Fatalf("pipe to a plugin not running: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	bg := e.background()
	if len(bg) != 1 || bg[0].State != "running" || bg[0].Managed || !strings.HasPrefix(bg[0].Address, "session.dev.background_plugin.piper") {
		t.Fatalf("the loaded plugin: %+v", bg)
	}
	out, _, code = e.pipe("", "--plugin", url, "-c", "role=cli", "--name", "echo", "again")
	if code != 0 || out != "cli:AGAIN" {
		t.Fatalf("second pipe: exit %d, stdout %q", code, out)
	}
	if n := len(e.objects("plugins")); n != 2 {
		t.Fatalf("the second message loaded another plugin: %d plugins", n)
	}

	// Plugin to plugin: main sends to its own URL with role=receiver (loaded
	// on that first message), which answers main by id.
	out, errOut, code = e.pipe("", "--plugin", url, "-c", "role=main", "--name", "forward", "x1")
	if code != 0 || out != "forwarded\n" {
		t.Fatalf("forward: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	e.waitFor("main to show the receiver's answer", func() bool {
		return strings.Contains(e.console("screen p"), "ack: receiver got x1")
	})
	if bg := e.background(); len(bg) != 2 || bg[1].State != "running" {
		t.Fatalf("the receiver: %+v", bg)
	}

	// A broadcast reaches every running plugin.
	out, errOut, code = e.pipe("", "--name", "echo", "all")
	if code != 0 {
		t.Fatalf("broadcast: exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"main:ALL", "cli:ALL", "receiver:ALL"} {
		if !strings.Contains(out, want) {
			t.Errorf("broadcast output lacks %q: %q", want, out)
		}
	}

	// The console's pipe.
	if out := e.console(fmt.Sprintf("pipe --plugin %s --config role=cli echo yo", url)); !strings.Contains(out, "cli:YO") {
		t.Errorf("console pipe: %q", out)
	}

	// A plugin closed while it holds a line ends the pipe, naming it.
	e.write(fmt.Sprintf(piperWorkspace, wasm) + `
session "side" {
  tab "t" {
    plugin_pane "q" {
      plugin = plugin.piper
      config = { role = "side" }
    }
  }
}
`)
	e.mustRun("apply", "-w", e.file)
	cmd := exec.Command(tesseraBin, "pipe", "-w", e.file, "--plugin", url, "-c", "role=side", "--name", "park", "x")
	cmd.Env, cmd.Dir = e.env, e.dir
	var parkErr bytes.Buffer
	cmd.Stderr = &parkErr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	e.waitFor("the plugin to hold the line", func() bool { return strings.Contains(e.console("screen q"), "parked=true") })
	select {
	case err := <-exited:
		t.Fatalf("the pipe ended while the plugin held its line: %v, %s", err, parkErr.String())
	default:
	}
	e.console("close q")
	err := <-exited
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(parkErr.String(), "session.side.tab.t.pane.q was closed") {
		t.Fatalf("pipe to a closed plugin: %v, stderr %q", err, parkErr.String())
	}

	// The target crashing ends the pipe with status 1, naming it.
	out, errOut, code = e.pipe("", "--plugin", url, "-c", "role=main", "--name", "crash", "boom")
	if code != 1 || !strings.Contains(errOut, "session.dev.tab.main.pane.p") || !strings.Contains(errOut, "crash") {
		t.Fatalf("crash: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// The daemon going away ends a pipe waiting for a release with status 1.
	cmd = exec.Command(tesseraBin, "pipe", "-w", e.file, "--plugin", url, "-c", "role=cli", "--name", "park", "x")
	cmd.Env, cmd.Dir = e.env, e.dir
	parkErr.Reset()
	cmd.Stderr = &parkErr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { exited <- cmd.Wait() }()
	e.waitFor("the background plugin to hold the line", func() bool {
		return strings.Contains(e.console("render "+e.background()[0].Address+" 2x80"), "parked=true")
	})
	e.mustRun("down", "-w", e.file)
	err = <-exited
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(parkErr.String(), "went away") {
		t.Fatalf("pipe when the daemon stops: %v, stderr %q", err, parkErr.String())
	}
}

func TestPipeUsage(t *testing.T) {
	e := newDaemonEnv(t)
	e.write(twoPanes)
	e.mustRun("up", e.file)
	// A bad plugin location is a problem said plainly.
	_, errOut, code := e.pipe("", "--plugin", "ftp:x", "--name", "echo", "x")
	if code != 1 || !strings.Contains(errOut, "not supported") {
		t.Fatalf("bad URL: exit %d, stderr %q", code, errOut)
	}
	// A broadcast nobody receives is not handled.
	_, errOut, code = e.pipe("", "--name", "echo", "x")
	if code != 1 || !strings.Contains(errOut, "no plugin is running") {
		t.Fatalf("broadcast without plugins: exit %d, stderr %q", code, errOut)
	}
	// A configuration without a plugin is a usage error.
	_, errOut, code = e.pipe("", "-c", "a=b", "x")
	if code != 2 || !strings.Contains(errOut, "--plugin") {
		t.Fatalf("configuration without --plugin: exit %d, stderr %q", code, errOut)
	}
}
