package daemon

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	"github.com/tessera-ws/tessera/internal/ring"
	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

// Effects of plugin commands that reach outside the session: web requests,
// files opened in an editor, command panes reporting back to their opener.

// Limits of WebRequest.
const (
	webRequestTimeout = 30 * time.Second
	webRequestMaxBody = 10 << 20
	webRequestMaxSend = 10 << 20
)

// webClient makes plugins' web requests; tests may replace its transport.
var webClient = &http.Client{Timeout: webRequestTimeout}

// webRequest performs a plugin's WebRequest (http and https only) and sends
// it a WebRequestResult with the context passed back. Loop only; the
// request runs on its own goroutine.
func (d *Daemon) webRequest(pn *pane, wr *pluginpb.WebRequestPayload) {
	p := pn.plug.p
	ctxItems := wr.GetContext()
	result := func(status int32, headers []*pluginpb.Header, body []byte) {
		if p == nil {
			return
		}
		p.Post(&pluginpb.Event{Name: pluginpb.EventType_WebRequestResult, Payload: &pluginpb.Event_WebRequestResultPayload{
			WebRequestResultPayload: &pluginpb.WebRequestResultPayload{Status: status, Headers: headers, Body: body, Context: ctxItems}}})
	}
	u, err := url.Parse(wr.GetUrl())
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		result(400, nil, []byte("only http and https URLs are allowed"))
		return
	}
	if len(wr.GetBody()) > webRequestMaxSend {
		result(413, nil, []byte("request body too large"))
		return
	}
	method := map[pluginpb.HttpVerb]string{
		pluginpb.HttpVerb_Get: http.MethodGet, pluginpb.HttpVerb_Post: http.MethodPost,
		pluginpb.HttpVerb_Put: http.MethodPut, pluginpb.HttpVerb_Delete: http.MethodDelete,
	}[wr.GetVerb()]
	if method == "" {
		method = http.MethodGet
	}
	addr := pn.addr
	q := &pn.cmds.quota
	q.web.Add(1)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer q.web.Add(-1)
		ctx, cancel := context.WithTimeout(d.ctx, webRequestTimeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(wr.GetBody()))
		if err != nil {
			result(400, nil, []byte(err.Error()))
			return
		}
		for _, h := range wr.GetHeaders() {
			req.Header.Add(h.GetName(), h.GetValue())
		}
		resp, err := webClient.Do(req)
		if err != nil {
			d.log.Info("plugin web request failed", "plugin", addr, "url", u.Redacted(), "err", err)
			result(0, nil, []byte(err.Error()))
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, webRequestMaxBody+1))
		if err == nil && len(body) > webRequestMaxBody {
			body = body[:webRequestMaxBody]
			err = fmt.Errorf("body cut at %d bytes", webRequestMaxBody)
		}
		if err != nil {
			d.log.Info("plugin web request body", "plugin", addr, "url", u.Redacted(), "err", err)
		}
		var headers []*pluginpb.Header
		for k, vs := range resp.Header {
			for _, v := range vs {
				headers = append(headers, &pluginpb.Header{Name: k, Value: v})
			}
		}
		result(int32(resp.StatusCode), headers, body)
	}()
}

// openFile opens a file in the user's editor ($EDITOR, else $VISUAL, else
// vi) in a new pane of the active tab, and tells the plugin
// (EditPaneOpened). Loop only.
func (d *Daemon) openFile(pn *pane, f *pluginpb.OpenFilePayload) (*pane, error) {
	file := f.GetFileToOpen()
	if file.GetPath() == "" {
		return nil, fmt.Errorf("open file: no path")
	}
	path := d.pluginPath(pn, file.GetPath())
	editor := os.Getenv("EDITOR")
	if editor == "" {
		editor = os.Getenv("VISUAL")
	}
	if editor == "" {
		editor = "vi"
	}
	argv := strings.Fields(editor)
	if file.LineNumber != nil {
		argv = append(argv, fmt.Sprintf("+%d", file.GetLineNumber()))
	}
	argv = append(argv, path)
	np := d.openTerminal(d.activeTab(pn.sess), "edit", argv, d.pluginPath(pn, file.GetCwd()))
	np.openedBy, np.openContext, np.editPane = pn, f.GetContext(), true
	if p := pn.plug.p; p != nil {
		p.Post(&pluginpb.Event{Name: pluginpb.EventType_EditPaneOpened, Payload: &pluginpb.Event_EditPaneOpenedPayload{
			EditPaneOpenedPayload: &pluginpb.EditPaneOpenedPayload{TerminalPaneId: np.id, Context: f.GetContext()}}})
	}
	return np, nil
}

