package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
	"github.com/tessera-ws/tessera/zellij"
)

// What plugins see of the daemon: each session becomes a zellij.Session
// (the plain model of the plugin ABI), rebuilt from the observed state when
// it changes. Changes mark the session dirty; after each message the loop
// posts TabUpdate and PaneUpdate (and ModeUpdate when the mode changed) to
// the plugins of dirty sessions, so a burst of changes makes one update.
// The loop only ever Posts to plugins: it never waits on a plugin call.

// markDirty asks for the session's state to be sent to its plugins.
func (d *Daemon) markDirty(s *session) {
	if s == nil {
		return
	}
	if d.dirty == nil {
		d.dirty = map[*session]bool{}
	}
	d.dirty[s] = true
}

// flushDirty posts the state of dirty sessions to their plugins. Loop only.
func (d *Daemon) flushDirty() {
	if len(d.dirty) == 0 {
		return
	}
	sessionsChanged := false
	for s := range d.dirty {
		if s.listDirty {
			sessionsChanged = true
			s.listDirty = false
		}
		plugins := d.sessionPlugins(s)
		if len(plugins) == 0 {
			// Nobody to tell (a plugin that loads later gets the state
			// then): building the events would cost O(panes) per message.
			s.modeDirty = false
			continue
		}
		zs := d.zellijSession(s)
		// The events carry nothing per plugin: each is built and encoded
		// once for all of the session's plugins (each plugin filters it by
		// its own subscriptions and permissions), and only when one of
		// them subscribed to it.
		var evs []*wasi.EncodedEvent
		if s.modeDirty {
			evs = append(evs, d.encodeFor(plugins, pluginpb.EventType_ModeUpdate, func() *pluginpb.Event { return zs.ModeUpdate(true) }))
			s.modeDirty = false
		}
		evs = append(evs,
			d.encodeFor(plugins, pluginpb.EventType_TabUpdate, zs.TabUpdate),
			d.encodeFor(plugins, pluginpb.EventType_PaneUpdate, zs.PaneUpdate))
		for _, f := range d.sessionFeeds(s) {
			f.offer(evs...)
		}
	}
	d.dirty = nil
	if sessionsChanged {
		for _, s := range d.sessions {
			plugins := d.sessionPlugins(s)
			if len(plugins) == 0 {
				continue
			}
			ev := d.encodeFor(plugins, pluginpb.EventType_SessionUpdate, func() *pluginpb.Event { return d.sessionUpdate(s) })
			for _, f := range d.sessionFeeds(s) {
				f.offer(ev)
			}
		}
	}
}

// encodeFor builds and encodes an event of type t once for plugins, or
// returns nil when none of them is subscribed to t (nothing to build). An
// event that does not encode is logged and not sent: the plugins keep
// their last state until the next change.
func (d *Daemon) encodeFor(plugins []*wasi.Plugin, t pluginpb.EventType, build func() *pluginpb.Event) *wasi.EncodedEvent {
	if !slices.ContainsFunc(plugins, func(p *wasi.Plugin) bool { return p.Subscribed(t) }) {
		return nil
	}
	e, err := wasi.EncodeEvent(build())
	if err != nil {
		d.log.Error("session state not sent to plugins", "event", t, "err", err)
		return nil
	}
	return e
}

// sessionPluginPanes returns the panes and background plugins of a session
// whose plugin runs.
func (d *Daemon) sessionPluginPanes(s *session) []*pane {
	var out []*pane
	add := func(p *pane) {
		if p.plug != nil && p.plug.p != nil {
			out = append(out, p)
		}
	}
	for _, t := range s.tabs {
		for _, p := range t.panes {
			add(p)
		}
	}
	for _, p := range s.bg {
		add(p)
	}
	return out
}

// sessionFeeds returns the state feeds of a session's running plugins.
func (d *Daemon) sessionFeeds(s *session) []*stateFeed {
	var out []*stateFeed
	for _, p := range d.sessionPluginPanes(s) {
		if p.plug.feed != nil {
			out = append(out, p.plug.feed)
		}
	}
	return out
}

// sessionPlugins returns the running plugins of a session.
func (d *Daemon) sessionPlugins(s *session) []*wasi.Plugin {
	var out []*wasi.Plugin
	for _, p := range d.sessionPluginPanes(s) {
		out = append(out, p.plug.p)
	}
	return out
}

