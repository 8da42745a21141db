package wasi

import (
	"bytes"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

func TestUntouchedPages(t *testing.T) {
	ps := os.Getpagesize()
	m, err := unix.Mmap(-1, 0, 4*ps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	m[ps+7] = 1
	m[3*ps] = 2
	got, bs, ok := untouchedPages(m)
	if !ok || bs != ps {
		t.Fatalf("ok %v, block size %d", ok, bs)
	}
	want := []bool{true, false, true, false}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("untouched %v, want %v", got, want)
		}
	}
	// Pages given back read as zeros: untouched again.
	if err := unix.Madvise(m[ps:2*ps], unix.MADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	if got, _, _ = untouchedPages(m); !got[1] {
		t.Fatalf("page given back reported touched: %v", got)
	}
	if _, _, ok := untouchedPages(m[1:]); ok {
		t.Fatal("an unaligned slice must not be answered")
	}
}

func TestDropZeroPages(t *testing.T) {
	ps := os.Getpagesize()
	a := &memoryAllocator{limit: 16 * uint64(ps)}
	m := a.Allocate(8*uint64(ps), 1<<32)
	b := m.Reallocate(8 * uint64(ps))
	// Page 0: data. 1 and 2: written with zeros (resident zeros). 3: data
	// written and cleared again. 4: read only (resident on kernels without
	// a shared zero page, else not). 5: data at its last byte. 6, 7:
	// never touched.
	b[10] = 1
	for i := ps; i < 3*ps; i++ {
		b[i] = 0
	}
	b[3*ps+5] = 9
	b[3*ps+5] = 0
	var sink byte
	sink += b[4*ps+100]
	b[6*ps-1] = 3
	_ = sink
	dropped := a.dropZeroPages()
	if dropped < 3*uint64(ps) || dropped > 4*uint64(ps) {
		t.Fatalf("%d bytes given back, want those of pages 1-3 (and 4 if it was resident)", dropped)
	}
	got, _, ok := untouchedPages(b)
	if !ok {
		t.Fatal("pagemap not readable")
	}
	want := []bool{false, true, true, true, true, false, true, true}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("untouched after the drop %v, want %v", got, want)
		}
	}
	if b[10] != 1 || b[6*ps-1] != 3 {
		t.Fatal("data lost")
	}
	if n := a.dropZeroPages(); n != 0 {
		t.Fatalf("second drop gave back %d bytes", n)
	}
	if !bytes.Equal(b[ps:5*ps], make([]byte, 4*ps)) {
		t.Fatal("dropped pages do not read as zeros")
	}
	m.Free()
	if n := a.dropZeroPages(); n != 0 {
		t.Fatalf("a freed memory gave back %d bytes", n)
	}
}
