// Package daemon is the Tessera supervisor: it brings a workspace up as
// sessions of terminal panes (real ptys) and WebAssembly plugins, keeps the
// running session equal to the workspace files as they change, and serves
// the control API on a unix socket.
//
// One goroutine, the loop, owns the observed state (sessions, tabs, panes,
// plugins). Pty pumps, process waiters, plugin loads, file watching and API
// handlers talk to it with messages (closures run on the loop) and never
// hold a lock across a plugin call; the loop never waits on a plugin call.
//
//	d, err := daemon.New(daemon.Config{Workspace: "./workspace.hcl", Logger: logger})
//	...
//	err = d.Run(ctx) // until ctx ends or Shutdown is called
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/tessera-ws/tessera/config"
	"github.com/tessera-ws/tessera/internal/ctl"
	"github.com/tessera-ws/tessera/wasi"
)

// Config configures a Daemon.
type Config struct {
	// Workspace is the workspace file or directory of *.hcl.
	Workspace string
	// Vars set workspace variables (as --var NAME=VALUE).
	Vars map[string]string
	// Version is Tessera's version, checked against required_version.
	Version string
	// Logger receives the daemon's records besides its log file; nil
	// writes to the log file only.
	Logger io.Writer
	// LogLevel is the minimum level logged (default Info).
	LogLevel slog.Level
	// CacheDir is the compilation and download cache (default
	// $XDG_CACHE_HOME/tessera).
	CacheDir string
	// DefaultRows and DefaultCols size every pane until it is resized or
	// attached (default 24x80).
	DefaultRows, DefaultCols int
	// Debounce is how long after a file change the workspace is re-read
	// (default 150ms).
	Debounce time.Duration
	// Engine is how plugins run (default wasi.EngineAuto: a module never
	// compiled before starts on the interpreter while it compiles).
	Engine wasi.Engine
	// DeferApply skips the apply at start: the client that started the
	// daemon (tessera up) applies and reports the outcome itself.
	DeferApply bool

	// allowUID decides which peer uids may use the socket (default: this
	// process's uid and root). A test seam.
	allowUID func(uid uint32) bool
}

// Daemon is one running workspace daemon. Create it with New, run it with Run.
type Daemon struct {
	cfg    Config
	paths  ctl.Paths
	log    *slog.Logger
	logs   *logRing
	logf   *rotatingFile
	events *bus
	host   *wasi.Host
	procs  *procTable
	// loadSlots bounds concurrent plugin loads (see pluginLoadSlots).
	loadSlots chan struct{}

	ctx     context.Context
	cancel  context.CancelFunc
	inbox   chan func()
	done    chan struct{} // closed when the loop has exited
	wg      sync.WaitGroup
	started time.Time
	lock    *os.File

	shutdownOnce sync.Once
	shutdownReq  chan struct{}

	// Loop-owned state.
	sessions     []*session
	applied      *config.Workspace
	appliedHash  string
	lastDiags    hcl.Diagnostics
	lastFiles    []config.File
	nextPaneID   uint32
	nextPluginID uint32
	nextTabID    uint32
	dirty        map[*session]bool
	perms        *permStore
	attach       attachRegistry
	pipes        pipeTable
	appliedSeq   uint64 // the load sequence number of the last apply (watch.go)

	// loadSeq numbers workspace loads as they start (watch.go).
	loadSeq atomic.Uint64
	// loadWorkspace reads the workspace for a reload; nil is d.load("").
	// Tests replace it to order loads.
	loadWorkspace func() (*config.Workspace, []config.File, hcl.Diagnostics)
}

