package daemon

import "testing"

// Each tab command marks its session dirty by itself, so that plugins see
// the change whoever makes it (not only the plugin command handler).
func TestTabChangesMarkSessionDirty(t *testing.T) {
	d := &Daemon{events: newBus()}
	s := &session{name: "s"}
	for _, name := range []string{"a", "b", "c"} {
		s.tabs = append(s.tabs, &tab{name: name, sess: s, addr: "s." + name})
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"renameTab", func() error { return d.renameTab(s, 1, "bb") }},
		{"focusTab", func() error { return d.focusTab(s, 2) }},
		{"closeTabAt", func() error { return d.closeTabAt(s, 0) }},
	}
	for _, st := range steps {
		d.dirty = nil
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if !d.dirty[s] {
			t.Errorf("%s did not mark the session dirty", st.name)
		}
	}
	if len(s.tabs) != 2 || s.tabs[0].name != "bb" || s.active != 1 {
		t.Fatalf("tabs after the changes: %d, first %q, active %d", len(s.tabs), s.tabs[0].name, s.active)
	}
	// A refused change marks nothing.
	d.dirty = nil
	if err := d.renameTab(s, 5, "x"); err == nil || d.dirty[s] {
		t.Fatalf("rename of a missing tab: err=%v dirty=%v", err, d.dirty[s])
	}
}
