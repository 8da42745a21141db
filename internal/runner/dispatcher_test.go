package runner

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

func newTestDispatcher() (*Dispatcher, *Session) {
	s := NewSession(3, "file:/plugins/x.wasm", 24, 80, time.Unix(1700000000, 0), map[string]string{"B": "2", "A": "1"})
	d := NewDispatcher(DispatcherConfig{
		Session: s,
		Config:  map[string]string{"mode": "a"},
	})
	return d, s
}

// handle is what the host does with a dispatched command: Handle, then
// the command's activity.
func handle(d *Dispatcher, worker string, c *pluginpb.PluginCommand) proto.Message {
	reply := d.Handle(worker, c)
	d.Observe(wasi.Activity{Kind: wasi.ActivityCommand, Worker: worker, Command: c, Outcome: wasi.CommandDispatched})
	return reply
}

// refused is the activity of a command the host refused.
func refused(d *Dispatcher, worker string, n pluginpb.CommandName, o wasi.CommandOutcome, detail string) {
	d.Observe(wasi.Activity{Kind: wasi.ActivityCommand, Worker: worker, Command: cmd(n), Outcome: o, Detail: detail})
}

func cmd(n pluginpb.CommandName) *pluginpb.PluginCommand { return &pluginpb.PluginCommand{Name: n} }

func str(s string) *string { return &s }

func eventNames(ds []Delivery) []string {
	var out []string
	for _, d := range ds {
		if d.Event != nil {
			out = append(out, d.Event.Name.String())
		} else {
			out = append(out, "pipe:"+d.Pipe.Name)
		}
	}
	return out
}

// wire marshals a reply the way the host writes it and decodes it again as
// the message type the guest expects.
func wire(t *testing.T, n pluginpb.CommandName, m proto.Message) proto.Message {
	t.Helper()
	var b []byte
	if m != nil {
		var err error
		if b, err = proto.Marshal(m); err != nil {
			t.Fatal(err)
		}
	}
	want := pluginpb.NewCommandReply(n)
	if want == nil {
		t.Fatalf("%v has no reply type", n)
	}
	if err := proto.Unmarshal(b, want); err != nil {
		t.Fatalf("%v: reply does not decode as %T: %v", n, want, err)
	}
	return want
}

func TestDispatcherReplies(t *testing.T) {
	d, _ := newTestDispatcher()

	r := wire(t, pluginpb.CommandName_GetSessionList, handle(d, "", cmd(pluginpb.CommandName_GetSessionList))).(*pluginpb.GetSessionListResponse)
	live := r.GetSnapshot().GetLiveSessions()
	if len(live) != 1 || live[0].Name != "tessera" || !live[0].IsCurrentSession || live[0].ConnectedClients != 1 ||
		len(live[0].Tabs) != 1 || len(live[0].Panes) != 1 {
		t.Errorf("GetSessionList: %v", r)
	}

	if got := handle(d, "", cmd(pluginpb.CommandName_CurrentSessionLastSavedTime)); got != nil {
		t.Errorf("CurrentSessionLastSavedTime: %v, want empty", got)
	}

	n1 := handle(d, "", cmd(pluginpb.CommandName_GenerateRandomName)).(*pluginpb.GenerateRandomNameResponse).Name
	n2 := handle(d, "", cmd(pluginpb.CommandName_GenerateRandomName)).(*pluginpb.GenerateRandomNameResponse).Name
	if n1 == "" || n2 == "" || n1 == n2 {
		t.Errorf("random names %q %q", n1, n2)
	}

	env := wire(t, pluginpb.CommandName_GetSessionEnvironmentVariables,
		handle(d, "", cmd(pluginpb.CommandName_GetSessionEnvironmentVariables))).(*pluginpb.GetSessionEnvironmentVariablesResponse)
	if len(env.EnvVars) != 2 || env.EnvVars[0].Name != "A" || env.EnvVars[0].Value != "1" || env.EnvVars[1].Name != "B" {
		t.Errorf("env: %v", env)
	}

	fp := wire(t, pluginpb.CommandName_GetFocusedPaneInfo,
		handle(d, "", cmd(pluginpb.CommandName_GetFocusedPaneInfo))).(*pluginpb.GetFocusedPaneInfoResponse)
	if fp.GetFocusedPaneInfo().GetFocusedTabIndex() != 0 || fp.GetFocusedPaneInfo().GetFocusedPaneId().GetPaneType() != pluginpb.PaneType_Terminal {
		t.Errorf("focused pane: %v", fp)
	}
	if p := d.TakePending(); len(p) != 0 {
		t.Errorf("queries queued events: %v", eventNames(p))
	}
}

