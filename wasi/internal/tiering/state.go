package tiering

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// pageSize is the WebAssembly page size in bytes.
const pageSize = 65536

// Snapshot is the state of an instance between two guest calls: its whole
// linear memory and the values of its mutable globals. Immutable globals
// and tables filled by active element segments need no carrying: a new
// instance of the same binary recreates them identically.
type Snapshot struct {
	// Memory holds the linear memory; its length is a whole number of pages.
	Memory []byte
	// Globals holds the raw bits of each mutable global, in the order of
	// ModuleInfo.Globals (immutable globals are skipped).
	Globals []uint64
}

// handles resolves the reserved exports of the mutable globals.
func handles(m api.Module, info *ModuleInfo) ([]api.Global, error) {
	var gs []api.Global
	for _, g := range info.Globals {
		if !g.Mutable {
			continue
		}
		h := m.ExportedGlobal(g.Export)
		if h == nil {
			return nil, fmt.Errorf("global %d: export %q missing (module not built from ExportState output?)", g.Index, g.Export)
		}
		gs = append(gs, h)
	}
	return gs, nil
}

func check(m api.Module, info *ModuleInfo) error {
	if m == nil {
		return errors.New("nil module")
	}
	if m.IsClosed() {
		return errors.New("module is closed")
	}
	if ok, why := info.Migratable(); !ok {
		return fmt.Errorf("not migratable: %s", why)
	}
	return nil
}

// Capture copies the state of m, an instance of the binary ExportState
// returned with info. It must run while no guest call is in progress on m.
func Capture(ctx context.Context, m api.Module, info *ModuleInfo) (*Snapshot, error) {
	if err := check(m, info); err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	gs, err := handles(m, info)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	s := &Snapshot{Globals: make([]uint64, len(gs))}
	for i, g := range gs {
		s.Globals[i] = g.Get()
	}
	if info.Memory != nil {
		mem := m.Memory()
		size := mem.Size()
		view, ok := mem.Read(0, size)
		if !ok {
			return nil, fmt.Errorf("capture: read %d bytes of memory", size)
		}
		s.Memory = make([]byte, size)
		copy(s.Memory, view)
	}
	return s, nil
}

// Restore writes s into m, a fresh instance of the same rewritten binary
// (instantiated without running its start functions): it grows the memory
// to the captured size, copies its bytes and sets the mutable globals. It
// must run while no guest call is in progress on m.
func Restore(ctx context.Context, m api.Module, info *ModuleInfo, s *Snapshot) error {
	if err := check(m, info); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if s == nil {
		return errors.New("restore: nil snapshot")
	}
	gs, err := handles(m, info)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if len(gs) != len(s.Globals) {
		return fmt.Errorf("restore: snapshot has %d globals, module %d", len(s.Globals), len(gs))
	}
	if info.Memory == nil {
		if len(s.Memory) != 0 {
			return errors.New("restore: snapshot has memory, module none")
		}
	} else if err := writeMemory(m.Memory(), s.Memory); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for i, g := range gs {
		mg, ok := g.(api.MutableGlobal)
		if !ok {
			return fmt.Errorf("restore: mutable global %d of the snapshot is not mutable in the module", i)
		}
		mg.Set(s.Globals[i])
	}
	return nil
}

// Transfer moves the state of from into to without an intermediate
// Snapshot (one memory copy instead of two). Both must be instances of the
// rewritten binary described by info, with no guest call in progress; to
// must be fresh (instantiated without running start functions).
func Transfer(ctx context.Context, from, to api.Module, info *ModuleInfo) error {
	return TransferWith(ctx, from, to, info, nil)
}

// Untouched reports which blocks of a memory were never written since it
// was mapped (they read as zeros and are not resident): one entry per
// block of blockSize bytes, b starting on a block boundary. ok is false if
// it cannot tell. It must only be given for memories whose untouched pages
// read as zeros (private anonymous mappings).
type Untouched func(b []byte) (untouched []bool, blockSize int, ok bool)

// TransferWith is Transfer that copies only the memory blocks that differ
// between the two instances, using untouched (if not nil) to skip the
// blocks neither instance ever touched without reading them: on a system
// without a shared zero page a read makes a page resident as a write does.
func TransferWith(ctx context.Context, from, to api.Module, info *ModuleInfo, untouched Untouched) error {
	if err := check(from, info); err != nil {
		return fmt.Errorf("transfer: source: %w", err)
	}
	if err := check(to, info); err != nil {
		return fmt.Errorf("transfer: target: %w", err)
	}
	src, err := handles(from, info)
	if err != nil {
		return fmt.Errorf("transfer: source: %w", err)
	}
	dst, err := handles(to, info)
	if err != nil {
		return fmt.Errorf("transfer: target: %w", err)
	}
	if info.Memory != nil {
		mem := from.Memory()
		view, ok := mem.Read(0, mem.Size())
		if !ok {
			return errors.New("transfer: read source memory")
		}
		if err := writeMemoryWith(to.Memory(), view, untouched); err != nil {
			return fmt.Errorf("transfer: %w", err)
		}
	}
	for i := range src {
		mg, ok := dst[i].(api.MutableGlobal)
		if !ok {
			return fmt.Errorf("transfer: target global %d is not mutable", i)
		}
		mg.Set(src[i].Get())
	}
	return nil
}

