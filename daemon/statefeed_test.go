package daemon

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

// A plugin subscribed to TabUpdate and PaneUpdate gets both snapshots of a
// change and renders once for them; an event it did not subscribe to is
// not delivered. The encoded events are shared with a second plugin.
func TestStateFeedOneRenderPerChange(t *testing.T) {
	wasm, err := os.ReadFile(guestbuild.Build(t, "../wasi/testdata/guests/probe"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h, err := wasi.NewHost(ctx, wasi.HostConfig{CacheDir: guestbuild.CacheDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(context.Background())

	type view struct {
		mu     sync.Mutex
		frames []string
	}
	load := func(id uint32) (*wasi.Plugin, *view) {
		v := &view{}
		p, err := h.Load(ctx, wasm, wasi.PluginConfig{
			ID: id, Config: map[string]string{"subscribe": "1,2"},
			Granted: []pluginpb.PermissionType{pluginpb.PermissionType_ReadApplicationState},
			Observer: func(a wasi.Activity) {
				if a.Kind == wasi.ActivityFrame {
					v.mu.Lock()
					v.frames = append(v.frames, string(a.Frame))
					v.mu.Unlock()
				}
			},
			Limits: wasi.Limits{CallTimeout: 30 * time.Second, LoadTimeout: time.Minute},
		})
		if err != nil {
			t.Fatal(err)
		}
		p.Resize(10, 40)
		if err := p.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		return p, v
	}
	var feeds []*stateFeed
	var views []*view
	var plugins []*wasi.Plugin
	for id := uint32(1); id <= 2; id++ {
		p, v := load(id)
		plugins, views = append(plugins, p), append(views, v)
		feeds = append(feeds, newStateFeed(p))
	}
	enc := func(t pluginpb.EventType) *wasi.EncodedEvent {
		e, err := wasi.EncodeEvent(&pluginpb.Event{Name: t})
		if err != nil {
			panic(err)
		}
		return e
	}
	tabs, panes, sessions := enc(pluginpb.EventType_TabUpdate), enc(pluginpb.EventType_PaneUpdate), enc(pluginpb.EventType_SessionUpdate)
	for _, f := range feeds {
		f.offer(tabs, panes, sessions, nil)
	}
	for i, v := range views {
		// The feed's call runs on its own goroutine: wait for its frame.
		deadline := time.Now().Add(time.Minute)
		for {
			if err := plugins[i].Sync(ctx); err != nil {
				t.Fatal(err)
			}
			v.mu.Lock()
			n := len(v.frames)
			last := v.frames[n-1]
			v.mu.Unlock()
			if n >= 2 && strings.Contains(last, "updates=2") {
				if n != 2 {
					t.Errorf("plugin %d: %d frames, want 2 (resize, one for the change)", i+1, n)
				}
				if !strings.Contains(last, "event 1\nevent 2") || strings.Contains(last, "event 16") {
					t.Errorf("plugin %d: last frame:\n%s", i+1, last)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("plugin %d: no frame for the change; last:\n%s", i+1, last)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	for i, f := range feeds {
		f.stop()
		f.offer(tabs)
		if err := plugins[i].Sync(ctx); err != nil {
			t.Fatal(err)
		}
		views[i].mu.Lock()
		n := len(views[i].frames)
		views[i].mu.Unlock()
		if n != 2 {
			t.Errorf("plugin %d: an offer after stop was delivered (%d frames)", i+1, n)
		}
		plugins[i].Close(context.Background())
	}
}
