package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/tessera-ws/tessera/config"
	"github.com/tessera-ws/tessera/proto/pluginpb"
)

func jsonMarshal(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }

// load reads the workspace at path ("" for the daemon's own).
func (d *Daemon) load(path string) (*config.Workspace, []config.File, hcl.Diagnostics) {
	if path == "" {
		path = d.paths.Workspace
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return config.Load(path, config.Options{Vars: d.cfg.Vars, Env: env, Version: d.cfg.Version})
}

func workspaceHash(ws *config.Workspace) string {
	sum := sha256.Sum256(ws.JSON())
	return hex.EncodeToString(sum[:8])
}

// reload re-reads the workspace files on the loop and applies them if they
// are valid (see reloadAsync, which reads them off the loop). Loop only.
func (d *Daemon) reload(why string) (*config.Workspace, hcl.Diagnostics, *config.Plan) {
	d.log.Info("reading the workspace", "why", why)
	ws, files, diags := d.load("")
	return d.applyLoaded(why, ws, files, diags)
}

// applyLoaded applies a loaded workspace if it is valid. An invalid file
// changes nothing: its diagnostics go to the log and the event stream.
// Loop only.
func (d *Daemon) applyLoaded(why string, ws *config.Workspace, files []config.File, diags hcl.Diagnostics) (*config.Workspace, hcl.Diagnostics, *config.Plan) {
	d.lastFiles = files
	if diags.HasErrors() {
		d.lastDiags = diags
		var b strings.Builder
		_ = config.WriteDiagnostics(&b, files, diags)
		d.log.Error("workspace invalid: nothing changed", "why", why, "diagnostics", b.String())
		d.events.publish(EvConfigInvalid, "", fmt.Sprintf("workspace invalid (%d errors): nothing changed", countErrors(diags)),
			map[string]string{"diagnostics": b.String()})
		return nil, diags, nil
	}
	d.lastDiags = nil
	plan := d.apply(ws)
	return ws, diags, plan
}

func countErrors(diags hcl.Diagnostics) int {
	n := 0
	for _, dg := range diags {
		if dg.Severity == hcl.DiagError {
			n++
		}
	}
	return n
}

// apply makes the observed state match ws, touching only what changed:
// objects are matched by address, unchanged panes keep their process and
// unchanged plugins their instance; managed objects missing from ws are
// closed; unmanaged objects are left alone. Loop only.
func (d *Daemon) apply(ws *config.Workspace) *config.Plan {
	plan := d.plan(ws)
	hash := workspaceHash(ws)
	d.events.publish(EvApplyStarted, "", fmt.Sprintf("applying %d changes", len(plan.Changes)), nil)
	d.applyDeletes(ws)
	for _, sc := range ws.Sessions {
		s := d.findSession(sc.Address)
		if s == nil {
			s = &session{addr: sc.Address, name: sc.Name, managed: true, created: time.Now(), mode: pluginpb.InputMode_Normal}
			d.sessions = append(d.sessions, s)
			s.listDirty = true
			d.events.publish(EvSessionCreated, s.addr, "session created", nil)
		}
		s.cfg = sc
		d.applyTabs(s, sc)
		d.applyBackground(s, sc)
	}
	// Sessions in declaration order, unmanaged ones after.
	sort.SliceStable(d.sessions, func(i, j int) bool {
		return sessionIndex(ws, d.sessions[i]) < sessionIndex(ws, d.sessions[j])
	})
	d.applied = ws
	d.appliedHash = hash
	for _, s := range d.sessions {
		d.markDirty(s)
	}
	d.events.publish(EvApplyDone, "", fmt.Sprintf("applied: %d to create, %d to update, %d to replace, %d to delete",
		plan.Summary.Create, plan.Summary.Update, plan.Summary.Replace, plan.Summary.Delete), map[string]string{"hash": hash})
	d.log.Info("applied", "create", plan.Summary.Create, "update", plan.Summary.Update,
		"replace", plan.Summary.Replace, "delete", plan.Summary.Delete)
	return plan
}

func sessionIndex(ws *config.Workspace, s *session) int {
	for i, sc := range ws.Sessions {
		if sc.Address == s.addr {
			return i
		}
	}
	return len(ws.Sessions)
}

func (d *Daemon) findSession(addr string) *session {
	for _, s := range d.sessions {
		if s.addr == addr {
			return s
		}
	}
	return nil
}

// applyDeletes closes managed objects that ws no longer declares.
func (d *Daemon) applyDeletes(ws *config.Workspace) {
	want := map[string]bool{}
	for _, o := range ws.Objects() {
		want[o.Address] = true
	}
	var keep []*session
	for _, s := range d.sessions {
		var tabs []*tab
		for _, t := range s.tabs {
			var panes []*pane
			for _, p := range t.panes {
				if p.managed && !want[p.addr] {
					d.closePane(p)
					continue
				}
				panes = append(panes, p)
			}
			t.panes = panes
			if t.managed && !want[t.addr] && !hasUnmanaged(t.panes) {
				for _, p := range t.panes {
					d.closePane(p)
				}
				d.events.publish(EvTabClosed, t.addr, "tab closed", nil)
				continue
			}
			if t.managed && !want[t.addr] {
				t.managed = false // it holds panes opened at run time: keep it, unmanaged
			}
			tabs = append(tabs, t)
		}
		s.tabs = tabs
		var bg []*pane
		for _, p := range s.bg {
			if p.managed && !want[p.addr] {
				d.closePane(p)
				continue
			}
			bg = append(bg, p)
		}
		s.bg = bg
		if s.managed && !want[s.addr] && len(s.tabs) == 0 && len(s.bg) == 0 {
			d.events.publish(EvSessionClosed, s.addr, "session closed", nil)
			continue
		}
		if s.managed && !want[s.addr] {
			s.managed = false
		}
		keep = append(keep, s)
	}
	d.sessions = keep
	for _, s := range d.sessions {
		if s.active >= len(s.tabs) {
			s.active = max(0, len(s.tabs)-1)
		}
	}
}

func hasUnmanaged(ps []*pane) bool {
	for _, p := range ps {
		if !p.managed && p.currentState() != StateClosed {
			return true
		}
	}
	return false
}

func (d *Daemon) applyTabs(s *session, sc *config.Session) {
	var ordered []*tab
	seen := map[*tab]bool{}
	for i, tc := range sc.Tabs {
		var t *tab
		for _, x := range s.tabs {
			if x.addr == tc.Address {
				t = x
			}
		}
		if t == nil {
			d.nextTabID++
			t = &tab{addr: tc.Address, name: tc.Name, managed: true, sess: s, id: d.nextTabID}
			d.events.publish(EvTabCreated, t.addr, "tab created", nil)
		}
		t.managed = true
		t.cfg = tc
		d.applyPanes(t, tc)
		ordered = append(ordered, t)
		seen[t] = true
		if tc.Name == sc.FocusTab || (sc.FocusTab == "" && i == 0 && t.id == d.nextTabID) {
			s.active = len(ordered) - 1
		}
	}
	for _, t := range s.tabs {
		if !seen[t] {
			ordered = append(ordered, t) // unmanaged tabs keep their relative order, after the declared ones
		}
	}
	s.tabs = ordered
}

// paneSpec is a pane the file declares: a tab's terminal or plugin pane,
// or a session's background plugin (no tab).
type paneSpec struct {
	addr, name string
	term       *config.TerminalPane
	plug       *config.PluginInstance
}

func (d *Daemon) applyPanes(t *tab, tc *config.Tab) {
	specs := make([]paneSpec, len(tc.Panes))
	for i, pc := range tc.Panes {
		specs[i] = paneSpec{addr: pc.Address, name: pc.Name, term: pc.Terminal, plug: pc.Plugin}
		if pc.Name == tc.FocusPane {
			t.focus = i // the declared panes come first, in order
		}
	}
	t.panes = d.applyPaneList(t.sess, t, t.panes, specs)
}

func (d *Daemon) applyBackground(s *session, sc *config.Session) {
	specs := make([]paneSpec, len(sc.BackgroundPlugins))
	for i, bc := range sc.BackgroundPlugins {
		specs[i] = paneSpec{addr: bc.Address, name: lastSegment(bc.Address), plug: bc}
	}
	s.bg = d.applyPaneList(s, nil, s.bg, specs)
}

// applyPaneList makes a list of panes (a tab's, or a session's background
// plugins when t is nil) match the specs: each declared pane, matched by
// address, is created, replaced, updated or left alone, in the file's
// order; panes opened at run time follow in their own order.
func (d *Daemon) applyPaneList(s *session, t *tab, have []*pane, want []paneSpec) []*pane {
	byAddr := make(map[string]*pane, len(have))
	for _, p := range have {
		byAddr[p.addr] = p
	}
	ordered := make([]*pane, 0, max(len(have), len(want)))
	seen := make(map[*pane]bool, len(want))
	for _, w := range want {
		p := d.applyPane(s, t, byAddr[w.addr], w)
		ordered = append(ordered, p)
		seen[p] = true
	}
	for _, p := range have {
		if !seen[p] {
			ordered = append(ordered, p)
		}
	}
	return ordered
}

func lastSegment(addr string) string {
	if i := strings.LastIndexByte(addr, '.'); i >= 0 {
		return addr[i+1:]
	}
	return addr
}

// applyPane creates, replaces, updates in place or leaves alone one pane.
func (d *Daemon) applyPane(s *session, t *tab, p *pane, w paneSpec) *pane {
	addr, name, tp, pi := w.addr, w.name, w.term, w.plug
	kind := KindTerminal
	if pi != nil {
		kind = KindPluginPane
		if t == nil {
			kind = KindBackground
		}
	}
	if p != nil && p.kind != kind {
		d.closePane(p)
		p = nil
	}
	if p == nil || p.currentState() == StateClosed && !sameTerminal(p.tcfg, tp) {
		p = d.newPane(s, t, addr, name, kind)
		p.tcfg, p.managed = tp, true
		if pi != nil {
			p.plug = &pluginObj{inst: pi, view: newPluginView(d.paneSize(kind))}
			d.startPlugin(p)
		} else {
			d.startTerminal(p)
		}
		return p
	}
	p.managed = true
	p.sess, p.tab = s, t
	if pi != nil {
		old := p.plug.inst
		switch {
		case samePluginRuntime(old, pi):
			p.plug.inst = pi
		case canReconfigure(p.plug, pi):
			d.reconfigurePlugin(p, pi)
		default:
			p.plug.inst = pi
			d.log.Info("plugin changed: replacing its instance", "plugin", addr)
			d.stopPlugin(p, StateStopped)
			p.ready = make(chan struct{})
			p.readyDone = false
			d.startPlugin(p)
			return p
		}
		if pl := p.plug.p; pl != nil && !slices.Equal(old.Permissions, pi.Permissions) {
			pl.Revoke(permissionTypes(old.Permissions)...)
			pl.Grant(permissionTypes(pi.Permissions)...)
		}
		return p
	}
	old := p.tcfg
	p.tcfg = tp
	if !sameTerminal(old, tp) {
		d.log.Info("pane changed: restarting it", "pane", addr)
		p.ready, p.readyDone = make(chan struct{}), false
		d.restartTerminal(p)
	}
	return p
}

// sameTerminal reports whether two terminal panes run the same process
// (restart policy and close_on_exit apply in place).
func sameTerminal(a, b *config.TerminalPane) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Command == b.Command && slices.Equal(a.Args, b.Args) && a.Cwd == b.Cwd && maps.Equal(a.Env, b.Env)
}

