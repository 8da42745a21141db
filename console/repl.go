package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"connectrpc.com/connect"
	"github.com/chzyer/readline"

	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
)

// REPLOptions configure Console.REPL.
type REPLOptions struct {
	// In and Out are the terminal.
	In  *os.File
	Out *os.File
	// HistoryFile keeps the lines typed, across runs ("" keeps none).
	HistoryFile string
}

// ErrDaemonGone is returned by REPL when the daemon went away.
var ErrDaemonGone = errors.New("the daemon has stopped (see `tessera ps`; `tessera up` starts it again)")

// REPL reads commands from a terminal with line editing, completion and
// history until Ctrl-D (or `exit`). Ctrl-C cancels the line being typed or
// the command running (events, logs -f, watch). A failing command prints
// one line and the REPL goes on; it returns ErrDaemonGone when the daemon
// stops answering.
func (c *Console) REPL(ctx context.Context, opt REPLOptions) error {
	st, err := c.client.Status(ctx, connect.NewRequest(&controlv1.StatusRequest{}))
	if err != nil {
		return friendly(err)
	}
	if opt.HistoryFile != "" {
		_ = os.MkdirAll(filepath.Dir(opt.HistoryFile), 0o700)
	}
	comp := &completer{c: c, ctx: ctx}
	rl, err := readline.NewEx(&readline.Config{
		Prompt:            prompt(st.Msg),
		HistoryFile:       opt.HistoryFile,
		HistoryLimit:      5000,
		AutoComplete:      comp,
		InterruptPrompt:   "^C",
		EOFPrompt:         "",
		Stdin:             opt.In,
		Stdout:            opt.Out,
		Stderr:            opt.Out,
		HistorySearchFold: true,
		FuncIsTerminal:    func() bool { return true },
		FuncGetWidth:      func() int { _, w := TermSize(opt.Out); return w },
	})
	if err != nil {
		return err
	}
	defer rl.Close()
	c.out = opt.Out
	c.term = opt.Out
	c.opt.Color = colorTerminal(opt.Out)

	// Ctrl-C while a command runs interrupts that command, not the console.
	intr := make(chan os.Signal, 1)
	signal.Ignore(os.Interrupt)
	signal.Notify(intr, os.Interrupt)
	defer signal.Stop(intr)

	fmt.Fprintln(opt.Out, "tessera console: `help` lists the commands, Tab completes, Ctrl-D leaves.")
	for {
		line, err := rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		done, err := c.runLine(ctx, line, intr)
		if done || err != nil {
			return err
		}
	}
}

// runLine runs the commands of one typed line; done reports `exit`.
func (c *Console) runLine(ctx context.Context, line string, intr <-chan os.Signal) (done bool, err error) {
	cmds, perr := SplitCommands(line)
	if perr != nil {
		fmt.Fprintf(c.out, "%v (close the quote)\n", perr)
		return false, nil
	}
	for _, words := range cmds {
		if words[0] == "exit" || words[0] == "quit" {
			return true, nil
		}
		if c.term != nil {
			_, c.opt.Width = TermSize(c.term)
		}
		cctx, cancel := context.WithCancel(ctx)
		stop := make(chan struct{})
		go func() {
			select {
			case <-intr:
				cancel()
			case <-stop:
			}
		}()
		rerr := c.Run(cctx, words)
		interrupted := cctx.Err() != nil && ctx.Err() == nil
		close(stop)
		cancel()
		// Drain a Ctrl-C that came as the command ended.
		select {
		case <-intr:
			interrupted = true
		default:
		}
		if interrupted {
			fmt.Fprintln(c.out, "^C")
			return false, nil
		}
		if rerr != nil {
			if c.daemonGone(ctx, rerr) {
				return true, ErrDaemonGone
			}
			fmt.Fprintln(c.out, rerr)
			return false, nil
		}
	}
	return false, nil
}

// daemonGone reports whether the daemon stopped answering after err.
func (c *Console) daemonGone(ctx context.Context, err error) bool {
	if !errors.Is(err, errUnreachable) && !errors.Is(err, errStreamEnded) {
		return false
	}
	_, serr := c.client.Status(ctx, connect.NewRequest(&controlv1.StatusRequest{}))
	return serr != nil
}

// prompt shows the workspace's name and its sessions.
func prompt(st *controlv1.StatusResponse) string {
	ws := strings.TrimSuffix(filepath.Base(st.Workspace), ".hcl")
	sess := strings.Join(st.Sessions, ",")
	if sess == "" {
		sess = "-"
	}
	return fmt.Sprintf("\x1b[1m%s\x1b[0m:%s> ", ws, sess)
}

// colorTerminal reports whether f is a terminal that shows colors.
func colorTerminal(f *os.File) bool {
	if os.Getenv("NO_COLOR") != "" || !IsTerminal(f) {
		return false
	}
	t := os.Getenv("TERM")
	return t != "" && t != "dumb"
}

// ColorTerminal reports whether f is a terminal that shows colors (not
// NO_COLOR, not TERM=dumb): render then draws with the plugin's colors.
func ColorTerminal(f *os.File) bool { return colorTerminal(f) }
