package wasi

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/sys"
	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/frame"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi/internal/sandboxfs"
)

// Plugin is one loaded plugin instance (a plugin id and client): an actor.
// One goroutine owns the main wasm instance and runs every call into it;
// each worker instance has its own goroutine. All methods are safe for
// concurrent use. The blocking methods (Update, Pipe, Render, Sync, Close)
// must not be called from the plugin's own goroutine (a Dispatcher): use Post
// and Resize there.
type Plugin struct {
	h   *Host
	eng *engine
	cm  *compiled
	cfg PluginConfig
	lim Limits
	log *slog.Logger

	// live is the parent of every guest call; cancelling it stops them all
	// (crash or close) without touching modules from a foreign goroutine.
	live       context.Context
	cancelLive context.CancelFunc

	mailbox chan *job
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{} // closed when the actor goroutine exits
	wg      sync.WaitGroup

	imu      sync.Mutex
	internal []*job
	newSize  *[2]int
	// offered holds the snapshots given to Offer and not yet delivered,
	// at most one per event type (the latest), in the order first offered.
	offered []*EncodedEvent
	timers  map[*time.Timer]struct{}

	closeOnce sync.Once
	closed    atomic.Bool
	loaded    atomic.Bool // load returned; crashes before are load errors
	crash     atomic.Pointer[CrashError]

	subs   atomic.Uint64 // bit per EventType
	grants atomic.Uint64 // bit per PermissionType

	calls, commands, moves atomic.Uint64
	// memBytes is the linear memory of every instance; callTimes the
	// durations of guest calls.
	memBytes  atomic.Int64
	callTimes durationHistogram
	trimmed   atomic.Uint64 // bytes of zero pages given back
	incidents [numIncidentKinds]atomic.Uint64
	lastLog   [numIncidentKinds]atomic.Int64

	// Messages posted to workers and not yet processed; wIdle is closed
	// (and reset to nil) when the count drops to zero.
	wmu      sync.Mutex
	wPending int
	wIdle    chan struct{}

	// The observer's queue (see Activity): obsIdle is closed (and reset
	// to nil) when the queue is empty and nothing is being delivered.
	obsMu   sync.Mutex
	obsQ    []Activity
	obsSeq  uint64
	obsIdle chan struct{}
	obsKick chan struct{}
	obsStop chan struct{}
	obsDone chan struct{}

	// size is rows<<32|cols of the last render, for State.
	size atomic.Uint64

	mounts []*sandboxfs.FS
	hostFS *sandboxfs.FS

	instMu    sync.Mutex
	instances []*instance // every instance, to interrupt them all

	watchMu sync.Mutex
	watcher *watcher

	// permPending counts permission requests awaiting an answer; events
	// are held in cached (actor-owned) meanwhile.
	permPending atomic.Int32
	cached      []*EncodedEvent

	// renderDue (actor-owned) is set when an update posted without a reply
	// asked for a render that has not run yet: a burst of posted events
	// renders once, after the last of them (see flushRender). deferred
	// counts the updates since the render became due.
	renderDue bool
	deferred  int

	// Owned by the actor goroutine.
	main         *instance
	workers      map[string]*worker
	rows, cols   int
	sized        bool
	curPipe      string
	curBlocked   bool
	curUnblocked bool
	idsLine      []byte // the GetPluginIds reply, framed
	versionLine  []byte
	releaseOnce  sync.Once
	fsc          wazero.FSConfig

	// Tiering: the entry of the module this plugin moves to once compiled
	// (guarded by Host.mu), and whether a move is wanted.
	tier         *tierEntry
	swapWant     atomic.Bool
	onCompiler   atomic.Bool
	workersAsked bool
	// onTier is set while the plugin counts as a user of its tier entry's
	// interpreter module (guarded by Host.mu); onInterp counts its
	// instances on the interpreter.
	onTier   bool
	onInterp atomic.Int32
}

// ZellijVersion is the version GetZellijVersion reports: the plugin API
// version Tessera implements.
const ZellijVersion = "0.45.0"

type jobKind int

const (
	jobLoad jobKind = iota
	jobUpdate
	jobPost // an event posted without a reply
	jobDirect
	jobPermResult // a PermissionRequestResult from the host: ends a wait
	jobFunc       // runs fn on the actor goroutine (Sync, tests)
	jobPipe
	jobRender
	jobEncoded // pre-encoded events, one render at the end
	jobOffered // the snapshots given to Offer
)

// posted reports whether the job was queued without a reply: its render
// may wait for the next events (see flushRender).
func (k jobKind) posted() bool { return k == jobPost || k == jobDirect || k == jobOffered }

type job struct {
	fn         func()
	kind       jobKind
	ev         *pluginpb.Event
	enc        []*EncodedEvent // jobEncoded
	pipe       *pluginpb.PipeMessage
	rows, cols int
	reply      chan result
}

type result struct {
	rendered bool
	frame    []byte
	err      error
}

type instanceKey struct{}

// maxInternal bounds events the host queues for a plugin by itself (timers,
// custom messages, file system updates).
const maxInternal = 4096

// maxTimers bounds pending SetTimeout timers per plugin.
const maxTimers = 1024

