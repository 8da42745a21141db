package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tessera-ws/tessera/daemon"
	"github.com/tessera-ws/tessera/wasi"
)

func init() {
	register(command{
		name:    "daemon",
		summary: "run the workspace daemon in the foreground (logs to stderr; SIGHUP re-applies)",
		run:     runDaemon,
		// Stopping panes takes up to their 3 s grace, plus plugins.
		stopGrace: 20 * time.Second,
	})
}

const daemonHelp = `usage: tessera daemon [--var NAME=VALUE]... [--engine auto|compiler|interpreter] [PATH]

Runs the daemon of the workspace PATH (a file or a directory of *.hcl,
default .) in the foreground, logging to stderr and to its log file, until
SIGINT or SIGTERM. SIGHUP re-reads the files and applies them. For systemd
and tests; people use ` + "`tessera up`" + `.
`

func runDaemon(ctx context.Context, args []string, s stdio) int {
	fs := newFlagSet("daemon")
	vars := cfgVarFlags{}
	fs.Var(vars, "var", "set a workspace variable: --var NAME=VALUE (repeatable)")
	background := fs.Bool("background", false, "log to the log file only and wait for a client's apply (used by `tessera up`)")
	engine := fs.String("engine", "auto", "how plugins run: auto (start on the interpreter while compiling), compiler or interpreter")
	pos, code, done := parseFlags(fs, args, s, daemonHelp)
	if done {
		return code
	}
	if len(pos) > 1 {
		return usageError(fs, s, "want one PATH, got %d", len(pos))
	}
	path := "."
	if len(pos) == 1 {
		path = pos[0]
	}
	eng, err := wasi.ParseEngine(*engine)
	if err != nil {
		return usageError(fs, s, "%v", err)
	}
	var logw io.Writer = s.err
	if *background {
		logw = nil
	}
	d, err := daemon.New(daemon.Config{Workspace: path, Vars: vars, Logger: logw, Version: version,
		Engine: eng, DeferApply: *background})
	if err != nil {
		fmt.Fprintf(s.err, "tessera daemon: %v\n", err)
		return exitError
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			d.Reload()
		}
	}()
	if err := d.Run(ctx); err != nil {
		fmt.Fprintf(s.err, "tessera daemon: %v\n", err)
		return exitError
	}
	return exitOK
}
