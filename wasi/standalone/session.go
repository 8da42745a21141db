package standalone

import (
	"slices"
	"strconv"
	"time"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// Pane is a pane of the synthetic session.
type Pane struct {
	ID       uint32
	IsPlugin bool
	Title    string
	Floating bool
	Command  string // for command panes: the command line, for PaneInfo.terminal_command
	URL      string // for plugin panes
	// Selectable mirrors SetSelectable for the plugin's own pane.
	Selectable bool
}

// Tab is a tab of the synthetic session.
type Tab struct {
	ID    uint32
	Name  string
	Panes []Pane
	// Focused is the id of the tab's focused terminal pane.
	Focused uint32
	// FloatingVisible mirrors ToggleFloatingPanes.
	FloatingVisible bool
}

// Session is the synthetic session a standalone plugin sees: its name, input
// mode, tabs and panes, and the size of the plugin's pane. The zero value is
// not usable; build one with NewSession.
//
// A Session is not goroutine-safe; the Dispatcher guards its own.
type Session struct {
	Name     string
	Mode     pluginpb.InputMode
	BaseMode pluginpb.InputMode
	Tabs     []Tab
	Active   int // index into Tabs
	// Previous is the index of the tab active before Active (ToggleTab).
	Previous int
	// Rows and Cols are the plugin pane's content size; the display area is
	// the same size (the plugin fills the screen).
	Rows, Cols int
	Visible    bool
	Created    time.Time

	PluginID  uint32
	PluginURL string
	// PluginTab is the index of the tab holding the plugin's pane.
	PluginTab int

	nextTabID     uint32
	nextTerminal  uint32
	nextPluginID  uint32
	randomNameSeq int
}

// SessionName is the synthetic session's name.
const SessionName = "tessera"

// NewSession returns the starting session: session "tessera" in Normal
// mode, one active tab "Tab #1" (tab id 0) holding a focused terminal pane
// (id 0) and the plugin's own pane (plugin id pluginID, location url), sized
// rows×cols.
func NewSession(pluginID uint32, url string, rows, cols int, created time.Time) *Session {
	s := &Session{
		Name:         SessionName,
		Mode:         pluginpb.InputMode_Normal,
		BaseMode:     pluginpb.InputMode_Normal,
		Rows:         rows,
		Cols:         cols,
		Visible:      true,
		Created:      created,
		PluginID:     pluginID,
		PluginURL:    url,
		nextPluginID: pluginID + 1,
	}
	s.addTab("Tab #1", true)
	s.Tabs[0].Panes = append(s.Tabs[0].Panes, Pane{
		ID: pluginID, IsPlugin: true, Title: url, URL: url, Selectable: true,
	})
	return s
}

// addTab appends a tab with one terminal pane and returns its index.
func (s *Session) addTab(name string, focus bool) int {
	id := s.nextTabID
	s.nextTabID++
	if name == "" {
		name = "Tab #" + strconv.Itoa(len(s.Tabs)+1)
	}
	term := s.newTerminalID()
	s.Tabs = append(s.Tabs, Tab{
		ID:      id,
		Name:    name,
		Panes:   []Pane{{ID: term, Title: "Pane #1", Selectable: true}},
		Focused: term,
	})
	i := len(s.Tabs) - 1
	if focus {
		s.focusTab(i)
	}
	return i
}

func (s *Session) newTerminalID() uint32 {
	id := s.nextTerminal
	s.nextTerminal++
	return id
}

// focusTab makes tab i active; out-of-range indices are ignored.
func (s *Session) focusTab(i int) bool {
	if i < 0 || i >= len(s.Tabs) {
		return false
	}
	if i != s.Active {
		s.Previous = s.Active
	}
	s.Active = i
	return true
}

// tabByID returns the index of the tab with id, or -1.
func (s *Session) tabByID(id uint64) int {
	for i, t := range s.Tabs {
		if uint64(t.ID) == id {
			return i
		}
	}
	return -1
}

// tabByName returns the index of the tab named name, or -1.
func (s *Session) tabByName(name string) int {
	for i, t := range s.Tabs {
		if t.Name == name {
			return i
		}
	}
	return -1
}

// closeTab removes tab i; the last tab is never closed (a session always
// has one), and the plugin's tab is kept as well.
func (s *Session) closeTab(i int) bool {
	if i < 0 || i >= len(s.Tabs) || len(s.Tabs) == 1 || i == s.PluginTab {
		return false
	}
	s.Tabs = slices.Delete(s.Tabs, i, i+1)
	if s.PluginTab > i {
		s.PluginTab--
	}
	if s.Active >= i && s.Active > 0 {
		s.Active--
	}
	s.Previous = min(s.Previous, len(s.Tabs)-1)
	return true
}

// addPane adds a pane to the active tab and returns it.
func (s *Session) addPane(p Pane, focus bool) Pane {
	t := &s.Tabs[s.Active]
	if p.IsPlugin {
		p.ID = s.nextPluginID
		s.nextPluginID++
	} else {
		p.ID = s.newTerminalID()
		if p.Title == "" {
			p.Title = "Pane #" + strconv.Itoa(len(t.Panes)+1)
		}
		if focus {
			t.Focused = p.ID
		}
	}
	p.Selectable = true
	t.Panes = append(t.Panes, p)
	return p
}

// pane returns the tab index and pane index of a pane, or -1, -1.
func (s *Session) pane(id uint32, plugin bool) (int, int) {
	for ti, t := range s.Tabs {
		for pi, p := range t.Panes {
			if p.ID == id && p.IsPlugin == plugin {
				return ti, pi
			}
		}
	}
	return -1, -1
}

// randomName returns a deterministic "random" name: the runner is used for
// golden tests, so the sequence is fixed.
func (s *Session) randomName() string {
	adjectives := []string{"quiet", "amber", "brisk", "cobalt", "gentle", "lucid", "mossy", "silver"}
	nouns := []string{"otter", "heron", "lynx", "falcon", "willow", "comet", "harbor", "meadow"}
	n := s.randomNameSeq
	s.randomNameSeq++
	return adjectives[n%len(adjectives)] + "-" + nouns[(n/len(adjectives)+n)%len(nouns)]
}

// TabInfos returns the tabs as TabUpdate carries them.
func (s *Session) TabInfos() []*pluginpb.TabInfo {
	out := make([]*pluginpb.TabInfo, len(s.Tabs))
	for i, t := range s.Tabs {
		tiled := uint32(0)
		floating := uint32(0)
		for _, p := range t.Panes {
			if !p.Selectable {
				continue
			}
			if p.Floating {
				floating++
			} else {
				tiled++
			}
		}
		out[i] = &pluginpb.TabInfo{
			Position:                     uint32(i),
			Name:                         t.Name,
			Active:                       i == s.Active,
			ViewportRows:                 uint32(s.Rows),
			ViewportColumns:              uint32(s.Cols),
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

// PaneManifests returns the panes per tab as PaneUpdate carries them (one
// manifest per tab index, never duplicated).
func (s *Session) PaneManifests() []*pluginpb.PaneManifest {
	out := make([]*pluginpb.PaneManifest, len(s.Tabs))
	for i, t := range s.Tabs {
		m := &pluginpb.PaneManifest{TabIndex: uint32(i)}
		for _, p := range t.Panes {
			info := &pluginpb.PaneInfo{
				Id:                 p.ID,
				IsPlugin:           p.IsPlugin,
				IsFocused:          !p.IsPlugin && p.ID == t.Focused,
				IsFloating:         p.Floating,
				Title:              p.Title,
				PaneRows:           uint32(s.Rows),
				PaneContentRows:    uint32(s.Rows),
				PaneColumns:        uint32(s.Cols),
				PaneContentColumns: uint32(s.Cols),
				IsSelectable:       p.Selectable,
			}
			if p.IsPlugin {
				u := p.URL
				info.PluginUrl = &u
			}
			if p.Command != "" {
				c := p.Command
				info.TerminalCommand = &c
			}
			m.Panes = append(m.Panes, info)
		}
		out[i] = m
	}
	return out
}

// Manifest returns the session as GetSessionList and SessionUpdate describe
// it: the current session, with one connected client.
func (s *Session) Manifest() *pluginpb.SessionManifest {
	return &pluginpb.SessionManifest{
		Name:             s.Name,
		Tabs:             s.TabInfos(),
		Panes:            s.PaneManifests(),
		ConnectedClients: 1,
		IsCurrentSession: true,
		CreationTime:     uint64(s.Created.Unix()),
	}
}

// ModeUpdate returns the ModeUpdate event. The style and keybinds in it are
// shared between events: read them, never modify them. With keybinds false the keybinds
// are left empty, as for plugins subscribed to InitialKeybinds.
func (s *Session) ModeUpdate(keybinds bool) *pluginpb.Event {
	name := s.Name
	base := s.BaseMode
	p := &pluginpb.ModeUpdatePayload{
		CurrentMode:       s.Mode,
		Style:             sharedStyle(),
		ArrowFontsSupport: true,
		SessionName:       &name,
		BaseMode:          &base,
	}
	if keybinds {
		p.Keybinds = sharedKeybinds()
	}
	return &pluginpb.Event{
		Name:    pluginpb.EventType_ModeUpdate,
		Payload: &pluginpb.Event_ModeUpdatePayload{ModeUpdatePayload: p},
	}
}

// InitialKeybinds returns the InitialKeybinds event with the default keybinds.
func (s *Session) InitialKeybinds() *pluginpb.Event {
	return &pluginpb.Event{
		Name: pluginpb.EventType_InitialKeybinds,
		Payload: &pluginpb.Event_InitialKeybindsPayload{
			InitialKeybindsPayload: &pluginpb.InitialKeybindsPayload{Keybinds: sharedKeybinds()},
		},
	}
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

// SessionUpdate returns the SessionUpdate event (this session only, no
// resurrectable sessions).
func (s *Session) SessionUpdate() *pluginpb.Event {
	return &pluginpb.Event{
		Name: pluginpb.EventType_SessionUpdate,
		Payload: &pluginpb.Event_SessionUpdatePayload{
			SessionUpdatePayload: &pluginpb.SessionUpdatePayload{
				SessionManifests: []*pluginpb.SessionManifest{s.Manifest()},
			},
		},
	}
}

// VisibleEvent returns the Visible event for the session's visibility.
func (s *Session) VisibleEvent() *pluginpb.Event {
	return &pluginpb.Event{
		Name:    pluginpb.EventType_Visible,
		Payload: &pluginpb.Event_VisiblePayload{VisiblePayload: s.Visible},
	}
}

// InitialEvents returns the events a freshly loaded plugin receives, in
// order: ModeUpdate (keybinds included unless the plugin takes them from
// InitialKeybinds), TabUpdate, PaneUpdate, SessionUpdate, Visible(true).
// InitialKeybinds itself is sent by the host when the plugin subscribes to
// it. Callers filter by subscription.
func (s *Session) InitialEvents(wantsInitialKeybinds bool) []*pluginpb.Event {
	return []*pluginpb.Event{
		s.ModeUpdate(!wantsInitialKeybinds),
		s.TabUpdate(),
		s.PaneUpdate(),
		s.SessionUpdate(),
		s.VisibleEvent(),
	}
}