// Load compiles wasm (cached), instantiates it with cfg's sandbox and runs
// the load sequence: _initialize and/or _start, one instance per *_worker
// export, then the configuration line and load. It returns when load has
// returned. On error nothing is left running.
func (h *Host) Load(ctx context.Context, wasm []byte, cfg PluginConfig) (*Plugin, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("load plugin %d: %w", cfg.ID, err)
	}
	if err := checkWasm(wasm); err != nil {
		return nil, fmt.Errorf("load plugin %d: %w", cfg.ID, err)
	}
	h.loadBegin()
	defer h.loadDone()
	var (
		eng  *engine
		cm   *compiled
		tier *tierEntry
		err  error
	)
	for {
		eng, cm, tier, err = h.compileForLoad(ctx, wasm)
		if err != nil {
			return nil, fmt.Errorf("load plugin %d: %w", cfg.ID, err)
		}
		// The module's last plugin may have released it meanwhile:
		// compile again then.
		if h.acquire(cm, tier) {
			break
		}
	}
	lim := cfg.Limits.withDefaults()
	if uint64(cm.info.minMemoryPages)*65536 > lim.MemoryBytes {
		h.leaveTier(tier, cm)
		h.releaseModule(cm.digest)
		return nil, fmt.Errorf("load plugin %d: initial memory %d bytes exceeds the limit of %d: %w",
			cfg.ID, uint64(cm.info.minMemoryPages)*65536, lim.MemoryBytes, ErrMemoryLimit)
	}
	p := &Plugin{
		h:       h,
		eng:     eng,
		cm:      cm,
		cfg:     cfg,
		lim:     lim,
		log:     h.log.With("plugin", cfg.ID, "client", cfg.ClientID, "url", cfg.URL),
		mailbox: make(chan *job, lim.Mailbox),
		kick:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		timers:  map[*time.Timer]struct{}{},
		workers: map[string]*worker{},
		obsKick: make(chan struct{}, 1),
		obsStop: make(chan struct{}),
		obsDone: make(chan struct{}),
	}
	if cfg.Observer != nil {
		go p.runObserver()
	} else {
		close(p.obsDone)
	}
	p.live, p.cancelLive = context.WithCancel(context.Background())
	for _, g := range cfg.Granted {
		p.grant(g)
	}
	if err := h.register(p); err != nil {
		p.stopObserver()
		h.leaveTier(tier, cm)
		h.releaseModule(cm.digest)
		return nil, fmt.Errorf("load plugin %d: %w", cfg.ID, err)
	}
	if tier != nil {
		h.attachTier(p, tier)
	}
	p.wg.Add(1)
	go p.run()
	j := &job{kind: jobLoad, reply: make(chan result, 1)}
	p.mailbox <- j
	select {
	case r := <-j.reply:
		err = r.err
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		p.Close(context.Background())
		return nil, fmt.Errorf("load plugin %d: %w", cfg.ID, err)
	}
	return p, nil
}

// ID returns the plugin id.
func (p *Plugin) ID() uint32 { return p.cfg.ID }

// ClientID returns the client id.
func (p *Plugin) ClientID() uint32 { return p.cfg.ClientID }

// URL returns the plugin location given at load.
func (p *Plugin) URL() string { return p.cfg.URL }

// Workers returns the worker names, sorted.
func (p *Plugin) Workers() []string { return append([]string(nil), p.cm.info.workers...) }

// Sync waits until the plugin is idle: every event, pipe message and render
// queued before the call (Post, Resize, timers that fired, custom messages,
// permission results) has been processed, every message posted to its
// workers too (and what their commands queued for the plugin in turn), and
// the activities of all of it have been delivered to the observer. Timers
// still pending and permission requests still unanswered are not waited
// for. It returns the crash if the plugin crashes, ErrClosed if it is
// closed, and ctx's error when ctx ends first. Not from a Dispatcher.
func (p *Plugin) Sync(ctx context.Context) error {
	for {
		if err := p.waitWorkers(ctx); err != nil {
			return err
		}
		// A job through the mailbox runs after everything queued before
		// it; it then drains the host's own queue, which the actor does
		// after each job anyway.
		if r := p.call(ctx, &job{kind: jobFunc, fn: p.drainInternal}); r.err != nil {
			return r.err
		}
		select {
		case <-p.observerIdle():
		case <-ctx.Done():
			return ctx.Err()
		}
		p.imu.Lock()
		idle := len(p.internal) == 0 && p.newSize == nil && len(p.offered) == 0
		p.imu.Unlock()
		if idle && len(p.mailbox) == 0 && p.workersBusy() == 0 {
			return nil
		}
	}
}

// waitWorkers waits until the workers have processed every message posted
// to them.
func (p *Plugin) waitWorkers(ctx context.Context) error {
	for {
		p.wmu.Lock()
		idle := p.wIdle
		p.wmu.Unlock()
		if idle == nil {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		case <-p.done:
			return p.deadErr()
		}
	}
}

func (p *Plugin) workerPosted() {
	p.wmu.Lock()
	p.wPending++
	if p.wIdle == nil {
		p.wIdle = make(chan struct{})
	}
	p.wmu.Unlock()
}

func (p *Plugin) workerDone() {
	p.wmu.Lock()
	p.wPending--
	if p.wPending <= 0 && p.wIdle != nil {
		p.wPending = 0
		close(p.wIdle)
		p.wIdle = nil
	}
	p.wmu.Unlock()
}

func (p *Plugin) workersBusy() int {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	return p.wPending
}

// State returns the plugin's state now.
func (p *Plugin) State() PluginState {
	st := PluginState{
		ID: p.cfg.ID, ClientID: p.cfg.ClientID, URL: p.cfg.URL,
		Engine:        p.Engine(),
		Subscriptions: p.Subscriptions(),
		Permissions:   p.Permissions(),
		Workers:       p.Workers(),
		WorkersBusy:   p.workersBusy(),
		Stats:         p.Stats(),
		Crash:         p.crash.Load(),
	}
	sz := p.size.Load()
	st.Rows, st.Cols = int(sz>>32), int(uint32(sz))
	switch {
	case p.closed.Load():
		st.Status = StatusClosed
	case st.Crash != nil:
		st.Status = StatusCrashed
	case p.loaded.Load():
		st.Status = StatusRunning
	default:
		st.Status = StatusLoading
	}
	return st
}

