package daemon

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"

	"github.com/tessera-ws/tessera/internal/screen"
)

// drainWait bounds how long an exit waits for the pump to read the
// program's last output.
const drainWait = 200 * time.Millisecond

// stopGrace is how long a pane's process group has between SIGHUP and SIGKILL.
const stopGrace = 3 * time.Second

// scrollbackLines is how many lines each terminal pane keeps.
const scrollbackLines = screen.DefaultScrollback

// terminal is the screen and process of one terminal pane. Its mutex guards
// the screen and the fields below it; the process handles are owned by the
// daemon loop, which starts and stops them.
type terminal struct {
	mu      sync.Mutex
	scr     screen.Terminal
	replies []byte // terminal answers waiting to be written to the pty
	rows    int
	cols    int
	gen     uint64        // bumped on every change of the screen
	changed chan struct{} // closed and replaced on every change
	written uint64        // bytes read from the pty
	scroll  int           // viewport: lines scrolled back (see scroll.go)

	proc *process // current process; nil before the first start

	// starts are the starts in flight (owned by the daemon loop).
	starts []*startOp
}

// startOp is one start of a pane's process in flight. taken is closed when
// the loop took the outcome; done once the process was attached to the
// pane, or stopped for good (a superseded start, a loop that has ended),
// or the start failed.
type startOp struct {
	taken chan struct{}
	done  chan struct{}
}

func newTerminal(rows, cols int) *terminal {
	t := &terminal{rows: rows, cols: cols, changed: make(chan struct{})}
	t.scr = screen.NewTerminal(rows, cols, screen.Options{
		Scrollback: scrollbackLines,
		// Called from Write with t.mu held: only queue.
		Reply: func(p []byte) { t.replies = append(t.replies, p...) },
	})
	return t
}

// maxPendingReplies bounds terminal answers queued for a program that does
// not read them.
const maxPendingReplies = 4 << 10

// feed draws pty output and sends the terminal's answers (device
// attributes, cursor reports) back to the program.
func (t *terminal) feed(b []byte) {
	t.mu.Lock()
	t.scr.Write(b)
	t.scroll = 0 // new output snaps the viewport back to the live screen
	t.written += uint64(len(b))
	t.gen++
	close(t.changed)
	t.changed = make(chan struct{})
	var reply []byte
	if len(t.replies) > 0 {
		if len(t.replies) <= maxPendingReplies {
			reply = t.replies
		}
		t.replies = nil
	}
	p := t.proc
	t.mu.Unlock()
	if reply != nil && p != nil {
		select {
		case p.writes <- reply:
		default: // the program does not read its input: drop the answer
		}
	}
}

// snapshot returns the rows the viewport shows as text and ANSI, and the
// cursor (moved down with the rows when the viewport is scrolled back).
func (t *terminal) snapshot() (lines []string, ansi string, rows, cols, crow, ccol int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	crow, ccol = t.scr.Cursor()
	if t.scroll == 0 {
		return t.scr.Lines(), t.scr.ANSI(), t.rows, t.cols, crow, ccol
	}
	lines, rowsANSI := t.viewLocked()
	var b strings.Builder
	for _, r := range rowsANSI {
		b.WriteString(r)
		b.WriteByte('\n')
	}
	return lines, b.String(), t.rows, t.cols, crow + t.scroll, ccol
}

func (t *terminal) resize(rows, cols int) {
	t.mu.Lock()
	t.rows, t.cols = rows, cols
	t.scr.Resize(rows, cols)
	t.scroll = 0
	p := t.proc
	t.gen++
	close(t.changed)
	t.changed = make(chan struct{})
	t.mu.Unlock()
	if p != nil {
		_ = pty.Setsize(p.ptmx, &pty.Winsize{Rows: uint16(rows), Cols: uint16(cols)})
	}
}

// spec is how to start a terminal pane's process.
type spec struct {
	argv []string // argv[0] is the program; a login shell has argv0 "-sh"
	path string   // resolved program
	cwd  string
	env  []string
}

