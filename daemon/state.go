package daemon

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/agext/levenshtein"

	"github.com/tessera-ws/tessera/config"
	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// Object states.
const (
	StateStarting  = "starting"
	StateRunning   = "running"
	StateExited    = "exited"
	StateSuspended = "suspended"
	StateLoading   = "loading"
	StateCrashed   = "crashed"
	StateFailed    = "failed"
	StateStopped   = "stopped"
	StateClosed    = "closed"
)

// Kinds of objects, as the control API names them.
const (
	KindSession    = "session"
	KindTab        = "tab"
	KindTerminal   = "terminal_pane"
	KindPluginPane = "plugin_pane"
	KindBackground = "background_plugin"
)

// The observed state. Every field of these types belongs to the daemon's
// loop goroutine; other goroutines reach them only through messages, except
// the leaf types terminal and pluginView, which guard themselves.

type session struct {
	addr    string
	name    string
	managed bool
	cfg     *config.Session
	tabs    []*tab
	bg      []*pane // background plugins (kind KindBackground)
	active  int     // index of the active tab
	created time.Time
	mode    pluginpb.InputMode
	// modeDirty and listDirty ask flushDirty for a ModeUpdate and a
	// SessionUpdate.
	modeDirty, listDirty bool
}

type tab struct {
	addr    string
	name    string
	managed bool
	sess    *session
	cfg     *config.Tab
	panes   []*pane
	focus   int // index of the focused pane
	id      uint32
}

// pane is a terminal pane, a plugin pane or a background plugin.
type pane struct {
	addr    string
	name    string
	kind    string
	managed bool
	sess    *session
	tab     *tab // nil for background plugins
	id      uint32

	// terminal panes
	tcfg     *config.TerminalPane
	term     *terminal
	proc     *process
	state    string
	exited   bool
	status   int
	restarts int
	lastErr  string
	started  time.Time
	// restartTimer is armed while a restart waits for its backoff.
	restartTimer *time.Timer
	// runs counts process starts, to ignore exits of replaced processes.
	runs int

	// floating panes are ordinary panes marked as such; hidden ones are
	// suppressed (HidePaneWithId, HideSelf).
	floating, hidden bool
	// openedBy is the plugin that opened this pane at run time (command
	// and edit panes report their exit to it), with its context.
	openedBy    *pane
	openContext []*pluginpb.ContextItem
	editPane    bool
	// cmds are a plugin's recent commands (kept across reloads).
	cmds commandLog

	// plugins
	plug *pluginObj

	// ready is closed once the pane has started (terminal) or drawn its
	// first frame (plugin), or failed.
	ready     chan struct{}
	readyDone bool
}

func (p *pane) markReady() {
	if !p.readyDone {
		p.readyDone = true
		close(p.ready)
	}
}

func (p *pane) currentState() string {
	if p.plug != nil {
		return p.plug.state
	}
	return p.state
}

// objects returns every object (sessions, tabs, panes, background plugins)
// in order.
func (d *Daemon) objectsLocked() []any {
	var out []any
	for _, s := range d.sessions {
		out = append(out, s)
		for _, t := range s.tabs {
			out = append(out, t)
			for _, p := range t.panes {
				if p.currentState() != StateClosed {
					out = append(out, p)
				}
			}
		}
		for _, b := range s.bg {
			if b.currentState() != StateClosed {
				out = append(out, b)
			}
		}
	}
	return out
}

func addrOf(o any) string {
	switch v := o.(type) {
	case *session:
		return v.addr
	case *tab:
		return v.addr
	case *pane:
		return v.addr
	}
	return ""
}

// ErrAmbiguous and friends are returned by lookup.
type lookupError struct {
	msg string
}

func (e *lookupError) Error() string { return e.msg }

// lookupPane is lookup restricted to panes and background plugins, so that
// a pane named like its tab ("shell") is found by its short name.
func (d *Daemon) lookupPane(addr string) (*pane, error) {
	o, err := d.lookupFiltered(addr, func(o any) bool { _, ok := o.(*pane); return ok })
	if err != nil {
		return nil, err
	}
	return o.(*pane), nil
}

// lookup finds an object by full address or unique suffix of whole
// segments ("tests", "code.pane.tests").
func (d *Daemon) lookup(addr string) (any, error) {
	return d.lookupFiltered(addr, nil)
}

func (d *Daemon) lookupFiltered(addr string, keep func(any) bool) (any, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return nil, &lookupError{"an address is required (e.g. session.dev.tab.code.pane.tests, or a unique suffix such as tests)"}
	}
	objs := d.objectsLocked()
	if keep != nil {
		objs = slices.DeleteFunc(objs, func(o any) bool { return !keep(o) })
	}
	var matches []any
	for _, o := range objs {
		a := addrOf(o)
		if a == addr {
			return o, nil
		}
		if strings.HasSuffix(a, "."+addr) {
			matches = append(matches, o)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		var all []string
		for _, o := range objs {
			all = append(all, addrOf(o))
		}
		msg := fmt.Sprintf("no object at %q", addr)
		if near := nearest(addr, all); near != "" {
			msg += fmt.Sprintf("; did you mean %s?", near)
		} else {
			msg += "; list them with `panes` or `plugins`"
		}
		return nil, &lookupError{msg}
	}
	var names []string
	for _, m := range matches {
		names = append(names, addrOf(m))
	}
	sort.Strings(names)
	return nil, &lookupError{fmt.Sprintf("%q is ambiguous: it matches %s", addr, strings.Join(names, ", "))}
}

// nearest returns the candidate whose last segments are closest to addr.
func nearest(addr string, cands []string) string {
	best, bestD := "", 4
	for _, c := range cands {
		segs := strings.Split(c, ".")
		last := segs[len(segs)-1]
		if d := levenshtein.Distance(addr, last, nil); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
