package wasi

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
	"github.com/tessera-ws/tessera/proto/pluginpb"
)

var (
	sharedHost     *Host
	sharedHostOnce sync.Once
	sharedHostErr  error
	probeOnce      sync.Once
	probeBytes     []byte
	probeErr       error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedHost != nil {
		sharedHost.Close(context.Background())
	}
	os.Exit(code)
}

// testHost returns a host shared by the tests of this package, so the probe
// guest is compiled once per run. Its compilation cache is the one the tests
// of every package share, where probeWasm compiles the probe without the
// race detector.
func testHost(t testing.TB) *Host {
	t.Helper()
	sharedHostOnce.Do(func() {
		sharedHost, sharedHostErr = NewHost(context.Background(), HostConfig{CacheDir: guestbuild.CacheDir()})
	})
	if sharedHostErr != nil {
		t.Fatal(sharedHostErr)
	}
	return sharedHost
}

func probeWasm(t testing.TB) []byte {
	t.Helper()
	probeOnce.Do(func() {
		var path string
		path, probeErr = guestbuild.BuildCompiledPath("testdata/guests/probe")
		if probeErr == nil {
			probeBytes, probeErr = os.ReadFile(path)
		}
	})
	if probeErr != nil {
		t.Fatal(probeErr)
	}
	return probeBytes
}

// rec records a plugin's callbacks.
type rec struct {
	mu        sync.Mutex
	frames    []string
	incidents []Incident
	stderr    []string
	pipes     []PipeControl
	crash     chan error
	commands  chan dispatched
}

type dispatched struct {
	deadline bool // the context had a deadline in the future
	worker   string
	reply    pluginpb.ReplyKind
	cmd      *pluginpb.PluginCommand
}

func newRec() *rec {
	return &rec{crash: make(chan error, 1), commands: make(chan dispatched, 10000)}
}

func (r *rec) wire(c PluginConfig) PluginConfig {
	c.Observer = func(a Activity) {
		r.mu.Lock()
		defer r.mu.Unlock()
		switch a.Kind {
		case ActivityFrame:
			r.frames = append(r.frames, string(a.Frame))
		case ActivityCrash:
			r.crash <- a.Crash
		case ActivityStderr:
			r.stderr = append(r.stderr, a.Line)
		case ActivityIncident:
			r.incidents = append(r.incidents, a.Incident)
		case ActivityPipe:
			r.pipes = append(r.pipes, a.Pipe)
		}
	}
	return c
}

// countFrames is an observer counting frames.
func countFrames(n *atomic.Int64) func(Activity) {
	return func(a Activity) {
		if a.Kind == ActivityFrame {
			n.Add(1)
		}
	}
}

// gated returns ctx for NewHost with a gate that holds background compiles
// until fastGate(h) is closed.
func gated(ctx context.Context) context.Context {
	return context.WithValue(ctx, fastGateKey{}, make(chan struct{}))
}

// fastGate returns the gate of a host made with gated.
func fastGate(h *Host) chan struct{} {
	g, _ := h.bgCtx.Value(fastGateKey{}).(chan struct{})
	return g
}

func (r *rec) incidentsOf(k IncidentKind) []Incident {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Incident
	for _, i := range r.incidents {
		if i.Kind == k {
			out = append(out, i)
		}
	}
	return out
}

func (r *rec) pipeControls() []PipeControl {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]PipeControl(nil), r.pipes...)
}

func (r *rec) stderrLines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.stderr...)
}

// recordingDispatcher records commands and answers with reply (may be nil).
func (r *rec) dispatcher(reply func(cmd *pluginpb.PluginCommand) (proto.Message, error)) Dispatcher {
	return DispatcherFunc(func(ctx context.Context, c *CommandContext, cmd *pluginpb.PluginCommand) (proto.Message, error) {
		dl, ok := ctx.Deadline()
		r.commands <- dispatched{worker: c.Worker, reply: c.Reply, cmd: cmd, deadline: ok && time.Until(dl) > 0}
		if reply == nil {
			return nil, nil
		}
		return reply(cmd)
	})
}

// probeCtx is ctxT started once the probe is built and compiled (a first
// build on a fresh, loaded machine can take most of a minute), for
// Load(probeCtx(t), probeWasm(t), ...).
//
// Its deadline is five minutes: the first load in a test process may
// compile the probe itself under -race (the compilation cache written by
// the precompile step is not always found from a test binary: wazero names
// its cache directory by its own version, which a test binary may not
// know), which takes minutes on a loaded 2-core machine.
func probeCtx(t testing.TB) context.Context {
	t.Helper()
	probeWasm(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// loadProbe loads the probe guest; the plugin is closed at test end.
func loadProbe(t testing.TB, cfg PluginConfig) *Plugin {
	t.Helper()
	if cfg.Limits.CallTimeout == 0 {
		cfg.Limits.CallTimeout = 30 * time.Second // the test machine may be loaded
	}
	if cfg.Limits.LoadTimeout == 0 {
		cfg.Limits.LoadTimeout = 60 * time.Second
	}
	p, err := testHost(t).Load(probeCtx(t), probeWasm(t), cfg)
	if err != nil {
		t.Fatalf("load probe: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(context.Background()); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return p
}

// act runs one probe action through pipe() and returns the next frame.
func act(t testing.TB, p *Plugin, action, arg string) string {
	t.Helper()
	if _, err := p.Pipe(ctxT(t), &pluginpb.PipeMessage{Name: action, Payload: proto.String(arg), Source: pluginpb.PipeSource_Keybind}); err != nil {
		t.Fatalf("pipe %s(%q): %v", action, arg, err)
	}
	return render(t, p)
}

func render(t testing.TB, p *Plugin) string {
	t.Helper()
	f, err := p.Render(ctxT(t), 24, 80)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	// The observer has seen everything up to this frame.
	// (A worker may crash the plugin meanwhile: the tests look at that.)
	if err := p.Sync(ctxT(t)); err != nil && !errors.Is(err, ErrCrashed) {
		t.Fatalf("sync: %v", err)
	}
	return string(f)
}

// waitFrame renders until the frame contains want.
func waitFrame(t testing.TB, p *Plugin, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		f := render(t, p)
		if strings.Contains(f, want) {
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("frame never contained %q; last frame:\n%s", want, f)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustContain(t testing.TB, frame string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(frame, w) {
			t.Fatalf("frame lacks %q:\n%s", w, frame)
		}
	}
}

func event(name pluginpb.EventType) *pluginpb.Event { return &pluginpb.Event{Name: name} }

func keyEvent(c rune) *pluginpb.Event {
	return &pluginpb.Event{Name: pluginpb.EventType_Key, Payload: &pluginpb.Event_KeyPayload{KeyPayload: &pluginpb.Key{Char: proto.Uint32(uint32(c))}}}
}
