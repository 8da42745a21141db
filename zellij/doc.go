// Package zellij is the session as Zellij plugins see it: a plain value
// model (Session, Tab, Pane) that its owner fills from its own state, and
// the functions that turn it into what the plugin ABI carries — the
// ModeUpdate (mode, session name, complete style and keybindings),
// TabUpdate, PaneUpdate and SessionUpdate events, the initial event
// sequence of a freshly loaded plugin, and the replies to the read-only
// session-info commands. It also holds Zellij's default keybindings and
// theme, and key and mouse names as scripts and configurations write them
// (ParseKey, KeyEvent, MouseEvent), with pluginpb's enums.
//
// Nothing here runs plugins, starts goroutines or keeps state between
// calls: the daemon and `tessera plugin run` each own their Session and
// ask it for events when it changes.
//
//	s := &zellij.Session{Name: "work", Rows: 24, Cols: 80, Clients: 1,
//		Tabs: []zellij.Tab{{ID: 0, Name: "editor", Active: true,
//			Panes: []zellij.Pane{{ID: 1, Title: "vim", Focused: true, Rows: 24, Cols: 80}}}}}
//	for _, ev := range s.InitialEvents(false) {
//		p.Post(ev) // a *wasi.Plugin
//	}
package zellij
