// Package console is the admin side of the control API: the commands of
// `tessera console` (sessions, panes, plugins, describe, render, screen,
// write, keys, plan, apply, logs, ...), run from a script, one-shot with -c,
// or typed at the REPL. It talks to the daemon only through the generated
// control API client.
//
//	c := console.New(ctl.Client(socket), os.Stdout, console.Options{})
//	err := c.RunScript(ctx, "panes; screen tests")
package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"connectrpc.com/connect"
	"github.com/agext/levenshtein"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/control/v1/controlv1connect"
)

// Options configure a Console.
type Options struct {
	// JSON prints one JSON document per command instead of text.
	JSON bool
	// Width is the terminal width tables fit in (0: no limit).
	Width int
	// Color makes render draw with the plugin's colors (as --ansi does).
	Color bool
	// Term is the terminal watch draws on (nil: watch is refused).
	Term *os.File
}

// Console runs console commands against one daemon.
type Console struct {
	client controlv1connect.ControlServiceClient
	out    io.Writer
	opt    Options
	term   *os.File // the terminal of watch (REPL or Options.Term)
}

// New returns a console writing its output to out.
func New(client controlv1connect.ControlServiceClient, out io.Writer, opt Options) *Console {
	return &Console{client: client, out: out, opt: opt, term: opt.Term}
}

// Command is one console command.
type Command struct {
	Name    string
	Args    string // usage after the name
	Summary string
	Example string
	Group   string
	run     func(c *Console, ctx context.Context, args []string) error
}

var registry = map[string]*Command{}

func register(cmd *Command) {
	if _, dup := registry[cmd.Name]; dup {
		panic("console: duplicate command " + cmd.Name)
	}
	registry[cmd.Name] = cmd
}

// Commands returns every command, sorted by name.
func Commands() []*Command {
	out := make([]*Command, 0, len(registry))
	for _, c := range registry {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Usage is the command's one-line usage.
func (c *Command) Usage() string {
	if c.Args == "" {
		return c.Name
	}
	return c.Name + " " + c.Args
}

// Error is a failed command: the message is one line meant for people.
type Error struct {
	Command string
	Err     error
}

func (e *Error) Error() string { return e.Command + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// usageError reports wrong arguments.
func usageError(cmd *Command) error {
	return fmt.Errorf("usage: %s", cmd.Usage())
}

// Run runs one command given as words.
func (c *Console) Run(ctx context.Context, words []string) error {
	if len(words) == 0 {
		return nil
	}
	cmd, ok := registry[words[0]]
	if !ok {
		msg := fmt.Sprintf("unknown command %q", words[0])
		if near := nearestName(words[0]); near != "" {
			msg += fmt.Sprintf("; did you mean %q?", near)
		}
		return &Error{Command: words[0], Err: errors.New(msg + " (help lists the commands)")}
	}
	if err := cmd.run(c, ctx, words[1:]); err != nil {
		return &Error{Command: cmd.Name, Err: friendly(err)}
	}
	return nil
}

// RunScript runs a script (commands separated by newlines or ';'),
// stopping at the first failing command.
func (c *Console) RunScript(ctx context.Context, script string) error {
	cmds, err := SplitCommands(script)
	if err != nil {
		return err
	}
	for _, words := range cmds {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.Run(ctx, words); err != nil {
			return err
		}
	}
	return nil
}

// errUnreachable and errStreamEnded mean the daemon may have gone away.
var (
	errUnreachable = errors.New("the daemon is not reachable (did it stop? see `tessera ps`)")
	errStreamEnded = errors.New("the daemon ended the stream (did it stop?)")
)

// friendly turns a control API error into one line.
func friendly(err error) error {
	var ce *connect.Error
	if errors.As(err, &ce) {
		switch ce.Code() {
		case connect.CodeUnavailable:
			if strings.Contains(ce.Message(), "connect") || strings.Contains(ce.Message(), "dial") || strings.Contains(ce.Message(), "EOF") {
				return errUnreachable
			}
		}
		return errors.New(ce.Message())
	}
	return err
}

func nearestName(s string) string {
	best, bestD := "", 3
	for name := range registry {
		if d := levenshtein.Distance(s, name, nil); d < bestD {
			best, bestD = name, d
		}
	}
	return best
}

// printJSON prints a message or value as one JSON document.
func (c *Console) printJSON(v any) error {
	if m, ok := v.(proto.Message); ok {
		b, err := protojson.MarshalOptions{Multiline: true, Indent: "  ", EmitUnpopulated: false}.Marshal(m)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(c.out, "%s\n", b)
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.out, "%s\n", b)
	return err
}
