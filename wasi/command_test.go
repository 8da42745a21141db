package wasi

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

func TestStrictCommandGetsExactlyOneReply(t *testing.T) {
	r := newRec()
	cfg := r.wire(PluginConfig{ID: 1, Builtin: true, Config: map[string]string{"subscribe": "3"}})
	cfg.Limits.CallTimeout = time.Minute
	cfg.Dispatcher = r.dispatcher(func(cmd *pluginpb.PluginCommand) (proto.Message, error) {
		if cmd.GetName() == pluginpb.CommandName_OpenTerminal {
			return &pluginpb.OpenTerminalResponse{}, nil
		}
		return nil, nil
	})
	p := loadProbe(t, cfg)
	f := act(t, p, "strict", "")
	mustContain(t, f, `strict ok=true reply="[]\r\n"`)
	d := <-r.commands
	if d.cmd.GetName() != pluginpb.CommandName_OpenTerminal || d.reply != pluginpb.ReplyStrict || d.worker != "" || !d.deadline {
		t.Fatalf("dispatched %+v", d)
	}
	// A command without a reply: dispatched, nothing written back. The next
	// call's line must be the only one on stdin (the guest counts leftovers).
	act(t, p, "setsel", "")
	if d := <-r.commands; d.cmd.GetName() != pluginpb.CommandName_SetSelectable || d.reply != pluginpb.ReplyNone {
		t.Fatalf("dispatched %+v", d)
	}
	if _, err := p.Update(ctxT(t), keyEvent('x')); err != nil {
		t.Fatal(err)
	}
	mustContain(t, render(t, p), "stale=0", "setsel sent", "key x")
}

func TestDispatcherReplyAndErrors(t *testing.T) {
	r := newRec()
	cfg := r.wire(PluginConfig{ID: 1, Builtin: true})
	calls := 0
	cfg.Dispatcher = r.dispatcher(func(cmd *pluginpb.PluginCommand) (proto.Message, error) {
		calls++
		switch calls {
		case 1:
			return &pluginpb.NewTabResponse{}, errors.New("no session")
		case 2:
			panic("dispatcher bug")
		}
		return &pluginpb.PluginIds{PluginId: 5}, nil // any message is written as is
	})
	p := loadProbe(t, cfg)
	mustContain(t, act(t, p, "strict", ""), `strict ok=true reply="[]\r\n"`)
	mustContain(t, act(t, p, "strict", ""), `strict ok=true reply="[]\r\n"`)
	mustContain(t, act(t, p, "strict", ""), `strict ok=true reply="[8,5]\r\n"`, "stale=0")
	if n := len(r.incidentsOf(IncidentDispatchError)); n != 2 {
		t.Fatalf("dispatch errors recorded: %d", n)
	}
}

func TestNoDispatcherUnsupported(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1, Builtin: true}))
	mustContain(t, act(t, p, "strict", ""), `strict ok=true reply="[]\r\n"`)
	if len(r.incidentsOf(IncidentUnsupported)) != 1 {
		t.Fatal("unsupported command not recorded")
	}
}

func TestPermissionGate(t *testing.T) {
	r := newRec()
	cfg := r.wire(PluginConfig{ID: 1, Config: map[string]string{"subscribe": "0,3"}})
	cfg.Dispatcher = r.dispatcher(nil)
	p := loadProbe(t, cfg)
	// Denied strict command: recorded, guest still gets `[]`.
	mustContain(t, act(t, p, "strict", ""), `strict ok=true reply="[]\r\n"`)
	den := r.incidentsOf(IncidentDenied)
	if len(den) != 1 || den[0].Command != pluginpb.CommandName_OpenTerminal || den[0].Permission != pluginpb.PermissionType_OpenTerminalsOrPlugins {
		t.Fatalf("denials: %+v", den)
	}
	if len(r.commands) != 0 {
		t.Fatal("denied command reached the dispatcher")
	}
	// Events: ModeUpdate needs ReadApplicationState, Key needs nothing.
	mode := &pluginpb.Event{Name: pluginpb.EventType_ModeUpdate, Payload: &pluginpb.Event_ModeUpdatePayload{ModeUpdatePayload: &pluginpb.ModeUpdatePayload{}}}
	if p.Accepts(pluginpb.EventType_ModeUpdate) {
		t.Fatal("ModeUpdate accepted without permission")
	}
	p.Update(ctxT(t), mode)
	p.Update(ctxT(t), keyEvent('k'))
	p.Update(ctxT(t), event(pluginpb.EventType_Visible)) // not subscribed
	f := render(t, p)
	mustContain(t, f, "updates=1", "key k")
	p.Grant(pluginpb.PermissionType_OpenTerminalsOrPlugins, pluginpb.PermissionType_ReadApplicationState)
	p.Update(ctxT(t), mode)
	mustContain(t, act(t, p, "strict", ""), "updates=2", "event 0")
	if d := <-r.commands; d.cmd.GetName() != pluginpb.CommandName_OpenTerminal {
		t.Fatalf("after grant: %+v", d)
	}
	p.Revoke(pluginpb.PermissionType_OpenTerminalsOrPlugins)
	act(t, p, "strict", "")
	if len(r.incidentsOf(IncidentDenied)) != 2 {
		t.Fatal("revoke did not deny again")
	}
}

