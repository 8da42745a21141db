//go:build wasip1

// Command hostile is a test plugin that abuses commands it is permitted to
// give, to check what it can make the daemon do. The configuration's
// "action" says what it does once loaded, on every timer tick:
//
//	tabs      NewTab, burst times per tick
//	terminals OpenTerminal, burst times per tick
//	run       RunCommand of "sleep 30", burst times per tick
//	web       WebRequest of the configuration's url, burst times per tick
//	pingpong  on every pipe message, MessageToPlugin twice to its own URL
//	          (started by one message on load)
//	pipeout   on a CLI pipe's first line, cli_pipe_output of 64 KiB, burst
//	          times per tick, for ever
//	rename    RenameTab of the first tab to a 64 KiB name
//	mode      SwitchToMode, cycling through the modes
//	dump      DumpSessionLayout
//	perms     RequestPluginPermissions, a different set each time
//	write     WriteCharsToPaneId of 64 KiB to terminal pane 1
//	close     CloseTabWithIndex 0 (its own tab last)
//
// With render = "big" every frame is 1 MiB.
//
// It draws the number of commands given so far.
package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tessera-ws/tessera/sdk"
	"github.com/tessera-ws/tessera/sdk/pb"
)

func init() { sdk.Register(&hostile{}) }

func main() {}

type hostile struct {
	sdk.BasePlugin
	action string
	burst  int
	sent   int
	pipe   string
	chunk  string
	big    bool
	url    string
}

func (h *hostile) Load(cfg map[string]string) {
	h.action = cfg["action"]
	h.burst, _ = strconv.Atoi(cfg["burst"])
	if h.burst <= 0 {
		h.burst = 50
	}
	h.chunk = strings.Repeat("x", 64<<10)
	h.big = cfg["render"] == "big"
	h.url = cfg["url"]
	sdk.Subscribe(pb.EventType_Timer, pb.EventType_RunCommandResult)
	switch h.action {
	case "pingpong":
		h.ping()
	case "pipeout":
	default:
		sdk.SetTimeout(0)
	}
}

func (h *hostile) ping() {
	own := "zellij:OWN_URL"
	sdk.MessageToPlugin(&pb.MessageToPluginPayload{PluginUrl: &own, MessageName: "ping", MessagePayload: &h.chunk})
	h.sent++
}

func (h *hostile) Update(ev *pb.Event) bool {
	if ev.GetName() != pb.EventType_Timer {
		return false
	}
	for i := 0; i < h.burst; i++ {
		switch h.action {
		case "tabs":
			sdk.NewTab(fmt.Sprintf("flood-%d", h.sent), "")
		case "terminals":
			sdk.OpenTerminal("")
		case "run":
			sdk.RunCommand([]string{"sleep", "30"}, nil, "", nil)
		case "web":
			sdk.WebRequest(h.url, pb.HttpVerb_Get, nil, nil, nil)
		case "pipeout":
			sdk.CliPipeOutput(h.pipe, h.chunk)
		case "rename":
			sdk.Run(&pb.PluginCommand{Name: pb.CommandName_RenameTab,
				RenameTabPayload: &pb.IdAndNewName{Id: 1, NewName: fmt.Sprintf("%d-%s", h.sent, h.chunk)}})
		case "mode":
			sdk.Run(&pb.PluginCommand{Name: pb.CommandName_SwitchToMode,
				SwitchToModePayload: &pb.SwitchToModePayload{InputMode: pb.InputMode(h.sent % 16)}})
		case "dump":
			sdk.Run(&pb.PluginCommand{Name: pb.CommandName_DumpSessionLayout})
		case "perms":
			all := []pb.PermissionType{pb.PermissionType_ReadApplicationState, pb.PermissionType_RunCommands,
				pb.PermissionType_WebAccess, pb.PermissionType_FullHdAccess, pb.PermissionType_WriteToStdin}
			sdk.RequestPermission(all[h.sent%len(all)], all[(h.sent/len(all))%len(all)])
		case "write":
			sdk.Run(&pb.PluginCommand{Name: pb.CommandName_WriteCharsToPaneId, WriteCharsToPaneIdPayload: &pb.WriteCharsToPaneIdPayload{
				CharsToWrite: h.chunk, PaneId: &pb.PaneId{PaneType: pb.PaneType_Terminal, Id: 1}}})
		case "close":
			sdk.Run(&pb.PluginCommand{Name: pb.CommandName_CloseTabWithIndex,
				CloseTabWithIndexPayload: &pb.CloseTabWithIndexPayload{TabIndex: 0}})
		}
		h.sent++
	}
	sdk.SetTimeout(time.Millisecond)
	return true
}

func (h *hostile) Pipe(msg *pb.PipeMessage) bool {
	switch h.action {
	case "pingpong":
		h.ping()
		h.ping()
	case "pipeout":
		if h.pipe == "" && msg.GetSource() == pb.PipeSource_Cli {
			h.pipe = msg.GetCliSourceId()
			sdk.BlockCliPipeInput(h.pipe) // the pipe stays open
			sdk.SetTimeout(0)
		}
	}
	return true
}

func (h *hostile) Render(rows, cols int) {
	if h.big {
		fmt.Print(strings.Repeat(strings.Repeat("y", 1023)+"\n", 1024))
	}
	fmt.Printf("sent %d\n", h.sent)
}