// New prepares a daemon for the workspace: it resolves its paths and takes
// the workspace's lock (one daemon per workspace), but starts nothing.
func New(cfg Config) (*Daemon, error) {
	if cfg.DefaultRows <= 0 {
		cfg.DefaultRows = 24
	}
	if cfg.DefaultCols <= 0 {
		cfg.DefaultCols = 80
	}
	if cfg.Debounce <= 0 {
		cfg.Debounce = 150 * time.Millisecond
	}
	if cfg.CacheDir == "" {
		cfg.CacheDir = ctl.CacheHome()
	}
	if cfg.allowUID == nil {
		me := uint32(os.Getuid())
		cfg.allowUID = func(uid uint32) bool { return uid == me || uid == 0 }
	}
	paths, err := ctl.PathsFor(cfg.Workspace)
	if err != nil {
		return nil, err
	}
	d := &Daemon{
		cfg:         cfg,
		paths:       paths,
		logs:        newLogRing(),
		events:      newBus(),
		procs:       newProcTable(),
		loadSlots:   make(chan struct{}, pluginLoadSlots()),
		inbox:       make(chan func(), 1024),
		done:        make(chan struct{}),
		shutdownReq: make(chan struct{}),
	}
	d.attach.panes = map[*pane]*paneAttach{}
	if err := os.MkdirAll(paths.RuntimeDir, 0o700); err != nil {
		return nil, fmt.Errorf("runtime directory: %w", err)
	}
	if err := os.Chmod(paths.RuntimeDir, 0o700); err != nil {
		return nil, fmt.Errorf("runtime directory: %w", err)
	}
	if err := os.MkdirAll(paths.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	lock, err := acquireLock(paths.Lock)
	if err != nil {
		return nil, err
	}
	d.lock = lock
	perms, perr := loadPermStore(filepath.Join(paths.StateDir, permFile))
	d.perms = perms
	logf, err := openRotating(paths.Log, 10<<20)
	if err != nil {
		releaseLock(lock, paths.Lock)
		return nil, fmt.Errorf("log file: %w", err)
	}
	d.logf = logf
	var w io.Writer = logf
	if cfg.Logger != nil {
		w = io.MultiWriter(logf, cfg.Logger)
	}
	d.log = newRingLogger(d.logs, w, cfg.LogLevel)
	if perr != nil {
		d.log.Error("permission answers not loaded", "err", perr)
	}
	return d, nil
}

// Paths returns the daemon's files.
func (d *Daemon) Paths() ctl.Paths { return d.paths }

// post runs f on the loop. It returns false once the loop has stopped. Safe
// from any goroutine except the loop itself.
func (d *Daemon) post(f func()) bool {
	select {
	case d.inbox <- f:
		return true
	case <-d.done:
		return false
	}
}

// postNoWait queues f for the loop at once if the inbox has room, else
// from a goroutine of its own: the caller never blocks, and f keeps its
// place before later posts whenever the loop keeps up.
func (d *Daemon) postNoWait(f func()) {
	select {
	case d.inbox <- f:
	default:
		go d.post(f)
	}
}

// call runs f on the loop and waits for it.
func (d *Daemon) call(ctx context.Context, f func()) error {
	ran := make(chan struct{})
	if !d.post(func() { f(); close(ran) }) {
		return errors.New("the daemon is shutting down")
	}
	select {
	case <-ran:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-d.done:
		return errors.New("the daemon is shutting down")
	}
}

// Shutdown asks the daemon to stop; Run returns once it has.
func (d *Daemon) Shutdown() {
	d.shutdownOnce.Do(func() { close(d.shutdownReq) })
}

// Run starts the daemon: it listens on the socket, applies the workspace,
// watches its files and serves until ctx ends or Shutdown is called. It
// then stops every pane and plugin and removes the socket and lock.
func (d *Daemon) Run(ctx context.Context) (err error) {
	d.started = time.Now()
	d.ctx, d.cancel = context.WithCancel(context.Background())
	defer d.cancel()
	defer func() {
		d.logf.Close()
		releaseLock(d.lock, d.paths.Lock)
	}()
	setSubreaper(d.log)

	host, err := wasi.NewHost(d.ctx, wasi.HostConfig{
		CacheDir: d.cfg.CacheDir,
		Logger:   d.log.With("component", "wasi"),
		Engine:   d.cfg.Engine,
	})
	if err != nil {
		return fmt.Errorf("plugin host: %w", err)
	}
	d.host = host

	srv, err := d.listen()
	if err != nil {
		host.Close(context.Background())
		return err
	}
	if err := d.writeInfo(); err != nil {
		srv.close()
		host.Close(context.Background())
		return err
	}
	d.log.Info("daemon started", "workspace", d.paths.Workspace, "pid", os.Getpid(), "socket", d.paths.Socket)

	watchStop := d.watch()
	reap := startReaper(d.procs, d.log)

	if !d.cfg.DeferApply {
		d.reloadAsync("start")
	}

	d.loop(ctx)

	d.log.Info("daemon stopping")
	d.events.publish(EvDaemonStopping, "", "daemon stopping", nil)
	watchStop()
	srv.close()
	os.Remove(d.paths.Info)
	d.stopAll()
	reap.stop()
	killOrphans(d.log)
	d.finishCompiles()
	d.cancel()
	waitCtx, c := context.WithTimeout(context.Background(), 10*time.Second)
	d.host.Close(waitCtx)
	c()
	waitTimeout(&d.wg, 10*time.Second)
	d.log.Info("daemon stopped")
	return nil
}

func (d *Daemon) loop(ctx context.Context) {
	for {
		select {
		case f := <-d.inbox:
			f()
			d.flushDirty()
		case <-ctx.Done():
			return
		case <-d.shutdownReq:
			return
		}
	}
}

// stopAll stops every pane and plugin in parallel, draining the inbox while
// they stop so that their goroutines never block on a full one.
func (d *Daemon) stopAll() {
	var wg sync.WaitGroup
	for _, s := range d.sessions {
		for _, t := range s.tabs {
			for _, p := range t.panes {
				d.stopPane(p, StateStopped, &wg)
			}
		}
		for _, p := range s.bg {
			d.stopPane(p, StateStopped, &wg)
		}
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	for {
		select {
		case f := <-d.inbox:
			f()
		case <-finished:
			close(d.done)
			return
		}
	}
}

func (d *Daemon) writeInfo() error {
	in := ctl.Info{
		Workspace: d.paths.Workspace,
		PID:       os.Getpid(),
		Socket:    d.paths.Socket,
		Started:   d.started.UnixNano(),
		Version:   d.cfg.Version,
		Log:       d.paths.Log,
	}
	b, err := jsonMarshal(in)
	if err != nil {
		return err
	}
	return writeFileAtomic(d.paths.Info, b, 0o600)
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

// Reload re-reads the workspace files and applies them if they are valid
// (what SIGHUP does). It does not wait.
func (d *Daemon) Reload() {
	d.reloadAsync("reload requested")
}

// compileWaitOnStop bounds how long shutdown waits for a background compile
// of a plugin that still runs on the interpreter: a compile that finishes is
// cached, so the next start of the workspace runs it compiled at once.
const compileWaitOnStop = 5 * time.Second

// finishCompiles lets unfinished background compiles end (panes and plugins
// are already stopped), within compileWaitOnStop.
func (d *Daemon) finishCompiles() {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), compileWaitOnStop)
	defer cancel()
	if err := d.host.WaitCompiled(ctx); err != nil {
		d.log.Warn("a plugin compile did not finish before shutdown; the next start runs it on the interpreter until it is compiled", "waited", time.Since(start).Round(time.Millisecond))
		return
	}
	if waited := time.Since(start); waited > 100*time.Millisecond {
		d.log.Info("waited for background compiles to finish and be cached", "waited", waited.Round(time.Millisecond))
	}
}
