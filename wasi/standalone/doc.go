// Package standalone runs one plugin outside a daemon, for `tessera plugin
// run`: a synthetic session (session "tessera", one active tab "Tab #1", one
// focused terminal pane, Normal mode, the default theme and keybindings) fed
// to the plugin as events, a Dispatcher that answers the plugin's commands
// against that session and records each of them, and a small script language
// for key presses, pipes, mouse events, resizes and waits.
//
// Nothing here touches the real system on the plugin's behalf: commands that
// would open panes, run programs or write to terminals are recorded, answered
// with plausible ids where the guest waits for a reply, and reflected in the
// synthetic session where that is meaningful (tabs, mode, names).
package standalone
