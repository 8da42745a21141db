package main

import (
	"math"
	"strconv"
)

func float64bits(f float64) uint64 { return math.Float64bits(f) }

// Event types used by the personalities.
const (
	evModeUpdate              = 0
	evTabUpdate               = 1
	evPaneUpdate              = 2
	evKey                     = 3
	evMouse                   = 4
	evTimer                   = 5
	evCopyToClipboard         = 6
	evSystemClipboardFailure  = 7
	evInputReceived           = 8
	evVisible                 = 9
	evCustomMessage           = 10
	evFileSystemUpdate        = 13
	evPermissionRequestResult = 15
	evSessionUpdate           = 16
	evRunCommandResult        = 17
	evHostFolderChanged       = 27
	evInitialKeybinds         = 44
	evHintText                = 48
	evActivePaneScroll        = 49
)

// payloadField maps every EventType zellij-tile knows to the Event oneof
// field that must carry its payload (0: the payload must be absent).
var payloadField = map[int]int{
	0: 2, 1: 3, 2: 4, 3: 5, 4: 6, 5: 7, 6: 8, 7: 0, 8: 0, 9: 9, 10: 10,
	11: 11, 12: 11, 13: 11, 14: 11, 15: 12, 16: 13, 17: 14, 18: 15, 19: 16,
	20: 17, 21: 18, 22: 19, 23: 20, 24: 21, 25: 22, 26: 23, 27: 24, 28: 25,
	29: 26, 30: 0, 31: 27, 32: 0, 34: 28, 35: 5, 36: 30, 37: 31, 38: 32,
	39: 33, 40: 34, 41: 35, 42: 36, 44: 38, 45: 39, 46: 40, 47: 41, 48: 42,
	49: 43,
}

// oneofField tells which field numbers belong to Event's payload oneof.
var oneofField = func() map[int]bool {
	m := map[int]bool{}
	for _, f := range payloadField {
		if f != 0 {
			m[f] = true
		}
	}
	return m
}()

// scalarPayload lists payload fields that are scalars, with their wire type.
var scalarPayload = map[int]int{7: 5, 8: 0, 9: 0}

func eventName(n int) string {
	names := map[int]string{0: "ModeUpdate", 1: "TabUpdate", 2: "PaneUpdate", 3: "Key", 4: "Mouse",
		5: "Timer", 6: "CopyToClipboard", 7: "SystemClipboardFailure", 8: "InputReceived", 9: "Visible",
		10: "CustomMessage", 13: "FileSystemUpdate", 15: "PermissionRequestResult", 16: "SessionUpdate",
		17: "RunCommandResult", 27: "HostFolderChanged", 44: "InitialKeybinds", 48: "HintText",
		49: "ActivePaneScroll"}
	if s, ok := names[n]; ok {
		return s
	}
	return "#" + strconv.Itoa(n)
}

// event is a converted event.
type event struct {
	name    int
	payload field
	mode    *modeInfo
	tabs    []tabInfo
	key     keyPress
	mouse   mouseEvent
	files   []fileEntry
	timer   float32
	text    string
	flag    bool
	keys    []modeKeys
	session []sessionInfo
}

