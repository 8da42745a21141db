package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tessera-ws/tessera/config"
	"github.com/tessera-ws/tessera/internal/ctl"
	"github.com/tessera-ws/tessera/internal/screen"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

// pluginObj is the daemon's side of one plugin instance (a plugin pane or
// a background plugin). Loop-owned, except view.
type pluginObj struct {
	inst         *config.PluginInstance
	id           uint32
	p            *wasi.Plugin // nil while loading and after a failure
	state        string
	lastErr      string
	restarts     int
	loads        int // load attempts, to ignore results of superseded loads
	started      time.Time
	tmpDir       string
	view         *pluginView
	restartTimer *time.Timer
	// mounts are the instance's mounts, to translate /host paths.
	mounts []wasi.Mount
	// notSelectable and hidden mirror SetSelectable and HideSelf.
	notSelectable, hidden bool
	// pending is a permission request waiting for an admin's answer.
	pending *pendingRequest
	// feed delivers session state to the running instance, latest wins.
	feed *stateFeed
}

// pluginView holds a plugin's size and last frame; it guards itself. The
// frame is parsed into scr when it is read (screenLocked), not when it
// arrives: a frame replaces the previous one whole, so only the last one
// before a read needs parsing, and a fan-out of state to many plugins does
// not parse frames nobody looks at.
type pluginView struct {
	mu      sync.Mutex
	rows    int
	cols    int
	frame   []byte
	parsed  bool // scr holds frame
	scr     *screen.Screen
	frames  uint64
	changed chan struct{}
}

func newPluginView(rows, cols int) *pluginView {
	return &pluginView{rows: rows, cols: cols, scr: screen.New(max(rows, 1), max(cols, 1)), changed: make(chan struct{})}
}

func (v *pluginView) setFrame(f []byte) (first bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.frame = f
	v.parsed = false
	v.frames++
	close(v.changed)
	v.changed = make(chan struct{})
	return v.frames == 1
}

// screenLocked returns the screen holding the last frame, parsing it
// first if it arrived since the last read. v.mu must be held.
func (v *pluginView) screenLocked() *screen.Screen {
	if !v.parsed {
		if v.rows > 0 && v.cols > 0 {
			v.scr.Resize(v.rows, v.cols)
		}
		v.scr.Frame(wasi.ToTerminal(v.frame))
		v.parsed = true
	}
	return v.scr
}

func (v *pluginView) size() (int, int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.rows, v.cols
}

func (v *pluginView) setSize(rows, cols int) {
	v.mu.Lock()
	v.rows, v.cols = rows, cols
	v.mu.Unlock()
}

func (v *pluginView) snapshot() (lines []string, ansi string, rows, cols int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	scr := v.screenLocked()
	return scr.Lines(), scr.ANSI(), v.rows, v.cols
}

// permissionTypes converts permission names to the wire enum.
func permissionTypes(names []string) []pluginpb.PermissionType {
	var out []pluginpb.PermissionType
	for _, n := range names {
		if v, ok := pluginpb.PermissionType_value[n]; ok {
			out = append(out, pluginpb.PermissionType(v))
		}
	}
	return out
}

// pluginDirs returns the per-identity host directories of /data and /cache.
func pluginDirs(identity string) (data, cache string) {
	return filepath.Join(ctl.DataHome(), "plugins", identity), filepath.Join(ctl.CacheHome(), "plugin-cache", identity)
}

