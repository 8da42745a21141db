package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/tessera-ws/tessera/console"
	"github.com/tessera-ws/tessera/internal/ctl"
)

func init() {
	register(command{
		name:    "attach",
		summary: "use a pane or plugin full screen in this terminal (Ctrl+q detaches)",
		run:     runAttach,
	})
}

const attachHelp = `usage: tessera attach [-w PATH] [--detach-key KEY] ADDR

Shows the pane or plugin ADDR full screen in this terminal, live, and sends
it what you type: bytes to a terminal pane, keys and mouse events to a
plugin. While attached the pane takes this terminal's size (the smallest
of the attached terminals when several are), and gets its own size back
after. The detach key (Ctrl+q unless --detach-key says another, e.g.
Ctrl+]) leaves the pane running. ADDR is a config address or a unique
suffix of one (tests, status).
`

func runAttach(ctx context.Context, args []string, s stdio) int {
	fs := newFlagSet("attach")
	ws := workspaceFlag(fs)
	keyName := fs.String("detach-key", "Ctrl+q", "the key that detaches (Ctrl and a letter, or Ctrl+] ...)")
	pos, code, done := parseFlags(fs, args, s, attachHelp)
	if done {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, s, "want one ADDR, the pane or plugin to attach to")
	}
	key, err := console.ParseDetachKey(*keyName)
	if err != nil {
		return usageError(fs, s, "%v", err)
	}
	in, ok := s.in.(*os.File)
	out, ok2 := s.out.(*os.File)
	if !ok || !ok2 || !console.IsTerminal(in) || !console.IsTerminal(out) {
		fmt.Fprintln(s.err, "tessera attach: stdin and stdout must be a terminal (use `tessera console -c 'screen ADDR'` from scripts)")
		return exitError
	}
	info, err := ctl.Resolve(*ws)
	if err != nil {
		fmt.Fprintf(s.err, "tessera attach: %v\n", err)
		return exitError
	}
	restore, err := console.MakeRaw(in)
	if err != nil {
		fmt.Fprintf(s.err, "tessera attach: %v\n", err)
		return exitError
	}
	resized, stop := console.WatchResize()
	err = console.Attach(ctx, ctl.Client(info.Socket), console.AttachOptions{
		Address:    pos[0],
		In:         in,
		Out:        out,
		Size:       func() (int, int) { return console.TermSize(out) },
		Resized:    resized,
		DetachKey:  key,
		DetachName: *keyName,
	})
	stop()
	restore()
	var ended *console.EndedError
	switch {
	case errors.Is(err, console.ErrDetached):
		fmt.Fprintf(s.out, "[detached from %s]\n", pos[0])
		return exitOK
	case ctx.Err() != nil:
		return signalExit(ctx)
	case errors.As(err, &ended):
		fmt.Fprintf(s.out, "[%s]\n", ended.Reason)
		return exitOK
	default:
		fmt.Fprintf(s.err, "tessera attach: %v\n", err)
		return exitError
	}
}
