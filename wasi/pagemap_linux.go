package wasi

import (
	"encoding/binary"
	"os"
	"unsafe"
)

// untouchedPages reports which pages of b (a linear memory in a mapping of
// its own, page aligned) were never touched since they were mapped or
// given back with MADV_DONTNEED: neither present nor swapped out in
// /proc/self/pagemap. Such pages read as zeros. A move to compiled code
// (tiering.TransferWith) skips them instead of reading them, which on a
// kernel without a shared zero page would make them resident.
func untouchedPages(b []byte) ([]bool, int, bool) {
	untouched, _, ps, ok := pageStates(b)
	return untouched, ps, ok
}

// pageStates is untouchedPages, and for each page whether it is resident
// and still the page of a file mapping (a page of a data image the guest
// read but never wrote: a write makes it a private anonymous copy).
func pageStates(b []byte) (untouched, file []bool, pageSize int, ok bool) {
	ps := os.Getpagesize()
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if len(b) == 0 || addr%uintptr(ps) != 0 {
		return nil, nil, 0, false
	}
	n := (len(b) + ps - 1) / ps
	f, err := os.Open("/proc/self/pagemap")
	if err != nil {
		return nil, nil, 0, false
	}
	defer f.Close()
	buf := make([]byte, 8*n)
	if _, err := f.ReadAt(buf, int64(addr/uintptr(ps))*8); err != nil {
		return nil, nil, 0, false
	}
	const present, swapped, filePage = 1 << 63, 1 << 62, 1 << 61
	untouched, file = make([]bool, n), make([]bool, n)
	for i := range untouched {
		e := binary.LittleEndian.Uint64(buf[8*i:])
		untouched[i] = e&(present|swapped) == 0
		file[i] = e&(present|filePage) == present|filePage
	}
	return untouched, file, ps, true
}