func TestPermissionRequestResultAlwaysDelivered(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1}))
	p.Resize(5, 20)
	ev := &pluginpb.Event{Name: pluginpb.EventType_PermissionRequestResult, Payload: &pluginpb.Event_PermissionRequestResultPayload{PermissionRequestResultPayload: &pluginpb.PermissionRequestResultPayload{Granted: true}}}
	rendered, err := p.Update(ctxT(t), ev)
	if err != nil || !rendered {
		t.Fatalf("rendered=%v err=%v", rendered, err)
	}
	mustContain(t, render(t, p), "permresult granted=true")
}

func TestRequestPermissionsHook(t *testing.T) {
	r := newRec()
	reqs := make(chan *PermissionRequest, 2)
	cfg := r.wire(PluginConfig{ID: 1, Granted: []pluginpb.PermissionType{pluginpb.PermissionType_ReadCliPipes}})
	cfg.Permissions = func(req *PermissionRequest) { reqs <- req }
	p := loadProbe(t, cfg)
	// Already granted: answered at once, no hook.
	act(t, p, "perm", "7,7")
	mustContain(t, waitFrame(t, p, "permresult"), "permresult granted=true")
	act(t, p, "clear", "")
	act(t, p, "perm", "3,0,3")
	req := <-reqs
	if len(req.Permissions) != 2 || req.Permissions[0] != pluginpb.PermissionType_RunCommands || req.Permissions[1] != pluginpb.PermissionType_ReadApplicationState {
		t.Fatalf("request %v", req.Permissions)
	}
	go req.Respond(true)
	mustContain(t, waitFrame(t, p, "permresult"), "permresult granted=true")
	if !p.Granted(pluginpb.PermissionType_RunCommands) || !p.Granted(pluginpb.PermissionType_ReadCliPipes) {
		t.Fatalf("permissions %v", p.Permissions())
	}
	act(t, p, "clear", "")
	act(t, p, "perm", "6")
	req = <-reqs
	req.Respond(false)
	req.Respond(true) // ignored
	mustContain(t, waitFrame(t, p, "permresult"), "permresult granted=false")
	if p.Granted(pluginpb.PermissionType_WebAccess) || !p.Granted(pluginpb.PermissionType_RunCommands) {
		t.Fatalf("after denial: %v", p.Permissions())
	}
}

func TestSubscribeUnsubscribeAndInitialKeybinds(t *testing.T) {
	p := loadProbe(t, PluginConfig{ID: 1, Builtin: true})
	if p.Subscribed(pluginpb.EventType_Key) {
		t.Fatal("subscribed before subscribing")
	}
	act(t, p, "subscribe", "3,44")
	if !p.Subscribed(pluginpb.EventType_Key) || !p.Subscribed(pluginpb.EventType_InitialKeybinds) {
		t.Fatalf("subscriptions %v", p.Subscriptions())
	}
	waitFrame(t, p, "initialkeybinds")
	act(t, p, "unsubscribe", "3")
	if p.Subscribed(pluginpb.EventType_Key) {
		t.Fatal("still subscribed")
	}
	if rendered, err := p.Update(ctxT(t), keyEvent('q')); rendered || err != nil {
		t.Fatal(rendered, err)
	}
	if f := render(t, p); strings.Contains(f, "key q") {
		t.Fatal("unsubscribed event delivered")
	}
}

