package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"

	"github.com/tessera-ws/tessera/internal/screen"
	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
	"github.com/tessera-ws/tessera/zellij"
)

// Key and mouse events for plugins come from one place, so that moving the
// key model to another package changes only these two functions.

// pluginKeyEvent parses a key name ("Down", "Ctrl+c", "a") into a Key event.
func pluginKeyEvent(name string) (*pluginpb.Event, error) {
	k, err := zellij.ParseKey(name)
	if err != nil {
		return nil, err
	}
	return zellij.KeyEvent(k), nil
}

// pluginMouseEvent builds a Mouse event from an attach client's mouse input.
func pluginMouseEvent(m *controlv1.AttachMouse) (*pluginpb.Event, error) {
	a, ok := zellij.ParseMouseAction(m.Action)
	if !ok {
		return nil, fmt.Errorf("unknown mouse action %q", m.Action)
	}
	return zellij.MouseEvent{Action: a, Row: int(m.Row), Col: int(m.Col), Lines: max(int(m.Lines), 1)}.Event(), nil
}

// attachCheckEvery is how often an attach checks that its pane still
// exists and notices state changes (exit, crash, replacement).
const attachCheckEvery = 250 * time.Millisecond

// attachClient is one client attached to a pane.
type attachClient struct {
	rows, cols int  // guarded by the attach registry
	readOnly   bool // its size does not count
	// pending marks damaged terminal rows not yet sent to this client;
	// guarded by t.reg.mu.
	pending []bool
}

func (c *attachClient) markRows(rows []int) {
	for _, y := range rows {
		if y >= len(c.pending) {
			c.pending = append(c.pending, make([]bool, y+1-len(c.pending))...)
		}
		c.pending[y] = true
	}
}

// paneAttach is the set of clients attached to one pane. The pane takes
// the smallest size of its sizing clients, and gets its own size back when
// the last one leaves.
type paneAttach struct {
	sizeMu   sync.Mutex // serialises resizes of the pane
	clients  map[*attachClient]bool
	sized    bool // a sizing client is attached: orig holds the size before
	origRows int
	origCols int
}

// attachRegistry is the daemon's set of attached clients per pane. Its mu
// guards panes, every paneAttach's clients and every attachClient's
// fields. Lock order: a terminal's mu, then the registry's; a paneAttach's
// sizeMu, then the registry's. It is never held while taking another lock.
type attachRegistry struct {
	mu    sync.Mutex
	panes map[*pane]*paneAttach
}

// attachTarget is the screen an attach follows.
type attachTarget struct {
	reg  *attachRegistry
	p    *pane
	kind string
	term *terminal   // terminal panes
	view *pluginView // plugins
}

func (t *attachTarget) size() (int, int) {
	if t.term != nil {
		t.term.mu.Lock()
		defer t.term.mu.Unlock()
		return t.term.rows, t.term.cols
	}
	return t.view.size()
}

// resize sets the pane's size (plugins render at it).
func (a *api) resizeTarget(ctx context.Context, t *attachTarget, rows, cols int) {
	if r, c := t.size(); r == rows && c == cols {
		return
	}
	if t.term != nil {
		t.term.resize(rows, cols)
		return
	}
	t.view.setSize(rows, cols)
	var pl *wasi.Plugin
	_ = a.onLoop(ctx, func() {
		if t.p.plug != nil {
			pl = t.p.plug.p
		}
	})
	if pl != nil {
		pl.Resize(rows, cols)
	}
}

// join adds a client to the pane's attach set and applies the sizes.
func (a *api) join(ctx context.Context, t *attachTarget, c *attachClient) *paneAttach {
	t.reg.mu.Lock()
	pa := t.reg.panes[t.p]
	if pa == nil {
		pa = &paneAttach{clients: map[*attachClient]bool{}}
		t.reg.panes[t.p] = pa
	}
	pa.clients[c] = true
	t.reg.mu.Unlock()
	a.applySize(ctx, t, pa)
	return pa
}

// leave removes a client; the last sizing client to leave restores the
// pane's size from before.
func (a *api) leave(t *attachTarget, pa *paneAttach, c *attachClient) {
	t.reg.mu.Lock()
	delete(pa.clients, c)
	if len(pa.clients) == 0 && t.reg.panes[t.p] == pa {
		delete(t.reg.panes, t.p)
	}
	t.reg.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a.applySize(ctx, t, pa)
}

