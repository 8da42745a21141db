// Command probe is a raw test guest for the standalone runner: it speaks the
// plugin ABI by hand (no SDK; messages from sdk/pb, the lean mirror of
// pluginpb, to keep the module small), records what the host tells it, issues
// commands on key presses, and renders its state as plain text.
//
// Keys: n NewTab, t SwitchTabTo(1), s SetTimeout(50ms), r RunCommand,
// m MessageToPlugin(zellij:OWN_URL), e GetSessionEnvironmentVariables,
// g GenerateRandomName, f GetFocusedPaneInfo, o OpenTerminal, l SwitchToMode
// Locked, q GetSessionList, w WebRequest, x panic, z loop forever.
// Pipes: "echo" answers with CliPipeOutput of its payload.
// Config: perms=a,b requests those permissions at load.
package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/tessera-ws/tessera/sdk/pb"
)

//go:wasmimport zellij host_run_plugin_command
func hostRun()

func main() {}

// ---- framing -------------------------------------------------------------

var pending []byte

func readLine() []byte {
	buf := make([]byte, 4096)
	for {
		if i := indexByte(pending, '\n'); i >= 0 {
			line := pending[:i]
			pending = pending[i+1:]
			return line
		}
		n, err := syscall.Read(0, buf)
		if n > 0 {
			pending = append(pending, buf[:n]...)
			continue
		}
		if err != nil || n == 0 {
			line := pending
			pending = nil
			return line
		}
	}
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func parseFrame(line []byte) ([]byte, error) {
	s := strings.TrimSpace(string(line))
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return nil, errors.New("not a frame: " + s)
	}
	s = s[1 : len(s)-1]
	out := []byte{}
	if s == "" {
		return out, nil
	}
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 0 || v > 255 {
			return nil, errors.New("bad byte " + f)
		}
		out = append(out, byte(v))
	}
	return out, nil
}

// message is what read decodes: any message of sdk/pb.
type message interface{ Unmarshal([]byte) error }

func read(m message) {
	b, err := parseFrame(readLine())
	if err != nil {
		panic(err)
	}
	if err := m.Unmarshal(b); err != nil {
		panic(err)
	}
}

func send(c *pb.PluginCommand) {
	b := c.MarshalAppend(nil)
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = strconv.Itoa(int(x))
	}
	line := "[" + strings.Join(parts, ",") + "]\n"
	for len(line) > 0 {
		n, err := syscall.Write(1, []byte(line))
		if err != nil {
			panic(err)
		}
		line = line[n:]
	}
	hostRun()
}

func call(c *pb.PluginCommand, reply message) {
	send(c)
	read(reply)
}

// ---- state ---------------------------------------------------------------

var st struct {
	config     map[string]string
	ids        *pb.PluginIds
	mode       string
	session    string
	tabs       []string
	panes      int
	keybinds   int
	initialKB  int
	visible    string
	key        string
	mouse      string
	timers     int
	pipe       string
	perm       string
	runResult  string
	custom     string
	lastReply  string
	sessions   string
	permsAsked bool
}

//go:wasmexport load
func load() {
	var pc pb.PluginConfiguration
	read(&pc)
	st.config = map[string]string{}
	for _, kv := range pc.NameAndValue {
		st.config[kv.Name] = kv.Value
	}
	st.ids = &pb.PluginIds{}
	call(&pb.PluginCommand{Name: pb.CommandName_GetPluginIds}, st.ids)
	send(&pb.PluginCommand{
		Name: pb.CommandName_Subscribe,
		SubscribePayload: &pb.SubscribePayload{
			Subscriptions: &pb.EventNameList{EventTypes: []pb.EventType{
				pb.EventType_ModeUpdate, pb.EventType_TabUpdate, pb.EventType_PaneUpdate,
				pb.EventType_SessionUpdate, pb.EventType_Key, pb.EventType_Mouse,
				pb.EventType_Timer, pb.EventType_Visible, pb.EventType_InitialKeybinds,
				pb.EventType_PermissionRequestResult, pb.EventType_RunCommandResult,
				pb.EventType_CustomMessage,
			}},
		},
	})
	if p := st.config["perms"]; p != "" {
		var perms []pb.PermissionType
		for _, name := range strings.Split(p, ",") {
			perms = append(perms, permission(name))
		}
		st.permsAsked = true
		send(&pb.PluginCommand{
			Name:                           pb.CommandName_RequestPluginPermissions,
			RequestPluginPermissionPayload: &pb.RequestPluginPermissionPayload{Permissions: perms},
		})
	}
}

