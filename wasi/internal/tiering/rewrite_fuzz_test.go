package tiering

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
)

// FuzzRewriteDifferential checks, for every module wazero accepts, that
// both rewrites (exported state, and exported state plus interrupt checks)
// are accepted too and behave like the original: each exported function
// with numeric parameters and results, called with a few argument sets,
// returns the same values or fails with the same trap, and leaves the same
// memory and exported globals.
//
// The input is a module when it starts with the wasm magic (the seed
// corpus holds hand-written modules and the stateful Go guest), otherwise
// the bytes drive genModule, which builds a valid, always-terminating
// module: numeric code of every type, loops, blocks, ifs, branches, calls,
// memory loads, stores and growth, mutable globals. Calls are bounded by a
// deadline (wazero's context watch) as a safety net; a call that reaches
// it on either side ends the comparison without a verdict.
//
// `go test` runs the seeds; `go test -fuzz FuzzRewriteDifferential
// ./wasi/internal/tiering/` explores.
func FuzzRewriteDifferential(f *testing.F) {
	for _, s := range []string{"", "\x00", "\x01\x02\x03\x04\x05\x06\x07\x08", "loops and calls", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7",
		strings.Repeat("\x03\x07\x0b", 40), strings.Repeat("\x09\x08\x0a\x03", 60)} {
		f.Add([]byte(s))
	}
	for i := range 8 {
		seed := sha256.Sum256([]byte{byte(i)})
		f.Add(bytes.Repeat(seed[:], 4))
	}
	f.Add(testModule{}.build())
	f.Add(testModule{start: true}.build())
	if !testing.Short() {
		if p, err := guestbuild.BuildPath("testdata/guests/stateful"); err == nil {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		} else {
			f.Logf("stateful guest not in the seed corpus: %v", err)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.HasPrefix(data, wasmHeader[:4]) {
			diffModule(t, data, false, [][]uint64{nil, {1, 1, 1, 1}, {3, 2, 7, 5}})
			return
		}
		g := &genSrc{b: data}
		wasm := genModule(g)
		diffModule(t, wasm, true, [][]uint64{nil, g.args(), g.args()})
	})
}

var (
	fuzzCacheOnce sync.Once
	fuzzDiskCache wazero.CompilationCache
)

// largeModule is the size above which a module (the Go guest seed, seconds
// to compile, minutes under -race) goes through the disk cache.
const largeModule = 1 << 20

// fuzzRuntime is a compiler runtime with WASI and a context watch. Large
// modules share the tests' compilation cache on disk, where warm compiles
// them first without the race detector; the small ones a fuzzing run makes
// by the thousand are not cached.
func fuzzRuntime(t *testing.T, size int) wazero.Runtime {
	rc := wazero.NewRuntimeConfigCompiler().WithCloseOnContextDone(true)
	if size > largeModule {
		fuzzCacheOnce.Do(func() {
			var err error
			fuzzDiskCache, err = wazero.NewCompilationCacheWithDir(guestbuild.WazeroCacheDir())
			if err != nil {
				fuzzDiskCache = wazero.NewCompilationCache()
			}
		})
		rc = rc.WithCompilationCache(fuzzDiskCache)
	}
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, rc)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	t.Cleanup(func() { r.Close(ctx) })
	return r
}

// diffModule is the check of FuzzRewriteDifferential for one module.
// generated modules must be rewritable; others may be refused by Rewrite.
func diffModule(t *testing.T, wasm []byte, generated bool, argSets [][]uint64) {
	ctx := context.Background()
	r := fuzzRuntime(t, len(wasm))
	warm(t, wasm)
	orig, err := r.CompileModule(ctx, wasm)
	if err != nil {
		if generated {
			t.Fatalf("generated module refused by wazero: %v", err)
		}
		return // wazero refuses it: nothing to keep
	}
	for _, opt := range []Options{{}, {Interrupt: true}} {
		out, _, err := Rewrite(wasm, opt)
		if err != nil {
			if generated {
				t.Fatalf("rewrite %+v of a generated module: %v", opt, err)
			}
			continue // refused by the rewriter: the host loads the original
		}
		warm(t, out)
		rw, err := r.CompileModule(ctx, out)
		if err != nil {
			t.Fatalf("wazero accepts the module but not its rewrite %+v: %v", opt, err)
		}
		diffBehaviour(t, r, orig, rw, argSets, fmt.Sprintf("%+v", opt))
	}
}