// Update delivers an event to the plugin's update export, if the plugin is
// subscribed to its type and (unless built-in) holds the event's permission.
// PermissionRequestResult is always delivered. When update asks for it (or
// the event is PermissionRequestResult) and the plugin has a size, the plugin
// renders and the frame goes to the observer. Events filtered out return
// (false, nil), and so do events held while a permission request of the
// plugin waits for its answer (delivered after the PermissionRequestResult,
// as the reference host does). ev must not be modified until delivered.
func (p *Plugin) Update(ctx context.Context, ev *pluginpb.Event) (rendered bool, err error) {
	r := p.call(ctx, &job{kind: jobUpdate, ev: ev})
	return r.rendered, r.err
}

// UpdateEncoded delivers pre-encoded events (EncodeEvent) in order, each as
// Update would (filtered by subscription and permission, held during a
// permission wait), and then renders once if any update asked for it. It
// reports whether it rendered. The same EncodedEvent may go to any number
// of plugins at once: the encoding is done once, not per plugin.
func (p *Plugin) UpdateEncoded(ctx context.Context, evs ...*EncodedEvent) (rendered bool, err error) {
	for _, e := range evs {
		if e == nil || e.ev == nil {
			return false, fmt.Errorf("plugin %d: update: nil event", p.cfg.ID)
		}
	}
	r := p.call(ctx, &job{kind: jobEncoded, enc: evs})
	return r.rendered, r.err
}

// Offer gives the plugin snapshots of state (events each of which
// replaces the previous one of its type, such as TabUpdate) without
// waiting: latest wins. A snapshot not yet delivered is replaced by a newer
// one of its type, so a plugin busy during a burst of changes gets the last
// state once, not every step; the snapshots waiting together are delivered
// in the order first offered (each filtered as by Update) and render once.
// It never blocks, is safe from any goroutine, and ignores nil events and
// a closed or crashed plugin.
func (p *Plugin) Offer(evs ...*EncodedEvent) {
	if p.closed.Load() || p.crash.Load() != nil {
		return
	}
	p.imu.Lock()
next:
	for _, e := range evs {
		if e == nil || e.ev == nil {
			continue
		}
		for i, o := range p.offered {
			if o.Name() == e.Name() {
				p.offered[i] = e
				continue next
			}
		}
		p.offered = append(p.offered, e)
	}
	p.imu.Unlock()
	p.wake()
}

// Post queues an event like Update without waiting. It never blocks and is
// safe from a Dispatcher; it returns false when the plugin is closed,
// crashed or its mailbox is full (the event is dropped and recorded).
func (p *Plugin) Post(ev *pluginpb.Event) bool {
	if p.closed.Load() || p.crash.Load() != nil {
		return false
	}
	select {
	case p.mailbox <- &job{kind: jobPost, ev: ev}:
		return true
	default:
		p.incident(Incident{Kind: IncidentQueueFull, Detail: fmt.Sprintf("event %s dropped: mailbox full", ev.GetName())})
		return false
	}
}

// Pipe delivers a pipe message to the plugin's pipe export (plugins without
// one drop it). A CLI-sourced message is followed by a PipeDone control. The
// plugin renders when pipe asks for it and the plugin has a size.
func (p *Plugin) Pipe(ctx context.Context, msg *pluginpb.PipeMessage) (rendered bool, err error) {
	r := p.call(ctx, &job{kind: jobPipe, pipe: msg})
	return r.rendered, r.err
}

// Render calls render(rows, cols) and returns the frame (also given to
// the observer). rows and cols become the plugin's size. Line feeds are not
// converted: a terminal consumer treats LF as CR LF (see ToTerminal).
func (p *Plugin) Render(ctx context.Context, rows, cols int) ([]byte, error) {
	if rows < 0 || cols < 0 || rows > 1<<16 || cols > 1<<16 {
		return nil, fmt.Errorf("render plugin %d: invalid size %dx%d", p.cfg.ID, rows, cols)
	}
	r := p.call(ctx, &job{kind: jobRender, rows: rows, cols: cols})
	return r.frame, r.err
}

// Resize sets the plugin's size without waiting. The plugin renders (frame
// to the observer) when the size changed or on the first Resize after load, even
// at 0x0. Calls coalesce: only the latest size is applied.
func (p *Plugin) Resize(rows, cols int) {
	rows, cols = max(0, min(rows, 1<<16)), max(0, min(cols, 1<<16))
	p.imu.Lock()
	p.newSize = &[2]int{rows, cols}
	p.imu.Unlock()
	p.wake()
}

// Grant adds permissions.
func (p *Plugin) Grant(perms ...pluginpb.PermissionType) {
	for _, t := range perms {
		p.grant(t)
	}
}

// Revoke removes permissions.
func (p *Plugin) Revoke(perms ...pluginpb.PermissionType) {
	for _, t := range perms {
		if t >= 0 && t < 64 {
			p.grants.And(^(uint64(1) << uint(t)))
		}
	}
}

func (p *Plugin) grant(t pluginpb.PermissionType) {
	if t >= 0 && t < 64 {
		p.grants.Or(1 << uint(t))
	}
}

// Granted reports whether the plugin holds permission t. Built-in plugins
// hold every permission.
func (p *Plugin) Granted(t pluginpb.PermissionType) bool {
	if p.cfg.Builtin {
		return true
	}
	return t >= 0 && t < 64 && p.grants.Load()&(1<<uint(t)) != 0
}