// commandPaneOpened tells the plugin that opened a command pane about it.
func (d *Daemon) commandPaneOpened(opener, np *pane, ctxItems []*pluginpb.ContextItem) {
	np.openedBy, np.openContext = opener, ctxItems
	if p := opener.plug.p; p != nil {
		p.Post(&pluginpb.Event{Name: pluginpb.EventType_CommandPaneOpened, Payload: &pluginpb.Event_CommandPaneOpenedPayload{
			CommandPaneOpenedPayload: &pluginpb.CommandPaneOpenedPayload{TerminalPaneId: np.id, Context: ctxItems}}})
	}
}

// paneExitedEvents tells the pane's opener that its command or editor
// ended. Loop only.
func (d *Daemon) paneExitedEvents(p *pane) {
	op := p.openedBy
	if op == nil || op.plug == nil || op.plug.p == nil {
		return
	}
	code := int32(p.status)
	if p.editPane {
		op.plug.p.Post(&pluginpb.Event{Name: pluginpb.EventType_EditPaneExited, Payload: &pluginpb.Event_EditPaneExitedPayload{
			EditPaneExitedPayload: &pluginpb.EditPaneExitedPayload{TerminalPaneId: p.id, ExitCode: &code, Context: p.openContext}}})
		return
	}
	op.plug.p.Post(&pluginpb.Event{Name: pluginpb.EventType_CommandPaneExited, Payload: &pluginpb.Event_CommandPaneExitedPayload{
		CommandPaneExitedPayload: &pluginpb.CommandPaneExitedPayload{TerminalPaneId: p.id, ExitCode: &code, Context: p.openContext}}})
}

// paneClosedEvent tells every plugin of the session that a pane closed.
func (d *Daemon) paneClosedEvent(p *pane) {
	pt := pluginpb.PaneType_Terminal
	if p.plug != nil {
		pt = pluginpb.PaneType_Plugin
	}
	ev := &pluginpb.Event{Name: pluginpb.EventType_PaneClosed, Payload: &pluginpb.Event_PaneClosedPayload{
		PaneClosedPayload: &pluginpb.PaneClosedPayload{PaneId: &pluginpb.PaneId{PaneType: pt, Id: p.zellijID()}}}}
	for _, pl := range d.sessionPlugins(p.sess) {
		pl.Post(ev)
	}
}

// commandLog keeps a plugin's recent commands for `commands ADDR`; it
// guards itself (the observer goroutine writes, API handlers read). It also
// holds what the plugin has open or running (quota), which outlives reloads
// as the objects do.
type commandLog struct {
	mu      sync.Mutex
	entries *ring.Buffer[commandEntry] // nil until the first command
	crashes int
	quota   pluginQuota
}

// Limits on what one plugin may have open or running at a time. Each of its
// commands is cheap for it and not for the host: a pane is a pty and a
// process, a tab is state every plugin of the session is sent, a
// background command is a process for up to runCommandTimeout. The host's
// command rate limit alone would allow a thousand of them a second. A
// command over a limit fails (an error in `commands ADDR` and a
// plugin.incident event) and opens nothing; closing what it opened, or
// letting it end, makes room.
const (
	// pluginMaxPanes bounds the live panes a plugin opened: terminals,
	// command and editor panes, the panes of tabs it opened, and plugins
	// loaded for its messages.
	pluginMaxPanes = 64
	// pluginMaxTabs bounds the tabs a plugin opened that are still open.
	pluginMaxTabs = 32
	// pluginMaxRunCommands bounds a plugin's RunCommands in flight.
	pluginMaxRunCommands = 16
	// pluginMaxWebRequests bounds a plugin's WebRequests in flight.
	pluginMaxWebRequests = 16
)

// pluginQuota is what a plugin has open or running. panes and tabs are
// loop-owned; the counters are decremented by the goroutines that end.
type pluginQuota struct {
	panes   []*pane
	tabs    []*tab
	running atomic.Int32 // RunCommands in flight
	web     atomic.Int32 // WebRequests in flight
}

// livePanes drops closed panes and returns how many are left. Loop only.
func (q *pluginQuota) livePanes() int {
	q.panes = slices.DeleteFunc(q.panes, func(p *pane) bool { return p.currentState() == StateClosed })
	return len(q.panes)
}

// liveTabs drops closed tabs and returns how many are left. Loop only.
func (q *pluginQuota) liveTabs() int {
	q.tabs = slices.DeleteFunc(q.tabs, func(t *tab) bool { return !slices.Contains(t.sess.tabs, t) })
	return len(q.tabs)
}

