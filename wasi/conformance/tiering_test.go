package conformance

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
	"github.com/tessera-ws/tessera/zellij"
)

// With tiering, a plugin starts on the interpreter and moves to compiled
// code between two calls; the strict guest must not notice: its state
// (mode, click count) survives and its framing stays exact.
func TestTieringMoveKeepsGuestState(t *testing.T) {
	if testing.Short() || raceEnabled {
		// Compiling the guest under the race detector costs half a minute
		// of CPU; the move's concurrency is covered by wasi's own tests.
		t.Skip("compiles the guest without cache")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	h, err := wasi.NewHost(ctx, wasi.HostConfig{Engine: wasi.EngineAuto, NoDiskCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(context.Background())
	p, err := h.Load(ctx, guest(t), wasi.PluginConfig{
		ID: 1, ClientID: 1, Builtin: true, Config: map[string]string{"personality": "status-bar"},
		// The interpreter is slow on a loaded machine.
		Limits: wasi.Limits{CommandsPerSecond: -1, CallTimeout: time.Minute},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	if e := p.Engine(); e != wasi.EngineInterpreter {
		t.Skipf("plugin started on %s; nothing to move", e)
	}
	if _, err := p.Update(ctx, modeUpdate(func(m *pluginpb.ModeUpdatePayload) { m.Keybinds = nil })); err != nil {
		t.Fatal(err)
	}
	click := zellij.MouseEvent{Action: pluginpb.MouseEventName_MouseLeftClick, Row: 0, Col: 1}.Event()
	clicks := 0
	for p.Engine() == wasi.EngineInterpreter {
		if ctx.Err() != nil {
			t.Fatal("no move to compiled code")
		}
		if _, err := p.Update(ctx, click); err != nil {
			t.Fatal(err)
		}
		clicks++
		time.Sleep(20 * time.Millisecond)
	}
	for range 3 {
		if _, err := p.Update(ctx, click); err != nil {
			t.Fatal(err)
		}
		clicks++
	}
	frame, err := p.Render(ctx, 2, 120)
	if err != nil {
		t.Fatal(err)
	}
	want := "clicks: " + itoa(clicks)
	if !strings.Contains(string(frame), want) || !strings.Contains(string(frame), "NORMAL") {
		t.Errorf("after the move the frame is %q, want %q and the mode", frame, want)
	}
	if p.Stats().Moves == 0 {
		t.Errorf("no move counted")
	}
}
