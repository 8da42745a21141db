//go:build wasip1

package sdk

// The module's exports, named and typed as the host expects them from any
// plugin. The host calls _initialize (the Go reactor's runtime start), then
// _start, then load; workers get _initialize, _start and their
// <name>_worker export.

// wasmStart is the command-style entry point the host requires. Go's runtime
// is already running (started by _initialize), so there is nothing to do;
// calling it again is harmless.
//
//go:wasmexport _start
func wasmStart() {}

//go:wasmexport load
func wasmLoad() { guard("load", runLoad) }

//go:wasmexport update
func wasmUpdate() int32 {
	var r int32
	guard("update", func() { r = runUpdate() })
	return r
}

//go:wasmexport pipe
func wasmPipe() int32 {
	var r int32
	guard("pipe", func() { r = runPipe() })
	return r
}

//go:wasmexport render
func wasmRender(rows, cols int32) {
	guard("render", func() { runRender(rows, cols) })
}

//go:wasmexport plugin_version
func wasmPluginVersion() {
	_ = host.writeOut([]byte(ZellijVersion + "\n"))
}