func decodeEvent(b []byte) *event {
	ev := &event{}
	var payload *field
	for _, f := range parse(b, "Event") {
		if f.num == 1 {
			want(f, 0, "Event.name")
			ev.name = int(int32(f.v))
			continue
		}
		if !oneofField[f.num] {
			continue // an unknown field: prost skips it
		}
		g := f
		payload = &g
	}
	wantField, known := payloadField[ev.name]
	if !known {
		fail("unknown EventType " + strconv.Itoa(ev.name))
	}
	what := eventName(ev.name)
	if wantField == 0 {
		if payload != nil {
			fail(what + " must not carry a payload (field " + strconv.Itoa(payload.num) + ")")
		}
		return ev
	}
	if payload == nil || payload.num != wantField {
		fail("malformed payload for " + what + ": want field " + strconv.Itoa(wantField))
	}
	if t, ok := scalarPayload[wantField]; ok {
		want(*payload, t, what)
	} else {
		want(*payload, 2, what)
		parse(payload.b, what+" payload")
	}
	ev.payload = *payload
	switch ev.name {
	case evModeUpdate:
		ev.mode = decodeModeUpdate(payload.b)
	case evTabUpdate:
		for _, f := range parse(payload.b, "TabUpdatePayload") {
			if f.num == 1 {
				want(f, 2, "TabUpdatePayload.tab_info")
				ev.tabs = append(ev.tabs, decodeTabInfo(f.b))
			}
		}
	case evPaneUpdate:
		var ms [][]byte
		for _, f := range parse(payload.b, "PaneUpdatePayload") {
			if f.num == 1 {
				want(f, 2, "PaneUpdatePayload.pane_manifest")
				ms = append(ms, f.b)
			}
		}
		checkPaneManifests(ms, "PaneUpdate")
	case evKey:
		ev.key = decodeKey(payload.b, "Key event")
	case evMouse:
		ev.mouse = decodeMouse(payload.b)
	case evTimer:
		ev.timer = math.Float32frombits(uint32(payload.v))
	case evCopyToClipboard:
		if payload.v > 1 {
			fail("invalid CopyDestination " + strconv.FormatUint(payload.v, 10))
		}
	case evVisible:
		ev.flag = payload.v != 0
	case 11, 12, evFileSystemUpdate, 14:
		ev.files = decodeFileList(payload.b)
	case evPermissionRequestResult:
		for _, f := range parse(payload.b, "PermissionRequestResultPayload") {
			if f.num == 1 {
				want(f, 0, "PermissionRequestResultPayload.granted")
				ev.flag = f.v != 0
			}
		}
	case evSessionUpdate:
		for _, f := range parse(payload.b, "SessionUpdatePayload") {
			switch f.num {
			case 1:
				want(f, 2, "SessionUpdatePayload.session_manifests")
				ev.session = append(ev.session, decodeManifest(f.b))
			case 2:
				want(f, 2, "SessionUpdatePayload.resurrectable_sessions")
				parse(f.b, "ResurrectableSession")
			}
		}
	case evHostFolderChanged:
		for _, f := range parse(payload.b, "HostFolderChangedPayload") {
			if f.num == 1 {
				want(f, 2, "HostFolderChangedPayload.new_host_folder_path")
				ev.text = string(f.b)
			}
		}
	case evInitialKeybinds:
		for _, f := range parse(payload.b, "InitialKeybindsPayload") {
			if f.num == 1 {
				want(f, 2, "InitialKeybindsPayload.keybinds")
				ev.keys = append(ev.keys, decodeModeKeybinds(f.b, "InitialKeybinds"))
			}
		}
	case evCustomMessage:
		for _, f := range parse(payload.b, "CustomMessagePayload") {
			want(f, 2, "CustomMessagePayload")
			if f.num == 1 {
				ev.text = string(f.b)
			}
		}
	}
	return ev
}

// modeInfo is the converted ModeUpdate.
type modeInfo struct {
	mode     int
	session  string
	keybinds []modeKeys
	base     int
}

const numModes = 14 // InputMode Normal=0 .. Tmux=13

var modeNames = [numModes]string{"NORMAL", "LOCKED", "RESIZE", "PANE", "TAB", "SCROLL",
	"ENTER SEARCH", "SEARCH", "RENAME TAB", "RENAME PANE", "SESSION", "MOVE", "PROMPT", "TMUX"}

func checkMode(v uint64, what string) int {
	if v >= numModes {
		fail("malformed InputMode " + strconv.FormatUint(v, 10) + " in " + what)
	}
	return int(v)
}

func decodeModeUpdate(b []byte) *modeInfo {
	mi := &modeInfo{base: -1}
	style := false
	for _, f := range parse(b, "ModeUpdatePayload") {
		switch f.num {
		case 1:
			want(f, 0, "ModeUpdatePayload.current_mode")
			mi.mode = checkMode(f.v, "ModeUpdate.current_mode")
		case 2:
			want(f, 2, "ModeUpdatePayload.keybinds")
			mi.keybinds = append(mi.keybinds, decodeModeKeybinds(f.b, "ModeUpdate"))
		case 3:
			want(f, 2, "ModeUpdatePayload.style")
			checkStyle(f.b)
			style = true
		case 5:
			want(f, 2, "ModeUpdatePayload.session_name")
			mi.session = string(f.b)
		case 6:
			want(f, 0, "ModeUpdatePayload.base_mode")
			mi.base = int(f.v)
		}
	}
	if !style {
		fail("malformed payload for mode_info: no style")
	}
	return mi
}