// samePluginRuntime reports whether two instances can share a running
// plugin: same identity (source and configuration), mounts, environment and
// limits. Permissions change live.
func samePluginRuntime(a, b *config.PluginInstance) bool {
	return a.Identity == b.Identity && sameSandbox(a, b)
}

// sameSandbox reports whether two instances run the same module in the same
// sandbox: source, mounts, environment and limits (not configuration).
func sameSandbox(a, b *config.PluginInstance) bool {
	return a.Source == b.Source &&
		slices.Equal(a.Mounts, b.Mounts) && slices.Equal(a.InheritEnv, b.InheritEnv) &&
		maps.Equal(a.Env, b.Env) && a.Limits == b.Limits
}

// canReconfigure reports whether the running instance of po can take the
// configuration of pi in place: only the configuration differs (permissions
// change live anyway), and the instance runs and would be delivered
// PluginConfigurationChanged (it subscribed and may read the application
// state). Anything else is a replacement.
func canReconfigure(po *pluginObj, pi *config.PluginInstance) bool {
	return po.p != nil && po.state == StateRunning && sameSandbox(po.inst, pi) &&
		!maps.Equal(po.inst.Config, pi.Config) &&
		po.p.Accepts(pluginpb.EventType_PluginConfigurationChanged)
}

// reconfigurePlugin updates a running plugin in place: it records the new
// configuration and sends the instance PluginConfigurationChanged with the
// merged configuration (the manifest's overlaid with the pane's). The
// instance keeps its id; the admin's permission answers follow it to its new
// identity, so that a later restart does not ask again. Loop only.
func (d *Daemon) reconfigurePlugin(p *pane, pi *config.PluginInstance) {
	po := p.plug
	old := po.inst
	po.inst = pi
	if old.Identity != pi.Identity {
		if r := d.perms.recs[old.Identity]; r != nil && d.perms.recs[pi.Identity] == nil {
			c := *r
			c.Granted, c.Denied = slices.Clone(r.Granted), slices.Clone(r.Denied)
			d.perms.recs[pi.Identity] = &c
			if err := d.perms.save(); err != nil {
				d.log.Warn("saving permissions", "err", err)
			}
		}
	}
	items := make([]*pluginpb.ContextItem, 0, len(pi.Config))
	for _, k := range slices.Sorted(maps.Keys(pi.Config)) {
		items = append(items, &pluginpb.ContextItem{Name: k, Value: pi.Config[k]})
	}
	po.p.Post(&pluginpb.Event{Name: pluginpb.EventType_PluginConfigurationChanged,
		Payload: &pluginpb.Event_PluginConfigurationChangedPayload{
			PluginConfigurationChangedPayload: &pluginpb.PluginConfigurationChangedPayload{Configuration: items}}})
	d.log.Info("plugin configuration changed: updated in place", "plugin", p.addr, "id", po.id)
	d.events.publish(EvPluginReconfigured, p.addr, "configuration updated in place (PluginConfigurationChanged)",
		map[string]string{"id": fmt.Sprint(po.id)})
}