// admitCommand refuses a command that would take a plugin over one of its
// limits. Loop only.
func (d *Daemon) admitCommand(pn *pane, cmd *pluginpb.PluginCommand) error {
	q := &pn.cmds.quota
	over := func(what string, n, limit int) error {
		return fmt.Errorf("%s refused: the plugin has %d %s open (at most %d at a time; close some first)", cmd.GetName(), n, what, limit)
	}
	opensTab, opensPane := false, false
	switch cmd.GetName() {
	case pluginpb.CommandName_NewTab, pluginpb.CommandName_NewTabUnfocused:
		opensTab, opensPane = true, true
	case pluginpb.CommandName_FocusOrCreateTab:
		opensTab = tabIndexByName(pn.sess, cmd.GetFocusOrCreateTabPayload()) < 0
		opensPane = opensTab
	case pluginpb.CommandName_BreakPanesToNewTab:
		opensTab = true
	case pluginpb.CommandName_OpenTerminal, pluginpb.CommandName_OpenTerminalFloating, pluginpb.CommandName_OpenTerminalInPlace,
		pluginpb.CommandName_OpenCommandPane, pluginpb.CommandName_OpenCommandPaneFloating,
		pluginpb.CommandName_OpenCommandInPlace, pluginpb.CommandName_OpenCommandPaneBackground,
		pluginpb.CommandName_OpenFile, pluginpb.CommandName_OpenFileFloating, pluginpb.CommandName_OpenFileInPlace:
		opensPane = true
	case pluginpb.CommandName_MessageToPlugin:
		// A message to a plugin by location loads it when none runs.
		m := cmd.GetMessageToPluginPayload()
		opensPane = m.PluginUrl != nil && m.DestinationPluginId == nil
	case pluginpb.CommandName_RunCommand:
		if n := int(q.running.Load()); n >= pluginMaxRunCommands {
			return fmt.Errorf("RunCommand refused: the plugin has %d commands running (at most %d at a time; wait for a RunCommandResult)", n, pluginMaxRunCommands)
		}
	case pluginpb.CommandName_WebRequest:
		if n := int(q.web.Load()); n >= pluginMaxWebRequests {
			return fmt.Errorf("WebRequest refused: the plugin has %d requests in flight (at most %d at a time; wait for a WebRequestResult)", n, pluginMaxWebRequests)
		}
	}
	if opensTab {
		if n := q.liveTabs(); n >= pluginMaxTabs {
			return over("tabs", n, pluginMaxTabs)
		}
	}
	if opensPane {
		if n := q.livePanes(); n >= pluginMaxPanes {
			return over("panes", n, pluginMaxPanes)
		}
	}
	return nil
}

// chargeObjects counts against pn's limits the tabs and panes of its
// session created since the ids were tabID and paneID. Loop only.
func (d *Daemon) chargeObjects(pn *pane, tabID, paneID uint32) {
	if d.nextTabID == tabID && d.nextPaneID == paneID {
		return
	}
	q := &pn.cmds.quota
	s := pn.sess
	for _, t := range s.tabs {
		if t.id > tabID {
			q.tabs = append(q.tabs, t)
		}
		for _, p := range t.panes {
			if p.id > paneID && p != pn {
				q.panes = append(q.panes, p)
			}
		}
	}
	for _, p := range s.bg {
		if p.id > paneID && p != pn {
			q.panes = append(q.panes, p)
		}
	}
}

type commandEntry struct {
	Time    time.Time
	Worker  string
	Name    string
	Outcome string
	Detail  string
}

const commandLogSize = 200

func (l *commandLog) add(a wasi.Activity) {
	e := commandEntry{Time: a.Time, Worker: a.Worker, Name: a.Command.GetName().String(), Outcome: a.Outcome.String(), Detail: a.Detail}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.entries == nil {
		l.entries = ring.New[commandEntry](commandLogSize)
	}
	l.entries.Push(e)
}

func (l *commandLog) recent(n int) []commandEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.entries == nil {
		return nil
	}
	return l.entries.Last(n)
}

func (a *api) Commands(ctx context.Context, req *connect.Request[controlv1.CommandsRequest]) (*connect.Response[controlv1.CommandsResponse], error) {
	p, err := a.target(ctx, req.Msg.Address)
	if err != nil {
		return nil, err
	}
	if p.plug == nil {
		return nil, cerr(connect.CodeFailedPrecondition, "%s is a terminal pane: only plugins issue commands", p.addr)
	}
	res := &controlv1.CommandsResponse{}
	for _, e := range p.cmds.recent(int(req.Msg.Limit)) {
		res.Commands = append(res.Commands, &controlv1.PluginCommandRecord{
			TimeUnixNano: e.Time.UnixNano(), Worker: e.Worker, Name: e.Name, Outcome: e.Outcome, Detail: e.Detail})
	}
	return connect.NewResponse(res), nil
}
