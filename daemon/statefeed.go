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
// only offers, never waits.
type stateFeed struct {
	p    *wasi.Plugin
	kick chan struct{}
	done chan struct{}

	mu      sync.Mutex
	pending [4]*pluginpb.Event // by feedSlot
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
func (f *stateFeed) offer(evs ...*pluginpb.Event) {
	f.mu.Lock()
	for _, ev := range evs {
		if i := feedSlot(ev.GetName()); i >= 0 {
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
		for {
			f.mu.Lock()
			var ev *pluginpb.Event
			for i := range f.pending {
				if f.pending[i] != nil {
					ev, f.pending[i] = f.pending[i], nil
					break
				}
			}
			f.mu.Unlock()
			if ev == nil {
				break
			}
			if !f.p.Subscribed(ev.GetName()) {
				// The plugin would drop it: spare the call. (A plugin that
				// subscribes later gets the next snapshot, as it would
				// have; one waiting for a permission answer gets the
				// state again when the answer marks its session dirty.)
				continue
			}
			_, err := f.p.Update(ctx, ev)
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