// process is one run of a pane's program on a pty.
type process struct {
	cmd      *exec.Cmd
	ptmx     *os.File
	pid      int
	started  time.Time
	writes   chan []byte
	done     chan struct{} // closed once the process was waited for
	status   int           // exit status (128+signal when killed); valid after done
	waitErr  error
	stopped  chan struct{} // closed when the daemon stops it on purpose
	stopOnce sync.Once
	// rows and cols are the pty's size at the start.
	rows, cols int
	// attached is closed once the loop attached the process to its pane or
	// gave it up; the waiter reports the exit only after that.
	attached   chan struct{}
	drained    chan struct{} // closed when the pump has read the pty to its end
	attachOnce sync.Once
}

// procTable tracks the pids the daemon waits for itself, so that the orphan
// reaper never steals their exit status.
type procTable struct {
	mu   sync.Mutex
	pids map[int]bool
	// starting is held shared by each start until its pid is in pids, and
	// exclusively by the reaper, so that starts run in parallel and the
	// reaper never takes the exit status of a child not yet registered.
	starting sync.RWMutex
}

func newProcTable() *procTable { return &procTable{pids: map[int]bool{}} }

// spawn starts argv on a new pty of the terminal's size and waits for the
// child in the background. It does not touch the terminal's screen: the
// pane's output stays in the pty until the loop attaches the process (a
// start can be superseded while it is in flight). Safe off the loop: it is
// called from a goroutine of its own, so the loop never waits for a
// fork/exec. onExit is called (on the waiter's goroutine) once the process
// exited and was attached or released.
func (t *terminal) spawn(sp spec, procs *procTable, onExit func(*process)) (*process, error) {
	t.mu.Lock()
	rows, cols := t.rows, t.cols
	t.mu.Unlock()
	cmd := &exec.Cmd{Path: sp.path, Args: sp.argv, Dir: sp.cwd, Env: sp.env}
	// Shared with other starts; the reaper takes it exclusively, so it
	// never reaps a child whose pid is not registered yet.
	procs.starting.RLock()
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: uint16(rows), Cols: uint16(cols)})
	if err != nil {
		procs.starting.RUnlock()
		return nil, err
	}
	p := &process{
		cmd: cmd, ptmx: ptmx, pid: cmd.Process.Pid, started: time.Now(), rows: rows, cols: cols,
		writes: make(chan []byte, 64), done: make(chan struct{}), stopped: make(chan struct{}),
		attached: make(chan struct{}), drained: make(chan struct{}),
	}
	procs.mu.Lock()
	procs.pids[p.pid] = true
	procs.mu.Unlock()
	procs.starting.RUnlock()

	go func() { // waiter
		err := cmd.Wait()
		procs.mu.Lock()
		delete(procs.pids, p.pid)
		procs.mu.Unlock()
		p.status, p.waitErr = exitStatus(cmd.ProcessState, err)
		close(p.done)
		// The exit is news only once the start was: after the loop
		// attached the process (or gave it up).
		<-p.attached
		// The pump draws what the program wrote last before the pty is
		// closed by whoever handles the exit: it ends when the pty hangs
		// up, unless a descendant still holds the terminal open.
		t := time.NewTimer(drainWait)
		select {
		case <-p.drained:
		case <-t.C:
		}
		t.Stop()
		onExit(p)
	}()
	return p, nil
}

