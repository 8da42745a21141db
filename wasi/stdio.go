package wasi

import (
	"bytes"
	"io"
	"strings"
	"time"
)

// inPipe is a guest's stdin: lines the host queued, read in order. A read on
// an empty pipe is EOF (0 bytes). Used by one goroutine at a time (the
// instance's).
type inPipe struct {
	buf []byte
	off int
}

// Read implements io.Reader; an empty pipe reads as EOF.
func (p *inPipe) Read(b []byte) (int, error) {
	if p.off >= len(p.buf) {
		p.reset()
		return 0, io.EOF
	}
	n := copy(b, p.buf[p.off:])
	p.off += n
	if p.off == len(p.buf) {
		p.reset()
	}
	return n, nil
}

func (p *inPipe) reset() { p.buf, p.off = p.buf[:0], 0 }

// pending returns the unread bytes.
func (p *inPipe) pending() int { return len(p.buf) - p.off }

// outPipe is a guest's stdout: everything printed since the last drain, up
// to a cap (the excess is discarded but reported as written, so a guest
// never loops on a short write).
type outPipe struct {
	buf      []byte
	max      int
	overflow int
}

// Write implements io.Writer.
func (p *outPipe) Write(b []byte) (int, error) {
	room := p.max - len(p.buf)
	if room >= len(b) {
		p.buf = append(p.buf, b...)
		return len(b), nil
	}
	if room > 0 {
		p.buf = append(p.buf, b[:room]...)
	}
	p.overflow += len(b) - max(room, 0)
	return len(b), nil
}

// stderrLines splits a guest's stderr into lines for the observer
// and keeps the last few for crash messages.
type stderrLines struct {
	max     int
	partial []byte
	cut     bool // the current line was cut; drop until newline
	emit    func(line string)
	onCut   func(n int)
	last    [4]string
	nlast   int
	// why is the first line that tells why a guest died (a Go or Rust
	// panic, a Go fatal error), for crash messages.
	why string
}

// isWhyLine reports whether a stderr line states why a guest dies.
func isWhyLine(l string) bool {
	return strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") ||
		strings.Contains(l, "panicked at")
}

// Write implements io.Writer, splitting lines.
func (s *stderrLines) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		chunk := b
		if i >= 0 {
			chunk = b[:i]
		}
		if !s.cut {
			room := s.max - len(s.partial)
			if len(chunk) > room {
				s.partial = append(s.partial, chunk[:room]...)
				s.cut = true
				if s.onCut != nil {
					s.onCut(s.max)
				}
				s.flush() // emit the capped line now; the rest is dropped
			} else {
				s.partial = append(s.partial, chunk...)
			}
		}
		if i < 0 {
			break
		}
		if !s.cut {
			s.flush()
		}
		s.cut = false
		b = b[i+1:]
	}
	return n, nil
}

func (s *stderrLines) flush() {
	line := strings.TrimSuffix(string(s.partial), "\r")
	s.partial = s.partial[:0]
	s.last[s.nlast%len(s.last)] = line
	s.nlast++
	if s.why == "" && isWhyLine(line) {
		s.why = line
	}
	if s.emit != nil {
		s.emit(line)
	}
}

// lastWords returns the line being written, or else the last line.
func (s *stderrLines) lastWords() string {
	if len(s.partial) > 0 && !s.cut {
		return string(s.partial)
	}
	if s.nlast == 0 {
		return ""
	}
	return s.last[(s.nlast-1)%len(s.last)]
}

// tail returns the last lines written, oldest first.
func (s *stderrLines) tail() string {
	var out []string
	for i := max(0, s.nlast-len(s.last)); i < s.nlast; i++ {
		if l := s.last[i%len(s.last)]; l != "" {
			out = append(out, l)
		}
	}
	if len(s.partial) > 0 && !s.cut {
		out = append(out, string(s.partial))
	}
	const maxTail = 1024
	t := strings.Join(out, " | ")
	if len(t) > maxTail {
		t = t[len(t)-maxTail:]
	}
	return t
}

// tokenBucket is a rate limiter owned by one goroutine.
type tokenBucket struct {
	rate   float64 // tokens per second; <= 0 means unlimited
	burst  float64
	tokens float64
	last   time.Time
}

func newTokenBucket(perSecond int) tokenBucket {
	return tokenBucket{rate: float64(perSecond), burst: float64(perSecond), tokens: float64(perSecond)}
}

// take consumes one token, reporting false when none is left.
func (b *tokenBucket) take(now time.Time) bool {
	if b.rate <= 0 {
		return true
	}
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