func TestDispatcherTabs(t *testing.T) {
	d, s := newTestDispatcher()
	nt := &pluginpb.PluginCommand{
		Name:    pluginpb.CommandName_NewTab,
		Payload: &pluginpb.PluginCommand_NewTabPayload{NewTabPayload: &pluginpb.NewTabPayload{Name: str("logs")}},
	}
	r := wire(t, pluginpb.CommandName_NewTab, handle(d, "", nt)).(*pluginpb.NewTabResponse)
	if r.GetTabId() != 1 {
		t.Errorf("NewTab reply %v, want tab id 1", r)
	}
	if got := eventNames(d.TakePending()); strings.Join(got, ",") != "TabUpdate,PaneUpdate,SessionUpdate" {
		t.Errorf("NewTab events %v", got)
	}
	if s.Active != 1 || s.Tabs[1].Name != "logs" {
		t.Fatalf("after NewTab: active %d tabs %+v", s.Active, s.Tabs)
	}
	// SwitchTabTo is 1-based.
	handle(d, "", &pluginpb.PluginCommand{
		Name:    pluginpb.CommandName_SwitchTabTo,
		Payload: &pluginpb.PluginCommand_SwitchTabToPayload{SwitchTabToPayload: &pluginpb.SwitchTabToPayload{TabIndex: 1}},
	})
	p := d.TakePending()
	if s.Active != 0 || len(p) != 3 {
		t.Fatalf("SwitchTabTo 1: active %d, events %v", s.Active, eventNames(p))
	}
	tabs := p[0].Event.GetTabUpdatePayload().TabInfo
	if !tabs[0].Active || tabs[1].Active || tabs[1].Name != "logs" || tabs[1].Position != 1 {
		t.Errorf("TabUpdate after SwitchTabTo: %v", tabs)
	}
	// Out of range: recorded, nothing changes, no events.
	handle(d, "", &pluginpb.PluginCommand{
		Name:    pluginpb.CommandName_SwitchTabTo,
		Payload: &pluginpb.PluginCommand_SwitchTabToPayload{SwitchTabToPayload: &pluginpb.SwitchTabToPayload{TabIndex: 9}},
	})
	if s.Active != 0 || len(d.TakePending()) != 0 {
		t.Error("SwitchTabTo 9 changed something")
	}
	// GoToTab is 0-based; next/previous wrap.
	handle(d, "", &pluginpb.PluginCommand{Name: pluginpb.CommandName_GoToTab, Payload: &pluginpb.PluginCommand_GoToTabPayload{GoToTabPayload: 1}})
	if s.Active != 1 {
		t.Errorf("GoToTab 1: active %d", s.Active)
	}
	handle(d, "", cmd(pluginpb.CommandName_GoToNextTab))
	if s.Active != 0 {
		t.Errorf("GoToNextTab wraps: active %d", s.Active)
	}
	handle(d, "", cmd(pluginpb.CommandName_ToggleTab))
	if s.Active != 1 {
		t.Errorf("ToggleTab: active %d", s.Active)
	}
	// The plugin's tab cannot be closed, the other one can.
	handle(d, "", &pluginpb.PluginCommand{Name: pluginpb.CommandName_CloseTabWithIndex,
		Payload: &pluginpb.PluginCommand_CloseTabWithIndexPayload{CloseTabWithIndexPayload: &pluginpb.CloseTabWithIndexPayload{TabIndex: 0}}})
	if len(s.Tabs) != 2 {
		t.Errorf("closed the plugin's tab")
	}
	handle(d, "", cmd(pluginpb.CommandName_CloseFocusedTab))
	if len(s.Tabs) != 1 || s.Active != 0 {
		t.Errorf("CloseFocusedTab: %d tabs, active %d", len(s.Tabs), s.Active)
	}
	d.TakePending()
	// FocusOrCreateTab creates once, then focuses.
	foc := &pluginpb.PluginCommand{Name: pluginpb.CommandName_FocusOrCreateTab,
		Payload: &pluginpb.PluginCommand_FocusOrCreateTabPayload{FocusOrCreateTabPayload: "build"}}
	id1 := wire(t, foc.Name, handle(d, "", foc)).(*pluginpb.FocusOrCreateTabResponse).GetTabId()
	id2 := wire(t, foc.Name, handle(d, "", foc)).(*pluginpb.FocusOrCreateTabResponse).GetTabId()
	if id1 != id2 || len(s.Tabs) != 2 {
		t.Errorf("FocusOrCreateTab: ids %d %d, %d tabs", id1, id2, len(s.Tabs))
	}
}

