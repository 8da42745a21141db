package sdk

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/sdk/pb"
	"google.golang.org/protobuf/proto"
)

// fakeHost records command frames and serves stdin lines from a queue.
type fakeHost struct {
	frames [][]byte
	stdin  *lineReader
	in     *pipe
	out    bytes.Buffer
	// onSend, when set, runs inside send (the host handling the command).
	onSend func(cmd *pluginpb.PluginCommand)
}

func (f *fakeHost) send(frame []byte) error {
	f.frames = append(f.frames, append([]byte(nil), frame...))
	if f.onSend != nil {
		b, err := ParseFrame(frame)
		if err != nil {
			return err
		}
		cmd := new(pluginpb.PluginCommand)
		if err := proto.Unmarshal(b, cmd); err != nil {
			return err
		}
		f.onSend(cmd)
	}
	return nil
}
func (f *fakeHost) readLine() ([]byte, error) { return f.stdin.ReadLine() }
func (f *fakeHost) writeOut(b []byte) error   { f.out.Write(b); return nil }

func (f *fakeHost) reply(m proto.Message) {
	b, _ := proto.Marshal(m)
	f.in.Write(AppendFrame(nil, b))
}

func useFakeHost(t *testing.T) *fakeHost {
	t.Helper()
	f := &fakeHost{in: &pipe{}}
	f.stdin = newLineReader(f.in)
	old := host
	host = f
	t.Cleanup(func() { host = old })
	return f
}

