// Package runner runs one plugin outside a daemon, for `tessera plugin run`:
// a synthetic session (session "tessera", one active tab "Tab #1", one
// focused terminal pane, Normal mode, the default theme and keybindings,
// built on package zellij) fed to the plugin as events, a Dispatcher that
// answers the plugin's commands against that session and records each of
// them from the plugin's activity stream, and a small script language for
// key presses, pipes, mouse events, resizes and waits. It uses the public
// API of package wasi only.
//
// Nothing here touches the real system on the plugin's behalf: commands that
// would open panes, run programs or write to terminals are recorded, answered
// with plausible ids where the guest waits for a reply, and reflected in the
// synthetic session where that is meaningful (tabs, mode, names).
//
//	h, _ := wasi.NewHost(ctx, wasi.HostConfig{})
//	defer h.Close(ctx)
//	steps, _ := runner.ParseScript(strings.NewReader("key Ctrl+t\nrender\n"))
//	res, err := runner.Run(ctx, h, runner.Options{WASM: wasm, URL: url, Steps: steps})
//	fmt.Println(strings.Join(res.Lines, "\n"))
package runner
