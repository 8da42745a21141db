package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/internal/screen"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
	"github.com/tessera-ws/tessera/zellij"
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
	// Engine is what the plugin ran on at the end.
	Engine wasi.Engine
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
	Crashed *wasi.CrashError
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
	log   *slog.Logger

	mu        sync.Mutex // guards what the observer fills: lastFrame, first, blocked, res's slices
	lastFrame []byte
	first     time.Duration   // start to first frame, 0 before
	blocked   map[string]bool // CLI pipe ids the plugin holds blocked
}

func (r *runner) incident(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.incidentLocked(s)
}

func (r *runner) incidentLocked(s string) {
	if len(r.res.Incidents) < maxIncidents {
		r.res.Incidents = append(r.res.Incidents, s)
	}
}

// Run loads the plugin on h, feeds it the synthetic session, applies the
// initial size, runs the steps and renders the final screen. A plugin that
// fails to load yields a *LoadError; a crash later is reported in
// Result.Crashed with a nil error. ctx cancels the run. The plugin is
// closed when Run returns; h is the caller's (its background compile may
// still be running).
func Run(ctx context.Context, h *wasi.Host, opt Options) (*Result, error) {
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
	r := &runner{opt: opt, start: time.Now(), rows: opt.Rows, cols: opt.Cols, res: &Result{}, blocked: map[string]bool{}, log: log}
	r.s = NewSession(0, opt.URL, opt.Rows, opt.Cols, opt.Now(), opt.Env)
	r.d = NewDispatcher(DispatcherConfig{Session: r.s, Config: opt.Config, Logger: log})
	r.scr = screen.New(opt.Rows, opt.Cols)
	if st, ok := ScreenStyle(zellij.DefaultStyling(), true); ok {
		r.scr.SetStyle(st)
	}

	// Compile first (for the engine the plugin starts on), so that
	// CompileMS and LoadMS are told apart.
	t0 := time.Now()
	if _, err := h.Prepare(ctx, opt.WASM); err != nil {
		return nil, &LoadError{Err: err}
	}
	r.res.Timings.CompileMS = ms(time.Since(t0))

	t1 := time.Now()
	p, err := h.Load(ctx, opt.WASM, r.pluginConfig())
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
	if t == 0 {
		return wasi.Limits{}
	}
	return wasi.Limits{CallTimeout: t, LoadTimeout: max(t, wasi.DefaultLimits().LoadTimeout)}
}

func (r *runner) pluginConfig() wasi.PluginConfig {
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
		ID:              0,
		ClientID:        1,
		URL:             r.opt.URL,
		Config:          r.opt.Config,
		Mounts:          r.opt.Mounts,
		Env:             r.opt.Env,
		Limits:          r.limits(),
		Granted:         r.opt.Grant,
		InitialCwd:      initialCwd,
		InitialKeybinds: r.s.InitialKeybinds(),
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
			r.d.Host(req.Worker, pluginpb.CommandName_RequestPluginPermissions, note)
			req.Respond(ok)
		},
		Observer: r.observe,
	}
}

// observe is the plugin's observer: it records commands (through the
// dispatcher), frames, stderr, pipe requests and incidents.
func (r *runner) observe(a wasi.Activity) {
	r.d.Observe(a)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch a.Kind {
	case wasi.ActivityFrame:
		if r.first == 0 {
			r.first = max(a.Time.Sub(r.start), 1)
		}
		r.lastFrame = a.Frame
	case wasi.ActivityStderr:
		if len(r.res.Stderr) < maxStderrLines {
			r.res.Stderr = append(r.res.Stderr, a.Line)
		}
		r.log.Debug("plugin stderr", "line", a.Line)
	case wasi.ActivityPipe:
		c := a.Pipe
		switch c.Kind {
		case wasi.PipeOutput:
			r.res.PipeOutput = append(r.res.PipeOutput, PipeOutput{PipeID: c.PipeID, Text: c.Output})
		case wasi.PipeDone:
			r.blocked[c.PipeID] = c.Blocked
		case wasi.PipeUnblock:
			r.blocked[c.PipeID] = false
		}
	case wasi.ActivityIncident:
		r.incidentLocked(a.Incident.String())
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
		_, err = r.p.Update(ctx, zellij.KeyEvent(st.Key))
	case StepMouse:
		_, err = r.p.Update(ctx, st.Mouse.Event())
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
			s.Resize(st.Rows, st.Cols)
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
		// Only time (a timer of the plugin) can unblock it now.
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

// settle waits until the plugin is idle (wasi.Plugin.Sync: its queues, its
// workers and the activity stream), then delivers the events and pipe
// messages the plugin's commands caused, and repeats until nothing is left.
func (r *runner) settle(ctx context.Context) error {
	for range maxSettleRounds {
		if err := r.p.Sync(ctx); err != nil {
			return err
		}
		ds := r.d.TakePending()
		if len(ds) == 0 {
			return nil
		}
		if err := r.deliver(ctx, ds); err != nil {
			return err
		}
	}
	r.incident(fmt.Sprintf("events caused by the plugin's own commands still pending after %d rounds; stopped delivering them", maxSettleRounds))
	r.d.TakePending()
	return nil
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
	// Close delivers the activities still queued (the crash's frame).
	r.p.Close(context.Background())
	st := r.p.State()
	if st.Crash != nil {
		r.mu.Lock()
		f := r.lastFrame
		r.mu.Unlock()
		r.scr.Resize(r.rows, r.cols)
		r.scr.Frame(f)
	}
	res := r.res
	res.Crashed = st.Crash
	res.Engine = st.Engine
	res.Lines = r.scr.Lines()
	res.ANSI = r.scr.ANSI()
	res.Rows, res.Cols = r.scr.Size()
	res.Commands = r.d.Records()
	res.CommandCount = st.Stats.Commands
	for _, t := range st.Subscriptions {
		res.Subscriptions = append(res.Subscriptions, t.String())
		if perm, needs := pluginpb.EventPermission(t); needs && !r.p.Accepts(t) {
			res.Withheld = append(res.Withheld, Withheld{Event: t.String(), Permission: perm.String()})
		}
	}
	for _, t := range st.Permissions {
		res.Permissions = append(res.Permissions, t.String())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.first > 0 {
		res.Timings.FirstFrameMS = ms(r.first)
	}
	res.Timings.TotalMS = ms(time.Since(r.start))
	res.Stderr = slices.Clone(res.Stderr)
	res.PipeOutput = slices.Clone(res.PipeOutput)
	res.Incidents = slices.Clone(res.Incidents)
}
