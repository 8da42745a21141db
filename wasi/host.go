package wasi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/tessera-ws/tessera/wasi/internal/tiering"
)

// Host runs plugins: it owns the WebAssembly runtime, compiles each module
// once per digest (in memory and in a persistent cache) and loads plugins.
// Methods are safe for concurrent use.
type Host struct {
	cfg   HostConfig
	log   *slog.Logger
	cache wazero.CompilationCache
	// eng is the compiler engine; with interrupt deadlines it runs modules
	// rewritten with an interrupt flag and has no per-call context watch.
	eng *engine
	// safe is a compiler engine with context deadlines, for modules that
	// cannot be rewritten (nil when eng already uses context deadlines).
	safe *engine
	// interp is the interpreter engine, set with EngineAuto.
	interp *engine
	// deadline is how deadlines stop compiled code.
	deadline deadlineMode

	mu      sync.Mutex
	modules map[[32]byte]*compiled
	tiers   map[[32]byte]*tierEntry
	plugins map[*Plugin]struct{}
	closed  bool

	seq atomic.Uint64
	// settled counts the tiered modules whose interpreter code was closed
	// once every plugin had moved (see closeInterp).
	settled atomic.Uint64

	// markers is the directory of "compiled before" markers (one empty file
	// per module digest), "" without a disk cache.
	markers string
	// rewrites is the directory of rewritten binaries (see rewriteCached),
	// "" without a disk cache.
	rewrites string

	// pending counts background compiles; idle is closed when it drops to
	// zero. Guarded by mu.
	pending int
	idle    chan struct{}
	// refs counts the plugins using each module digest. Guarded by mu.
	refs map[[32]byte]int
	// loading counts Loads in progress; once it has been 0 for loadSettle,
	// settle gives the Go heap's free pages back (see loadDone). Guarded
	// by mu.
	loading int
	settle  *time.Timer
	freedOS atomic.Uint64 // times settle gave the memory back

	// bgCtx is the context of background compiles; Close cancels it and
	// waits for them before it closes the runtimes they compile on.
	bgCtx    context.Context
	bgCancel context.CancelFunc
}

// engine is one wazero runtime with the host modules instantiated. The
// engine a plugin runs on is private to its actor, so that a plugin can
// later move between engines (interpreter to compiler) between two calls.
type engine struct {
	kind Engine // EngineCompiler or EngineInterpreter
	r    wazero.Runtime
}

// compiled is a module compiled on one engine, shared by every plugin with
// the same digest.
type compiled struct {
	ready  chan struct{}
	digest [32]byte
	eng    *engine
	mod    wazero.CompiledModule
	info   moduleInfo
	err    error
	// image is the initial contents of the memory, mapped into each
	// instance (nil: wazero copies the data segments; see engine.compile).
	image *dataImage
	// tinfo describes the rewritten binary when the module was compiled
	// with an interrupt flag (and exported state); nil otherwise.
	tinfo *tiering.ModuleInfo
}

// moduleInfo is what the host needs to know of a module's exports.
type moduleInfo struct {
	hasInitialize, hasStart, hasPipe bool
	workers                          []string // names without the _worker suffix, sorted
	minMemoryPages                   uint32
}

// deadlineModeKey carries a deadlineMode in NewHost's context, for
// benchmarks that compare the mechanisms.
type deadlineModeKey struct{}

// fastGateKey carries a channel in NewHost's context that holds background
// compiles until it is closed (tests that need a plugin to stay on the
// interpreter).
type fastGateKey struct{}