func (d *Daemon) sessionUpdate(s *session) *pluginpb.Event {
	var others []*zellij.Session
	for _, o := range d.sessions {
		if o != s {
			others = append(others, d.zellijSession(o))
		}
	}
	return zellij.SessionUpdate(d.zellijSession(s), others...)
}

// zellijSession builds the plugin view of a session. Loop only.
func (d *Daemon) zellijSession(s *session) *zellij.Session {
	zs := &zellij.Session{
		Name: s.name, Mode: s.mode, BaseMode: pluginpb.InputMode_Normal,
		Rows: d.cfg.DefaultRows, Cols: d.cfg.DefaultCols, Created: s.created, Clients: 1,
	}
	if s.cfg != nil {
		zs.Env = s.cfg.Env
	}
	for i, t := range s.tabs {
		zt := zellij.Tab{ID: t.id, Name: t.name, Active: i == s.active}
		y := 0
		for j, p := range t.panes {
			if p.currentState() == StateClosed {
				continue
			}
			zp := zellij.Pane{ID: p.zellijID(), Title: p.name, Focused: j == t.focus, Y: y, Suppressed: p.hidden, Floating: p.floating}
			if p.plug != nil {
				zp.IsPlugin = true
				zp.PluginURL = p.plug.inst.Source.URL()
				zp.Rows, zp.Cols = p.plug.view.size()
				zp.NotSelectable = p.plug.notSelectable
			} else {
				if p.term != nil {
					p.term.mu.Lock()
					zp.Rows, zp.Cols = p.term.rows, p.term.cols
					p.term.mu.Unlock()
				}
				if p.tcfg != nil && p.tcfg.Command != "" {
					zp.Command = strings.Join(append([]string{p.tcfg.Command}, p.tcfg.Args...), " ")
				}
				if p.exited {
					st := int32(p.status)
					zp.Exited, zp.ExitStatus = true, &st
				}
			}
			y += zp.Rows
			zt.Panes = append(zt.Panes, zp)
		}
		zs.Tabs = append(zs.Tabs, zt)
	}
	return zs
}

// zellijID is the pane's id as plugins see it: terminal panes and plugin
// panes have separate id spaces.
func (p *pane) zellijID() uint32 {
	if p.plug != nil {
		return p.plug.id
	}
	return p.id
}

// sendInitialEvents gives a freshly loaded plugin the session's state.
func (d *Daemon) sendInitialEvents(pn *pane, p *wasi.Plugin) {
	zs := d.zellijSession(pn.sess)
	evs := zs.InitialEvents(p.Subscribed(pluginpb.EventType_InitialKeybinds))
	evs[3] = d.sessionUpdate(pn.sess)
	// Offered, not posted: they are snapshots like the ones the state feed
	// offers later, and only offers keep the newest last (a posted event
	// would be delivered after a newer offered one).
	for _, ev := range evs {
		d.offerTo(p, ev)
	}
}

// offerTo offers one snapshot event to one plugin (wasi.Plugin.Offer).
func (d *Daemon) offerTo(p *wasi.Plugin, ev *pluginpb.Event) {
	e, err := wasi.EncodeEvent(ev)
	if err != nil {
		d.log.Error("event not sent to a plugin", "plugin", p.ID(), "event", ev.GetName(), "err", err)
		return
	}
	p.Offer(e)
}

// dispatcher carries out a plugin's commands against the daemon's state.
// It runs on the plugin's goroutine and asks the loop, which never waits on
// a plugin call, so the wait cannot deadlock.
type dispatcher struct {
	d  *Daemon
	pn *pane
}

var _ wasi.Dispatcher = (*dispatcher)(nil)

func (x *dispatcher) HandleCommand(ctx context.Context, c *wasi.CommandContext, cmd *pluginpb.PluginCommand) (proto.Message, error) {
	var reply proto.Message
	var err error
	if cerr := x.d.call(ctx, func() { reply, err = x.d.handleCommand(x.pn, c, cmd) }); cerr != nil {
		return nil, cerr
	}
	return reply, err
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", wasi.ErrUnsupported, fmt.Sprintf(format, args...))
}

