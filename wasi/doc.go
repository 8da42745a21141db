// Package wasi hosts Zellij-ABI WebAssembly plugins on wazero.
//
// A Host owns the runtime and the compilation caches; Host.Load turns a
// module into a running Plugin, an actor whose goroutine owns the wasm
// instance. The host implements the ABI's framing and lifecycle, the
// commands it owns (subscriptions, plugin ids, timers, workers, permission
// requests, the /host folder, CLI pipe control) and the sandbox and limits;
// every other command goes to the plugin's Dispatcher.
//
//	h, err := wasi.NewHost(ctx, wasi.HostConfig{Logger: logger})
//	...
//	p, err := h.Load(ctx, wasm, wasi.PluginConfig{
//		ID: 1, ClientID: 1, URL: "file:/plugins/x.wasm",
//		Mounts:     []wasi.Mount{{Guest: "/host", Host: dir, ReadOnly: true}},
//		Dispatcher: myDispatcher,
//		OnFrame:    func(f []byte) { pane.Frame(f) },
//	})
//	p.Resize(24, 80)                      // first render
//	p.Update(ctx, modeUpdateEvent)          // renders when update returns 1
//
// # Notes
//
//   - Frames are returned as the guest printed them: line feeds are not
//     converted. A VT consumer treats LF as CR LF (ToTerminal does that).
//   - Workers run with the plugin's own, live permission set (Zellij gives
//     workers none); they are the same code the user granted.
//   - A command flood does not crash a plugin: commands over the rate are
//     dropped and recorded; a guest that never yields is stopped by the call
//     deadline instead.
//   - A worker crash crashes the whole plugin.
//   - Deadlines: modules are rewritten with an interrupt flag checked at loop
//     heads (wasi/internal/tiering) and a timer raises it when a call runs
//     past Limits.CallTimeout; modules that cannot be rewritten run with
//     wazero's context watch instead, which costs a trip through Go at every
//     loop iteration.
//   - With HostConfig.Tiering a module not compiled before starts on the
//     interpreter and moves to compiled code between two calls once a
//     background compile is done (Plugin.Engine tells which).
//   - A line the guest left unread on stdin is dropped before the next call's
//     line is written (the reference host would feed it to the next call).
package wasi

// ToTerminal returns frame with every "\n" turned into "\n\r", which is what
// the reference host does before feeding frames to a terminal.
func ToTerminal(frame []byte) []byte {
	out := make([]byte, 0, len(frame)+len(frame)/16)
	for _, b := range frame {
		out = append(out, b)
		if b == '\n' {
			out = append(out, '\r')
		}
	}
	return out
}
