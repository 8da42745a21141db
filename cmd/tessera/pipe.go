package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/tessera-ws/tessera/console"
	"github.com/tessera-ws/tessera/internal/ctl"
)

func init() {
	register(command{
		name:    "pipe",
		summary: "send stdin line by line (or a payload) to plugins, printing what they output",
		run:     runPipe,
	})
}

const pipeHelp = `usage: tessera pipe [-w PATH] [--name N] [--plugin URL] [--plugin-configuration K=V]... [--args K=V]... [--window N] [PAYLOAD]

Sends pipe messages to the plugins of a running daemon. With PAYLOAD, one
message carries it. Otherwise, when stdin is a pipe or a file, each line of
stdin is a message (with its line end), and a last message without payload
marks the end of the input; on a terminal, one message without payload is
sent.

Each message waits until every plugin that got it has released it, so a
slow plugin slows the pipeline down instead of losing lines. What plugins
send back (cli_pipe_output) is written to stdout as it comes. To keep the
plugins busy, up to --window lines (default 16) are read and sent ahead;
the daemon holds them until their turn. --window 1 reads a line only once
the one before was released.

With --plugin the messages go to that plugin (file:/path/x.wasm, a path,
zellij:NAME, builtin:NAME, an https URL), the plugin configuration selecting
the instance: the same URL with the same configuration is the same plugin.
When none runs, one is loaded as an unmanaged background plugin of the first
session (or --session), with the permissions of the workspace's manifest of
the same source. Without --plugin every running plugin gets the messages.

The message name is --name, else the plugin URL, else the pipe's id.

Exit status: 0 when the input ended and every message was released, 1 when
the daemon or a plugin that got a message went away (the message says
which) or no plugin received it, 2 on a usage error.

examples:
  tail -f app.log | tessera pipe --plugin ./filter.wasm --plugin-configuration pattern=ERROR
  tessera pipe --name refresh
`

// kvFlag collects repeated K=V flags.
type kvFlag []string

func (k *kvFlag) String() string     { return strings.Join(*k, ",") }
func (k *kvFlag) Set(v string) error { *k = append(*k, v); return nil }

func runPipe(ctx context.Context, args []string, s stdio) int {
	fs := newFlagSet("pipe")
	ws := workspaceFlag(fs)
	name := fs.String("name", "", "the message name (default: the plugin URL, else the pipe id)")
	fs.StringVar(name, "n", "", "same as --name")
	plugin := fs.String("plugin", "", "the plugin to send to (default: every running plugin)")
	fs.StringVar(plugin, "p", "", "same as --plugin")
	session := fs.String("session", "", "the session a plugin not running yet is loaded in (default: the first)")
	var cfgs, kvs kvFlag
	fs.Var(&cfgs, "plugin-configuration", "K=V of the plugin's configuration, selecting the instance (repeatable)")
	fs.Var(&cfgs, "c", "same as --plugin-configuration")
	fs.Var(&kvs, "args", "K=V argument of the messages (repeatable)")
	fs.Var(&kvs, "a", "same as --args")
	window := fs.Int("window", console.PipeWindow, "how many lines may be sent ahead of the releases (1: none)")
	pos, code, done := parseFlags(fs, args, s, pipeHelp)
	if done {
		return code
	}
	if len(pos) > 1 {
		return usageError(fs, s, "want at most one PAYLOAD, got %d words (quote the payload)", len(pos))
	}
	if *window < 1 || *window > 1024 {
		return usageError(fs, s, "--window %d: want 1 to 1024 lines", *window)
	}
	spec := console.PipeSpec{Name: *name, Plugin: *plugin, Session: *session, Window: *window}
	var err error
	if spec.Config, err = console.ParseKeyValues("--plugin-configuration", cfgs); err != nil {
		return usageError(fs, s, "%v", err)
	}
	if spec.Args, err = console.ParseKeyValues("--args", kvs); err != nil {
		return usageError(fs, s, "%v", err)
	}
	if spec.Plugin == "" && len(spec.Config) > 0 {
		return usageError(fs, s, "--plugin-configuration selects an instance of the --plugin plugin; without --plugin every plugin gets the messages")
	}
	spec.Cwd, _ = os.Getwd()

	if os.Getenv("GOMAXPROCS") == "" {
		// The pipe only hands lines and output between stdin, the socket
		// and stdout, a few goroutines in turn. On one processor each
		// hand-off is a run-queue switch; on several, often a thread
		// woken on another CPU (in lockstep, 20,000 lines took 4.4-4.6 s
		// instead of 5.1-6.9 s, with a third less CPU time).
		runtime.GOMAXPROCS(1)
	}
	in, err := ctl.Resolve(*ws)
	if err != nil {
		fmt.Fprintf(s.err, "tessera pipe: %v\n", err)
		return exitError
	}
	next := pipeInput(pos, s.in)
	err = console.RunPipe(ctx, ctl.Client(in.Socket), spec, next, s.out)
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil {
		return signalExit(ctx)
	}
	var pf *console.PipeFailed
	if errors.As(err, &pf) {
		fmt.Fprintf(s.err, "tessera pipe: %s\n", pf.Msg)
		return exitError
	}
	fmt.Fprintf(s.err, "tessera pipe: the daemon of %s went away: %s\n", in.Workspace, connectMessage(err))
	return exitError
}

// pipeInput returns the messages' payloads: the PAYLOAD argument; else the
// lines of a piped stdin followed by a message without payload; else (a
// terminal) one message without payload.
func pipeInput(pos []string, stdin io.Reader) func() (*string, bool, error) {
	if len(pos) == 1 {
		return once(&pos[0])
	}
	if f, ok := stdin.(*os.File); stdin == nil || ok && isTerminal(f) {
		return once(nil)
	}
	r := bufio.NewReaderSize(stdin, 64<<10)
	ended := false
	return func() (*string, bool, error) {
		if ended {
			return nil, false, nil
		}
		line, err := r.ReadString('\n')
		if line != "" {
			return &line, true, nil
		}
		if err == io.EOF {
			ended = true
			return nil, true, nil // the end of the input, as a message without payload
		}
		if err != nil {
			return nil, false, fmt.Errorf("reading stdin: %w", err)
		}
		return &line, true, nil
	}
}

func once(payload *string) func() (*string, bool, error) {
	sent := false
	return func() (*string, bool, error) {
		if sent {
			return nil, false, nil
		}
		sent = true
		return payload, true, nil
	}
}

// isTerminal reports whether f is a character device (a terminal, or
// /dev/null: nothing is piped in).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
