package daemon

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tessera-ws/tessera/config"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

// Pipe messages (plugin ABI §9) reach plugins through their pipe export,
// from the command line (`tessera pipe`, pipes.go) and from other plugins
// (MessageToPlugin, here). A directed message goes to every instance of
// one plugin, the plugin being its location plus its configuration; when
// none runs, one is loaded as an unmanaged background plugin of the session
// and gets the message once it has loaded. Without a destination a message
// is broadcast to every running plugin.
//
// The loop decides who gets a message; couriers, one per plugin instance,
// make the blocking Pipe calls in order, off the loop.

// OwnURL is the placeholder location by which a plugin names itself.
const OwnURL = "zellij:OWN_URL"

// EvPluginLoadedForMessage is published when a message loads a plugin.
const EvPluginLoadedForMessage = "plugin.loaded_for_message"

// reservedConfigKeys are removed from a configuration before it selects an
// instance: they tell how to open a plugin, not which plugin it is.
var reservedConfigKeys = []string{
	"hold_on_close", "hold_on_start", "cwd", "name", "direction", "floating", "move_to_focused_tab",
	"launch_new", "payload", "skip_cache", "title", "in_place", "skip_plugin_cache",
}

// instanceConfig returns the configuration that identifies an instance:
// without the reserved keys and without caller_cwd, which the host adds to
// every plugin-sent message.
func instanceConfig(cfg map[string]string) map[string]string {
	out := maps.Clone(cfg)
	if out == nil {
		out = map[string]string{}
	}
	for _, k := range reservedConfigKeys {
		delete(out, k)
	}
	delete(out, "caller_cwd")
	return out
}

// pipeTarget names a plugin: a location and a configuration.
type pipeTarget struct {
	src config.Source
	cfg map[string]string
}

func (t *pipeTarget) String() string {
	if len(t.cfg) == 0 {
		return t.src.URL()
	}
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(t.cfg)) {
		kv = append(kv, k+"="+t.cfg[k])
	}
	return t.src.URL() + " (" + strings.Join(kv, ", ") + ")"
}

// matches reports whether a plugin instance is this plugin.
func (t *pipeTarget) matches(in *config.PluginInstance) bool {
	if in.Source.Kind != t.src.Kind || in.Source.Location != t.src.Location {
		return false
	}
	return maps.Equal(instanceConfig(in.Config), instanceConfig(t.cfg))
}

// parsePluginURL resolves a plugin location given on the command line or by
// a plugin: file:PATH, a plain path (relative to cwd), zellij:NAME,
// builtin:NAME or an https URL.
func parsePluginURL(raw, cwd string) (config.Source, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return config.Source{}, errors.New("empty plugin location: give file:/path/plugin.wasm, a path, zellij:NAME, builtin:NAME or an https URL")
	case strings.HasPrefix(raw, "zellij:"):
		name := strings.TrimPrefix(raw, "zellij:")
		if !slices.Contains(config.ZellijBuiltins[:], name) {
			return config.Source{}, fmt.Errorf("%q is not one of Zellij's built-in plugins (%s)", name, strings.Join(config.ZellijBuiltins[:], ", "))
		}
		return config.Source{Kind: config.SourceZellij, Location: name}, nil
	case strings.HasPrefix(raw, "builtin:"):
		name := strings.TrimPrefix(raw, "builtin:")
		if name == "" {
			return config.Source{}, errors.New("builtin: needs a plugin name, as in builtin:status")
		}
		return config.Source{Kind: config.SourceBuiltin, Location: name}, nil
	case strings.HasPrefix(raw, "https://"):
		return config.Source{Kind: config.SourceHTTPS, Location: raw}, nil
	case strings.HasPrefix(raw, "http://"):
		return config.Source{}, fmt.Errorf("%s: plugins are only fetched over https", raw)
	}
	p := strings.TrimPrefix(raw, "file:")
	if i := strings.Index(p, ":"); i > 0 && !strings.HasPrefix(raw, "file:") && !strings.ContainsAny(p[:i], "/\\.") {
		return config.Source{}, fmt.Errorf("%q: the scheme %q is not supported; use a path, or one of the schemes file, zellij, builtin or https", raw, p[:i+1])
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	p = os.ExpandEnv(p)
	if !filepath.IsAbs(p) {
		if cwd == "" {
			return config.Source{}, fmt.Errorf("%q is a relative path and no directory was given to resolve it", raw)
		}
		p = filepath.Join(cwd, p)
	}
	return config.Source{Kind: config.SourceFile, Location: filepath.Clean(p)}, nil
}

