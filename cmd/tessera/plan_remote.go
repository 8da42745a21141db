package main

import (
	"context"
	"fmt"

	"connectrpc.com/connect"

	"github.com/tessera-ws/tessera/console"
	"github.com/tessera-ws/tessera/internal/ctl"
	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
)

// planDaemon picks the daemon `tessera plan [PATH]` asks: the -w one, else
// the one running PATH, else (no PATH) the one a client would pick.
func planDaemon(ws string, pos []string) (socket, path string, ok bool) {
	if len(pos) == 1 {
		path = pos[0]
	}
	switch {
	case ws != "":
		in, err := ctl.Resolve(ws)
		if err != nil {
			return "", "", false
		}
		return in.Socket, path, true
	case path != "":
		p, err := ctl.PathsFor(path)
		if err != nil || !daemonRunning(p) {
			return "", "", false
		}
		return p.Socket, "", true
	default:
		in, err := ctl.Resolve("")
		if err != nil {
			return "", "", false
		}
		return in.Socket, "", true
	}
}

// remotePlan prints the daemon's plan for path ("" for its own workspace).
func remotePlan(ctx context.Context, socket, path string, asJSON, detailed bool, s stdio) int {
	failed := exitUsage
	if detailed {
		failed = exitError
	}
	res, err := ctl.Client(socket).Plan(ctx, connect.NewRequest(&controlv1.PlanRequest{Path: path}))
	if err != nil {
		if ctx.Err() != nil {
			return signalExit(ctx)
		}
		fmt.Fprintf(s.err, "tessera plan: %s\n", connectMessage(err))
		return failed
	}
	m := res.Msg
	if asJSON {
		printProtoJSON(s.out, m)
	} else if console.HasErrors(m.Diagnostics) {
		fmt.Fprint(s.err, m.Text)
	} else {
		fmt.Fprint(s.out, m.Text)
	}
	switch {
	case console.HasErrors(m.Diagnostics):
		if !asJSON {
			fmt.Fprintln(s.err, "tessera plan: the workspace has errors; apply would change nothing")
		}
		return failed
	case detailed && (len(m.Changes) > 0):
		return 2
	}
	return exitOK
}
