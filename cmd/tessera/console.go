package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tessera-ws/tessera/console"
	"github.com/tessera-ws/tessera/internal/ctl"
	"github.com/tessera-ws/tessera/internal/fsutil"
)

func init() {
	register(command{
		name:    "console",
		summary: "admin commands against the running daemon: a REPL on a terminal, -c 'CMD; CMD', -f SCRIPT or a script on stdin",
		run:     runConsole,
	})
}

const consoleHelp = `usage: tessera console [-w PATH] [--json] [-c 'CMD; CMD' | -f SCRIPT]

Runs console commands against the running daemon. With stdin a terminal
and neither -c nor -f, it is a REPL: Tab completes commands, flags,
addresses, keys and permissions; history is kept in
$XDG_STATE_HOME/tessera/console_history; Ctrl-C cancels the line or a
running follow (events, logs -f, watch); Ctrl-D leaves. Otherwise it runs
the commands of -c (separated by ';' or newlines), of the file -f, or of
stdin: a failing command stops the script with exit status 1 and one line
saying why.
` + "`tessera console -c help`" + ` lists the commands; ADDR is a config address
(session.dev.tab.code.pane.tests) or a unique suffix of one (tests).
`

func runConsole(ctx context.Context, args []string, s stdio) int {
	fs := newFlagSet("console")
	ws := workspaceFlag(fs)
	cmds := fs.String("c", "", "commands to run, separated by ';' or newlines")
	file := fs.String("f", "", "a script file of commands ('-' for stdin)")
	asJSON := fs.Bool("json", false, "print one JSON document per command")
	pos, code, done := parseFlags(fs, args, s, consoleHelp)
	if done {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, s, "unexpected argument %q (commands go in -c)", pos[0])
	}
	if *cmds != "" && *file != "" {
		return usageError(fs, s, "-c and -f are exclusive")
	}
	if inF, ok := s.in.(*os.File); ok && *cmds == "" && *file == "" && console.IsTerminal(inF) {
		if outF, ok := s.out.(*os.File); ok && console.IsTerminal(outF) {
			return runREPL(ctx, *ws, *asJSON, inF, outF, s)
		}
	}
	script := *cmds
	if script == "" {
		var b []byte
		var err error
		if *file != "" && *file != "-" {
			b, err = fsutil.ReadFile(*file, fsutil.MaxScript)
		} else {
			b, err = readAllLimited(ctx, s.in, fsutil.MaxScript)
		}
		if err != nil {
			if ctx.Err() != nil {
				return signalExit(ctx)
			}
			fmt.Fprintf(s.err, "tessera console: %v\n", err)
			return exitError
		}
		script = string(b)
	}
	in, err := ctl.Resolve(*ws)
	if err != nil {
		fmt.Fprintf(s.err, "tessera console: %v\n", err)
		return exitError
	}
	opt := console.Options{JSON: *asJSON}
	if f, ok := s.out.(*os.File); ok && !*asJSON {
		opt.Color = console.ColorTerminal(f)
		if console.IsTerminal(f) {
			opt.Term = f
			_, opt.Width = console.TermSize(f)
		}
	}
	c := console.New(ctl.Client(in.Socket), s.out, opt)
	if err := c.RunScript(ctx, script); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return signalExit(ctx)
		}
		fmt.Fprintf(s.err, "tessera console: %v\n", err)
		return exitError
	}
	return exitOK
}

// runREPL runs the interactive console on a terminal.
func runREPL(ctx context.Context, ws string, asJSON bool, in, out *os.File, s stdio) int {
	info, err := ctl.Resolve(ws)
	if err != nil {
		fmt.Fprintf(s.err, "tessera console: %v\n", err)
		return exitError
	}
	c := console.New(ctl.Client(info.Socket), out, console.Options{JSON: asJSON})
	err = c.REPL(ctx, console.REPLOptions{In: in, Out: out, HistoryFile: filepath.Join(ctl.StateHome(), "console_history")})
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil:
		return signalExit(ctx)
	default:
		fmt.Fprintf(s.err, "tessera console: %v\n", err)
		return exitError
	}
}

// readAllLimited reads r up to limit bytes, returning early when ctx ends.
func readAllLimited(ctx context.Context, r io.Reader, limit int64) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(r, limit+1))
		ch <- result{b, err}
	}()
	select {
	case res := <-ch:
		if res.err != nil {
			return nil, res.err
		}
		if int64(len(res.b)) > limit {
			return nil, fmt.Errorf("the script is larger than %d MiB", limit>>20)
		}
		return res.b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
