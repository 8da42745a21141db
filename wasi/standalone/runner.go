package standalone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/internal/screen"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

// Options configures one standalone run.
type Options struct {
	// WASM is the plugin module.
	WASM []byte
	// URL is the plugin location (e.g. "file:/abs/plugin.wasm"): what the
	// plugin's pane reports and what zellij:OWN_URL stands for.
	URL string
	// Config is the plugin configuration sent to load().
	Config map[string]string
	// Rows and Cols are the initial pane size. Default 24x80.
	Rows, Cols int
	// Mounts are the plugin's only file systems (none by default).
	Mounts []wasi.Mount
	// Env is the plugin's whole environment, and what
	// GetSessionEnvironmentVariables reports.
	Env map[string]string
	// Grant lists the permissions the plugin holds from the start; a
	// RequestPluginPermissions is granted iff every requested permission is
	// in Grant.
	Grant []pluginpb.PermissionType
	// CallTimeout bounds each guest call; the load sequence gets at least
	// the host's default load deadline. Zero: the host's defaults.
	CallTimeout time.Duration
	// Steps are the script to run after load.
	Steps []Step
	// CacheDir and NoDiskCache configure the compilation cache (see
	// wasi.HostConfig).
	CacheDir    string
	NoDiskCache bool
	// Engine selects how the plugin's code runs: EngineCompiler ("", the
	// default) compiles the module before loading it; EngineAuto starts
	// a module never compiled before at once on the interpreter, compiles
	// it in the background and moves the plugin to compiled code when that
	// is done (a module compiled before starts compiled, from the disk
	// cache); EngineInterpreter never compiles.
	Engine string
	// CompileWait bounds how long the end of a run waits for the host's
	// background work still running (EngineAuto's compile, writes to the
	// disk cache), so that it reaches the disk cache and the next run
	// starts compiled. Zero: do not wait.
	CompileWait time.Duration
	// Now stamps the session's creation time. Defaults to time.Now.
	Now func() time.Time
	// Logger receives host records. Defaults to discarding.
	Logger *slog.Logger
}

// Snapshot is the screen after a `render` step.
type Snapshot struct {
	Line   int      `json:"line"`
	Screen []string `json:"screen"`
}

// PipeOutput is text the plugin sent to a CLI pipe (CliPipeOutput).
type PipeOutput struct {
	PipeID string `json:"pipe_id"`
	Text   string `json:"text"`
}

// Timings are measured durations of a run, in milliseconds.
type Timings struct {
	// CompileMS is compiling the module for the engine it starts on (or
	// finding it in the cache).
	CompileMS float64 `json:"compile_ms"`
	// LoadMS is instantiation plus the load sequence.
	LoadMS float64 `json:"load_ms"`
	// FirstFrameMS is from the start of the run to the first frame.
	FirstFrameMS float64 `json:"first_frame_ms"`
	// TotalMS is the whole run.
	TotalMS float64 `json:"total_ms"`
}

// Result is what a run produced.
type Result struct {
	// Lines is the final screen as plain text, exactly Rows lines, trailing
	// blanks of each line trimmed.
	Lines []string
	// ANSI is the final screen with colours (screen.ANSI).
	ANSI string
	// Rows and Cols are the final size.
	Rows, Cols int
	// Commands are every command the plugin issued (within the rate limit),
	// in order, with what became of each.
	Commands []Record
	// Incidents are the host's incident reports, as text.
	Incidents []string
	// Snapshots are the screens of `render` steps.
	Snapshots []Snapshot
	// PipeOutput is what the plugin wrote to CLI pipes.
	PipeOutput []PipeOutput
	// Stderr holds the plugin's stderr lines (at most maxStderrLines).
	Stderr []string
	// Subscriptions and Permissions are the plugin's at the end.
	Subscriptions []string
	Permissions   []string
	// Withheld lists the events the plugin subscribed to but was not sent,
	// because it lacks the permission they need (not granted with --grant).
	Withheld []Withheld
	// CommandCount counts every command the guest issued, including those
	// dropped by the rate limit or undecodable.
	CommandCount uint64
	// Crashed is the plugin's crash, nil if it ran to the end.
	Crashed error
	// Timings are measured durations.
	Timings Timings
}

// Withheld is a subscribed event type the permission filter kept from the
// plugin.
type Withheld struct {
	Event      string `json:"event"`
	Permission string `json:"permission"`
}

