package zellij

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

func TestDefaultStylingCounts(t *testing.T) {
	st := DefaultStyling()
	fields := st.ProtoReflect().Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		f := fields.Get(i)
		n := st.ProtoReflect().Get(f).List().Len()
		switch num := f.Number(); {
		case num == 10:
			if n != 0 && n != 6 {
				t.Errorf("field %d (%s): %d colours, want 0 or 6", num, f.Name(), n)
			}
		case num == 15:
			if n != 10 {
				t.Errorf("field %d (%s): %d colours, want 10", num, f.Name(), n)
			}
		case num >= 1 && num <= 14:
			if n != 6 {
				t.Errorf("field %d (%s): %d colours, want 6", num, f.Name(), n)
			}
		default:
			t.Errorf("unexpected Styling field %d", num)
		}
	}
	// Round-trips through the wire unchanged.
	b, err := proto.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var back pluginpb.Styling
	if err := proto.Unmarshal(b, &back); err != nil || !proto.Equal(&back, st) {
		t.Fatalf("round trip: %v", err)
	}
}

func TestDefaultKeybinds(t *testing.T) {
	kb := DefaultKeybinds()
	if len(kb) != len(allModes) {
		t.Fatalf("%d modes, want %d", len(kb), len(allModes))
	}
	find := func(mode pluginpb.InputMode, key string) []*pluginpb.Action {
		k, err := ParseKey(key)
		if err != nil {
			t.Fatal(err)
		}
		want := k.Proto()
		for _, m := range kb {
			if m.Mode != mode {
				continue
			}
			for _, b := range m.KeyBind {
				if proto.Equal(b.Key, want) {
					return b.Action
				}
			}
		}
		return nil
	}
	switchesTo := func(acts []*pluginpb.Action, m pluginpb.InputMode) bool {
		for _, a := range acts {
			if a.Name == pluginpb.ActionName_SwitchToMode && a.GetSwitchToModePayload().GetInputMode() == m {
				return true
			}
		}
		return false
	}
	checks := []struct {
		mode pluginpb.InputMode
		key  string
		to   pluginpb.InputMode
	}{
		{pluginpb.InputMode_Normal, "Ctrl+g", pluginpb.InputMode_Locked},
		{pluginpb.InputMode_Locked, "Ctrl+g", pluginpb.InputMode_Normal},
		{pluginpb.InputMode_Normal, "Ctrl+p", pluginpb.InputMode_Pane},
		{pluginpb.InputMode_Pane, "Ctrl+p", pluginpb.InputMode_Normal},
		{pluginpb.InputMode_Normal, "Ctrl+t", pluginpb.InputMode_Tab},
		{pluginpb.InputMode_Normal, "Ctrl+n", pluginpb.InputMode_Resize},
		{pluginpb.InputMode_Normal, "Ctrl+h", pluginpb.InputMode_Move},
		{pluginpb.InputMode_Normal, "Ctrl+s", pluginpb.InputMode_Scroll},
		{pluginpb.InputMode_Normal, "Ctrl+o", pluginpb.InputMode_Session},
		{pluginpb.InputMode_Normal, "Ctrl+b", pluginpb.InputMode_Tmux},
		{pluginpb.InputMode_Tab, "Esc", pluginpb.InputMode_Normal},
	}
	for _, c := range checks {
		if !switchesTo(find(c.mode, c.key), c.to) {
			t.Errorf("mode %v key %s does not switch to %v", c.mode, c.key, c.to)
		}
	}
	if find(pluginpb.InputMode_Locked, "Ctrl+q") != nil {
		t.Error("locked mode binds Ctrl+q")
	}
	if a := find(pluginpb.InputMode_Normal, "Ctrl+q"); len(a) != 1 || a[0].Name != pluginpb.ActionName_Quit {
		t.Errorf("Ctrl+q in normal mode: %v", a)
	}
	// Every key has a main key and every action a payload shape the guest
	// decoder accepts: SwitchToMode, MoveFocus*, Resize, NewPane, MovePane
	// and GoToTab need theirs; the others must have none.
	needs := map[pluginpb.ActionName]bool{
		pluginpb.ActionName_SwitchToMode: true, pluginpb.ActionName_MoveFocus: true,
		pluginpb.ActionName_MoveFocusOrTab: true, pluginpb.ActionName_Resize: true,
		pluginpb.ActionName_NewPane: true, pluginpb.ActionName_MovePane: true,
		pluginpb.ActionName_GoToTab: true,
	}
	for _, m := range kb {
		seen := map[string]bool{}
		for _, b := range m.KeyBind {
			if b.Key == nil || (b.Key.Char == nil) == (b.Key.Key == nil) {
				t.Errorf("mode %v: key without exactly one main key: %v", m.Mode, b.Key)
			}
			ks, _ := proto.Marshal(b.Key)
			if seen[string(ks)] {
				t.Errorf("mode %v: key %v bound twice", m.Mode, b.Key)
			}
			seen[string(ks)] = true
			for _, a := range b.Action {
				if has := a.OptionalPayload != nil; has != needs[a.Name] {
					t.Errorf("mode %v key %v: action %v payload present=%v", m.Mode, b.Key, a.Name, has)
				}
			}
		}
	}
}