// buildPluginConfig turns a configured instance into the host's view: its
// mounts (/data, /cache and /tmp private to the plugin; /host only when the
// workspace mounts it), environment (the allowlist only) and limits.
func (d *Daemon) buildPluginConfig(pn *pane, cwd string) (wasi.PluginConfig, error) {
	po := pn.plug
	in := po.inst
	data, cache := pluginDirs(in.Identity)
	tmp, err := os.MkdirTemp("", "tessera-plugin-*")
	if err != nil {
		return wasi.PluginConfig{}, err
	}
	po.tmpDir = tmp
	mounts := map[string]wasi.Mount{
		"/data":  {Guest: "/data", Host: data},
		"/cache": {Guest: "/cache", Host: cache},
		"/tmp":   {Guest: "/tmp", Host: tmp},
	}
	for _, m := range in.Mounts {
		host := m.Source
		if host == "" {
			switch m.Guest {
			case "/host":
				host = cwd
			case "/data":
				host = data
			case "/cache":
				host = cache
			case "/tmp":
				host = tmp
			}
		}
		mounts[m.Guest] = wasi.Mount{Guest: m.Guest, Host: host, ReadOnly: m.ReadOnly}
	}
	var ms []wasi.Mount
	for _, g := range []string{"/host", "/data", "/cache", "/tmp"} {
		m, ok := mounts[g]
		if !ok {
			continue
		}
		if err := os.MkdirAll(m.Host, 0o700); err != nil && m.Guest != "/host" {
			return wasi.PluginConfig{}, fmt.Errorf("mount %s: %w", m.Guest, err)
		}
		if st, err := os.Stat(m.Host); err != nil || !st.IsDir() {
			return wasi.PluginConfig{}, fmt.Errorf("mount %s: host directory %s does not exist", m.Guest, m.Host)
		}
		ms = append(ms, m)
	}
	env := map[string]string{}
	for _, k := range in.InheritEnv {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	for k, v := range in.Env {
		env[k] = v
	}
	lim := wasi.Limits{
		MemoryBytes:       in.Limits.MemoryBytes,
		CallTimeout:       time.Duration(in.Limits.CallTimeout),
		CommandsPerSecond: in.Limits.CommandsPerSecond,
	}
	initialCwd := ""
	if _, ok := mounts["/host"]; ok {
		initialCwd = "/host"
	}
	id := po.id
	addr := pn.addr
	view := po.view
	loadNo := po.loads
	log := d.log.With("plugin", addr)
	po.mounts = ms
	return wasi.PluginConfig{
		Dispatcher: &dispatcher{d: d, pn: pn},
		ID:         id,
		ClientID:   1,
		URL:        in.Source.URL(),
		Config:     in.Config,
		Mounts:     ms,
		Env:        env,
		Limits:     lim,
		Granted:    d.initialGrants(po),
		Permissions: func(req *wasi.PermissionRequest) {
			// Must not block: the answer comes from the loop. Queued now
			// when the inbox has room, so that the request reaches the
			// loop before the frame the plugin draws next (up reports a
			// request that waits once the first frame is drawn).
			d.postNoWait(func() { d.permissionRequested(pn, loadNo, req) })
		},
		InitialCwd: initialCwd,
		// Called on the plugin's own observer goroutine, in order: it only
		// updates the view (a leaf) and forwards to the loop.
		Observer: func(a wasi.Activity) {
			switch a.Kind {
			case wasi.ActivityFrame:
				if view.setFrame(a.Frame) {
					d.post(func() { d.pluginFirstFrame(pn, loadNo) })
				}
			case wasi.ActivityCrash:
				err := error(a.Crash)
				d.post(func() { d.pluginCrashed(pn, loadNo, err) })
			case wasi.ActivityStderr:
				log.Debug("stderr", "line", a.Line)
			case wasi.ActivityIncident:
				typ := EvPluginIncident
				if a.Incident.Kind == wasi.IncidentDenied {
					typ = EvPermissionDenied
				}
				d.events.publish(typ, addr, a.Incident.String(), map[string]string{"kind": a.Incident.Kind.String()})
			case wasi.ActivityCommand:
				d.pluginCommand(pn, loadNo, a)
			case wasi.ActivityPipe:
				d.pluginPipe(pn, a.Pipe)
			}
		},
	}, nil
}

// pluginLoadSlots bounds the plugin loads that run at once (module read
// and Host.Load). Each load holds its module's bytes (a Go plugin: 3-4 MB)
// from the read to its end, and loads compete for the same cores: an apply
// that started 100 plugins at once held up to 100 copies (365 MB for the
// status example), and the Go heap kept the peak's pages long after.
func pluginLoadSlots() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// startPlugin loads a plugin instance in the background (at most
// pluginLoadSlots at once); the outcome comes back to the loop as a
// message.
func (d *Daemon) startPlugin(pn *pane) {
	po := pn.plug
	po.loads++
	po.state = StateLoading
	po.lastErr = ""
	po.started = time.Now()
	d.nextPluginID++
	po.id = d.nextPluginID
	cwd := pn.sess.cfg.Cwd
	if pn.tab != nil && pn.tab.cfg != nil {
		cwd = pn.tab.cfg.Cwd
	}
	cfg, err := d.buildPluginConfig(pn, cwd)
	if err != nil {
		d.pluginFailed(pn, po.loads, err)
		return
	}
	loadNo := po.loads
	src := po.inst.Source
	rows, cols := po.view.size()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		select {
		case d.loadSlots <- struct{}{}:
		case <-d.ctx.Done():
			err := d.ctx.Err()
			d.post(func() { d.pluginFailed(pn, loadNo, err) })
			return
		}
		ctx, cancel := context.WithTimeout(d.ctx, 2*time.Minute)
		defer cancel()
		p, err := func() (*wasi.Plugin, error) {
			defer func() { <-d.loadSlots }()
			wasm, err := fetchModule(ctx, src, d.cfg.CacheDir)
			if err != nil {
				return nil, err
			}
			return d.host.Load(ctx, wasm, cfg)
		}()
		if err != nil {
			d.post(func() { d.pluginFailed(pn, loadNo, err) })
			return
		}
		if !d.post(func() { d.pluginLoaded(pn, loadNo, p) }) {
			closeCtx, c := context.WithTimeout(context.Background(), 5*time.Second)
			p.Close(closeCtx)
			c()
			return
		}
		p.Resize(rows, cols)
	}()
}