// warm compiles a large module into fuzzRuntime's disk cache in a process
// without the race detector. A failure is left to the test's own compile.
func warm(t *testing.T, wasm []byte) {
	if len(wasm) <= largeModule {
		return
	}
	if err := guestbuild.PrecompileWazero(wasm, true); err != nil {
		t.Logf("not precompiled: %v", err)
	}
}

func numeric(ts []api.ValueType) bool {
	for _, v := range ts {
		switch v {
		case api.ValueTypeI32, api.ValueTypeI64, api.ValueTypeF32, api.ValueTypeF64:
		default:
			return false
		}
	}
	return true
}

func diffBehaviour(t *testing.T, r wazero.Runtime, orig, rw wazero.CompiledModule, argSets [][]uint64, what string) {
	ctx := context.Background()
	cfg := wazero.NewModuleConfig().WithName("").WithStdout(io.Discard).WithStderr(io.Discard)
	if _, ok := orig.ExportedFunctions()["_initialize"]; ok {
		cfg = cfg.WithStartFunctions("_initialize")
	}
	a, errA := r.InstantiateModule(ctx, orig, cfg)
	b, errB := r.InstantiateModule(ctx, rw, cfg)
	if (errA == nil) != (errB == nil) {
		t.Fatalf("%s: instantiation: original %v, rewritten %v", what, errA, errB)
	}
	if errA != nil {
		if trapLine(errA) != trapLine(errB) {
			t.Fatalf("%s: instantiation: original %v, rewritten %v", what, errA, errB)
		}
		return
	}
	defer a.Close(ctx)
	defer b.Close(ctx)
	var names []string
	for name, def := range orig.ExportedFunctions() {
		if name != "_initialize" && name != "_start" && numeric(def.ParamTypes()) && numeric(def.ResultTypes()) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var globals []string // the generator's exported globals
	for i := range numTypes {
		if name := fmt.Sprintf("g%d", i); a.ExportedGlobal(name) != nil {
			globals = append(globals, name)
		}
	}
	for _, name := range names {
		fa, fb := a.ExportedFunction(name), b.ExportedFunction(name)
		if fb == nil {
			t.Fatalf("%s: export %s lost", what, name)
		}
		np := len(fa.Definition().ParamTypes())
		for _, args := range argSets {
			params := make([]uint64, np)
			copy(params, args)
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			ra, ea := fa.Call(cctx, params...)
			rb, eb := fb.Call(cctx, params...)
			timedOut := cctx.Err() != nil
			cancel()
			if timedOut {
				t.Logf("%s: %s%v reached the call deadline; comparison ends", what, name, params)
				return
			}
			if (ea == nil) != (eb == nil) || (ea != nil && trapLine(ea) != trapLine(eb)) {
				t.Fatalf("%s: %s%v: original %v, rewritten %v", what, name, params, ea, eb)
			}
			for i, rt := range fa.Definition().ResultTypes() {
				if (rt == api.ValueTypeI32 || rt == api.ValueTypeF32) && i < len(ra) && i < len(rb) {
					ra[i], rb[i] = uint32Bits(ra[i]), uint32Bits(rb[i])
				}
			}
			if !slices.Equal(ra, rb) {
				t.Fatalf("%s: %s%v = %v, rewritten %v", what, name, params, ra, rb)
			}
			if ma, mb := a.Memory(), b.Memory(); ma != nil {
				if mb == nil || !bytes.Equal(memBytes(ma), memBytes(mb)) {
					t.Fatalf("%s: after %s%v the memories differ", what, name, params)
				}
			}
			for _, g := range globals {
				if va, vb := a.ExportedGlobal(g).Get(), b.ExportedGlobal(g).Get(); va != vb {
					t.Fatalf("%s: after %s%v global %s = %#x, rewritten %#x", what, name, params, g, va, vb)
				}
			}
		}
	}
}

func uint32Bits(v uint64) uint64 { return v & 0xffffffff }

func memBytes(m api.Memory) []byte {
	b, _ := m.Read(0, m.Size())
	return b
}

// trapLine is an error's first line without the module name.
func trapLine(err error) string {
	var s string
	if err != nil {
		s, _, _ = strings.Cut(err.Error(), "\n")
	}
	if i := strings.Index(s, "module["); i >= 0 {
		if j := strings.Index(s[i:], "]"); j >= 0 {
			s = s[:i] + s[i+j+1:]
		}
	}
	return s
}

func TestTrapLine(t *testing.T) {
	if got := trapLine(errors.New("module[x] closed\nstack")); got != " closed" {
		t.Fatalf("trapLine: %q", got)
	}
}

// genSrc hands out the fuzz input's bytes; exhausted, it returns zeros,
// and zero always chooses the simplest form, so generation ends.
type genSrc struct {
	b []byte
	i int
}

func (g *genSrc) byte() byte {
	if g.i >= len(g.b) {
		return 0
	}
	c := g.b[g.i]
	g.i++
	return c
}

func (g *genSrc) n(k int) int { return int(g.byte()) % k }

// args returns four argument values.
func (g *genSrc) args() []uint64 {
	out := make([]uint64, 4)
	for i := range out {
		switch g.n(4) {
		case 0:
			out[i] = uint64(g.byte())
		case 1:
			out[i] = ^uint64(0) - uint64(g.byte())
		case 2:
			out[i] = 1 << (g.byte() % 64)
		default:
			out[i] = binary.LittleEndian.Uint64([]byte{g.byte(), g.byte(), g.byte(), g.byte(), g.byte(), g.byte(), g.byte(), g.byte()})
		}
	}
	return out
}

const (
	tI32 byte = 0x7f
	tI64 byte = 0x7e
	tF32 byte = 0x7d
	tF64 byte = 0x7c
)

var numTypes = []byte{tI32, tI64, tF32, tF64}

// genFunc is the state of one generated function.
type genFunc struct {
	params, result []byte
	locals         []byte // declared locals, after the parameters
	loops          int    // loop nesting
}

func (f *genFunc) addLocal(t byte) uint32 {
	f.locals = append(f.locals, t)
	return uint32(len(f.params) + len(f.locals) - 1)
}

// genModuleState is what genModule builds; cur is the function whose body
// is being generated.
type genModuleState struct {
	g     *genSrc
	funcs []*genFunc
	cur   int
}

// genModule builds a valid module from g: up to four functions (each may
// call the ones before it, so there is no recursion), one result each,
// four exported mutable globals (one per type), a memory of one page that
// may grow to four, exported, with a data segment.
func genModule(g *genSrc) []byte {
	st := &genModuleState{g: g}
	nf := 1 + g.n(4)
	var codes [][]byte
	for k := range nf {
		f := &genFunc{result: []byte{numTypes[g.n(4)]}}
		for range g.n(4) {
			f.params = append(f.params, numTypes[g.n(4)])
		}
		st.funcs = append(st.funcs, f)
		st.cur = k
		// One value local of each type, for local.set.
		for _, t := range numTypes {
			f.addLocal(t)
		}
		var code []byte
		for range g.n(4) {
			code = st.stmt(code, 0)
		}
		code = st.expr(code, f.result[0], 0)
		code = append(code, 0x0b)
		var decl []byte
		decl = appendULEB(decl, uint64(len(f.locals)))
		for _, t := range f.locals {
			decl = append(decl, 1, t)
		}
		codes = append(codes, body(decl, code))
	}
	var types, funcs, exports [][]byte
	for k, f := range st.funcs {
		types = append(types, cat([]byte{0x60}, uleb(uint64(len(f.params))), f.params, uleb(1), f.result))
		funcs = append(funcs, uleb(uint64(k)))
		exports = append(exports, cat(str(fmt.Sprintf("f%d", k)), []byte{0x00}, uleb(uint64(k))))
	}
	exports = append(exports, cat(str("memory"), []byte{0x02, 0x00}))
	var globals [][]byte
	for i, t := range numTypes {
		globals = append(globals, cat([]byte{t, 1}, st.constOf(t), []byte{0x0b}))
		exports = append(exports, cat(str(fmt.Sprintf("g%d", i)), []byte{0x03}, uleb(uint64(i))))
	}
	data := make([]byte, g.n(32))
	for i := range data {
		data[i] = g.byte()
	}
	return cat(wasmHeader,
		sec(secType, vec(types...)),
		sec(secFunction, vec(funcs...)),
		sec(secMemory, vec([]byte{0x01, 0x01, 0x04})),
		sec(secGlobal, vec(globals...)),
		sec(secExport, vec(exports...)),
		sec(secCode, vec(codes...)),
		sec(secData, vec(cat([]byte{0x00, 0x41}, sleb(int64(g.n(64))), []byte{0x0b}, uleb(uint64(len(data))), data))),
	)
}

func (st *genModuleState) constOf(t byte) []byte {
	g := st.g
	var v int64
	switch g.n(4) {
	case 0:
		v = int64(g.byte())
	case 1:
		v = -int64(g.byte())
	case 2:
		v = int64(1) << (g.byte() % 63)
	default:
		v = int64(binary.LittleEndian.Uint32([]byte{g.byte(), g.byte(), g.byte(), g.byte()}))
	}
	switch t {
	case tI32:
		return cat([]byte{0x41}, sleb(int64(int32(v))))
	case tI64:
		return cat([]byte{0x42}, sleb(v))
	case tF32:
		return f32c(float32(v) / 3)
	default:
		return f64c(float64(v) / 7)
	}
}

func typeIndex(t byte) int { return slices.Index(numTypes, t) }

// Opcodes by type (index as numTypes).
var (
	binOps = [][]byte{
		{0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78},
		{0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a},
		{0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98},
		{0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6},
	}
	unOps = [][]byte{
		{0x67, 0x68, 0x69, 0x45},
		{0x79, 0x7a, 0x7b},
		{0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91},
		{0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f},
	}
	// cmpOps: comparisons of two operands of the type, giving i32.
	cmpOps = [][]byte{
		{0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f},
		{0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a},
		{0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60},
		{0x61, 0x62, 0x63, 0x64, 0x65, 0x66},
	}
	// convOps[to] lists {from, opcode}.
	convOps = [][][2]byte{
		{{tI64, 0xa7}, {tF32, 0xa8}, {tF64, 0xaa}, {tF32, 0xbc}, {tF64, 0xab}},
		{{tI32, 0xac}, {tI32, 0xad}, {tF64, 0xb0}, {tF64, 0xbd}, {tF32, 0xaf}},
		{{tI32, 0xb2}, {tI64, 0xb4}, {tF64, 0xb6}, {tI32, 0xbe}},
		{{tI32, 0xb7}, {tI64, 0xb9}, {tF32, 0xbb}, {tI64, 0xbf}},
	}
	loadOps  = []byte{0x28, 0x29, 0x2a, 0x2b}
	storeOps = []byte{0x36, 0x37, 0x38, 0x39}
)

const maxDepth = 4

// expr appends code that leaves one value of type t.
func (st *genModuleState) expr(code []byte, t byte, depth int) []byte {
	g, f := st.g, st.funcs[st.cur]
	ti := typeIndex(t)
	choice := g.n(13)
	if depth >= maxDepth {
		choice %= 3
	}
	switch choice {
	case 0:
		return append(code, st.constOf(t)...)
	case 1: // local.get of a parameter or local of type t
		var idx []int
		for i, lt := range slices.Concat(f.params, f.locals) {
			if lt == t {
				idx = append(idx, i)
			}
		}
		return cat(code, []byte{0x20}, uleb(uint64(idx[g.n(len(idx))])))
	case 2:
		return cat(code, []byte{0x23}, uleb(uint64(ti)))
	case 3:
		code = st.expr(code, t, depth+1)
		code = st.expr(code, t, depth+1)
		return append(code, binOps[ti][g.n(len(binOps[ti]))])
	case 4:
		code = st.expr(code, t, depth+1)
		return append(code, unOps[ti][g.n(len(unOps[ti]))])
	case 5:
		c := convOps[ti][g.n(len(convOps[ti]))]
		code = st.expr(code, c[0], depth+1)
		return append(code, c[1])
	case 6:
		if t != tI32 {
			return st.expr(code, t, maxDepth)
		}
		from := numTypes[g.n(4)]
		fi := typeIndex(from)
		code = st.expr(code, from, depth+1)
		code = st.expr(code, from, depth+1)
		return append(code, cmpOps[fi][g.n(len(cmpOps[fi]))])
	case 7: // load t from (addr & 0x1ffff) + offset: may trap out of bounds
		code = st.expr(code, tI32, depth+1)
		code = cat(code, []byte{0x41}, sleb(0x1ffff), []byte{0x71, loadOps[ti], 0x00}, uleb(uint64(g.n(16))))
		return code
	case 8: // call an earlier function returning t
		for j := st.cur - 1; j >= 0; j-- {
			if callee := st.funcs[j]; callee.result[0] == t && g.n(2) == 0 {
				for _, p := range callee.params {
					code = st.expr(code, p, depth+1)
				}
				return cat(code, []byte{0x10}, uleb(uint64(j)))
			}
		}
		return st.expr(code, t, maxDepth)
	case 9: // if (result t)
		code = st.expr(code, tI32, depth+1)
		code = append(code, 0x04, t)
		code = st.expr(code, t, depth+1)
		code = append(code, 0x05)
		code = st.expr(code, t, depth+1)
		return append(code, 0x0b)
	case 10: // block (result t) { statements; value }
		code = append(code, 0x02, t)
		for range g.n(3) {
			code = st.stmt(code, depth+1)
		}
		code = st.expr(code, t, depth+1)
		return append(code, 0x0b)
	case 11:
		if t != tI32 {
			return st.expr(code, t, maxDepth)
		}
		if g.n(2) == 0 {
			return append(code, 0x3f, 0x00) // memory.size
		}
		code = st.expr(code, tI32, depth+1)
		return append(code, 0x41, 0x03, 0x71, 0x40, 0x00) // memory.grow (x & 3)
	default: // select
		code = st.expr(code, t, depth+1)
		code = st.expr(code, t, depth+1)
		code = st.expr(code, tI32, depth+1)
		return append(code, 0x1b)
	}
}

// stmt appends code that leaves the stack as it found it.
func (st *genModuleState) stmt(code []byte, depth int) []byte {
	g, f := st.g, st.funcs[st.cur]
	if depth >= maxDepth {
		return code
	}
	switch g.n(7) {
	case 0: // set one of the value locals (never a loop counter)
		i := g.n(4)
		code = st.expr(code, numTypes[i], depth+1)
		return cat(code, []byte{0x21}, uleb(uint64(len(f.params)+i)))
	case 1:
		i := g.n(4)
		code = st.expr(code, numTypes[i], depth+1)
		return cat(code, []byte{0x24}, uleb(uint64(i)))
	case 2:
		i := g.n(4)
		code = st.expr(code, tI32, depth+1)
		code = append(code, 0x41)
		code = append(code, sleb(0x1ffff)...)
		code = append(code, 0x71)
		code = st.expr(code, numTypes[i], depth+1)
		return cat(code, []byte{storeOps[i], 0x00}, uleb(uint64(g.n(16))))
	case 3: // a loop of at most 4 passes, counted by its own local
		if f.loops >= 2 {
			return code
		}
		f.loops++
		c := f.addLocal(tI32)
		code = cat(code, []byte{0x41}, sleb(int64(g.n(5))), []byte{0x21}, uleb(uint64(c)), []byte{0x03, 0x40})
		for range 1 + g.n(3) {
			code = st.stmt(code, depth+1)
		}
		code = cat(code, []byte{0x20}, uleb(uint64(c)), []byte{0x41, 0x01, 0x6b, 0x22}, uleb(uint64(c)),
			[]byte{0x41, 0x00, 0x4a, 0x0d, 0x00, 0x0b})
		f.loops--
		return code
	case 4:
		code = st.expr(code, tI32, depth+1)
		code = append(code, 0x04, 0x40)
		code = st.stmt(code, depth+1)
		if g.n(2) == 0 {
			code = append(code, 0x05)
			code = st.stmt(code, depth+1)
		}
		return append(code, 0x0b)
	case 5: // block { statement; br_if 0 (cond); statement }
		code = append(code, 0x02, 0x40)
		code = st.stmt(code, depth+1)
		code = st.expr(code, tI32, depth+1)
		code = append(code, 0x0d, 0x00)
		code = st.stmt(code, depth+1)
		return append(code, 0x0b)
	default:
		code = st.expr(code, numTypes[g.n(4)], depth+1)
		return append(code, 0x1a)
	}
}
