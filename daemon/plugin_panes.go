package daemon

import (
	"fmt"
	"strings"
	"syscall"

	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// Plugin commands about panes by id: hide and show, move to another tab,
// signals, reads of a pane's pid, cwd, command and scrollback, re-running a
// command pane. Loop only.

// paneByID finds a pane from the plugin ABI's PaneId.
func (d *Daemon) paneByID(s *session, id *pluginpb.PaneId) (*pane, error) {
	p := d.paneByZellijID(s, id.GetId(), id.GetPaneType() == pluginpb.PaneType_Plugin)
	if p == nil {
		return nil, fmt.Errorf("no %s pane %d", strings.ToLower(id.GetPaneType().String()), id.GetId())
	}
	return p, nil
}

func (d *Daemon) handlePaneCommand(pn *pane, cmd *pluginpb.PluginCommand) (reply proto.Message, handled bool, err error) {
	if ok, err := d.scrollCommand(pn, cmd); ok {
		return nil, true, err
	}
	s := pn.sess
	switch cmd.GetName() {
	case pluginpb.CommandName_HidePaneWithId, pluginpb.CommandName_ShowPaneWithId:
		var id *pluginpb.PaneId
		if p := cmd.GetHidePaneWithIdPayload(); p != nil {
			id = p.GetPaneId()
		}
		if p := cmd.GetShowPaneWithIdPayload(); p != nil {
			id = p.GetPaneId()
		}
		target, err := d.paneByID(s, id)
		if err != nil {
			return nil, true, err
		}
		target.hidden = cmd.GetName() == pluginpb.CommandName_HidePaneWithId
		if target.plug != nil {
			target.plug.hidden = target.hidden
			if pl := target.plug.p; pl != nil {
				pl.Post(&pluginpb.Event{Name: pluginpb.EventType_Visible, Payload: &pluginpb.Event_VisiblePayload{VisiblePayload: !target.hidden}})
			}
		}
		return nil, true, nil

	case pluginpb.CommandName_BreakPanesToNewTab:
		p := cmd.GetBreakPanesToNewTabPayload()
		prev := s.active
		t := d.newTab(s, p.GetNewTabName())
		if err := d.movePanes(s, p.GetPaneIds(), t); err != nil {
			return nil, true, err
		}
		if !p.GetShouldChangeFocusToNewTab() {
			s.active = prev
		}
		return &pluginpb.BreakPanesToNewTabResponse{Result: &pluginpb.BreakPanesToNewTabResponse_TabId{TabId: uint64(t.id)}}, true, nil
	case pluginpb.CommandName_BreakPanesToTabWithIndex:
		p := cmd.GetBreakPanesToTabWithIndexPayload()
		i := int(p.GetTabIndex())
		if i < 0 || i >= len(s.tabs) {
			return nil, true, fmt.Errorf("no tab %d", i)
		}
		t := s.tabs[i]
		if err := d.movePanes(s, p.GetPaneIds(), t); err != nil {
			return nil, true, err
		}
		if p.GetShouldChangeFocusToTargetTab() {
			s.active = i
		}
		return &pluginpb.BreakPanesToTabWithIndexResponse{Result: &pluginpb.BreakPanesToTabWithIndexResponse_TabId{TabId: uint64(t.id)}}, true, nil

	case pluginpb.CommandName_SendSigintToPaneId, pluginpb.CommandName_SendSigkillToPaneId:
		id := cmd.GetSendSigintToPaneIdPayload()
		sig := syscall.SIGINT
		if cmd.GetName() == pluginpb.CommandName_SendSigkillToPaneId {
			id, sig = cmd.GetSendSigkillToPaneIdPayload(), syscall.SIGKILL
		}
		target, err := d.paneByID(s, id)
		if err != nil {
			return nil, true, err
		}
		if target.proc == nil || target.state != StateRunning {
			return nil, true, fmt.Errorf("pane %d runs no process", id.GetId())
		}
		_ = syscall.Kill(-target.proc.pid, sig)
		return nil, true, nil
	case pluginpb.CommandName_GetPanePid:
		target, err := d.paneByID(s, cmd.GetGetPanePidPayload().GetPaneId())
		if err != nil || target.proc == nil || target.state != StateRunning {
			msg := "the pane runs no process"
			if err != nil {
				msg = err.Error()
			}
			return &pluginpb.GetPanePidResponse{Result: &pluginpb.GetPanePidResponse_Error{Error: msg}}, true, nil
		}
		return &pluginpb.GetPanePidResponse{Result: &pluginpb.GetPanePidResponse_Pid{Pid: int32(target.proc.pid)}}, true, nil
	case pluginpb.CommandName_GetPaneCwd:
		target, err := d.paneByID(s, cmd.GetGetPaneCwdPayload().GetPaneId())
		if err != nil || target.tcfg == nil {
			msg := "the pane has no working directory"
			if err != nil {
				msg = err.Error()
			}
			return &pluginpb.GetPaneCwdResponse{Result: &pluginpb.GetPaneCwdResponse_Error{Error: msg}}, true, nil
		}
		return &pluginpb.GetPaneCwdResponse{Result: &pluginpb.GetPaneCwdResponse_Cwd{Cwd: target.tcfg.Cwd}}, true, nil
	case pluginpb.CommandName_GetPaneScrollback:
		p := cmd.GetGetPaneScrollbackPayload()
		target, err := d.paneByID(s, p.GetPaneId())
		if err != nil || target.term == nil {
			msg := "the pane has no scrollback"
			if err != nil {
				msg = err.Error()
			}
			return &pluginpb.PaneScrollbackResponse{Response: &pluginpb.PaneScrollbackResponse_Err{Err: msg}}, true, nil
		}
		target.term.mu.Lock()
		pc := &pluginpb.PaneContents{Viewport: target.term.scr.Lines()}
		if p.GetGetFullScrollback() {
			pc.LinesAboveViewport = target.term.scr.Scrollback(-1)
		}
		target.term.mu.Unlock()
		return &pluginpb.PaneScrollbackResponse{Response: &pluginpb.PaneScrollbackResponse_Ok{Ok: pc}}, true, nil
	case pluginpb.CommandName_RerunCommandPane:
		id := cmd.GetRerunCommandPanePayload().GetTerminalPaneId()
		target := d.paneByZellijID(s, id, false)
		if target == nil {
			return nil, true, fmt.Errorf("no terminal pane %d", id)
		}
		d.restartTerminal(target)
		if op := target.openedBy; op != nil && op.plug != nil && op.plug.p != nil {
			op.plug.p.Post(&pluginpb.Event{Name: pluginpb.EventType_CommandPaneReRun, Payload: &pluginpb.Event_CommandPaneRerunPayload{
				CommandPaneRerunPayload: &pluginpb.CommandPaneReRunPayload{TerminalPaneId: id, Context: target.openContext}}})
		}
		return nil, true, nil
	case pluginpb.CommandName_Write, pluginpb.CommandName_WriteChars:
		data := cmd.GetWritePayload()
		if cmd.GetName() == pluginpb.CommandName_WriteChars {
			data = []byte(cmd.GetWriteCharsPayload())
		}
		t := d.activeTab(s)
		if len(t.panes) == 0 {
			return nil, true, fmt.Errorf("the active tab has no pane")
		}
		target := t.panes[min(t.focus, len(t.panes)-1)]
		if target.proc == nil || target.state != StateRunning {
			return nil, true, fmt.Errorf("the focused pane runs no process")
		}
		return nil, true, target.proc.write(data, 0)
	case pluginpb.CommandName_CloseFocus:
		t := d.activeTab(s)
		if len(t.panes) > 0 {
			target := t.panes[min(t.focus, len(t.panes)-1)]
			d.closePane(target)
			d.forget(target)
		}
		return nil, true, nil
	case pluginpb.CommandName_FocusNextPane, pluginpb.CommandName_FocusPreviousPane:
		t := d.activeTab(s)
		if n := len(t.panes); n > 0 {
			step := 1
			if cmd.GetName() == pluginpb.CommandName_FocusPreviousPane {
				step = n - 1
			}
			t.focus = (t.focus + step) % n
		}
		return nil, true, nil
	case pluginpb.CommandName_QuitZellij, pluginpb.CommandName_Detach:
		// A headless daemon has no client to quit or detach: the plugin
		// that asks is closed, the session goes on.
		d.log.Info("plugin asked to quit: closing the plugin", "plugin", pn.addr, "command", cmd.GetName().String())
		d.closePane(pn)
		return nil, true, nil
	case pluginpb.CommandName_ReloadPlugin:
		id := cmd.GetReloadPluginPayload().GetPluginId()
		target := d.paneByZellijID(s, id, true)
		if target == nil {
			return nil, true, fmt.Errorf("no plugin %d", id)
		}
		if target == pn {
			return nil, true, fmt.Errorf("a plugin cannot reload itself from inside a call")
		}
		d.stopPlugin(target, StateStopped)
		target.ready, target.readyDone = make(chan struct{}), false
		d.startPlugin(target)
		return nil, true, nil
	}
	return nil, false, nil
}

// movePanes moves panes (by plugin ABI id) to tab t.
func (d *Daemon) movePanes(s *session, ids []*pluginpb.PaneId, t *tab) error {
	for _, id := range ids {
		p, err := d.paneByID(s, id)
		if err != nil {
			return err
		}
		if p.tab == nil || p.tab == t {
			continue
		}
		old := p.tab
		for i, x := range old.panes {
			if x == p {
				old.panes = append(old.panes[:i], old.panes[i+1:]...)
				break
			}
		}
		if old.focus >= len(old.panes) {
			old.focus = max(0, len(old.panes)-1)
		}
		p.tab = t
		t.panes = append(t.panes, p)
		// The pane no longer matches its place in the file: it is the
		// session's now, like panes opened at run time.
		p.managed = false
	}
	return nil
}
