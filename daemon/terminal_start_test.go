package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/config"
)

// loopDaemon is a daemon with its loop running and no socket, host or
// watcher: enough for terminal panes. It stops every pane at cleanup.
func loopDaemon(t testing.TB) (*Daemon, *tab) {
	d, tb, _ := loopDaemonStop(t)
	return d, tb
}

// loopDaemonStop is loopDaemon that also returns a function that ends the
// loop (as the daemon's shutdown does: stopAll once the loop has returned)
// and waits until every goroutine of the daemon has ended.
func loopDaemonStop(t testing.TB) (*Daemon, *tab, func()) {
	t.Helper()
	base, err := os.MkdirTemp("/tmp", "tts")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(base, "rt"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(base, "state"))
	file := filepath.Join(base, "workspace.hcl")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{Workspace: file})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		d.loop(ctx)
		d.stopAll()
		close(stopped)
	}()
	stop := func() {
		cancel()
		<-stopped
		d.wg.Wait()
	}
	t.Cleanup(func() {
		stop()
		d.logf.Close()
		releaseLock(d.lock, d.paths.Lock)
	})
	s := &session{addr: "session.s", name: "s", managed: true}
	tb := &tab{addr: "session.s.tab.t", name: "t", sess: s, managed: true}
	s.tabs = []*tab{tb}
	d.sessions = []*session{s}
	return d, tb, stop
}

// onLoop runs f on the daemon's loop.
func onLoop(t testing.TB, d *Daemon, f func()) {
	t.Helper()
	if err := d.call(context.Background(), f); err != nil {
		t.Fatal(err)
	}
}

func addTerminal(d *Daemon, tb *tab, name string, argv ...string) *pane {
	p := d.newPane(tb.sess, tb, tb.addr+".pane."+name, name, KindTerminal)
	p.tcfg = &config.TerminalPane{Command: argv[0], Args: argv[1:], Cwd: os.TempDir(), Restart: config.RestartNever}
	tb.panes = append(tb.panes, p)
	return p
}

func registeredPids(d *Daemon) []int {
	d.procs.mu.Lock()
	defer d.procs.mu.Unlock()
	var out []int
	for pid := range d.procs.pids {
		out = append(out, pid)
	}
	slices.Sort(out)
	return out
}

func waitReady(t *testing.T, p *pane, ready chan struct{}) {
	t.Helper()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s never became ready", p.addr)
	}
}

// A pane stopped while its process is starting: the process is ended as
// soon as it comes up, and the pane stays stopped.
func TestStopWhileStartingEndsTheProcess(t *testing.T) {
	d, tb := loopDaemon(t)
	var p *pane
	var wg sync.WaitGroup
	onLoop(t, d, func() {
		p = addTerminal(d, tb, "p", "sleep", "600")
		d.startTerminal(p)
		if p.state != StateStarting || p.proc != nil || len(p.term.starts) != 1 {
			t.Errorf("right after the start: state %s, proc %v, %d starts in flight; want starting, none, 1", p.state, p.proc, len(p.term.starts))
		}
		d.stopPane(p, StateStopped, &wg)
	})
	wg.Wait() // until the process came up and was ended
	if pids := registeredPids(d); len(pids) != 0 {
		t.Fatalf("processes still running after the stop: %v", pids)
	}
	onLoop(t, d, func() {
		if p.state != StateStopped || p.proc != nil || len(p.term.starts) != 0 {
			t.Errorf("after the stop: state %s, proc %v, %d starts in flight; want stopped, none, 0", p.state, p.proc, len(p.term.starts))
		}
	})
	waitReady(t, p, p.ready)
}

// A restart while the first start is in flight: the first process is
// ended when it comes up, the second one runs, and only it is the pane's.
func TestRestartWhileStartingKeepsOneProcess(t *testing.T) {
	d, tb := loopDaemon(t)
	var p *pane
	onLoop(t, d, func() {
		p = addTerminal(d, tb, "p", "sleep", "600")
		d.startTerminal(p)
		d.restartTerminal(p)
		d.restartTerminal(p)
	})
	waitReady(t, p, p.ready)
	var pid int
	onLoop(t, d, func() {
		if p.state != StateRunning || p.proc == nil {
			t.Fatalf("after the restarts: state %s, proc %v; want running", p.state, p.proc)
		}
		pid = p.proc.pid
	})
	// Once no start is in flight and the superseded processes were ended,
	// only the pane's process runs.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var inFlight int
		onLoop(t, d, func() { inFlight = len(p.term.starts) })
		pids := registeredPids(d)
		if inFlight == 0 && slices.Equal(pids, []int{pid}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("running processes %v with %d starts in flight, want only the pane's %d", pids, inFlight, pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	onLoop(t, d, func() {
		if p.proc == nil || p.proc.pid != pid || p.state != StateRunning {
			t.Errorf("state %s, want running pid %d", p.state, pid)
		}
	})
}

// A process that writes and exits at once: its output reaches the screen
// although the pump starts only when the loop attaches it, and its exit is
// reported after its start.
func TestQuickExitKeepsOutputAndOrder(t *testing.T) {
	d, tb := loopDaemon(t)
	sub := d.events.subscribe([]string{EvPaneStarted, EvPaneExited}, "")
	defer d.events.unsubscribe(sub)
	var p *pane
	onLoop(t, d, func() {
		p = addTerminal(d, tb, "p", "sh", "-c", "echo quick-output-1; echo quick-output-2")
		d.startTerminal(p)
	})
	var got []string
	timeout := time.After(30 * time.Second)
	for len(got) < 2 {
		select {
		case ev := <-sub.ch:
			if ev.Address == p.addr {
				got = append(got, ev.Type)
			}
		case <-timeout:
			t.Fatalf("events so far %v, want %s then %s", got, EvPaneStarted, EvPaneExited)
		}
	}
	if !slices.Equal(got, []string{EvPaneStarted, EvPaneExited}) {
		t.Fatalf("events %v, want %s then %s", got, EvPaneStarted, EvPaneExited)
	}
	lines := p.term.history(0, false)
	text := strings.Join(lines, "\n")
	if !strings.Contains(text, "quick-output-1") || !strings.Contains(text, "quick-output-2") {
		t.Fatalf("screen %q lacks the process's output", text)
	}
	onLoop(t, d, func() {
		if p.state != StateExited || p.status != 0 {
			t.Errorf("state %s status %d, want exited 0", p.state, p.status)
		}
	})
}

// The daemon shuts down while starts are in flight, and more starts come
// from messages handled during the shutdown: no process is left behind.
func TestShutdownWhileStartingLeavesNoProcess(t *testing.T) {
	d, tb, stop := loopDaemonStop(t)
	var panes []*pane
	onLoop(t, d, func() {
		for i := range 5 {
			p := addTerminal(d, tb, fmt.Sprintf("p%d", i), "sleep", "600")
			panes = append(panes, p)
			d.startTerminal(p)
		}
	})
	// Messages still in the inbox when the loop ends are handled by stopAll
	// after the panes were stopped: a restart there starts a process that
	// no stopPane knows about.
	for _, p := range panes {
		d.post(func() { d.restartTerminal(p) })
	}
	stop()
	if pids := registeredPids(d); len(pids) != 0 {
		t.Fatalf("processes left after the shutdown: %v", pids)
	}
}
