//go:build wasip1

package sdk

import (
	"io"
	"syscall"
)

// hostRunPluginCommand is the single function the host provides: it runs
// the command the guest has just written to stdout.
//
//go:wasmimport zellij host_run_plugin_command
func hostRunPluginCommand()

// wasiHost talks to the host through file descriptors 0 and 1 directly,
// without os.File, so no poller or buffering sits in between.
type wasiHost struct {
	stdin *lineReader
}

func defaultHost() hostIO { return &wasiHost{stdin: newLineReader(stdinReader{})} }

func (h *wasiHost) send(frame []byte) error {
	if err := h.writeOut(frame); err != nil {
		return err
	}
	hostRunPluginCommand()
	return nil
}

func (h *wasiHost) readLine() ([]byte, error) { return h.stdin.ReadLine() }

func (h *wasiHost) writeOut(b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(1, b)
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		b = b[n:]
	}
	return nil
}

// stdinReader reads fd 0. The host's stdin is an in-memory queue: an empty
// queue reads as 0 bytes (end of file), which a later write undoes.
type stdinReader struct{}

func (stdinReader) Read(p []byte) (int, error) {
	n, err := syscall.Read(0, p)
	if err == syscall.EAGAIN || (err == nil && n == 0) {
		return 0, io.EOF
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}
