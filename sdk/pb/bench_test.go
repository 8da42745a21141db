package pb

import (
	"testing"

	"github.com/tessera-ws/tessera/proto/pluginpb"
	"google.golang.org/protobuf/proto"
)

// modeUpdate is a ModeUpdate event with a complete style, the largest event
// a bar plugin receives often.
func modeUpdate() []byte {
	decl := func(n uint32) []*pluginpb.Color {
		var cs []*pluginpb.Color
		for i := uint32(0); i < 6; i++ {
			cs = append(cs, &pluginpb.Color{ColorType: pluginpb.ColorType_Rgb, Payload: &pluginpb.Color_RgbColorPayload{
				RgbColorPayload: &pluginpb.RgbColorPayload{Red: n * 10, Green: i * 20, Blue: 200}}})
		}
		return cs
	}
	st := &pluginpb.Styling{
		TextUnselected: decl(1), TextSelected: decl(2), RibbonUnselected: decl(3), RibbonSelected: decl(4),
		TableTitle: decl(5), TableCellUnselected: decl(6), TableCellSelected: decl(7), ListUnselected: decl(8),
		ListSelected: decl(9), FrameSelected: decl(11), FrameHighlight: decl(12), ExitCodeSuccess: decl(13),
		ExitCodeError: decl(14), MultiplayerUserColors: append(decl(15), decl(16)[:4]...),
	}
	name := "tessera"
	ev := &pluginpb.Event{Name: pluginpb.EventType_ModeUpdate, Payload: &pluginpb.Event_ModeUpdatePayload{
		ModeUpdatePayload: &pluginpb.ModeUpdatePayload{CurrentMode: pluginpb.InputMode_Normal, SessionName: &name,
			Style: &pluginpb.Style{Styling: st}}}}
	b, err := proto.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return b
}

func BenchmarkDecodeModeUpdate(b *testing.B) {
	wire := modeUpdate()
	b.Run("pb", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(wire)))
		for b.Loop() {
			var ev Event
			if err := ev.Unmarshal(wire); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pluginpb", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(wire)))
		for b.Loop() {
			var ev pluginpb.Event
			if err := proto.Unmarshal(wire, &ev); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncodeCommand(b *testing.B) {
	ws := "compute"
	lite := &PluginCommand{Name: CommandName_PostMessageTo, PostMessageToPayload: &PluginMessagePayload{
		Message: &Message{Name: "primes", Payload: "1 100000", WorkerName: &ws}}}
	full := &pluginpb.PluginCommand{Name: pluginpb.CommandName_PostMessageTo, Payload: &pluginpb.PluginCommand_PostMessageToPayload{
		PostMessageToPayload: &pluginpb.PluginMessagePayload{Message: &pluginpb.Message{Name: "primes", Payload: "1 100000", WorkerName: &ws}}}}
	b.Run("pb", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = lite.MarshalAppend(nil)
		}
	})
	b.Run("pluginpb", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := proto.Marshal(full); err != nil {
				b.Fatal(err)
			}
		}
	})
}