// Permissions returns the granted permissions, in enum order.
func (p *Plugin) Permissions() []pluginpb.PermissionType {
	var out []pluginpb.PermissionType
	g := p.grants.Load()
	for i := 0; i < 64; i++ {
		if g&(1<<uint(i)) != 0 {
			out = append(out, pluginpb.PermissionType(i))
		}
	}
	return out
}

// Subscribed reports whether the plugin subscribed to events of type t.
func (p *Plugin) Subscribed(t pluginpb.EventType) bool {
	return t >= 0 && t < 64 && p.subs.Load()&(1<<uint(t)) != 0
}

// Subscriptions returns the subscribed event types, in enum order.
func (p *Plugin) Subscriptions() []pluginpb.EventType {
	var out []pluginpb.EventType
	s := p.subs.Load()
	for i := 0; i < 64; i++ {
		if s&(1<<uint(i)) != 0 {
			out = append(out, pluginpb.EventType(i))
		}
	}
	return out
}

// Accepts reports whether Update would deliver an event of type t now:
// subscribed and, unless built-in, permitted.
func (p *Plugin) Accepts(t pluginpb.EventType) bool {
	if t == pluginpb.EventType_PermissionRequestResult {
		return true
	}
	if !p.Subscribed(t) {
		return false
	}
	if perm, gated := pluginpb.EventPermission(t); gated && !p.Granted(perm) {
		return false
	}
	return true
}

// Crashed returns the crash (a *CrashError) or nil while healthy.
func (p *Plugin) Crashed() error {
	if c := p.crash.Load(); c != nil {
		return c
	}
	return nil
}

// Stats returns the plugin's counters.
func (p *Plugin) Stats() Stats {
	s := Stats{Calls: p.calls.Load(), Commands: p.commands.Load(), Moves: p.moves.Load(), MemoryTrimmed: p.trimmed.Load(), Incidents: map[IncidentKind]uint64{},
		MemoryBytes: uint64(max(p.memBytes.Load(), 0)), CallP50: p.callTimes.quantile(0.5), CallP99: p.callTimes.quantile(0.99)}
	for k := range p.incidents {
		if n := p.incidents[k].Load(); n > 0 {
			s.Incidents[IncidentKind(k)] = n
		}
	}
	return s
}

// Close stops the plugin: a guest call in progress is interrupted, timers
// are stopped, goroutines are waited for (bounded by ctx) and the wasm
// instances and mounts are released. Idempotent. Called from the plugin's own
// goroutine it only signals.
func (p *Plugin) Close(ctx context.Context) error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		close(p.stop)
		p.stopCalls()
		p.imu.Lock()
		for t := range p.timers {
			t.Stop()
		}
		p.timers = nil
		p.imu.Unlock()
	})
	if p.ownGoroutine(ctx) {
		// Called from a Dispatcher: the actor exits after this command;
		// release in the background.
		go func() {
			p.wg.Wait()
			p.stopObserver()
			p.h.unregister(p)
			p.releaseModules()
		}()
		return nil
	}
	waited := make(chan struct{})
	go func() { p.wg.Wait(); p.stopObserver(); close(waited) }()
	select {
	case <-waited:
	case <-ctx.Done():
		return fmt.Errorf("close plugin %d: %w", p.cfg.ID, ctx.Err())
	}
	p.h.unregister(p)
	p.releaseModules()
	return nil
}

// stopObserver lets the observer goroutine deliver what is queued and exit,
// and waits for it.
func (p *Plugin) stopObserver() {
	p.obsMu.Lock()
	select {
	case <-p.obsStop:
	default:
		close(p.obsStop)
	}
	p.obsMu.Unlock()
	<-p.obsDone
}

// observe queues an activity for the observer.
func (p *Plugin) observe(a Activity) {
	if p.cfg.Observer == nil {
		return
	}
	a.Plugin, a.Time = p.cfg.ID, time.Now()
	p.obsMu.Lock()
	p.obsSeq++
	a.Seq = p.obsSeq
	p.obsQ = append(p.obsQ, a)
	if p.obsIdle == nil {
		p.obsIdle = make(chan struct{})
	}
	p.obsMu.Unlock()
	select {
	case p.obsKick <- struct{}{}:
	default:
	}
}

// observerIdle returns a channel closed once the observer has delivered
// everything queued so far.
func (p *Plugin) observerIdle() <-chan struct{} {
	p.obsMu.Lock()
	defer p.obsMu.Unlock()
	if p.obsIdle == nil {
		return closedChan
	}
	return p.obsIdle
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// runObserver delivers activities to the observer, in order, one at a time.
func (p *Plugin) runObserver() {
	defer close(p.obsDone)
	var batch []Activity
	for {
		p.obsMu.Lock()
		batch, p.obsQ = p.obsQ, batch[:0]
		if len(batch) == 0 {
			if p.obsIdle != nil {
				close(p.obsIdle)
				p.obsIdle = nil
			}
			p.obsMu.Unlock()
			select {
			case <-p.obsKick:
				continue
			case <-p.obsStop:
				p.obsMu.Lock()
				empty := len(p.obsQ) == 0
				p.obsMu.Unlock()
				if empty {
					return
				}
				continue
			}
		}
		p.obsMu.Unlock()
		for i := range batch {
			p.deliver(batch[i])
			batch[i] = Activity{}
		}
	}
}

// deliver calls the observer; a panic in it must not take the host down.
func (p *Plugin) deliver(a Activity) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("plugin observer panicked", "activity", a.Kind.String(), "panic", r)
		}
	}()
	p.cfg.Observer(a)
}

// releaseModules closes the instances and mounts once every goroutine that
// could use them has exited.
func (p *Plugin) releaseModules() {
	p.releaseOnce.Do(p.release)
}

