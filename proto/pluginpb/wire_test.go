package pluginpb

import (
	"bytes"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/frame"
)

// cat joins byte slices and strings into one byte slice.
func cat(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch v := p.(type) {
		case []byte:
			b = append(b, v...)
		case string:
			b = append(b, v...)
		case int:
			b = append(b, byte(v))
		default:
			panic("cat: unsupported part")
		}
	}
	return b
}

// parseLine decodes one pipe line with the frame codec.
func parseLine(t *testing.T, line string) []byte {
	t.Helper()
	b, err := frame.ParseJSONBytes([]byte(line))
	if err != nil {
		t.Fatalf("parse %q: %v", line, err)
	}
	return b
}

// checkWire marshals msg and compares with want; then decodes want into a new
// message of the same type and compares with msg.
func checkWire(t *testing.T, name string, msg proto.Message, want []byte) {
	t.Helper()
	got, err := proto.Marshal(msg)
	if err != nil {
		t.Fatalf("%s: marshal: %v", name, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: marshal = %v\n want %v", name, got, want)
	}
	back := msg.ProtoReflect().New().Interface()
	if err := proto.Unmarshal(want, back); err != nil {
		t.Fatalf("%s: unmarshal %v: %v", name, want, err)
	}
	if !proto.Equal(back, msg) {
		t.Errorf("%s: unmarshal gave %v, want %v", name, back, msg)
	}
}

// Every example of the "Byte-level examples" table of the ABI specification
// (section 2), plus the empty-payload note of the same section.
func TestObservedBytes(t *testing.T) {
	t.Run("EmptyConfiguration", func(t *testing.T) {
		// host -> guest before load: `[]\r\n`
		line := frame.AppendLine(nil, mustMarshal(t, &PluginConfiguration{}))
		if string(line) != "[]\r\n" {
			t.Fatalf("line = %q", line)
		}
		checkWire(t, "empty configuration", &PluginConfiguration{}, parseLine(t, "[]\r\n"))
	})

	t.Run("ConfigurationEntry", func(t *testing.T) {
		// `[10,30,10,21,115,117,98,…,101,18,5,102,97,108,115,101]\r\n`; the
		// elided middle is the rest of the key.
		msg := &PluginConfiguration{NameAndValue: []*NameAndValue{{Name: "subscribe_mode_update", Value: "false"}}}
		want := cat(10, 30, 10, 21, "subscribe_mode_update", 18, 5, "false")
		checkWire(t, "configuration", msg, want)
		line := string(frame.AppendLine(nil, want))
		if !strings.HasPrefix(line, "[10,30,10,21,115,117,98,") || !strings.HasSuffix(line, ",101,18,5,102,97,108,115,101]\r\n") {
			t.Errorf("line %q does not match the observed prefix and suffix", line)
		}
	})

	t.Run("SetSelectableFalse", func(t *testing.T) {
		msg := &PluginCommand{Name: CommandName_SetSelectable, Payload: &PluginCommand_SetSelectablePayload{SetSelectablePayload: false}}
		checkWire(t, "SetSelectable(false)", msg, parseLine(t, "[8,2,32,0]\n"))
		if got := string(frame.AppendJSONBytes(nil, mustMarshal(t, msg))); got != "[8,2,32,0]" {
			t.Errorf("framed = %s", got)
		}
	})

	t.Run("Subscribe", func(t *testing.T) {
		msg := &PluginCommand{
			Name: CommandName_Subscribe,
			Payload: &PluginCommand_SubscribePayload{SubscribePayload: &SubscribePayload{
				Subscriptions: &EventNameList{EventTypes: []EventType{
					EventType_CopyToClipboard, EventType_ModeUpdate, EventType_Mouse, EventType_InitialKeybinds,
					EventType_TabUpdate, EventType_PaneUpdate, EventType_InputReceived, EventType_SystemClipboardFailure,
				}},
			}},
		}
		checkWire(t, "Subscribe", msg, parseLine(t, "[18,12,10,10,10,8,6,0,4,44,1,2,8,7]\n"))
	})

	t.Run("GetPluginIds", func(t *testing.T) {
		checkWire(t, "GetPluginIds", &PluginCommand{Name: CommandName_GetPluginIds}, parseLine(t, "[8,3]\n"))
	})

	t.Run("PluginIdsReply", func(t *testing.T) {
		msg := &PluginIds{PluginId: 7, ZellijPid: 4242, InitialCwd: "/tmp", ClientId: 1}
		const observed = "[8,7,16,146,33,26,4,47,116,109,112,32,1]\r\n"
		checkWire(t, "PluginIds", msg, parseLine(t, observed))
		if got := string(frame.AppendLine(nil, mustMarshal(t, msg))); got != observed {
			t.Errorf("line = %q, want %q", got, observed)
		}
	})

	t.Run("ScanHostFolder", func(t *testing.T) {
		msg := &PluginCommand{Name: CommandName_ScanHostFolder, Payload: &PluginCommand_ScanHostFolderPayload{ScanHostFolderPayload: "/host"}}
		checkWire(t, "ScanHostFolder", msg, parseLine(t, "[8,82,234,3,5,47,104,111,115,116]\n"))
	})

	t.Run("SetTimeout", func(t *testing.T) {
		msg := &PluginCommand{Name: CommandName_SetTimeout, Payload: &PluginCommand_SetTimeoutPayload{SetTimeoutPayload: &SetTimeoutPayload{Seconds: 1.0}}}
		checkWire(t, "SetTimeout(1.0)", msg, parseLine(t, "[8,12,98,9,9,0,0,0,0,0,0,240,63]\n"))
	})

	t.Run("KeyA", func(t *testing.T) {
		msg := &Event{Name: EventType_Key, Payload: &Event_KeyPayload{KeyPayload: &Key{Char: proto.Uint32('a')}}}
		checkWire(t, "Key a", msg, parseLine(t, "[8,3,42,2,24,97]\r\n"))
	})

	t.Run("KeyCtrlShiftA", func(t *testing.T) {
		msg := &Event{Name: EventType_Key, Payload: &Event_KeyPayload{KeyPayload: &Key{
			Modifier:            Key_CTRL.Enum(),
			Char:                proto.Uint32('a'),
			AdditionalModifiers: []Key_KeyModifier{Key_SHIFT},
		}}}
		checkWire(t, "Key Ctrl+Shift+a", msg, parseLine(t, "[8,3,42,6,8,0,24,97,32,2]\r\n"))
	})

	t.Run("PipeMessage", func(t *testing.T) {
		// `[8,0,18,13,105,…,100,34,12,…,42,15,…,50,6,10,1,107,18,1,118,56,0]\r\n`
		msg := &PipeMessage{
			Source:      PipeSource_Cli,
			CliSourceId: proto.String("input_pipe_id"),
			Name:        "message_name",
			Payload:     proto.String("message_payload"),
			Args:        []*Arg{{Key: "k", Value: "v"}},
			IsPrivate:   false,
		}
		body := cat(18, 13, "input_pipe_id", 34, 12, "message_name", 42, 15, "message_payload", 50, 6, 10, 1, "k", 18, 1, "v")
		observed := cat(8, 0, body, 56, 0)
		line := string(frame.AppendLine(nil, observed))
		if !strings.HasPrefix(line, "[8,0,18,13,105,") || !strings.Contains(line, ",100,34,12,") ||
			!strings.HasSuffix(line, ",50,6,10,1,107,18,1,118,56,0]\r\n") {
			t.Fatalf("reconstructed line %q does not match the observed one", line)
		}
		// The observed bytes spell out source=Cli (0) and is_private=false.
		// Plain proto3 fields at their zero value are left out by a proto3
		// encoder (Zellij's included); guests decode both forms the same.
		back := &PipeMessage{}
		if err := proto.Unmarshal(observed, back); err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(back, msg) {
			t.Errorf("observed bytes decode to %v, want %v", back, msg)
		}
		checkWire(t, "PipeMessage", msg, body)
	})

	t.Run("UnblockCliPipeInput", func(t *testing.T) {
		msg := &PluginCommand{Name: CommandName_UnblockCliPipeInput, Payload: &PluginCommand_UnblockCliPipeInputPayload{UnblockCliPipeInputPayload: "input_pipe_id"}}
		checkWire(t, "UnblockCliPipeInput", msg, parseLine(t, "[8,76,250,2,13,105,110,112,117,116,95,112,105,112,101,95,105,100]\n"))
	})

	t.Run("WorkerMessage", func(t *testing.T) {
		// `[10,4,112,105,110,103,18,21,103,…]\r\n`
		msg := &Message{Name: "ping", Payload: "gimme_back_my_payload"}
		want := cat(10, 4, "ping", 18, 21, "gimme_back_my_payload")
		checkWire(t, "Message", msg, want)
		if line := string(frame.AppendLine(nil, want)); !strings.HasPrefix(line, "[10,4,112,105,110,103,18,21,103,") {
			t.Errorf("line %q does not match the observed prefix", line)
		}
	})

	t.Run("PostMessageToPlugin", func(t *testing.T) {
		// `[8,15,122,52,10,50,10,4,112,111,110,103,18,42,…]\n`: the payload is
		// a 42-byte text ending in "received 1 messages"; its start is elided.
		payload := strings.Repeat(".", 42-len("received 1 messages")) + "received 1 messages"
		msg := &PluginCommand{Name: CommandName_PostMessageToPlugin, Payload: &PluginCommand_PostMessageToPluginPayload{
			PostMessageToPluginPayload: &PluginMessagePayload{Message: &Message{Name: "pong", Payload: payload}},
		}}
		want := cat(8, 15, 122, 52, 10, 50, 10, 4, "pong", 18, 42, payload)
		checkWire(t, "PostMessageToPlugin", msg, want)
		if line := string(frame.AppendJSONBytes(nil, want)); !strings.HasPrefix(line, "[8,15,122,52,10,50,10,4,112,111,110,103,18,42,") {
			t.Errorf("line %q does not match the observed prefix", line)
		}
	})

	t.Run("GetSessionListEmptyPayload", func(t *testing.T) {
		// Commands without data may still carry an empty payload message.
		msg := &PluginCommand{Name: CommandName_GetSessionList, Payload: &PluginCommand_GetSessionListPayload{GetSessionListPayload: &GetSessionListPayload{}}}
		checkWire(t, "GetSessionList", msg, parseLine(t, "[8,211,1,138,10,0]\n"))
	})
}

// The subscription lists the default plugins were observed to send (ABI
// specification section 10), with the events each list names.
func TestObservedSubscriptions(t *testing.T) {
	tests := []struct {
		plugin string
		packed []byte
		events []EventType
	}{
		{"status-bar", []byte{6, 0, 4, 44, 1, 2, 8, 7}, []EventType{
			EventType_CopyToClipboard, EventType_ModeUpdate, EventType_Mouse, EventType_InitialKeybinds,
			EventType_TabUpdate, EventType_PaneUpdate, EventType_InputReceived, EventType_SystemClipboardFailure,
		}},
		{"tab-bar", []byte{0, 4, 44, 1, 48, 49, 5, 8}, []EventType{
			EventType_ModeUpdate, EventType_Mouse, EventType_InitialKeybinds, EventType_TabUpdate,
			EventType_HintText, EventType_ActivePaneScroll, EventType_Timer, EventType_InputReceived,
		}},
		{"strider", []byte{13, 10, 4, 5, 27, 3, 15}, []EventType{
			EventType_FileSystemUpdate, EventType_CustomMessage, EventType_Mouse, EventType_Timer,
			EventType_HostFolderChanged, EventType_Key, EventType_PermissionRequestResult,
		}},
		{"session-manager", []byte{16, 3, 0, 17, 5, 9}, []EventType{
			EventType_SessionUpdate, EventType_Key, EventType_ModeUpdate, EventType_RunCommandResult,
			EventType_Timer, EventType_Visible,
		}},
	}
	for _, tt := range tests {
		msg := &PluginCommand{Name: CommandName_Subscribe, Payload: &PluginCommand_SubscribePayload{
			SubscribePayload: &SubscribePayload{Subscriptions: &EventNameList{EventTypes: tt.events}},
		}}
		n := len(tt.packed)
		want := cat(18, n+4, 10, n+2, 10, n, tt.packed)
		checkWire(t, tt.plugin, msg, want)

		// Guests may also send the list unpacked; it decodes the same.
		var unpacked []byte
		for _, e := range tt.packed {
			unpacked = append(unpacked, 8, e)
		}
		list := &EventNameList{}
		if err := proto.Unmarshal(unpacked, list); err != nil || !proto.Equal(list, &EventNameList{EventTypes: tt.events}) {
			t.Errorf("%s: unpacked list decodes to %v, %v", tt.plugin, list, err)
		}
	}
}

// Optional scalars and oneof members are written even when zero.
func TestPresenceOfZeroValues(t *testing.T) {
	tests := []struct {
		name string
		msg  proto.Message
		want []byte
	}{
		{"ShowSelf(false)", &PluginCommand{Name: CommandName_ShowSelf, Payload: &PluginCommand_ShowSelfPayload{ShowSelfPayload: false}}, []byte{8, 17, 128, 1, 0}},
		{"GoToTab(0)", &PluginCommand{Name: CommandName_GoToTab, Payload: &PluginCommand_GoToTabPayload{GoToTabPayload: 0}}, []byte{8, 56, 224, 1, 0}},
		{"Visible(false)", &Event{Name: EventType_Visible, Payload: &Event_VisiblePayload{VisiblePayload: false}}, []byte{8, 9, 72, 0}},
		{"Timer(0)", &Event{Name: EventType_Timer, Payload: &Event_TimerPayload{TimerPayload: 0}}, []byte{8, 5, 61, 0, 0, 0, 0}},
		{"CopyToClipboard(Command)", &Event{Name: EventType_CopyToClipboard, Payload: &Event_CopyToClipboardPayload{CopyToClipboardPayload: CopyDestination_Command}}, []byte{8, 6, 64, 0}},
		{"PipeMessage plugin 0", &PipeMessage{Source: PipeSource_Plugin, PluginSourceId: proto.Uint32(0), Name: "n"}, []byte{8, 1, 24, 0, 34, 1, 'n'}},
		{"OpenFileResponse pane 0", &OpenFileResponse{PaneId: &PaneId{}}, []byte{10, 0}},
		{"NewTabResponse tab 0", &NewTabResponse{Result: &NewTabResponse_TabId{TabId: 0}}, []byte{8, 0}},
		{"NewTabResponse none", &NewTabResponse{Result: &NewTabResponse_None{None: true}}, []byte{16, 1}},
		{"Color index 0", &Color{ColorType: ColorType_EightBit, Payload: &Color_EightBitColorPayload{EightBitColorPayload: 0}}, []byte{8, 1, 24, 0}},
		{"Key F1 without modifier", &Key{Key: Key_F1.Enum()}, []byte{16, 11}},
		{"Key PageDown", &Key{Key: Key_PageDown.Enum()}, []byte{16, 0}},
		{"Key NUL char", &Key{Char: proto.Uint32(0)}, []byte{24, 0}},
		{"Mouse click at 0,0", &MouseEventPayload{MouseEventName: MouseEventName_MouseLeftClick, MouseEventPayload: &MouseEventPayload_Position{Position: &Position{}}}, []byte{8, 2, 26, 0}},
		{"Mouse scroll 0 lines", &MouseEventPayload{MouseEventPayload: &MouseEventPayload_LineCount{LineCount: 0}}, []byte{16, 0}},
		{"File line 0", &File{Path: "p", LineNumber: proto.Int32(0)}, []byte{10, 1, 'p', 16, 0}},
		{"Subscribe name omitted", &PluginCommand{Name: CommandName_Subscribe}, []byte{}},
	}
	for _, tt := range tests {
		checkWire(t, tt.name, tt.msg, tt.want)
	}
}

func TestInterceptedKeyPressUsesKeyPayload(t *testing.T) {
	msg := &Event{Name: EventType_InterceptedKeyPress, Payload: &Event_KeyPayload{KeyPayload: &Key{Char: proto.Uint32('q')}}}
	checkWire(t, "InterceptedKeyPress", msg, []byte{8, 35, 42, 2, 24, 'q'})
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
