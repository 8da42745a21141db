package wasi

import (
	"context"
	"strings"
	"testing"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

func mustEncode(t *testing.T, ev *pluginpb.Event) *EncodedEvent {
	t.Helper()
	e, err := EncodeEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func frames(r *rec) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.frames...)
}

func TestEncodeEventRejects(t *testing.T) {
	if _, err := EncodeEvent(nil); err == nil {
		t.Fatal("nil event encoded")
	}
	bad := &pluginpb.Event{Name: pluginpb.EventType_CustomMessage, Payload: &pluginpb.Event_CustomMessagePayload{
		CustomMessagePayload: &pluginpb.CustomMessagePayload{MessageName: "\xff"}}}
	if _, err := EncodeEvent(bad); err == nil || !strings.Contains(err.Error(), "CustomMessage") {
		t.Fatalf("invalid UTF-8 encoded: %v", err)
	}
	if _, err := EncodeEvent(&pluginpb.Event{Name: 64}); err == nil {
		t.Fatal("event type 64 encoded")
	}
}

// One encoding for several plugins, each filtering it by its own
// subscriptions and permissions; the events of one call render once.
func TestUpdateEncodedSharedAndRendersOnce(t *testing.T) {
	tabs := mustEncode(t, &pluginpb.Event{Name: pluginpb.EventType_TabUpdate})
	keyA, keyB := mustEncode(t, keyEvent('a')), mustEncode(t, keyEvent('b'))

	// Subscribed to Key and TabUpdate, holding ReadApplicationState.
	ra := newRec()
	a := loadProbe(t, ra.wire(PluginConfig{ID: 1, Config: map[string]string{"subscribe": "1,3"},
		Granted: []pluginpb.PermissionType{pluginpb.PermissionType_ReadApplicationState}}))
	// Subscribed to the same, without the permission TabUpdate needs.
	rb := newRec()
	b := loadProbe(t, rb.wire(PluginConfig{ID: 2, Config: map[string]string{"subscribe": "1,3"}}))
	for _, p := range []*Plugin{a, b} {
		p.Resize(10, 40)
		if err := p.Sync(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []*Plugin{a, b} {
		rendered, err := p.UpdateEncoded(ctxT(t), keyA, tabs, keyB)
		if err != nil || !rendered {
			t.Fatalf("plugin %d: rendered=%v err=%v", p.ID(), rendered, err)
		}
		if err := p.Sync(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
	fa, fb := frames(ra), frames(rb)
	if len(fa) != 2 || len(fb) != 2 {
		t.Fatalf("want 2 frames each (resize, one for the three events), got %d and %d:\n%q\n%q", len(fa), len(fb), fa, fb)
	}
	mustContain(t, fa[1], "updates=3", "key a", "event 1", "key b")
	mustContain(t, fb[1], "updates=2", "key a", "key b")
	if strings.Contains(fb[1], "event 1") {
		t.Fatalf("TabUpdate reached a plugin without ReadApplicationState:\n%s", fb[1])
	}

	// Nothing the plugin accepts: no update, no render.
	rendered, err := b.UpdateEncoded(ctxT(t), tabs)
	if err != nil || rendered {
		t.Fatalf("filtered event: rendered=%v err=%v", rendered, err)
	}
	if _, err := b.UpdateEncoded(ctxT(t), nil); err == nil {
		t.Fatal("nil encoded event accepted")
	}
	// The encoding is not consumed: the same one again.
	if rendered, err := a.UpdateEncoded(ctxT(t), keyA); err != nil || !rendered {
		t.Fatalf("again: rendered=%v err=%v", rendered, err)
	}
	mustContain(t, render(t, a), "updates=4")
}

// Events posted while the plugin is busy render once after the last of
// them, and a call with a reply comes after that frame.
func TestPostedBurstRendersOnce(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1, Builtin: true, Config: map[string]string{"subscribe": "3"}}))
	p.Resize(10, 40)
	if err := p.Sync(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	hold, held := make(chan struct{}), make(chan struct{})
	go p.call(context.Background(), &job{kind: jobFunc, fn: func() { close(held); <-hold }})
	<-held
	for _, c := range "abcde" {
		if !p.Post(keyEvent(c)) {
			t.Fatal("post refused")
		}
	}
	close(hold)
	if err := p.Sync(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	f := frames(r)
	if len(f) != 2 {
		t.Fatalf("want 2 frames (resize, one after the burst), got %d: %q", len(f), f)
	}
	mustContain(t, f[1], "updates=5", "key a", "key e")

}

// Offer keeps the latest snapshot of each type while the plugin is busy
// and delivers those waiting together, in the order first offered, with one
// render; Sync waits for them.
func TestOfferLatestWins(t *testing.T) {
	r := newRec()
	p := loadProbe(t, r.wire(PluginConfig{ID: 1, Config: map[string]string{"subscribe": "1,3"}}))
	p.Resize(10, 40)
	if err := p.Sync(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	hold, held := make(chan struct{}), make(chan struct{})
	go p.call(context.Background(), &job{kind: jobFunc, fn: func() { close(held); <-hold }})
	<-held
	tabs := mustEncode(t, &pluginpb.Event{Name: pluginpb.EventType_TabUpdate})
	p.Offer(mustEncode(t, keyEvent('a')), nil)
	p.Offer(tabs) // not permitted: filtered at delivery
	p.Offer(mustEncode(t, keyEvent('b')))
	close(hold)
	if err := p.Sync(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	f := frames(r)
	if len(f) != 2 {
		t.Fatalf("want 2 frames (resize, one for the offers), got %d: %q", len(f), f)
	}
	mustContain(t, f[1], "updates=1", "key b")
	if strings.Contains(f[1], "key a") || strings.Contains(f[1], "event 1") {
		t.Fatalf("a replaced or filtered snapshot was delivered:\n%s", f[1])
	}
	// Once granted, the same encoding is delivered.
	p.Grant(pluginpb.PermissionType_ReadApplicationState)
	p.Offer(tabs)
	if err := p.Sync(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	f = frames(r)
	mustContain(t, f[len(f)-1], "updates=2", "event 1")
	if err := p.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	p.Offer(tabs) // closed: ignored, no panic
}
