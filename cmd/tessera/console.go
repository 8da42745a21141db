package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tessera-ws/tessera/console"
	"github.com/tessera-ws/tessera/internal/ctl"
)

func init() {
	register(command{
		name:    "console",
		summary: "admin commands against the running daemon: -c 'CMD; CMD', -f SCRIPT, or a script on stdin",
		run:     runConsole,
	})
}

// maxScriptBytes bounds a console script read from a file or stdin.
const maxScriptBytes = 4 << 20

func runConsole(ctx context.Context, args []string, s stdio) int {
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	fs.SetOutput(s.err)
	ws := fs.String("w", "", "the workspace whose daemon to use")
	fs.StringVar(ws, "workspace", "", "same as -w")
	cmds := fs.String("c", "", "commands to run, separated by ';' or newlines")
	file := fs.String("f", "", "a script file of commands ('-' for stdin)")
	asJSON := fs.Bool("json", false, "print one JSON document per command")
	fs.Usage = func() {
		fmt.Fprintln(s.err, "usage: tessera console [-w PATH] [--json] [-c 'CMD; CMD' | -f SCRIPT]")
		fmt.Fprintln(s.err, "\nRuns console commands against the daemon; without -c or -f it reads them from stdin.")
		fmt.Fprintln(s.err, "A failing command stops the script with exit status 1. `tessera console -c help` lists the commands.")
		fs.PrintDefaults()
	}
	pos, err := cfgParseArgs(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if len(pos) > 0 || (*cmds != "" && *file != "") {
		fs.Usage()
		return exitUsage
	}
	script := *cmds
	if script == "" {
		var r io.Reader = s.in
		if *file != "" && *file != "-" {
			f, err := os.Open(*file)
			if err != nil {
				fmt.Fprintf(s.err, "tessera console: %v\n", err)
				return exitError
			}
			defer f.Close()
			if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
				fmt.Fprintf(s.err, "tessera console: %s is not a regular file\n", *file)
				return exitError
			}
			r = f
		}
		b, err := readAllLimited(ctx, r, maxScriptBytes)
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
	c := console.New(ctl.Client(in.Socket), s.out, console.Options{JSON: *asJSON})
	if err := c.RunScript(ctx, script); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return signalExit(ctx)
		}
		fmt.Fprintf(s.err, "tessera console: %v\n", err)
		return exitError
	}
	return exitOK
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