// TestTypedCommandsMatchPluginpb checks the bytes every typed command
// writes against pluginpb's encoding of the same command.
func TestTypedCommandsMatchPluginpb(t *testing.T) {
	ws := "w"
	f := false
	tr := true
	tests := []struct {
		name string
		call func()
		want *pluginpb.PluginCommand
	}{
		{"Subscribe", func() { Subscribe(pb.EventType_ModeUpdate, pb.EventType_TabUpdate, pb.EventType_ModeUpdate) },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_Subscribe, Payload: &pluginpb.PluginCommand_SubscribePayload{
				SubscribePayload: &pluginpb.SubscribePayload{Subscriptions: &pluginpb.EventNameList{EventTypes: []pluginpb.EventType{0, 1}}}}}},
		{"Unsubscribe", func() { Unsubscribe(pb.EventType_Key) },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_Unsubscribe, Payload: &pluginpb.PluginCommand_UnsubscribePayload{
				UnsubscribePayload: &pluginpb.UnsubscribePayload{Subscriptions: &pluginpb.EventNameList{EventTypes: []pluginpb.EventType{3}}}}}},
		{"SetSelectable", func() { SetSelectable(false) },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_SetSelectable, Payload: &pluginpb.PluginCommand_SetSelectablePayload{SetSelectablePayload: f}}},
		{"RequestPermission", func() { RequestPermission(pb.PermissionType_ReadCliPipes, pb.PermissionType_RunCommands) },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_RequestPluginPermissions, Payload: &pluginpb.PluginCommand_RequestPluginPermissionPayload{
				RequestPluginPermissionPayload: &pluginpb.RequestPluginPermissionPayload{Permissions: []pluginpb.PermissionType{7, 3}}}}},
		{"SetTimeout", func() { SetTimeout(1500 * time.Millisecond) },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_SetTimeout, Payload: &pluginpb.PluginCommand_SetTimeoutPayload{
				SetTimeoutPayload: &pluginpb.SetTimeoutPayload{Seconds: 1.5}}}},
		{"PostMessageTo", func() { PostMessageTo("w", "n", "p") },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_PostMessageTo, Payload: &pluginpb.PluginCommand_PostMessageToPayload{
				PostMessageToPayload: &pluginpb.PluginMessagePayload{Message: &pluginpb.Message{Name: "n", Payload: "p", WorkerName: &ws}}}}},
		{"PostMessageToPlugin", func() { PostMessageToPlugin("n", "p") },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_PostMessageToPlugin, Payload: &pluginpb.PluginCommand_PostMessageToPluginPayload{
				PostMessageToPluginPayload: &pluginpb.PluginMessagePayload{Message: &pluginpb.Message{Name: "n", Payload: "p"}}}}},
		{"MessageToPlugin", func() {
			MessageToPlugin(&pb.MessageToPluginPayload{PluginUrl: proto.String("zellij:OWN_URL"), MessageName: "go"})
		}, &pluginpb.PluginCommand{Name: pluginpb.CommandName_MessageToPlugin, Payload: &pluginpb.PluginCommand_MessageToPluginPayload{
			MessageToPluginPayload: &pluginpb.MessageToPluginPayload{PluginUrl: proto.String("zellij:OWN_URL"), MessageName: "go"}}}},
		{"ReportCrash", func() { ReportCrash("bad") },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_ReportCrash, Payload: &pluginpb.PluginCommand_ReportCrashPayload{ReportCrashPayload: "bad"}}},
		{"BlockCliPipeInput", func() { BlockCliPipeInput("id") },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_BlockCliPipeInput, Payload: &pluginpb.PluginCommand_BlockCliPipeInputPayload{BlockCliPipeInputPayload: "id"}}},
		{"UnblockCliPipeInput", func() { UnblockCliPipeInput("input_pipe_id") },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_UnblockCliPipeInput, Payload: &pluginpb.PluginCommand_UnblockCliPipeInputPayload{UnblockCliPipeInputPayload: "input_pipe_id"}}},
		{"CliPipeOutput", func() { CliPipeOutput("id", "out\n") },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_CliPipeOutput, Payload: &pluginpb.PluginCommand_CliPipeOutputPayload{
				CliPipeOutputPayload: &pluginpb.CliPipeOutputPayload{PipeName: "id", Output: "out\n"}}}},
		{"SwitchTabTo", func() { SwitchTabTo(2) },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_SwitchTabTo, Payload: &pluginpb.PluginCommand_SwitchTabToPayload{
				SwitchTabToPayload: &pluginpb.SwitchTabToPayload{TabIndex: 2}}}},
		{"RenamePluginPane", func() { RenamePluginPane(4, "x") },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_RenamePluginPane, Payload: &pluginpb.PluginCommand_RenamePluginPanePayload{
				RenamePluginPanePayload: &pluginpb.IdAndNewName{Id: 4, NewName: "x"}}}},
		{"HideSelf", HideSelf, &pluginpb.PluginCommand{Name: pluginpb.CommandName_HideSelf}},
		{"ShowSelf", func() { ShowSelf(true) },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_ShowSelf, Payload: &pluginpb.PluginCommand_ShowSelfPayload{ShowSelfPayload: tr}}},
		{"CloseSelf", CloseSelf, &pluginpb.PluginCommand{Name: pluginpb.CommandName_CloseSelf}},
		{"ScanHostFolder", func() { ScanHostFolder("/host") },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_ScanHostFolder, Payload: &pluginpb.PluginCommand_ScanHostFolderPayload{ScanHostFolderPayload: "/host"}}},
		{"ChangeHostFolder", func() { ChangeHostFolder("/tmp") },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_ChangeHostFolder, Payload: &pluginpb.PluginCommand_ChangeHostFolderPayload{
				ChangeHostFolderPayload: &pluginpb.ChangeHostFolderPayload{NewHostFolder: "/tmp"}}}},
		{"WatchFilesystem", WatchFilesystem, &pluginpb.PluginCommand{Name: pluginpb.CommandName_WatchFilesystem}},
		{"RunCommand", func() {
			RunCommand([]string{"ls", "-l"}, map[string]string{"B": "2", "A": "1"}, "/host", map[string]string{"k": "v"})
		},
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_RunCommand, Payload: &pluginpb.PluginCommand_RunCommandPayload{
				RunCommandPayload: &pluginpb.RunCommandPayload{CommandLine: []string{"ls", "-l"},
					EnvVariables: []*pluginpb.EnvVariable{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}}, Cwd: "/host",
					Context: []*pluginpb.ContextItem{{Name: "k", Value: "v"}}}}}},
		{"WebRequest", func() { WebRequest("https://x", pb.HttpVerb_Post, map[string]string{"h": "v"}, []byte("b"), nil) },
			&pluginpb.PluginCommand{Name: pluginpb.CommandName_WebRequest, Payload: &pluginpb.PluginCommand_WebRequestPayload{
				WebRequestPayload: &pluginpb.WebRequestPayload{Url: "https://x", Verb: pluginpb.HttpVerb_Post,
					Headers: []*pluginpb.Header{{Name: "h", Value: "v"}}, Body: []byte("b")}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fh := useFakeHost(t)
			tc.call()
			if len(fh.frames) != 1 {
				t.Fatalf("%d frames sent", len(fh.frames))
			}
			want, err := proto.Marshal(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(fh.frames[0]); got != string(AppendFrame(nil, want)) {
				t.Errorf("frame %s, want %s", got, AppendFrame(nil, want))
			}
			if fh.stdin.Buffered() != 0 {
				t.Errorf("read a reply it should not have")
			}
		})
	}
}

