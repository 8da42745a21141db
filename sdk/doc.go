// Package sdk is Tessera's Go SDK for plugins: WebAssembly modules that a
// Tessera host (or Zellij) loads and drives through the Zellij plugin ABI.
// A plugin built with it exports exactly what a plugin built with Zellij's
// Rust crate exports, reads and writes the same framing, and crashes the same
// way, so a host cannot tell the two apart.
//
// # A plugin
//
//	//go:build wasip1
//
//	package main
//
//	import (
//		"fmt"
//
//		"github.com/tessera-ws/tessera/sdk"
//		"github.com/tessera-ws/tessera/sdk/pb"
//	)
//
//	type hello struct {
//		sdk.BasePlugin
//		keys int
//	}
//
//	func init() { sdk.Register(&hello{}) }
//
//	func main() {}
//
//	func (h *hello) Load(cfg map[string]string) { sdk.Subscribe(pb.EventType_Key) }
//
//	func (h *hello) Update(ev *pb.Event) bool { h.keys++; return true }
//
//	func (h *hello) Render(rows, cols int) { fmt.Printf("%d keys", h.keys) }
//
// Build it as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o hello.wasm .
//
// Register must be called from an init function: in a reactor module the
// main function never runs (it must exist, and may stay empty).
//
// # Exports and call order
//
// The module exports _initialize (Go's runtime start, which also runs the
// init functions), _start (does nothing, safe to call any number of times),
// load, update (returns i32), pipe (returns i32), render(rows, cols i32),
// plugin_version (prints ZellijVersion and a newline) and one <name>_worker
// per worker. A host calls _initialize, then _start, writes the
// configuration line and calls load; workers are other instances of the same
// module that get _initialize, _start and their worker export. A host that
// calls _start before _initialize (as wazero does by default) makes the Go
// runtime trap: configure it with WithStartFunctions("_initialize").
//
// # Framing
//
// Every protobuf message crosses the boundary as a JSON array of byte values
// on one line. load, update, pipe and the worker exports read exactly one
// line from stdin (the configuration, event, pipe message or worker
// message); lines the host wrote in advance stay buffered for later calls.
// Commands are written to stdout as one line followed by a call of the host
// import zellij.host_run_plugin_command; commands with a reply (see
// pb.CommandReply) then read one line. Lines may end in "\n" or "\r\n".
//
// # Commands
//
// The typed functions (Subscribe, SetSelectable, GetPluginIds, OpenFile,
// PostMessageTo, CliPipeOutput, ...) cover the common commands; Run sends
// any pb.PluginCommand and returns the raw reply. A host that breaks the
// protocol — no reply, or a malformed one, to a command that requires one —
// makes the typed functions panic with a *ProtocolError, which crashes the
// plugin as it would crash a Rust plugin; Run returns an error instead.
//
// # Workers
//
// A worker is registered with RegisterWorker and exported by one line in
// package main, because Go export names are fixed at compile time and the
// host discovers workers by the "_worker" suffix of export names:
//
//	func init() { sdk.RegisterWorker("primes", &counter{}) }
//
//	//go:wasmexport primes_worker
//	func primesWorker() { sdk.RunWorker("primes") }
//
// The plugin posts to it with PostMessageTo("primes", name, payload); it
// answers with PostMessageToPlugin, which the plugin receives as a
// CustomMessage event. The SDK deliberately exports no worker slots of its
// own: every *_worker export makes the host start one more instance.
//
// # Crashes
//
// A panic in plugin or worker code (or a malformed message from the host) is
// recovered at the export boundary, reported with a ReportCrash command
// carrying the panic value and stack, and followed by a WebAssembly trap, so
// the host sees a crash with a message. Text the plugin printed to stdout
// outside render is still in stdout at that point and spoils the report's
// frame, as it would for a Rust plugin.
//
// # Messages
//
// Events, pipe messages and command payloads are the types of package
// sdk/pb, a lightweight mirror of pluginpb (same names) that does not link
// the reflection-based protobuf runtime (nor package fmt): the status
// example is 3.7 MB, against 9.1 MB with pluginpb. Package sdk/ui draws
// the host's UI components (text, ribbon, table, nested list) and SGR
// colours.
//
// # Goroutines
//
// A reactor runs Go code only while the host is calling one of its exports:
// goroutines started by a plugin make progress only during later calls. Use
// SetTimeout for timers and workers for background work.
package sdk