func (p *Plugin) release() {
	p.stopWatch()
	ctx := context.Background()
	if p.main != nil && p.main.mod != nil {
		p.main.mod.Close(ctx)
	}
	for _, w := range p.workers {
		if w.inst.mod != nil {
			w.inst.mod.Close(ctx)
		}
	}
	for _, m := range p.mounts {
		m.Close()
	}
	p.leaveTier()
	p.h.releaseModule(p.cm.digest)
}

func (p *Plugin) ownGoroutine(ctx context.Context) bool {
	if ctx == nil {
		return false
	}
	in, ok := ctx.Value(instanceKey{}).(*instance)
	return ok && in.p == p && in.worker == ""
}

// call queues a job and waits for its result.
func (p *Plugin) call(ctx context.Context, j *job) result {
	if err := p.Crashed(); err != nil {
		return result{err: err}
	}
	if p.closed.Load() {
		return result{err: ErrClosed}
	}
	if p.ownGoroutine(ctx) {
		return result{err: ErrReentrant}
	}
	j.reply = make(chan result, 1)
	select {
	case p.mailbox <- j:
	case <-ctx.Done():
		return result{err: fmt.Errorf("plugin %d: %w: %w", p.cfg.ID, ErrMailboxFull, ctx.Err())}
	case <-p.done:
		return result{err: p.deadErr()}
	}
	select {
	case r := <-j.reply:
		return r
	case <-ctx.Done():
		return result{err: ctx.Err()}
	case <-p.done:
		return result{err: p.deadErr()}
	}
}

func (p *Plugin) deadErr() error {
	if err := p.Crashed(); err != nil {
		return err
	}
	return ErrClosed
}

func (p *Plugin) wake() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// postInternal queues an event the host produced for the main instance.
// direct events bypass the subscription filter (PermissionRequestResult).
func (p *Plugin) postInternal(ev *pluginpb.Event, direct bool) bool {
	kind := jobPost
	if direct {
		kind = jobDirect
	}
	p.imu.Lock()
	if len(p.internal) >= maxInternal {
		p.imu.Unlock()
		p.incident(Incident{Kind: IncidentQueueFull, Detail: fmt.Sprintf("event %s dropped: host queue full", ev.GetName())})
		return false
	}
	p.internal = append(p.internal, &job{kind: kind, ev: ev})
	p.imu.Unlock()
	p.wake()
	return true
}

// trimIdle is how long a plugin's main instance has made no call before
// the resident pages of zeros in its memory are given back (see
// limitedMemory.dropZeroPages), in nanoseconds (tests shorten it).
// Scanning costs about a millisecond for a Go plugin; it runs once per idle
// period, after calls.
var trimIdle atomic.Int64

func init() { trimIdle.Store(int64(2 * time.Second)) }

// run is the actor loop.
func (p *Plugin) run() {
	defer p.wg.Done()
	defer close(p.done)
	trim := time.NewTimer(time.Duration(trimIdle.Load()))
	defer trim.Stop()
	trimmedAt := p.calls.Load() // calls made when the memory was last trimmed
	for {
		select {
		case <-p.stop:
			return
		case j := <-p.mailbox:
			p.handle(j)
		case <-p.kick:
		case <-trim.C:
			p.trimMemory()
			trimmedAt = p.calls.Load()
			continue
		}
		p.drainInternal()
		if p.renderDue && (len(p.mailbox) == 0 || p.deferred >= maxDeferred) {
			p.flushRender()
		}
		p.maybeMove()
		if p.calls.Load() != trimmedAt {
			trim.Reset(time.Duration(trimIdle.Load()))
		}
	}
}

// trimMemory gives the main instance's resident pages of zeros back to the
// system, on the actor goroutine between two calls.
func (p *Plugin) trimMemory() {
	if p.main == nil || p.Crashed() != nil || p.closed.Load() {
		return
	}
	if n := p.main.mem.dropZeroPages(); n > 0 {
		p.trimmed.Add(n)
	}
}

func (p *Plugin) drainInternal() {
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		p.imu.Lock()
		size := p.newSize
		p.newSize = nil
		var j *job
		if size == nil && len(p.offered) > 0 {
			j = &job{kind: jobOffered, enc: p.offered}
			p.offered = nil
		} else if size == nil && len(p.internal) > 0 {
			j = p.internal[0]
			p.internal[0] = nil
			p.internal = p.internal[1:]
			if len(p.internal) == 0 {
				p.internal = nil
			}
		}
		p.imu.Unlock()
		switch {
		case size != nil:
			p.applySize(size[0], size[1])
		case j != nil:
			p.handle(j)
		default:
			return
		}
	}
}

func (p *Plugin) handle(j *job) {
	var r result
	if j.kind == jobLoad {
		r.err = p.doLoad()
	} else if err := p.Crashed(); err != nil {
		r.err = err
	} else if p.main == nil {
		r.err = ErrClosed
	} else if err := p.flushBefore(j); err != nil {
		r.err = err
	} else {
		switch j.kind {
		case jobPost:
			p.deferUpdate(p.deliverEvent(&EncodedEvent{ev: j.ev}, false))
		case jobDirect:
			p.deferUpdate(p.deliverEvent(&EncodedEvent{ev: j.ev}, true))
		case jobUpdate:
			r.rendered, r.err = p.renderIf(p.deliverEvent(&EncodedEvent{ev: j.ev}, false))
		case jobEncoded:
			r.rendered, r.err = p.renderIf(p.deliverAll(j.enc))
		case jobOffered:
			p.deferUpdate(p.deliverAll(j.enc))
		case jobPermResult:
			r.rendered, r.err = p.renderIf(p.deliverEvent(&EncodedEvent{ev: j.ev}, true))
			if p.permPending.Add(-1) <= 0 {
				p.permPending.Store(0)
				r.err = p.replayCached(r.err)
			}
		case jobPipe:
			r.rendered, r.err = p.doPipe(j.pipe)
		case jobRender:
			r.frame, r.err = p.doRender(j.rows, j.cols)
		case jobFunc:
			j.fn()
			if err := p.flushRender(); err != nil && r.err == nil {
				r.err = err
			}
		}
	}
	if j.reply != nil {
		j.reply <- r
	}
}