func TestDispatcherModeAndPanes(t *testing.T) {
	d, s := newTestDispatcher()
	d.SetModeKeybinds(false)
	handle(d, "", &pluginpb.PluginCommand{Name: pluginpb.CommandName_SwitchToMode,
		Payload: &pluginpb.PluginCommand_SwitchToModePayload{SwitchToModePayload: &pluginpb.SwitchToModePayload{InputMode: pluginpb.InputMode_Locked}}})
	p := d.TakePending()
	if len(p) != 1 || p[0].Event.GetModeUpdatePayload().CurrentMode != pluginpb.InputMode_Locked ||
		p[0].Event.GetModeUpdatePayload().Keybinds != nil {
		t.Fatalf("SwitchToMode: %v", p)
	}

	open := &pluginpb.PluginCommand{Name: pluginpb.CommandName_OpenCommandPane,
		Payload: &pluginpb.PluginCommand_OpenCommandPanePayload{OpenCommandPanePayload: &pluginpb.OpenCommandPanePayload{
			CommandToRun: &pluginpb.Command{Path: "htop", Args: []string{"-d", "5"}},
		}}}
	r := wire(t, open.Name, handle(d, "", open)).(*pluginpb.OpenCommandPaneResponse)
	if r.GetPaneId().GetPaneType() != pluginpb.PaneType_Terminal || r.GetPaneId().GetId() != 1 {
		t.Errorf("OpenCommandPane reply %v", r)
	}
	panes := s.Tabs[0].Panes
	if len(panes) != 3 || panes[2].Command != "htop -d 5" || s.focused(0) != 1 {
		t.Errorf("panes after OpenCommandPane: %+v", panes)
	}
	p = d.TakePending()
	pm := p[1].Event.GetPaneUpdatePayload().PaneManifest[0].Panes
	if len(pm) != 3 || pm[2].GetTerminalCommand() != "htop -d 5" || !pm[2].IsFocused || pm[0].IsFocused {
		t.Errorf("PaneUpdate after OpenCommandPane: %v", pm)
	}

	// OpenFile is lenient but still answered with the pane.
	of := &pluginpb.PluginCommand{Name: pluginpb.CommandName_OpenFile,
		Payload: &pluginpb.PluginCommand_OpenFilePayload{OpenFilePayload: &pluginpb.OpenFilePayload{FileToOpen: &pluginpb.File{Path: "/host/a.txt"}}}}
	if got := wire(t, of.Name, handle(d, "", of)).(*pluginpb.OpenFileResponse); got.GetPaneId().GetId() != 2 {
		t.Errorf("OpenFile reply %v", got)
	}

	rn := &pluginpb.PluginCommand{Name: pluginpb.CommandName_RenamePluginPane,
		Payload: &pluginpb.PluginCommand_RenamePluginPanePayload{RenamePluginPanePayload: &pluginpb.IdAndNewName{Id: 3, NewName: "Mine"}}}
	handle(d, "", rn)
	if ti, pi := s.Pane(3, true); s.Tabs[ti].Panes[pi].Title != "Mine" {
		t.Error("RenamePluginPane not applied")
	}
	handle(d, "", &pluginpb.PluginCommand{Name: pluginpb.CommandName_SetSelectable,
		Payload: &pluginpb.PluginCommand_SetSelectablePayload{SetSelectablePayload: false}})
	if ti, pi := s.Pane(3, true); !s.Tabs[ti].Panes[pi].NotSelectable {
		t.Error("SetSelectable(false) not applied")
	}
}