// handleCommand carries out one plugin command. Loop only.
func (d *Daemon) handleCommand(pn *pane, c *wasi.CommandContext, cmd *pluginpb.PluginCommand) (proto.Message, error) {
	s := pn.sess
	n := cmd.GetName()
	defer d.markDirty(s)
	if err := d.admitCommand(pn, cmd); err != nil {
		return nil, err
	}
	defer d.chargeObjects(pn, d.nextTabID, d.nextPaneID)
	switch n {
	case pluginpb.CommandName_GetSessionList, pluginpb.CommandName_GetFocusedPaneInfo,
		pluginpb.CommandName_GetSessionEnvironmentVariables:
		var others []*zellij.Session
		for _, o := range d.sessions {
			if o != s {
				others = append(others, d.zellijSession(o))
			}
		}
		reply, _ := d.zellijSession(s).Reply(cmd, others...)
		return reply, nil

	// The plugin's own pane.
	case pluginpb.CommandName_SetSelectable:
		if pn.plug != nil {
			pn.plug.notSelectable = !cmd.GetSetSelectablePayload()
		}
		return nil, nil
	case pluginpb.CommandName_HideSelf, pluginpb.CommandName_ShowSelf:
		if pn.plug != nil {
			pn.plug.hidden = n == pluginpb.CommandName_HideSelf
			pn.hidden = pn.plug.hidden
			if p := pn.plug.p; p != nil {
				d.offerTo(p, zellij.VisibleEvent(!pn.plug.hidden))
			}
		}
		return nil, nil
	case pluginpb.CommandName_SetSelfMouseSelectionSupport, pluginpb.CommandName_ShowCursor:
		return nil, nil
	case pluginpb.CommandName_CloseSelf:
		d.log.Info("plugin closed itself", "plugin", pn.addr)
		d.closePane(pn)
		return nil, nil

	// Mode.
	case pluginpb.CommandName_SwitchToMode:
		s.mode = cmd.GetSwitchToModePayload().GetInputMode()
		s.modeDirty = true
		return nil, nil

	// Tabs.
	case pluginpb.CommandName_NewTab, pluginpb.CommandName_NewTabUnfocused:
		name, cwd := "", ""
		if p := cmd.GetNewTabPayload(); p != nil {
			name, cwd = p.GetName(), p.GetCwd()
		}
		if p := cmd.GetNewTabUnfocusedPayload(); p != nil {
			name = p.GetName()
		}
		prev := s.active
		t := d.newTab(s, name)
		d.openTerminal(t, "", nil, d.pluginPath(pn, cwd))
		if n == pluginpb.CommandName_NewTabUnfocused {
			s.active = prev
		}
		id := uint64(t.id)
		return tabReply(n, id), nil
	case pluginpb.CommandName_FocusOrCreateTab:
		name := cmd.GetFocusOrCreateTabPayload()
		for i, t := range s.tabs {
			if t.name == name {
				s.active = i
				return tabReply(n, uint64(t.id)), nil
			}
		}
		t := d.newTab(s, name)
		d.openTerminal(t, "", nil, "")
		return tabReply(n, uint64(t.id)), nil
	case pluginpb.CommandName_SwitchTabTo:
		return nil, d.focusTab(s, int(cmd.GetSwitchTabToPayload().GetTabIndex())-1)
	case pluginpb.CommandName_GoToTab:
		return nil, d.focusTab(s, int(cmd.GetGoToTabPayload()))
	case pluginpb.CommandName_GoToNextTab:
		if len(s.tabs) > 0 {
			return nil, d.focusTab(s, (s.active+1)%len(s.tabs))
		}
		return nil, nil
	case pluginpb.CommandName_GoToPreviousTab:
		if len(s.tabs) > 0 {
			return nil, d.focusTab(s, (s.active+len(s.tabs)-1)%len(s.tabs))
		}
		return nil, nil
	case pluginpb.CommandName_GoToTabName:
		return nil, d.focusTab(s, tabIndexByName(s, cmd.GetGoToTabNamePayload()))
	case pluginpb.CommandName_SwitchTabToId:
		return nil, d.focusTab(s, tabIndexByID(s, cmd.GetSwitchTabToIdPayload().GetTabId()))
	case pluginpb.CommandName_GoToTabWithId:
		return nil, d.focusTab(s, tabIndexByID(s, cmd.GetGoToTabWithIdPayload().GetTabId()))
	case pluginpb.CommandName_CloseFocusedTab:
		return nil, d.closeTabAt(s, s.active)
	case pluginpb.CommandName_CloseTabWithIndex:
		return nil, d.closeTabAt(s, int(cmd.GetCloseTabWithIndexPayload().GetTabIndex()))
	case pluginpb.CommandName_CloseTabWithId:
		return nil, d.closeTabAt(s, tabIndexByID(s, cmd.GetCloseTabWithIdPayload().GetTabId()))
	case pluginpb.CommandName_RenameTab:
		p := cmd.GetRenameTabPayload()
		// RenameTab's id is the tab's 1-based position.
		return nil, d.renameTab(s, int(p.GetId())-1, p.GetNewName())
	case pluginpb.CommandName_RenameTabWithId:
		p := cmd.GetRenameTabWithIdPayload()
		return nil, d.renameTab(s, tabIndexByID(s, p.GetTabId()), p.GetNewName())

	// Panes.
	case pluginpb.CommandName_OpenTerminal, pluginpb.CommandName_OpenTerminalFloating,
		pluginpb.CommandName_OpenTerminalInPlace:
		p := cmd.GetOpenTerminalPayload()
		if p == nil {
			p = cmd.GetOpenTerminalFloatingPayload()
		}
		if p == nil {
			p = cmd.GetOpenTerminalInPlacePayload()
		}
		t := d.activeTab(s)
		np := d.openTerminal(t, "terminal", nil, d.pluginPath(pn, p.GetFileToOpen().GetPath()))
		np.floating = n == pluginpb.CommandName_OpenTerminalFloating
		return paneReply(n, np), nil
	case pluginpb.CommandName_OpenCommandPane, pluginpb.CommandName_OpenCommandPaneFloating,
		pluginpb.CommandName_OpenCommandInPlace, pluginpb.CommandName_OpenCommandPaneBackground:
		p := cmd.GetOpenCommandPanePayload()
		if p == nil {
			p = cmd.GetOpenCommandPaneFloatingPayload()
		}
		if p == nil {
			p = cmd.GetOpenCommandPaneInPlacePayload()
		}
		if p == nil {
			p = cmd.GetOpenCommandPaneBackgroundPayload()
		}
		ct := p.GetCommandToRun()
		if ct.GetPath() == "" {
			return nil, errors.New("open command pane: no command")
		}
		argv := append([]string{d.pluginPath(pn, ct.GetPath())}, ct.GetArgs()...)
		if !strings.HasPrefix(ct.GetPath(), "/") {
			argv[0] = ct.GetPath()
		}
		t := d.activeTab(s)
		np := d.openTerminal(t, filepath.Base(ct.GetPath()), argv, d.pluginPath(pn, ct.GetCwd()))
		np.floating = n == pluginpb.CommandName_OpenCommandPaneFloating
		d.commandPaneOpened(pn, np, p.GetContext())
		return paneReply(n, np), nil
	case pluginpb.CommandName_OpenFile, pluginpb.CommandName_OpenFileFloating, pluginpb.CommandName_OpenFileInPlace:
		p := cmd.GetOpenFilePayload()
		if p == nil {
			p = cmd.GetOpenFileFloatingPayload()
		}
		if p == nil {
			p = cmd.GetOpenFileInPlacePayload()
		}
		np, err := d.openFile(pn, p)
		if err != nil {
			return nil, err
		}
		np.floating = n == pluginpb.CommandName_OpenFileFloating
		return paneReply(n, np), nil
	case pluginpb.CommandName_WebRequest:
		d.webRequest(pn, cmd.GetWebRequestPayload())
		return nil, nil
	case pluginpb.CommandName_CloseTerminalPane, pluginpb.CommandName_ClosePluginPane:
		id := cmd.GetCloseTerminalPanePayload()
		if n == pluginpb.CommandName_ClosePluginPane {
			id = cmd.GetClosePluginPanePayload()
		}
		target := d.paneByZellijID(s, id, n == pluginpb.CommandName_ClosePluginPane)
		if target == nil {
			return nil, fmt.Errorf("no pane %d", id)
		}
		d.closePane(target)
		d.forget(target)
		return nil, nil
	case pluginpb.CommandName_FocusTerminalPane, pluginpb.CommandName_FocusPluginPane:
		var id uint32
		if p := cmd.GetFocusTerminalPanePayload(); p != nil {
			id = p.GetPaneId()
		}
		if p := cmd.GetFocusPluginPanePayload(); p != nil {
			id = p.GetPaneId()
		}
		target := d.paneByZellijID(s, id, n == pluginpb.CommandName_FocusPluginPane)
		if target == nil || target.tab == nil {
			return nil, fmt.Errorf("no pane %d", id)
		}
		d.focusPane(target)
		return nil, nil
	case pluginpb.CommandName_RenameTerminalPane, pluginpb.CommandName_RenamePluginPane:
		p := cmd.GetRenameTerminalPanePayload()
		if p == nil {
			p = cmd.GetRenamePluginPanePayload()
		}
		target := d.paneByZellijID(s, p.GetId(), n == pluginpb.CommandName_RenamePluginPane)
		if target == nil {
			return nil, fmt.Errorf("no pane %d", p.GetId())
		}
		target.name = p.GetNewName()
		return nil, nil
	case pluginpb.CommandName_WriteCharsToPaneId, pluginpb.CommandName_WriteToPaneId:
		var data []byte
		var pid *pluginpb.PaneId
		if p := cmd.GetWriteCharsToPaneIdPayload(); p != nil {
			data, pid = []byte(p.GetCharsToWrite()), p.GetPaneId()
		}
		if p := cmd.GetWriteToPaneIdPayload(); p != nil {
			data, pid = p.GetBytesToWrite(), p.GetPaneId()
		}
		target := d.paneByZellijID(s, pid.GetId(), pid.GetPaneType() == pluginpb.PaneType_Plugin)
		if target == nil || target.proc == nil {
			return nil, fmt.Errorf("no running terminal pane %d", pid.GetId())
		}
		if err := target.proc.write(data, 0); err != nil {
			return nil, err
		}
		return nil, nil
	case pluginpb.CommandName_DumpSessionLayout:
		return &pluginpb.DumpSessionLayoutResponse{Result: &pluginpb.DumpSessionLayoutResponse_LayoutContent{
			LayoutContent: d.dumpLayout(s)}}, nil
	case pluginpb.CommandName_GenerateRandomName:
		return &pluginpb.GenerateRandomNameResponse{Name: fmt.Sprintf("tab-%d", time.Now().UnixNano()%100000)}, nil

	// Other plugins (messages.go).
	case pluginpb.CommandName_MessageToPlugin:
		return nil, d.messageToPlugin(pn, cmd.GetMessageToPluginPayload())

	// Host programs.
	case pluginpb.CommandName_RunCommand:
		d.runCommand(pn, cmd.GetRunCommandPayload())
		return nil, nil
	}
	if reply, ok, err := d.handlePaneCommand(pn, cmd); ok {
		return reply, err
	}
	return nil, unsupported("%s is not carried out by the daemon", n)
}