// plan is config.Diff from the applied workspace to ws, refined for what
// runs: a configuration change of a plugin instance is an update in place
// when the running instance handles PluginConfigurationChanged, and a
// replacement otherwise. Loop only.
func (d *Daemon) plan(ws *config.Workspace) *config.Plan {
	plan := config.Diff(d.applied, ws)
	var want map[string]*config.PluginInstance
	for i := range plan.Changes {
		c := &plan.Changes[i]
		if c.Action != config.Update || (c.Kind != "pane" && c.Kind != "background_plugin") || !hasEffect(c, config.EffectReload) {
			continue
		}
		if want == nil {
			want = map[string]*config.PluginInstance{}
			for _, sc := range ws.Sessions {
				for _, tc := range sc.Tabs {
					for _, pc := range tc.Panes {
						if pc.Plugin != nil {
							want[pc.Address] = pc.Plugin
						}
					}
				}
				for _, bc := range sc.BackgroundPlugins {
					want[bc.Address] = bc
				}
			}
		}
		effect := config.EffectReplace
		if p, _ := d.lookupPane(c.Address); p != nil && p.plug != nil && want[c.Address] != nil && canReconfigure(p.plug, want[c.Address]) {
			effect = config.EffectConfigEvent
		}
		for j := range c.Attributes {
			if c.Attributes[j].Effect == config.EffectReload {
				c.Attributes[j].Effect = effect
			}
		}
		if effect == config.EffectReplace {
			c.Action = config.Replace
			plan.Summary.Update--
			plan.Summary.Replace++
		}
	}
	return plan
}