func TestDispatcherMessageToSelf(t *testing.T) {
	d, _ := newTestDispatcher()
	msg := func(p *pluginpb.MessageToPluginPayload) *pluginpb.PluginCommand {
		return &pluginpb.PluginCommand{Name: pluginpb.CommandName_MessageToPlugin,
			Payload: &pluginpb.PluginCommand_MessageToPluginPayload{MessageToPluginPayload: p}}
	}
	handle(d, "", msg(&pluginpb.MessageToPluginPayload{
		PluginUrl: str(OwnURL), MessageName: "ping", MessagePayload: str("hi"),
		MessageArgs: []*pluginpb.ContextItem{{Name: "k", Value: "v"}},
	}))
	p := d.TakePending()
	if len(p) != 1 || p[0].Pipe == nil {
		t.Fatalf("pending %v", p)
	}
	pm := p[0].Pipe
	if pm.Source != pluginpb.PipeSource_Plugin || pm.GetPluginSourceId() != 3 || pm.Name != "ping" ||
		pm.GetPayload() != "hi" || !pm.IsPrivate || len(pm.Args) != 1 || pm.Args[0].Key != "k" {
		t.Errorf("pipe %v", pm)
	}
	// Broadcast reaches the sender too, not private.
	handle(d, "", msg(&pluginpb.MessageToPluginPayload{MessageName: "all"}))
	if p := d.TakePending(); len(p) != 1 || p[0].Pipe.IsPrivate || p[0].Pipe.Payload != nil {
		t.Errorf("broadcast: %v", p)
	}
	// Another plugin, or the same URL with another configuration: unsupported.
	handle(d, "", msg(&pluginpb.MessageToPluginPayload{PluginUrl: str("file:/other.wasm"), MessageName: "x"}))
	handle(d, "", msg(&pluginpb.MessageToPluginPayload{PluginUrl: str(OwnURL), MessageName: "x",
		PluginConfig: []*pluginpb.ContextItem{{Name: "tooltip", Value: "true"}}}))
	if p := d.TakePending(); len(p) != 0 {
		t.Errorf("messages to others delivered: %v", eventNames(p))
	}
	recs := d.Records()
	if len(recs) != 4 || recs[2].Status != StatusUnsupported || recs[3].Status != StatusUnsupported || recs[0].Status != StatusOK {
		t.Errorf("records %+v", recs)
	}
	// Same configuration (plus caller_cwd) is the plugin itself.
	handle(d, "", msg(&pluginpb.MessageToPluginPayload{PluginUrl: str("file:/plugins/x.wasm"), MessageName: "y",
		PluginConfig: []*pluginpb.ContextItem{{Name: "mode", Value: "a"}, {Name: "caller_cwd", Value: "/"}}}))
	if p := d.TakePending(); len(p) != 1 {
		t.Errorf("message to own URL and config not delivered")
	}
}

func TestDispatcherUnsupportedAndRecords(t *testing.T) {
	d, _ := newTestDispatcher()
	rc := &pluginpb.PluginCommand{Name: pluginpb.CommandName_RunCommand,
		Payload: &pluginpb.PluginCommand_RunCommandPayload{RunCommandPayload: &pluginpb.RunCommandPayload{
			CommandLine: []string{"rm", "-rf", "/"}, Context: []*pluginpb.ContextItem{{Name: "id", Value: "7"}},
		}}}
	if got := handle(d, "", rc); got != nil {
		t.Errorf("RunCommand reply %v", got)
	}
	p := d.TakePending()
	res := p[0].Event.GetRunCommandResultPayload()
	if len(p) != 1 || res.ExitCode != nil || len(res.Context) != 1 || res.Context[0].Value != "7" {
		t.Errorf("RunCommandResult: %v", p)
	}
	// An unmodelled reply-bearing command gets an empty reply.
	if got := handle(d, "", cmd(pluginpb.CommandName_GetLayoutDir)); got != nil {
		t.Errorf("GetLayoutDir reply %v", got)
	}
	handle(d, "w", &pluginpb.PluginCommand{Name: pluginpb.CommandName_WriteChars,
		Payload: &pluginpb.PluginCommand_WriteCharsPayload{WriteCharsPayload: "ls\n"}})
	refused(d, "", pluginpb.CommandName_OpenFile, wasi.CommandDenied, "needs OpenFiles")

	recs := d.Records()
	if len(recs) != 4 {
		t.Fatalf("records: %+v", recs)
	}
	want := []struct {
		name   string
		status Status
		worker string
	}{
		{"RunCommand", StatusUnsupported, ""}, {"GetLayoutDir", StatusUnsupported, ""},
		{"WriteChars", StatusUnsupported, "w"}, {"OpenFile", StatusDenied, ""},
	}
	for i, w := range want {
		if recs[i].Name != w.name || recs[i].Status != w.status || recs[i].Worker != w.worker || recs[i].Seq != i+1 {
			t.Errorf("record %d: %+v, want %+v", i, recs[i], w)
		}
	}
	var payload map[string]any
	if err := json.Unmarshal(recs[2].Payload, &payload); err != nil || payload["write_chars_payload"] != "ls\n" {
		t.Errorf("payload json %s: %v", recs[2].Payload, err)
	}
	if recs[0].Payload == nil || !strings.Contains(string(recs[0].Payload), `"command_line":["rm","-rf","/"]`) {
		t.Errorf("RunCommand payload %s", recs[0].Payload)
	}
	if recs[1].Payload != nil {
		t.Errorf("GetLayoutDir payload %s, want none", recs[1].Payload)
	}
}

