//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package wasi

import "sync/atomic"

// limitedMemory is a linear memory in a Go slice (see memory.go), for
// platforms without the mapping calls memory_mmap.go uses.
type limitedMemory struct {
	buf    []byte
	limit  uint64
	denied atomic.Bool
	inited bool
}

// newLimitedMemory ignores image: modules get one only where memory is
// mapped (see compile).
func newLimitedMemory(capacity, limit uint64, _ *dataImage) *limitedMemory {
	return &limitedMemory{limit: limit, buf: make([]byte, 0, min(capacity, limit))}
}

// Reallocate implements experimental.LinearMemory.
func (m *limitedMemory) Reallocate(size uint64) []byte {
	// The first call allocates the module's declared minimum, which the host
	// checked against the limit before instantiating.
	if size > m.limit && m.inited {
		m.denied.Store(true)
		return nil
	}
	m.inited = true
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	// Grow by a quarter at least, without passing the cap: fewer copies
	// than page by page, less slack than doubling.
	c := max(uint64(cap(m.buf))+uint64(cap(m.buf))/4, size)
	if c > m.limit {
		c = max(m.limit, size)
	}
	nb := make([]byte, size, c)
	copy(nb, m.buf)
	m.buf = nb
	return m.buf
}

// Free implements experimental.LinearMemory.
func (m *limitedMemory) Free() { m.buf = nil }

func (m *limitedMemory) attach(*byte) {}

// dropZeroPages cannot give pages of a Go slice back.
func (m *limitedMemory) dropZeroPages() uint64 { return 0 }
