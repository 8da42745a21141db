package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tessera-ws/tessera/internal/ring"
	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
)

// logRing is an slog.Handler that formats records as text to a writer and
// keeps the most recent ones for the Logs call, with followers.
type logRing struct {
	mu      sync.Mutex
	records *ring.Buffer[*controlv1.LogRecord]
	follow  map[chan *controlv1.LogRecord]struct{}
}

const logRingSize = 2000

func newLogRing() *logRing {
	return &logRing{records: ring.New[*controlv1.LogRecord](logRingSize), follow: map[chan *controlv1.LogRecord]struct{}{}}
}

func (r *logRing) add(rec *controlv1.LogRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records.Push(rec)
	for ch := range r.follow {
		select {
		case ch <- rec:
		default:
		}
	}
}

func (r *logRing) tail(n int) []*controlv1.LogRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.records.Last(n)
}

func (r *logRing) subscribe() chan *controlv1.LogRecord {
	ch := make(chan *controlv1.LogRecord, 256)
	r.mu.Lock()
	r.follow[ch] = struct{}{}
	r.mu.Unlock()
	return ch
}

func (r *logRing) unsubscribe(ch chan *controlv1.LogRecord) {
	r.mu.Lock()
	delete(r.follow, ch)
	r.mu.Unlock()
}

// ringHandler tees records into a logRing and a text handler.
type ringHandler struct {
	ring  *logRing
	text  slog.Handler
	attrs []slog.Attr
	group string
}

// NewLogger returns a logger writing text to w (nil: nowhere) and keeping
// recent records in the daemon's ring; pass it as Config.Logger.
func newRingLogger(ring *logRing, w io.Writer, level slog.Level) *slog.Logger {
	if w == nil {
		w = io.Discard
	}
	return slog.New(&ringHandler{ring: ring, text: slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})})
}

func (h *ringHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.text.Enabled(ctx, l) }

func (h *ringHandler) Handle(ctx context.Context, rec slog.Record) error {
	lr := &controlv1.LogRecord{
		TimeUnixNano: rec.Time.UnixNano(),
		Level:        rec.Level.String(),
		Message:      rec.Message,
		Attrs:        map[string]string{},
	}
	add := func(a slog.Attr) bool {
		k := a.Key
		if h.group != "" {
			k = h.group + "." + k
		}
		lr.Attrs[k] = a.Value.Resolve().String()
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	rec.Attrs(add)
	h.ring.add(lr)
	return h.text.Handle(ctx, rec)
}

func (h *ringHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &ringHandler{ring: h.ring, text: h.text.WithAttrs(as), attrs: append(append([]slog.Attr{}, h.attrs...), as...), group: h.group}
}

func (h *ringHandler) WithGroup(name string) slog.Handler {
	g := name
	if h.group != "" {
		g = h.group + "." + name
	}
	return &ringHandler{ring: h.ring, text: h.text.WithGroup(name), attrs: h.attrs, group: g}
}

// rotatingFile is an io.Writer appending to a file that is rotated to
// "<name>.1" when it grows past max bytes.
type rotatingFile struct {
	mu   sync.Mutex
	path string
	max  int64
	f    *os.File
	size int64
}

func openRotating(path string, max int64) (*rotatingFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &rotatingFile{path: path, max: max, f: f, size: st.Size()}, nil
}

func (r *rotatingFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return 0, os.ErrClosed
	}
	if r.size+int64(len(p)) > r.max && r.size > 0 {
		r.f.Close()
		_ = os.Rename(r.path, r.path+".1")
		f, err := os.OpenFile(r.path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			r.f = nil
			return 0, fmt.Errorf("rotate log: %w", err)
		}
		r.f, r.size = f, 0
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	return n, err
}

func (r *rotatingFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}