func (d *Daemon) pluginLoaded(pn *pane, loadNo int, p *wasi.Plugin) {
	po := pn.plug
	if po.loads != loadNo || po.state == StateStopped || po.state == StateClosed {
		d.closePluginAsync(p)
		return
	}
	po.p = p
	po.state = StateRunning
	po.feed = newStateFeed(p)
	d.sendInitialEvents(pn, p)
	d.markDirty(pn.sess)
	d.log.Info("plugin loaded", "plugin", pn.addr, "id", po.id, "url", po.inst.Source.URL(), "engine", p.Engine().String())
	d.events.publish(EvPluginLoaded, pn.addr, "loaded "+po.inst.Source.URL(), map[string]string{"id": fmt.Sprint(po.id)})
}

func (d *Daemon) pluginFirstFrame(pn *pane, loadNo int) {
	if pn.plug.loads != loadNo {
		return
	}
	pn.plug.restartsOK()
	d.events.publish(EvPluginFrame, pn.addr, "first frame drawn", nil)
	pn.markReady()
}

// restartsOK is a hook for a healthy start; consecutive-restart counting
// resets only after a plugin ran for a while (see pluginCrashed).
func (po *pluginObj) restartsOK() {}

// faulted reports whether the current load already ended in a crash or a
// failure: a guest that crashes while loading is reported twice (its crash
// activity, then Load's error), and must be restarted once.
func (po *pluginObj) faulted() bool {
	return po.state == StateCrashed || po.state == StateFailed
}

func (d *Daemon) pluginFailed(pn *pane, loadNo int, err error) {
	po := pn.plug
	if po.loads != loadNo || po.state == StateStopped || po.state == StateClosed || po.faulted() {
		return
	}
	po.state = StateFailed
	po.lastErr = oneLine(err.Error())
	d.log.Error("plugin failed to start", "plugin", pn.addr, "err", po.lastErr)
	d.events.publish(EvPluginFailed, pn.addr, po.lastErr, nil)
	pn.markReady()
	d.maybeRestartPlugin(pn)
	d.showFault(pn, "failed to start")
}

func (d *Daemon) pluginCrashed(pn *pane, loadNo int, err error) {
	po := pn.plug
	if po.loads != loadNo || po.state == StateStopped || po.state == StateClosed || po.faulted() {
		return
	}
	po.state = StateCrashed
	po.lastErr = oneLine(err.Error())
	pn.cmds.mu.Lock()
	pn.cmds.crashes++
	pn.cmds.mu.Unlock()
	d.log.Error("plugin crashed", "plugin", pn.addr, "err", po.lastErr)
	d.events.publish(EvPluginCrashed, pn.addr, po.lastErr, nil)
	d.pipesPluginGone(pn, crashWhy(po.lastErr))
	if po.feed != nil {
		po.feed.stop()
		po.feed = nil
	}
	if p := po.p; p != nil {
		po.p = nil
		d.closePluginAsync(p)
	}
	pn.markReady()
	d.maybeRestartPlugin(pn)
	d.showFault(pn, "crashed")
}