const (
	maxStderrLines = 1000
	maxIncidents   = 1000
	// maxSettleRounds bounds how often queued events are delivered in a row;
	// a plugin that answers every TabUpdate with SwitchTabTo would loop.
	maxSettleRounds = 100
)

// Engines for Options.Engine.
const (
	EngineAuto        = "auto"
	EngineCompiler    = "compiler"
	EngineInterpreter = "interpreter"
)

// LoadError is returned by Run when the plugin could not be loaded.
type LoadError struct{ Err error }

// Error returns "load plugin: " and the cause.
func (e *LoadError) Error() string { return "load plugin: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *LoadError) Unwrap() error { return e.Err }

// runner holds the state of one run.
type runner struct {
	opt   Options
	start time.Time
	p     *wasi.Plugin
	d     *Dispatcher
	s     *Session
	scr   *screen.Screen
	rows  int
	cols  int
	res   *Result
	first atomic.Int64 // ns from start to first frame, 0 before

	mu        sync.Mutex // guards lastFrame, blocked and the slices of res filled by callbacks
	lastFrame []byte
	blocked   map[string]bool // CLI pipe ids the plugin holds blocked
}

func (r *runner) incident(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.res.Incidents) < maxIncidents {
		r.res.Incidents = append(r.res.Incidents, s)
	}
}