// allPlugins calls f for every plugin pane and background plugin of s (all
// sessions when s is nil) that is not closed. Loop only.
func (d *Daemon) allPlugins(s *session, f func(pn *pane)) {
	for _, x := range d.sessions {
		if s != nil && x != s {
			continue
		}
		for _, t := range x.tabs {
			for _, p := range t.panes {
				if p.plug != nil && p.plug.state != StateClosed {
					f(p)
				}
			}
		}
		for _, p := range x.bg {
			if p.plug != nil && p.plug.state != StateClosed {
				f(p)
			}
		}
	}
}

// runningPlugins returns the plugins that run now (of s, or of every
// session when s is nil). Loop only.
func (d *Daemon) runningPlugins(s *session) []*pane {
	var out []*pane
	d.allPlugins(s, func(pn *pane) {
		if pn.plug.p != nil && pn.plug.state == StateRunning {
			out = append(out, pn)
		}
	})
	return out
}

// resolution is where a directed message goes now.
type resolution struct {
	running []*pane // instances that get the message
	loading *pane   // else: an instance loading (wait for it)
	broken  *pane   // else: an instance that crashed or failed
}

// resolveTarget finds the instances of a plugin in every session. The
// configuration that selects them is the one an instance loaded for t would
// have (loadForMessage): the manifest's under t's; else every message to a
// plugin whose manifest has a configuration would load one more. Loop only.
func (d *Daemon) resolveTarget(t *pipeTarget) resolution {
	var r resolution
	if m := d.manifestFor(t.src); m != nil && len(m.Config) > 0 {
		cfg := maps.Clone(m.Config)
		maps.Copy(cfg, t.cfg)
		t = &pipeTarget{src: t.src, cfg: cfg}
	}
	d.allPlugins(nil, func(pn *pane) {
		if !t.matches(pn.plug.inst) {
			return
		}
		switch pn.plug.state {
		case StateRunning:
			if pn.plug.p != nil {
				r.running = append(r.running, pn)
			}
		case StateLoading, StateStarting:
			if r.loading == nil {
				r.loading = pn
			}
		case StateCrashed, StateFailed:
			if r.broken == nil {
				r.broken = pn
			}
		}
	})
	return r
}

// manifestFor returns the workspace's manifest of a plugin location, whose
// permissions, limits, mounts and restart policy a plugin loaded for a
// message takes; nil when the workspace declares none.
func (d *Daemon) manifestFor(src config.Source) *config.Plugin {
	if d.applied == nil {
		return nil
	}
	for _, m := range d.applied.Plugins {
		if m.Source.Kind == src.Kind && m.Source.Location == src.Location {
			return m
		}
	}
	return nil
}

// maxLoadedForMessages bounds the plugins loaded for messages that run at
// once in a session: a plugin that messages a new configuration of itself
// each time (each one loaded doing the same) would otherwise fill the host
// with instances.
const maxLoadedForMessages = 32

// loadForMessage loads a plugin as an unmanaged background plugin of s, so
// that it can get a message. Loop only.
func (d *Daemon) loadForMessage(s *session, t *pipeTarget, why string) (*pane, error) {
	if s == nil {
		return nil, errors.New("no session runs to load the plugin in")
	}
	loaded := 0
	for _, p := range s.bg {
		if !p.managed && p.plug != nil && p.plug.state != StateClosed {
			loaded++
		}
	}
	if loaded >= maxLoadedForMessages {
		return nil, fmt.Errorf("%s is not running and is not loaded: session %s runs %d plugins loaded for messages already (at most %d; close some with `tessera close ADDR`)",
			t, s.name, loaded, maxLoadedForMessages)
	}
	inst := &config.PluginInstance{
		Source:  t.src,
		Config:  maps.Clone(t.cfg),
		Restart: config.Restart{Policy: config.RestartNever},
	}
	if m := d.manifestFor(t.src); m != nil {
		inst.Manifest = m.Name
		inst.Source = m.Source // with its sha256
		inst.Permissions = slices.Clone(m.Permissions)
		inst.InheritEnv = slices.Clone(m.InheritEnv)
		inst.Env = maps.Clone(m.Env)
		inst.Mounts = slices.Clone(m.Mounts)
		inst.Limits = m.Limits
		inst.Restart = m.Restart
		cfg := maps.Clone(m.Config)
		if cfg == nil {
			cfg = map[string]string{}
		}
		maps.Copy(cfg, t.cfg)
		inst.Config = cfg
	} else if t.src.Kind == config.SourceHTTPS {
		return nil, fmt.Errorf("%s is not running and cannot be loaded: an https plugin is loaded only from a workspace manifest that pins its sha256", t.src.URL())
	}
	if len(inst.Config) == 0 {
		inst.Config = nil
	}
	inst.Identity = config.InstanceIdentity(inst.Source, inst.Config)
	base := strings.TrimSuffix(filepath.Base(t.src.Location), ".wasm")
	name := d.uniqueName(s.addr+".background_plugin.", sanitizeName(base))
	addr := s.addr + ".background_plugin." + name
	inst.Address = addr
	pn := d.newPane(s, nil, addr, name, KindBackground)
	pn.plug = &pluginObj{inst: inst, view: newPluginView(d.paneSize(KindBackground))}
	s.bg = append(s.bg, pn)
	d.log.Info("loading a plugin for a message", "plugin", addr, "url", t.src.URL(), "why", why)
	d.events.publish(EvPluginLoadedForMessage, addr, "loading "+t.String()+" for "+why+" (unmanaged)", nil)
	d.startPlugin(pn)
	d.markDirty(s)
	return pn, nil
}