// checkStyle applies the Style/Styling conversion: every declaration has
// exactly 6 colours (frame_unselected 0 or 6), multiplayer colours exactly 10.
func checkStyle(b []byte) {
	var styling []byte
	found := false
	for _, f := range parse(b, "Style") {
		if f.num == 4 {
			want(f, 2, "Style.styling")
			styling, found = f.b, true
		}
	}
	if !found {
		fail("Style without styling")
	}
	counts := map[int]int{}
	for _, f := range parse(styling, "Styling") {
		if f.num < 1 || f.num > 15 {
			continue
		}
		want(f, 2, "Styling colour")
		checkColor(f.b)
		counts[f.num]++
	}
	for n := 1; n <= 15; n++ {
		c := counts[n]
		switch {
		case n == 10:
			if c != 0 && c != 6 {
				fail("Styling field 10 (frame_unselected) has " + strconv.Itoa(c) + " colours, want 0 or 6")
			}
		case n == 15:
			if c != 10 {
				fail("Styling multiplayer_user_colors has " + strconv.Itoa(c) + " colours, want 10")
			}
		default:
			if c != 6 {
				fail("Styling field " + strconv.Itoa(n) + " has " + strconv.Itoa(c) + " colours, want 6")
			}
		}
	}
}

func checkColor(b []byte) {
	ct := uint64(0)
	var payload *field
	for _, f := range parse(b, "Color") {
		switch f.num {
		case 1:
			want(f, 0, "Color.color_type")
			ct = f.v
		case 2, 3:
			g := f
			payload = &g
		}
	}
	switch {
	case ct == 0 && payload != nil && payload.num == 2:
		want(*payload, 2, "RgbColorPayload")
		for _, f := range parse(payload.b, "RgbColorPayload") {
			want(f, 0, "RgbColorPayload")
			if f.v > 255 {
				fail("RGB component out of range")
			}
		}
	case ct == 1 && payload != nil && payload.num == 3:
		want(*payload, 0, "Color.eight_bit_color_payload")
		if payload.v > 255 {
			fail("eight-bit colour out of range")
		}
	default:
		fail("malformed Color (type " + strconv.FormatUint(ct, 10) + " without its payload)")
	}
}

// modeKeys are one mode's keybindings.
type modeKeys struct {
	mode  int
	binds []keyBind
}

type keyBind struct {
	key     keyPress
	actions []action
}

type action struct {
	name    int
	payload *field
}

func decodeModeKeybinds(b []byte, what string) modeKeys {
	mk := modeKeys{}
	for _, f := range parse(b, "InputModeKeybinds") {
		switch f.num {
		case 1:
			want(f, 0, "InputModeKeybinds.mode")
			mk.mode = checkMode(f.v, what+" keybinds")
		case 2:
			want(f, 2, "InputModeKeybinds.key_bind")
			var kb keyBind
			hasKey := false
			for _, g := range parse(f.b, "KeyBind") {
				switch g.num {
				case 1:
					want(g, 2, "KeyBind.key")
					kb.key = decodeKey(g.b, what+" keybind")
					hasKey = true
				case 2:
					want(g, 2, "KeyBind.action")
					kb.actions = append(kb.actions, decodeAction(g.b))
				}
			}
			if !hasKey {
				fail(what + ": KeyBind without key (zellij-tile unwraps it)")
			}
			mk.binds = append(mk.binds, kb)
		}
	}
	return mk
}

// Actions that take no payload, and the payload field of those that need one.
var (
	noPayloadActions = map[int]bool{0: true, 6: true, 7: true, 8: true, 12: true, 13: true,
		15: true, 16: true, 18: true, 20: true, 21: true, 22: true, 23: true, 24: true, 25: true,
		26: true, 27: true, 28: true, 33: true, 34: true, 35: true, 37: true, 39: true, 40: true,
		41: true, 42: true, 45: true, 47: true, 49: true, 64: true, 65: true}
	payloadActions = map[int]int{1: 3, 2: 4, 3: 2, 5: 6, 9: 7, 10: 8, 11: 9, 29: 13, 43: 18}
)

// decodeAction applies the Action conversion rules: a payload-less action
// must carry none, the others exactly their own, with valid enums.
func decodeAction(b []byte) action {
	a := action{}
	for _, f := range parse(b, "Action") {
		if f.num == 1 {
			want(f, 0, "Action.name")
			a.name = int(f.v)
			continue
		}
		g := f
		a.payload = &g
	}
	what := "Action " + strconv.Itoa(a.name)
	switch {
	case noPayloadActions[a.name]:
		if a.payload != nil {
			fail(what + " should not have a payload")
		}
	case payloadActions[a.name] != 0:
		if a.payload == nil || a.payload.num != payloadActions[a.name] {
			fail("wrong payload for " + what)
		}
		p := a.payload
		switch a.name {
		case 3: // SwitchToMode
			want(*p, 2, what)
			m := uint64(0)
			for _, f := range parse(p.b, "SwitchToModePayload") {
				if f.num == 1 {
					want(f, 0, "SwitchToModePayload.input_mode")
					m = f.v
				}
			}
			checkMode(m, what)
		case 5: // Resize
			want(*p, 2, what)
			for _, f := range parse(p.b, "Resize") {
				want(f, 0, "Resize")
				if f.num == 1 && f.v > 1 {
					fail("no resize action for index " + strconv.FormatUint(f.v, 10))
				}
			}
		case 9, 10: // MoveFocus, MoveFocusOrTab
			want(*p, 0, what)
			if p.v > 3 {
				fail("malformed direction for " + what)
			}
		case 43: // GoToTab
			want(*p, 0, what)
		default:
			want(*p, 2, what)
			parse(p.b, what+" payload")
		}
	case a.name == 38: // NewTab: none or its payload
	case a.name > 120:
		fail("unknown ActionName " + strconv.Itoa(a.name))
	}
	return a
}

