package wasi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// Sync returns once a worker's answer has reached the plugin: no polling.
func TestSyncWaitsForWorkers(t *testing.T) {
	p := loadProbe(t, PluginConfig{ID: 1, Config: map[string]string{"subscribe": "10"}})
	for i := range 3 {
		if _, err := p.Pipe(ctxT(t), &pluginpb.PipeMessage{Name: "post", Payload: proto.String(fmt.Sprintf("echo:ping:m%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Sync(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if st := p.State(); st.WorkersBusy != 0 {
		t.Fatalf("after Sync: %d worker messages pending", st.WorkersBusy)
	}
	f, err := p.Render(ctxT(t), 24, 80)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, string(f), "custom pong=m2 #3")
}

// Sync delivers the activities of what it waited for, and the stream is
// in order: Seq counts from 1 without gaps.
func TestSyncDeliversActivities(t *testing.T) {
	var mu sync.Mutex
	var seqs []uint64
	var frames int
	p := loadProbe(t, PluginConfig{ID: 1, Observer: func(a Activity) {
		mu.Lock()
		defer mu.Unlock()
		seqs = append(seqs, a.Seq)
		if a.Kind == ActivityFrame {
			frames++
		}
	}})
	p.Resize(5, 20)
	if err := p.Sync(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if frames != 1 {
		t.Fatalf("%d frames observed after Resize and Sync, want 1", frames)
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("activity %d has Seq %d", i, s)
		}
	}
}

func TestState(t *testing.T) {
	p := loadProbe(t, PluginConfig{ID: 5, ClientID: 2, URL: "file:/p.wasm", Config: map[string]string{"subscribe": "3"},
		Granted: []pluginpb.PermissionType{pluginpb.PermissionType_ReadApplicationState}})
	render(t, p)
	st := p.State()
	if st.Status != StatusRunning || st.ID != 5 || st.ClientID != 2 || st.URL != "file:/p.wasm" ||
		st.Rows != 24 || st.Cols != 80 || st.Engine != EngineCompiler || len(st.Workers) != 1 ||
		len(st.Permissions) != 1 || len(st.Subscriptions) == 0 || st.Stats.Calls == 0 || st.Crash != nil {
		t.Fatalf("state %+v", st)
	}
	p.Close(ctxT(t))
	if st := p.State(); st.Status != StatusClosed {
		t.Fatalf("after Close: %v", st.Status)
	}
}

// Compiled modules are counted per digest and released with their last
// plugin.
func TestModulesReleasedWithLastPlugin(t *testing.T) {
	ctx := ctxT(t)
	h, err := NewHost(ctx, HostConfig{NoDiskCache: true, Engine: EngineCompiler})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	a := tinyModule([]string{"_start"}, returnOne, "a\n", true)
	b := tinyModule([]string{"_start"}, returnOne, "b\n", true)
	p1, err := h.Load(ctx, a, PluginConfig{ID: 1})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := h.Load(ctx, a, PluginConfig{ID: 2})
	if err != nil {
		t.Fatal(err)
	}
	q, err := h.Load(ctx, b, PluginConfig{ID: 3})
	if err != nil {
		t.Fatal(err)
	}
	if n := h.Modules(); n != 2 {
		t.Fatalf("%d modules for two digests", n)
	}
	p1.Close(ctx)
	if n := h.Modules(); n != 2 {
		t.Fatalf("%d modules after closing one of two plugins of a module", n)
	}
	if _, err := p2.Render(ctx, 1, 10); err != nil {
		t.Fatalf("the other plugin of the module: %v", err)
	}
	p2.Close(ctx)
	if n := h.Modules(); n != 1 {
		t.Fatalf("%d modules after closing the last plugin of a module", n)
	}
	q.Close(ctx)
	if n := h.Modules(); n != 0 {
		t.Fatalf("%d modules with no plugin left", n)
	}
	// Loading again compiles again.
	p3, err := h.Load(ctx, a, PluginConfig{ID: 4})
	if err != nil {
		t.Fatal(err)
	}
	if f, err := p3.Render(ctx, 1, 10); err != nil || string(f) != "a\n" {
		t.Fatalf("after a release: %q, %v", f, err)
	}
	p3.Close(ctx)
	if n := h.Modules(); n != 0 {
		t.Fatalf("%d modules", n)
	}
}

func TestInvalidLimitsRefusedAtLoad(t *testing.T) {
	for _, l := range []Limits{{CallTimeout: -time.Second}, {LoadTimeout: -1}, {MaxRenderBytes: -5}, {Mailbox: -1}} {
		_, err := testHost(t).Load(ctxT(t), tinyModule([]string{"_start"}, returnOne, "x", true), PluginConfig{ID: 1, Limits: l})
		if err == nil || !strings.Contains(err.Error(), "is negative") {
			t.Errorf("limits %+v: load error %v, want a refusal", l, err)
		}
	}
	// Negative CommandsPerSecond means "no limit".
	p, err := testHost(t).Load(ctxT(t), tinyModule([]string{"_start"}, returnOne, "x", true), PluginConfig{ID: 1, Limits: Limits{CommandsPerSecond: -1}})
	if err != nil {
		t.Fatal(err)
	}
	p.Close(ctxT(t))
}

// TestOwnerDispatcherNoDeadlock plays the daemon's arrangement: an owner
// goroutine holds the session state and serves requests from its inbox;
// the plugin's dispatcher asks the owner for every command and waits for
// the answer; the owner meanwhile pushes events to the plugin with Post,
// never waiting on it. Other goroutines drive the plugin with blocking
// calls. Nothing may deadlock.
func TestOwnerDispatcherNoDeadlock(t *testing.T) {
	type request struct {
		cmd   pluginpb.CommandName
		reply chan proto.Message
	}
	inbox := make(chan request)
	var p *Plugin
	cfg := PluginConfig{ID: 1, Builtin: true, Config: map[string]string{"subscribe": "3"},
		Dispatcher: DispatcherFunc(func(ctx context.Context, c *CommandContext, cmd *pluginpb.PluginCommand) (proto.Message, error) {
			req := request{cmd: cmd.GetName(), reply: make(chan proto.Message, 1)}
			select {
			case inbox <- req:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			select {
			case m := <-req.reply:
				return m, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		})}
	p = loadProbe(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	ownerDone := make(chan int)
	go func() { // the owner
		served := 0
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case req := <-inbox:
				served++
				req.reply <- &pluginpb.OpenTerminalResponse{}
				p.Post(keyEvent('k')) // state changed: tell the plugin, without waiting
			case <-tick.C:
				p.Post(keyEvent('t'))
			case <-ctx.Done():
				ownerDone <- served
				return
			}
		}
	}()
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				if _, err := p.Pipe(ctx, &pluginpb.PipeMessage{Name: "strict", Payload: proto.String("")}); err != nil {
					errs <- err
					return
				}
				if err := p.Sync(ctx); err != nil && !errors.Is(err, ErrMailboxFull) {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	cancel()
	served := <-ownerDone
	close(errs)
	for err := range errs {
		t.Fatalf("deadlock or failure: %v", err)
	}
	if served < 2*n {
		t.Fatalf("owner served %d requests, want %d", served, 2*n)
	}
	if err := p.Crashed(); err != nil {
		t.Fatal(err)
	}
}