func hasEffect(c *config.Change, effect string) bool {
	for _, a := range c.Attributes {
		if a.Effect == effect {
			return true
		}
	}
	return false
}

func (d *Daemon) paneSize(kind string) (int, int) {
	if kind == KindBackground {
		return 0, 0
	}
	return d.cfg.DefaultRows, d.cfg.DefaultCols
}

func (d *Daemon) newPane(s *session, t *tab, addr, name, kind string) *pane {
	d.nextPaneID++
	return &pane{addr: addr, name: name, kind: kind, sess: s, tab: t, id: d.nextPaneID, ready: make(chan struct{})}
}

// closePane stops a pane for good.
func (d *Daemon) closePane(p *pane) {
	var wg sync.WaitGroup
	d.stopPane(p, StateClosed, &wg)
	d.markDirty(p.sess)
	d.paneClosedEvent(p)
	d.events.publish(EvPaneClosed, p.addr, "closed", nil)
}

// stopPane stops a pane's process or plugin without waiting on the loop;
// wg is done once it stopped.
func (d *Daemon) stopPane(p *pane, final string, wg *sync.WaitGroup) {
	if p.plug != nil {
		if p.plug.state != StateClosed {
			d.stopPlugin(p, final)
		}
		return
	}
	if p.restartTimer != nil {
		p.restartTimer.Stop()
		p.restartTimer = nil
	}
	p.runs++ // an exit or a start from now on is not news
	if p.term != nil {
		// A start in flight ends its process when it comes up.
		for _, op := range p.term.starts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-op.done
			}()
		}
	}
	if pr := p.proc; pr != nil {
		wg.Add(1)
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			defer wg.Done()
			pr.stop(stopGrace)
		}()
	}
	p.state = final
	p.markReady()
}

