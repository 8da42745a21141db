package sdk

// trap stops the instance with a WebAssembly "unreachable" trap, which the
// host reports as a crash. It never returns.
func trap()
