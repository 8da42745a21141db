package pluginpb

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/frame"
)

// benchModeUpdate is a ModeUpdate as a host sends it: mode, session name
// and a complete Styling (13 lists of 6 colours, 10 player colours).
func benchModeUpdate() *Event {
	rgb := func(r, g, b uint32) *Color {
		return &Color{ColorType: ColorType_Rgb, Payload: &Color_RgbColorPayload{RgbColorPayload: &RgbColorPayload{Red: r, Green: g, Blue: b}}}
	}
	six := func(seed uint32) []*Color {
		out := make([]*Color, 6)
		for i := range out {
			out[i] = rgb(seed*7%256, uint32(i)*40, 200)
		}
		return out
	}
	players := make([]*Color, 10)
	for i := range players {
		players[i] = &Color{ColorType: ColorType_EightBit, Payload: &Color_EightBitColorPayload{EightBitColorPayload: uint32(16 + i)}}
	}
	return &Event{Name: EventType_ModeUpdate, Payload: &Event_ModeUpdatePayload{ModeUpdatePayload: &ModeUpdatePayload{
		CurrentMode: InputMode_Normal,
		SessionName: proto.String("tessera"),
		BaseMode:    InputMode_Normal.Enum(),
		Style: &Style{Styling: &Styling{
			TextUnselected: six(1), TextSelected: six(2), RibbonUnselected: six(3), RibbonSelected: six(4),
			TableTitle: six(5), TableCellUnselected: six(6), TableCellSelected: six(7), ListUnselected: six(8),
			ListSelected: six(9), FrameSelected: six(11), FrameHighlight: six(12), ExitCodeSuccess: six(13),
			ExitCodeError: six(14), MultiplayerUserColors: players,
		}},
	}}}
}

// BenchmarkModeUpdateLine is the host's cost of producing one ModeUpdate
// stdin line: marshal plus framing, into reused buffers.
func BenchmarkModeUpdateLine(b *testing.B) {
	ev := benchModeUpdate()
	var pb, line []byte
	opts := proto.MarshalOptions{}
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if pb, err = opts.MarshalAppend(pb[:0], ev); err != nil {
			b.Fatal(err)
		}
		line = frame.AppendLine(line[:0], pb)
	}
	b.SetBytes(int64(len(line)))
}

// BenchmarkDecodeCommandLine is the host's cost of decoding one command line
// a guest printed (an OpenFile with a path and a line number).
func BenchmarkDecodeCommandLine(b *testing.B) {
	cmd := &PluginCommand{Name: CommandName_OpenFile, Payload: &PluginCommand_OpenFilePayload{OpenFilePayload: &OpenFilePayload{
		FileToOpen: &File{Path: "/host/src/main.go", LineNumber: proto.Int32(42)},
	}}}
	pb, err := proto.Marshal(cmd)
	if err != nil {
		b.Fatal(err)
	}
	line := append(frame.AppendJSONBytes(nil, pb), '\n')
	buf := make([]byte, 0, len(pb))
	var out PluginCommand
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = frame.AppendParseJSONBytes(buf[:0], line); err != nil {
			b.Fatal(err)
		}
		out.Reset()
		if err := proto.Unmarshal(buf, &out); err != nil {
			b.Fatal(err)
		}
	}
}
