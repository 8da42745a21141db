package sdk

import "errors"

// hostIO is the guest's side of the host boundary: commands go out on
// stdout followed by a call of the host import; configuration, events, pipe
// messages, worker messages and command replies come in on stdin, one line
// each.
type hostIO interface {
	// send writes one command frame to stdout and calls the host, which
	// reads everything on stdout as the command (and may write a reply
	// line to stdin before returning).
	send(frame []byte) error
	// readLine returns the next stdin line, ErrNoLine when there is none.
	readLine() ([]byte, error)
	// writeOut writes raw bytes to stdout.
	writeOut(b []byte) error
}

// ErrNoHost is returned by commands run outside a plugin host, in a program
// not built with GOOS=wasip1.
var ErrNoHost = errors.New("not running inside a plugin host (build with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared)")

// host is the boundary used by every command and export. Tests replace it.
var host hostIO = defaultHost()