// whenSettled calls f on the loop once pn has loaded (first frame) or
// failed, or after a short wait when that already happened (a restart in
// progress). Loop only.
func (d *Daemon) whenSettled(pn *pane, f func()) {
	ready := pn.ready
	select {
	case <-ready:
		time.AfterFunc(25*time.Millisecond, func() { d.post(f) })
		return
	default:
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		select {
		case <-ready:
			d.post(f)
		case <-d.ctx.Done():
		}
	}()
}

// courier delivers pipe messages to one plugin instance, in order, off the
// loop: Pipe blocks until the plugin has processed the message.
type courier struct {
	p       *wasi.Plugin
	mu      sync.Mutex
	queue   []delivery
	running bool
}

type delivery struct {
	msg *pluginpb.PipeMessage
	// failed is called (on the courier's goroutine) when the plugin could
	// not process the message.
	failed func(error)
}

type couriers struct {
	mu sync.Mutex
	m  map[*wasi.Plugin]*courier
}

// courierMaxQueue bounds the messages waiting for one plugin instance: a
// plugin that answers every message with two would otherwise grow the
// queue for ever.
const courierMaxQueue = 256

// errCourierFull is deliver's error when the recipient has courierMaxQueue
// messages waiting.
var errCourierFull = fmt.Errorf("the plugin has %d messages waiting: message dropped (the sender sends faster than it processes)", courierMaxQueue)

// deliver queues msg for p; safe from any goroutine. When p has too many
// messages waiting it queues nothing and returns errCourierFull (failed is
// not called).
func (d *Daemon) deliver(p *wasi.Plugin, msg *pluginpb.PipeMessage, failed func(error)) error {
	cs := &d.pipes.couriers
	cs.mu.Lock()
	if cs.m == nil {
		cs.m = map[*wasi.Plugin]*courier{}
	}
	c := cs.m[p]
	if c == nil {
		c = &courier{p: p}
		cs.m[p] = c
	}
	c.mu.Lock()
	if len(c.queue) >= courierMaxQueue {
		c.mu.Unlock()
		cs.mu.Unlock()
		return errCourierFull
	}
	c.queue = append(c.queue, delivery{msg: msg, failed: failed})
	start := !c.running
	c.running = true
	c.mu.Unlock()
	cs.mu.Unlock()
	if start {
		d.wg.Add(1)
		go d.runCourier(c)
	}
	return nil
}

func (d *Daemon) runCourier(c *courier) {
	defer d.wg.Done()
	cs := &d.pipes.couriers
	for {
		cs.mu.Lock()
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.running = false
			delete(cs.m, c.p)
			c.mu.Unlock()
			cs.mu.Unlock()
			return
		}
		dl := c.queue[0]
		c.queue[0] = delivery{}
		c.queue = c.queue[1:]
		c.mu.Unlock()
		cs.mu.Unlock()
		if _, err := c.p.Pipe(d.ctx, dl.msg); err != nil && dl.failed != nil {
			dl.failed(err)
		}
	}
}

// pipeArgs converts arguments to the wire form, sorted by key.
func pipeArgs(m map[string]string) []*pluginpb.Arg {
	var out []*pluginpb.Arg
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, &pluginpb.Arg{Key: k, Value: m[k]})
	}
	return out
}

