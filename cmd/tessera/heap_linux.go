package main

import (
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"unsafe"
)

var hugePageOnce sync.Once

// hugePageHeap makes the next n bytes of the Go heap use transparent huge
// pages where the kernel gives them only on request (the "madvise" mode of
// /sys/kernel/mm/transparent_hugepage/enabled, the default of most
// distributions). It is for a short-lived process about to allocate a large
// heap from nothing, as `plugin run` does when it compiles a plugin: the
// interpreter's code of a 3.6 MB Go plugin alone is about 60 MB, and on
// 4 KiB pages a fresh process took about 42,000 page faults and twice the
// CPU time of a process whose heap was already faulted in (wazero copying
// each function's code into fresh memory was the largest item of the
// profile). With 2 MiB pages that is a few thousand faults, and the user
// time of a cold start of that plugin fell from about 530 to 290 ms.
//
// The runtime maps heap address space as it grows and has no switch for
// huge pages, so the address space is made to exist first: one untouched
// allocation of n bytes (no page of it is faulted in) makes the runtime map
// it; the advice is given on that range; the allocation is dropped and a
// collection (of a heap of a few MB, about a millisecond) gives the pages
// back to the runtime, which hands out the lowest free pages first, so the
// compile's allocations land there. Nothing is done when the kernel never
// gives huge pages or always does, or with GODEBUG=disablethp=1 (the Go
// runtime's switch to keep the heap on small pages); errors are ignored
// (the heap then simply uses small pages). Only the first call in a
// process does anything.
func hugePageHeap(n int) {
	hugePageOnce.Do(func() { adviseHugePages(n) })
}

// adviseHugePages does hugePageHeap's work and returns the start of the
// range it advised (0 if it did nothing).
func adviseHugePages(n int) uintptr {
	if strings.Contains(os.Getenv("GODEBUG"), "disablethp=1") {
		return 0
	}
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || !strings.Contains(string(mode), "[madvise]") {
		return 0
	}
	// The allocation starts on a page boundary (a large object has pages
	// of its own); the kernel uses huge pages for the 2 MiB-aligned parts.
	b := make([]byte, n)
	if err := syscall.Madvise(b, syscall.MADV_HUGEPAGE); err != nil {
		return 0
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	runtime.KeepAlive(b)
	runtime.GC() // b is dead: its pages go back to the heap
	return base
}
