package wasi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/tessera-ws/tessera/wasi/internal/tiering"
)

// Tiering (EngineAuto): a module the compiler has not compiled yet
// in this process is rewritten so that its whole state is reachable
// (tiering.ExportState), compiled on the interpreter (a fraction of the
// compile time) and loaded there at once, while the compiler compiles the
// same rewritten binary in the background. When that is done every plugin
// of the module moves, between two guest calls, to a new compiled instance
// that receives its memory and globals (tiering.Transfer). Each instance is
// moved by the goroutine that owns it; a move waits while the guest holds
// files open (the WASI descriptor table is not carried). Modules whose state
// cannot be carried are compiled before loading, as without tiering.

// tierEntry is one module being tiered.
type tierEntry struct {
	ready  chan struct{} // interp is set (or err)
	interp *compiled
	info   *tiering.ModuleInfo
	err    error

	// release is closed when a plugin of the module has rendered its first
	// frame: the background compile waits for it (at most firstFrameGrace)
	// so that it does not take the CPU from the first frame.
	release     chan struct{}
	releaseOnce sync.Once
	// grace is how long the background compile waits for release: at
	// least firstFrameGrace, more on a machine where the interpreter's
	// compile took long (see tierFor). Set before the compile starts.
	grace time.Duration

	// Guarded by Host.mu.
	fast    *compiled // set when the compiler is done
	plugins []*Plugin // to tell when fast is set
	// users counts the plugins loaded on interp that still have an
	// instance there (or are loading); once it drops to zero after fast is
	// set, interp's compiled code is closed (interpClosed) and the memory
	// the tiering used is given back (see settle).
	users        int
	interpClosed bool
}

// compileForLoad picks the engine and compiled module a new plugin starts on.
func (h *Host) compileForLoad(ctx context.Context, wasm []byte) (*engine, *compiled, *tierEntry, error) {
	if h.interp == nil {
		cm, err := h.compile(ctx, wasm)
		if err != nil {
			return nil, nil, nil, err
		}
		return cm.eng, cm, nil, nil
	}
	sum := sha256.Sum256(wasm)
	if h.compiledBefore(sum) {
		// Warm start: the compiler reads the disk cache in a fraction of
		// an interpreter compile, and the plugin starts on compiled code.
		cm, err := h.compileSum(ctx, wasm, sum)
		if err != nil {
			return nil, nil, nil, err
		}
		return cm.eng, cm, nil, nil
	}
	h.mu.Lock()
	c, ok := h.modules[sum]
	h.mu.Unlock()
	if ok {
		select {
		case <-c.ready:
			if c.err == nil {
				return c.eng, c, nil, nil
			}
		default: // being compiled: start on the interpreter meanwhile
		}
	}
	te := h.tierFor(ctx, wasm, sum)
	if te == nil {
		cm, err := h.compile(ctx, wasm)
		if err != nil {
			return nil, nil, nil, err
		}
		return cm.eng, cm, nil, nil
	}
	h.mu.Lock()
	fast := te.fast
	h.mu.Unlock()
	if fast != nil {
		return fast.eng, fast, te, nil
	}
	return h.interp, te.interp, te, nil
}