// attach makes p the terminal's process: its output is drawn from now on
// (what it wrote since it started waited in the pty), its input and the
// terminal's answers go to it. Loop only.
func (t *terminal) attach(p *process) {
	t.mu.Lock()
	t.proc = p
	rows, cols := t.rows, t.cols
	t.mu.Unlock()
	if rows != p.rows || cols != p.cols { // resized while it started
		_ = pty.Setsize(p.ptmx, &pty.Winsize{Rows: uint16(rows), Cols: uint16(cols)})
	}
	ptmx := p.ptmx
	go func() { // pump: pty → screen, until the pty is closed or hung up
		defer close(p.drained)
		buf := make([]byte, 32<<10)
		for {
			n, err := ptmx.Read(buf)
			if n > 0 {
				t.feed(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { // writer: input and terminal replies → pty
		for {
			select {
			case b := <-p.writes:
				if _, err := ptmx.Write(b); err != nil {
					return
				}
			case <-p.done:
				return
			}
		}
	}()
	p.release()
}

// release lets the waiter report the exit: the process was attached, or
// it will never be (a superseded start, a loop that has stopped).
func (p *process) release() {
	p.attachOnce.Do(func() { close(p.attached) })
}

func exitStatus(ps *os.ProcessState, err error) (int, error) {
	if ps == nil {
		return -1, err
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ps.ExitCode(), nil
}

// write queues input for the process; it fails when the process is gone or
// its input queue is full.
func (p *process) write(b []byte, wait time.Duration) error {
	select {
	case <-p.done:
		return errors.New("the pane's process has exited")
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case p.writes <- b:
		return nil
	case <-p.done:
		return errors.New("the pane's process has exited")
	case <-t.C:
		return errors.New("the pane does not read its input")
	}
}

// stop ends the process group: SIGHUP, then SIGKILL after grace. It
// returns once the process was waited for, then closes the pty.
func (p *process) stop(grace time.Duration) {
	p.stopOnce.Do(func() { close(p.stopped) })
	p.release()
	select {
	case <-p.done:
	default:
		_ = syscall.Kill(-p.pid, syscall.SIGHUP)
		_ = syscall.Kill(-p.pid, syscall.SIGCONT)
		t := time.NewTimer(grace)
		select {
		case <-p.done:
			t.Stop()
		case <-t.C:
			_ = syscall.Kill(-p.pid, syscall.SIGKILL)
			<-p.done
		}
	}
	// Whatever is left in the pane's process group goes too.
	_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	p.ptmx.Close()
}

// loginShell returns the user's login shell: $SHELL, else the passwd entry,
// else /bin/sh.
func loginShell() string {
	if sh := os.Getenv("SHELL"); filepath.IsAbs(sh) {
		if _, err := os.Stat(sh); err == nil {
			return sh
		}
	}
	if u, err := user.Current(); err == nil {
		if f, err := os.Open("/etc/passwd"); err == nil {
			defer f.Close()
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				fs := strings.Split(sc.Text(), ":")
				if len(fs) >= 7 && fs[0] == u.Username && filepath.IsAbs(fs[6]) {
					return fs[6]
				}
			}
		}
	}
	return "/bin/sh"
}

// buildSpec resolves a pane's command into a spec. An empty command runs
// the login shell as a login shell.
func buildSpec(command string, args []string, cwd string, env []string) (spec, error) {
	sp := spec{cwd: cwd, env: env}
	if command == "" {
		sh := loginShell()
		sp.path = sh
		sp.argv = []string{"-" + filepath.Base(sh)}
		return sp, nil
	}
	path := command
	if !strings.Contains(command, "/") {
		lp, err := lookPathIn(command, env)
		if err != nil {
			return sp, err
		}
		path = lp
	} else if !filepath.IsAbs(path) {
		path = filepath.Join(cwd, path)
	}
	st, err := os.Stat(path)
	if err != nil {
		return sp, fmt.Errorf("command %q: %w", command, err)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return sp, fmt.Errorf("command %q: %s is not an executable file", command, path)
	}
	sp.path = path
	sp.argv = append([]string{command}, args...)
	if st, err := os.Stat(cwd); err != nil || !st.IsDir() {
		return sp, fmt.Errorf("working directory %s does not exist", cwd)
	}
	return sp, nil
}

// lookPathIn finds a program in the PATH of env (the pane's environment).
func lookPathIn(name string, env []string) (string, error) {
	pathVar := os.Getenv("PATH")
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathVar = v
		}
	}
	for _, dir := range filepath.SplitList(pathVar) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("command %q not found in PATH", name)
}

// history returns the last n lines (0: all) of the pane's scrollback and
// screen, as text or ANSI.
func (t *terminal) history(n int, ansi bool) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var lines []string
	if ansi {
		if sb := t.scr.ScrollbackANSI(-1); sb != "" {
			lines = strings.Split(strings.TrimSuffix(sb, "\n"), "\n")
		}
	} else {
		lines = t.scr.Scrollback(-1)
	}
	if ansi {
		lines = append(lines, strings.Split(strings.TrimSuffix(t.scr.ANSI(), "\n"), "\n")...)
	} else {
		lines = append(lines, t.scr.Lines()...)
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if n > 0 && len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