// permission is the permission type called name.
func permission(name string) pb.PermissionType {
	for p := pb.PermissionType(0); p < 64; p++ {
		if p.String() == name {
			return p
		}
	}
	panic("unknown permission " + name)
}

func keyString(k *pb.Key) string {
	var mods []string
	if k.Modifier != nil {
		mods = append(mods, k.Modifier.String())
	}
	for _, m := range k.AdditionalModifiers {
		mods = append(mods, m.String())
	}
	sort.Strings(mods)
	base := ""
	if k.Char != nil {
		base = fmt.Sprintf("char %d", *k.Char)
	} else if k.Key != nil {
		base = k.Key.String()
	}
	return strings.Join(append(mods, base), "+")
}

//go:wasmexport update
func update() int32 {
	var ev pb.Event
	read(&ev)
	switch ev.Name {
	case pb.EventType_ModeUpdate:
		p := ev.GetModeUpdatePayload()
		st.mode = p.CurrentMode.String()
		st.session = p.GetSessionName()
		st.keybinds = len(p.Keybinds)
		if s := p.GetStyle().GetStyling(); s == nil || len(s.TextUnselected) != 6 || len(s.MultiplayerUserColors) != 10 {
			panic("incomplete styling")
		}
	case pb.EventType_TabUpdate:
		st.tabs = nil
		for _, t := range ev.GetTabUpdatePayload().TabInfo {
			s := t.Name
			if t.Active {
				s += "*"
			}
			st.tabs = append(st.tabs, s)
		}
	case pb.EventType_PaneUpdate:
		st.panes = 0
		for _, m := range ev.GetPaneUpdatePayload().PaneManifest {
			st.panes += len(m.Panes)
		}
	case pb.EventType_SessionUpdate:
		var names []string
		for _, m := range ev.GetSessionUpdatePayload().SessionManifests {
			names = append(names, m.Name)
		}
		st.sessions = strings.Join(names, ",")
	case pb.EventType_InitialKeybinds:
		st.initialKB = len(ev.GetInitialKeybindsPayload().Keybinds)
	case pb.EventType_Visible:
		st.visible = strconv.FormatBool(ev.GetVisiblePayload())
	case pb.EventType_Timer:
		st.timers++
	case pb.EventType_PermissionRequestResult:
		st.perm = strconv.FormatBool(ev.GetPermissionRequestResultPayload().Granted)
	case pb.EventType_RunCommandResult:
		r := ev.GetRunCommandResultPayload()
		st.runResult = fmt.Sprintf("exit=%v stderr=%q", r.ExitCode != nil, r.Stderr)
	case pb.EventType_CustomMessage:
		st.custom = ev.GetCustomMessagePayload().MessageName
	case pb.EventType_Mouse:
		m := ev.GetMouseEventPayload()
		st.mouse = fmt.Sprintf("%s %d,%d lines=%d", m.MouseEventName, m.GetPosition().GetLine(), m.GetPosition().GetColumn(), m.GetLineCount())
	case pb.EventType_Key:
		k := ev.GetKeyPayload()
		st.key = keyString(k)
		if k.Modifier == nil && k.Char != nil {
			onKey(rune(*k.Char))
		}
	}
	return 1
}

