package zellij

import (
	"maps"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// Session is one session as its plugins see it: a plain value, filled by
// its owner (the daemon from its real state, `tessera plugin run` from a
// synthetic one). The methods read it and build events and replies; they
// keep nothing and never modify it.
type Session struct {
	// Name is the session name.
	Name string
	// Mode is the current input mode; BaseMode the mode the session
	// returns to (Normal unless configured otherwise).
	Mode, BaseMode pluginpb.InputMode
	// Tabs in position order; Tab.Active marks the active one.
	Tabs []Tab
	// Rows and Cols are the display area.
	Rows, Cols int
	// Created is when the session started.
	Created time.Time
	// Clients is the number of connected clients.
	Clients int
	// Env is what GetSessionEnvironmentVariables reports.
	Env map[string]string
	// Styling is the theme sent in ModeUpdate; nil sends DefaultStyling.
	Styling *pluginpb.Styling
	// Keybinds are sent in ModeUpdate and InitialKeybinds; nil sends
	// DefaultKeybinds.
	Keybinds []*pluginpb.InputModeKeybinds
	// SimplifiedUI turns off arrow fonts (ModeUpdate.arrow_fonts_support).
	SimplifiedUI bool
}

// Tab is one tab of a session. Its position is its index in Session.Tabs.
type Tab struct {
	// ID is the tab's stable id (tab ids are never reused).
	ID   uint32
	Name string
	// Active marks the active tab (one per session).
	Active bool
	Panes  []Pane
	// FloatingVisible tells whether the floating panes are shown.
	FloatingVisible bool
	Fullscreen      bool
	SyncPanes       bool
	// Rows and Cols are the viewport; zero takes the session's display
	// area.
	Rows, Cols int
}

// Pane is one pane of a tab. Terminal and plugin panes have separate id
// spaces.
type Pane struct {
	ID       uint32
	IsPlugin bool
	Title    string
	// Focused marks the tab's focused pane.
	Focused    bool
	Floating   bool
	Suppressed bool
	// NotSelectable is set for panes that do not take focus (a plugin's
	// SetSelectable(false)).
	NotSelectable bool
	// Exited is set for a command pane whose command ended, ExitStatus its
	// status when known.
	Exited     bool
	ExitStatus *int32
	// Command is the command line of a command pane.
	Command string
	// PluginURL is the location of a plugin pane.
	PluginURL string
	// X, Y, Rows and Cols are the pane's place and content size.
	X, Y, Rows, Cols int
}

// ActiveTab returns the index of the active tab (the first one marked, 0
// when none is), or -1 when there are no tabs.
func (s *Session) ActiveTab() int {
	if len(s.Tabs) == 0 {
		return -1
	}
	return max(0, slices.IndexFunc(s.Tabs, func(t Tab) bool { return t.Active }))
}

// TabByID returns the index of the tab with id, or -1.
func (s *Session) TabByID(id uint64) int {
	return slices.IndexFunc(s.Tabs, func(t Tab) bool { return uint64(t.ID) == id })
}

// TabByName returns the index of the first tab named name, or -1.
func (s *Session) TabByName(name string) int {
	return slices.IndexFunc(s.Tabs, func(t Tab) bool { return t.Name == name })
}

// Pane returns the tab index and pane index of a pane, or -1, -1.
func (s *Session) Pane(id uint32, plugin bool) (tab, pane int) {
	for ti, t := range s.Tabs {
		for pi, p := range t.Panes {
			if p.ID == id && p.IsPlugin == plugin {
				return ti, pi
			}
		}
	}
	return -1, -1
}

// FocusedPane returns the index of tab ti's focused pane, or -1.
func (s *Session) FocusedPane(ti int) int {
	if ti < 0 || ti >= len(s.Tabs) {
		return -1
	}
	return slices.IndexFunc(s.Tabs[ti].Panes, func(p Pane) bool { return p.Focused })
}

func (s *Session) styling() *pluginpb.Styling {
	if s.Styling != nil {
		return s.Styling
	}
	return sharedStyle().Styling
}

func (s *Session) keybinds() []*pluginpb.InputModeKeybinds {
	if s.Keybinds != nil {
		return s.Keybinds
	}
	return sharedKeybinds()
}

// TabInfos returns the tabs as TabUpdate carries them.
func (s *Session) TabInfos() []*pluginpb.TabInfo {
	out := make([]*pluginpb.TabInfo, len(s.Tabs))
	active := s.ActiveTab()
	for i, t := range s.Tabs {
		var tiled, floating uint32
		for _, p := range t.Panes {
			switch {
			case p.NotSelectable || p.Suppressed:
			case p.Floating:
				floating++
			default:
				tiled++
			}
		}
		rows, cols := t.Rows, t.Cols
		if rows == 0 && cols == 0 {
			rows, cols = s.Rows, s.Cols
		}
		out[i] = &pluginpb.TabInfo{
			Position:                     uint32(i),
			Name:                         t.Name,
			Active:                       i == active,
			IsFullscreenActive:           t.Fullscreen,
			IsSyncPanesActive:            t.SyncPanes,
			ViewportRows:                 uint32(rows),
			ViewportColumns:              uint32(cols),
			DisplayAreaRows:              uint32(s.Rows),
			DisplayAreaColumns:           uint32(s.Cols),
			SelectableTiledPanesCount:    tiled,
			SelectableFloatingPanesCount: floating,
			AreFloatingPanesVisible:      t.FloatingVisible,
			TabId:                        t.ID,
		}
	}
	return out
}

// PaneInfo returns p as PaneUpdate carries it.
func (p Pane) PaneInfo() *pluginpb.PaneInfo {
	info := &pluginpb.PaneInfo{
		Id:                 p.ID,
		IsPlugin:           p.IsPlugin,
		IsFocused:          p.Focused,
		IsFloating:         p.Floating,
		IsSuppressed:       p.Suppressed,
		Title:              p.Title,
		Exited:             p.Exited,
		ExitStatus:         p.ExitStatus,
		PaneX:              uint32(p.X),
		PaneContentX:       uint32(p.X),
		PaneY:              uint32(p.Y),
		PaneContentY:       uint32(p.Y),
		PaneRows:           uint32(p.Rows),
		PaneContentRows:    uint32(p.Rows),
		PaneColumns:        uint32(p.Cols),
		PaneContentColumns: uint32(p.Cols),
		IsSelectable:       !p.NotSelectable,
	}
	if p.IsPlugin {
		info.PluginUrl = proto.String(p.PluginURL)
	}
	if p.Command != "" {
		info.TerminalCommand = proto.String(p.Command)
	}
	return info
}

// PaneManifests returns the panes per tab as PaneUpdate carries them (one
// manifest per tab index).
func (s *Session) PaneManifests() []*pluginpb.PaneManifest {
	out := make([]*pluginpb.PaneManifest, len(s.Tabs))
	for i, t := range s.Tabs {
		m := &pluginpb.PaneManifest{TabIndex: uint32(i)}
		for _, p := range t.Panes {
			m.Panes = append(m.Panes, p.PaneInfo())
		}
		out[i] = m
	}
	return out
}

// Manifest returns the session as GetSessionList and SessionUpdate
// describe it; current marks the session of the plugin asking.
func (s *Session) Manifest(current bool) *pluginpb.SessionManifest {
	return &pluginpb.SessionManifest{
		Name:             s.Name,
		Tabs:             s.TabInfos(),
		Panes:            s.PaneManifests(),
		ConnectedClients: uint32(s.Clients),
		IsCurrentSession: current,
		CreationTime:     uint64(s.Created.Unix()),
	}
}

// ModeUpdate returns the ModeUpdate event: mode, base mode, session name,
// complete style and (with keybinds) the keybindings. With keybinds false
// they are left out, as for plugins that take them from InitialKeybinds.
// The style and keybinds are shared between events: read them, never
// modify them.
func (s *Session) ModeUpdate(keybinds bool) *pluginpb.Event {
	base := s.BaseMode
	p := &pluginpb.ModeUpdatePayload{
		CurrentMode:       s.Mode,
		Style:             &pluginpb.Style{Styling: s.styling()},
		ArrowFontsSupport: !s.SimplifiedUI,
		SessionName:       proto.String(s.Name),
		BaseMode:          &base,
	}
	if keybinds {
		p.Keybinds = s.keybinds()
	}
	return &pluginpb.Event{
		Name:    pluginpb.EventType_ModeUpdate,
		Payload: &pluginpb.Event_ModeUpdatePayload{ModeUpdatePayload: p},
	}
}

// InitialKeybinds returns the payload of the InitialKeybinds event (the
// host sends the event when a plugin subscribes to it).
func (s *Session) InitialKeybinds() *pluginpb.InitialKeybindsPayload {
	return &pluginpb.InitialKeybindsPayload{Keybinds: s.keybinds()}
}

// TabUpdate returns the TabUpdate event.
func (s *Session) TabUpdate() *pluginpb.Event {
	return &pluginpb.Event{
		Name: pluginpb.EventType_TabUpdate,
		Payload: &pluginpb.Event_TabUpdatePayload{
			TabUpdatePayload: &pluginpb.TabUpdatePayload{TabInfo: s.TabInfos()},
		},
	}
}

// PaneUpdate returns the PaneUpdate event.
func (s *Session) PaneUpdate() *pluginpb.Event {
	return &pluginpb.Event{
		Name: pluginpb.EventType_PaneUpdate,
		Payload: &pluginpb.Event_PaneUpdatePayload{
			PaneUpdatePayload: &pluginpb.PaneUpdatePayload{PaneManifest: s.PaneManifests()},
		},
	}
}

// SessionUpdate returns the SessionUpdate event for a plugin of session
// current: current first, then the other live sessions.
func SessionUpdate(current *Session, others ...*Session) *pluginpb.Event {
	p := &pluginpb.SessionUpdatePayload{SessionManifests: []*pluginpb.SessionManifest{current.Manifest(true)}}
	for _, o := range others {
		p.SessionManifests = append(p.SessionManifests, o.Manifest(false))
	}
	return &pluginpb.Event{
		Name:    pluginpb.EventType_SessionUpdate,
		Payload: &pluginpb.Event_SessionUpdatePayload{SessionUpdatePayload: p},
	}
}

// VisibleEvent returns the Visible event.
func VisibleEvent(visible bool) *pluginpb.Event {
	return &pluginpb.Event{
		Name:    pluginpb.EventType_Visible,
		Payload: &pluginpb.Event_VisiblePayload{VisiblePayload: visible},
	}
}

// InitialEvents returns the events a freshly loaded plugin of the session
// receives, in order: ModeUpdate (keybinds included unless the plugin
// takes them from InitialKeybinds), TabUpdate, PaneUpdate, SessionUpdate
// (this session alone), Visible(true). Callers filter by subscription.
func (s *Session) InitialEvents(wantsInitialKeybinds bool) []*pluginpb.Event {
	return []*pluginpb.Event{
		s.ModeUpdate(!wantsInitialKeybinds),
		s.TabUpdate(),
		s.PaneUpdate(),
		SessionUpdate(s),
		VisibleEvent(true),
	}
}

// Reply answers the read-only session-info commands from the session:
// GetSessionList (this session and others), GetFocusedPaneInfo and
// GetSessionEnvironmentVariables. ok is false for every other command.
// The reply is the caller's.
func (s *Session) Reply(cmd *pluginpb.PluginCommand, others ...*Session) (reply proto.Message, ok bool) {
	switch cmd.GetName() {
	case pluginpb.CommandName_GetSessionList:
		snap := &pluginpb.SessionListSnapshot{LiveSessions: []*pluginpb.SessionManifest{s.Manifest(true)}}
		for _, o := range others {
			snap.LiveSessions = append(snap.LiveSessions, o.Manifest(false))
		}
		return &pluginpb.GetSessionListResponse{
			Result: &pluginpb.GetSessionListResponse_Snapshot{Snapshot: snap},
		}, true
	case pluginpb.CommandName_GetFocusedPaneInfo:
		ti := s.ActiveTab()
		fi := &pluginpb.FocusedPaneInfo{FocusedTabIndex: uint32(max(ti, 0))}
		if pi := s.FocusedPane(ti); pi >= 0 {
			p := s.Tabs[ti].Panes[pi]
			kind := pluginpb.PaneType_Terminal
			if p.IsPlugin {
				kind = pluginpb.PaneType_Plugin
			}
			fi.FocusedPaneId = &pluginpb.PaneId{PaneType: kind, Id: p.ID}
		}
		return &pluginpb.GetFocusedPaneInfoResponse{
			Result: &pluginpb.GetFocusedPaneInfoResponse_FocusedPaneInfo{FocusedPaneInfo: fi},
		}, true
	case pluginpb.CommandName_GetSessionEnvironmentVariables:
		resp := &pluginpb.GetSessionEnvironmentVariablesResponse{}
		for _, k := range slices.Sorted(maps.Keys(s.Env)) {
			resp.EnvVars = append(resp.EnvVars, &pluginpb.EnvVariable{Name: k, Value: s.Env[k]})
		}
		return resp, true
	}
	return nil, false
}