func TestSetTimeoutDeliversTimer(t *testing.T) {
	p := loadProbe(t, PluginConfig{ID: 1, Config: map[string]string{"subscribe": "5"}})
	start := time.Now()
	act(t, p, "timeout", "0.2")
	waitFrame(t, p, "timer 0.2")
	if time.Since(start) < 190*time.Millisecond {
		t.Fatal("timer fired early")
	}
}

func TestWorkersRoundTrip(t *testing.T) {
	r := newRec()
	cfg := r.wire(PluginConfig{ID: 1, Config: map[string]string{"subscribe": "10"}})
	cfg.Dispatcher = r.dispatcher(nil)
	p := loadProbe(t, cfg)
	act(t, p, "post", "echo:ping:hello")
	act(t, p, "post", "echo:ping:again")
	// Worker state persists: the second message is #2. worker_name is not
	// passed on to the worker.
	f := waitFrame(t, p, "custom pong=again #2")
	mustContain(t, f, "custom pong=hello #1")
	if strings.Contains(f, "worker_name") || strings.Contains(f, "STALE") {
		t.Fatalf("bad worker message: %s", f)
	}
	// Unknown worker: recorded.
	act(t, p, "post", "nope:ping:x")
	if len(r.incidentsOf(IncidentBadCommand)) != 1 {
		t.Fatal("unknown worker not recorded")
	}
	// Workers share the plugin's permission set: denied, then allowed.
	act(t, p, "post", "echo:strict:w")
	mustContain(t, waitFrame(t, p, "pong=w #3"), `pong=w #3 strict ok=true reply="[]\r\n"`)
	if den := r.incidentsOf(IncidentDenied); len(den) != 1 || den[0].Worker != "echo" {
		t.Fatalf("worker denial: %+v", den)
	}
	p.Grant(pluginpb.PermissionType_OpenTerminalsOrPlugins)
	act(t, p, "post", "echo:strict:w2")
	waitFrame(t, p, "pong=w2 #4")
	if d := <-r.commands; d.worker != "echo" || d.cmd.GetName() != pluginpb.CommandName_OpenTerminal {
		t.Fatalf("dispatched %+v", d)
	}
}

func TestPostMessageToSelf(t *testing.T) {
	p := loadProbe(t, PluginConfig{ID: 1, Config: map[string]string{"subscribe": "10"}})
	act(t, p, "selfmsg", "hi")
	waitFrame(t, p, "custom self=hi")
}

func TestPipesAndCliControl(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 4, Granted: []pluginpb.PermissionType{pluginpb.PermissionType_ReadCliPipes}}))
	p.Resize(5, 30)
	cli := func(action, arg string) bool {
		t.Helper()
		rendered, err := p.Pipe(ctxT(t), &pluginpb.PipeMessage{Source: pluginpb.PipeSource_Cli, CliSourceId: strp("pipe-1"), Name: action, Payload: strp(arg)})
		if err != nil {
			t.Fatal(err)
		}
		return rendered
	}
	if !cli("log", "a") {
		t.Fatal("pipe returning 1 did not render")
	}
	cli("block", "")
	cli("output", "result text")
	cli("unblock", "")
	if cli("norender", "") {
		t.Fatal("pipe returning 0 rendered")
	}
	if err := p.Sync(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	want := []PipeControl{
		{Kind: PipeDone, Plugin: 4, PipeID: "pipe-1"},
		{Kind: PipeBlock, Plugin: 4, PipeID: "pipe-1"},
		{Kind: PipeDone, Plugin: 4, PipeID: "pipe-1", Blocked: true},
		{Kind: PipeOutput, Plugin: 4, PipeID: "pipe-1", Output: "result text"},
		{Kind: PipeDone, Plugin: 4, PipeID: "pipe-1"},
		{Kind: PipeUnblock, Plugin: 4, PipeID: "pipe-1"},
		{Kind: PipeDone, Plugin: 4, PipeID: "pipe-1"},
		{Kind: PipeDone, Plugin: 4, PipeID: "pipe-1"},
	}
	got := r.pipeControls()
	if len(got) != len(want) {
		t.Fatalf("pipe controls:\n got %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("control %d: got %+v want %+v", i, got[i], want[i])
		}
	}
	// Without ReadCliPipes the controls are denied.
	p.Revoke(pluginpb.PermissionType_ReadCliPipes)
	cli("block", "")
	got = r.pipeControls()
	if last := got[len(got)-1]; last.Kind != PipeDone || last.Blocked {
		t.Fatalf("denied block still blocked: %+v", last)
	}
}

