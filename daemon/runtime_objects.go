package daemon

import (
	"context"
	"fmt"
	"strings"

	"connectrpc.com/connect"

	"github.com/tessera-ws/tessera/config"
	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
)

// Objects opened at run time (by the console or plugins) are unmanaged:
// apply leaves them alone. They get addresses in the same scheme as the
// file's, with names that do not collide with existing objects.

// uniqueName returns base, or base-2, base-3, ... whichever address is free.
func (d *Daemon) uniqueName(prefix, base string) string {
	taken := map[string]bool{}
	for _, o := range d.objectsLocked() {
		taken[addrOf(o)] = true
	}
	if d.applied != nil {
		for _, o := range d.applied.Objects() {
			taken[o.Address] = true
		}
	}
	name := base
	for i := 2; taken[prefix+name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	return name
}

func sanitizeName(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '.' || r == ' ' || r == '\t' || r < 0x20:
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// newTab opens an unmanaged tab. Loop only.
func (d *Daemon) newTab(s *session, name string) *tab {
	if name == "" {
		name = fmt.Sprintf("Tab #%d", len(s.tabs)+1)
	}
	name = d.uniqueName(s.addr+".tab.", sanitizeName(name))
	d.nextTabID++
	t := &tab{addr: s.addr + ".tab." + name, name: name, sess: s, id: d.nextTabID}
	s.tabs = append(s.tabs, t)
	s.active = len(s.tabs) - 1
	d.markDirty(s)
	d.events.publish(EvTabCreated, t.addr, "tab opened at run time (unmanaged)", nil)
	return t
}

// openTerminal opens an unmanaged terminal pane in t. Loop only.
func (d *Daemon) openTerminal(t *tab, name string, argv []string, cwd string) *pane {
	if name == "" {
		name = "pane"
	}
	name = d.uniqueName(t.addr+".pane.", sanitizeName(name))
	p := d.newPane(t.sess, t, t.addr+".pane."+name, name, KindTerminal)
	if cwd == "" {
		cwd = t.sess.cfgCwd()
		if t.cfg != nil {
			cwd = t.cfg.Cwd
		}
	}
	tc := &config.TerminalPane{Cwd: cwd, Restart: config.RestartNever}
	if t.sess.cfg != nil {
		tc.Env = t.sess.cfg.Env
	}
	if len(argv) > 0 {
		tc.Command, tc.Args = argv[0], argv[1:]
	}
	p.tcfg = tc
	t.panes = append(t.panes, p)
	t.focus = len(t.panes) - 1
	d.startTerminal(p)
	return p
}

func (a *api) findSession(name string) (*session, error) {
	d := a.d
	if name == "" {
		if len(d.sessions) == 1 {
			return d.sessions[0], nil
		}
		var names []string
		for _, s := range d.sessions {
			names = append(names, s.name)
		}
		return nil, &lookupError{fmt.Sprintf("which session? this daemon runs %s", strings.Join(names, ", "))}
	}
	for _, s := range d.sessions {
		if s.name == name || s.addr == name {
			return s, nil
		}
	}
	return nil, &lookupError{fmt.Sprintf("no session %q", name)}
}

func (a *api) NewTab(ctx context.Context, req *connect.Request[controlv1.NewTabRequest]) (*connect.Response[controlv1.NewTabResponse], error) {
	var res controlv1.NewTabResponse
	var lerr error
	err := a.onLoop(ctx, func() {
		s, err := a.findSession(req.Msg.Session)
		if err != nil {
			lerr = err
			return
		}
		res.Tab = a.d.objectProto(a.d.newTab(s, req.Msg.Name))
	})
	if err != nil {
		return nil, err
	}
	if lerr != nil {
		return nil, lookupErr(lerr)
	}
	return connect.NewResponse(&res), nil
}

func (a *api) OpenPane(ctx context.Context, req *connect.Request[controlv1.OpenPaneRequest]) (*connect.Response[controlv1.OpenPaneResponse], error) {
	var p *pane
	var lerr error
	err := a.onLoop(ctx, func() {
		o, err := a.d.lookupFiltered(req.Msg.Tab, func(o any) bool { _, ok := o.(*tab); return ok })
		if err != nil {
			lerr = err
			return
		}
		p = a.d.openTerminal(o.(*tab), req.Msg.Name, req.Msg.Command, req.Msg.Cwd)
	})
	if err != nil {
		return nil, err
	}
	if lerr != nil {
		return nil, lookupErr(lerr)
	}
	return waitObjectResp(a, ctx, p, p.ready, func(o *controlv1.Object) *connect.Response[controlv1.OpenPaneResponse] {
		return connect.NewResponse(&controlv1.OpenPaneResponse{Pane: o})
	})
}

func (a *api) Close(ctx context.Context, req *connect.Request[controlv1.CloseRequest]) (*connect.Response[controlv1.CloseResponse], error) {
	var lerr error
	err := a.onLoop(ctx, func() {
		o, err := a.d.lookup(req.Msg.Address)
		if err != nil {
			lerr = err
			return
		}
		switch v := o.(type) {
		case *pane:
			a.d.closePane(v)
			a.d.forget(v)
		case *tab:
			for _, p := range v.panes {
				a.d.closePane(p)
			}
			s := v.sess
			for i, t := range s.tabs {
				if t == v {
					s.tabs = append(s.tabs[:i], s.tabs[i+1:]...)
					break
				}
			}
			if s.active >= len(s.tabs) {
				s.active = max(0, len(s.tabs)-1)
			}
			a.d.events.publish(EvTabClosed, v.addr, "tab closed", nil)
		default:
			lerr = &lookupError{fmt.Sprintf("%s is a session: sessions close with `tessera down` or by removing them from the file", addrOf(o))}
		}
	})
	if err != nil {
		return nil, err
	}
	if lerr != nil {
		return nil, lookupErr(lerr)
	}
	return connect.NewResponse(&controlv1.CloseResponse{}), nil
}

// forget removes a closed pane from its tab or session, so that a managed
// one is created again by the next apply.
func (d *Daemon) forget(p *pane) {
	if p.tab != nil {
		t := p.tab
		for i, x := range t.panes {
			if x == p {
				t.panes = append(t.panes[:i], t.panes[i+1:]...)
				break
			}
		}
		if t.focus >= len(t.panes) {
			t.focus = max(0, len(t.panes)-1)
		}
		return
	}
	s := p.sess
	for i, x := range s.bg {
		if x == p {
			s.bg = append(s.bg[:i], s.bg[i+1:]...)
			break
		}
	}
}