// tierFor returns the module's tier entry, creating it (interpreter compile
// now, compiler in the background) on first use; nil when the module cannot
// be tiered.
func (h *Host) tierFor(ctx context.Context, wasm []byte, sum [32]byte) *tierEntry {
	h.mu.Lock()
	te, ok := h.tiers[sum]
	if !ok {
		te = &tierEntry{ready: make(chan struct{}), release: make(chan struct{})}
		h.tiers[sum] = te
	}
	h.mu.Unlock()
	if ok {
		select {
		case <-te.ready:
		case <-ctx.Done():
			return nil
		}
		if te.err != nil {
			return nil
		}
		return te
	}
	defer close(te.ready)
	// The interpreter runs the binary with exported state only: the
	// interpreter checks deadlines through the context, and the interrupt
	// checks would make its compile half as slow again. The compiler gets
	// the binary rewritten with the interrupt flag (see compileFast), which
	// has the same globals plus the flag's two, appended: a move carries
	// the globals info lists and leaves the flag at its initial value.
	rewritten, info, err := h.rewriteCached(wasm, sum, tiering.Options{}, te.release)
	if err == nil {
		if ok, why := info.Migratable(); !ok {
			err = fmt.Errorf("state cannot be moved: %s", why)
		}
	}
	if err != nil {
		te.err = err
		te.releaseOnce.Do(func() { close(te.release) }) // no first frame to wait for
		h.log.Info("plugin module not tiered", "reason", err)
		return nil
	}
	te.info = info
	t0 := time.Now()
	mod, image, err := h.interp.compile(context.WithoutCancel(ctx), rewritten)
	// The load and first render that follow take, on the interpreter, up
	// to about as long as its compile (a Go plugin's runtime start and
	// first events): a busy machine slows both alike, so the wait for the
	// first frame scales with the compile instead of a fixed 250 ms that
	// a loaded machine overran, starting the compiler's workers under
	// the first frame.
	te.grace = min(max(firstFrameGrace, 2*time.Since(t0)), maxFirstFrameGrace)
	if err == nil {
		c := &compiled{ready: make(chan struct{}), digest: sum, mod: mod, eng: h.interp, image: image}
		close(c.ready)
		c.info, err = inspect(mod)
		te.interp = c
	} else if orig, verr := h.interp.r.CompileModule(context.WithoutCancel(ctx), wasm); verr == nil {
		orig.Close(context.WithoutCancel(ctx))
		// The original compiles where its rewrite does not: a fault of
		// the rewriter. The plugin is compiled before it loads.
		h.log.Warn("module rewritten for tiering does not compile: loading it without tiering; please report this module",
			"module", fmt.Sprintf("%x", sum), "err", err)
	}
	if err != nil {
		te.err = err
		te.releaseOnce.Do(func() { close(te.release) }) // no first frame to wait for
		return nil
	}
	h.bgStart()
	go h.compileFast(te, wasm, rewritten, sum)
	return te
}

// compileFast compiles the module on the compiler and tells the plugins
// running it on the interpreter to move. With interrupt deadlines it
// compiles the binary rewritten with the interrupt flag (what compile would
// compile, so a later process finds it in the disk cache); otherwise, or if
// that rewrite fails, the interpreter's binary on a context-deadline
// compiler.
func (h *Host) compileFast(te *tierEntry, wasm, rewritten []byte, sum [32]byte) {
	defer h.bgDone()
	defer func() {
		// A compiler fault on one module must not take the host down: the
		// plugins of that module stay on the interpreter.
		if r := recover(); r != nil {
			h.log.Error("background compile panicked; plugins stay on the interpreter",
				"panic", r, "stack", string(debug.Stack()))
		}
	}()
	if gate, ok := h.bgCtx.Value(fastGateKey{}).(chan struct{}); ok {
		select {
		case <-gate:
		case <-h.bgCtx.Done():
		}
	}
	t := time.NewTimer(te.grace)
	select {
	case <-te.release:
		h.log.Debug("background compile starts after the first frame", "module", fmt.Sprintf("%x", sum[:8]))
	case <-t.C:
		h.log.Debug("background compile starts before the first frame", "module", fmt.Sprintf("%x", sum[:8]), "waited", te.grace)
	case <-h.bgCtx.Done():
	}
	t.Stop()
	if h.bgCtx.Err() != nil {
		return // the host is closing
	}
	// At least two workers even on one core: wazero checks for
	// cancellation only between functions of a multi-worker compile, and
	// Close must be able to stop this one.
	workers := max(h.cfg.CompilationWorkers, runtime.GOMAXPROCS(0), 2)
	if h.cfg.CompilationWorkers > 0 {
		workers = max(h.cfg.CompilationWorkers, 2)
	}
	ctx := experimental.WithCompilationWorkers(h.bgCtx, workers)
	mod, target, tinfo, image, err := h.compileDeadlined(ctx, wasm, sum, rewritten)
	var c *compiled
	if err == nil {
		c = &compiled{ready: make(chan struct{}), digest: sum, mod: mod, eng: target, tinfo: tinfo, image: image}
		close(c.ready)
		c.info, err = inspect(mod)
	}
	if err != nil {
		if h.bgCtx.Err() == nil {
			h.log.Warn("background compile failed; plugins stay on the interpreter", "err", err)
		}
		return
	}
	h.mu.Lock()
	if h.closed || h.tiers[sum] != te {
		// Closing, or the module's last plugin closed meanwhile: the
		// disk cache holds the code for the next process all the same.
		h.mu.Unlock()
		h.markCompiled(sum)
		mod.Close(context.Background())
		return
	}
	te.fast = c
	if _, ok := h.modules[sum]; !ok {
		h.modules[sum] = c
	}
	h.markCompiled(sum)
	plugins := te.plugins
	te.plugins = nil
	idle := h.interpIdleLocked(te)
	h.mu.Unlock()
	if idle != nil {
		h.closeInterp(idle)
	}
	for _, p := range plugins {
		p.requestMove()
	}
}

