package runner

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// BenchmarkModeUpdate builds and marshals the ModeUpdate event with the
// default keybindings, the largest event the runner sends.
func BenchmarkModeUpdate(b *testing.B) {
	s := NewSession(0, "file:/x.wasm", 24, 80, time.Unix(0, 0), nil)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		buf, err := proto.Marshal(s.ModeUpdate(true))
		if err != nil {
			b.Fatal(err)
		}
		n = len(buf)
	}
	b.ReportMetric(float64(n), "bytes/event")
}

// BenchmarkDispatcherSwitchTab handles SwitchTabTo and collects the three
// events it queues.
func BenchmarkDispatcherSwitchTab(b *testing.B) {
	s := NewSession(0, "file:/x.wasm", 24, 80, time.Unix(0, 0), nil)
	d := NewDispatcher(DispatcherConfig{Session: s})
	d.Handle("", &pluginpb.PluginCommand{Name: pluginpb.CommandName_NewTab})
	cmds := []*pluginpb.PluginCommand{
		{Name: pluginpb.CommandName_SwitchTabTo, Payload: &pluginpb.PluginCommand_SwitchTabToPayload{SwitchTabToPayload: &pluginpb.SwitchTabToPayload{TabIndex: 1}}},
		{Name: pluginpb.CommandName_SwitchTabTo, Payload: &pluginpb.PluginCommand_SwitchTabToPayload{SwitchTabToPayload: &pluginpb.SwitchTabToPayload{TabIndex: 2}}},
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Handle("", cmds[i%2])
		d.TakePending()
		i++
		if i%1000 == 0 {
			d.records = d.records[:0]
		}
	}
}

// BenchmarkParseScript parses a 1000-line script.
func BenchmarkParseScript(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 250; i++ {
		sb.WriteString("key Ctrl+Shift+a\nmouse left 3 10\npipe greet hello world\nwait 1ms\n")
	}
	src := sb.String()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseScript(strings.NewReader(src)); err != nil {
			b.Fatal(err)
		}
	}
}
