package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
	"github.com/tessera-ws/tessera/zellij"
)

// Status says what became of a command.
type Status string

// Command statuses.
const (
	// StatusOK: the command was carried out against the synthetic session,
	// answered, or is meaningless without a real terminal and was accepted.
	StatusOK Status = "ok"
	// StatusHost: the plugin host handled the command itself (Subscribe,
	// SetTimeout, GetPluginIds, ...).
	StatusHost Status = "host"
	// StatusUnsupported: the runner cannot do what the command asks (run a
	// program, reach the network, load another plugin, ...). Reply-bearing
	// commands still get an empty reply.
	StatusUnsupported Status = "unsupported"
	// StatusDenied: the plugin lacks the permission; the host dropped it.
	StatusDenied Status = "denied"
)

// Record is one command a plugin issued, as `plugin run --json` reports it.
type Record struct {
	// Seq numbers records from 1 in the order they were made.
	Seq int `json:"seq"`
	// Name is the CommandName, e.g. "SwitchTabTo".
	Name string `json:"name"`
	// Worker is the issuing worker, "" for the main instance.
	Worker string `json:"worker,omitempty"`
	// Payload is the command without its name, as protojson with proto field
	// names (e.g. {"switch_tab_to_payload":{"tab_index":2}}); absent when the
	// command carries nothing.
	Payload json.RawMessage `json:"payload,omitempty"`
	Status  Status          `json:"status"`
	// Note explains an unsupported or denied command, or what was done.
	Note string `json:"note,omitempty"`
	// Reply is the reply written to the guest, when it reads one.
	Reply json.RawMessage `json:"reply,omitempty"`
}

// DispatcherConfig configures a Dispatcher.
type DispatcherConfig struct {
	// Session is the synthetic session the commands act on. Required.
	Session *Session
	// Config is the plugin's own configuration: MessageToPlugin to its own
	// URL with the same configuration comes back to it as a pipe message.
	Config map[string]string
	// Logger receives one debug record per command. Defaults to discarding.
	Logger *slog.Logger
}

// Dispatcher answers a plugin's commands against a synthetic Session and
// records every command. Events and pipe messages its commands cause
// (TabUpdate after SwitchTabTo, a pipe after MessageToPlugin to itself,
// ...) are queued; the runner delivers them with TakePending after the
// guest call that caused them.
//
// Records are made from the plugin's activity stream (Observe), in the
// order the plugin issued the commands; Handle and Host leave what they did
// for the record of the command they handled, per worker in order.
//
// A Dispatcher is safe for concurrent use (workers issue commands on their
// own goroutines).
type Dispatcher struct {
	mu       sync.Mutex
	s        *Session
	config   map[string]string
	log      *slog.Logger
	records  []Record
	results  map[string][]result // per worker: outcomes awaiting their activity
	pending  []Delivery
	keybinds bool // ModeUpdate carries keybinds
}

// result is what became of a command, left by Handle or Host for the
// command's activity.
type result struct {
	name   pluginpb.CommandName
	status Status
	note   string
	reply  proto.Message
}

// Delivery is an event or a pipe message waiting to be delivered to the
// plugin's main instance. Exactly one field is set.
type Delivery struct {
	Event *pluginpb.Event
	Pipe  *pluginpb.PipeMessage
}

// NewDispatcher returns a Dispatcher over cfg.Session.
func NewDispatcher(cfg DispatcherConfig) *Dispatcher {
	if cfg.Session == nil {
		panic("runner: NewDispatcher without a Session")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{
		s:        cfg.Session,
		config:   maps.Clone(cfg.Config),
		log:      log,
		results:  map[string][]result{},
		keybinds: true,
	}
}

// SetModeKeybinds says whether the ModeUpdate events the dispatcher emits
// carry the keybindings (false for plugins that subscribed to
// InitialKeybinds, which get them that way). Defaults to true.
func (d *Dispatcher) SetModeKeybinds(on bool) {
	d.mu.Lock()
	d.keybinds = on
	d.mu.Unlock()
}

// Records returns a copy of every command recorded so far, in order.
func (d *Dispatcher) Records() []Record {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.records)
}

// TakePending returns and clears the queued deliveries, in the order the
// commands caused them.
func (d *Dispatcher) TakePending() []Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.pending
	d.pending = nil
	return p
}