// writeMemory grows mem to len(b) bytes and copies b into it.
func writeMemory(mem api.Memory, b []byte) error { return writeMemoryWith(mem, b, nil) }

// writeMemoryWith is writeMemory that skips the blocks untouched in both b
// and mem (see Untouched).
func writeMemoryWith(mem api.Memory, b []byte, untouched Untouched) error {
	if len(b)%pageSize != 0 {
		return fmt.Errorf("memory image of %d bytes is not a whole number of pages", len(b))
	}
	want := uint64(len(b)) / pageSize
	have := uint64(mem.Size()) / pageSize
	if have > want {
		return fmt.Errorf("target memory has %d pages, more than the %d captured", have, want)
	}
	if want > have {
		if _, ok := mem.Grow(uint32(want - have)); !ok {
			return fmt.Errorf("grow target memory from %d to %d pages refused", have, want)
		}
	}
	view, ok := mem.Read(0, uint32(len(b)))
	if !ok {
		return fmt.Errorf("target memory view of %d bytes", len(b))
	}
	if untouched != nil {
		if src, bs, ok := untouched(b); ok {
			if dst, bs2, ok := untouched(view); ok && bs2 == bs && len(dst) == len(src) {
				copySparse(view, b, src, dst, bs)
				return nil
			}
		}
	}
	copyChanged(view, b)
	return nil
}

// copySparse makes dst equal to src given which blocks of each were never
// touched (and so hold zeros): it reads neither side's untouched blocks
// unless the other side's block must be written.
func copySparse(dst, src []byte, srcUntouched, dstUntouched []bool, blockSize int) {
	for i := range srcUntouched {
		off := i * blockSize
		end := min(off+blockSize, len(src))
		switch {
		case srcUntouched[i] && dstUntouched[i]:
		case srcUntouched[i]:
			if d := dst[off:end]; !allZero(d) {
				clear(d)
			}
		case dstUntouched[i]:
			if s := src[off:end]; !allZero(s) {
				copy(dst[off:end], s)
			}
		default:
			if !bytes.Equal(dst[off:end], src[off:end]) {
				copy(dst[off:end], src[off:end])
			}
		}
	}
}

var zeros [4096]byte

func allZero(b []byte) bool {
	for len(b) > 0 {
		n := min(len(b), len(zeros))
		if !bytes.Equal(b[:n], zeros[:n]) {
			return false
		}
		b = b[n:]
	}
	return true
}

// copyBlock is the unit copyChanged compares: the usual size of a page of
// the host.
const copyBlock = 4096

// copyChanged makes dst equal to src (same length), writing only the
// blocks that differ. The target of a move is a fresh instance: where the
// guest never touched its memory both sides read as zeros, and where it
// only holds its data segments both sides hold the same bytes. Writing
// those blocks anyway would make every page of the new instance's memory
// resident, the untouched ones included, when the memory is a mapping of
// its own (a Go guest touches about two thirds of what it grows).
func copyChanged(dst, src []byte) {
	for off := 0; off < len(src); off += copyBlock {
		end := min(off+copyBlock, len(src))
		if !bytes.Equal(dst[off:end], src[off:end]) {
			copy(dst[off:end], src[off:end])
		}
	}
}

// Interruptible reports whether the module was rewritten with
// Options.Interrupt.
func (info *ModuleInfo) Interruptible() bool { return info != nil && info.hasInterrupt }

// Interrupter returns a function that raises m's interrupt flag: the guest
// call running on m (or the next one) traps with `unreachable` at one of
// its next global checks (see Options.Interrupt). It also sets the check
// budget to one, so the next global check traps: if raised between calls,
// at the first back edge of the next call; during a call, at the next back
// edge of a newly called function with a loop or within 256 back edges of
// each running activation. Should the guest's own decrement overwrite the
// shortened budget, the budget runs out as usual, at most 65536 back edges
// later. The function is safe to call from any
// goroutine (a deadline timer) while m runs on the compiler engine; the
// instance must be treated as crashed afterwards.
//
// On the interpreter the flag is read by Go code, so raising it during a
// call is a data race as far as the race detector knows; use
// RuntimeConfig.WithCloseOnContextDone there (its cost is small on the
// interpreter).
func Interrupter(m api.Module, info *ModuleInfo) (func(), error) {
	if !info.Interruptible() {
		return nil, errors.New("interrupter: module was not rewritten with Options.Interrupt")
	}
	if m == nil {
		return nil, errors.New("interrupter: nil module")
	}
	var gs [2]api.MutableGlobal
	for i := range gs {
		g := info.Globals[info.interrupt+i]
		mg, ok := m.ExportedGlobal(g.Export).(api.MutableGlobal)
		if !ok {
			return nil, fmt.Errorf("interrupter: export %q missing or not mutable", g.Export)
		}
		gs[i] = mg
	}
	flag, budget := gs[0], gs[1]
	return func() {
		flag.Set(1)
		// Shorten the wait for the slow path. The guest may overwrite this
		// with its own decrement; then the budget runs out as usual.
		budget.Set(1)
	}, nil
}
