package console

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"connectrpc.com/connect"

	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
	"github.com/tessera-ws/tessera/proto/control/v1/controlv1connect"
)

func init() {
	register(&Command{Name: "pipe", Args: "[--plugin URL] [--config K=V]... [--arg K=V]... NAME [PAYLOAD]",
		Summary: "send a pipe message to a plugin (or every plugin) and print its cli_pipe_output",
		Group:   groupAct, Example: "pipe --plugin file:/plugins/filter.wasm grep 'error: disk full'", run: (*Console).pipe})
}

// PipeSpec describes a CLI pipe.
type PipeSpec struct {
	// Name is the message name ("" lets the daemon choose: the plugin URL,
	// else the pipe id).
	Name string
	// Plugin is the destination plugin's URL; "" broadcasts.
	Plugin string
	// Config selects the instance of Plugin.
	Config map[string]string
	// Args are the message's arguments.
	Args map[string]string
	// Cwd resolves a relative Plugin path.
	Cwd string
	// Session loads a plugin not running yet ("" the first session).
	Session string
	// Window is how many messages may be unreleased at once (0:
	// PipeWindow; 1: each message is read only once the one before was
	// released).
	Window int
}

// PipeFailed is the error of a pipe the daemon ended: a plugin that got a
// message went away, or no plugin received it.
type PipeFailed struct {
	Msg string
}

func (e *PipeFailed) Error() string { return e.Msg }

// PipeWindow is how many messages of a CLI pipe may by default be on their
// way to the daemon at once: sent, not yet released. The daemon still hands a
// plugin a message only once every plugin released the one before it (and
// a plugin that blocks the pipe holds it); the window lets the next few
// messages travel while the current one is processed, so a message costs
// the plugin's time rather than a round trip between two processes. It
// bounds how far the input is read ahead of what plugins released.
const PipeWindow = 16

// RunPipe runs a CLI pipe. next returns the payload of each message in
// turn (nil for a message without payload) and false after the last; it is
// called when fewer than spec.Window messages are unreleased, and the
// daemon delivers each message only after every plugin that got the one
// before released it. What plugins send with cli_pipe_output is written to
// out as it comes. RunPipe returns nil once every message was released, a
// *PipeFailed when the daemon ended the pipe (messages read but not
// delivered then are lost with the pipe), and another error when the
// daemon went away.
func RunPipe(ctx context.Context, client controlv1connect.ControlServiceClient, spec PipeSpec, next func() (payload *string, more bool, err error), out io.Writer) (err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st := client.Pipe(ctx)
	defer st.CloseResponse()
	open := &controlv1.PipeOpen{Name: spec.Name, Plugin: spec.Plugin, PluginConfiguration: spec.Config,
		Args: spec.Args, Cwd: spec.Cwd, Session: spec.Session}
	if err := st.Send(&controlv1.PipeRequest{Msg: &controlv1.PipeRequest_Open{Open: open}}); err != nil {
		return pipeStreamError(st.Receive, err)
	}
	window := uint64(PipeWindow)
	if spec.Window > 0 {
		window = uint64(spec.Window)
	}
	// At most window releases are outstanding, so the receiver never
	// blocks on this channel.
	released := make(chan uint64, window)
	ended := make(chan error, 1)
	go func() {
		for {
			res, err := st.Receive()
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				ended <- err
				return
			}
			if res.Output != "" {
				if _, err := io.WriteString(out, res.Output); err != nil {
					ended <- fmt.Errorf("writing the output: %w", err)
					return
				}
			}
			if res.Released != nil {
				released <- res.Released.Line
			}
		}
	}()
	streamErr := func(err error) error {
		if err == nil {
			return errors.New("the daemon ended the pipe before every message was released")
		}
		var ce *connect.Error
		if errors.As(err, &ce) && (ce.Code() == connect.CodeAborted || ce.Code() == connect.CodeFailedPrecondition ||
			ce.Code() == connect.CodeInvalidArgument || ce.Code() == connect.CodeNotFound) {
			return &PipeFailed{Msg: ce.Message()}
		}
		return err
	}
	var sent, done uint64 // messages sent, released
	// A release of message n releases every message before it too (the
	// daemon sends a message on only once the one before was released).
	release := func(n uint64) error {
		if n <= done || n > sent {
			return fmt.Errorf("the daemon released message %d after %d of %d sent", n, done, sent)
		}
		done = n
		return nil
	}
	for {
		// Take the releases that came, and wait for one while the window
		// is full.
		for drained := false; !drained; {
			if sent-done < window {
				select {
				case n := <-released:
					if err := release(n); err != nil {
						return err
					}
					continue
				default:
					drained = true
					continue
				}
			}
			select {
			case n := <-released:
				if err := release(n); err != nil {
					return err
				}
			case err := <-ended:
				return streamErr(err)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		payload, more, err := next()
		if err != nil {
			return err
		}
		if !more {
			break
		}
		if err := st.Send(&controlv1.PipeRequest{Msg: &controlv1.PipeRequest_Line{Line: &controlv1.PipeLine{Payload: payload}}}); err != nil {
			if errors.Is(err, io.EOF) { // the daemon ended the stream: Receive tells why
				return streamErr(<-ended)
			}
			return err
		}
		sent++
	}
	if err := st.CloseRequest(); err != nil {
		return err
	}
	select {
	case err := <-ended:
		if err != nil {
			return streamErr(err)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	// The receiver has returned: every release it got is in the channel.
	for len(released) > 0 {
		if err := release(<-released); err != nil {
			return err
		}
	}
	if done != sent {
		return streamErr(nil)
	}
	return nil
}

func pipeStreamError(recv func() (*controlv1.PipeResponse, error), err error) error {
	if errors.Is(err, io.EOF) {
		if _, rerr := recv(); rerr != nil && !errors.Is(rerr, io.EOF) {
			return rerr
		}
	}
	return err
}

// ParseKeyValues parses K=V words into a map; flag names the flag for the
// error.
func ParseKeyValues(flag string, kvs []string) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q: write KEY=VALUE", flag, kv)
		}
		m[k] = v
	}
	return m, nil
}

func (c *Console) pipe(ctx context.Context, args []string) error {
	var plugin, session string
	var cfgs, kvs multiFlag
	pos, err := parseFlags("pipe", args, func(fs *flag.FlagSet) {
		fs.StringVar(&plugin, "plugin", "", "")
		fs.StringVar(&session, "session", "", "")
		fs.Var(&cfgs, "config", "")
		fs.Var(&cfgs, "plugin-configuration", "")
		fs.Var(&kvs, "arg", "")
		fs.Var(&kvs, "args", "")
	})
	if err != nil || len(pos) < 1 || len(pos) > 2 {
		return usageError(registry["pipe"])
	}
	spec := PipeSpec{Name: pos[0], Plugin: plugin, Session: session}
	if spec.Config, err = ParseKeyValues("--config", cfgs); err != nil {
		return err
	}
	if spec.Args, err = ParseKeyValues("--arg", kvs); err != nil {
		return err
	}
	spec.Cwd, _ = os.Getwd()
	var payload *string
	if len(pos) == 2 {
		payload = &pos[1]
	}
	sent := false
	return RunPipe(ctx, c.client, spec, func() (*string, bool, error) {
		if sent {
			return nil, false, nil
		}
		sent = true
		return payload, true, nil
	}, c.out)
}