func TestReentrantCallsRefused(t *testing.T) {
	r := newRec()
	cfg := r.wire(PluginConfig{ID: 1, Builtin: true, Config: map[string]string{"subscribe": "9"}})
	var p *Plugin
	errc := make(chan error, 1)
	cfg.Dispatcher = DispatcherFunc(func(ctx context.Context, c *CommandContext, cmd *pluginpb.PluginCommand) (proto.Message, error) {
		_, err := c.Plugin.Update(ctx, event(pluginpb.EventType_Visible))
		errc <- err
		if !c.Plugin.Post(&pluginpb.Event{Name: pluginpb.EventType_Visible, Payload: &pluginpb.Event_VisiblePayload{VisiblePayload: true}}) {
			t.Error("post from dispatcher refused")
		}
		return nil, nil
	})
	p = loadProbe(t, cfg)
	act(t, p, "setsel", "")
	if err := <-errc; !errors.Is(err, ErrReentrant) {
		t.Fatalf("reentrant update: %v", err)
	}
	waitFrame(t, p, "event 9")
}

func TestCloseFromDispatcher(t *testing.T) {
	closed := make(chan error, 1)
	cfg := PluginConfig{ID: 1, Builtin: true}
	cfg.Dispatcher = DispatcherFunc(func(ctx context.Context, c *CommandContext, cmd *pluginpb.PluginCommand) (proto.Message, error) {
		closed <- c.Plugin.Close(ctx) // CloseSelf-like: must not deadlock
		return nil, nil
	})
	p, err := testHost(t).Load(probeCtx(t), probeWasm(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.Pipe(ctxT(t), &pluginpb.PipeMessage{Name: "setsel"})
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if _, err := p.Render(ctxT(t), 1, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("render after close: %v", err)
	}
	if err := p.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

func TestObserverSeesEveryCommand(t *testing.T) {
	seen := make(chan string, 100)
	p := loadProbe(t, PluginConfig{ID: 1, Config: map[string]string{"subscribe": "3"},
		Observer: func(a Activity) {
			if a.Kind == ActivityCommand {
				seen <- a.Worker + ":" + a.Command.GetName().String()
			}
		}})
	act(t, p, "ids", "")
	act(t, p, "strict", "") // denied, still seen
	act(t, p, "post", "echo:ping:x")
	want := []string{":Subscribe", ":GetPluginIds", ":OpenTerminal", ":PostMessageTo", "echo:PostMessageToPlugin"}
	for _, w := range want {
		select {
		case got := <-seen:
			if got != w {
				t.Fatalf("saw %q, want %q", got, w)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("never saw %q", w)
		}
	}
}

func TestEventsHeldWhilePermissionPending(t *testing.T) {
	reqs := make(chan *PermissionRequest, 1)
	p := loadProbe(t, PluginConfig{ID: 1, Config: map[string]string{"subscribe": "0,3"},
		Permissions: func(req *PermissionRequest) { reqs <- req }})
	act(t, p, "perm", "0")
	req := <-reqs
	mode := &pluginpb.Event{Name: pluginpb.EventType_ModeUpdate, Payload: &pluginpb.Event_ModeUpdatePayload{ModeUpdatePayload: &pluginpb.ModeUpdatePayload{}}}
	for _, ev := range []*pluginpb.Event{keyEvent('1'), mode, keyEvent('2')} {
		if rendered, err := p.Update(ctxT(t), ev); rendered || err != nil {
			t.Fatal(rendered, err)
		}
	}
	if f := render(t, p); strings.Contains(f, "key 1") || !strings.Contains(f, "updates=0") {
		t.Fatalf("events delivered while waiting:\n%s", f)
	}
	req.Respond(true)
	f := waitFrame(t, p, "key 2")
	// The result first, then the held events, ModeUpdate now permitted.
	i, j, k, l := strings.Index(f, "permresult granted=true"), strings.Index(f, "key 1"), strings.Index(f, "event 0"), strings.Index(f, "key 2")
	if !(i >= 0 && i < j && j < k && k < l) {
		t.Fatalf("order:\n%s", f)
	}
}