// showFault replaces a failed plugin's stale frame with what happened.
func (d *Daemon) showFault(pn *pane, what string) {
	po := pn.plug
	msg := fmt.Sprintf("\x1b[1;31m%s %s\x1b[0m\n%s\n", pn.name, what, po.lastErr)
	if po.restartTimer != nil && (po.state == StateCrashed || po.state == StateFailed) {
		msg += fmt.Sprintf("restart %d coming (policy %s)\n", po.restarts, po.inst.Restart.Policy)
	}
	po.view.setFrame([]byte(msg))
}

// maybeRestartPlugin applies the restart policy after a crash or a failed
// load: on-failure and always restart with a doubling backoff, up to the cap.
func (d *Daemon) maybeRestartPlugin(pn *pane) {
	po := pn.plug
	r := po.inst.Restart
	if r.Policy != config.RestartOnFailure && r.Policy != config.RestartAlways {
		return
	}
	if time.Since(po.started) > time.Minute {
		po.restarts = 0 // it ran long enough: the count is of consecutive restarts
	}
	po.restartTimer = nil
	if r.MaxRestarts > 0 && po.restarts >= r.MaxRestarts {
		po.lastErr += fmt.Sprintf(" (not restarted: %d restarts, the cap)", po.restarts)
		d.events.publish(EvPluginFailed, pn.addr, "restart cap reached", nil)
		return
	}
	delay := backoff(time.Duration(r.Backoff), po.restarts)
	po.restarts++
	loadNo := po.loads
	po.restartTimer = time.AfterFunc(delay, func() {
		d.post(func() {
			if po.loads == loadNo && (po.state == StateCrashed || po.state == StateFailed) {
				d.startPlugin(pn)
			}
		})
	})
}

func backoff(base time.Duration, n int) time.Duration {
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	d := base << min(n, 8)
	return min(d, time.Minute)
}

// stopPlugin stops an instance; the close runs in the background.
func (d *Daemon) stopPlugin(pn *pane, final string) {
	po := pn.plug
	po.loads++ // supersede loads in flight
	if pr := po.pending; pr != nil {
		pr.req.Respond(false)
		po.pending = nil
	}
	if po.restartTimer != nil {
		po.restartTimer.Stop()
	}
	if po.feed != nil {
		po.feed.stop()
		po.feed = nil
	}
	if p := po.p; p != nil {
		po.p = nil
		// BeforeClose reaches a subscribed plugin before it is closed: the
		// close waits (briefly) until the plugin has processed it.
		if p.Post(&pluginpb.Event{Name: pluginpb.EventType_BeforeClose}) {
			d.closePluginAfterSync(p)
		} else {
			d.closePluginAsync(p)
		}
	}
	if po.tmpDir != "" {
		tmp := po.tmpDir
		po.tmpDir = ""
		defer os.RemoveAll(tmp)
	}
	po.state = final
	pn.markReady()
	d.pipesPluginGone(pn, "was "+final)
	d.events.publish(EvPluginStopped, pn.addr, "stopped", nil)
}

// beforeCloseGrace bounds how long a closing plugin may take to handle
// BeforeClose.
const beforeCloseGrace = time.Second

func (d *Daemon) closePluginAfterSync(p *wasi.Plugin) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), beforeCloseGrace)
		_ = p.Sync(ctx)
		cancel()
		d.closePluginAsync(p)
	}()
}

func (d *Daemon) closePluginAsync(p *wasi.Plugin) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.Close(ctx); err != nil && !errors.Is(err, wasi.ErrClosed) {
			d.log.Warn("closing plugin", "id", p.ID(), "err", err)
		}
	}()
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func permissionNames(ps []pluginpb.PermissionType) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.String())
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// pluginCommand records a command a plugin issued (for the event stream).
// Called on the plugin's observer goroutine.
func (d *Daemon) pluginCommand(pn *pane, loadNo int, a wasi.Activity) {
	if a.Command == nil {
		return
	}
	pn.cmds.add(a)
	switch a.Outcome {
	case wasi.CommandDenied, wasi.CommandUnsupported:
		d.events.publish(EvPluginCommand, pn.addr, fmt.Sprintf("%s %s: %s", a.Command.GetName(), a.Outcome, a.Detail),
			map[string]string{"command": a.Command.GetName().String(), "outcome": a.Outcome.String()})
	}
}

// pluginPipe handles a plugin's CLI pipe requests. Called on the plugin's
// observer goroutine.
func (d *Daemon) pluginPipe(pn *pane, pc wasi.PipeControl) {
	d.post(func() { d.onPipeControl(pn, pc) })
}
