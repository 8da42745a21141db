package sdk

import (
	"bytes"
	"errors"
	"io"
)

// ErrNoLine reports that the host had written nothing when a line was read:
// the guest's stdin pipe was empty (end of file).
var ErrNoLine = errors.New("no line on stdin")

// maxLine bounds a single stdin line. The largest messages a host sends are
// session snapshots; 64 MiB is far beyond them and keeps a hostile host from
// growing the guest's memory without limit.
const maxLine = 64 << 20

// lineReader reads stdin one line per call, as the host expects: the host
// may write several lines at once (each is consumed by a later call, in
// order) and may write a line in several pieces. Bytes after the returned
// line stay buffered for the next call.
type lineReader struct {
	r     io.Reader
	buf   []byte // unread bytes; buf[off:] is pending
	off   int
	chunk []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: r}
}

// ReadLine returns the next line without its terminator ("\n" or "\r\n").
// At end of input it returns the pending partial line, if any, or
// ErrNoLine. The returned slice is valid until the next call.
func (lr *lineReader) ReadLine() ([]byte, error) {
	scanned := 0
	for {
		pending := lr.buf[lr.off:]
		if i := bytes.IndexByte(pending[scanned:], '\n'); i >= 0 {
			line := pending[:scanned+i]
			lr.off += scanned + i + 1
			return trimCR(line), nil
		}
		scanned = len(pending)
		if scanned > maxLine {
			lr.reset()
			return nil, errors.New("read line: line exceeds 64 MiB")
		}
		n, err := lr.fill()
		if n > 0 {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		// End of input: a partial line counts as a line, like a final
		// line without a terminator.
		if len(pending) > 0 {
			line := pending
			lr.off += len(pending)
			return trimCR(line), nil
		}
		lr.reset()
		return nil, ErrNoLine
	}
}

// Buffered reports how many unread bytes are held for later calls.
func (lr *lineReader) Buffered() int { return len(lr.buf) - lr.off }

// fill reads once from the source, appending to the pending bytes.
func (lr *lineReader) fill() (int, error) {
	if lr.off > 0 && lr.off == len(lr.buf) {
		lr.reset()
	}
	if lr.off > 0 && lr.off > cap(lr.buf)/2 {
		// Slide pending bytes to the front to reuse the space.
		n := copy(lr.buf, lr.buf[lr.off:])
		lr.buf = lr.buf[:n]
		lr.off = 0
	}
	if lr.chunk == nil {
		lr.chunk = make([]byte, 16<<10)
	}
	n, err := lr.r.Read(lr.chunk)
	if n > 0 {
		lr.buf = append(lr.buf, lr.chunk[:n]...)
	}
	return n, err
}

func (lr *lineReader) reset() {
	lr.buf = lr.buf[:0]
	lr.off = 0
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}
