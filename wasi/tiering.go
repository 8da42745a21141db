package wasi

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"

	"github.com/tetratelabs/wazero/experimental"

	"github.com/tessera-ws/tessera/wasi/internal/tiering"
)

// Tiering (HostConfig.Tiering): a module the compiler has not compiled yet
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

	// Guarded by Host.mu.
	fast    *compiled // set when the compiler is done
	plugins []*Plugin // to tell when fast is set
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
		cm, err := h.compile(ctx, wasm)
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
	return h.interp, te.interp, te, nil
}

// tierFor returns the module's tier entry, creating it (interpreter compile
// now, compiler in the background) on first use; nil when the module cannot
// be tiered.
func (h *Host) tierFor(ctx context.Context, wasm []byte, sum [32]byte) *tierEntry {
	h.mu.Lock()
	te, ok := h.tiers[sum]
	if !ok {
		te = &tierEntry{ready: make(chan struct{})}
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
	// With interrupt deadlines, the compiled target needs the interrupt
	// flag, so both engines run the binary rewritten with it.
	rewritten, info, err := tiering.Rewrite(wasm, tiering.Options{Interrupt: h.cfg.deadline == deadlineInterrupt})
	if err == nil {
		if ok, why := info.Migratable(); !ok {
			err = fmt.Errorf("state cannot be moved: %s", why)
		}
	}
	if err != nil {
		te.err = err
		h.log.Info("plugin module not tiered", "reason", err)
		return nil
	}
	te.info = info
	mod, err := h.interp.r.CompileModule(context.WithoutCancel(ctx), rewritten)
	if err == nil {
		c := &compiled{ready: make(chan struct{}), digest: sum, mod: mod, eng: h.interp}
		close(c.ready)
		c.info, err = inspect(mod)
		te.interp = c
	}
	if err != nil {
		te.err = err
		return nil
	}
	go h.compileFast(te, rewritten, sum)
	return te
}

// compileFast compiles the rewritten module on the compiler and tells the
// plugins running it on the interpreter to move.
func (h *Host) compileFast(te *tierEntry, rewritten []byte, sum [32]byte) {
	if h.fastGate != nil {
		<-h.fastGate
	}
	workers := h.cfg.CompilationWorkers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx := experimental.WithCompilationWorkers(context.Background(), workers)
	target := h.eng
	if h.cfg.deadline == deadlineInterrupt && !te.info.Interruptible() {
		target = h.safe
	}
	mod, err := target.r.CompileModule(ctx, rewritten)
	var c *compiled
	if err == nil {
		c = &compiled{ready: make(chan struct{}), digest: sum, mod: mod, eng: target}
		if te.info.Interruptible() && target == h.eng {
			c.tinfo = te.info
		}
		close(c.ready)
		c.info, err = inspect(mod)
	}
	if err != nil {
		h.log.Warn("background compile failed; plugins stay on the interpreter", "err", err)
		return
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	te.fast = c
	if _, ok := h.modules[sum]; !ok {
		h.modules[sum] = c
	}
	h.markCompiled(sum)
	plugins := te.plugins
	te.plugins = nil
	h.mu.Unlock()
	for _, p := range plugins {
		p.requestMove()
	}
}

// attachTier registers a plugin started on the interpreter.
func (h *Host) attachTier(p *Plugin, te *tierEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p.tier = te
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

// Engine names the engine the plugin's main instance runs on:
// "interpreter" right after a tiered start, "compiler" otherwise.
func (p *Plugin) Engine() string {
	if p.onCompiler.Load() {
		return p.h.eng.name
	}
	return p.eng.name
}

// maybeMove runs on the actor goroutine between jobs.
func (p *Plugin) maybeMove() {
	if !p.swapWant.Load() || p.main == nil || p.main.engine == p.h.eng.name {
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
	if fast == nil || in.engine == p.h.eng.name || in.moveFailed || p.Crashed() != nil || p.closed.Load() {
		return
	}
	for _, m := range p.mounts {
		if m.OpenFiles() > 0 {
			return // retried after the next call
		}
	}
	mod, mem, err := p.instantiate(in, fast.eng, fast, p.fsc)
	if err == nil {
		if err = tiering.Transfer(p.live, in.mod, mod, te.info); err != nil {
			mod.Close(context.Background())
		}
	}
	if err != nil {
		in.moveFailed = true
		p.log.Warn("plugin stays on the interpreter", "worker", in.worker, "err", err)
		return
	}
	old := in.mod
	in.mod, in.mem, in.engine = mod, mem, fast.eng.name
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
}