func TestDispatcherConcurrent(t *testing.T) {
	d, _ := newTestDispatcher()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				handle(d, string(rune('a'+w)), cmd(pluginpb.CommandName_GoToNextTab))
				handle(d, string(rune('a'+w)), cmd(pluginpb.CommandName_NewTab))
				d.TakePending()
			}
		}()
	}
	wg.Wait()
	recs := d.Records()
	if len(recs) != 400 {
		t.Fatalf("%d records", len(recs))
	}
	for i, r := range recs {
		if r.Seq != i+1 {
			t.Fatalf("record %d has seq %d", i, r.Seq)
		}
	}
}

func TestDispatcherRecordsFromActivities(t *testing.T) {
	d, _ := newTestDispatcher()
	// Host-handled: no result left, recorded as "host".
	d.Observe(wasi.Activity{Kind: wasi.ActivityCommand, Command: &pluginpb.PluginCommand{Name: pluginpb.CommandName_Subscribe,
		Payload: &pluginpb.PluginCommand_SubscribePayload{SubscribePayload: &pluginpb.SubscribePayload{
			Subscriptions: &pluginpb.EventNameList{EventTypes: []pluginpb.EventType{pluginpb.EventType_Timer, pluginpb.EventType_Key}}}}}})
	// The worker's and the main instance's commands interleave; each
	// activity takes its own instance's result.
	nt := cmd(pluginpb.CommandName_NewTab)
	d.Handle("", nt)
	d.Handle("w", cmd(pluginpb.CommandName_GetLayoutDir))
	d.Host("", pluginpb.CommandName_RequestPluginPermissions, "granted")
	d.Observe(wasi.Activity{Kind: wasi.ActivityCommand, Worker: "w", Command: cmd(pluginpb.CommandName_GetLayoutDir), Outcome: wasi.CommandDispatched})
	d.Observe(wasi.Activity{Kind: wasi.ActivityCommand, Command: nt, Outcome: wasi.CommandDispatched})
	d.Observe(wasi.Activity{Kind: wasi.ActivityCommand, Command: cmd(pluginpb.CommandName_RequestPluginPermissions)})
	refused(d, "w", pluginpb.CommandName_OpenFile, wasi.CommandDenied, "needs OpenFiles")
	refused(d, "", pluginpb.CommandName_WatchFilesystem, wasi.CommandUnsupported, "not here")
	d.Observe(wasi.Activity{Kind: wasi.ActivityFrame, Frame: []byte("x")}) // not a command
	recs := d.Records()
	got := []string{}
	for _, r := range recs {
		got = append(got, r.Worker+"/"+r.Name+"/"+string(r.Status)+"/"+r.Note)
	}
	want := "/Subscribe/host/,w/GetLayoutDir/unsupported/not available in plugin run; answered with an empty reply,/NewTab/ok/," +
		"/RequestPluginPermissions/host/granted,w/OpenFile/denied/needs OpenFiles,/WatchFilesystem/unsupported/not here"
	if strings.Join(got, ",") != want {
		t.Fatalf("records\n%v\nwant\n%s", strings.Join(got, ","), want)
	}
	if recs[2].Reply == nil || recs[2].Seq != 3 {
		t.Errorf("NewTab record %+v", recs[2])
	}
	// A set-like payload is recorded sorted: two runs give the same bytes.
	if p := string(recs[0].Payload); !strings.Contains(p, `"event_types":["Key","Timer"]`) {
		t.Errorf("Subscribe payload %s, want sorted event types", p)
	}
}

func TestDispatcherPaneFocusAndFloating(t *testing.T) {
	d, s := newTestDispatcher()
	handle(d, "", cmd(pluginpb.CommandName_NewPane))
	handle(d, "", cmd(pluginpb.CommandName_NewPane))
	if got := s.terminals(0); len(got) != 3 || s.focused(0) != got[2] {
		t.Fatalf("terminals %v, focused %d", got, s.focused(0))
	}
	handle(d, "", cmd(pluginpb.CommandName_FocusNextPane))
	if s.focused(0) != 0 {
		t.Errorf("FocusNextPane wraps to pane 0, focused %d", s.focused(0))
	}
	handle(d, "", cmd(pluginpb.CommandName_FocusPreviousPane))
	if s.focused(0) != 2 {
		t.Errorf("FocusPreviousPane back to 2, focused %d", s.focused(0))
	}
	d.TakePending()
	handle(d, "", cmd(pluginpb.CommandName_ToggleFloatingPanes))
	p := d.TakePending()
	if len(p) != 3 || !p[0].Event.GetTabUpdatePayload().TabInfo[0].AreFloatingPanesVisible {
		t.Errorf("ToggleFloatingPanes: %v", eventNames(p))
	}
	for _, r := range d.Records() {
		if r.Status != StatusOK {
			t.Errorf("record %+v", r)
		}
	}
}