// compileDeadlined compiles a module for the compiler engine, plain being
// the binary to run when deadlines cannot use the interrupt flag (the
// original module, or the interpreter's binary for a tiered plugin, whose
// state layout a move needs). With interrupt deadlines it compiles wasm
// rewritten with the flag on h.eng; if the rewrite fails, or its output
// does not compile (a fault of the rewriter: it is logged as a warning with
// the module's digest), it compiles plain on h.safe, where wazero's context
// watch stops calls at their deadline. Without interrupt deadlines it
// compiles plain on h.eng. sum is wasm's SHA-256.
func (h *Host) compileDeadlined(ctx context.Context, wasm []byte, sum [32]byte, plain []byte) (wazero.CompiledModule, *engine, *tiering.ModuleInfo, *dataImage, error) {
	if h.deadline != deadlineInterrupt {
		if !h.cfg.NoRewrite {
			// Not rewritten for deadlines (the interpreter), but the data
			// segments are merged all the same: see tiering.CompactData.
			plain = tiering.CompactData(plain)
		}
		mod, image, err := h.eng.compile(ctx, plain)
		return mod, h.eng, nil, image, err
	}
	rw, info, err := h.rewriteCached(wasm, sum, tiering.Options{Interrupt: true}, nil)
	if err == nil && !info.Interruptible() {
		err = errors.New("no interrupt checks added")
	}
	if err != nil {
		h.log.Info("module not rewritten for interrupts; deadlines use wazero's context watch",
			"module", fmt.Sprintf("%x", sum), "err", err)
	} else {
		if breakRewrite != nil {
			rw = breakRewrite(rw)
		}
		mod, image, cerr := h.eng.compile(ctx, rw)
		if cerr == nil {
			return mod, h.eng, info, image, nil
		}
		if ctx.Err() != nil {
			return nil, nil, nil, nil, cerr
		}
		h.log.Warn("module rewritten with interrupt checks does not compile: loading the original with wazero's context deadlines (loops run several times slower); please report this module",
			"module", fmt.Sprintf("%x", sum), "err", cerr)
	}
	mod, image, err := h.safe.compile(ctx, plain)
	return mod, h.safe, nil, image, err
}

// breakRewrite, set by tests only, replaces a binary rewritten with
// interrupt checks just before it is compiled, to exercise the fallback.
var breakRewrite func([]byte) []byte

// attachTier registers a plugin started on the interpreter.
func (h *Host) attachTier(p *Plugin, te *tierEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p.tier = te
	p.onTier = p.cm == te.interp // counted by acquire
	if te.fast != nil {
		p.swapWant.Store(true)
		return
	}
	te.plugins = append(te.plugins, p)
}

func (p *Plugin) requestMove() {
	p.swapWant.Store(true)
	p.wake()
}

