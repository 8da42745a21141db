package main

import (
	"context"
	"fmt"
	"runtime"
)

// version is set at link time (-ldflags "-X main.version=...").
var version = "0.1.0-dev"

// abiVersion is the Zellij plugin interface version Tessera speaks; it is what
// GetZellijVersion answers.
const abiVersion = "0.45.0"

func init() {
	register(command{
		name:    "version",
		summary: "print the Tessera and plugin ABI versions",
		run: func(ctx context.Context, args []string, s stdio) int {
			fmt.Fprintf(s.out, "tessera %s (plugin ABI: zellij %s, %s)\n", version, abiVersion, runtime.Version())
			return exitOK
		},
	})
}