// NewHost creates a host for cfg.Engine and, unless disabled, a
// compilation cache under cfg.CacheDir.
func NewHost(ctx context.Context, cfg HostConfig) (*Host, error) {
	if cfg.Engine > EngineInterpreter {
		return nil, fmt.Errorf("new host: unknown engine %v", cfg.Engine)
	}
	mode, _ := ctx.Value(deadlineModeKey{}).(deadlineMode)
	if cfg.NoRewrite {
		if cfg.Engine == EngineAuto {
			cfg.Engine = EngineCompiler
		}
		if mode == deadlineInterrupt {
			mode = deadlineContext
		}
	}
	if cfg.Engine == EngineInterpreter {
		// The interpreter keeps nothing on disk; it checks deadlines
		// cheaply through the context, so modules are not rewritten.
		cfg.NoDiskCache = true
		if mode == deadlineInterrupt {
			mode = deadlineContext
		}
	}
	bgCtx, bgCancel := context.WithCancel(context.WithoutCancel(ctx))
	h := &Host{
		bgCtx:    bgCtx,
		bgCancel: bgCancel,
		cfg:      cfg,
		deadline: mode,
		log:      cfg.Logger,
		modules:  map[[32]byte]*compiled{},
		tiers:    map[[32]byte]*tierEntry{},
		plugins:  map[*Plugin]struct{}{},
		refs:     map[[32]byte]int{},
	}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if !cfg.NoDiskCache {
		dir := cfg.CacheDir
		if dir == "" {
			base, err := os.UserCacheDir()
			if err != nil {
				return nil, fmt.Errorf("new host: cache dir: %w", err)
			}
			dir = filepath.Join(base, "tessera")
		}
		dir = filepath.Join(dir, "compiled")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("new host: cache dir: %w", err)
		}
		h.markers = filepath.Join(dir, "digests")
		h.rewrites = filepath.Join(dir, "rewritten")
		for _, d := range []string{h.markers, h.rewrites} {
			if err := os.MkdirAll(d, 0o700); err != nil {
				return nil, fmt.Errorf("new host: cache dir: %w", err)
			}
		}
		c, err := wazero.NewCompilationCacheWithDir(dir)
		if err != nil {
			return nil, fmt.Errorf("new host: compilation cache %s: %w", dir, err)
		}
		h.cache = c
	}
	// DWARF is not read: the interrupt rewrite shifts code offsets, so
	// the line information would not match, and decoding it is a large
	// part of a warm start.
	compiler := func(closeOnDone bool) wazero.RuntimeConfig {
		rc := wazero.NewRuntimeConfigCompiler().WithCloseOnContextDone(closeOnDone).WithDebugInfoEnabled(false)
		if h.cache != nil {
			rc = rc.WithCompilationCache(h.cache)
		}
		return rc
	}
	interpreter := wazero.NewRuntimeConfigInterpreter().WithCloseOnContextDone(mode != deadlineNone).WithDebugInfoEnabled(false)
	var err error
	if cfg.Engine == EngineInterpreter {
		if h.eng, err = h.newEngine(ctx, EngineInterpreter, interpreter); err != nil {
			return nil, err
		}
		return h, nil
	}
	if h.eng, err = h.newEngine(ctx, EngineCompiler, compiler(mode == deadlineContext)); err != nil {
		return nil, err
	}
	if mode == deadlineInterrupt {
		if h.safe, err = h.newEngine(ctx, EngineCompiler, compiler(true)); err != nil {
			h.eng.r.Close(ctx)
			return nil, err
		}
	}
	if cfg.Engine == EngineAuto {
		h.interp, err = h.newEngine(ctx, EngineInterpreter, interpreter)
		if err != nil {
			h.Close(ctx)
			return nil, err
		}
	}
	return h, nil
}

func (h *Host) newEngine(ctx context.Context, kind Engine, rc wazero.RuntimeConfig) (*engine, error) {
	r := wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
		r.Close(ctx)
		return nil, fmt.Errorf("new host: wasi: %w", err)
	}
	_, err := r.NewHostModuleBuilder("zellij").
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(hostRunPluginCommand), nil, nil).
		Export("host_run_plugin_command").
		Instantiate(ctx)
	if err != nil {
		r.Close(ctx)
		return nil, fmt.Errorf("new host: zellij module: %w", err)
	}
	return &engine{kind: kind, r: r}, nil
}

// compiledBinary, set by tests only, sees every binary compiled for
// plugins to run, with the engine it is compiled for.
var compiledBinary atomic.Pointer[func(kind Engine, wasm []byte)]

// compile compiles a binary for plugins to run on e. Where memory is
// mapped (Linux), a module whose data segments all write its own memory's
// initial pages is compiled without them, and their contents come back
// as a data image that instantiate maps into each instance (see
// dataImage); image is nil otherwise.
func (e *engine) compile(ctx context.Context, wasm []byte) (mod wazero.CompiledModule, image *dataImage, err error) {
	if f := compiledBinary.Load(); f != nil {
		(*f)(e.kind, wasm)
	}
	if stripped, segs, end, ok := tiering.StripData(wasm); ok && end > 0 {
		if im, ierr := newDataImage(segs, end); ierr == nil {
			if mod, err = e.r.CompileModule(ctx, stripped); err == nil {
				return mod, im, nil
			}
		}
	}
	mod, err = e.r.CompileModule(ctx, wasm)
	return mod, nil, err
}

// hostRunPluginCommand is zellij.host_run_plugin_command. The calling
// instance travels in the call's context.
func hostRunPluginCommand(ctx context.Context, _ api.Module, _ []uint64) {
	if in, ok := ctx.Value(instanceKey{}).(*instance); ok {
		in.runCommand(ctx)
	}
}

// loadSettle is how long no Load must have run before the memory of the
// last loads is given back to the system, in nanoseconds (tests shorten
// it).
var loadSettle atomic.Int64

func init() { loadSettle.Store(int64(time.Second)) }