func TestSessionEvents(t *testing.T) {
	created := time.Unix(1700000000, 0)
	s := &Session{
		Name: "tessera", Rows: 24, Cols: 80, Created: created, Clients: 1,
		Tabs: []Tab{{ID: 0, Name: "Tab #1", Active: true, Panes: []Pane{
			{ID: 0, Title: "Pane #1", Focused: true, Rows: 24, Cols: 80},
			{ID: 7, IsPlugin: true, Title: "file:/p/x.wasm", PluginURL: "file:/p/x.wasm", Rows: 24, Cols: 80},
		}}},
	}
	evs := s.InitialEvents(false)
	names := []pluginpb.EventType{}
	for _, e := range evs {
		names = append(names, e.Name)
		// Every event survives the wire and names its payload.
		b, err := proto.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var back pluginpb.Event
		if err := proto.Unmarshal(b, &back); err != nil || !proto.Equal(&back, e) {
			t.Fatalf("event %v does not round-trip: %v", e.Name, err)
		}
	}
	want := []pluginpb.EventType{
		pluginpb.EventType_ModeUpdate, pluginpb.EventType_TabUpdate, pluginpb.EventType_PaneUpdate,
		pluginpb.EventType_SessionUpdate, pluginpb.EventType_Visible,
	}
	if len(names) != len(want) {
		t.Fatalf("events %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("events %v, want %v", names, want)
		}
	}

	mu := evs[0].GetModeUpdatePayload()
	if mu.CurrentMode != pluginpb.InputMode_Normal || mu.GetSessionName() != "tessera" ||
		mu.GetBaseMode() != pluginpb.InputMode_Normal || !mu.ArrowFontsSupport ||
		mu.GetStyle().GetStyling() == nil || len(mu.Keybinds) == 0 {
		t.Errorf("mode update: %v", mu)
	}
	if s.ModeUpdate(false).GetModeUpdatePayload().Keybinds != nil {
		t.Error("ModeUpdate(false) carries keybinds")
	}

	tabs := evs[1].GetTabUpdatePayload().TabInfo
	if len(tabs) != 1 || tabs[0].Position != 0 || tabs[0].Name != "Tab #1" || !tabs[0].Active ||
		tabs[0].TabId != 0 || tabs[0].DisplayAreaRows != 24 || tabs[0].ViewportColumns != 80 {
		t.Errorf("tabs: %v", tabs)
	}

	man := evs[2].GetPaneUpdatePayload().PaneManifest
	if len(man) != 1 || man[0].TabIndex != 0 || len(man[0].Panes) != 2 {
		t.Fatalf("panes: %v", man)
	}
	term, plug := man[0].Panes[0], man[0].Panes[1]
	if term.Id != 0 || term.IsPlugin || !term.IsFocused {
		t.Errorf("terminal pane: %v", term)
	}
	if plug.Id != 7 || !plug.IsPlugin || plug.GetPluginUrl() != "file:/p/x.wasm" || plug.IsFocused {
		t.Errorf("plugin pane: %v", plug)
	}

	sm := evs[3].GetSessionUpdatePayload().SessionManifests
	if len(sm) != 1 || sm[0].Name != "tessera" || !sm[0].IsCurrentSession || sm[0].ConnectedClients != 1 ||
		len(sm[0].Tabs) != 1 || len(sm[0].Panes) != 1 || sm[0].CreationTime != 1700000000 {
		t.Errorf("session manifest: %v", sm)
	}
	if !evs[4].GetVisiblePayload() {
		t.Error("not visible")
	}
	// Optional booleans are on the wire even when false: check the payload
	// kinds are the ones the guest expects.
	checkOneof(t, evs[4], "visible_payload")
}

func checkOneof(t *testing.T, e *pluginpb.Event, want protoreflect.Name) {
	t.Helper()
	od := e.ProtoReflect().Descriptor().Oneofs().ByName("payload")
	f := e.ProtoReflect().WhichOneof(od)
	if f == nil || f.Name() != want {
		t.Errorf("event %v payload %v, want %s", e.Name, f, want)
	}
}
