//go:build wasip1

// Command piper is a test guest for pipes through the daemon. Its
// configuration key role names the instance in everything it writes back.
//
// CLI messages, by name:
//   - echo: writes "ROLE:PAYLOAD" (upper-cased) to the CLI; "ROLE:end" for the
//     message without payload that ends a piped input.
//   - hold: blocks the pipe, and on a timer writes "late:PAYLOAD" and
//     unblocks it. A hold message arriving while another is held writes
//     "OVERLAP": the host sent a line the plugin had not released.
//   - park: blocks the pipe for good (render shows "parked").
//   - crash: panics.
//   - forward: sends PAYLOAD to another instance of itself (zellij:OWN_URL
//     with role=receiver), which answers the sender by id with "ack".
//
// Plugin messages: fwd (answered with ack to the sender's id) and ack
// (shown by render).
package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/tessera-ws/tessera/sdk"
	"github.com/tessera-ws/tessera/sdk/pb"
)

func init() { sdk.Register(&piper{}) }

func main() {}

type piper struct {
	sdk.BasePlugin
	role    string
	held    string // the pipe id held, "" none
	payload string
	ack     string
	got     int
	parked  bool
}

func (p *piper) Load(cfg map[string]string) {
	p.role = cfg["role"]
	sdk.Subscribe(pb.EventType_Timer)
}

func (p *piper) Pipe(msg *pb.PipeMessage) bool {
	p.got++
	if msg.GetSource() == pb.PipeSource_Plugin {
		switch msg.GetName() {
		case "fwd":
			from := msg.GetPluginSourceId()
			reply := p.role + " got " + msg.GetPayload()
			sdk.MessageToPlugin(&pb.MessageToPluginPayload{DestinationPluginId: &from, MessageName: "ack", MessagePayload: &reply})
		case "ack":
			p.ack = msg.GetPayload()
		}
		return true
	}
	id := msg.GetCliSourceId()
	switch msg.GetName() {
	case "echo":
		if msg.Payload == nil {
			sdk.CliPipeOutput(id, p.role+":end\n")
		} else {
			sdk.CliPipeOutput(id, p.role+":"+strings.ToUpper(msg.GetPayload()))
		}
	case "hold":
		if msg.Payload == nil {
			return true // the end of the input: nothing to hold
		}
		if p.held != "" {
			sdk.CliPipeOutput(id, "OVERLAP\n")
		}
		p.held, p.payload = id, msg.GetPayload()
		sdk.BlockCliPipeInput(id)
		sdk.SetTimeout(100 * time.Millisecond)
	case "park":
		sdk.BlockCliPipeInput(id)
		p.parked = true
	case "crash":
		panic("asked to crash: " + msg.GetPayload())
	case "forward":
		cfg := []*pb.ContextItem{{Name: "role", Value: "receiver"}}
		url := "zellij:OWN_URL"
		payload := msg.GetPayload()
		sdk.MessageToPlugin(&pb.MessageToPluginPayload{PluginUrl: &url, PluginConfig: cfg, MessageName: "fwd", MessagePayload: &payload})
		sdk.CliPipeOutput(id, "forwarded\n")
	}
	return true
}

func (p *piper) Update(ev *pb.Event) bool {
	if ev.GetName() != pb.EventType_Timer || p.held == "" {
		return false
	}
	id := p.held
	p.held = ""
	sdk.CliPipeOutput(id, "late:"+p.payload)
	sdk.UnblockCliPipeInput(id)
	return true
}

func (p *piper) Render(rows, cols int) {
	fmt.Fprintf(os.Stdout, "role=%s messages=%d parked=%v\nack: %s", p.role, p.got, p.parked, p.ack)
}