// messageToPlugin carries out a plugin's MessageToPlugin: to the plugin
// with destination_plugin_id, else to the plugin at plugin_url (loaded
// when none runs; zellij:OWN_URL is the sender's own location), else to
// every running plugin of the sender's session, the sender included. Loop
// only.
func (d *Daemon) messageToPlugin(pn *pane, m *pluginpb.MessageToPluginPayload) error {
	if pn.plug == nil {
		return errors.New("message to plugin: the sender is not a plugin")
	}
	sender := pn.plug.id
	msg := &pluginpb.PipeMessage{
		Source:         pluginpb.PipeSource_Plugin,
		PluginSourceId: &sender,
		Name:           m.GetMessageName(),
		Payload:        m.MessagePayload,
		IsPrivate:      m.DestinationPluginId != nil || m.PluginUrl != nil,
	}
	for _, a := range m.GetMessageArgs() {
		msg.Args = append(msg.Args, &pluginpb.Arg{Key: a.GetName(), Value: a.GetValue()})
	}
	logFailure := func(to string) func(error) {
		return func(err error) {
			d.log.Warn("message to plugin not delivered", "from", pn.addr, "to", to, "name", msg.Name, "err", err)
		}
	}
	switch {
	case m.DestinationPluginId != nil:
		id := m.GetDestinationPluginId()
		var to *pane
		d.allPlugins(nil, func(x *pane) {
			if x.plug.id == id {
				to = x
			}
		})
		if to == nil {
			return fmt.Errorf("message to plugin: no plugin has id %d", id)
		}
		d.deliverWhenRunning(to, msg, logFailure(to.addr), 0)
		return nil
	case m.PluginUrl != nil:
		src := pn.plug.inst.Source
		if u := m.GetPluginUrl(); u != OwnURL {
			var err error
			if src, err = parsePluginURL(u, pn.sess.cfgCwd()); err != nil {
				return fmt.Errorf("message to plugin: %w", err)
			}
		}
		cfg := map[string]string{}
		for _, it := range m.GetPluginConfig() {
			cfg[it.GetName()] = it.GetValue()
		}
		if _, ok := cfg["caller_cwd"]; !ok {
			cfg["caller_cwd"] = pn.sess.cfgCwd()
		}
		t := &pipeTarget{src: src, cfg: cfg}
		r := d.resolveTarget(t)
		switch {
		case len(r.running) > 0:
			var errs []error
			for _, to := range r.running {
				if err := d.deliver(to.plug.p, msg, logFailure(to.addr)); err != nil {
					errs = append(errs, fmt.Errorf("message to %s: %w", to.addr, err))
				}
			}
			return errors.Join(errs...)
		case r.loading != nil:
			d.deliverWhenRunning(r.loading, msg, logFailure(r.loading.addr), 0)
		default:
			to, err := d.loadForMessage(pn.sess, t, "a message from "+pn.addr)
			if err != nil {
				return fmt.Errorf("message to plugin: %w", err)
			}
			d.deliverWhenRunning(to, msg, logFailure(to.addr), 0)
		}
		return nil
	}
	var errs []error
	for _, to := range d.runningPlugins(pn.sess) {
		if err := d.deliver(to.plug.p, msg, logFailure(to.addr)); err != nil {
			errs = append(errs, fmt.Errorf("message to %s: %w", to.addr, err))
		}
	}
	return errors.Join(errs...)
}

// deliverWhenRunning delivers msg to pn now if it runs, else once it has
// loaded; a plugin that fails to load does not get it. Loop only.
func (d *Daemon) deliverWhenRunning(pn *pane, msg *pluginpb.PipeMessage, failed func(error), tries int) {
	po := pn.plug
	switch {
	case po.state == StateRunning && po.p != nil:
		if err := d.deliver(po.p, msg, failed); err != nil {
			failed(err)
		}
	case (po.state == StateLoading || po.state == StateStarting) && tries < 2400: // a minute of short waits at most
		d.whenSettled(pn, func() { d.deliverWhenRunning(pn, msg, failed, tries+1) })
	default:
		why := po.state
		if po.lastErr != "" {
			why += ": " + po.lastErr
		}
		failed(fmt.Errorf("plugin %s is %s", pn.addr, why))
	}
}

// pipeGoneError ends a pipe whose plugin went away.
type pipeGoneError struct {
	addr, why string
}

func (e *pipeGoneError) Error() string { return "plugin " + e.addr + " " + e.why }

// goneError describes a plugin that went away; why reads after its
// address ("crashed in pipe: …", "was closed").
func goneError(pn *pane, why string) error {
	return &pipeGoneError{addr: pn.addr, why: why}
}

// crashWhy turns a plugin's last error ("plugin 3: crashed in update: …")
// into what follows its address.
func crashWhy(lastErr string) string {
	if strings.HasPrefix(lastErr, "plugin ") {
		if _, rest, ok := strings.Cut(lastErr, ": "); ok {
			lastErr = rest
		}
	}
	for _, w := range []string{"crashed", "timed out", "out of memory", "exited"} {
		if strings.HasPrefix(lastErr, w) {
			return lastErr
		}
	}
	return "crashed: " + lastErr
}
