package daemon

import (
	"context"
	"errors"
	"sync"

	"github.com/tessera-ws/tessera/proto/pluginpb"
	"github.com/tessera-ws/tessera/wasi"
)

// stateFeed delivers session state (ModeUpdate, TabUpdate, PaneUpdate,
// SessionUpdate) to one plugin, latest wins: these events are snapshots,
// so while the plugin is busy a newer one replaces the one waiting instead
// of queueing behind it. A burst of changes therefore costs a slow plugin
// one update, not a full mailbox (and no snapshot is dropped: the last
// one always arrives). One goroutine per plugin makes the calls; the loop
// only offers, never waits. The events come encoded once for every plugin
// (wasi.EncodeEvent), and the snapshots waiting together go in one call,
// which renders once after them.
type stateFeed struct {
	p    *wasi.Plugin
	kick chan struct{}
	done chan struct{}

	mu      sync.Mutex
	pending [4]*wasi.EncodedEvent // by feedSlot
}

// The slots, in delivery order.
var feedOrder = [4]pluginpb.EventType{
	pluginpb.EventType_ModeUpdate, pluginpb.EventType_TabUpdate,
	pluginpb.EventType_PaneUpdate, pluginpb.EventType_SessionUpdate,
}

func feedSlot(t pluginpb.EventType) int {
	for i, x := range feedOrder {
		if x == t {
			return i
		}
	}
	return -1
}

func newStateFeed(p *wasi.Plugin, wg *sync.WaitGroup) *stateFeed {
	f := &stateFeed{p: p, kick: make(chan struct{}, 1), done: make(chan struct{})}
	wg.Add(1)
	go func() {
		defer wg.Done()
		f.run()
	}()
	return f
}

// offer replaces the waiting snapshot of each event's type; events of
// other types are ignored (post those).
func (f *stateFeed) offer(evs ...*wasi.EncodedEvent) {
	f.mu.Lock()
	for _, ev := range evs {
		if ev == nil {
			continue
		}
		if i := feedSlot(ev.Name()); i >= 0 {
			f.pending[i] = ev
		}
	}
	f.mu.Unlock()
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

func (f *stateFeed) stop() {
	select {
	case <-f.done:
	default:
		close(f.done)
	}
}

func (f *stateFeed) run() {
	// One context for the feed's life, cancelled when it stops: a call
	// waits for the plugin (whose own call deadline bounds the guest)
	// or for the stop, without a timer per update.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-f.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		select {
		case <-f.kick:
		case <-f.done:
			return
		}
		var batch [len(feedOrder)]*wasi.EncodedEvent
		for {
			evs := batch[:0]
			f.mu.Lock()
			for i, ev := range f.pending {
				// One the plugin is not subscribed to would be dropped:
				// spare it. (A plugin that subscribes later gets the next
				// snapshot, as it would have; one waiting for a permission
				// answer gets the state again when the answer marks its
				// session dirty.)
				if ev != nil && f.p.Subscribed(ev.Name()) {
					evs = append(evs, ev)
				}
				f.pending[i] = nil
			}
			f.mu.Unlock()
			if len(evs) == 0 {
				break
			}
			// Every snapshot waiting in one call: a plugin subscribed to
			// TabUpdate and PaneUpdate renders once for both.
			_, err := f.p.UpdateEncoded(ctx, evs...)
			clear(batch[:])
			if errors.Is(err, wasi.ErrClosed) || errors.Is(err, wasi.ErrCrashed) {
				return
			}
			select {
			case <-f.done:
				return
			default:
			}
		}
	}
}
