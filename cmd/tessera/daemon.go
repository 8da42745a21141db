package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/tessera-ws/tessera/daemon"
)

func init() {
	register(command{
		name:    "daemon",
		summary: "run the workspace daemon in the foreground (logs to stderr; SIGHUP re-applies)",
		run:     runDaemon,
	})
}

func runDaemon(ctx context.Context, args []string, s stdio) int {
	fs := flag.NewFlagSet("daemon", flag.ContinueOnError)
	fs.SetOutput(s.err)
	vars := cfgVarFlags{}
	fs.Var(vars, "var", "set a workspace variable: --var NAME=VALUE (repeatable)")
	background := fs.Bool("background", false, "log to the log file only and wait for a client's apply (used by `tessera up`)")
	interp := fs.Bool("interpreter", false, "run plugins on the interpreter only (no compilation)")
	fs.Usage = func() {
		fmt.Fprintln(s.err, "usage: tessera daemon [--var NAME=VALUE]... [PATH]")
		fmt.Fprintln(s.err, "\nRuns the daemon of the workspace PATH (a file or a directory of *.hcl, default .) in the")
		fmt.Fprintln(s.err, "foreground until SIGINT or SIGTERM. SIGHUP re-reads the files and applies them.")
		fs.PrintDefaults()
	}
	pos, err := cfgParseArgs(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if len(pos) > 1 {
		fs.Usage()
		return exitUsage
	}
	path := "."
	if len(pos) == 1 {
		path = pos[0]
	}
	var logw io.Writer = s.err
	if *background {
		logw = nil
	}
	d, err := daemon.New(daemon.Config{Workspace: path, Vars: vars, Logger: logw, Version: version,
		Interpreter: *interp, DeferApply: *background})
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