// paneEnv is the environment of a terminal pane's process.
func paneEnv(p *pane) []string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	if p.tcfg != nil {
		for k, v := range p.tcfg.Env {
			env[k] = v
		}
	}
	env["TESSERA"] = "1"
	env["TESSERA_SESSION"] = p.sess.name
	env["TESSERA_PANE"] = p.addr
	env["TERM"] = "xterm-256color"
	env["COLORTERM"] = "truecolor"
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

func (d *Daemon) startTerminal(p *pane) {
	if p.term == nil {
		p.term = newTerminal(d.cfg.DefaultRows, d.cfg.DefaultCols)
	}
	if p.tcfg != nil && p.tcfg.StartSuspended && p.runs == 0 {
		p.state = StateSuspended
		p.runs++
		p.markReady()
		return
	}
	d.runTerminal(p)
}

// runTerminal starts the pane's process. The fork/exec runs on a goroutine
// of its own, so the loop goes on meanwhile (a cold apply starts its panes
// in parallel); the pane is "starting" until terminalStarted hears back.
func (d *Daemon) runTerminal(p *pane) {
	if p.state == StateStopped {
		return // stopped by the daemon's shutdown: messages still handled then start nothing
	}
	tc := p.tcfg
	if tc == nil {
		tc = &config.TerminalPane{Cwd: p.sess.cfgCwd()}
	}
	sp, err := buildSpec(tc.Command, tc.Args, tc.Cwd, paneEnv(p))
	if err == nil {
		if st, serr := os.Stat(tc.Cwd); serr != nil || !st.IsDir() {
			err = fmt.Errorf("working directory %s does not exist", tc.Cwd)
		}
	}
	p.runs++
	run := p.runs
	if err != nil {
		p.state = StateFailed
		p.lastErr = err.Error()
		d.log.Error("pane failed to start", "pane", p.addr, "err", err)
		d.events.publish(EvPaneFailed, p.addr, p.lastErr, nil)
		p.markReady()
		return
	}
	p.proc = nil
	p.state = StateStarting
	term := p.term
	op := &startOp{taken: make(chan struct{}), done: make(chan struct{})}
	term.starts = append(term.starts, op)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		pr, err := term.spawn(sp, d.procs, func(pr *process) {
			d.post(func() { d.terminalExited(p, run, pr) })
		})
		if d.post(func() { d.terminalStarted(p, run, op, pr, err, sp.argv) }) {
			// The message can still be left in the inbox if the loop
			// ends first (the daemon shutting down).
			select {
			case <-op.taken:
				return
			case <-d.done:
			}
			select {
			case <-op.taken:
				return
			default:
			}
		}
		// The loop has stopped: nobody will attach the process.
		if pr != nil {
			pr.stop(stopGrace)
		}
		close(op.done)
	}()
}