// applySize gives the pane the smallest size of its sizing clients, or its
// size from before when none is left.
func (a *api) applySize(ctx context.Context, t *attachTarget, pa *paneAttach) {
	pa.sizeMu.Lock()
	defer pa.sizeMu.Unlock()
	t.reg.mu.Lock()
	rows, cols, n := 0, 0, 0
	for c := range pa.clients {
		if c.readOnly || c.rows < 1 || c.cols < 1 {
			continue
		}
		if n == 0 {
			rows, cols = c.rows, c.cols
		} else {
			rows, cols = min(rows, c.rows), min(cols, c.cols)
		}
		n++
	}
	restore := n == 0 && pa.sized
	first := n > 0 && !pa.sized
	t.reg.mu.Unlock()
	switch {
	case first:
		r, c := t.size()
		t.reg.mu.Lock()
		pa.sized, pa.origRows, pa.origCols = true, r, c
		t.reg.mu.Unlock()
	case restore:
		t.reg.mu.Lock()
		pa.sized = false
		rows, cols = pa.origRows, pa.origCols
		t.reg.mu.Unlock()
	case n == 0:
		return
	}
	if rows > 0 && cols > 0 {
		a.resizeTarget(ctx, t, rows, cols)
	}
}

// Attach implements the live attach stream: see the proto for the
// protocol.
func (a *api) Attach(ctx context.Context, stream *connect.BidiStream[controlv1.AttachInput, controlv1.AttachOutput]) error {
	first, err := stream.Receive()
	if err != nil {
		return err
	}
	st := first.GetStart()
	if st == nil {
		return cerr(connect.CodeInvalidArgument, "the first attach message must be a start naming the pane and the client's size")
	}
	rows, cols := int(st.Rows), int(st.Cols)
	if !st.ReadOnly && (rows < 1 || cols < 1 || rows > screen.MaxDimension || cols > screen.MaxDimension) {
		return cerr(connect.CodeInvalidArgument, "size %dx%d is out of range (1 to %d each)", rows, cols, screen.MaxDimension)
	}
	p, err := a.target(ctx, st.Address)
	if err != nil {
		return err
	}
	t := &attachTarget{reg: &a.d.attach, p: p}
	if err := a.onLoop(ctx, func() {
		t.kind, t.term = p.kind, p.term
		if p.plug != nil {
			t.view = p.plug.view
		}
	}); err != nil {
		return err
	}
	if t.term == nil && t.view == nil {
		return cerr(connect.CodeFailedPrecondition, "pane %s has no screen yet (it has not started)", p.addr)
	}
	c := &attachClient{rows: rows, cols: cols, readOnly: st.ReadOnly}
	pa := a.join(ctx, t, c)
	defer a.leave(t, pa, c)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	notices := make(chan string, 8)
	inErr := make(chan error, 1)
	go func() {
		inErr <- a.attachInput(ctx, t, pa, c, stream, notices)
		cancel()
	}()
	out := &attachOut{t: t, c: c, first: true}
	err = a.attachOutput(ctx, out, stream, notices)
	cancel()
	if err != nil {
		return err
	}
	select {
	case ierr := <-inErr:
		if ierr != nil && !errors.Is(ierr, context.Canceled) {
			return ierr
		}
	default:
	}
	return nil
}