func tabReply(n pluginpb.CommandName, id uint64) proto.Message {
	m := pluginpb.NewCommandReply(n)
	if m == nil {
		return nil
	}
	r := m.ProtoReflect()
	if f := r.Descriptor().Fields().ByName("tab_id"); f != nil {
		r.Set(f, protoValueUint64(id))
	}
	return m
}

func paneReply(n pluginpb.CommandName, p *pane) proto.Message {
	m := pluginpb.NewCommandReply(n)
	if m == nil {
		return nil
	}
	r := m.ProtoReflect()
	if f := r.Descriptor().Fields().ByName("pane_id"); f != nil && f.Message() != nil {
		pid := &pluginpb.PaneId{PaneType: pluginpb.PaneType_Terminal, Id: p.zellijID()}
		if f.Message().FullName() == pid.ProtoReflect().Descriptor().FullName() {
			r.Set(f, protoValueMessage(pid))
		}
	}
	return m
}

func (d *Daemon) activeTab(s *session) *tab {
	if len(s.tabs) == 0 {
		return d.newTab(s, "")
	}
	return s.tabs[min(s.active, len(s.tabs)-1)]
}

func tabIndexByName(s *session, name string) int {
	for i, t := range s.tabs {
		if t.name == name {
			return i
		}
	}
	return -1
}

