//go:build linux || darwin || freebsd || netbsd || openbsd

package wasi

import (
	"bytes"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// limitedMemory is a linear memory in its own mapping (see memory.go).
type limitedMemory struct {
	limit  uint64
	denied atomic.Bool

	mu        sync.Mutex
	region    []byte // the whole reservation; nil once unmapped
	committed uint64 // bytes of region made accessible
	// image is mapped over the start of region by the first Reallocate;
	// imageSize stays set after.
	image     *dataImage
	imageSize uint64
	inited    bool
	freed     bool
	attached  bool
	cleanup   runtime.Cleanup
}

var osPageSize = uint64(os.Getpagesize())

func roundToPage(n uint64) uint64 { return (n + osPageSize - 1) &^ (osPageSize - 1) }

func newLimitedMemory(capacity, limit uint64, image *dataImage) *limitedMemory {
	m := &limitedMemory{limit: limit, image: image}
	// The declared minimum (capacity) was checked against the limit before
	// instantiating; reserve it even if the limit is smaller, so that the
	// first Reallocate cannot fail.
	size := roundToPage(max(limit, capacity))
	if size == 0 {
		return m
	}
	region, err := unix.Mmap(-1, 0, int(size), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return m // every Reallocate fails: the instantiation is refused
	}
	liveMappings.Add(1)
	m.region = region
	m.cleanup = runtime.AddCleanup(m, unmapRegion, region)
	return m
}

func unmapRegion(region []byte) {
	if unix.Munmap(region) == nil {
		liveMappings.Add(-1)
	}
}

// Reallocate implements experimental.LinearMemory: it makes the first size
// bytes accessible and returns them. The base never moves.
func (m *limitedMemory) Reallocate(size uint64) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if size > m.limit && m.inited {
		m.denied.Store(true)
		return nil
	}
	if m.freed || size > uint64(len(m.region)) {
		return nil
	}
	m.inited = true
	if want := roundToPage(size); want > m.committed {
		if err := unix.Mprotect(m.region[m.committed:want], unix.PROT_READ|unix.PROT_WRITE); err != nil {
			return nil // the system refused the memory: memory.grow fails
		}
		m.committed = want
	}
	if m.image != nil {
		// The instantiation's first Reallocate: the initial contents.
		if err := m.image.mapInto(m.region[:m.committed]); err != nil {
			return nil // the instantiation fails rather than run without its data
		}
		m.imageSize, m.image = m.image.size, nil
	}
	if m.region == nil {
		return []byte{}
	}
	return m.region[:size:size]
}

// Free implements experimental.LinearMemory.
func (m *limitedMemory) Free() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.freed || m.region == nil {
		return
	}
	m.freed = true
	if m.committed > 0 {
		// The contents are dropped; the range stays readable and writable
		// (as zeros, and the data image's bytes over its range) until it
		// is unmapped.
		unix.Madvise(m.region[:m.committed], unix.MADV_DONTNEED)
	}
	if !m.attached {
		m.cleanup.Stop()
		unmapRegion(m.region)
		m.region = nil
	}
}

// attach moves the unmapping to the collection of owner, wazero's memory
// instance.
func (m *limitedMemory) attach(owner *byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.region == nil || m.attached {
		return
	}
	m.cleanup.Stop()
	m.cleanup = runtime.AddCleanup(owner, unmapRegion, m.region)
	m.attached = true
}

// zeroPage is one system page of zeros, to compare pages with.
var zeroPage = make([]byte, osPageSize)

// dropZeroPages gives back to the system the resident pages of the memory
// that read the same once given back (MADV_DONTNEED): pages holding only
// zeros, and pages of the data image the guest read but never wrote (they
// read from the image's file again). They are resident again only if the
// guest touches them. A Go guest's runtime leaves hundreds of KiB of zero
// pages behind (memory it cleared but holds nothing in yet; on a kernel
// without a shared zero page, also pages it only read), and reads much of
// its data image at its start only. Pages never touched are not read,
// which would make them resident; a page of the image the guest wrote is
// kept even if it holds zeros (given back, it would read the image's
// bytes). It returns the bytes given back; 0 where /proc/self/pagemap
// cannot tell which pages are resident. The guest must not run meanwhile
// (the plugin's own goroutine calls it between calls).
func (m *limitedMemory) dropZeroPages() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.freed || m.region == nil || m.committed == 0 {
		return 0
	}
	b := m.region[:m.committed]
	untouched, file, ps, ok := pageStates(b)
	if !ok || uint64(ps) != osPageSize {
		return 0
	}
	var dropped uint64
	start := -1 // first page of the current run of pages to give back
	flush := func(end int) {
		if start < 0 {
			return
		}
		if unix.Madvise(b[start*ps:end*ps], unix.MADV_DONTNEED) == nil {
			dropped += uint64((end - start) * ps)
		}
		start = -1
	}
	for i, u := range untouched {
		var drop bool
		switch {
		case u:
		case uint64(i*ps) < m.imageSize:
			drop = file[i]
		default:
			drop = bytes.Equal(b[i*ps:(i+1)*ps], zeroPage)
		}
		if !drop {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(untouched))
	return dropped
}