// Run loads the plugin, feeds it the synthetic session, applies the initial
// size, runs the steps and renders the final screen. A plugin that fails to
// load yields a *LoadError; a crash later is reported in Result.Crashed with
// a nil error. ctx cancels the run.
func Run(ctx context.Context, opt Options) (*Result, error) {
	if opt.Rows <= 0 || opt.Cols <= 0 {
		opt.Rows, opt.Cols = 24, 80
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &runner{opt: opt, start: time.Now(), rows: opt.Rows, cols: opt.Cols, res: &Result{}, blocked: map[string]bool{}}
	r.s = NewSession(0, opt.URL, opt.Rows, opt.Cols, opt.Now())
	r.d = NewDispatcher(DispatcherConfig{Session: r.s, Config: opt.Config, Env: opt.Env, Logger: log})
	r.scr = screen.New(opt.Rows, opt.Cols)
	if st, ok := ScreenStyle(DefaultStyling(), true); ok {
		r.scr.SetStyle(st)
	}

	hc := wasi.HostConfig{CacheDir: opt.CacheDir, NoDiskCache: opt.NoDiskCache, Logger: log}
	switch opt.Engine {
	case EngineCompiler, "":
	case EngineAuto:
		hc.Tiering = true
	case EngineInterpreter:
		hc.Interpreter = true
	default:
		return nil, fmt.Errorf("engine %q: want %s, %s or %s", opt.Engine, EngineAuto, EngineCompiler, EngineInterpreter)
	}
	h, err := wasi.NewHost(ctx, hc)
	if err != nil {
		return nil, fmt.Errorf("start plugin host: %w", err)
	}
	defer func() {
		if opt.CompileWait > 0 {
			wctx, cancel := context.WithTimeout(context.Background(), opt.CompileWait)
			if err := h.WaitCompiled(wctx); err != nil {
				log.Info("exit before the background compile finished; the next run starts on the interpreter again", "err", err)
			}
			cancel()
		}
		h.Close(context.Background())
	}()

	// Compile first (for the engine the plugin starts on), so that
	// CompileMS and LoadMS are told apart.
	t0 := time.Now()
	if _, err := h.Prepare(ctx, opt.WASM); err != nil {
		return nil, &LoadError{Err: err}
	}
	r.res.Timings.CompileMS = ms(time.Since(t0))

	t1 := time.Now()
	p, err := h.Load(ctx, opt.WASM, r.pluginConfig(log))
	r.res.Timings.LoadMS = ms(time.Since(t1))
	if err != nil {
		return nil, &LoadError{Err: err}
	}
	r.p = p
	defer p.Close(context.Background())
	r.d.SetModeKeybinds(!p.Subscribed(pluginpb.EventType_InitialKeybinds))

	r.play(ctx)

	r.finish(ctx)
	return r.res, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// limits applies CallTimeout to every guest call; the load sequence gets at
// least the host's default load deadline, so that a short per-call timeout
// does not fail a plugin that merely initialises slowly.
func (r *runner) limits() wasi.Limits {
	t := r.opt.CallTimeout
	if t <= 0 {
		return wasi.Limits{}
	}
	return wasi.Limits{CallTimeout: t, LoadTimeout: max(t, wasi.DefaultLimits.LoadTimeout)}
}

func (r *runner) pluginConfig(log *slog.Logger) wasi.PluginConfig {
	initialCwd := "/"
	for _, m := range r.opt.Mounts {
		if m.Guest == "/host" {
			initialCwd = "/host"
		}
	}
	grant := map[pluginpb.PermissionType]bool{}
	for _, g := range r.opt.Grant {
		grant[g] = true
	}
	return wasi.PluginConfig{
		ID:         0,
		ClientID:   1,
		URL:        r.opt.URL,
		Config:     r.opt.Config,
		Mounts:     r.opt.Mounts,
		Env:        r.opt.Env,
		Limits:     r.limits(),
		Granted:    r.opt.Grant,
		InitialCwd: initialCwd,
		InitialKeybinds: &pluginpb.InitialKeybindsPayload{
			Keybinds: DefaultKeybinds(),
		},
		Dispatcher: wasi.DispatcherFunc(func(ctx context.Context, c *wasi.CommandContext, cmd *pluginpb.PluginCommand) (proto.Message, error) {
			return r.d.Handle(c.Worker, cmd), nil
		}),
		Permissions: func(req *wasi.PermissionRequest) {
			ok := true
			for _, t := range req.Permissions {
				ok = ok && grant[t]
			}
			note := "granted"
			if !ok {
				note = "denied: not all requested permissions were given with --grant"
			}
			r.d.Note(req.Worker, pluginpb.CommandName_RequestPluginPermissions, &pluginpb.PluginCommand{
				Name: pluginpb.CommandName_RequestPluginPermissions,
				Payload: &pluginpb.PluginCommand_RequestPluginPermissionPayload{
					RequestPluginPermissionPayload: &pluginpb.RequestPluginPermissionPayload{Permissions: req.Permissions},
				},
			}, StatusHost, note)
			req.Respond(ok)
		},
		OnCommand: func(worker string, cmd *pluginpb.PluginCommand) {
			r.d.Begin(worker, cmd)
		},
		OnFrame: func(f []byte) {
			r.first.CompareAndSwap(0, int64(max(time.Since(r.start), 1)))
			r.mu.Lock()
			r.lastFrame = f
			r.mu.Unlock()
		},
		OnStderr: func(line string) {
			r.mu.Lock()
			if len(r.res.Stderr) < maxStderrLines {
				r.res.Stderr = append(r.res.Stderr, line)
			}
			r.mu.Unlock()
			log.Debug("plugin stderr", "line", line)
		},
		OnPipe: func(c wasi.PipeControl) {
			r.mu.Lock()
			defer r.mu.Unlock()
			switch c.Kind {
			case wasi.PipeOutput:
				r.res.PipeOutput = append(r.res.PipeOutput, PipeOutput{PipeID: c.PipeID, Text: c.Output})
			case wasi.PipeDone:
				r.blocked[c.PipeID] = c.Blocked
			case wasi.PipeUnblock:
				r.blocked[c.PipeID] = false
			}
		},
		OnIncident: func(inc wasi.Incident) {
			switch inc.Kind {
			case wasi.IncidentDenied:
				r.d.Note(inc.Worker, inc.Command, nil, StatusDenied, "needs "+inc.Permission.String())
			case wasi.IncidentUnsupported:
				r.d.Note(inc.Worker, inc.Command, nil, StatusUnsupported, inc.Detail)
			}
			r.incident(inc.String())
		},
	}
}

// play feeds the session, applies the size and runs the steps; it stops at
// the first error (a crash, or ctx ending).
func (r *runner) play(ctx context.Context) {
	if err := r.playErr(ctx); err != nil && r.p.Crashed() == nil && !errors.Is(err, wasi.ErrCrashed) {
		r.incident("run stopped: " + err.Error())
	}
}

func (r *runner) playErr(ctx context.Context) error {
	// What Zellij pushes to a freshly loaded plugin.
	var evs []*pluginpb.Event
	r.d.WithSession(func(s *Session) {
		evs = s.InitialEvents(r.p.Subscribed(pluginpb.EventType_InitialKeybinds))
	})
	if err := r.settle(ctx); err != nil {
		return err
	}
	for _, ev := range evs {
		if _, err := r.p.Update(ctx, ev); err != nil {
			return err
		}
	}
	if err := r.settle(ctx); err != nil {
		return err
	}
	// The first resize always renders.
	r.p.Resize(r.rows, r.cols)
	if err := r.settle(ctx); err != nil {
		return err
	}
	for _, st := range r.opt.Steps {
		if err := r.step(ctx, st); err != nil {
			return fmt.Errorf("line %d (%s): %w", st.Line, st.Kind, err)
		}
	}
	return nil
}

func (r *runner) step(ctx context.Context, st Step) error {
	var err error
	switch st.Kind {
	case StepKey:
		_, err = r.p.Update(ctx, KeyEvent(st.Key))
	case StepMouse:
		_, err = r.p.Update(ctx, MouseEvent(st.Mouse))
	case StepPipe:
		// Pipe steps with the same name form one CLI pipe (like the lines
		// of one `tessera pipe` invocation), with its backpressure: while
		// the plugin holds the pipe blocked, the next message waits.
		id := "script:" + st.Pipe.Name
		if err := r.waitUnblocked(ctx, id); err != nil {
			return err
		}
		msg := &pluginpb.PipeMessage{
			Source:      pluginpb.PipeSource_Cli,
			CliSourceId: &id,
			Name:        st.Pipe.Name,
			IsPrivate:   true,
		}
		if st.Pipe.HasPayload {
			payload := st.Pipe.Payload
			msg.Payload = &payload
		}
		_, err = r.p.Pipe(ctx, msg)
	case StepResize:
		r.rows, r.cols = st.Rows, st.Cols
		var evs []*pluginpb.Event
		r.d.WithSession(func(s *Session) {
			s.Rows, s.Cols = st.Rows, st.Cols
			evs = []*pluginpb.Event{s.TabUpdate(), s.PaneUpdate()}
		})
		r.p.Resize(st.Rows, st.Cols)
		if err = r.settle(ctx); err == nil {
			for _, ev := range evs {
				if _, err = r.p.Update(ctx, ev); err != nil {
					break
				}
			}
		}
	case StepWait:
		err = r.wait(ctx, st.Wait)
	case StepRender:
		var lines []string
		lines, err = r.render(ctx)
		if err == nil {
			r.res.Snapshots = append(r.res.Snapshots, Snapshot{Line: st.Line, Screen: lines})
		}
	}
	if err != nil {
		return err
	}
	return r.settle(ctx)
}

// maxPipeBlock bounds how long a script pipe message waits for the plugin
// to unblock its pipe; then it is sent anyway (and an incident recorded).
const maxPipeBlock = 5 * time.Second

func (r *runner) waitUnblocked(ctx context.Context, id string) error {
	deadline := time.Now().Add(maxPipeBlock)
	for {
		r.mu.Lock()
		blocked := r.blocked[id]
		r.mu.Unlock()
		if !blocked {
			return nil
		}
		if time.Now().After(deadline) {
			r.incident(fmt.Sprintf("pipe %s still blocked by the plugin after %s; sending the next message anyway", id, maxPipeBlock))
			return nil
		}
		if err := r.wait(ctx, 10*time.Millisecond); err != nil {
			return err
		}
		if err := r.settle(ctx); err != nil {
			return err
		}
	}
}

// wait lets d pass, delivering what the plugin's commands queue meanwhile
// (timers fire on their own). It returns as soon as d has passed.
func (r *runner) wait(ctx context.Context, d time.Duration) error {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return nil
		case <-tick.C:
			if err := r.deliver(ctx, r.d.TakePending()); err != nil {
				return err
			}
		}
	}
}

