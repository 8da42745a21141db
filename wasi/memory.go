package wasi

import (
	"reflect"
	"sync/atomic"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// Linear memory of plugin instances.
//
// Each instance gets its own limitedMemory (through memoryAllocator, which
// wazero calls when it instantiates a module). It refuses to grow past
// Limits.MemoryBytes: wazero then fails memory.grow (-1) instead of
// trapping, and the crash that usually follows is reported as
// ErrMemoryLimit.
//
// Where the platform allows (memory_mmap.go), the memory lives outside the
// Go heap: the whole cap is reserved as inaccessible address space when the
// instance is created and made readable and writable as the guest grows
// its memory, so the memory never moves, growing copies nothing, and the
// process's resident memory is the pages the guest touched. On Linux the
// initial contents (the data segments) are a file mapped over the start of
// the memory, copy on write (image_linux.go). An idle plugin gives back
// the pages that read the same afterwards: zeros, and image pages it only
// read (limitedMemory.dropZeroPages). Elsewhere (memory_heap.go) it is a
// Go slice grown geometrically.
//
// Release. wazero calls Free when it closes the instance. Compiled code of
// an instance can still be running at that moment in one case, a runtime
// closed under a stuck plugin (Host.Close after a Plugin.Close that gave
// up waiting), and it must not find its memory unmapped. So Free gives the
// pages back to the system at once (the resident memory drops) but leaves
// the address range mapped; the range is unmapped when the garbage
// collector finds wazero's memory instance unreachable, as a Go slice would
// be collected (attach). A memory never attached (the instantiation
// failed) is unmapped by Free, or when the limitedMemory itself is
// collected.

// memoryAllocator creates the limitedMemory of one instance.
type memoryAllocator struct {
	limit uint64
	image *dataImage // mapped over the start of the memory; nil: none
	mem   *limitedMemory
	// total, if set, counts the bytes of linear memory of every instance
	// of a plugin (Stats.MemoryBytes).
	total *atomic.Int64
}

// Allocate implements experimental.MemoryAllocator.
func (a *memoryAllocator) Allocate(capacity, maxBytes uint64) experimental.LinearMemory {
	m := newLimitedMemory(capacity, min(a.limit, maxBytes), a.image)
	a.mem = m
	if a.total == nil {
		return m
	}
	return &countedMemory{LinearMemory: m, total: a.total}
}

// countedMemory keeps a plugin's memory total up to date as one of its
// instances grows and frees its memory. wazero calls Reallocate and Free
// from the goroutine running the instance; the total is read by Stats.
type countedMemory struct {
	experimental.LinearMemory
	size  int64
	total *atomic.Int64
}

func (c *countedMemory) Reallocate(size uint64) []byte {
	b := c.LinearMemory.Reallocate(size)
	if b != nil {
		c.total.Add(int64(size) - c.size)
		c.size = int64(size)
	}
	return b
}

func (c *countedMemory) Free() {
	c.LinearMemory.Free()
	c.total.Add(-c.size)
	c.size = 0
}

// attach ties the release of the instance's memory to wazero's memory
// instance mem (see above). Called once the instance exists.
func (a *memoryAllocator) attach(mem api.Memory) {
	if a.mem == nil || mem == nil {
		return
	}
	v := reflect.ValueOf(mem)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return // not a pointer: Free unmaps at once
	}
	a.mem.attach((*byte)(v.UnsafePointer()))
}

// dropZeroPages gives the instance's resident pages of zeros back to the
// system (see limitedMemory.dropZeroPages); it returns the bytes given back.
func (a *memoryAllocator) dropZeroPages() uint64 {
	if a == nil || a.mem == nil {
		return 0
	}
	return a.mem.dropZeroPages()
}

// denied reports whether the instance tried to grow its memory past the
// cap.
func (a *memoryAllocator) denied() bool { return a.mem != nil && a.mem.denied.Load() }

// liveMappings counts the address ranges reserved for linear memories and
// not yet unmapped (0 where memory lives in the Go heap).
var liveMappings atomic.Int64
