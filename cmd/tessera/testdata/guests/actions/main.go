//go:build wasip1

// Command actions is a test plugin for the daemon: each key runs one
// command, and the results that come back are drawn one per line.
//
//	r  RunCommand: sh -c 'echo out-$X; echo err >&2; exit 3' (context k=run)
//	w  WebRequest GET of the configuration's url (context k=web)
//	c  OpenCommandPane: sh -c 'exit 7' (context k=pane)
//	t  NewTab "from-plugin"
//	p  panic (a crash)
package main

import (
	"fmt"
	"strings"

	"github.com/tessera-ws/tessera/sdk"
	"github.com/tessera-ws/tessera/sdk/pb"
)

func init() { sdk.Register(&actions{}) }

func main() {}

type actions struct {
	sdk.BasePlugin
	url  string
	logs []string
}

func (a *actions) Load(cfg map[string]string) {
	if cfg["panic_on_load"] != "" {
		panic(cfg["panic_on_load"])
	}
	a.url = cfg["url"]
	sdk.Subscribe(pb.EventType_Key, pb.EventType_RunCommandResult, pb.EventType_WebRequestResult,
		pb.EventType_CommandPaneOpened, pb.EventType_CommandPaneExited)
	a.logs = append(a.logs, "ready")
}

func ctx(items []*pb.ContextItem) string {
	var out []string
	for _, it := range items {
		out = append(out, it.GetName()+"="+it.GetValue())
	}
	return strings.Join(out, ",")
}

func (a *actions) Update(ev *pb.Event) bool {
	switch ev.GetName() {
	case pb.EventType_Key:
		switch ev.GetKeyPayload().GetChar() {
		case 'r':
			sdk.RunCommand([]string{"sh", "-c", "echo out-$X; echo err >&2; exit 3"}, map[string]string{"X": "42"}, "", map[string]string{"k": "run"})
		case 'w':
			sdk.WebRequest(a.url, pb.HttpVerb_Get, map[string]string{"X-Test": "yes"}, nil, map[string]string{"k": "web"})
		case 'c':
			sdk.OpenCommandPane(sdk.CommandToRun{Path: "sh", Args: []string{"-c", "exit 7"}}, map[string]string{"k": "pane"})
		case 't':
			sdk.NewTab("from-plugin", "")
		case 'p':
			panic("asked to crash")
		}
	case pb.EventType_RunCommandResult:
		r := ev.GetRunCommandResultPayload()
		a.logs = append(a.logs, fmt.Sprintf("run exit=%d out=%q err=%q ctx=%s", r.GetExitCode(), strings.TrimSpace(string(r.GetStdout())), strings.TrimSpace(string(r.GetStderr())), ctx(r.GetContext())))
	case pb.EventType_WebRequestResult:
		r := ev.GetWebRequestResultPayload()
		a.logs = append(a.logs, fmt.Sprintf("web status=%d body=%q ctx=%s", r.GetStatus(), strings.TrimSpace(string(r.GetBody())), ctx(r.GetContext())))
	case pb.EventType_CommandPaneOpened:
		a.logs = append(a.logs, "pane opened ctx="+ctx(ev.GetCommandPaneOpenedPayload().GetContext()))
	case pb.EventType_CommandPaneExited:
		p := ev.GetCommandPaneExitedPayload()
		a.logs = append(a.logs, fmt.Sprintf("pane exited code=%d ctx=%s", p.GetExitCode(), ctx(p.GetContext())))
	default:
		return false
	}
	return true
}

func (a *actions) Render(rows, cols int) {
	start := max(0, len(a.logs)-rows)
	fmt.Print(strings.Join(a.logs[start:], "\n"))
}