func (p *Plugin) applySize(rows, cols int) {
	if p.main == nil || p.Crashed() != nil {
		return
	}
	if p.sized && rows == p.rows && cols == p.cols {
		return
	}
	p.sized = true
	p.doRender(rows, cols)
}

// doLoad runs the load sequence (ABI §1.4) on the actor goroutine.
func (p *Plugin) doLoad() error {
	fsc := wazero.NewFSConfig()
	for _, g := range GuestMountPoints() {
		for _, m := range p.cfg.Mounts {
			if m.Guest != g {
				continue
			}
			fs, err := sandboxfs.New(m.Host, sandboxfs.Options{ReadOnly: m.ReadOnly})
			if err != nil {
				return fmt.Errorf("mount %s: %w", m.Guest, err)
			}
			p.mounts = append(p.mounts, fs)
			if g == "/host" {
				p.hostFS = fs
			}
			fsc = fsc.(sysfs.FSConfig).WithSysFSMount(fs, g)
		}
	}
	ids, err := proto.Marshal(&pluginpb.PluginIds{
		PluginId:   int32(p.cfg.ID),
		ZellijPid:  int32(osGetpid()),
		InitialCwd: p.cfg.InitialCwd,
		ClientId:   p.cfg.ClientID,
	})
	if err != nil {
		return err
	}
	p.idsLine = frame.AppendLine(nil, ids)
	v, _ := proto.Marshal(&pluginpb.ZellijVersion{Version: ZellijVersion})
	p.versionLine = frame.AppendLine(nil, v)

	p.fsc = fsc
	main, err := p.newInstance("", fsc)
	if err != nil {
		return err
	}
	p.main = main
	main.fnUpdate = main.mod.ExportedFunction("update")
	main.fnRender = main.mod.ExportedFunction("render")
	if p.cm.info.hasPipe {
		main.fnPipe = main.mod.ExportedFunction("pipe")
	}
	for _, name := range p.cm.info.workers {
		in, err := p.newInstance(name, fsc)
		if err != nil {
			return err
		}
		p.workers[name] = &worker{name: name, inst: in, fn: in.mod.ExportedFunction(name + "_worker"),
			queue: make(chan *pluginpb.Message, workerQueue), swap: make(chan struct{}, 1)}
	}
	if err := p.initialize(main); err != nil {
		return err
	}
	for _, name := range p.cm.info.workers {
		if err := p.initialize(p.workers[name].inst); err != nil {
			return err
		}
	}
	for _, w := range p.workers {
		p.wg.Add(1)
		go p.runWorker(w)
	}
	pc := &pluginpb.PluginConfiguration{}
	for _, k := range slices.Sorted(maps.Keys(p.cfg.Config)) {
		pc.NameAndValue = append(pc.NameAndValue, &pluginpb.NameAndValue{Name: k, Value: p.cfg.Config[k]})
	}
	if err := main.writeInput(pc); err != nil {
		return err
	}
	if _, err := main.call(main.mod.ExportedFunction("load"), "load", p.lim.LoadTimeout); err != nil {
		return err
	}
	p.loaded.Store(true)
	return nil
}

// initialize calls _initialize (reactors) and then _start (command modules;
// a reactor may export both), each at most once.
func (p *Plugin) initialize(in *instance) error {
	if p.cm.info.hasInitialize {
		if _, err := in.call(in.mod.ExportedFunction("_initialize"), "_initialize", p.lim.LoadTimeout); err != nil {
			return err
		}
	}
	if p.cm.info.hasStart {
		if _, err := in.call(in.mod.ExportedFunction("_start"), "_start", p.lim.LoadTimeout); err != nil {
			var ee *sys.ExitError
			if errors.As(err, &ee) && ee.ExitCode() == 0 {
				return fmt.Errorf("_start exited: a command module that exits after main cannot serve calls; build a reactor (Go: -buildmode=c-shared): %w", err)
			}
			return err
		}
	}
	return nil
}

// newInstance instantiates the compiled module with the plugin's sandbox.
func (p *Plugin) newInstance(workerName string, fsc wazero.FSConfig) (*instance, error) {
	in := &instance{p: p, worker: workerName, stack: make([]uint64, 2)}
	in.stdout.max = p.lim.MaxStdoutBytes
	in.stderr.max = p.lim.MaxStderrLine
	in.stderr.emit = func(line string) { p.observe(Activity{Kind: ActivityStderr, Worker: workerName, Line: line}) }
	in.stderr.onCut = func(n int) {
		p.incident(Incident{Kind: IncidentStderrTruncated, Worker: workerName, Detail: fmt.Sprintf("stderr line cut at %d bytes", n)})
	}
	in.bucket = newTokenBucket(p.lim.CommandsPerSecond)
	in.ctx = context.WithValue(p.live, instanceKey{}, in)
	mod, mem, err := p.instantiate(in, p.eng, p.cm, fsc)
	if err != nil {
		return nil, err
	}
	in.mod, in.mem, in.engine = mod, mem, p.eng.kind
	if p.eng.kind == EngineInterpreter && p.tier != nil {
		p.onInterp.Add(1)
	}
	in.setInterrupt(p.cm)
	p.instMu.Lock()
	p.instances = append(p.instances, in)
	p.instMu.Unlock()
	return in, nil
}