// Engine is what the plugin's main instance runs on now: EngineInterpreter
// after a start on the interpreter (EngineAuto, until the move) or with
// EngineInterpreter, EngineCompiler otherwise.
func (p *Plugin) Engine() Engine {
	if p.onCompiler.Load() {
		return p.h.eng.kind
	}
	return p.eng.kind
}

// firstFrameGrace is the least time a background compile waits for the
// first frame of a plugin started on the interpreter (tierEntry.grace). On
// a machine with few cores the compile's workers would otherwise slow the
// instantiation, _initialize, load and first render of a Go guest on the
// interpreter by a third.
const firstFrameGrace = 250 * time.Millisecond

// maxFirstFrameGrace bounds tierEntry.grace: a plugin that does not render
// (a headless one, or one whose host never sizes it) is not kept longer
// from compiled code.
const maxFirstFrameGrace = time.Second

// cacheWriteGrace bounds how long a new rewrite cache entry waits for the
// first frame before it is written.
const cacheWriteGrace = time.Second

// maybeMove runs on the actor goroutine between jobs.
func (p *Plugin) maybeMove() {
	if te := p.tier; te != nil && (p.sized || p.rows > 0 || p.cols > 0) {
		// The plugin has rendered: let the background compile start.
		te.releaseOnce.Do(func() { close(te.release) })
	}
	if !p.swapWant.Load() || p.main == nil || p.main.engine == p.h.eng.kind {
		return
	}
	p.moveInstance(p.main, nil)
	if !p.workersAsked {
		p.workersAsked = true
		for _, w := range p.workers {
			select {
			case w.swap <- struct{}{}:
			default:
			}
		}
	}
}

// moveInstance moves one instance to the compiled module, on the goroutine
// that owns it, between two guest calls. w is nil for the main instance.
func (p *Plugin) moveInstance(in *instance, w *worker) {
	p.h.mu.Lock()
	te := p.tier
	var fast *compiled
	if te != nil {
		fast = te.fast
	}
	p.h.mu.Unlock()
	if fast == nil || in.engine == p.h.eng.kind || in.moveFailed || p.Crashed() != nil || p.closed.Load() {
		return
	}
	for _, m := range p.mounts {
		if m.OpenFiles() > 0 {
			return // retried after the next call
		}
	}
	mod, mem, err := p.instantiate(in, fast.eng, fast, p.fsc)
	if err == nil {
		if err = tiering.TransferWith(p.live, in.mod, mod, te.info, untouchedPages); err != nil {
			mod.Close(context.Background())
		}
	}
	if err != nil {
		in.moveFailed = true
		p.log.Warn("plugin stays on the interpreter", "worker", in.worker, "err", err)
		return
	}
	old := in.mod
	in.mod, in.mem, in.engine = mod, mem, fast.eng.kind
	in.setInterrupt(fast)
	if w != nil {
		w.fn = mod.ExportedFunction(w.name + "_worker")
	} else {
		in.fnUpdate = mod.ExportedFunction("update")
		in.fnRender = mod.ExportedFunction("render")
		if in.fnPipe != nil {
			in.fnPipe = mod.ExportedFunction("pipe")
		}
		p.onCompiler.Store(true)
	}
	old.Close(context.Background())
	p.moves.Add(1)
	p.log.Info("plugin moved to compiled code", "worker", in.worker)
	if p.onInterp.Add(-1) == 0 {
		p.leaveTier()
	}
}

// leaveTier ends the plugin's use of its tier entry's interpreter module:
// every instance moved, or the plugin is released.
func (p *Plugin) leaveTier() {
	h := p.h
	h.mu.Lock()
	if !p.onTier {
		h.mu.Unlock()
		return
	}
	p.onTier = false
	p.tier.users--
	idle := h.interpIdleLocked(p.tier)
	h.mu.Unlock()
	if idle != nil {
		h.closeInterp(idle)
	}
}

