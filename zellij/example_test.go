package zellij_test

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/zellij"
)

// A key as a script writes it, and the Key event the plugin receives: the
// character travels as its code, one modifier in `modifier` and the others
// in `additional_modifiers`.
func ExampleParseKey() {
	k, err := zellij.ParseKey("Ctrl+Shift+a")
	if err != nil {
		panic(err)
	}
	b, _ := proto.Marshal(zellij.KeyEvent(k))
	fmt.Println(k)
	fmt.Println(b)
	// Output:
	// Ctrl+Shift+a
	// [8 3 42 6 8 0 24 97 32 2]
}

// A session as its owner describes it, and the events a plugin of it
// receives after load.
func ExampleSession_InitialEvents() {
	s := &zellij.Session{
		Name: "work", Rows: 24, Cols: 80, Clients: 1,
		Tabs: []zellij.Tab{
			{ID: 0, Name: "editor", Active: true, Panes: []zellij.Pane{{ID: 1, Title: "vim", Focused: true}}},
			{ID: 1, Name: "logs"},
		},
	}
	for _, ev := range s.InitialEvents(false) {
		fmt.Println(ev.Name)
	}
	tabs := s.TabUpdate().GetTabUpdatePayload().TabInfo
	fmt.Println(tabs[0].Name, tabs[0].Active, tabs[1].Name, tabs[1].Active)
	// Output:
	// ModeUpdate
	// TabUpdate
	// PaneUpdate
	// SessionUpdate
	// Visible
	// editor true logs false
}
