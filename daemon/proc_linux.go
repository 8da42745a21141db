package daemon

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// acquireLock takes the workspace's lock file (flock): one daemon per
// workspace. The file holds the owner's pid.
func acquireLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		pid := strings.TrimSpace(string(b))
		if pid == "" {
			pid = "unknown"
		}
		return nil, fmt.Errorf("a daemon already runs for this workspace (pid %s, lock %s): use `tessera apply` or `tessera down` first", pid, path)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, nil
}

func releaseLock(f *os.File, path string) {
	if f == nil {
		return
	}
	os.Remove(path)
	unix.Flock(int(f.Fd()), unix.LOCK_UN)
	f.Close()
}

// setSubreaper makes the daemon the reaper of its descendants, so that a
// process that escaped its pane with setsid is reparented to the daemon
// and can be ended on shutdown.
func setSubreaper(log *slog.Logger) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		log.Warn("cannot become a child subreaper: escaped descendants will not be ended on shutdown", "err", err)
	}
}

// reaper waits for orphans reparented to the daemon (so they do not stay
// zombies), leaving alone the pids the daemon waits for itself.
type reaper struct {
	stopc chan struct{}
	done  chan struct{}
}

func startReaper(procs *procTable, log *slog.Logger) *reaper {
	r := &reaper{stopc: make(chan struct{}), done: make(chan struct{})}
	sig := make(chan os.Signal, 8)
	signal.Notify(sig, syscall.SIGCHLD)
	go func() {
		defer close(r.done)
		defer signal.Stop(sig)
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-sig:
			case <-tick.C:
			case <-r.stopc:
				return
			}
			reapOrphans(procs)
		}
	}()
	return r
}

func (r *reaper) stop() {
	close(r.stopc)
	<-r.done
}

func reapOrphans(procs *procTable) {
	procs.starting.Lock()
	defer procs.starting.Unlock()
	procs.mu.Lock()
	defer procs.mu.Unlock()
	for _, pid := range children() {
		if procs.pids[pid] {
			continue
		}
		var ws unix.WaitStatus
		_, _ = unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	}
}

// children lists the pids whose parent is this process.
func children() []int {
	me := os.Getpid()
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		fs := strings.Fields(s[i+1:])
		if len(fs) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(fs[1]); ppid == me {
			out = append(out, pid)
		}
	}
	return out
}

// killOrphans ends every remaining child of the daemon (descendants that
// escaped their pane's process group) at shutdown: SIGHUP, then SIGKILL.
func killOrphans(log *slog.Logger) {
	left := children()
	if len(left) == 0 {
		return
	}
	for _, pid := range left {
		_ = unix.Kill(pid, unix.SIGHUP)
	}
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		for _, pid := range children() {
			var ws unix.WaitStatus
			_, _ = unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		}
		if len(children()) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, pid := range children() {
		log.Info("ending a process that escaped its pane", "pid", pid)
		_ = unix.Kill(pid, unix.SIGKILL)
		var ws unix.WaitStatus
		_, _ = unix.Wait4(pid, &ws, 0, nil)
	}
}
