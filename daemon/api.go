package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/hashicorp/hcl/v2"

	"github.com/tessera-ws/tessera/config"
	"github.com/tessera-ws/tessera/internal/ctl"
	"github.com/tessera-ws/tessera/internal/screen"
	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
	"github.com/tessera-ws/tessera/proto/control/v1/controlv1connect"
	"github.com/tessera-ws/tessera/wasi"
	"github.com/tessera-ws/tessera/zellij"
)

// api implements the control service on top of the loop.
type api struct {
	d *Daemon
}

var _ controlv1connect.ControlServiceHandler = (*api)(nil)

// maxWaitReady bounds how long Apply waits for panes and plugins to start.
const maxWaitReady = 2 * time.Minute

func cerr(code connect.Code, format string, args ...any) error {
	return connect.NewError(code, fmt.Errorf(format, args...))
}

// onLoop runs f on the loop, mapping shutdown to Unavailable.
func (a *api) onLoop(ctx context.Context, f func()) error {
	if err := a.d.call(ctx, f); err != nil {
		if ctx.Err() != nil {
			return connect.NewError(connect.CodeCanceled, err)
		}
		return connect.NewError(connect.CodeUnavailable, err)
	}
	return nil
}

func lookupErr(err error) error {
	var le *lookupError
	if errors.As(err, &le) {
		return connect.NewError(connect.CodeNotFound, err)
	}
	return connect.NewError(connect.CodeInternal, err)
}

