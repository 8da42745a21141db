package pluginpb

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// row is one line of a specification table in testdata.
type row struct {
	line  int
	cells []string
}

func readTable(t *testing.T, path string, columns int) []row {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []row
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		if len(cells) != columns {
			t.Fatalf("%s:%d: %d columns, want %d", path, n, len(cells), columns)
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, row{n, cells})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

var payloadCell = regexp.MustCompile(`^\**(\d+)\**:\s*([\w.]+)`)

// checkPayloadType reports whether field fd has the type the specification
// names ("bool", "uint32", "OpenFilePayload", "key.Key", "CopyDestination
// enum", "float ...").
func checkPayloadType(fd protoreflect.FieldDescriptor, typ string) bool {
	scalars := map[string]protoreflect.Kind{
		"bool": protoreflect.BoolKind, "string": protoreflect.StringKind,
		"bytes": protoreflect.BytesKind, "uint32": protoreflect.Uint32Kind,
		"float": protoreflect.FloatKind, "double": protoreflect.DoubleKind,
	}
	if k, ok := scalars[typ]; ok {
		return fd.Kind() == k
	}
	name := typ[strings.LastIndex(typ, ".")+1:]
	switch fd.Kind() {
	case protoreflect.MessageKind:
		return string(fd.Message().Name()) == name
	case protoreflect.EnumKind:
		return string(fd.Enum().Name()) == name
	}
	return false
}

func TestCommandTableMatchesSpecification(t *testing.T) {
	rows := readTable(t, "testdata/abi_commands.txt", 5)
	if len(rows) != len(CommandName_name) {
		t.Errorf("specification lists %d commands, the enum has %d", len(rows), len(CommandName_name))
	}
	cmdDesc := (&PluginCommand{}).ProtoReflect().Descriptor()
	replyName := regexp.MustCompile(`\w*(Response|PluginIds|ZellijVersion)`)
	for _, r := range rows {
		num, err := strconv.Atoi(r.cells[0])
		if err != nil {
			t.Fatalf("line %d: %v", r.line, err)
		}
		name, payload, response, perm := r.cells[1], r.cells[2], r.cells[3], r.cells[4]
		n := CommandName(num)
		if got := n.String(); got != name {
			t.Errorf("CommandName(%d) = %s, specification says %s", num, got, name)
			continue
		}

		// Payload field and its type.
		wantField := protoreflect.FieldNumber(0)
		if m := payloadCell.FindStringSubmatch(payload); m != nil {
			f, _ := strconv.Atoi(m[1])
			wantField = protoreflect.FieldNumber(f)
			fd := cmdDesc.Fields().ByNumber(wantField)
			switch {
			case fd == nil:
				t.Errorf("%s: PluginCommand has no field %d", name, f)
			case fd.ContainingOneof() == nil || fd.ContainingOneof().Name() != "payload":
				t.Errorf("%s: field %d is not in the payload oneof", name, f)
			case !checkPayloadType(fd, m[2]):
				t.Errorf("%s: field %d (%s) has type %v %v, specification says %s", name, f, fd.Name(), fd.Kind(), fd.Message(), m[2])
			}
		} else if !strings.HasPrefix(payload, "—") {
			t.Fatalf("line %d: unreadable payload %q", r.line, payload)
		}
		if got := CommandPayloadField(n); got != wantField {
			t.Errorf("CommandPayloadField(%s) = %d, want %d", name, got, wantField)
		}

		// Reply line.
		wantReply := ReplyNone
		var wantMsg string
		if m := replyName.FindString(response); m != "" {
			wantMsg = m
			wantReply = ReplyStrict
			if strings.Contains(response, "(lenient)") {
				wantReply = ReplyLenient
			}
		}
		if got := CommandReply(n); got != wantReply {
			t.Errorf("CommandReply(%s) = %v, want %v (response %q)", name, got, wantReply, response)
		}
		msg := NewCommandReply(n)
		switch {
		case wantMsg == "" && msg != nil:
			t.Errorf("NewCommandReply(%s) = %T, want nil", name, msg)
		case wantMsg != "" && (msg == nil || string(msg.ProtoReflect().Descriptor().Name()) != wantMsg):
			t.Errorf("NewCommandReply(%s) = %T, want %s", name, msg, wantMsg)
		}

		// Permission.
		p, ok := CommandPermission(n)
		if perm == "—" {
			if ok {
				t.Errorf("CommandPermission(%s) = %v, want always allowed", name, p)
			}
		} else if !ok || p.String() != perm {
			t.Errorf("CommandPermission(%s) = %v, %v; want %s", name, p, ok, perm)
		}
	}
}

func TestEventTableMatchesSpecification(t *testing.T) {
	rows := readTable(t, "testdata/abi_events.txt", 4)
	if len(rows) != len(EventType_name) {
		t.Errorf("specification lists %d events, the enum has %d", len(rows), len(EventType_name))
	}
	evDesc := (&Event{}).ProtoReflect().Descriptor()
	for _, r := range rows {
		num, err := strconv.Atoi(r.cells[0])
		if err != nil {
			t.Fatalf("line %d: %v", r.line, err)
		}
		name, payload, perm := r.cells[1], r.cells[2], r.cells[3]
		e := EventType(num)
		if got := e.String(); got != name {
			t.Errorf("EventType(%d) = %s, specification says %s", num, got, name)
			continue
		}
		wantField := protoreflect.FieldNumber(0)
		if m := payloadCell.FindStringSubmatch(payload); m != nil {
			f, _ := strconv.Atoi(m[1])
			wantField = protoreflect.FieldNumber(f)
			fd := evDesc.Fields().ByNumber(wantField)
			switch {
			case fd == nil:
				t.Errorf("%s: Event has no field %d", name, f)
			case fd.ContainingOneof() == nil || fd.ContainingOneof().Name() != "payload":
				t.Errorf("%s: field %d is not in the payload oneof", name, f)
			case !checkPayloadType(fd, m[2]):
				t.Errorf("%s: field %d (%s) does not have type %s", name, f, fd.Name(), m[2])
			}
		} else if !strings.HasPrefix(payload, "—") {
			t.Fatalf("line %d: unreadable payload %q", r.line, payload)
		}
		if got := EventPayloadField(e); got != wantField {
			t.Errorf("EventPayloadField(%s) = %d, want %d", name, got, wantField)
		}
		p, ok := EventPermission(e)
		if perm == "—" {
			if ok {
				t.Errorf("EventPermission(%s) = %v, want none", name, p)
			}
		} else if !ok || p.String() != perm {
			t.Errorf("EventPermission(%s) = %v, %v; want %s", name, p, ok, perm)
		}
	}
}

// Rows typed by hand from the specification, independent of the testdata
// copies above.
func TestCommandRows(t *testing.T) {
	tests := []struct {
		n       CommandName
		num     int32
		reply   ReplyKind
		replyTo proto.Message
		perm    string // "" = always allowed
		payload protoreflect.FieldNumber
	}{
		{CommandName_Subscribe, 0, ReplyNone, nil, "", 2},
		{CommandName_SetSelectable, 2, ReplyNone, nil, "", 4},
		{CommandName_GetPluginIds, 3, ReplyStrict, &PluginIds{}, "", 0},
		{CommandName_GetZellijVersion, 4, ReplyStrict, &ZellijVersion{}, "", 0},
		{CommandName_OpenFile, 5, ReplyLenient, &OpenFileResponse{}, "OpenFiles", 5},
		{CommandName_OpenTerminal, 7, ReplyStrict, &OpenTerminalResponse{}, "OpenTerminalsOrPlugins", 7},
		{CommandName_SwitchTabTo, 11, ReplyNone, nil, "ChangeApplicationState", 11},
		{CommandName_SetTimeout, 12, ReplyNone, nil, "", 12},
		{CommandName_NewTab, 20, ReplyStrict, &NewTabResponse{}, "ChangeApplicationState", 112},
		{CommandName_FocusPreviousPane, 26, ReplyNone, nil, "", 0},
		{CommandName_Write, 31, ReplyNone, nil, "WriteToStdin", 23},
		{CommandName_ReportCrash, 65, ReplyNone, nil, "", 37},
		{CommandName_RequestPluginPermissions, 66, ReplyNone, nil, "", 38},
		{CommandName_OpenCommandInPlace, 69, ReplyStrict, &OpenCommandPaneInPlaceResponse{}, "RunCommands", 42},
		{CommandName_UnblockCliPipeInput, 76, ReplyNone, nil, "ReadCliPipes", 47},
		{CommandName_MessageToPlugin, 79, ReplyNone, nil, "MessageAndLaunchOtherPlugins", 50},
		{CommandName_ScanHostFolder, 82, ReplyNone, nil, "", 61},
		{CommandName_DumpSessionLayout, 84, ReplyLenient, &DumpSessionLayoutResponse{}, "ReadApplicationState", 133},
		{CommandName_NewTabsWithLayoutInfo, 86, ReplyStrict, &NewTabsResponse{}, "ChangeApplicationState", 62},
		{CommandName_ChangeHostFolder, 114, ReplyNone, nil, "FullHdAccess", 89},
		{CommandName_OpenFileInPlaceOfPlugin, 126, ReplyStrict, &OpenFileInPlaceOfPluginResponse{}, "OpenFiles", 101},
		{CommandName_GenerateWebLoginToken, 138, ReplyStrict, &CreateTokenResponse{}, "StartWebServer", 108},
		{CommandName_InterceptKeyPresses, 143, ReplyNone, nil, "InterceptInput", 0},
		{CommandName_GetPaneScrollback, 163, ReplyLenient, &PaneScrollbackResponse{}, "ReadPaneContents", 113},
		{CommandName_RunAction, 164, ReplyNone, nil, "RunActionsAsUser", 114},
		{CommandName_ShowCursor, 169, ReplyNone, nil, "", 119},
		{CommandName_CopyToClipboard, 170, ReplyNone, nil, "WriteToClipboard", 120},
		{CommandName_GenerateRandomName, 178, ReplyStrict, &GenerateRandomNameResponse{}, "ReadApplicationState", 128},
		{CommandName_CurrentSessionLastSavedTime, 187, ReplyStrict, &CurrentSessionLastSavedTimeResponse{}, "ReadApplicationState", 138},
		{CommandName_GetSessionEnvironmentVariables, 197, ReplyStrict, &GetSessionEnvironmentVariablesResponse{}, "ReadSessionEnvironmentVariables", 148},
		{CommandName_OpenEditorPaneInNewTab, 200, ReplyStrict, &OpenPaneInNewTabResponse{}, "OpenFiles", 151},
		{CommandName_GetSessionList, 211, ReplyStrict, &GetSessionListResponse{}, "ReadApplicationState", 161},
		{CommandName_DeleteDeadSessionAndReply, 213, ReplyLenient, &DeleteDeadSessionResponse{}, "ChangeApplicationState", 163},
		{CommandName_DeleteAllDeadSessionsAndReply, 214, ReplyLenient, &DeleteAllDeadSessionsResponse{}, "ChangeApplicationState", 0},
		{CommandName_NewTiledPaneInTab, 221, ReplyStrict, &NewTiledPaneInTabResponse{}, "OpenTerminalsOrPlugins", 169},
		{CommandName_FocusLastPane, 223, ReplyNone, nil, "", 0},
		{CommandName_NewPane, 226, ReplyNone, nil, "ChangeApplicationState", 0},
		{CommandName_ToggleFocusNoUiFullscreen, 227, ReplyNone, nil, "ChangeApplicationState", 0},
		{CommandName_FocusHostSession, 228, ReplyNone, nil, "ChangeApplicationState", 0},
	}
	for _, tt := range tests {
		if int32(tt.n) != tt.num {
			t.Errorf("%v = %d, want %d", tt.n, tt.n, tt.num)
		}
		if got := CommandReply(tt.n); got != tt.reply {
			t.Errorf("CommandReply(%v) = %v, want %v", tt.n, got, tt.reply)
		}
		if got := CommandReply(tt.n).ReadsReply(); got != (tt.reply != ReplyNone) {
			t.Errorf("CommandReply(%v).ReadsReply() = %v", tt.n, got)
		}
		got := NewCommandReply(tt.n)
		if (got == nil) != (tt.replyTo == nil) || (got != nil && got.ProtoReflect().Descriptor() != tt.replyTo.ProtoReflect().Descriptor()) {
			t.Errorf("NewCommandReply(%v) = %T, want %T", tt.n, got, tt.replyTo)
		}
		p, ok := CommandPermission(tt.n)
		if tt.perm == "" && ok || tt.perm != "" && (!ok || p.String() != tt.perm) {
			t.Errorf("CommandPermission(%v) = %v, %v; want %q", tt.n, p, ok, tt.perm)
		}
		if got := CommandPayloadField(tt.n); got != tt.payload {
			t.Errorf("CommandPayloadField(%v) = %d, want %d", tt.n, got, tt.payload)
		}
	}
}

func TestNewCommandReplyIsFresh(t *testing.T) {
	a := NewCommandReply(CommandName_GetPluginIds).(*PluginIds)
	a.PluginId = 9
	if b := NewCommandReply(CommandName_GetPluginIds).(*PluginIds); b.PluginId != 0 || a == b {
		t.Fatal("NewCommandReply returned a shared message")
	}
}

func TestUnknownNumbers(t *testing.T) {
	for _, n := range []CommandName{-1, 145, 154, 156, 162, 165, 168, 216, 219, 222, 229, 1 << 30} {
		if _, known := CommandName_name[int32(n)]; known {
			t.Errorf("CommandName %d is defined, want a gap", n)
		}
		if CommandReply(n) != ReplyNone || NewCommandReply(n) != nil || CommandPayloadField(n) != 0 {
			t.Errorf("command %d: unexpected table entry", n)
		}
		if _, ok := CommandPermission(n); ok {
			t.Errorf("command %d: unexpected permission", n)
		}
	}
	for _, e := range []EventType{-1, 33, 43, 50, 1 << 30} {
		if _, known := EventType_name[int32(e)]; known {
			t.Errorf("EventType %d is defined, want a gap", e)
		}
		if _, ok := EventPermission(e); ok || EventPayloadField(e) != 0 {
			t.Errorf("event %d: unexpected table entry", e)
		}
	}
}

func TestEventRows(t *testing.T) {
	tests := []struct {
		e       EventType
		num     int32
		perm    string
		payload protoreflect.FieldNumber
	}{
		{EventType_ModeUpdate, 0, "ReadApplicationState", 2},
		{EventType_Key, 3, "", 5},
		{EventType_Timer, 5, "", 7},
		{EventType_InputReceived, 8, "ReadApplicationState", 0},
		{EventType_CustomMessage, 10, "", 10},
		{EventType_FileSystemDelete, 14, "", 11},
		{EventType_PermissionRequestResult, 15, "", 12},
		{EventType_SessionUpdate, 16, "ReadApplicationState", 13},
		{EventType_BeforeClose, 32, "", 0},
		{EventType_FailedToStartWebServer, 34, "", 28},
		{EventType_InterceptedKeyPress, 35, "", 5},
		{EventType_PaneRenderReport, 36, "ReadPaneContents", 30},
		{EventType_UserAction, 37, "InterceptInput", 31},
		{EventType_InitialKeybinds, 44, "", 38},
		{EventType_HintText, 48, "ReadApplicationState", 42},
		{EventType_ActivePaneScroll, 49, "ReadApplicationState", 43},
	}
	for _, tt := range tests {
		if int32(tt.e) != tt.num {
			t.Errorf("%v = %d, want %d", tt.e, tt.e, tt.num)
		}
		p, ok := EventPermission(tt.e)
		if tt.perm == "" && ok || tt.perm != "" && (!ok || p.String() != tt.perm) {
			t.Errorf("EventPermission(%v) = %v, %v; want %q", tt.e, p, ok, tt.perm)
		}
		if got := EventPayloadField(tt.e); got != tt.payload {
			t.Errorf("EventPayloadField(%v) = %d, want %d", tt.e, got, tt.payload)
		}
	}
}

func TestPermissions(t *testing.T) {
	names := []string{
		"ReadApplicationState", "ChangeApplicationState", "OpenFiles", "RunCommands",
		"OpenTerminalsOrPlugins", "WriteToStdin", "WebAccess", "ReadCliPipes",
		"MessageAndLaunchOtherPlugins", "Reconfigure", "FullHdAccess", "StartWebServer",
		"InterceptInput", "ReadPaneContents", "RunActionsAsUser", "WriteToClipboard",
		"ReadSessionEnvironmentVariables",
	}
	all := AllPermissions()
	if len(all) != len(names) {
		t.Fatalf("AllPermissions() has %d entries, want %d", len(all), len(names))
	}
	for i, name := range names {
		p, ok := ParsePermission(name)
		if !ok || int(p) != i {
			t.Errorf("ParsePermission(%q) = %d, %v; want %d", name, p, ok, i)
		}
		if p.String() != name || all[i] != p {
			t.Errorf("permission %d: String() = %q, AllPermissions()[%d] = %v", i, p.String(), i, all[i])
		}
	}
	for _, bad := range []string{"", "readApplicationState", "READAPPLICATIONSTATE", "0", "17", " OpenFiles", "OpenFiles ", "Everything"} {
		if p, ok := ParsePermission(bad); ok {
			t.Errorf("ParsePermission(%q) = %v, want not found", bad, p)
		}
	}
	if ReplyKind(7).String() != "ReplyKind(7)" || ReplyLenient.String() != "lenient" {
		t.Errorf("ReplyKind.String: %q %q", ReplyKind(7), ReplyLenient)
	}
}

func TestCheckCommand(t *testing.T) {
	good := []*PluginCommand{
		{Name: CommandName_GetPluginIds},
		{Name: CommandName_HideSelf},
		{Name: CommandName_SetSelectable, Payload: &PluginCommand_SetSelectablePayload{}},
		{Name: CommandName_NewTab, Payload: &PluginCommand_NewTabPayload{NewTabPayload: &NewTabPayload{}}},
		{Name: CommandName_GetSessionList, Payload: &PluginCommand_GetSessionListPayload{GetSessionListPayload: &GetSessionListPayload{}}},
		// A command without data carrying an empty payload message anyway.
		{Name: CommandName_DeleteAllDeadSessionsAndReply, Payload: &PluginCommand_GetSessionListPayload{GetSessionListPayload: &GetSessionListPayload{}}},
	}
	for _, c := range good {
		if err := CheckCommand(c); err != nil {
			t.Errorf("CheckCommand(%v): %v", c, err)
		}
	}
	bad := []*PluginCommand{
		{Name: CommandName(145)},
		{Name: CommandName(9999)},
		{Name: CommandName_SetSelectable},
		{Name: CommandName_OpenFile, Payload: &PluginCommand_OpenFileFloatingPayload{OpenFileFloatingPayload: &OpenFilePayload{}}},
		{Name: CommandName_ScanHostFolder, Payload: &PluginCommand_ReportCrashPayload{ReportCrashPayload: "/host"}},
	}
	for _, c := range bad {
		if err := CheckCommand(c); err == nil {
			t.Errorf("CheckCommand(%v) accepted a malformed command", c)
		}
	}
}

func TestCheckEvent(t *testing.T) {
	good := []*Event{
		{Name: EventType_InputReceived},
		{Name: EventType_BeforeClose},
		{Name: EventType_Visible, Payload: &Event_VisiblePayload{}},
		{Name: EventType_InterceptedKeyPress, Payload: &Event_KeyPayload{KeyPayload: &Key{}}},
		{Name: EventType_FileSystemRead, Payload: &Event_FileListPayload{FileListPayload: &FileListPayload{}}},
	}
	for _, e := range good {
		if err := CheckEvent(e); err != nil {
			t.Errorf("CheckEvent(%v): %v", e, err)
		}
	}
	bad := []*Event{
		{Name: EventType(33)},
		{Name: EventType(50)},
		{Name: EventType_ModeUpdate},
		{Name: EventType_InputReceived, Payload: &Event_VisiblePayload{}},
		{Name: EventType_InterceptedKeyPress, Payload: &Event_InterceptedKeyPayload{InterceptedKeyPayload: &Key{}}},
		{Name: EventType_Key, Payload: &Event_MouseEventPayload{MouseEventPayload: &MouseEventPayload{}}},
	}
	for _, e := range bad {
		if err := CheckEvent(e); err == nil {
			t.Errorf("CheckEvent(%v) accepted a malformed event", e)
		}
	}
}
