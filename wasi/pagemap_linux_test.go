package wasi

import (
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