// settle waits until the host has processed what it queued for the plugin
// by itself (timers that fired, custom messages, permission results,
// InitialKeybinds), then delivers the events and pipe messages the plugin's
// commands caused, and repeats until nothing is left.
func (r *runner) settle(ctx context.Context) error {
	for range maxSettleRounds {
		// Work posted to workers first: their answers reach the main
		// instance as CustomMessage events through its mailbox.
		idle, err := r.waitWorkers(ctx)
		if err != nil {
			return err
		}
		// Two calls through the mailbox: the plugin goroutine drains its
		// internal queue after each mailbox job, so the second call returns
		// only once the drain after the first is complete.
		for range 2 {
			if err := r.barrier(ctx); err != nil {
				return err
			}
		}
		ds := r.d.TakePending()
		if len(ds) == 0 {
			if !idle || r.p.WorkersIdle() {
				return nil // idle, or a worker that will not finish: stop waiting
			}
			continue // the main instance posted more work to a worker
		}
		if err := r.deliver(ctx, ds); err != nil {
			return err
		}
	}
	r.incident(fmt.Sprintf("events caused by the plugin's own commands still pending after %d rounds; stopped delivering them", maxSettleRounds))
	r.d.TakePending()
	return nil
}

// maxWorkerWait bounds how long settle waits for workers to finish the
// messages posted to them; a worker still busy after that is recorded.
const maxWorkerWait = 10 * time.Second