// instantiate creates a wasm instance of cm on eng for in: in's pipes,
// the plugin's environment and mounts, no start function run.
func (p *Plugin) instantiate(in *instance, eng *engine, cm *compiled, fsc wazero.FSConfig) (api.Module, *memoryAllocator, error) {
	name := fmt.Sprintf("plugin-%d-%d-%s-%d", p.cfg.ID, p.cfg.ClientID, in.worker, p.h.seq.Add(1))
	mc := wazero.NewModuleConfig().
		WithName(name).
		WithStartFunctions().
		WithStdin(&in.stdin).
		WithStdout(&in.stdout).
		WithStderr(&in.stderr).
		WithSysWalltime().
		WithSysNanotime().
		WithRandSource(rand.Reader).
		WithFSConfig(fsc)
	for _, k := range slices.Sorted(maps.Keys(p.cfg.Env)) {
		mc = mc.WithEnv(k, p.cfg.Env[k])
	}
	mem := &memoryAllocator{limit: p.lim.MemoryBytes, image: cm.image, total: &p.memBytes}
	ictx, cancel := context.WithTimeout(experimental.WithMemoryAllocator(in.ctx, mem), p.lim.LoadTimeout)
	defer cancel()
	mod, err := eng.r.InstantiateModule(ictx, cm.mod, mc)
	if err != nil {
		return nil, nil, fmt.Errorf("instantiate %s: %w", name, err)
	}
	mem.attach(mod.Memory())
	return mod, mem, nil
}

// maxDeferred bounds the posted updates whose render waits for the next
// ones: a steady stream of events still renders at least this often.
const maxDeferred = 32

// deliverEvent writes the event line and calls update (ABI §1.5). It reports
// whether the plugin asked for a render (a PermissionRequestResult always
// does); the caller renders (renderIf) or defers it (deferUpdate). Events
// the plugin is not subscribed to or not permitted, and events held while
// a permission request waits, are not delivered.
func (p *Plugin) deliverEvent(e *EncodedEvent, direct bool) (bool, error) {
	ev := e.ev
	isPerm := ev.GetName() == pluginpb.EventType_PermissionRequestResult
	if !direct && p.cacheEvent(e) {
		return false, nil
	}
	if !(isPerm && direct) && !p.Accepts(ev.GetName()) {
		return false, nil
	}
	in := p.main
	if e.line != nil {
		in.writeInputLine(e.line)
	} else if err := in.writeInput(ev); err != nil {
		return false, err
	}
	r, err := in.call(in.fnUpdate, "update", p.lim.CallTimeout)
	if err != nil {
		return false, err
	}
	return uint32(r) == 1 || isPerm, nil
}

// deliverAll delivers events in order (deliverEvent) and reports whether
// any asked for a render.
func (p *Plugin) deliverAll(evs []*EncodedEvent) (bool, error) {
	want := false
	for _, e := range evs {
		w, err := p.deliverEvent(e, false)
		if err != nil {
			return false, err
		}
		want = want || w
	}
	return want, nil
}

// renderIf renders when want (or a deferred render is due) and the plugin
// has a size; it reports whether it rendered for want.
func (p *Plugin) renderIf(want bool, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	if !want && !p.renderDue {
		return false, nil
	}
	if err := p.flushRenderNow(); err != nil {
		return false, err
	}
	return want && p.rows > 0 && p.cols > 0, nil
}

// deferUpdate records the render a posted update asked for; the actor
// runs it once the mailbox has no more jobs (or before the next job that
// has a reply), so a burst of events renders once.
func (p *Plugin) deferUpdate(want bool, err error) {
	if err != nil {
		return // recorded as the crash; nothing waits for the result
	}
	if p.renderDue {
		p.deferred++
	}
	if want {
		p.renderDue = true
	}
}

// flushBefore runs a due render before a job that has a reply (or a
// function, such as Sync's), so that the reply comes after the frame of
// every event queued before it.
func (p *Plugin) flushBefore(j *job) error {
	if j.kind.posted() {
		return nil
	}
	return p.flushRender()
}

// flushRender renders if a render is due; it returns the render's error.
func (p *Plugin) flushRender() error {
	if !p.renderDue {
		return nil
	}
	return p.flushRenderNow()
}

func (p *Plugin) flushRenderNow() error {
	p.renderDue, p.deferred = false, 0
	if p.main == nil || p.Crashed() != nil || p.rows <= 0 || p.cols <= 0 {
		return p.Crashed()
	}
	_, err := p.doRender(p.rows, p.cols)
	return err
}

func (p *Plugin) doPipe(msg *pluginpb.PipeMessage) (bool, error) {
	isCli := msg.GetSource() == pluginpb.PipeSource_Cli && msg.CliSourceId != nil
	id := msg.GetCliSourceId()
	in := p.main
	if in.fnPipe == nil {
		if isCli {
			p.pipeControl(PipeControl{Kind: PipeDone, PipeID: id})
		}
		return false, nil
	}
	if isCli {
		p.curPipe, p.curBlocked, p.curUnblocked = id, false, false
	}
	if err := in.writeInput(msg); err != nil {
		return false, err
	}
	r, err := in.call(in.fnPipe, "pipe", p.lim.CallTimeout)
	if isCli {
		p.pipeControl(PipeControl{Kind: PipeDone, PipeID: id, Blocked: err == nil && p.curBlocked && !p.curUnblocked})
		p.curPipe = ""
	}
	if err != nil {
		return false, err
	}
	if uint32(r) == 1 && p.rows > 0 && p.cols > 0 {
		if _, err := p.doRender(p.rows, p.cols); err != nil {
			return false, err
		}
		return true, nil
	}
	return false, nil
}