func tabIndexByID(s *session, id uint64) int {
	for i, t := range s.tabs {
		if uint64(t.id) == id {
			return i
		}
	}
	return -1
}

func (d *Daemon) focusTab(s *session, i int) error {
	if i < 0 || i >= len(s.tabs) {
		return fmt.Errorf("no tab %d (the session has %d)", i, len(s.tabs))
	}
	s.active = i
	d.markDirty(s)
	return nil
}

func (d *Daemon) focusPane(p *pane) {
	t := p.tab
	for i, x := range t.panes {
		if x == p {
			t.focus = i
		}
	}
	for i, x := range t.sess.tabs {
		if x == t {
			t.sess.active = i
		}
	}
	d.markDirty(t.sess)
}

func (d *Daemon) closeTabAt(s *session, i int) error {
	if i < 0 || i >= len(s.tabs) {
		return fmt.Errorf("no tab %d (the session has %d)", i, len(s.tabs))
	}
	t := s.tabs[i]
	for _, p := range t.panes {
		d.closePane(p)
	}
	s.tabs = append(s.tabs[:i], s.tabs[i+1:]...)
	if s.active >= len(s.tabs) {
		s.active = max(0, len(s.tabs)-1)
	}
	d.markDirty(s)
	d.events.publish(EvTabClosed, t.addr, "tab closed by a plugin", nil)
	return nil
}

