package daemon

import (
	"sync/atomic"

	"github.com/tessera-ws/tessera/wasi"
)

// stateFeed delivers session state (ModeUpdate, TabUpdate, PaneUpdate,
// SessionUpdate) to one plugin, latest wins (wasi.Plugin.Offer): these
// events are snapshots, so while the plugin is busy a newer one replaces
// the one waiting instead of queueing behind it. A burst of changes
// therefore costs a slow plugin one update, not a full mailbox (and no
// snapshot is dropped: the last one always arrives). The snapshots waiting
// together are delivered in one go and render once (a plugin subscribed to
// TabUpdate and PaneUpdate renders once for a change). The events come
// encoded once for every plugin (wasi.EncodeEvent). The loop only offers,
// never waits; the plugin's own goroutine makes the calls.
type stateFeed struct {
	p       *wasi.Plugin
	stopped atomic.Bool
}

func newStateFeed(p *wasi.Plugin) *stateFeed {
	return &stateFeed{p: p}
}

// offer replaces the waiting snapshot of each event's type (nil events
// are skipped). After stop it does nothing.
func (f *stateFeed) offer(evs ...*wasi.EncodedEvent) {
	if !f.stopped.Load() {
		f.p.Offer(evs...)
	}
}

// stop ends the feed: the plugin is replaced or closed.
func (f *stateFeed) stop() { f.stopped.Store(true) }