func (p *Plugin) doRender(rows, cols int) ([]byte, error) {
	in := p.main
	if _, err := in.call(in.fnRender, "render", p.lim.CallTimeout, uint64(uint32(rows)), uint64(uint32(cols))); err != nil {
		return nil, err
	}
	p.rows, p.cols = rows, cols
	p.renderDue, p.deferred = false, 0
	out := in.stdout.buf
	if in.stdout.overflow > 0 {
		p.incident(Incident{Kind: IncidentStdoutOverflow, Detail: fmt.Sprintf("%d bytes of output discarded", in.stdout.overflow)})
		in.stdout.overflow = 0
	}
	if len(out) > p.lim.MaxRenderBytes {
		p.incident(Incident{Kind: IncidentRenderTruncated, Detail: fmt.Sprintf("frame of %d bytes cut to %d", len(out), p.lim.MaxRenderBytes)})
		n := p.lim.MaxRenderBytes
		for n > 0 && n > p.lim.MaxRenderBytes-utf8.UTFMax && !utf8.RuneStart(out[n]) {
			n--
		}
		out = out[:n]
	}
	f := append([]byte(nil), out...)
	in.stdout.buf = in.stdout.buf[:0]
	if len(in.stdout.buf) == 0 && cap(in.stdout.buf) > 4*p.lim.MaxRenderBytes {
		in.stdout.buf = nil // do not keep a huge buffer after one huge frame
	}
	p.size.Store(uint64(uint32(rows))<<32 | uint64(uint32(cols)))
	p.observe(Activity{Kind: ActivityFrame, Frame: f})
	return f, nil
}

// crashed records the first crash, stops every call in progress and tells
// the observer. It returns the recorded crash.
func (p *Plugin) crashed(ce *CrashError) error {
	if p.crash.CompareAndSwap(nil, ce) {
		p.log.Warn("plugin crashed", "err", ce.Error(), "stderr", ce.Stderr, "cause", ce.Err)
		p.stopCalls()
		p.observe(Activity{Kind: ActivityCrash, Worker: ce.Worker, Crash: ce})
	}
	return p.crash.Load()
}

func (p *Plugin) incident(inc Incident) {
	inc.Plugin = p.cfg.ID
	if inc.Kind < 0 || inc.Kind >= numIncidentKinds {
		return
	}
	p.incidents[inc.Kind].Add(1)
	p.observe(Activity{Kind: ActivityIncident, Worker: inc.Worker, Incident: inc})
	// Log at most one record per kind and second: a flood must not turn
	// into a flood of log records.
	now := time.Now().UnixNano()
	last := p.lastLog[inc.Kind].Load()
	if now-last >= int64(time.Second) && p.lastLog[inc.Kind].CompareAndSwap(last, now) {
		p.log.Warn("plugin incident", "incident", inc.String(), "count", p.incidents[inc.Kind].Load())
	}
}

func (p *Plugin) pipeControl(c PipeControl) {
	c.Plugin = p.cfg.ID
	p.observe(Activity{Kind: ActivityPipe, Worker: c.Worker, Pipe: c})
}

// stopCalls ends every guest call in progress: context-watched engines by
// cancelling the live context, interruptible compiled code by raising the
// interrupt flags. The instances are dead afterwards.
func (p *Plugin) stopCalls() {
	p.cancelLive()
	p.instMu.Lock()
	defer p.instMu.Unlock()
	for _, in := range p.instances {
		in.raiseInterrupt()
	}
}

// permissionResult applies a permission decision and delivers the result.
func (p *Plugin) permissionResult(perms []pluginpb.PermissionType, granted bool) {
	if granted {
		p.Grant(perms...)
	}
	ev := &pluginpb.Event{
		Name: pluginpb.EventType_PermissionRequestResult,
		Payload: &pluginpb.Event_PermissionRequestResultPayload{
			PermissionRequestResultPayload: &pluginpb.PermissionRequestResultPayload{Granted: granted},
		},
	}
	// Not subject to the host queue's cap: the wait must end.
	p.imu.Lock()
	p.internal = append(p.internal, &job{kind: jobPermResult, ev: ev})
	p.imu.Unlock()
	p.wake()
}

// maxCached bounds the events held while a permission request waits.
const maxCached = 1024

// cacheEvent holds an event while a permission request waits, as the
// reference host does; it reports false when nothing waits.
func (p *Plugin) cacheEvent(e *EncodedEvent) bool {
	if p.permPending.Load() <= 0 {
		return false
	}
	if len(p.cached) >= maxCached {
		p.cached = p.cached[1:]
		p.incident(Incident{Kind: IncidentQueueFull, Detail: "event dropped while waiting for a permission decision"})
	}
	p.cached = append(p.cached, e)
	return true
}

// replayCached delivers the events held during a permission wait, filtered
// by the subscriptions and grants now in force, and renders once after
// them if any asked.
func (p *Plugin) replayCached(err error) error {
	cached := p.cached
	p.cached = nil
	want := false
	for _, e := range cached {
		if err != nil {
			return err
		}
		var w bool
		w, err = p.deliverEvent(e, false)
		want = want || w
	}
	_, err = p.renderIf(want, err)
	return err
}

// startTimer delivers a Timer event after d.
func (p *Plugin) startTimer(d time.Duration, seconds float64) bool {
	p.imu.Lock()
	defer p.imu.Unlock()
	if p.timers == nil || len(p.timers) >= maxTimers {
		return false
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		p.imu.Lock()
		if p.timers != nil {
			delete(p.timers, t)
		}
		p.imu.Unlock()
		p.postInternal(&pluginpb.Event{
			Name:    pluginpb.EventType_Timer,
			Payload: &pluginpb.Event_TimerPayload{TimerPayload: float32(seconds)},
		}, false)
	})
	p.timers[t] = struct{}{}
	return true
}
