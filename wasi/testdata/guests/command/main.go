// Command command is a Go WASI command module (built without
// -buildmode=c-shared): its _start runs main and then exits the instance,
// so it cannot serve plugin calls. The host must say so clearly.
package main

//go:wasmexport load
func load() {}

//go:wasmexport update
func update() int32 { return 0 }

//go:wasmexport render
func render(rows, cols int32) {}

func main() {}