// WithSession runs f with the session locked, for reading it consistently
// (for example to build events) while commands may arrive.
func (d *Dispatcher) WithSession(f func(s *Session)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f(d.s)
}

// Host leaves a note for the record of a host-handled command the worker
// is issuing now (the runner's answer to a permission request).
func (d *Dispatcher) Host(worker string, name pluginpb.CommandName, note string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.results[worker] = append(d.results[worker], result{name: name, status: StatusHost, note: note})
}

// Observe records the commands of a plugin's activity stream
// (wasi.PluginConfig.Observer); other activities are ignored.
func (d *Dispatcher) Observe(a wasi.Activity) {
	if a.Kind != wasi.ActivityCommand {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	name := a.Command.GetName()
	var res result
	switch a.Outcome {
	case wasi.CommandDenied:
		res = result{status: StatusDenied, note: a.Detail}
	case wasi.CommandUnsupported:
		res = result{status: StatusUnsupported, note: a.Detail}
	default:
		res = result{status: StatusHost}
		q := d.results[a.Worker]
		if len(q) > 0 && q[0].name == name {
			res, d.results[a.Worker] = q[0], q[1:]
		}
	}
	r := Record{Seq: len(d.records) + 1, Name: name.String(), Worker: a.Worker, Status: res.status, Note: res.note}
	c := proto.Clone(a.Command).(*pluginpb.PluginCommand)
	c.Name = 0
	if proto.Size(c) > 0 {
		r.Payload = protoJSON(sortSets(c))
	}
	if res.reply != nil {
		r.Reply = protoJSON(res.reply)
	}
	d.records = append(d.records, r)
	d.log.Debug("plugin command", "name", r.Name, "worker", a.Worker, "status", r.Status, "note", r.Note)
}

// sortSets sorts the payloads that are sets (event type lists of Subscribe
// and Unsubscribe, permission lists), so that two runs of a plugin that
// builds them from a map record the same bytes.
func sortSets(c *pluginpb.PluginCommand) *pluginpb.PluginCommand {
	if l := c.GetSubscribePayload().GetSubscriptions(); l != nil {
		slices.Sort(l.EventTypes)
	}
	if l := c.GetUnsubscribePayload().GetSubscriptions(); l != nil {
		slices.Sort(l.EventTypes)
	}
	if p := c.GetRequestPluginPermissionPayload(); p != nil {
		slices.Sort(p.Permissions)
	}
	return c
}

// protoJSON renders m as compact protojson with proto field names (protojson
// output is deliberately unstable in whitespace; compacting makes it stable).
func protoJSON(m proto.Message) json.RawMessage {
	b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
	if err != nil {
		b, _ = json.Marshal(fmt.Sprintf("unrenderable %T: %v", m, err))
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b
	}
	return buf.Bytes()
}

// Handle carries out one command from the plugin (worker "" for the main
// instance) and returns the reply for reply-bearing commands (nil means an
// empty `[]` line). It never fails: what cannot be done is recorded as
// unsupported.
func (d *Dispatcher) Handle(worker string, cmd *pluginpb.PluginCommand) proto.Message {
	d.mu.Lock()
	defer d.mu.Unlock()
	reply, st, note := d.handleLocked(cmd)
	if !pluginpb.CommandReply(cmd.Name).ReadsReply() {
		reply = nil
	}
	d.results[worker] = append(d.results[worker], result{name: cmd.Name, status: st, note: note, reply: reply})
	return reply
}

func (d *Dispatcher) queue(evs ...*pluginpb.Event) {
	for _, e := range evs {
		d.pending = append(d.pending, Delivery{Event: e})
	}
}

// layoutChanged queues the events that describe tabs and panes.
func (d *Dispatcher) layoutChanged() {
	d.queue(d.s.TabUpdate(), d.s.PaneUpdate(), zellij.SessionUpdate(&d.s.Session))
}

// newReply returns the empty reply message for n with its tab_id / tab_ids /
// pane_id fields set where the message has them.
func newReply(n pluginpb.CommandName, tabID *uint64, pane *pluginpb.PaneId) proto.Message {
	m := pluginpb.NewCommandReply(n)
	if m == nil {
		return nil
	}
	r := m.ProtoReflect()
	fields := r.Descriptor().Fields()
	if tabID != nil {
		if f := fields.ByName("tab_id"); f != nil && f.Kind() == protoreflect.Uint64Kind {
			r.Set(f, protoreflect.ValueOfUint64(*tabID))
		}
		if f := fields.ByName("tab_ids"); f != nil && f.IsList() && f.Kind() == protoreflect.Uint64Kind {
			r.Mutable(f).List().Append(protoreflect.ValueOfUint64(*tabID))
		}
	}
	if pane != nil {
		if f := fields.ByName("pane_id"); f != nil && f.Message() != nil && f.Message().FullName() == pane.ProtoReflect().Descriptor().FullName() {
			r.Set(f, protoreflect.ValueOfMessage(proto.Clone(pane).ProtoReflect()))
		}
	}
	return m
}

func (d *Dispatcher) handleLocked(cmd *pluginpb.PluginCommand) (proto.Message, Status, string) {
	s := d.s
	n := cmd.Name
	switch n {
	// Commands about the plugin's own pane: accepted, mirrored where the
	// session has a place for it.
	case pluginpb.CommandName_SetSelectable:
		if ti, pi := s.Pane(s.PluginID, true); ti >= 0 {
			s.Tabs[ti].Panes[pi].NotSelectable = !cmd.GetSetSelectablePayload()
		}
		return nil, StatusOK, ""
	case pluginpb.CommandName_HideSelf:
		s.Visible = false
		d.queue(zellij.VisibleEvent(false))
		return nil, StatusOK, ""
	case pluginpb.CommandName_ShowSelf:
		s.Visible = true
		d.queue(zellij.VisibleEvent(true))
		return nil, StatusOK, ""
	case pluginpb.CommandName_SetSelfMouseSelectionSupport, pluginpb.CommandName_ShowCursor:
		return nil, StatusOK, ""
	case pluginpb.CommandName_CloseSelf:
		return nil, StatusOK, "the plugin asked to close; the runner keeps it until the script ends"

	// Mode and session.
	case pluginpb.CommandName_SwitchToMode:
		s.Mode = cmd.GetSwitchToModePayload().GetInputMode()
		d.queue(s.ModeUpdate(d.keybinds))
		return nil, StatusOK, ""
	case pluginpb.CommandName_RenameSession:
		name := cmd.GetRenameSessionPayload()
		if name == "" || strings.Contains(name, "/") {
			return nil, StatusOK, "invalid session name ignored"
		}
		s.Name = name
		d.queue(s.ModeUpdate(d.keybinds), zellij.SessionUpdate(&s.Session))
		return nil, StatusOK, ""
	case pluginpb.CommandName_GetSessionList, pluginpb.CommandName_GetFocusedPaneInfo,
		pluginpb.CommandName_GetSessionEnvironmentVariables:
		reply, _ := s.Reply(cmd)
		return reply, StatusOK, ""
	case pluginpb.CommandName_CurrentSessionLastSavedTime:
		return nil, StatusOK, "the session was never saved"
	case pluginpb.CommandName_GenerateRandomName:
		return &pluginpb.GenerateRandomNameResponse{Name: s.randomName()}, StatusOK, ""
	case pluginpb.CommandName_ListClients:
		d.queue(&pluginpb.Event{
			Name: pluginpb.EventType_ListClients,
			Payload: &pluginpb.Event_ListClientsPayload{ListClientsPayload: &pluginpb.ListClientsPayload{
				ClientInfo: []*pluginpb.ClientInfo{{
					ClientId:        1,
					PaneId:          &pluginpb.PaneId{PaneType: pluginpb.PaneType_Terminal, Id: s.focused(s.Active)},
					IsCurrentClient: true,
				}},
			}},
		})
		return nil, StatusOK, ""

	// Tabs.
	case pluginpb.CommandName_SwitchTabTo:
		return d.focus(int(cmd.GetSwitchTabToPayload().GetTabIndex())-1, "tab position (1-based)")
	case pluginpb.CommandName_GoToTab:
		return d.focus(int(cmd.GetGoToTabPayload()), "tab index")
	case pluginpb.CommandName_GoToNextTab:
		return d.focus((s.Active+1)%len(s.Tabs), "")
	case pluginpb.CommandName_GoToPreviousTab:
		return d.focus((s.Active+len(s.Tabs)-1)%len(s.Tabs), "")
	case pluginpb.CommandName_ToggleTab:
		return d.focus(s.Previous, "")
	case pluginpb.CommandName_GoToTabName:
		return d.focus(s.TabByName(cmd.GetGoToTabNamePayload()), "tab name")
	case pluginpb.CommandName_SwitchTabToId:
		return d.focus(s.TabByID(cmd.GetSwitchTabToIdPayload().GetTabId()), "tab id")
	case pluginpb.CommandName_GoToTabWithId:
		return d.focus(s.TabByID(cmd.GetGoToTabWithIdPayload().GetTabId()), "tab id")
	case pluginpb.CommandName_FocusOrCreateTab:
		name := cmd.GetFocusOrCreateTabPayload()
		i := s.TabByName(name)
		if i < 0 {
			i = s.addTab(name, true)
		} else {
			s.focusTab(i)
		}
		d.layoutChanged()
		id := uint64(s.Tabs[i].ID)
		return newReply(n, &id, nil), StatusOK, ""
	case pluginpb.CommandName_NewTab, pluginpb.CommandName_NewTabUnfocused,
		pluginpb.CommandName_NewTabsWithLayout, pluginpb.CommandName_NewTabsWithLayoutInfo:
		name := ""
		if p := cmd.GetNewTabPayload(); p != nil {
			name = p.GetName()
		}
		if p := cmd.GetNewTabUnfocusedPayload(); p != nil {
			name = p.GetName()
		}
		i := s.addTab(name, n != pluginpb.CommandName_NewTabUnfocused)
		d.layoutChanged()
		id := uint64(s.Tabs[i].ID)
		note := ""
		if n == pluginpb.CommandName_NewTabsWithLayout || n == pluginpb.CommandName_NewTabsWithLayoutInfo {
			note = "layout not applied: the new tab has one terminal pane"
		}
		return newReply(n, &id, nil), StatusOK, note
	case pluginpb.CommandName_CloseFocusedTab:
		return d.closeTab(s.Active)
	case pluginpb.CommandName_CloseTabWithIndex:
		return d.closeTab(int(cmd.GetCloseTabWithIndexPayload().GetTabIndex()))
	case pluginpb.CommandName_CloseTabWithId:
		return d.closeTab(s.TabByID(cmd.GetCloseTabWithIdPayload().GetTabId()))
	case pluginpb.CommandName_RenameTab:
		p := cmd.GetRenameTabPayload()
		return d.renameTab(int(p.GetId()), p.GetNewName())
	case pluginpb.CommandName_RenameTabWithId:
		p := cmd.GetRenameTabWithIdPayload()
		return d.renameTab(s.TabByID(p.GetTabId()), p.GetNewName())

	// Panes.
	case pluginpb.CommandName_RenameTerminalPane, pluginpb.CommandName_RenamePluginPane:
		p := cmd.GetRenameTerminalPanePayload()
		if p == nil {
			p = cmd.GetRenamePluginPanePayload()
		}
		ti, pi := s.Pane(p.GetId(), n == pluginpb.CommandName_RenamePluginPane)
		if ti < 0 {
			return nil, StatusOK, fmt.Sprintf("no such pane %d", p.GetId())
		}
		s.Tabs[ti].Panes[pi].Title = p.GetNewName()
		d.queue(s.PaneUpdate())
		return nil, StatusOK, ""
	case pluginpb.CommandName_CloseTerminalPane, pluginpb.CommandName_ClosePluginPane:
		id := cmd.GetCloseTerminalPanePayload()
		plugin := n == pluginpb.CommandName_ClosePluginPane
		if plugin {
			id = cmd.GetClosePluginPanePayload()
		}
		ti, pi := s.Pane(id, plugin)
		switch {
		case ti < 0:
			return nil, StatusOK, fmt.Sprintf("no such pane %d", id)
		case plugin && id == s.PluginID:
			return nil, StatusOK, "the plugin's own pane stays open in the runner"
		case !plugin && s.focused(ti) == id && len(s.terminals(ti)) == 1:
			return nil, StatusOK, "the tab's last terminal pane stays open in the runner"
		}
		wasFocused := !plugin && s.focused(ti) == id
		t := &s.Tabs[ti]
		t.Panes = slices.Delete(t.Panes, pi, pi+1)
		if wasFocused {
			s.focusTerminal(ti, s.terminals(ti)[0])
		}
		d.layoutChanged()
		return nil, StatusOK, ""
	case pluginpb.CommandName_FocusTerminalPane:
		p := cmd.GetFocusTerminalPanePayload()
		ti, _ := s.Pane(p.GetPaneId(), false)
		if ti < 0 {
			return nil, StatusOK, fmt.Sprintf("no such pane %d", p.GetPaneId())
		}
		s.focusTab(ti)
		s.focusTerminal(ti, p.GetPaneId())
		d.layoutChanged()
		return nil, StatusOK, ""
	case pluginpb.CommandName_OpenPluginPaneFloating, pluginpb.CommandName_OpenPluginPaneInNewTab:
		return d.openPane(cmd, true)
	case pluginpb.CommandName_NewPane:
		s.addPane(zellij.Pane{}, true)
		d.layoutChanged()
		return nil, StatusOK, "pane recorded, nothing started"
	case pluginpb.CommandName_ToggleFloatingPanes:
		t := &s.Tabs[s.Active]
		t.FloatingVisible = !t.FloatingVisible
		d.layoutChanged()
		return nil, StatusOK, ""
	case pluginpb.CommandName_FocusNextPane, pluginpb.CommandName_FocusPreviousPane:
		ids := s.terminals(s.Active)
		i := slices.Index(ids, s.focused(s.Active))
		step := 1
		if n == pluginpb.CommandName_FocusPreviousPane {
			step = len(ids) - 1
		}
		s.focusTerminal(s.Active, ids[(i+step)%len(ids)])
		d.layoutChanged()
		return nil, StatusOK, ""

	// Plugin-to-plugin messages.
	case pluginpb.CommandName_MessageToPlugin:
		return d.messageToPlugin(cmd.GetMessageToPluginPayload())

	// Host programs: never run by the standalone runner.
	case pluginpb.CommandName_RunCommand:
		p := cmd.GetRunCommandPayload()
		d.queue(&pluginpb.Event{
			Name: pluginpb.EventType_RunCommandResult,
			Payload: &pluginpb.Event_RunCommandResultPayload{RunCommandResultPayload: &pluginpb.RunCommandResultPayload{
				Stderr:  []byte("tessera plugin run does not run host commands"),
				Context: p.GetContext(),
			}},
		})
		return nil, StatusUnsupported, "host commands are not run; answered with RunCommandResult without an exit code"
	}

	// Every Open* command that answers with a pane id: a new terminal pane.
	if m := pluginpb.NewCommandReply(n); m != nil && m.ProtoReflect().Descriptor().Fields().ByName("pane_id") != nil {
		return d.openPane(cmd, false)
	}
	if pluginpb.CommandReply(n).ReadsReply() {
		return nil, StatusUnsupported, "not available in plugin run; answered with an empty reply"
	}
	return nil, StatusUnsupported, "not available in plugin run"
}

func (d *Dispatcher) focus(i int, what string) (proto.Message, Status, string) {
	if !d.s.focusTab(i) {
		return nil, StatusOK, fmt.Sprintf("no such %s; focus unchanged", what)
	}
	d.layoutChanged()
	return nil, StatusOK, ""
}

func (d *Dispatcher) closeTab(i int) (proto.Message, Status, string) {
	if !d.s.closeTab(i) {
		return nil, StatusOK, "tab kept: it does not exist, holds the plugin, or is the last one"
	}
	d.layoutChanged()
	return nil, StatusOK, ""
}

func (d *Dispatcher) renameTab(i int, name string) (proto.Message, Status, string) {
	if i < 0 || i >= len(d.s.Tabs) {
		return nil, StatusOK, "no such tab"
	}
	d.s.Tabs[i].Name = name
	d.layoutChanged()
	return nil, StatusOK, ""
}

// openPane models an Open* command: a new pane in the active tab (or in a
// new tab for *InNewTab), nothing actually started.
func (d *Dispatcher) openPane(cmd *pluginpb.PluginCommand, plugin bool) (proto.Message, Status, string) {
	s := d.s
	n := cmd.Name
	var tabID *uint64
	if strings.HasSuffix(n.String(), "InNewTab") {
		i := s.addTab("", true)
		id := uint64(s.Tabs[i].ID)
		tabID = &id
	}
	p := zellij.Pane{IsPlugin: plugin, Floating: strings.Contains(n.String(), "Floating")}
	title, command := describePane(cmd)
	p.Title, p.Command = title, command
	if plugin {
		p.PluginURL = title
	}
	p = s.addPane(p, !strings.Contains(n.String(), "Background"))
	d.layoutChanged()
	kind := pluginpb.PaneType_Terminal
	if plugin {
		kind = pluginpb.PaneType_Plugin
	}
	return newReply(n, tabID, &pluginpb.PaneId{PaneType: kind, Id: p.ID}), StatusOK,
		"pane recorded, nothing started"
}

// describePane finds a title (file path, command line or plugin URL) and a
// command line in an Open* command's payload, looking for the usual field
// shapes (file_to_open.path, command_to_run.{path,args}, plugin_url).
func describePane(cmd *pluginpb.PluginCommand) (title, command string) {
	r := cmd.ProtoReflect()
	od := r.Descriptor().Oneofs().ByName("payload")
	if od == nil {
		return "", ""
	}
	f := r.WhichOneof(od)
	if f == nil || f.Message() == nil {
		return "", ""
	}
	return describeMessage(r.Get(f).Message(), 0)
}

func describeMessage(m protoreflect.Message, depth int) (title, command string) {
	if depth > 3 {
		return "", ""
	}
	fields := m.Descriptor().Fields()
	if f := fields.ByName("plugin_url"); f != nil && f.Kind() == protoreflect.StringKind && m.Has(f) {
		return m.Get(f).String(), ""
	}
	if f := fields.ByName("file_to_open"); f != nil && f.Message() != nil && m.Has(f) {
		fm := m.Get(f).Message()
		if pf := fm.Descriptor().Fields().ByName("path"); pf != nil {
			return fm.Get(pf).String(), ""
		}
	}
	if f := fields.ByName("command_to_run"); f != nil && f.Message() != nil && m.Has(f) {
		cm := m.Get(f).Message()
		cf := cm.Descriptor().Fields()
		parts := []string{}
		if pf := cf.ByName("path"); pf != nil {
			parts = append(parts, cm.Get(pf).String())
		}
		if af := cf.ByName("args"); af != nil && af.IsList() {
			l := cm.Get(af).List()
			for i := 0; i < l.Len(); i++ {
				parts = append(parts, l.Get(i).String())
			}
		}
		line := strings.Join(parts, " ")
		return line, line
	}
	// Payloads that wrap one of the above (…NearPlugin, …InPlaceOf…).
	for i := 0; i < fields.Len(); i++ {
		f := fields.Get(i)
		if f.Message() != nil && !f.IsList() && !f.IsMap() && m.Has(f) {
			if t, c := describeMessage(m.Get(f).Message(), depth+1); t != "" {
				return t, c
			}
		}
	}
	return "", ""
}

// OwnURL is the placeholder URL a plugin uses for itself.
const OwnURL = "zellij:OWN_URL"

func (d *Dispatcher) messageToPlugin(p *pluginpb.MessageToPluginPayload) (proto.Message, Status, string) {
	s := d.s
	directed := p.PluginUrl != nil || p.DestinationPluginId != nil
	toSelf := true
	switch {
	case p.DestinationPluginId != nil:
		toSelf = p.GetDestinationPluginId() == s.PluginID
	case p.PluginUrl != nil:
		u := p.GetPluginUrl()
		toSelf = (u == OwnURL || u == s.PluginURL) && d.sameConfig(p.PluginConfig)
	}
	if !toSelf {
		return nil, StatusUnsupported, "only messages to the plugin itself are delivered in plugin run (no other plugins are loaded)"
	}
	id := s.PluginID
	msg := &pluginpb.PipeMessage{
		Source:         pluginpb.PipeSource_Plugin,
		PluginSourceId: &id,
		Name:           p.GetMessageName(),
		Payload:        p.MessagePayload,
		IsPrivate:      directed,
	}
	for _, a := range p.MessageArgs {
		msg.Args = append(msg.Args, &pluginpb.Arg{Key: a.GetName(), Value: a.GetValue()})
	}
	d.pending = append(d.pending, Delivery{Pipe: msg})
	return nil, StatusOK, "delivered to the plugin itself as a pipe message"
}

// sameConfig reports whether a MessageToPlugin configuration names this
// plugin instance: empty, or equal to its own configuration.
func (d *Dispatcher) sameConfig(items []*pluginpb.ContextItem) bool {
	if len(items) == 0 {
		return true
	}
	m := map[string]string{}
	for _, it := range items {
		m[it.GetName()] = it.GetValue()
	}
	// caller_cwd is added by the host to every such message; it does not
	// make a different plugin.
	delete(m, "caller_cwd")
	own := maps.Clone(d.config)
	delete(own, "caller_cwd")
	return maps.Equal(m, own)
}
