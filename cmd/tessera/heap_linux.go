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
// interpreter's code of a 3.6 MB Go plugin alone is about 60 MB, and
// faulting in fresh heap one 4 KiB page at a time cost a fresh process
// 250-330 ms of system time (40,000 page faults), more than the compile
// itself. With 2 MiB pages that is a few hundred faults.
//
// The runtime maps heap address space as it grows and has no switch for
// huge pages, so the address space is made to exist first: one untouched
// allocation of n bytes (no page of it is faulted in) makes the runtime map
// it; the advice is given on that range; the allocation is dropped and a
// collection (of a heap of a few MB, about a millisecond) gives the pages
// back to the runtime, which hands out the lowest free pages first, so the
// compile's allocations land there. Nothing is done when the kernel never
// gives huge pages or always does; errors are ignored (the heap then
// simply uses small pages). Only the first call in a process does
// anything.
func hugePageHeap(n int) {
	hugePageOnce.Do(func() { adviseHugePages(n) })
}

func adviseHugePages(n int) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || !strings.Contains(string(mode), "[madvise]") {
		return
	}
	const huge = 2 << 20
	b := make([]byte, n)
	beg := (uintptr(unsafe.Pointer(unsafe.SliceData(b))) + huge - 1) &^ (huge - 1)
	end := (uintptr(unsafe.Pointer(unsafe.SliceData(b))) + uintptr(n)) &^ (huge - 1)
	if beg < end {
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, beg, end-beg, 14 /* MADV_HUGEPAGE */)
	}
	runtime.KeepAlive(b)
	b = nil
	runtime.GC()
}
