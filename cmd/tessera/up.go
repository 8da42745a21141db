package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"connectrpc.com/connect"

	"github.com/tessera-ws/tessera/config"
	"github.com/tessera-ws/tessera/console"
	"github.com/tessera-ws/tessera/internal/ctl"
	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
	"github.com/tessera-ws/tessera/proto/control/v1/controlv1connect"
)

func init() {
	register(command{
		name:      "up",
		summary:   "start the daemon for a workspace if none runs, apply it and wait until everything started",
		run:       runUp,
		stopGrace: 5 * time.Second,
	})
	register(command{
		name:    "apply",
		summary: "make the running daemon's session match its workspace files",
		run:     runApply,
	})
}

// startTimeout bounds how long `up` waits for a new daemon's socket.
const startTimeout = 30 * time.Second

const upHelp = `usage: tessera up [--var NAME=VALUE]... [--json] [PATH]

Starts the daemon of the workspace PATH (a file or a directory of *.hcl,
default .) in the background unless one runs, applies the workspace and
waits until every pane has started and every plugin has drawn its first
frame (or failed), then prints what runs.

Exit status: 0 applied, 1 the daemon failed, 2 the workspace has errors
(nothing started).
`

func runUp(ctx context.Context, args []string, s stdio) int {
	fs := newFlagSet("up")
	vars := cfgVarFlags{}
	fs.Var(vars, "var", "set a workspace variable: --var NAME=VALUE (repeatable)")
	asJSON := fs.Bool("json", false, "print the outcome as JSON")
	pos, code, done := parseFlags(fs, args, s, upHelp)
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
	// Check the files first: a workspace with errors starts nothing.
	_, files, diags := cfgLoad(path, config.Options{Vars: vars})
	paths, perr := ctl.PathsFor(path)
	if diags.HasErrors() {
		_ = config.WriteDiagnostics(s.err, files, diags)
		what := "nothing started"
		if perr == nil && daemonRunning(paths) {
			what = "nothing changed: the daemon runs the last valid version"
		}
		fmt.Fprintf(s.err, "%s: %s; %s\n", path, cfgCountDiags(diags), what)
		return exitUsage
	}
	if perr != nil {
		fmt.Fprintf(s.err, "tessera up: %v\n", perr)
		return exitError
	}
	if !daemonRunning(paths) {
		if code := startDaemon(ctx, paths, vars, s); code != exitOK {
			return code
		}
	}
	return applyAndReport(ctx, paths.Socket, *asJSON, s, "up")
}

func daemonRunning(p ctl.Paths) bool {
	in, err := ctl.ReadInfo(p.Info)
	return err == nil && in.PID > 0 && syscall.Kill(in.PID, 0) == nil && ctl.Alive(p.Socket)
}

// startDaemon starts `tessera daemon --background PATH` in its own session
// and waits for its socket; if it exits first, it prints why.
func startDaemon(ctx context.Context, p ctl.Paths, vars cfgVarFlags, s stdio) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(s.err, "tessera up: %v\n", err)
		return exitError
	}
	if err := os.MkdirAll(p.StateDir, 0o700); err != nil {
		fmt.Fprintf(s.err, "tessera up: state directory: %v\n", err)
		return exitError
	}
	// The daemon's stderr (panics, early failures) goes to a file beside its log.
	errPath := p.Log + ".stderr"
	errFile, err := os.OpenFile(errPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		fmt.Fprintf(s.err, "tessera up: %v\n", err)
		return exitError
	}
	defer errFile.Close()
	args := []string{"daemon", "--background"}
	for k, v := range vars {
		args = append(args, "--var", k+"="+v)
	}
	args = append(args, p.Workspace)
	cmd := exec.Command(self, args...)
	cmd.Stdin = nil
	cmd.Stdout = errFile
	cmd.Stderr = errFile
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	logStart := fileSize(p.Log)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(s.err, "tessera up: start the daemon: %v\n", err)
		return exitError
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			fmt.Fprintf(s.err, "tessera up: the daemon exited before it was ready (%v)\n", err)
			printTail(s, p.Log, logStart, errPath)
			return exitError
		case <-deadline.C:
			fmt.Fprintf(s.err, "tessera up: the daemon did not open its socket within %s\n", startTimeout)
			printTail(s, p.Log, logStart, errPath)
			return exitError
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
			return signalExit(ctx)
		case <-tick.C:
			if daemonRunning(p) {
				_ = cmd.Process.Release()
				return exitOK
			}
		}
	}
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// printTail prints what the daemon logged since it started, and its stderr.
func printTail(s stdio, logPath string, from int64, errPath string) {
	for _, f := range []struct {
		path string
		from int64
	}{{logPath, from}, {errPath, 0}} {
		fh, err := os.Open(f.path)
		if err != nil {
			continue
		}
		fh.Seek(f.from, 0)
		var lines []string
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		fh.Close()
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		for _, l := range lines {
			fmt.Fprintf(s.err, "  %s\n", l)
		}
	}
	fmt.Fprintf(s.err, "(the daemon's log: %s)\n", logPath)
}

