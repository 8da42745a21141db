//go:build !wasm

package sdk

// trap stands in for the WebAssembly trap outside WebAssembly, where there
// is no "unreachable" instruction to execute: it panics with a trapped
// value, which tests recover.
func trap() { panic(trapped{}) }