// attachInput receives the client's input until it ends the stream.
func (a *api) attachInput(ctx context.Context, t *attachTarget, pa *paneAttach, c *attachClient, stream *connect.BidiStream[controlv1.AttachInput, controlv1.AttachOutput], notices chan<- string) error {
	notice := func(format string, args ...any) {
		select {
		case notices <- fmt.Sprintf(format, args...):
		default:
		}
	}
	var pr *process
	proc := func() (*process, error) {
		if pr != nil {
			select {
			case <-pr.done:
			default:
				return pr, nil
			}
		}
		var state string
		var started bool
		if err := a.onLoop(ctx, func() {
			pr, state = t.p.proc, t.p.state
			if state == StateSuspended {
				a.d.runTerminal(t.p)
				pr, started = t.p.proc, true
			}
		}); err != nil {
			return nil, err
		}
		if started {
			return nil, nil // a key starts a suspended pane; it is not sent
		}
		if pr == nil || state != StateRunning {
			return nil, fmt.Errorf("the pane is %s", state)
		}
		return pr, nil
	}
	write := func(b []byte) {
		p, err := proc()
		if err != nil {
			notice("input not sent: %v", err)
			return
		}
		if p == nil {
			return
		}
		if err := p.write(b, 2*time.Second); err != nil {
			notice("input not sent: %v", err)
		}
	}
	plugin := func() *wasi.Plugin {
		var pl *wasi.Plugin
		var state string
		_ = a.onLoop(ctx, func() {
			if t.p.plug != nil {
				pl, state = t.p.plug.p, t.p.plug.state
			}
		})
		if pl == nil {
			notice("input not sent: the plugin is %s", state)
		}
		return pl
	}
	update := func(pl *wasi.Plugin, ev *pluginpb.Event, what string) {
		if _, err := pl.Update(ctx, ev); err != nil && ctx.Err() == nil {
			notice("%s: %v", what, err)
		}
	}
	for {
		in, err := stream.Receive()
		if err != nil {
			return nil // the client left
		}
		if c.readOnly && in.GetResize() == nil {
			return cerr(connect.CodePermissionDenied, "this attach is read only: it takes no input")
		}
		switch v := in.Input.(type) {
		case *controlv1.AttachInput_Start:
			return cerr(connect.CodeInvalidArgument, "start may only be the first attach message")
		case *controlv1.AttachInput_Data:
			if t.term == nil {
				return cerr(connect.CodeInvalidArgument, "raw bytes go to terminal panes; send a plugin keys and mouse events")
			}
			write(v.Data)
		case *controlv1.AttachInput_Keys:
			if t.term != nil {
				var data []byte
				for _, k := range v.Keys.Keys {
					b, err := keyBytes(k)
					if err != nil {
						notice("%v", err)
						continue
					}
					data = append(data, b...)
				}
				if len(data) > 0 {
					write(data)
				}
				continue
			}
			pl := plugin()
			if pl == nil {
				continue
			}
			for _, k := range v.Keys.Keys {
				ev, err := pluginKeyEvent(k)
				if err != nil {
					notice("key %q: %v", k, err)
					continue
				}
				update(pl, ev, "key "+k)
			}
		case *controlv1.AttachInput_Mouse:
			if t.term != nil {
				continue // a terminal pane gets mouse reports as data
			}
			ev, err := pluginMouseEvent(v.Mouse)
			if err != nil {
				notice("%v", err)
				continue
			}
			if pl := plugin(); pl != nil {
				update(pl, ev, "mouse")
			}
		case *controlv1.AttachInput_Resize:
			r, cc := int(v.Resize.Rows), int(v.Resize.Cols)
			if r < 1 || cc < 1 || r > screen.MaxDimension || cc > screen.MaxDimension {
				notice("size %dx%d ignored: out of range", r, cc)
				continue
			}
			t.reg.mu.Lock()
			c.rows, c.cols = r, cc
			t.reg.mu.Unlock()
			a.applySize(ctx, t, pa)
		}
	}
}

// attachOut is what one client was last sent.
type attachOut struct {
	t          *attachTarget
	c          *attachClient
	first      bool
	rows, cols int
	shadow     []string // each row's ANSI as last sent
	cursor     [2]int
	cursorVis  bool
	title      string
	modes      *controlv1.TerminalModes
	buf        []byte
	scroll     int // the terminal's viewport offset last sent
}

// rowAppender is implemented by screens that encode one row at a time.
type rowAppender interface {
	AppendRowANSI(buf []byte, y int) []byte
}

// next builds the update since the last one; nil when nothing changed.
// It returns the channel closed on the next change of the screen.
func (o *attachOut) next() (*controlv1.AttachOutput, <-chan struct{}) {
	msg := &controlv1.AttachOutput{}
	var changed <-chan struct{}
	var scr screen.Terminal
	var view []string // the rows of a viewport scrolled back (scroll.go)
	scrollMoved := false
	if t := o.t.term; t != nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		changed = t.changed
		scr = t.scr
		// Hand the damage to every attached client, then forget it.
		if d := scr.Damage(); len(d) > 0 {
			o.t.reg.mu.Lock()
			if pa := o.t.reg.panes[o.t.p]; pa != nil {
				for c := range pa.clients {
					c.markRows(d)
				}
			} else {
				o.c.markRows(d)
			}
			o.t.reg.mu.Unlock()
			scr.ClearDamage()
		}
		scrollMoved = t.scroll != o.scroll
		o.scroll = t.scroll
		if t.scroll > 0 {
			_, view = t.viewLocked()
		}
	} else {
		v := o.t.view
		v.mu.Lock()
		defer v.mu.Unlock()
		changed = v.changed
		scr = v.screenLocked()
	}
	rows, cols := scr.Size()
	full := o.first || rows != o.rows || cols != o.cols
	var candidates []int
	o.t.reg.mu.Lock()
	if full || o.t.term == nil || scrollMoved || view != nil {
		candidates = make([]int, rows)
		for i := range candidates {
			candidates[i] = i
		}
	} else {
		for y, d := range o.c.pending {
			if d && y < rows {
				candidates = append(candidates, y)
			}
		}
	}
	clear(o.c.pending)
	o.t.reg.mu.Unlock()
	if full {
		msg.Full = true
		o.shadow = make([]string, rows)
		o.rows, o.cols = rows, cols
	}
	msg.Rows, msg.Cols = int32(rows), int32(cols)
	ra, ok := scr.(rowAppender)
	var split []string
	if view != nil {
		ok, split = false, view
	} else if !ok && len(candidates) > 0 {
		split = strings.Split(scr.ANSI(), "\n")
	}
	for _, y := range candidates {
		var s string
		if ok {
			o.buf = ra.AppendRowANSI(o.buf[:0], y)
			s = string(o.buf)
		} else if y < len(split) {
			s = split[y]
		}
		if !full && s == o.shadow[y] {
			continue
		}
		o.shadow[y] = s
		msg.RowsChanged = append(msg.RowsChanged, &controlv1.AttachRow{Row: int32(y), Ansi: s})
	}
	any := full || len(msg.RowsChanged) > 0
	if o.t.term != nil {
		m := scr.Modes()
		cr, cc := scr.Cursor()
		cc = min(cc, max(cols-1, 0))
		if view != nil {
			m.CursorVisible = false // scrolled back: the program's cursor is not in view
		}
		if cr != o.cursor[0] || cc != o.cursor[1] || m.CursorVisible != o.cursorVis {
			any = true
		}
		o.cursor, o.cursorVis = [2]int{cr, cc}, m.CursorVisible
		modes := &controlv1.TerminalModes{AppCursor: m.AppCursor, AppKeypad: m.AppKeypad, BracketedPaste: m.BracketedPaste,
			Mouse: int32(mouseModeNumber(m.Mouse)), MouseSgr: m.MouseSGR, FocusEvents: m.FocusEvents, AltScreen: m.AltScreen}
		if o.modes == nil || !modesEqual(o.modes, modes) {
			any = true
		}
		o.modes = modes
		if title := scr.Title(); title != o.title {
			o.title = title
			any = true
		}
	} else {
		o.modes = &controlv1.TerminalModes{}
	}
	if !any {
		return nil, changed
	}
	msg.CursorRow, msg.CursorCol, msg.CursorVisible = int32(o.cursor[0]), int32(o.cursor[1]), o.cursorVis
	msg.Title, msg.Modes = o.title, o.modes
	if o.first {
		msg.Address, msg.Kind = o.t.p.addr, o.t.kind
		o.first = false
	}
	return msg, changed
}

