package main

import (
	"context"
	"encoding/json"
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
		summary: "print the Tessera and plugin ABI versions (also tessera --version)",
		run:     runVersion,
	})
}

const versionHelp = `usage: tessera version [--json]
       tessera --version | -v

Prints the Tessera version, the Zellij plugin ABI version it speaks, and the
Go version and platform it was built with.
`

func runVersion(ctx context.Context, args []string, s stdio) int {
	fs := newFlagSet("version")
	asJSON := fs.Bool("json", false, "print a JSON object: version, zellij_abi, go, os, arch")
	pos, code, done := parseFlags(fs, args, s, versionHelp)
	if done {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, s, "unexpected argument %q", pos[0])
	}
	if *asJSON {
		b, _ := json.MarshalIndent(struct {
			Version   string `json:"version"`
			ZellijABI string `json:"zellij_abi"`
			Go        string `json:"go"`
			OS        string `json:"os"`
			Arch      string `json:"arch"`
		}{version, abiVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH}, "", "  ")
		fmt.Fprintf(s.out, "%s\n", b)
		return exitOK
	}
	fmt.Fprintf(s.out, "tessera %s (plugin ABI: zellij %s, %s %s/%s)\n", version, abiVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}