// signalExit is the exit status of a command interrupted by a signal.
func signalExit(ctx context.Context) int {
	var se *signalError
	if errors.As(context.Cause(ctx), &se) {
		return signalExitCode(se.sig)
	}
	return exitError
}

// workspaceFlag adds -w/--workspace: the workspace whose daemon to use.
func workspaceFlag(fs *flag.FlagSet) *string {
	ws := fs.String("w", "", "the workspace (file or directory) whose daemon to use")
	fs.StringVar(ws, "workspace", "", "same as -w")
	return ws
}

// applyAndReport applies the daemon's workspace, waits, and prints what runs.
func applyAndReport(ctx context.Context, socket string, asJSON bool, s stdio, verb string) int {
	client := ctl.Client(socket)
	stopProgress := startProgress(ctx, client, s, verb)
	res, err := client.Apply(ctx, connect.NewRequest(&controlv1.ApplyRequest{Wait: true}))
	stopProgress()
	if err != nil {
		if ctx.Err() != nil {
			return signalExit(ctx)
		}
		fmt.Fprintf(s.err, "tessera %s: %s\n", verb, connectMessage(err))
		return exitError
	}
	m := res.Msg
	if asJSON {
		printProtoJSON(s.out, m)
	} else {
		if console.HasErrors(m.Diagnostics) {
			fmt.Fprint(s.err, m.Text)
		} else {
			console.WriteApply(s.out, m, verb == "up")
		}
	}
	if console.HasErrors(m.Diagnostics) {
		fmt.Fprintf(s.err, "tessera %s: the workspace has errors; nothing changed\n", verb)
		return exitUsage
	}
	return exitOK
}

func connectMessage(err error) string {
	var ce *connect.Error
	if errors.As(err, &ce) {
		msg := ce.Message()
		if ce.Code() == connect.CodeUnavailable && (strings.Contains(msg, "dial") || strings.Contains(msg, "connection refused")) {
			return "the daemon is not reachable (did it stop? see `tessera ps`)"
		}
		return msg
	}
	return err.Error()
}

const applyHelp = `usage: tessera apply [-w PATH] [--json] [PATH]

Applies the running daemon's workspace files now (the daemon also applies
them on every save) and waits until what changed has started. PATH or -w
picks the daemon: else $TESSERA_WORKSPACE, else the workspace of the
current directory if its daemon runs, else the only running daemon.

Exit status: 0 applied, 1 no daemon or it failed, 2 the files have errors
(nothing changed).
`

func runApply(ctx context.Context, args []string, s stdio) int {
	fs := newFlagSet("apply")
	ws := workspaceFlag(fs)
	asJSON := fs.Bool("json", false, "print the outcome as JSON")
	pos, code, done := parseFlags(fs, args, s, applyHelp)
	if done {
		return code
	}
	if len(pos) > 1 {
		return usageError(fs, s, "want one PATH, got %d", len(pos))
	}
	if len(pos) == 1 && *ws == "" {
		*ws = pos[0]
	}
	in, err := ctl.Resolve(*ws)
	if err != nil {
		fmt.Fprintf(s.err, "tessera apply: %v\n", err)
		return exitError
	}
	return applyAndReport(ctx, in.Socket, *asJSON, s, "apply")
}

// progressAfter is how long up and apply wait quietly for panes and
// plugins to start before saying what they still wait for, and then how
// often they say it again.
const (
	progressAfter = 3 * time.Second
	progressEvery = 5 * time.Second
)

// startProgress reports on stderr, while an apply waits, which objects are
// still starting (a plugin that spins in load can hold up for its whole
// load deadline). It returns a function that stops the reports.
func startProgress(ctx context.Context, client controlv1connect.ControlServiceClient, s stdio, verb string) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTimer(progressAfter)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			res, err := client.List(ctx, connect.NewRequest(&controlv1.ListRequest{}))
			if err != nil {
				return
			}
			var waiting []string
			for _, o := range res.Msg.Objects {
				if o.State != "loading" && o.State != "starting" {
					continue
				}
				w := o.Address + " (" + o.State
				if o.StartedUnixNano > 0 {
					w += fmt.Sprintf(" %s", time.Since(time.Unix(0, o.StartedUnixNano)).Round(time.Second))
				}
				waiting = append(waiting, w+")")
			}
			if len(waiting) > 0 && ctx.Err() == nil {
				fmt.Fprintf(s.err, "tessera %s: waiting for %d to start: %s\n", verb, len(waiting), strings.Join(waiting, ", "))
			}
			t.Reset(progressEvery)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
