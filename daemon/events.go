package daemon

import (
	"strings"
	"sync"
	"time"

	"github.com/tessera-ws/tessera/internal/ring"
	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
)

// Event types published on the event stream.
const (
	EvApplyStarted   = "apply.started"
	EvApplyDone      = "apply.done"
	EvApplyFailed    = "apply.failed"
	EvConfigInvalid  = "config.invalid"
	EvConfigChanged  = "config.changed"
	EvPaneStarted    = "pane.started"
	EvPaneExited     = "pane.exited"
	EvPaneRestarting = "pane.restarting"
	EvPaneClosed     = "pane.closed"
	EvPaneFailed     = "pane.failed"
	EvPluginLoaded   = "plugin.loaded"
	EvPluginFrame    = "plugin.first_frame"
	EvPluginCrashed  = "plugin.crashed"
	EvPluginStopped  = "plugin.stopped"
	EvPluginFailed   = "plugin.failed"
	// EvPluginReconfigured: a running plugin took a new configuration in
	// place (PluginConfigurationChanged).
	EvPluginReconfigured = "plugin.reconfigured"
	EvPluginIncident     = "plugin.incident"
	EvPluginCommand      = "plugin.command"
	EvPluginStderr       = "plugin.stderr"
	EvPluginPermWait     = "permission.requested"
	EvTabCreated         = "tab.created"
	EvTabClosed          = "tab.closed"
	EvSessionCreated     = "session.created"
	EvSessionClosed      = "session.closed"
	EvDaemonStopping     = "daemon.stopping"
	eventRing            = 1024
	subscriberBacklog    = 256
)

// bus fans events out to subscribers without ever blocking the publisher:
// a subscriber that falls behind loses events and is told how many with a
// lagged marker. It keeps the most recent events for Describe.
type bus struct {
	mu     sync.Mutex
	seq    uint64
	recent *ring.Buffer[*controlv1.Event]
	subs   map[*subscriber]struct{}
}

type subscriber struct {
	ch      chan *controlv1.Event
	mu      sync.Mutex
	dropped uint64
	types   map[string]bool
	address string
}

func newBus() *bus {
	return &bus{recent: ring.New[*controlv1.Event](eventRing), subs: map[*subscriber]struct{}{}}
}

func (s *subscriber) wants(ev *controlv1.Event) bool {
	if len(s.types) > 0 && !s.types[ev.Type] && !s.types[typePrefix(ev.Type)] {
		return false
	}
	return s.address == "" || addressUnder(ev.Address, s.address)
}

func typePrefix(t string) string {
	if i := strings.IndexByte(t, '.'); i > 0 {
		return t[:i]
	}
	return t
}

// addressUnder reports whether addr is at or under prefix, or ends with it
// as a suffix of address segments (so "tests" matches "...pane.tests").
func addressUnder(addr, prefix string) bool {
	if addr == prefix || strings.HasPrefix(addr, prefix+".") {
		return true
	}
	return strings.HasSuffix(addr, "."+prefix)
}

// publish records and fans out an event. Safe from any goroutine.
func (b *bus) publish(typ, address, msg string, fields map[string]string) {
	ev := &controlv1.Event{
		TimeUnixNano: time.Now().UnixNano(),
		Type:         typ,
		Address:      address,
		Message:      msg,
		Fields:       fields,
	}
	b.mu.Lock()
	b.seq++
	ev.Seq = b.seq
	b.recent.Push(ev)
	for s := range b.subs {
		if !s.wants(ev) {
			continue
		}
		select {
		case s.ch <- ev:
		default:
			s.mu.Lock()
			s.dropped++
			s.mu.Unlock()
		}
	}
	b.mu.Unlock()
}

// subscribe returns a subscriber; call unsubscribe when done.
func (b *bus) subscribe(types []string, address string) *subscriber {
	s := &subscriber{ch: make(chan *controlv1.Event, subscriberBacklog), address: address}
	if len(types) > 0 {
		s.types = map[string]bool{}
		for _, t := range types {
			s.types[t] = true
		}
	}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

func (b *bus) unsubscribe(s *subscriber) {
	b.mu.Lock()
	delete(b.subs, s)
	b.mu.Unlock()
}

// takeDropped returns and resets the count of events s missed.
func (s *subscriber) takeDropped() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.dropped
	s.dropped = 0
	return n
}

// recentFor returns the recent events concerning address, oldest first.
func (b *bus) recentFor(address string, max int) []*controlv1.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*controlv1.Event
	for _, ev := range b.recent.Last(0) {
		if address == "" || addressUnder(ev.Address, address) {
			out = append(out, ev)
		}
	}
	if len(out) > max {
		out = out[len(out)-max:]
	}
	return out
}