func (d *Daemon) renameTab(s *session, i int, name string) error {
	if i < 0 || i >= len(s.tabs) {
		return fmt.Errorf("no tab %d (the session has %d)", i, len(s.tabs))
	}
	s.tabs[i].name = name
	d.markDirty(s)
	return nil
}

func (d *Daemon) paneByZellijID(s *session, id uint32, plugin bool) *pane {
	find := func(p *pane) bool {
		return (p.plug != nil) == plugin && p.zellijID() == id && p.currentState() != StateClosed
	}
	for _, t := range s.tabs {
		for _, p := range t.panes {
			if find(p) {
				return p
			}
		}
	}
	for _, p := range s.bg {
		if find(p) {
			return p
		}
	}
	return nil
}

// pluginPath translates a path a plugin gives (a guest path under /host, or
// a relative one) to the host path: /host/x is x in the folder mounted at
// /host; anything else resolves against the session's directory. "" stays "".
func (d *Daemon) pluginPath(pn *pane, p string) string {
	if p == "" {
		return ""
	}
	if pn.plug != nil {
		for _, m := range pn.plug.mounts {
			if p == m.Guest || strings.HasPrefix(p, m.Guest+"/") {
				return filepath.Join(m.Host, strings.TrimPrefix(p, m.Guest))
			}
		}
	}
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(pn.sess.cfgCwd(), p)
}

// Limits of RunCommand.
const (
	runCommandTimeout = 5 * time.Minute
	runCommandOutput  = 1 << 20
)

// runCommand runs a plugin's background command and sends it the result
// (RunCommandResult, with the context passed back). Loop only; the command
// runs on its own goroutine.
func (d *Daemon) runCommand(pn *pane, rc *pluginpb.RunCommandPayload) {
	p := pn.plug.p
	argv := rc.GetCommandLine()
	ctxItems := rc.GetContext()
	result := func(code *int32, stdout, stderr []byte) {
		if p == nil {
			return
		}
		p.Post(&pluginpb.Event{Name: pluginpb.EventType_RunCommandResult, Payload: &pluginpb.Event_RunCommandResultPayload{
			RunCommandResultPayload: &pluginpb.RunCommandResultPayload{ExitCode: code, Stdout: stdout, Stderr: stderr, Context: ctxItems}}})
	}
	if len(argv) == 0 {
		result(nil, nil, []byte("no command given"))
		return
	}
	cwd := d.pluginPath(pn, rc.GetCwd())
	if cwd == "" {
		cwd = pn.sess.cfgCwd()
	}
	env := paneEnv(pn)
	for _, ev := range rc.GetEnvVariables() {
		env = append(env, ev.GetName()+"="+ev.GetValue())
	}
	q := &pn.cmds.quota
	q.running.Add(1)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer q.running.Add(-1)
		ctx, cancel := context.WithTimeout(d.ctx, runCommandTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Dir, cmd.Env = cwd, env
		var out, errb limitedBuffer
		out.max, errb.max = runCommandOutput, runCommandOutput
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var code *int32
		if cmd.ProcessState != nil {
			c := int32(cmd.ProcessState.ExitCode())
			code = &c
		} else if err != nil {
			errb.Write([]byte(err.Error()))
		}
		result(code, out.Bytes(), errb.Bytes())
	}()
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func protoValueUint64(v uint64) protoreflect.Value { return protoreflect.ValueOfUint64(v) }

func protoValueMessage(m proto.Message) protoreflect.Value {
	return protoreflect.ValueOfMessage(m.ProtoReflect())
}
