//go:build wasip1

// Command probe is a test guest for the SDK's end-to-end tests: each key
// makes it do one thing the tests check from the host side.
package main

import (
	"fmt"
	"os"

	"github.com/tessera-ws/tessera/sdk"
	"github.com/tessera-ws/tessera/sdk/pb"
)

func init() {
	sdk.Register(&probe{})
	sdk.RegisterWorker("echo", sdk.WorkerFunc(func(name, payload string) {
		if name == "boom" {
			panic("worker exploded: " + payload)
		}
		sdk.PostMessageToPlugin("echo:"+name, payload)
	}))
}

//go:wasmexport echo_worker
func echoWorker() { sdk.RunWorker("echo") }

func main() {}

type probe struct {
	config map[string]string
	seen   []string
}

func (p *probe) Load(cfg map[string]string) {
	p.config = cfg
	sdk.Subscribe(pb.EventType_Key, pb.EventType_CustomMessage, pb.EventType_Key)
}

func (p *probe) Update(ev *pb.Event) bool {
	if ev.GetName() == pb.EventType_CustomMessage {
		m := ev.GetCustomMessagePayload()
		p.seen = append(p.seen, m.GetMessageName()+"="+m.GetPayload())
		return true
	}
	r, ok := sdk.KeyRune(ev.GetKeyPayload())
	if !ok {
		return false
	}
	switch r {
	case 'p':
		panic("boom")
	case 'i':
		ids := sdk.GetPluginIds()
		p.seen = append(p.seen, fmt.Sprintf("ids=%d/%d/%s/%d", ids.GetPluginId(), ids.GetZellijPid(), ids.GetInitialCwd(), ids.GetClientId()))
	case 'v':
		p.seen = append(p.seen, "version="+sdk.GetZellijVersion())
	case 'o':
		pane := sdk.OpenFile(sdk.FileToOpen{Path: "/host/a.txt", LineNumber: 3}, map[string]string{"k": "v"})
		p.seen = append(p.seen, fmt.Sprintf("open=%v", pane != nil))
	case 't':
		id, ok := sdk.NewTab("logs", "")
		p.seen = append(p.seen, fmt.Sprintf("tab=%d/%v", id, ok))
	case 'w':
		sdk.PostMessageTo("echo", "ping", "hello")
	case 'b':
		sdk.PostMessageTo("echo", "boom", "now")
	case 'm':
		// Text printed outside render appears at the start of the next frame.
		fmt.Print("early ")
	case 'c':
		p.seen = append(p.seen, "config="+p.config["greeting"])
	}
	return true
}

func (p *probe) Pipe(msg *pb.PipeMessage) bool {
	p.seen = append(p.seen, "pipe="+msg.GetName()+":"+msg.GetPayload())
	return msg.GetIsPrivate()
}

func (p *probe) Render(rows, cols int) {
	fmt.Fprintf(os.Stdout, "%dx%d", rows, cols)
	for _, s := range p.seen {
		fmt.Fprintf(os.Stdout, "\n%s", s)
	}
}