// leaveTier gives back the use of te's interpreter module that acquire
// counted for a load that failed before its plugin existed.
func (h *Host) leaveTier(te *tierEntry, cm *compiled) {
	if te == nil || cm != te.interp {
		return
	}
	h.mu.Lock()
	te.users--
	idle := h.interpIdleLocked(te)
	h.mu.Unlock()
	if idle != nil {
		h.closeInterp(idle)
	}
}

// interpIdleLocked returns te's interpreter module if nothing runs on it
// any more and the compiled code is there for later loads, marking it
// closed; nil otherwise. h.mu is held.
func (h *Host) interpIdleLocked(te *tierEntry) wazero.CompiledModule {
	if te.users > 0 || te.fast == nil || te.interpClosed || te.interp == nil || h.tiers[te.interp.digest] != te {
		return nil
	}
	te.interpClosed = true
	return te.interp.mod
}

// closeInterp closes a tier's interpreter module once every plugin of it
// runs compiled code, and gives the memory of the tiering back to the
// system: the interpreter's code and instances and the background
// compile's working memory are garbage now, and a daemon that goes idle
// after starting its plugins would otherwise keep them resident (the heap
// is only collected when it grows again, or every two minutes, and freed
// pages are returned slowly).
func (h *Host) closeInterp(mod wazero.CompiledModule) {
	mod.Close(context.Background())
	h.settled.Add(1)
	go debug.FreeOSMemory()
}

// WaitCompiled waits until the background work of the host has finished:
// compiles started by tiered loads and writes to the disk cache (after it,
// the next process starts on compiled code), or until ctx ends, whichever
// comes first. It returns ctx's error if work was still running.
func (h *Host) WaitCompiled(ctx context.Context) error {
	h.mu.Lock()
	n, idle := h.pending, h.idle
	h.mu.Unlock()
	if n == 0 {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for background compile: %w", ctx.Err())
	}
}

func (h *Host) bgStart() {
	h.mu.Lock()
	if h.pending == 0 {
		h.idle = make(chan struct{})
	}
	h.pending++
	h.mu.Unlock()
}

func (h *Host) bgDone() {
	h.mu.Lock()
	h.pending--
	if h.pending == 0 {
		close(h.idle)
	}
	h.mu.Unlock()
}

// Rewrite cache. A rewritten binary and its ModuleInfo are stored in one
// file per module digest and rewrite options under CacheDir/compiled/
// rewritten, so that a later process skips tiering.Rewrite (it decodes the
// whole code section). Layout:
//
//	magic[8] "tsrw\x00\x00\x00" version | source digest[32] | options byte |
//	info length u32 LE | info | binary length u64 LE | binary |
//	SHA-256 of everything before [32]
//
// A file that is short, long, of another version, for another digest or
// whose checksum does not match is ignored and rewritten.

// Version 4: data segments merged past segments out of address order
// (version 3 stopped merging at the first, leaving a Go module's data
// almost unmerged).
var rewriteMagic = [8]byte{'t', 's', 'r', 'w', 0, 0, 0, 4}

func rewriteOptByte(opt tiering.Options) byte {
	if opt.Interrupt {
		return 1
	}
	return 0
}

// rewritePath names the entry of a digest and options; the format version
// is part of the name, so that processes of different versions sharing a
// cache do not replace each other's entries.
func (h *Host) rewritePath(sum [32]byte, opt tiering.Options) string {
	return filepath.Join(h.rewrites, fmt.Sprintf("%x-%d-v%d", sum, rewriteOptByte(opt), rewriteMagic[7]))
}

