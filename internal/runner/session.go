package runner

import (
	"slices"
	"strconv"
	"time"

	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/zellij"
)

// SessionName is the synthetic session's name.
const SessionName = "tessera"

// Session is the synthetic session a plugin run sees: a zellij.Session the
// dispatcher changes as the plugin's commands ask, plus what the runner
// tracks about the plugin's own pane. Not goroutine-safe; the Dispatcher
// guards its own.
type Session struct {
	zellij.Session
	// Active is the index of the active tab (mirrored in Tab.Active);
	// Previous the one active before (ToggleTab).
	Active, Previous int
	// Visible mirrors HideSelf and ShowSelf.
	Visible bool

	PluginID  uint32
	PluginURL string
	// PluginTab is the index of the tab holding the plugin's pane.
	PluginTab int

	nextTabID     uint32
	nextTerminal  uint32
	nextPluginID  uint32
	randomNameSeq int
}

// NewSession returns the starting session: session "tessera" in Normal
// mode, one active tab "Tab #1" (tab id 0) holding a focused terminal pane
// (id 0) and the plugin's own pane (plugin id pluginID, location url), sized
// rows×cols, one connected client, environment env.
func NewSession(pluginID uint32, url string, rows, cols int, created time.Time, env map[string]string) *Session {
	s := &Session{
		Session: zellij.Session{
			Name:     SessionName,
			Mode:     pluginpb.InputMode_Normal,
			BaseMode: pluginpb.InputMode_Normal,
			Rows:     rows,
			Cols:     cols,
			Created:  created,
			Clients:  1,
			Env:      env,
		},
		Visible:      true,
		PluginID:     pluginID,
		PluginURL:    url,
		nextPluginID: pluginID + 1,
	}
	s.addTab("Tab #1", true)
	s.Tabs[0].Panes = append(s.Tabs[0].Panes, zellij.Pane{
		ID: pluginID, IsPlugin: true, Title: url, PluginURL: url, Rows: rows, Cols: cols,
	})
	return s
}

// Resize sets the display area and every pane to rows×cols (the plugin
// fills the screen).
func (s *Session) Resize(rows, cols int) {
	s.Rows, s.Cols = rows, cols
	for ti := range s.Tabs {
		for pi := range s.Tabs[ti].Panes {
			s.Tabs[ti].Panes[pi].Rows, s.Tabs[ti].Panes[pi].Cols = rows, cols
		}
	}
}

// addTab appends a tab with one terminal pane and returns its index.
func (s *Session) addTab(name string, focus bool) int {
	id := s.nextTabID
	s.nextTabID++
	if name == "" {
		name = "Tab #" + strconv.Itoa(len(s.Tabs)+1)
	}
	term := s.newTerminalID()
	s.Tabs = append(s.Tabs, zellij.Tab{
		ID:    id,
		Name:  name,
		Panes: []zellij.Pane{{ID: term, Title: "Pane #1", Focused: true, Rows: s.Rows, Cols: s.Cols}},
	})
	i := len(s.Tabs) - 1
	if focus || len(s.Tabs) == 1 {
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
	s.syncActive()
	return true
}

func (s *Session) syncActive() {
	for j := range s.Tabs {
		s.Tabs[j].Active = j == s.Active
	}
}

// focused returns the id of tab ti's focused terminal pane.
func (s *Session) focused(ti int) uint32 {
	for _, p := range s.Tabs[ti].Panes {
		if p.Focused && !p.IsPlugin {
			return p.ID
		}
	}
	return 0
}

// focusTerminal makes terminal pane id the focused pane of tab ti.
func (s *Session) focusTerminal(ti int, id uint32) {
	for pi := range s.Tabs[ti].Panes {
		p := &s.Tabs[ti].Panes[pi]
		p.Focused = !p.IsPlugin && p.ID == id
	}
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
	s.syncActive()
	return true
}

// addPane adds a pane to the active tab and returns it.
func (s *Session) addPane(p zellij.Pane, focus bool) zellij.Pane {
	t := &s.Tabs[s.Active]
	if p.IsPlugin {
		p.ID = s.nextPluginID
		s.nextPluginID++
	} else {
		p.ID = s.newTerminalID()
		if p.Title == "" {
			p.Title = "Pane #" + strconv.Itoa(len(t.Panes)+1)
		}
	}
	p.Rows, p.Cols = s.Rows, s.Cols
	t.Panes = append(t.Panes, p)
	if focus && !p.IsPlugin {
		s.focusTerminal(s.Active, p.ID)
	}
	return p
}

// terminals returns the terminal pane ids of tab ti.
func (s *Session) terminals(ti int) []uint32 {
	var ids []uint32
	for _, p := range s.Tabs[ti].Panes {
		if !p.IsPlugin {
			ids = append(ids, p.ID)
		}
	}
	return ids
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