// keyPress is a converted Key.
type keyPress struct {
	named int // -1 for a character
	char  byte
	mods  uint8 // bit per KeyModifier
}

func decodeKey(b []byte, what string) keyPress {
	k := keyPress{named: -1}
	has := false
	for _, f := range parse(b, "Key") {
		switch f.num {
		case 1:
			want(f, 0, "Key.modifier")
			if f.v > 3 {
				fail(what + ": invalid KeyModifier")
			}
			k.mods |= 1 << f.v
		case 2:
			want(f, 0, "Key.key")
			if f.v > 31 {
				fail(what + ": invalid NamedKey " + strconv.FormatUint(f.v, 10))
			}
			k.named, has = int(f.v), true
		case 3:
			want(f, 0, "Key.char")
			k.char, k.named, has = byte(f.v), -1, true
		case 4:
			for _, m := range varints(f, "Key.additional_modifiers") {
				if m > 3 {
					fail(what + ": invalid KeyModifier")
				}
				k.mods |= 1 << m
			}
		}
	}
	if !has {
		fail(what + ": Key without main key")
	}
	return k
}

func (k keyPress) String() string {
	s := ""
	for i, n := range []string{"Ctrl", "Alt", "Shift", "Super"} {
		if k.mods&(1<<i) != 0 {
			s += n + "+"
		}
	}
	if k.named >= 0 {
		names := map[int]string{0: "PgDn", 1: "PgUp", 2: "Left", 3: "Down", 4: "Up", 5: "Right",
			8: "Backspace", 23: "Tab", 24: "Esc", 31: "Enter"}
		if n, ok := names[k.named]; ok {
			return s + n
		}
		return s + "Key" + strconv.Itoa(k.named)
	}
	return s + string(rune(k.char))
}

type mouseEvent struct {
	name      int
	line, col int64
	count     uint64
}

func decodeMouse(b []byte) mouseEvent {
	m := mouseEvent{}
	hasPos, hasCount := false, false
	for _, f := range parse(b, "MouseEventPayload") {
		switch f.num {
		case 1:
			want(f, 0, "MouseEventPayload.mouse_event_name")
			m.name = int(f.v)
		case 2:
			want(f, 0, "MouseEventPayload.line_count")
			m.count, hasCount = f.v, true
		case 3:
			want(f, 2, "MouseEventPayload.position")
			hasPos = true
			for _, g := range parse(f.b, "Position") {
				want(g, 0, "Position")
				switch g.num {
				case 1:
					m.line = int64(g.v)
				case 2:
					m.col = int64(g.v)
				}
			}
		}
	}
	switch m.name {
	case 0, 1, 7, 8:
		if !hasCount {
			fail("malformed payload for mouse scroll event: no line count")
		}
	case 2, 3, 4, 5, 6:
		if !hasPos {
			fail("malformed payload for mouse event " + strconv.Itoa(m.name) + ": no position")
		}
	default:
		fail("unknown MouseEventName " + strconv.Itoa(m.name))
	}
	return m
}

type tabInfo struct {
	position uint64
	name     string
	active   bool
}

func decodeTabInfo(b []byte) tabInfo {
	t := tabInfo{}
	for _, f := range parse(b, "TabInfo") {
		switch f.num {
		case 1:
			want(f, 0, "TabInfo.position")
			t.position = f.v
		case 2:
			want(f, 2, "TabInfo.name")
			t.name = string(f.b)
		case 3:
			want(f, 0, "TabInfo.active")
			t.active = f.v != 0
		}
	}
	return t
}