func onKey(c rune) {
	switch c {
	case 'n':
		var r pb.NewTabResponse
		call(&pb.PluginCommand{Name: pb.CommandName_NewTab,
			NewTabPayload: &pb.NewTabPayload{}}, &r)
		st.lastReply = fmt.Sprintf("new tab %d", r.GetTabId())
	case 't':
		send(&pb.PluginCommand{Name: pb.CommandName_SwitchTabTo,
			SwitchTabToPayload: &pb.SwitchTabToPayload{TabIndex: 1}})
	case 's':
		send(&pb.PluginCommand{Name: pb.CommandName_SetTimeout,
			SetTimeoutPayload: &pb.SetTimeoutPayload{Seconds: 0.05}})
	case 'r':
		send(&pb.PluginCommand{Name: pb.CommandName_RunCommand,
			RunCommandPayload: &pb.RunCommandPayload{CommandLine: []string{"touch", "/tmp/probe-ran"}}})
	case 'm':
		url, payload := "zellij:OWN_URL", "hello"
		send(&pb.PluginCommand{Name: pb.CommandName_MessageToPlugin,
			MessageToPluginPayload: &pb.MessageToPluginPayload{
				PluginUrl: &url, MessageName: "self", MessagePayload: &payload}})
	case 'e':
		var r pb.GetSessionEnvironmentVariablesResponse
		call(&pb.PluginCommand{Name: pb.CommandName_GetSessionEnvironmentVariables,
			GetSessionEnvironmentVariablesPayload: &pb.GetSessionEnvironmentVariablesPayload{}}, &r)
		var kv []string
		for _, v := range r.EnvVars {
			kv = append(kv, v.Name+"="+v.Value)
		}
		st.lastReply = "env " + strings.Join(kv, " ")
	case 'g':
		var r pb.GenerateRandomNameResponse
		call(&pb.PluginCommand{Name: pb.CommandName_GenerateRandomName,
			GenerateRandomNamePayload: &pb.GenerateRandomNamePayload{}}, &r)
		st.lastReply = "name " + r.Name
	case 'f':
		var r pb.GetFocusedPaneInfoResponse
		call(&pb.PluginCommand{Name: pb.CommandName_GetFocusedPaneInfo,
			GetFocusedPaneInfoPayload: &pb.GetFocusedPaneInfoPayload{}}, &r)
		fi := r.GetFocusedPaneInfo()
		st.lastReply = fmt.Sprintf("focused tab %d pane %s %d", fi.GetFocusedTabIndex(), fi.GetFocusedPaneId().GetPaneType(), fi.GetFocusedPaneId().GetId())
	case 'o':
		var r pb.OpenTerminalResponse
		call(&pb.PluginCommand{Name: pb.CommandName_OpenTerminal,
			OpenTerminalPayload: &pb.OpenFilePayload{FileToOpen: &pb.File{Path: "/tmp"}}}, &r)
		st.lastReply = fmt.Sprintf("terminal %d", r.GetPaneId().GetId())
	case 'l':
		send(&pb.PluginCommand{Name: pb.CommandName_SwitchToMode,
			SwitchToModePayload: &pb.SwitchToModePayload{InputMode: pb.InputMode_Locked}})
	case 'q':
		var r pb.GetSessionListResponse
		call(&pb.PluginCommand{Name: pb.CommandName_GetSessionList,
			GetSessionListPayload: &pb.GetSessionListPayload{}}, &r)
		var names []string
		for _, s := range r.GetSnapshot().GetLiveSessions() {
			names = append(names, fmt.Sprintf("%s(current=%v,tabs=%d)", s.Name, s.IsCurrentSession, len(s.Tabs)))
		}
		st.lastReply = "sessions " + strings.Join(names, ",")
	case 'w':
		send(&pb.PluginCommand{Name: pb.CommandName_WebRequest,
			WebRequestPayload: &pb.WebRequestPayload{Url: "https://example.com/"}})
	case 'x':
		panic("probe asked to crash")
	case 'z':
		for spin := 0; ; spin++ {
			st.timers = spin
		}
	}
}

//go:wasmexport pipe
func pipe() int32 {
	var m pb.PipeMessage
	read(&m)
	st.pipe = fmt.Sprintf("%s %s payload=%q private=%v", m.Source, m.Name, m.GetPayload(), m.IsPrivate)
	if m.Name == "echo" && m.CliSourceId != nil {
		send(&pb.PluginCommand{Name: pb.CommandName_CliPipeOutput,
			CliPipeOutputPayload: &pb.CliPipeOutputPayload{
				PipeName: m.GetCliSourceId(), Output: "echo:" + m.GetPayload()}})
	}
	return 1
}

//go:wasmexport render
func render(rows, cols int32) {
	lines := []string{
		fmt.Sprintf("size %dx%d plugin %d client %d cwd %s", rows, cols, st.ids.GetPluginId(), st.ids.GetClientId(), st.ids.GetInitialCwd()),
		fmt.Sprintf("session %s mode %s sessions %s", st.session, st.mode, st.sessions),
		"tabs " + strings.Join(st.tabs, " "),
		fmt.Sprintf("panes %d keybinds %d initial %d visible %s", st.panes, st.keybinds, st.initialKB, st.visible),
		"key " + st.key,
		"mouse " + st.mouse,
		fmt.Sprintf("timers %d perm %s custom %s", st.timers, st.perm, st.custom),
		"pipe " + st.pipe,
		"run " + st.runResult,
		"reply " + st.lastReply,
		"config " + configString(),
	}
	for i := 0; i < len(lines) && i < int(rows); i++ {
		l := lines[i]
		if len(l) > int(cols) {
			l = l[:cols]
		}
		if i > 0 {
			fmt.Print("\n")
		}
		fmt.Print(l)
	}
	_ = os.Stdout.Sync()
}

func configString() string {
	keys := make([]string, 0, len(st.config))
	for k := range st.config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var kv []string
	for _, k := range keys {
		kv = append(kv, k+"="+st.config[k])
	}
	return strings.Join(kv, " ")
}
