package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/internal/ctl"
	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
)

func init() {
	register(command{
		name:      "down",
		summary:   "stop a workspace's daemon gracefully (returns once it has exited)",
		run:       runDown,
		stopGrace: 2 * time.Second,
	})
	register(command{
		name:    "ps",
		summary: "list this user's running daemons",
		run:     runPs,
	})
}

// downTimeout bounds how long `down` waits for the daemon to exit.
const downTimeout = 30 * time.Second

const downHelp = `usage: tessera down [-w PATH] [PATH]

Stops a daemon gracefully: plugins get BeforeClose, panes SIGHUP then
SIGKILL after 3 s, the socket and lock are removed. Returns once the daemon
has exited.
`

func runDown(ctx context.Context, args []string, s stdio) int {
	fs := newFlagSet("down")
	ws := workspaceFlag(fs)
	pos, code, done := parseFlags(fs, args, s, downHelp)
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
		fmt.Fprintf(s.err, "tessera down: %v\n", err)
		return exitError
	}
	client := ctl.Client(in.Socket)
	if _, err := client.Shutdown(ctx, connect.NewRequest(&controlv1.ShutdownRequest{})); err != nil {
		fmt.Fprintf(s.err, "tessera down: %s\n", connectMessage(err))
		return exitError
	}
	deadline := time.Now().Add(downTimeout)
	for time.Now().Before(deadline) {
		if syscall.Kill(in.PID, 0) != nil {
			fmt.Fprintf(s.out, "stopped the daemon of %s (pid %d)\n", in.Workspace, in.PID)
			return exitOK
		}
		select {
		case <-ctx.Done():
			return signalExit(ctx)
		case <-time.After(20 * time.Millisecond):
		}
	}
	fmt.Fprintf(s.err, "tessera down: the daemon (pid %d) did not exit within %s; see its log %s\n", in.PID, downTimeout, in.Log)
	return exitError
}

const psHelp = `usage: tessera ps [--json]

Lists this user's running daemons: workspace, pid, uptime, panes, plugins,
sessions (and the socket with --json).
`

func runPs(ctx context.Context, args []string, s stdio) int {
	fs := newFlagSet("ps")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, code, done := parseFlags(fs, args, s, psHelp)
	if done {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, s, "ps takes no arguments")
	}
	running, err := ctl.Running()
	if err != nil {
		fmt.Fprintf(s.err, "tessera ps: %v\n", err)
		return exitError
	}
	type row struct {
		Workspace string   `json:"workspace"`
		PID       int      `json:"pid"`
		Socket    string   `json:"socket"`
		Uptime    string   `json:"uptime"`
		Sessions  []string `json:"sessions"`
		Panes     int32    `json:"panes"`
		Plugins   int32    `json:"plugins"`
	}
	rows := []row{}
	for _, in := range running {
		r := row{Workspace: in.Workspace, PID: in.PID, Socket: in.Socket,
			Uptime: time.Since(time.Unix(0, in.Started)).Round(time.Second).String()}
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		res, err := ctl.Client(in.Socket).Status(cctx, connect.NewRequest(&controlv1.StatusRequest{}))
		cancel()
		if err == nil {
			r.Sessions, r.Panes, r.Plugins = res.Msg.Sessions, res.Msg.Panes, res.Msg.Plugins
		}
		rows = append(rows, r)
	}
	if *asJSON {
		b, _ := json.MarshalIndent(rows, "", "  ")
		fmt.Fprintf(s.out, "%s\n", b)
		return exitOK
	}
	if len(rows) == 0 {
		fmt.Fprintln(s.out, "no daemon is running")
		return exitOK
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKSPACE\tPID\tUPTIME\tPANES\tPLUGINS\tSESSIONS\tSOCKET")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%s\t%s\n", r.Workspace, r.PID, r.Uptime, r.Panes, r.Plugins, strings.Join(r.Sessions, ","), r.Socket)
	}
	tw.Flush()
	return exitOK
}

func printProtoJSON(w io.Writer, m proto.Message) {
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(m)
	if err != nil {
		fmt.Fprintf(w, "{\"error\": %q}\n", err.Error())
		return
	}
	fmt.Fprintf(w, "%s\n", b)
}
