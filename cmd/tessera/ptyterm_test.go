package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/tessera-ws/tessera/internal/screen"
)

// ptyTerm runs the tessera binary on a real pty and keeps what it draws on
// a terminal screen, as a person's terminal would.
type ptyTerm struct {
	t    *testing.T
	cmd  *exec.Cmd
	ptmx *os.File
	mu   sync.Mutex
	scr  *screen.Screen
	raw  strings.Builder // everything drawn, for failure messages
	done chan struct{}   // closed when the process exited
	read chan struct{}   // closed when everything it wrote was read
	err  error
}

func (e *daemonEnv) startPty(rows, cols int, env []string, args ...string) *ptyTerm {
	e.t.Helper()
	cmd := exec.Command(tesseraBin, args...)
	cmd.Env = append(append([]string(nil), e.env...), env...)
	cmd.Env = append(cmd.Env, "TERM=xterm-256color")
	cmd.Dir = e.dir
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: uint16(rows), Cols: uint16(cols)})
	if err != nil {
		e.t.Fatal(err)
	}
	pt := &ptyTerm{t: e.t, cmd: cmd, ptmx: ptmx, done: make(chan struct{}), read: make(chan struct{})}
	pt.scr = screen.NewTerminal(rows, cols, screen.Options{Scrollback: -1, Reply: func(p []byte) {
		b := append([]byte(nil), p...)
		go ptmx.Write(b)
	}})
	go func() {
		defer close(pt.read)
		buf := make([]byte, 32<<10)
		for {
			n, err := ptmx.Read(buf)
			if n > 0 {
				pt.mu.Lock()
				pt.scr.Write(buf[:n])
				pt.raw.Write(buf[:n])
				pt.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		pt.err = cmd.Wait()
		close(pt.done)
	}()
	e.t.Cleanup(func() {
		select {
		case <-pt.done:
		default:
			cmd.Process.Kill()
			<-pt.done
		}
		ptmx.Close()
	})
	return pt
}

func (pt *ptyTerm) typeText(s string) {
	pt.t.Helper()
	if _, err := pt.ptmx.Write([]byte(s)); err != nil {
		pt.t.Fatal(err)
	}
}

func (pt *ptyTerm) lines() []string {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	return pt.scr.Lines()
}

func (pt *ptyTerm) text() string { return strings.Join(pt.lines(), "\n") }

// waitText waits until the screen shows want somewhere.
func (pt *ptyTerm) waitText(want string) {
	pt.t.Helper()
	pt.waitScreen("the screen to show "+want, func(s string) bool { return strings.Contains(s, want) })
}

func (pt *ptyTerm) waitScreen(what string, cond func(string) bool) {
	pt.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if cond(pt.text()) {
			return
		}
		select {
		case <-pt.done:
			// What the program wrote last may still be in the pty: the
			// reader ends once it has read it all (EIO).
			select {
			case <-pt.read:
			case <-time.After(5 * time.Second):
			}
			if cond(pt.text()) {
				return
			}
			pt.t.Fatalf("the program exited (%v) before %s; screen:\n%s", pt.err, what, pt.text())
		case <-time.After(20 * time.Millisecond):
		}
	}
	pt.t.Fatalf("timed out waiting for %s; screen:\n%s", what, pt.text())
}

func (pt *ptyTerm) resize(rows, cols int) {
	pt.t.Helper()
	pt.mu.Lock()
	pt.scr.Resize(rows, cols)
	pt.mu.Unlock()
	if err := pty.Setsize(pt.ptmx, &pty.Winsize{Rows: uint16(rows), Cols: uint16(cols)}); err != nil {
		pt.t.Fatal(err)
	}
}

// wait waits for the program to exit and returns its status.
func (pt *ptyTerm) wait() int {
	pt.t.Helper()
	select {
	case <-pt.done:
	case <-time.After(60 * time.Second):
		pt.t.Fatalf("the program did not exit; screen:\n%s", pt.text())
	}
	if ee, ok := pt.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return 0
}

// base is the directory holding the test's workspace and XDG directories.
func (e *daemonEnv) base() string { return filepath.Dir(e.dir) }