func TestReplyCommands(t *testing.T) {
	fh := useFakeHost(t)
	fh.onSend = func(cmd *pluginpb.PluginCommand) {
		switch cmd.GetName() {
		case pluginpb.CommandName_GetPluginIds:
			fh.reply(&pluginpb.PluginIds{PluginId: 7, ZellijPid: 4242, InitialCwd: "/tmp", ClientId: 1})
		case pluginpb.CommandName_GetZellijVersion:
			fh.reply(&pluginpb.ZellijVersion{Version: "0.45.0"})
		case pluginpb.CommandName_GetSessionList:
			fh.reply(&pluginpb.GetSessionListResponse{Result: &pluginpb.GetSessionListResponse_Snapshot{Snapshot: &pluginpb.SessionListSnapshot{
				LiveSessions: []*pluginpb.SessionManifest{{Name: "tessera", IsCurrentSession: true}}}}})
		case pluginpb.CommandName_NewTab:
			fh.in.WriteString("[]\r\n") // no tab
		case pluginpb.CommandName_OpenTerminal, pluginpb.CommandName_OpenCommandPane:
			fh.reply(&pluginpb.OpenTerminalResponse{PaneId: &pluginpb.PaneId{Id: 5}})
		}
	}
	ids := GetPluginIds()
	if ids.PluginId != 7 || ids.ZellijPid != 4242 || ids.InitialCwd != "/tmp" || ids.ClientId != 1 {
		t.Errorf("ids = %+v", ids)
	}
	if fh.frames[0] == nil || string(fh.frames[0]) != "[8,3]\n" {
		t.Errorf("GetPluginIds frame = %q", fh.frames[0])
	}
	if v := GetZellijVersion(); v != "0.45.0" {
		t.Errorf("version = %q", v)
	}
	s, err := GetSessionList()
	if err != nil || len(s.LiveSessions) != 1 || s.LiveSessions[0].Name != "tessera" {
		t.Errorf("sessions = %v, %v", s, err)
	}
	if string(fh.frames[2]) != "[8,211,1,138,10,0]\n" {
		t.Errorf("GetSessionList frame = %q", fh.frames[2])
	}
	if id, ok := NewTab("", ""); ok || id != 0 {
		t.Errorf("NewTab = %d, %v", id, ok)
	}
	if p := OpenTerminal("/host"); p == nil || p.Id != 5 {
		t.Errorf("OpenTerminal = %v", p)
	}
	if p := OpenCommandPane(CommandToRun{Path: "make", Args: []string{"test"}}, nil); p == nil || p.Id != 5 {
		t.Errorf("OpenCommandPane = %v", p)
	}
	if fh.stdin.Buffered() != 0 {
		t.Errorf("%d reply bytes left unread", fh.stdin.Buffered())
	}
}

func TestGetSessionListError(t *testing.T) {
	fh := useFakeHost(t)
	fh.onSend = func(*pluginpb.PluginCommand) {
		fh.reply(&pluginpb.GetSessionListResponse{Result: &pluginpb.GetSessionListResponse_Error{Error: "no server"}})
	}
	if _, err := GetSessionList(); err == nil || !strings.Contains(err.Error(), "no server") {
		t.Errorf("err = %v", err)
	}
}

func TestRunReplyKinds(t *testing.T) {
	fh := useFakeHost(t)
	// Strict without a line: ErrNoReply.
	_, err := Run(&pb.PluginCommand{Name: pb.CommandName_GetPluginIds})
	if !errors.Is(err, ErrNoReply) {
		t.Errorf("strict, no line: err = %v", err)
	}
	// Strict with an empty line: ErrNoReply too.
	fh.in.WriteString("\r\n")
	if _, err := Run(&pb.PluginCommand{Name: pb.CommandName_GetPluginIds}); !errors.Is(err, ErrNoReply) {
		t.Errorf("strict, empty line: err = %v", err)
	}
	// Strict with "[]": an empty, non-nil reply.
	fh.in.WriteString("[]\r\n")
	if r, err := Run(&pb.PluginCommand{Name: pb.CommandName_GetPluginIds}); err != nil || r == nil || len(r) != 0 {
		t.Errorf("strict, []: %v, %v", r, err)
	}
	// Lenient without a line: no reply, no error.
	path := "/x"
	open := &pb.PluginCommand{Name: pb.CommandName_OpenFile, OpenFilePayload: &pb.OpenFilePayload{FileToOpen: &pb.File{Path: path}}}
	if r, err := Run(open); err != nil || r != nil {
		t.Errorf("lenient, no line: %v, %v", r, err)
	}
	// Malformed reply.
	fh.in.WriteString("[1,\r\n")
	if _, err := Run(open); err == nil || !strings.Contains(err.Error(), "run OpenFile: reply: parse byte array") {
		t.Errorf("malformed: err = %v", err)
	}
	// No-reply commands never read: the queued line stays for the next call.
	fh.in.WriteString("[8,3]\r\n")
	if r, err := Run(&pb.PluginCommand{Name: pb.CommandName_HideSelf}); err != nil || r != nil {
		t.Errorf("none: %v, %v", r, err)
	}
	if fh.stdin.Buffered() == 0 {
		if l, _ := fh.stdin.ReadLine(); string(l) != "[8,3]" {
			t.Errorf("queued line consumed: %q", l)
		}
	}
}

func TestTypedCommandPanicsOnMissingReply(t *testing.T) {
	useFakeHost(t)
	defer func() {
		r := recover()
		pe, ok := r.(*ProtocolError)
		if !ok || pe.Command != pb.CommandName_GetZellijVersion || !errors.Is(pe, ErrNoReply) {
			t.Errorf("recovered %v", r)
		}
	}()
	GetZellijVersion()
}

func TestOutsideHost(t *testing.T) {
	if _, err := Run(&pb.PluginCommand{Name: pb.CommandName_HideSelf}); !errors.Is(err, ErrNoHost) {
		t.Errorf("err = %v, want ErrNoHost", err)
	}
}
