package console

import (
	"context"
	"flag"
	"fmt"
	"io"

	"connectrpc.com/connect"

	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
)

func init() {
	register(&Command{Name: "mode", Args: "[--session S] MODE", Summary: "switch a session's input mode (normal, locked, pane, tab, ...)", Group: groupAct, Example: "mode locked", run: (*Console).mode})
	register(&Command{Name: "dump", Args: "[SESSION]", Summary: "the running session as a workspace file (tessera up can load it)", Group: groupWorkspace, Example: "dump > session.hcl", run: (*Console).dump})
}

func (c *Console) mode(ctx context.Context, args []string) error {
	var sess string
	pos, err := parseFlags("mode", args, func(fs *flag.FlagSet) { fs.StringVar(&sess, "session", "", "") })
	if err != nil || len(pos) != 1 {
		return usageError(registry["mode"])
	}
	res, err := c.client.SetMode(ctx, connect.NewRequest(&controlv1.SetModeRequest{Session: sess, Mode: pos[0]}))
	if err != nil {
		return err
	}
	if c.opt.JSON {
		return c.printJSON(res.Msg)
	}
	fmt.Fprintf(c.out, "mode %s\n", res.Msg.Mode)
	return nil
}

func (c *Console) dump(ctx context.Context, args []string) error {
	if len(args) > 1 {
		return usageError(registry["dump"])
	}
	req := &controlv1.DumpLayoutRequest{}
	if len(args) == 1 {
		req.Session = args[0]
	}
	res, err := c.client.DumpLayout(ctx, connect.NewRequest(req))
	if err != nil {
		return err
	}
	if c.opt.JSON {
		return c.printJSON(res.Msg)
	}
	_, err = io.WriteString(c.out, res.Msg.Hcl)
	return err
}
