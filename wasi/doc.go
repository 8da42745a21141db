// Package wasi hosts Zellij-ABI WebAssembly plugins on wazero: the plugin
// host alone (the session plugins see is package zellij's).
//
// A Host owns the runtime and the compiled modules (one per module digest,
// shared by its plugins, released when the last of them closes, and kept
// in a persistent cache); Host.Load turns a module into a running Plugin,
// an actor whose goroutine owns the wasm instance. The host implements the
// ABI's framing and lifecycle, the commands it owns (subscriptions, plugin
// ids, timers, workers, permission requests, the /host folder, CLI pipe
// control) and the sandbox and limits; every other command goes to the
// plugin's Dispatcher, synchronously on the plugin's goroutine, which
// writes its reply back to the guest.
//
// What a plugin does — commands and what became of them, incidents,
// crashes, stderr lines, pipe requests, frames — reaches its owner as one
// ordered stream of Activity values on PluginConfig.Observer, called on one
// goroutine, never concurrently, in order. Plugin.Sync waits until a plugin
// is idle; Plugin.State gives its state as one value.
//
//	h, err := wasi.NewHost(ctx, wasi.HostConfig{Logger: logger}) // EngineAuto
//	...
//	p, err := h.Load(ctx, wasm, wasi.PluginConfig{
//		ID: 1, ClientID: 1, URL: "file:/plugins/x.wasm",
//		Mounts:     []wasi.Mount{{Guest: "/host", Host: dir, ReadOnly: true}},
//		Dispatcher: myDispatcher,
//		Observer:   func(a wasi.Activity) { inbox <- a }, // must not block
//	})
//	p.Resize(24, 80)          // first render; the frame goes to the observer
//	p.Post(modeUpdateEvent)   // from the owner's loop: never waits
//	err = p.Sync(ctx)         // everything above processed and observed
//
// # Who waits for whom
//
// A Dispatcher runs on the plugin's goroutine while the guest waits for
// its reply, and may ask the owner of session state (the daemon's loop)
// and wait for the answer. So the owner must never wait on that plugin
// while it serves a request: from the owner's goroutine use Post and
// Resize, which never block, and leave Update, Pipe, Render, Sync and Close
// (which wait for the plugin's goroutine) to other goroutines. With this
// rule the two never wait on each other (TestOwnerDispatcherNoDeadlock).
// A Dispatcher itself must not call the blocking methods of its own plugin
// (they return ErrReentrant).
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
//   - Deadlines: modules are rewritten with an interrupt flag checked at
//     loop heads (wasi/internal/tiering) and a timer raises it when a call
//     runs past Limits.CallTimeout; modules that cannot be rewritten run
//     with wazero's context watch instead, which costs a trip through Go at
//     every loop iteration. Calls on the interpreter get InterpreterSlowdown
//     times the deadline, at most MaxInterpretedCall (a minute).
//   - With EngineAuto a module not compiled before starts on the
//     interpreter and moves to compiled code between two calls once a
//     background compile is done (Plugin.Engine tells which).
//   - A line the guest left unread on stdin is dropped before the next
//     call's line is written (the reference host would feed it to the next
//     call).
package wasi

import "bytes"

// ToTerminal returns frame with every "\n" turned into "\n\r", which is what
// the reference host does before feeding frames to a terminal.
func ToTerminal(frame []byte) []byte {
	return bytes.ReplaceAll(frame, []byte("\n"), []byte("\n\r"))
}