// waitWorkers waits until every message posted to the plugin's workers has
// been processed (true), or maxWorkerWait passed (false; an incident is
// recorded).
func (r *runner) waitWorkers(ctx context.Context) (bool, error) {
	if r.p.WorkersIdle() {
		return true, nil
	}
	deadline := time.Now().Add(maxWorkerWait)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !r.p.WorkersIdle() {
		if time.Now().After(deadline) {
			r.incident(fmt.Sprintf("workers still busy after %s; rendering without their answers", maxWorkerWait))
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-tick.C:
		}
	}
	return true, nil
}

// barrierEvents are event types without payload that few plugins subscribe
// to; an Update with one the plugin does not accept is a cheap round trip
// through its mailbox that never calls the guest.
var barrierEvents = []pluginpb.EventType{
	pluginpb.EventType_BeforeClose, pluginpb.EventType_ConfigWasWrittenToDisk,
	pluginpb.EventType_SystemClipboardFailure, pluginpb.EventType_InputReceived,
}

func (r *runner) barrier(ctx context.Context) error {
	for _, t := range barrierEvents {
		if !r.p.Accepts(t) {
			_, err := r.p.Update(ctx, &pluginpb.Event{Name: t})
			return err
		}
	}
	// The plugin takes all of them: fall back to a short pause.
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(5 * time.Millisecond):
		return nil
	}
}

func (r *runner) deliver(ctx context.Context, ds []Delivery) error {
	for _, d := range ds {
		var err error
		if d.Event != nil {
			_, err = r.p.Update(ctx, d.Event)
		} else {
			_, err = r.p.Pipe(ctx, d.Pipe)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// render renders at the current size and returns the plain lines.
func (r *runner) render(ctx context.Context) ([]string, error) {
	frame, err := r.p.Render(ctx, r.rows, r.cols)
	if err != nil {
		return nil, err
	}
	r.scr.Resize(r.rows, r.cols)
	r.scr.Frame(frame)
	return r.scr.Lines(), nil
}

// finish renders the final screen (unless the plugin crashed, in which case
// the last frame it produced stays) and fills in the result.
func (r *runner) finish(ctx context.Context) {
	if r.p.Crashed() == nil {
		if _, err := r.render(ctx); err != nil && r.p.Crashed() == nil {
			r.incident("final render: " + err.Error())
		}
	}
	if r.p.Crashed() != nil {
		r.mu.Lock()
		f := r.lastFrame
		r.mu.Unlock()
		r.scr.Resize(r.rows, r.cols)
		r.scr.Frame(f)
	}
	res := r.res
	res.Crashed = r.p.Crashed()
	res.Lines = r.scr.Lines()
	res.ANSI = r.scr.ANSI()
	res.Rows, res.Cols = r.scr.Size()
	res.Commands = r.d.Records()
	res.CommandCount = r.p.Stats().Commands
	for _, t := range r.p.Subscriptions() {
		res.Subscriptions = append(res.Subscriptions, t.String())
		if perm, needs := pluginpb.EventPermission(t); needs && !r.p.Accepts(t) {
			res.Withheld = append(res.Withheld, Withheld{Event: t.String(), Permission: perm.String()})
		}
	}
	for _, t := range r.p.Permissions() {
		res.Permissions = append(res.Permissions, t.String())
	}
	if f := r.first.Load(); f > 0 {
		res.Timings.FirstFrameMS = ms(time.Duration(f))
	}
	res.Timings.TotalMS = ms(time.Since(r.start))
	r.mu.Lock()
	defer r.mu.Unlock()
	res.Stderr = append([]string(nil), res.Stderr...)
	res.PipeOutput = append([]PipeOutput(nil), res.PipeOutput...)
	res.Incidents = append([]string(nil), res.Incidents...)
}