func (h *Host) loadBegin() {
	h.mu.Lock()
	h.loading++
	if h.settle != nil {
		h.settle.Stop()
	}
	h.mu.Unlock()
}

// loadDone ends a Load. When it was the last one, and no other begins
// within loadSettle, the Go heap's free pages are returned to the system
// (debug.FreeOSMemory). A burst of loads (a daemon starting 100 plugins)
// leaves garbage and a heap grown for it: module bytes, compiles, the
// instantiations' temporary structures. Without this the free pages stay
// resident for minutes; the runtime returns them only gradually.
func (h *Host) loadDone() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.loading--
	if h.loading > 0 || h.closed {
		return
	}
	d := time.Duration(loadSettle.Load())
	if h.settle == nil {
		h.settle = time.AfterFunc(d, h.loadsSettled)
	} else {
		h.settle.Reset(d)
	}
}

// loadsSettled gives the memory back unless a Load runs or the host closed.
func (h *Host) loadsSettled() {
	h.mu.Lock()
	quiet := h.loading == 0 && !h.closed
	h.mu.Unlock()
	if quiet {
		debug.FreeOSMemory()
		h.freedOS.Add(1)
	}
}

// Close closes every plugin, then the runtime and the cache.
func (h *Host) Close(ctx context.Context) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	plugins := make([]*Plugin, 0, len(h.plugins))
	for p := range h.plugins {
		plugins = append(plugins, p)
	}
	h.mu.Unlock()
	var errs []error
	for _, p := range plugins {
		if err := p.Close(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	// A background compile still running uses the runtimes: cancel it and
	// wait for it to return before closing them. If ctx ends first, the
	// runtimes are left to the garbage collector rather than closed under
	// a running compile.
	h.bgCancel()
	if err := h.WaitCompiled(ctx); err != nil {
		return errors.Join(append(errs, fmt.Errorf("close host: runtimes left open: %w", err))...)
	}
	for _, e := range []*engine{h.eng, h.safe, h.interp} {
		if e != nil {
			if err := e.r.Close(ctx); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if h.cache != nil {
		if err := h.cache.Close(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Compile compiles wasm (or finds it compiled) without loading a plugin, to
// warm the caches ahead of Load.
func (h *Host) Compile(ctx context.Context, wasm []byte) error {
	_, err := h.compile(ctx, wasm)
	return err
}

func (h *Host) compile(ctx context.Context, wasm []byte) (*compiled, error) {
	return h.compileSum(ctx, wasm, sha256.Sum256(wasm))
}

// compileSum is compile for a module whose SHA-256 is known.
func (h *Host) compileSum(ctx context.Context, wasm []byte, sum [32]byte) (*compiled, error) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, fmt.Errorf("compile: %w", ErrClosed)
	}
	c, ok := h.modules[sum]
	if !ok {
		c = &compiled{ready: make(chan struct{}), digest: sum}
		h.modules[sum] = c
	}
	h.mu.Unlock()
	if ok {
		select {
		case <-c.ready:
		case <-ctx.Done():
			return nil, fmt.Errorf("compile: %w", ctx.Err())
		}
		if c.err != nil {
			return nil, c.err
		}
		return c, nil
	}
	workers := h.cfg.CompilationWorkers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	cctx := experimental.WithCompilationWorkers(context.WithoutCancel(ctx), workers)
	mod, target, tinfo, image, err := h.compileDeadlined(cctx, wasm, sum, wasm)
	c.tinfo = tinfo
	if err == nil {
		c.mod, c.eng, c.image = mod, target, image
		c.info, err = inspect(mod)
		if err != nil {
			mod.Close(ctx)
		}
	} else {
		err = fmt.Errorf("compile module: %w", err)
	}
	c.err = err
	close(c.ready)
	if err == nil {
		h.markCompiled(sum)
	}
	if err != nil {
		h.mu.Lock()
		delete(h.modules, sum) // a later attempt may succeed (e.g. after a cancel)
		h.mu.Unlock()
		return nil, err
	}
	return c, nil
}

// checkWasm refuses what is not a WebAssembly binary before a compile
// reports it in the runtime's terms.
func checkWasm(wasm []byte) error {
	if len(wasm) < 8 || !bytes.Equal(wasm[:4], []byte("\x00asm")) {
		return fmt.Errorf("%w: not a WebAssembly module (a .wasm file starts with \"\\0asm\")", ErrNotPlugin)
	}
	if v := binary.LittleEndian.Uint32(wasm[4:8]); v != 1 {
		return fmt.Errorf("%w: WebAssembly binary version %d, want 1", ErrNotPlugin, v)
	}
	return nil
}

// inspect checks the exports the ABI needs and lists the optional ones.
func inspect(mod wazero.CompiledModule) (moduleInfo, error) {
	var info moduleInfo
	exports := mod.ExportedFunctions()
	sig := func(name string, params, results int) (present bool, err error) {
		f, ok := exports[name]
		if !ok {
			return false, nil
		}
		if len(f.ParamTypes()) != params || len(f.ResultTypes()) != results {
			return true, fmt.Errorf("export %s: wrong signature %v -> %v", name, f.ParamTypes(), f.ResultTypes())
		}
		return true, nil
	}
	var err error
	check := func(name string, params, results int, required bool) bool {
		ok, e := sig(name, params, results)
		if e != nil && err == nil {
			err = e
		}
		if !ok && required && err == nil {
			err = fmt.Errorf("missing export %s", name)
		}
		return ok
	}
	info.hasInitialize = check("_initialize", 0, 0, false)
	info.hasStart = check("_start", 0, 0, false)
	check("load", 0, 0, true)
	check("update", 0, 1, true)
	check("render", 2, 0, true)
	info.hasPipe = check("pipe", 0, 1, false)
	for name, f := range exports {
		if w, ok := strings.CutSuffix(name, "_worker"); ok && w != "" && len(f.ParamTypes()) == 0 && len(f.ResultTypes()) == 0 {
			info.workers = append(info.workers, w)
		}
	}
	slices.Sort(info.workers)
	if err != nil {
		return info, fmt.Errorf("%w: %w (a plugin exports load, update and render; build Go plugins with -buildmode=c-shared)", ErrNotPlugin, err)
	}
	for _, m := range mod.ExportedMemories() {
		info.minMemoryPages = max(info.minMemoryPages, m.Min())
	}
	for _, m := range mod.ImportedMemories() {
		mn, n, _ := m.Import()
		return info, fmt.Errorf("plugin imports memory %s.%s: not supported", mn, n)
	}
	return info, nil
}

// markCompiled records that the disk cache holds the module's compiled code,
// so that a later process compiles it from there instead of tiering.
func (h *Host) markCompiled(sum [32]byte) {
	if h.markers == "" {
		return
	}
	f, err := os.Create(filepath.Join(h.markers, fmt.Sprintf("%x", sum)))
	if err == nil {
		f.Close()
	}
}

// compiledBefore reports whether the disk cache should hold the module's
// compiled code.
func (h *Host) compiledBefore(sum [32]byte) bool {
	if h.markers == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(h.markers, fmt.Sprintf("%x", sum)))
	return err == nil
}

// acquire counts one more plugin of cm's digest, if the module is still
// the host's (its last plugin may have released it since compileForLoad).
// tier is the entry of a tiered start, nil otherwise.
func (h *Host) acquire(cm *compiled, tier *tierEntry) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if tier != nil && h.tiers[cm.digest] != tier || tier == nil && h.modules[cm.digest] != cm {
		return false
	}
	if tier != nil && cm == tier.interp {
		if tier.interpClosed {
			return false // every plugin moved meanwhile: load compiled code
		}
		tier.users++
	}
	h.refs[cm.digest]++
	return true
}

// releaseModule counts one plugin of the digest less; the last one closes
// the module's compiled code (every engine) and forgets it. The disk cache
// keeps it for the next compile.
func (h *Host) releaseModule(sum [32]byte) {
	h.mu.Lock()
	h.refs[sum]--
	if h.refs[sum] > 0 {
		h.mu.Unlock()
		return
	}
	delete(h.refs, sum)
	c := h.modules[sum]
	te := h.tiers[sum]
	delete(h.modules, sum)
	delete(h.tiers, sum)
	h.mu.Unlock()
	ctx := context.Background()
	closed := map[wazero.CompiledModule]bool{}
	closeMod := func(c *compiled) {
		if c == nil || c.mod == nil || closed[c.mod] {
			return
		}
		closed[c.mod] = true
		c.mod.Close(ctx)
	}
	if c != nil {
		select {
		case <-c.ready:
			closeMod(c)
		default: // still compiling: Close closes the runtime under it
		}
	}
	if te != nil {
		h.mu.Lock()
		interpClosed := te.interpClosed
		te.interpClosed = true
		h.mu.Unlock()
		if !interpClosed {
			closeMod(te.interp)
		}
		closeMod(te.fast)
	}
}

// Modules returns how many compiled modules the host holds in memory, one
// per module digest: those of loaded plugins and those compiled by Compile
// or Prepare and not yet loaded and closed.
func (h *Host) Modules() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.modules)
	for sum := range h.tiers {
		if _, ok := h.modules[sum]; !ok {
			n++
		}
	}
	return n
}

func (h *Host) register(p *Plugin) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	h.plugins[p] = struct{}{}
	return nil
}

func (h *Host) unregister(p *Plugin) {
	h.mu.Lock()
	delete(h.plugins, p)
	h.mu.Unlock()
}