func modesEqual(a, b *controlv1.TerminalModes) bool {
	return a.AppCursor == b.AppCursor && a.AppKeypad == b.AppKeypad && a.BracketedPaste == b.BracketedPaste &&
		a.Mouse == b.Mouse && a.MouseSgr == b.MouseSgr && a.FocusEvents == b.FocusEvents && a.AltScreen == b.AltScreen
}

func mouseModeNumber(m screen.MouseMode) int {
	switch m {
	case screen.MouseX10:
		return 9
	case screen.MouseNormal:
		return 1000
	case screen.MouseButton:
		return 1002
	case screen.MouseAny:
		return 1003
	}
	return 0
}

// attachOutput sends the screen and its changes until the client leaves,
// the pane goes away or the daemon stops.
func (a *api) attachOutput(ctx context.Context, o *attachOut, stream *connect.BidiStream[controlv1.AttachInput, controlv1.AttachOutput], notices <-chan string) error {
	tick := time.NewTicker(attachCheckEvery)
	defer tick.Stop()
	lastState := ""
	end := func(why string) error {
		return stream.Send(&controlv1.AttachOutput{Ended: why})
	}
	for {
		msg, changed := o.next()
		if msg != nil {
			if err := stream.Send(msg); err != nil {
				return nil // the client is gone
			}
		}
		select {
		case <-changed:
		case n := <-notices:
			if err := stream.Send(&controlv1.AttachOutput{Notice: n}); err != nil {
				return nil
			}
		case <-tick.C:
			var state, lastErr string
			var status int
			gone := false
			if err := a.onLoop(ctx, func() {
				p := o.t.p
				state = p.currentState()
				if p.plug != nil {
					lastErr = p.plug.lastErr
					gone = p.plug.view != o.t.view
				} else {
					lastErr, status = p.lastErr, p.status
					gone = p.term != o.t.term
				}
			}); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return end("the daemon is shutting down")
			}
			if state == StateClosed {
				return end(fmt.Sprintf("%s was closed", o.t.p.addr))
			}
			if gone {
				return end(fmt.Sprintf("%s was replaced: attach again", o.t.p.addr))
			}
			if state != lastState {
				if lastState != "" || state != StateRunning {
					n := fmt.Sprintf("%s is %s", o.t.p.addr, state)
					switch {
					case state == StateExited:
						n += fmt.Sprintf(" (status %d)", status)
					case lastErr != "" && state != StateRunning:
						n += ": " + lastErr
					}
					if err := stream.Send(&controlv1.AttachOutput{Notice: n}); err != nil {
						return nil
					}
				}
				lastState = state
			}
		case <-ctx.Done():
			return nil
		case <-a.d.shutdownReq:
			return end("the daemon is shutting down")
		case <-a.d.done:
			return end("the daemon is shutting down")
		}
	}
}