// checkPaneManifests rejects a repeated tab_index (zellij-tile collects the
// manifests into a map and fails on duplicates).
func checkPaneManifests(ms [][]byte, what string) {
	seen := map[uint64]bool{}
	for _, m := range ms {
		idx := uint64(0)
		for _, f := range parse(m, "PaneManifest") {
			switch f.num {
			case 1:
				want(f, 0, "PaneManifest.tab_index")
				idx = f.v
			case 2:
				want(f, 2, "PaneManifest.panes")
				parse(f.b, "PaneInfo")
			}
		}
		if seen[idx] {
			fail(what + ": duplicate tab_index " + strconv.FormatUint(idx, 10))
		}
		seen[idx] = true
	}
}

type fileEntry struct {
	path  string
	isDir bool
	size  uint64
	meta  bool
}

// decodeFileList zips paths with their metadata; a host that sends fewer
// metadata entries than paths loses paths in zellij-tile, so it is a crash
// here.
func decodeFileList(b []byte) []fileEntry {
	var paths []string
	var metas []fileEntry
	for _, f := range parse(b, "FileListPayload") {
		switch f.num {
		case 1:
			want(f, 2, "FileListPayload.paths")
			paths = append(paths, string(f.b))
		case 2:
			want(f, 2, "FileListPayload.paths_metadata")
			var m fileEntry
			for _, g := range parse(f.b, "FileMetadata") {
				want(g, 0, "FileMetadata")
				switch g.num {
				case 1:
					m.meta = g.v != 0
				case 2:
					m.isDir = g.v != 0
				case 5:
					m.size = g.v
				}
			}
			metas = append(metas, m)
		}
	}
	if len(paths) != len(metas) {
		fail("FileListPayload has " + strconv.Itoa(len(paths)) + " paths but " + strconv.Itoa(len(metas)) + " metadata entries (zipped: paths would be lost)")
	}
	for i := range paths {
		metas[i].path = paths[i]
	}
	return metas
}

type sessionInfo struct {
	name    string
	current bool
	tabs    []tabInfo
	clients uint64
}

func decodeManifest(b []byte) sessionInfo {
	s := sessionInfo{}
	var panes [][]byte
	for _, f := range parse(b, "SessionManifest") {
		switch f.num {
		case 1:
			want(f, 2, "SessionManifest.name")
			s.name = string(f.b)
		case 2:
			want(f, 2, "SessionManifest.tabs")
			s.tabs = append(s.tabs, decodeTabInfo(f.b))
		case 3:
			want(f, 2, "SessionManifest.panes")
			panes = append(panes, f.b)
		case 4:
			want(f, 0, "SessionManifest.connected_clients")
			s.clients = f.v
		case 5:
			want(f, 0, "SessionManifest.is_current_session")
			s.current = f.v != 0
		case 6:
			want(f, 2, "SessionManifest.available_layouts")
			src := ""
			for _, g := range parse(f.b, "LayoutInfo") {
				if g.num == 2 {
					want(g, 2, "LayoutInfo.source")
					src = string(g.b)
				}
			}
			switch src {
			case "file", "built-in", "url", "stringified":
			default:
				fail("unknown layout source " + strconv.Quote(src))
			}
		}
	}
	checkPaneManifests(panes, "SessionManifest "+s.name)
	return s
}

func decodePipeMessage(b []byte) []field {
	fs := parse(b, "PipeMessage")
	source := uint64(0)
	hasCli, hasPlugin := false, false
	for _, f := range fs {
		switch f.num {
		case 1:
			want(f, 0, "PipeMessage.source")
			source = f.v
		case 2:
			want(f, 2, "PipeMessage.cli_source_id")
			hasCli = true
		case 3:
			want(f, 0, "PipeMessage.plugin_source_id")
			hasPlugin = true
		}
	}
	switch {
	case source > 2:
		fail("unknown PipeSource")
	case source == 0 && !hasCli:
		fail("CLI pipe message without cli_source_id")
	case source == 1 && !hasPlugin:
		fail("plugin pipe message without plugin_source_id")
	}
	return fs
}

// decodeSessionList decodes a GetSessionListResponse ([] means no data).
func decodeSessionList(b []byte) []sessionInfo {
	var out []sessionInfo
	for _, f := range parse(b, "GetSessionListResponse") {
		switch f.num {
		case 1:
			want(f, 2, "GetSessionListResponse.snapshot")
			for _, g := range parse(f.b, "SessionListSnapshot") {
				want(g, 2, "SessionListSnapshot")
				if g.num == 1 {
					out = append(out, decodeManifest(g.b))
				} else {
					parse(g.b, "ResurrectableSession")
				}
			}
		case 2:
			want(f, 2, "GetSessionListResponse.error")
		}
	}
	return out
}