func (a *api) Status(ctx context.Context, _ *connect.Request[controlv1.StatusRequest]) (*connect.Response[controlv1.StatusResponse], error) {
	d := a.d
	res := &controlv1.StatusResponse{
		Workspace:       d.paths.Workspace,
		Pid:             int32(os.Getpid()),
		Socket:          d.paths.Socket,
		StartedUnixNano: d.started.UnixNano(),
		Version:         d.cfg.Version,
		StateDir:        d.paths.StateDir,
		LogFile:         d.paths.Log,
	}
	err := a.onLoop(ctx, func() {
		for _, s := range d.sessions {
			res.Sessions = append(res.Sessions, s.name)
			for _, t := range s.tabs {
				for _, p := range t.panes {
					if p.currentState() == StateClosed {
						continue
					}
					if p.plug != nil {
						res.Plugins++
					} else {
						res.Panes++
					}
				}
			}
			for _, p := range s.bg {
				if p.currentState() != StateClosed {
					res.Plugins++
				}
			}
		}
		res.Applied = d.appliedHash
		res.Diagnostics = diagnosticsProto(d.lastDiags)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

func (a *api) List(ctx context.Context, req *connect.Request[controlv1.ListRequest]) (*connect.Response[controlv1.ListResponse], error) {
	kinds := map[string]bool{}
	for _, k := range req.Msg.Kinds {
		switch k {
		case "session", "sessions":
			kinds[KindSession] = true
		case "tab", "tabs":
			kinds[KindTab] = true
		case "pane", "panes":
			kinds[KindTerminal], kinds[KindPluginPane] = true, true
		case "plugin", "plugins":
			kinds[KindPluginPane], kinds[KindBackground] = true, true
		case KindTerminal, KindPluginPane, KindBackground:
			kinds[k] = true
		default:
			return nil, cerr(connect.CodeInvalidArgument, "unknown kind %q (use session, tab, pane or plugin)", k)
		}
	}
	res := &controlv1.ListResponse{}
	err := a.onLoop(ctx, func() {
		for _, o := range a.d.objectsLocked() {
			op := a.d.objectProto(o)
			if len(kinds) > 0 && !kinds[op.Kind] {
				continue
			}
			if req.Msg.Address != "" && !addressUnder(op.Address, req.Msg.Address) {
				continue
			}
			res.Objects = append(res.Objects, op)
		}
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

func (a *api) Describe(ctx context.Context, req *connect.Request[controlv1.DescribeRequest]) (*connect.Response[controlv1.DescribeResponse], error) {
	res := &controlv1.DescribeResponse{}
	var lerr error
	err := a.onLoop(ctx, func() {
		o, err := a.d.lookup(req.Msg.Address)
		if err != nil {
			lerr = err
			return
		}
		res.Object = a.d.objectProto(o)
		switch v := o.(type) {
		case *session:
			for _, t := range v.tabs {
				res.Children = append(res.Children, a.d.objectProto(t))
			}
			for _, p := range v.bg {
				res.Children = append(res.Children, a.d.objectProto(p))
			}
		case *tab:
			for _, p := range v.panes {
				res.Children = append(res.Children, a.d.objectProto(p))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if lerr != nil {
		return nil, lookupErr(lerr)
	}
	res.Recent = a.d.events.recentFor(res.Object.Address, 20)
	return connect.NewResponse(res), nil
}

func diagnosticsProto(diags hcl.Diagnostics) []*controlv1.Diagnostic {
	var out []*controlv1.Diagnostic
	for _, jd := range config.DiagnosticsJSON(diags) {
		dg := &controlv1.Diagnostic{Severity: jd.Severity, Summary: jd.Summary, Detail: jd.Detail}
		if jd.Range != nil {
			dg.File = jd.Range.File
			dg.Line = int32(jd.Range.Line)
			dg.Column = int32(jd.Range.Column)
		}
		out = append(out, dg)
	}
	return out
}

func changesProto(p *config.Plan) []*controlv1.Change {
	var out []*controlv1.Change
	for _, c := range p.Changes {
		pc := &controlv1.Change{Address: c.Address, Kind: c.Kind, Action: string(c.Action)}
		for _, at := range c.Attributes {
			pc.Attributes = append(pc.Attributes, &controlv1.AttrChange{Name: at.Name, Before: jsonValue(at.Before), After: jsonValue(at.After), Effect: at.Effect})
		}
		out = append(out, pc)
	}
	return out
}

// loadFor loads the workspace at path ("" for the daemon's own), outside
// the loop; diagnostics come back rendered with their source snippets.
func (a *api) loadFor(path string) (*config.Workspace, hcl.Diagnostics, string) {
	ws, files, diags := a.d.load(path)
	var b strings.Builder
	if len(diags) > 0 {
		_ = config.WriteDiagnostics(&b, files, diags)
	}
	return ws, diags, b.String()
}

func (a *api) Plan(ctx context.Context, req *connect.Request[controlv1.PlanRequest]) (*connect.Response[controlv1.PlanResponse], error) {
	path, err := a.checkPath(req.Msg.Path, true)
	if err != nil {
		return nil, err
	}
	ws, diags, text := a.loadFor(path)
	res := &controlv1.PlanResponse{Diagnostics: diagnosticsProto(diags), Text: text}
	if diags.HasErrors() {
		return connect.NewResponse(res), nil
	}
	err = a.onLoop(ctx, func() {
		plan := a.d.plan(ws)
		res.Changes = changesProto(plan)
		var b bytes.Buffer
		_ = plan.Render(&b)
		res.Text += b.String()
		for _, o := range a.d.objectsLocked() {
			op := a.d.objectProto(o)
			if !op.Managed {
				res.Unmanaged = append(res.Unmanaged, op.Address)
			}
		}
		if len(res.Unmanaged) > 0 {
			res.Text += fmt.Sprintf("\nUnmanaged (opened at run time, left alone by apply): %s\n", strings.Join(res.Unmanaged, ", "))
		}
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

// checkPath validates a workspace path given to Plan or Apply: Apply only
// takes the daemon's own workspace.
func (a *api) checkPath(path string, anyPath bool) (string, error) {
	if path == "" {
		return "", nil
	}
	canon, err := ctl.CanonicalWorkspace(path)
	if err != nil {
		return "", connect.NewError(connect.CodeInvalidArgument, err)
	}
	if canon == a.d.paths.Workspace {
		return "", nil
	}
	if !anyPath {
		return "", cerr(connect.CodeFailedPrecondition,
			"this daemon runs the workspace %s, not %s: start another with `tessera up %s`", a.d.paths.Workspace, canon, path)
	}
	return canon, nil
}

func (a *api) Apply(ctx context.Context, req *connect.Request[controlv1.ApplyRequest]) (*connect.Response[controlv1.ApplyResponse], error) {
	if _, err := a.checkPath(req.Msg.Path, false); err != nil {
		return nil, err
	}
	seq := a.d.startedApply()
	ws, diags, text := a.loadFor("")
	res := &controlv1.ApplyResponse{Diagnostics: diagnosticsProto(diags), Text: text}
	if diags.HasErrors() {
		a.d.events.publish(EvConfigInvalid, "", fmt.Sprintf("workspace invalid (%d errors): nothing changed", countErrors(diags)), nil)
		return connect.NewResponse(res), nil
	}
	var waits []*pane
	err := a.onLoop(ctx, func() {
		a.d.lastDiags = nil
		a.d.appliedFrom(seq)
		plan := a.d.apply(ws)
		res.Changes = changesProto(plan)
		var b bytes.Buffer
		_ = plan.Render(&b)
		res.Text += b.String()
		for _, o := range a.d.objectsLocked() {
			if p, ok := o.(*pane); ok && p.managed {
				waits = append(waits, p)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if req.Msg.Wait {
		wctx, cancel := context.WithTimeout(ctx, maxWaitReady)
		defer cancel()
		for _, p := range waits {
			select {
			case <-p.ready:
			case <-wctx.Done():
			}
		}
	}
	err = a.onLoop(ctx, func() {
		for _, p := range a.d.pluginPanes() {
			if pr := p.plug.pending; pr != nil {
				res.Pending = append(res.Pending, fmt.Sprintf("%s asks for %s (tessera console -c 'grant %s all')",
					p.addr, strings.Join(permissionNames(pr.perms), ", "), lastSegment(p.addr)))
			}
		}
		for _, p := range waits {
			op := a.d.objectProto(p)
			switch op.State {
			case StateFailed, StateCrashed:
				res.Failed = append(res.Failed, op)
			default:
				res.Started = append(res.Started, op)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

// target resolves an address to a pane (terminal, plugin or background).
func (a *api) target(ctx context.Context, addr string) (*pane, error) {
	var p *pane
	var lerr error
	err := a.onLoop(ctx, func() {
		p, lerr = a.d.lookupPane(addr)
	})
	if err != nil {
		return nil, err
	}
	if lerr != nil {
		return nil, lookupErr(lerr)
	}
	return p, nil
}

// livePlugin returns the running plugin of a plugin pane.
func (a *api) livePlugin(ctx context.Context, addr string) (*pane, *wasi.Plugin, error) {
	p, err := a.target(ctx, addr)
	if err != nil {
		return nil, nil, err
	}
	if p.plug == nil {
		return nil, nil, cerr(connect.CodeFailedPrecondition, "%s is a terminal pane, not a plugin", p.addr)
	}
	var pl *wasi.Plugin
	var state, lastErr string
	if err := a.onLoop(ctx, func() { pl, state, lastErr = p.plug.p, p.plug.state, p.plug.lastErr }); err != nil {
		return nil, nil, err
	}
	if pl == nil {
		msg := fmt.Sprintf("plugin %s is %s", p.addr, state)
		if lastErr != "" {
			msg += ": " + lastErr
		}
		return nil, nil, connect.NewError(connect.CodeFailedPrecondition, errors.New(msg))
	}
	return p, pl, nil
}

func (a *api) Render(ctx context.Context, req *connect.Request[controlv1.RenderRequest]) (*connect.Response[controlv1.RenderResponse], error) {
	p, pl, err := a.livePlugin(ctx, req.Msg.Address)
	if err != nil {
		return nil, err
	}
	rows, cols := int(req.Msg.Rows), int(req.Msg.Cols)
	prow, pcol := p.plug.view.size()
	if rows <= 0 || cols <= 0 {
		rows, cols = prow, pcol
		if rows <= 0 || cols <= 0 {
			rows, cols = a.d.cfg.DefaultRows, a.d.cfg.DefaultCols
		}
	}
	if rows > screen.MaxDimension || cols > screen.MaxDimension {
		return nil, cerr(connect.CodeInvalidArgument, "size %dx%d is too large (at most %d)", rows, cols, screen.MaxDimension)
	}
	frame, err := pl.Render(ctx, rows, cols)
	if prow != rows || pcol != cols {
		pl.Resize(prow, pcol) // back to the pane's own size
	}
	if err != nil {
		return nil, connect.NewError(connect.CodeAborted, fmt.Errorf("render %s: %w", p.addr, err))
	}
	scr := screen.New(rows, cols)
	scr.Frame(wasi.ToTerminal(frame))
	return connect.NewResponse(&controlv1.RenderResponse{Lines: scr.Lines(), Ansi: scr.ANSI(), Raw: frame}), nil
}

func (a *api) Screen(ctx context.Context, req *connect.Request[controlv1.ScreenRequest]) (*connect.Response[controlv1.ScreenResponse], error) {
	p, err := a.target(ctx, req.Msg.Address)
	if err != nil {
		return nil, err
	}
	res := &controlv1.ScreenResponse{}
	if p.plug != nil {
		lines, ansi, rows, cols := p.plug.view.snapshot()
		res.Lines, res.Ansi, res.Rows, res.Cols = lines, ansi, int32(rows), int32(cols)
		if rows == 0 || cols == 0 {
			res.Lines = nil
		}
		return connect.NewResponse(res), nil
	}
	if p.term == nil {
		return nil, cerr(connect.CodeFailedPrecondition, "pane %s has not started", p.addr)
	}
	lines, ansi, rows, cols, cr, cc := p.term.snapshot()
	res.Lines, res.Ansi, res.Rows, res.Cols, res.CursorRow, res.CursorCol = lines, ansi, int32(rows), int32(cols), int32(cr), int32(cc)
	return connect.NewResponse(res), nil
}

func (a *api) Scrollback(ctx context.Context, req *connect.Request[controlv1.ScrollbackRequest]) (*connect.Response[controlv1.ScrollbackResponse], error) {
	p, err := a.target(ctx, req.Msg.Address)
	if err != nil {
		return nil, err
	}
	if p.term == nil {
		return nil, cerr(connect.CodeFailedPrecondition, "%s is not a terminal pane: plugins have no scrollback (use screen)", p.addr)
	}
	lines := p.term.history(int(req.Msg.Lines), req.Msg.Ansi)
	return connect.NewResponse(&controlv1.ScrollbackResponse{Lines: lines}), nil
}

// liveProcess returns the running process of a terminal pane.
func (a *api) liveProcess(ctx context.Context, addr string) (*pane, *process, error) {
	p, err := a.target(ctx, addr)
	if err != nil {
		return nil, nil, err
	}
	if p.plug != nil {
		return nil, nil, cerr(connect.CodeFailedPrecondition, "%s is a plugin: send it keys with `keys`", p.addr)
	}
	var pr *process
	var state string
	if err := a.onLoop(ctx, func() { pr, state = p.proc, p.state }); err != nil {
		return nil, nil, err
	}
	if pr == nil || state != StateRunning {
		return nil, nil, cerr(connect.CodeFailedPrecondition, "pane %s is %s: start it with `restart %s`", p.addr, state, lastSegment(p.addr))
	}
	return p, pr, nil
}

func (a *api) Write(ctx context.Context, req *connect.Request[controlv1.WriteRequest]) (*connect.Response[controlv1.WriteResponse], error) {
	_, pr, err := a.liveProcess(ctx, req.Msg.Address)
	if err != nil {
		return nil, err
	}
	if err := pr.write(req.Msg.Data, 5*time.Second); err != nil {
		return nil, connect.NewError(connect.CodeUnavailable, err)
	}
	return connect.NewResponse(&controlv1.WriteResponse{}), nil
}

func (a *api) SendKeys(ctx context.Context, req *connect.Request[controlv1.SendKeysRequest]) (*connect.Response[controlv1.SendKeysResponse], error) {
	if len(req.Msg.Keys) == 0 {
		return nil, cerr(connect.CodeInvalidArgument, "no keys given (e.g. keys ADDR Enter Ctrl+c Down a)")
	}
	p, err := a.target(ctx, req.Msg.Address)
	if err != nil {
		return nil, err
	}
	if p.plug != nil {
		_, pl, err := a.livePlugin(ctx, req.Msg.Address)
		if err != nil {
			return nil, err
		}
		for _, k := range req.Msg.Keys {
			key, err := zellij.ParseKey(k)
			if err != nil {
				return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("key %q: %w", k, err))
			}
			if _, err := pl.Update(ctx, zellij.KeyEvent(key)); err != nil {
				return nil, connect.NewError(connect.CodeAborted, fmt.Errorf("key %s to %s: %w", k, p.addr, err))
			}
		}
		return connect.NewResponse(&controlv1.SendKeysResponse{}), nil
	}
	var data []byte
	for _, k := range req.Msg.Keys {
		b, err := keyBytes(k)
		if err != nil {
			return nil, connect.NewError(connect.CodeInvalidArgument, err)
		}
		data = append(data, b...)
	}
	_, pr, err := a.liveProcess(ctx, req.Msg.Address)
	if err != nil {
		// A key starts a pane that waits for one (start_suspended).
		var started bool
		_ = a.onLoop(ctx, func() {
			if p.state == StateSuspended {
				a.d.runTerminal(p)
				started = true
			}
		})
		if started {
			return connect.NewResponse(&controlv1.SendKeysResponse{}), nil
		}
		return nil, err
	}
	if err := pr.write(data, 5*time.Second); err != nil {
		return nil, connect.NewError(connect.CodeUnavailable, err)
	}
	return connect.NewResponse(&controlv1.SendKeysResponse{}), nil
}

func (a *api) Resize(ctx context.Context, req *connect.Request[controlv1.ResizeRequest]) (*connect.Response[controlv1.ResizeResponse], error) {
	rows, cols := int(req.Msg.Rows), int(req.Msg.Cols)
	if rows < 1 || cols < 1 || rows > screen.MaxDimension || cols > screen.MaxDimension {
		return nil, cerr(connect.CodeInvalidArgument, "size %dx%d is out of range (1 to %d each)", rows, cols, screen.MaxDimension)
	}
	p, err := a.target(ctx, req.Msg.Address)
	if err != nil {
		return nil, err
	}
	if p.plug != nil {
		p.plug.view.setSize(rows, cols)
		var pl = (*wasi.Plugin)(nil)
		_ = a.onLoop(ctx, func() { pl = p.plug.p })
		if pl != nil {
			pl.Resize(rows, cols)
		}
		return connect.NewResponse(&controlv1.ResizeResponse{}), nil
	}
	if p.term == nil {
		return nil, cerr(connect.CodeFailedPrecondition, "pane %s has no screen yet", p.addr)
	}
	p.term.resize(rows, cols)
	return connect.NewResponse(&controlv1.ResizeResponse{}), nil
}

func (a *api) Reload(ctx context.Context, req *connect.Request[controlv1.ReloadRequest]) (*connect.Response[controlv1.ReloadResponse], error) {
	p, err := a.target(ctx, req.Msg.Address)
	if err != nil {
		return nil, err
	}
	if p.plug == nil {
		return nil, cerr(connect.CodeFailedPrecondition, "%s is a terminal pane: use restart", p.addr)
	}
	var ready chan struct{}
	if err := a.onLoop(ctx, func() {
		a.d.stopPlugin(p, StateStopped)
		p.ready, p.readyDone = make(chan struct{}), false
		p.plug.restarts = 0
		a.d.startPlugin(p)
		ready = p.ready
	}); err != nil {
		return nil, err
	}
	return waitObjectResp(a, ctx, p, ready, func(o *controlv1.Object) *connect.Response[controlv1.ReloadResponse] {
		return connect.NewResponse(&controlv1.ReloadResponse{Object: o})
	})
}

func (a *api) Restart(ctx context.Context, req *connect.Request[controlv1.RestartRequest]) (*connect.Response[controlv1.RestartResponse], error) {
	p, err := a.target(ctx, req.Msg.Address)
	if err != nil {
		return nil, err
	}
	if p.plug != nil {
		return nil, cerr(connect.CodeFailedPrecondition, "%s is a plugin: use reload", p.addr)
	}
	var ready chan struct{}
	if err := a.onLoop(ctx, func() {
		p.ready, p.readyDone = make(chan struct{}), false
		p.restarts = 0
		a.d.restartTerminal(p)
		ready = p.ready
	}); err != nil {
		return nil, err
	}
	return waitObjectResp(a, ctx, p, ready, func(o *controlv1.Object) *connect.Response[controlv1.RestartResponse] {
		return connect.NewResponse(&controlv1.RestartResponse{Object: o})
	})
}

func waitObjectResp[T any](a *api, ctx context.Context, p *pane, ready chan struct{}, wrap func(*controlv1.Object) *connect.Response[T]) (*connect.Response[T], error) {
	wctx, cancel := context.WithTimeout(ctx, maxWaitReady)
	defer cancel()
	select {
	case <-ready:
	case <-wctx.Done():
	}
	var o *controlv1.Object
	if err := a.onLoop(ctx, func() { o = a.d.objectProto(p) }); err != nil {
		return nil, err
	}
	return wrap(o), nil
}

func (a *api) Events(ctx context.Context, req *connect.Request[controlv1.EventsRequest], stream *connect.ServerStream[controlv1.Event]) error {
	sub := a.d.events.subscribe(req.Msg.Types, req.Msg.Address)
	defer a.d.events.unsubscribe(sub)
	// Headers go out at once, so that a client knows it is subscribed.
	if err := stream.Send(&controlv1.Event{Type: "subscribed", TimeUnixNano: time.Now().UnixNano(), Message: "following events"}); err != nil {
		return err
	}
	for {
		select {
		case ev := <-sub.ch:
			if n := sub.takeDropped(); n > 0 {
				if err := stream.Send(&controlv1.Event{Type: "lagged", Lagged: true, Dropped: n, TimeUnixNano: time.Now().UnixNano(),
					Message: fmt.Sprintf("%d events were dropped: this reader fell behind", n)}); err != nil {
					return err
				}
			}
			if err := stream.Send(ev); err != nil {
				return err
			}
		case <-ctx.Done():
			return nil
		case <-a.d.done:
			return nil
		case <-a.d.shutdownReq:
			return nil
		}
	}
}

func (a *api) Logs(ctx context.Context, req *connect.Request[controlv1.LogsRequest], stream *connect.ServerStream[controlv1.LogRecord]) error {
	match := func(r *controlv1.LogRecord) bool {
		if req.Msg.Address == "" {
			return true
		}
		for _, k := range []string{"pane", "plugin"} {
			if v := r.Attrs[k]; v != "" && addressUnder(v, req.Msg.Address) {
				return true
			}
		}
		return false
	}
	var ch chan *controlv1.LogRecord
	if req.Msg.Follow {
		ch = a.d.logs.subscribe()
		defer a.d.logs.unsubscribe(ch)
	}
	tail := int(req.Msg.Tail)
	if tail <= 0 {
		tail = 100
	}
	recs := a.d.logs.tail(0)
	var sel []*controlv1.LogRecord
	for _, r := range recs {
		if match(r) {
			sel = append(sel, r)
		}
	}
	if len(sel) > tail {
		sel = sel[len(sel)-tail:]
	}
	for _, r := range sel {
		if err := stream.Send(r); err != nil {
			return err
		}
	}
	if ch == nil {
		return nil
	}
	for {
		select {
		case r := <-ch:
			if match(r) {
				if err := stream.Send(r); err != nil {
					return err
				}
			}
		case <-ctx.Done():
			return nil
		case <-a.d.done:
			return nil
		case <-a.d.shutdownReq:
			return nil
		}
	}
}

func (a *api) Shutdown(ctx context.Context, _ *connect.Request[controlv1.ShutdownRequest]) (*connect.Response[controlv1.ShutdownResponse], error) {
	a.d.log.Info("shutdown requested over the control socket")
	a.d.Shutdown()
	return connect.NewResponse(&controlv1.ShutdownResponse{}), nil
}

// objectProto describes an object. Loop only.
func (d *Daemon) objectProto(o any) *controlv1.Object {
	switch v := o.(type) {
	case *session:
		return &controlv1.Object{Address: v.addr, Kind: KindSession, Name: v.name, Managed: v.managed, State: StateRunning,
			Session: v.name, StartedUnixNano: unixNano(v.created)}
	case *tab:
		pos := 0
		for i, t := range v.sess.tabs {
			if t == v {
				pos = i
			}
		}
		return &controlv1.Object{Address: v.addr, Kind: KindTab, Name: v.name, Managed: v.managed, State: StateRunning,
			Session: v.sess.name, Tab: v.name, Position: int32(pos), Id: v.id, Focused: v.sess.active == pos}
	case *pane:
		op := &controlv1.Object{Address: v.addr, Kind: v.kind, Name: v.name, Managed: v.managed, Id: v.id, Session: v.sess.name}
		if v.tab != nil {
			op.Tab = v.tab.name
			for i, p := range v.tab.panes {
				if p == v {
					op.Position = int32(i)
					op.Focused = v.tab.focus == i
				}
			}
		}
		if v.plug != nil {
			po := v.plug
			op.State, op.LastError, op.Restarts = po.state, po.lastErr, int32(po.restarts)
			op.PluginUrl = po.inst.Source.URL()
			op.Config = po.inst.Config
			op.Identity = po.inst.Identity
			op.RestartPolicy = po.inst.Restart.Policy
			op.StartedUnixNano = unixNano(po.started)
			rows, cols := po.view.size()
			op.Rows, op.Cols = int32(rows), int32(cols)
			op.Permissions = po.inst.Permissions
			v.cmds.mu.Lock()
			crashes := uint64(v.cmds.crashes)
			v.cmds.mu.Unlock()
			op.Stats = &controlv1.PluginStats{Crashes: crashes}
			if po.id != 0 {
				op.Id = po.id // the plugin id of the last load, as plugins see it
			}
			if po.p != nil {
				op.Permissions = permissionNames(po.p.Permissions())
				op.Engine = po.p.Engine().String()
				for _, s := range po.p.Subscriptions() {
					op.Subscriptions = append(op.Subscriptions, s.String())
				}
				op.Workers = po.p.Workers()
				st := po.p.Stats()
				op.Stats = &controlv1.PluginStats{Calls: st.Calls, Commands: st.Commands, Crashes: crashes,
					Denied: st.Incidents[wasi.IncidentDenied], Unsupported: st.Incidents[wasi.IncidentUnsupported],
					Dropped: st.Incidents[wasi.IncidentRateLimited] + st.Incidents[wasi.IncidentQueueFull], Moves: st.Moves,
					MemoryBytes: st.MemoryBytes, CallP50Micros: uint64(st.CallP50.Microseconds()), CallP99Micros: uint64(st.CallP99.Microseconds())}
			}
			return op
		}
		op.State, op.LastError, op.Restarts = v.state, v.lastErr, int32(v.restarts)
		op.Exited, op.ExitStatus = v.exited, int32(v.status)
		op.StartedUnixNano = unixNano(v.started)
		if v.tcfg != nil {
			if v.tcfg.Command != "" {
				op.Command = append([]string{v.tcfg.Command}, v.tcfg.Args...)
			}
			op.Cwd = v.tcfg.Cwd
			op.RestartPolicy = v.tcfg.Restart
		}
		if len(op.Command) == 0 {
			op.Command = []string{loginShell()}
		}
		if v.proc != nil && v.state == StateRunning {
			op.Pid = int32(v.proc.pid)
		}
		if v.term != nil {
			v.term.mu.Lock()
			op.Rows, op.Cols = int32(v.term.rows), int32(v.term.cols)
			v.term.mu.Unlock()
		}
		return op
	}
	return &controlv1.Object{}
}

// jsonValue encodes a plan value as JSON text; nil (absent) stays nil.
func jsonValue(v any) *string {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	s := string(b)
	return &s
}
