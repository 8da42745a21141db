package sdk_test

import (
	"testing"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// BenchmarkStatusUpdateRender measures one TabUpdate event through the real
// status guest (frame, decode, Update) followed by a 2x80 render, on
// wazero's interpreter and compiler.
func BenchmarkStatusUpdateRender(b *testing.B) {
	b.Run("interpreter", func(b *testing.B) { benchStatus(b, false) })
	b.Run("compiler", func(b *testing.B) { benchStatus(b, true) })
}

func benchStatus(b *testing.B, compiler bool) {
	h := newHarnessTB(b, statusDir, compiler)
	if err := h.start(nil); err != nil {
		b.Fatal(err)
	}
	var tabs []*pluginpb.TabInfo
	for i, name := range []string{"editor", "logs", "build", "notes"} {
		tabs = append(tabs, &pluginpb.TabInfo{Position: uint32(i), Name: name, Active: i == 2})
	}
	ev := &pluginpb.Event{Name: pluginpb.EventType_TabUpdate, Payload: &pluginpb.Event_TabUpdatePayload{
		TabUpdatePayload: &pluginpb.TabUpdatePayload{TabInfo: tabs}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.update(ev); err != nil {
			b.Fatal(err)
		}
		if frame := h.render(2, 80); len(frame) == 0 {
			b.Fatal("empty frame")
		}
	}
}
