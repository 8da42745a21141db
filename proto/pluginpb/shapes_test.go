package pluginpb

import (
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Message shapes typed from the ABI specification (sections 4-9). Each entry
// is "name=number" with an optional marker: "?" optional (explicit
// presence), "*" repeated, "|" member of a oneof.
var specShapes = []struct {
	msg    proto.Message
	fields string
}{
	{&PaneId{}, "pane_type=1 id=2"},
	{&OpenFilePayload{}, "file_to_open=1 floating_pane_coordinates=2? context=3*"},
	{&File{}, "path=1 line_number=2? cwd=3?"},
	{&OpenCommandPanePayload{}, "command_to_run=1"},
	{&Command{}, "path=1 args=2* cwd=3?"},
	{&ContextItem{}, "name=1 value=2"},
	{&MessageToPluginPayload{}, "plugin_url=1? plugin_config=2* message_name=3 message_payload=4? message_args=5* new_plugin_args=6? destination_plugin_id=7? floating_pane_coordinates=8?"},
	{&CliPipeOutputPayload{}, "pipe_name=1 output=2"},
	{&RequestPluginPermissionPayload{}, "permissions=1*"},
	{&IdAndNewName{}, "id=1 new_name=2"},
	{&SetTimeoutPayload{}, "seconds=1"},
	{&PluginMessagePayload{}, "message=1"},
	{&Message{}, "name=1 payload=2 worker_name=3?"},
	{&PluginIds{}, "plugin_id=1 zellij_pid=2 initial_cwd=3 client_id=4"},
	{&ZellijVersion{}, "version=1"},
	{&NewTabResponse{}, "tab_id=1| none=2|"},
	{&FocusOrCreateTabResponse{}, "tab_id=1| none=2|"},
	{&BreakPanesToNewTabResponse{}, "tab_id=1| none=2|"},
	{&OpenTerminalResponse{}, "pane_id=1?"},
	{&NewTabsResponse{}, "tab_ids=1*"},
	{&OpenPaneInNewTabResponse{}, "tab_id=1? pane_id=2?"},
	{&GetSessionListResponse{}, "snapshot=1| error=2|"},
	{&SessionListSnapshot{}, "live_sessions=1* resurrectable_sessions=2*"},
	{&CurrentSessionLastSavedTimeResponse{}, "timestamp_millis=1?"},
	{&GenerateRandomNameResponse{}, "name=1"},
	{&GetLayoutDirResponse{}, "layout_dir=1"},
	{&GetFocusedPaneInfoResponse{}, "focused_pane_info=1| error=2|"},
	{&FocusedPaneInfo{}, "focused_tab_index=1 focused_pane_id=2"},
	{&GetSessionEnvironmentVariablesResponse{}, "env_vars=1*"},
	{&EnvVariable{}, "name=1 value=2"},
	{&PluginCommand{}, "name=1 subscribe_payload=2| new_tab_payload=112| get_session_list_payload=161| toggle_floating_panes_payload=171|"},
	{&SubscribePayload{}, "subscriptions=1"},
	{&EventNameList{}, "event_types=1*"},
	{&Event{}, "name=1 mode_update_payload=2| key_payload=5| timer_payload=7| intercepted_key_payload=29| active_pane_scroll_payload=43|"},
	{&Key{}, "modifier=1? key=2? char=3? additional_modifiers=4*"},
	{&MouseEventPayload{}, "mouse_event_name=1 line_count=2| position=3|"},
	{&Position{}, "line=1 column=2"},
	{&ModeUpdatePayload{}, "current_mode=1 keybinds=2* style=3 arrow_fonts_support=4 session_name=5? base_mode=6? nested_descend_keys=22*"},
	{&Style{}, "palette=1 rounded_corners=2 hide_session_name=3 styling=4"},
	{&Styling{}, "text_unselected=1* text_selected=2* ribbon_unselected=3* ribbon_selected=4* table_title=5* table_cell_unselected=6* table_cell_selected=7* list_unselected=8* list_selected=9* frame_unselected=10* frame_selected=11* frame_highlight=12* exit_code_success=13* exit_code_error=14* multiplayer_user_colors=15*"},
	{&Color{}, "color_type=1 rgb_color_payload=2| eight_bit_color_payload=3|"},
	{&RgbColorPayload{}, "red=1 green=2 blue=3"},
	{&TabUpdatePayload{}, "tab_info=1*"},
	{&TabInfo{}, "position=1 name=2 active=3 panes_to_hide=4 is_fullscreen_active=5 is_sync_panes_active=6 are_floating_panes_visible=7 other_focused_clients=8* active_swap_layout_name=9? is_swap_layout_dirty=10 viewport_rows=11 viewport_columns=12 display_area_rows=13 display_area_columns=14 selectable_tiled_panes_count=15 selectable_floating_panes_count=16 tab_id=17 has_bell_notification=18 is_flashing_bell=19"},
	{&PaneUpdatePayload{}, "pane_manifest=1*"},
	{&PaneManifest{}, "tab_index=1 panes=2*"},
	{&PaneInfo{}, "id=1 is_plugin=2 is_focused=3 is_fullscreen=4 is_floating=5 is_suppressed=6 title=7 exited=8 exit_status=9? is_held=10 pane_x=11 pane_content_x=12 pane_y=13 pane_content_y=14 pane_rows=15 pane_content_rows=16 pane_columns=17 pane_content_columns=18 cursor_coordinates_in_pane=19? terminal_command=20? plugin_url=21? is_selectable=22 index_in_pane_group=23* default_fg=24? default_bg=25?"},
	{&FileListPayload{}, "paths=1* paths_metadata=2*"},
	{&FileMetadata{}, "metadata_is_set=1 is_dir=2 is_file=3 is_symlink=4 len=5"},
	{&SessionUpdatePayload{}, "session_manifests=1* resurrectable_sessions=2*"},
	{&SessionManifest{}, "name=1 tabs=2* panes=3* connected_clients=4 is_current_session=5 available_layouts=6* plugins=7* web_clients_allowed=8 web_client_count=9 tab_history=10* pane_history=11* creation_time=12"},
	{&ResurrectableSession{}, "name=1 creation_time=2"},
	{&RunCommandResultPayload{}, "exit_code=1? stdout=2 stderr=3 context=4*"},
	{&WebRequestResultPayload{}, "status=1 headers=2* body=3 context=4*"},
	{&CustomMessagePayload{}, "message_name=1 payload=2"},
	{&PermissionRequestResultPayload{}, "granted=1"},
	{&InitialKeybindsPayload{}, "keybinds=1*"},
	{&InputModeKeybinds{}, "mode=1 key_bind=2*"},
	{&KeyBind{}, "key=1 action=2*"},
	{&PipeMessage{}, "source=1 cli_source_id=2? plugin_source_id=3? name=4 payload=5? args=6* is_private=7"},
	{&Arg{}, "key=1 value=2"},
	{&PluginConfiguration{}, "name_and_value=1*"},
	{&NameAndValue{}, "name=1 value=2"},
}

func TestMessageShapes(t *testing.T) {
	for _, s := range specShapes {
		md := s.msg.ProtoReflect().Descriptor()
		for _, spec := range strings.Fields(s.fields) {
			name, numText, _ := strings.Cut(spec, "=")
			marker := strings.TrimLeft(numText, "0123456789")
			num, err := strconv.Atoi(strings.TrimSuffix(numText, marker))
			if err != nil {
				t.Fatalf("bad spec %q", spec)
			}
			fd := md.Fields().ByName(protoreflect.Name(name))
			if fd == nil {
				t.Errorf("%s has no field %s", md.Name(), name)
				continue
			}
			if int(fd.Number()) != num {
				t.Errorf("%s.%s is field %d, want %d", md.Name(), name, fd.Number(), num)
			}
			inOneof := fd.ContainingOneof() != nil && !fd.ContainingOneof().IsSynthetic()
			checks := []struct {
				what     string
				got, exp bool
			}{
				{"repeated", fd.IsList(), marker == "*"},
				{"in a oneof", inOneof, marker == "|"},
				{"optional", fd.HasOptionalKeyword(), marker == "?"},
			}
			for _, c := range checks {
				if c.got != c.exp {
					t.Errorf("%s.%s: %s = %v, want %v", md.Name(), name, c.what, c.got, c.exp)
				}
			}
		}
	}
}

// Enum values the specification names.
func TestEnumValues(t *testing.T) {
	tests := []struct {
		got  protoreflect.Enum
		want int32
	}{
		{InputMode_Normal, 0}, {InputMode_Locked, 1}, {InputMode_Scroll, 5}, {InputMode_EnterSearch, 6},
		{InputMode_Session, 10}, {InputMode_Prompt, 12}, {InputMode_Tmux, 13},
		{Key_CTRL, 0}, {Key_ALT, 1}, {Key_SHIFT, 2}, {Key_SUPER, 3},
		{Key_PageDown, 0}, {Key_LeftArrow, 2}, {Key_Backspace, 8}, {Key_Insert, 10}, {Key_F1, 11}, {Key_F12, 22},
		{Key_Tab, 23}, {Key_Esc, 24}, {Key_CapsLock, 25}, {Key_Menu, 30}, {Key_Enter, 31},
		{MouseEventName_MouseScrollUp, 0}, {MouseEventName_MouseLeftClick, 2}, {MouseEventName_MouseHover, 6},
		{MouseEventName_MouseScrollRight, 8},
		{PipeSource_Cli, 0}, {PipeSource_Plugin, 1}, {PipeSource_Keybind, 2},
		{PaneType_Terminal, 0}, {PaneType_Plugin, 1},
		{ColorType_Rgb, 0}, {ColorType_EightBit, 1},
		{PermissionType_ReadApplicationState, 0}, {PermissionType_ReadSessionEnvironmentVariables, 16},
		{CommandName_OpenCommandInPlace, 69}, {CommandName_ReportCrash, 65},
		{CommandName_ReplacePaneWithExistingPane, 155}, {CommandName_GetPaneScrollback, 163},
		{CommandName_SetSoftKeyboard, 215}, {CommandName_NewTabUnfocused, 220}, {CommandName_FocusHostSession, 228},
		{EventType_ModeUpdate, 0}, {EventType_FailedToStartWebServer, 34}, {EventType_InitialKeybinds, 44},
		{EventType_ActivePaneScroll, 49},
	}
	for _, tt := range tests {
		if n := int32(tt.got.Number()); n != tt.want {
			t.Errorf("%v = %d, want %d", tt.got, n, tt.want)
		}
	}
	for _, reserved := range []protoreflect.EnumNumber{216, 219, 222} {
		if !CommandName(0).Descriptor().ReservedRanges().Has(reserved) {
			t.Errorf("CommandName %d is not reserved", reserved)
		}
	}
	if !EventType(0).Descriptor().ReservedRanges().Has(43) {
		t.Error("EventType 43 is not reserved")
	}
}
