package ctl

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"connectrpc.com/connect"

	"github.com/tessera-ws/tessera/proto/control/v1/controlv1connect"
)

// BaseURL is the URL clients use for the daemon's socket; the host part is
// ignored by the dialer.
const BaseURL = "http://tessera"

// MaxMessageBytes bounds one control API message in both directions.
const MaxMessageBytes = 16 << 20

// ErrNoDaemon means no daemon runs for the workspace asked for.
var ErrNoDaemon = errors.New("no daemon is running")

// Client returns a control API client for the daemon listening on socket,
// speaking Connect over unencrypted HTTP/2.
func Client(socket string) controlv1connect.ControlServiceClient {
	return controlv1connect.NewControlServiceClient(HTTPClient(socket), BaseURL,
		connect.WithReadMaxBytes(MaxMessageBytes), connect.WithSendMaxBytes(MaxMessageBytes))
}

// HTTPClient returns an HTTP client whose every connection goes to socket
// with unencrypted HTTP/2.
func HTTPClient(socket string) *http.Client {
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	tr := &http.Transport{
		Protocols: &protos,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
		MaxIdleConns:    4,
		IdleConnTimeout: 30 * time.Second,
	}
	return &http.Client{Transport: envelopeTransport{tr}}
}

// envelopeTransport hands the HTTP/2 transport each message of a streaming
// request whole. Connect writes a message's 5-byte envelope prefix and its
// bytes in two writes, and the transport sends (and flushes) a DATA frame
// per write it reads: two frames and two system calls per message, which
// a stream of small messages (a CLI pipe's lines) pays on every one.
type envelopeTransport struct{ *http.Transport }

func (t envelopeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody && strings.HasPrefix(req.Header.Get("Content-Type"), "application/connect+") {
		r := req.Clone(req.Context())
		r.Body = &envelopeReader{r: req.Body}
		req = r
	}
	return t.Transport.RoundTrip(req)
}

// envelopeReader returns a streaming body's messages (Connect envelopes:
// flags, a big-endian length, the message) one whole message per Read when
// p has room, instead of the pieces they were written in.
type envelopeReader struct {
	r       io.ReadCloser
	buf     []byte
	pending []byte // read, not returned yet
	raw     bool   // past a prefix this reader does not trust: pass through
}

func (e *envelopeReader) Read(p []byte) (int, error) {
	if len(e.pending) == 0 && e.raw {
		return e.r.Read(p)
	}
	if len(e.pending) == 0 {
		e.buf = e.buf[:0]
		var head [5]byte
		n, err := io.ReadFull(e.r, head[:])
		e.buf = append(e.buf, head[:n]...)
		if err == nil {
			size := int(binary.BigEndian.Uint32(head[1:]))
			if size > MaxMessageBytes {
				// Not ours to judge (the server refuses it): pass the
				// rest through as it comes.
				e.raw, e.pending = true, e.buf
				return e.flush(p, nil)
			}
			e.buf = slices.Grow(e.buf, size)
			n, err = io.ReadFull(e.r, e.buf[5:5+size])
			e.buf = e.buf[:5+n]
		}
		if err == io.ErrUnexpectedEOF {
			err = io.EOF // a short last piece is still handed on
		}
		e.pending = e.buf
		if len(e.pending) == 0 {
			return 0, err
		}
		return e.flush(p, err)
	}
	return e.flush(p, nil)
}

func (e *envelopeReader) flush(p []byte, err error) (int, error) {
	n := copy(p, e.pending)
	e.pending = e.pending[n:]
	if len(e.pending) > 0 {
		err = nil // reported by the next Read that finds nothing pending
	}
	return n, err
}

func (e *envelopeReader) Close() error { return e.r.Close() }

// Alive reports whether something accepts connections on socket.
func Alive(socket string) bool {
	c, err := net.DialTimeout("unix", socket, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Resolve picks the daemon a client talks to: the workspace flag, else
// $TESSERA_WORKSPACE, else the workspace of the current directory if its
// daemon runs, else the only running daemon. It returns the daemon's info.
func Resolve(flagWorkspace string) (Info, error) {
	explicit := flagWorkspace
	if explicit == "" {
		explicit = os.Getenv("TESSERA_WORKSPACE")
	}
	if explicit != "" {
		p, err := PathsFor(explicit)
		if err != nil {
			return Info{}, err
		}
		return infoFor(p)
	}
	if p, err := PathsFor("."); err == nil {
		if in, err := infoFor(p); err == nil {
			return in, nil
		}
	}
	running, err := Running()
	if err != nil {
		return Info{}, err
	}
	switch len(running) {
	case 0:
		return Info{}, fmt.Errorf("%w: start one with `tessera up [PATH]`", ErrNoDaemon)
	case 1:
		return running[0], nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d daemons are running; choose one with -w PATH or $TESSERA_WORKSPACE:", len(running))
	for _, in := range running {
		fmt.Fprintf(&b, "\n  %s (pid %d)", in.Workspace, in.PID)
	}
	return Info{}, errors.New(b.String())
}

func infoFor(p Paths) (Info, error) {
	in, err := ReadInfo(p.Info)
	if err != nil || !processAlive(in.PID) || !Alive(p.Socket) {
		return Info{}, fmt.Errorf("%w for %s: start it with `tessera up %s`", ErrNoDaemon, p.Workspace, p.Workspace)
	}
	return in, nil
}