// terminalStarted takes the outcome of a start. A start superseded while
// it was in flight (the pane was stopped, closed or restarted: p.runs
// moved on) has its process stopped; otherwise the process is attached to
// the pane, or the pane failed. Loop only.
func (d *Daemon) terminalStarted(p *pane, run int, op *startOp, pr *process, err error, argv []string) {
	close(op.taken)
	p.term.starts = slices.DeleteFunc(p.term.starts, func(x *startOp) bool { return x == op })
	if p.runs != run {
		if pr == nil {
			close(op.done)
			return
		}
		d.log.Info("pane stopped while it started: ending its process", "pane", p.addr, "pid", pr.pid)
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			pr.stop(stopGrace)
			close(op.done)
		}()
		return
	}
	close(op.done)
	if err != nil {
		p.state = StateFailed
		p.lastErr = err.Error()
		d.log.Error("pane failed to start", "pane", p.addr, "err", err)
		d.events.publish(EvPaneFailed, p.addr, p.lastErr, nil)
		p.markReady()
		return
	}
	p.term.attach(pr)
	p.proc = pr
	p.state = StateRunning
	p.exited = false
	p.lastErr = ""
	p.started = time.Now()
	d.markDirty(p.sess)
	d.log.Info("pane started", "pane", p.addr, "pid", pr.pid, "argv", strings.Join(argv, " "))
	d.events.publish(EvPaneStarted, p.addr, fmt.Sprintf("started pid %d", pr.pid), map[string]string{"pid": fmt.Sprint(pr.pid)})
	p.markReady()
}

func (s *session) cfgCwd() string {
	if s.cfg != nil {
		return s.cfg.Cwd
	}
	wd, _ := os.Getwd()
	return wd
}

// terminalExited handles the exit of a pane's process: it records the
// status, then closes the pane (close_on_exit), restarts it per policy, or
// leaves it showing its last screen.
func (d *Daemon) terminalExited(p *pane, run int, pr *process) {
	if p.runs != run || p.state == StateClosed || p.state == StateStopped {
		pr.ptmx.Close()
		return
	}
	pr.ptmx.Close()
	p.exited = true
	p.status = pr.status
	p.state = StateExited
	d.markDirty(p.sess)
	d.paneExitedEvents(p)
	d.log.Info("pane exited", "pane", p.addr, "pid", pr.pid, "status", pr.status)
	d.events.publish(EvPaneExited, p.addr, fmt.Sprintf("exited with status %d", pr.status), map[string]string{"status": fmt.Sprint(pr.status)})
	policy := config.RestartNever
	closeOnExit := false
	if p.tcfg != nil {
		policy, closeOnExit = p.tcfg.Restart, p.tcfg.CloseOnExit
	}
	if policy == config.RestartAlways || (policy == config.RestartOnFailure && pr.status != 0) {
		if time.Since(pr.started) > 10*time.Second {
			p.restarts = 0 // it ran a while: not a crash loop
		}
		delay := backoff(0, p.restarts)
		if p.restarts >= maxPaneRestarts {
			p.lastErr = fmt.Sprintf("not restarted: %d consecutive restarts", p.restarts)
			d.events.publish(EvPaneFailed, p.addr, p.lastErr, nil)
			return
		}
		p.restarts++
		d.events.publish(EvPaneRestarting, p.addr, fmt.Sprintf("restarting in %s", delay), nil)
		runNow := p.runs
		p.restartTimer = time.AfterFunc(delay, func() {
			d.post(func() {
				if p.runs == runNow && p.state == StateExited {
					d.runTerminal(p)
				}
			})
		})
		return
	}
	if closeOnExit {
		p.state = StateClosed
		d.events.publish(EvPaneClosed, p.addr, "closed on exit", nil)
	}
}

// maxPaneRestarts caps consecutive automatic restarts of a terminal pane.
const maxPaneRestarts = 10

// restartTerminal stops the pane's process (if any) and starts it again.
func (d *Daemon) restartTerminal(p *pane) {
	if p.state == StateStopped {
		return // stopped by the daemon's shutdown
	}
	if p.restartTimer != nil {
		p.restartTimer.Stop()
		p.restartTimer = nil
	}
	p.runs++ // a start in flight is superseded
	run := p.runs
	pr := p.proc
	p.proc = nil
	p.state = StateStarting
	if pr == nil {
		d.runTerminal(p)
		return
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		pr.stop(stopGrace)
		d.post(func() {
			// Unless something else happened to the pane meanwhile (a stop,
			// another restart).
			if p.runs == run && p.state == StateStarting {
				d.runTerminal(p)
			}
		})
	}()
}