// rewriteCached is tiering.Rewrite(wasm, opt) through the disk cache; sum
// is wasm's SHA-256. A new entry is written in the background; with after
// non-nil, once after is closed (a tiered plugin's first frame) or
// cacheWriteGrace has passed, so that encoding, hashing and syncing it do
// not take the CPU from the first frame.
func (h *Host) rewriteCached(wasm []byte, sum [32]byte, opt tiering.Options, after <-chan struct{}) ([]byte, *tiering.ModuleInfo, error) {
	if h.rewrites == "" {
		return tiering.Rewrite(wasm, opt)
	}
	path := h.rewritePath(sum, opt)
	if data, err := os.ReadFile(path); err == nil {
		out, info, err := decodeRewrite(data, sum, opt)
		if err == nil {
			return out, info, nil
		}
		h.log.Warn("rewrite cache entry ignored", "path", path, "err", err)
	}
	out, info, err := tiering.Rewrite(wasm, opt)
	if err != nil {
		return nil, nil, err
	}
	// Written in the background: the fsync would delay a cold start.
	// WaitCompiled waits for it too.
	h.bgStart()
	go func() {
		defer h.bgDone()
		if after != nil {
			t := time.NewTimer(cacheWriteGrace)
			select {
			case <-after:
			case <-t.C:
			case <-h.bgCtx.Done():
				// Closing: still written (WaitCompiled waits for it), so
				// that a short run leaves the next one this step.
			}
			t.Stop()
		}
		if data, merr := encodeRewrite(out, info, sum, opt); merr == nil {
			if werr := writeFileAtomic(path, data); werr != nil {
				h.log.Warn("rewrite cache not written", "path", path, "err", werr)
			}
		}
	}()
	return out, info, nil
}

func encodeRewrite(bin []byte, info *tiering.ModuleInfo, sum [32]byte, opt tiering.Options) ([]byte, error) {
	ib, err := info.MarshalBinary()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(rewriteMagic)+32+1+4+len(ib)+8+len(bin)+32)
	b = append(b, rewriteMagic[:]...)
	b = append(b, sum[:]...)
	b = append(b, rewriteOptByte(opt))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ib)))
	b = append(b, ib...)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(bin)))
	b = append(b, bin...)
	check := sha256.Sum256(b)
	return append(b, check[:]...), nil
}

func decodeRewrite(data []byte, sum [32]byte, opt tiering.Options) ([]byte, *tiering.ModuleInfo, error) {
	const head = len(rewriteMagic) + 32 + 1 + 4
	if len(data) < head+8+32 {
		return nil, nil, errors.New("truncated")
	}
	body, check := data[:len(data)-32], data[len(data)-32:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], check) {
		return nil, nil, errors.New("checksum mismatch")
	}
	if !bytes.Equal(body[:8], rewriteMagic[:]) {
		return nil, nil, errors.New("not a rewrite cache file of this version")
	}
	if !bytes.Equal(body[8:40], sum[:]) || body[40] != rewriteOptByte(opt) {
		return nil, nil, errors.New("entry of another module or options")
	}
	rest := body[head:]
	il := uint64(binary.LittleEndian.Uint32(body[head-4 : head]))
	if il+8 > uint64(len(rest)) {
		return nil, nil, errors.New("truncated module info")
	}
	info := &tiering.ModuleInfo{}
	if err := info.UnmarshalBinary(rest[:il]); err != nil {
		return nil, nil, err
	}
	rest = rest[il:]
	bl := binary.LittleEndian.Uint64(rest[:8])
	if bl != uint64(len(rest)-8) {
		return nil, nil, errors.New("binary length mismatch")
	}
	return rest[8:], info, nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, synced before the rename, so readers see the old file, the new
// one or none, never a partial one.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// Prepare does the compile step of Load ahead of it, for timing or to warm
// the caches the way Load would use them: the module compiled for the
// engine a Load would start it on now (with EngineAuto, the interpreter for
// a module never compiled before, the background compile then started as by
// Load). It returns that engine, EngineInterpreter or EngineCompiler.
func (h *Host) Prepare(ctx context.Context, wasm []byte) (Engine, error) {
	if err := checkWasm(wasm); err != nil {
		return 0, fmt.Errorf("prepare: %w", err)
	}
	eng, _, _, err := h.compileForLoad(ctx, wasm)
	if err != nil {
		return 0, fmt.Errorf("prepare: %w", err)
	}
	return eng.kind, nil
}
