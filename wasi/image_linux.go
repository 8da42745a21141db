package wasi

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tessera-ws/tessera/wasi/internal/tiering"
)

// dataImage is the initial contents of a module's memory, written by its
// data segments, in a sealed memfd that every instance of the compiled
// module maps privately (copy on write) over the start of its linear
// memory instead of having wazero copy the segments in. A page of the
// image becomes resident in an instance only when the guest touches it,
// and one the guest only read can be given back later (trim), since it
// reads the same from the file again. A Go plugin's image is 1.5 MiB, most
// of which (read-only data, function tables) the guest rarely reads after
// its start.
type dataImage struct {
	fd   int
	size uint64 // bytes mapped: the image rounded up to the system page
}

// newDataImage writes segs, in order, into a new sealed memfd of end bytes
// (rounded up to a page).
func newDataImage(segs []tiering.DataSegment, end uint64) (*dataImage, error) {
	fd, err := unix.MemfdCreate("tessera-data", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd: %w", err)
	}
	im := &dataImage{fd: fd, size: roundToPage(end)}
	fail := func(err error) (*dataImage, error) {
		unix.Close(fd)
		return nil, err
	}
	if err := unix.Ftruncate(fd, int64(im.size)); err != nil {
		return fail(fmt.Errorf("memfd size: %w", err))
	}
	for _, s := range segs {
		for b, off := s.Data, int64(s.Offset); len(b) > 0; {
			n, err := unix.Pwrite(fd, b, off)
			if err != nil {
				return fail(fmt.Errorf("memfd write: %w", err))
			}
			b, off = b[n:], off+int64(n)
		}
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE); err != nil {
		return fail(fmt.Errorf("memfd seal: %w", err))
	}
	// The mappings keep the file; the descriptor is closed with the image.
	runtime.AddCleanup(im, func(fd int) { unix.Close(fd) }, fd)
	return im, nil
}

// mapInto maps the image privately over the start of region, which must be
// at least im.size bytes, readable and writable.
func (im *dataImage) mapInto(region []byte) error {
	if uint64(len(region)) < im.size {
		return fmt.Errorf("data image of %d bytes over a memory of %d", im.size, len(region))
	}
	_, err := unix.MmapPtr(im.fd, 0, unsafe.Pointer(unsafe.SliceData(region)), uintptr(im.size),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_FIXED)
	runtime.KeepAlive(im)
	return err
}
