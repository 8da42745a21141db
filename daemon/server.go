package daemon

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/sys/unix"

	"github.com/tessera-ws/tessera/internal/ctl"
	"github.com/tessera-ws/tessera/proto/control/v1/controlv1connect"
)

type server struct {
	http *http.Server
	ln   net.Listener
	done chan struct{}
}

// listen creates the control socket (replacing a stale one, refusing to
// replace a live one) and serves the control API on it.
func (d *Daemon) listen() (*server, error) {
	sock := d.paths.Socket
	if _, err := os.Lstat(sock); err == nil {
		if ctl.Alive(sock) {
			return nil, fmt.Errorf("socket %s is in use by another daemon", sock)
		}
		d.log.Info("replacing a stale socket", "socket", sock)
		if err := os.Remove(sock); err != nil {
			return nil, fmt.Errorf("remove stale socket: %w", err)
		}
	}
	old := unix.Umask(0o177)
	ln, err := net.Listen("unix", sock)
	unix.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", sock, err)
	}
	if err := os.Chmod(sock, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(true)
	pl := &peerListener{UnixListener: ln.(*net.UnixListener), allow: d.cfg.allowUID, d: d}

	mux := http.NewServeMux()
	path, h := controlv1connect.NewControlServiceHandler(&api{d: d},
		connect.WithReadMaxBytes(ctl.MaxMessageBytes),
		connect.WithSendMaxBytes(ctl.MaxMessageBytes),
		// On a local socket compressing small messages costs more than it
		// saves (a gzip writer reset per message of a pipe stream).
		connect.WithCompressMinBytes(64<<10),
		connect.WithRecover(func(ctx context.Context, spec connect.Spec, _ http.Header, p any) error {
			d.log.Error("panic in a control call", "procedure", spec.Procedure, "panic", fmt.Sprint(p))
			return connect.NewError(connect.CodeInternal, fmt.Errorf("internal error in %s", spec.Procedure))
		}),
	)
	mux.Handle(path, h)
	if handlePprof(mux) {
		d.log.Info("runtime profiles served on the control socket", "path", "/debug/pprof/")
	}
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetUnencryptedHTTP2(true)
	hs := &http.Server{
		Handler:           mux,
		Protocols:         &protos,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	s := &server{http: hs, ln: pl, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		if err := hs.Serve(pl); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("control socket", "err", err)
		}
	}()
	return s, nil
}

func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil {
		s.http.Close()
	}
	<-s.done
}

// peerListener accepts only connections whose peer uid is allowed
// (SO_PEERCRED): the daemon's own user and root.
type peerListener struct {
	*net.UnixListener
	allow func(uid uint32) bool
	d     *Daemon
}

func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.UnixListener.AcceptUnix()
		if err != nil {
			return nil, err
		}
		uid, err := peerUID(c)
		if err != nil {
			l.d.log.Warn("refused a control connection: peer credentials unknown", "err", err)
			c.Close()
			continue
		}
		if !l.allow(uid) {
			l.d.log.Warn("refused a control connection from another user", "uid", uid)
			c.Close()
			continue
		}
		return &bufferedConn{UnixConn: c, r: bufio.NewReaderSize(c, 16<<10)}, nil
	}
}

// bufferedConn reads a connection through a buffer. The HTTP/2 server
// reads each frame from the connection itself, its 9-byte header and then
// its payload: two system calls per frame, which a stream of small
// messages (a CLI pipe's lines) paid on every one. Through the buffer, one
// read takes whatever frames have arrived.
type bufferedConn struct {
	*net.UnixConn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func peerUID(c *net.UnixConn) (uint32, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return 0, err
	}
	if cerr != nil {
		return 0, cerr
	}
	return cred.Uid, nil
}
