package tiering

import (
	"bytes"
	"context"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Benchmarks for the figures in bench/README.md ("Tiering and compile").
// They use the stateful Go guest (a ~2.7 MB reactor module). Besides wall
// time, the slow ones report the process's CPU time per operation
// (cpu-ms/op), which a busy machine inflates much less than wall time.

// cpuTime returns the user+system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopWithCPU runs body in a b.Loop and reports CPU milliseconds per op.
func loopWithCPU(b *testing.B, body func()) {
	start := cpuTime()
	n := 0
	for b.Loop() {
		body()
		n++
	}
	if n > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(n)/1e6, "cpu-ms/op")
	}
}

func BenchmarkExportState(b *testing.B) {
	orig, _, _ := statefulGuest(b)
	b.SetBytes(int64(len(orig)))
	for b.Loop() {
		if _, _, err := ExportState(orig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile measures CompileModule with an empty cache (a new
// runtime each time), per engine and number of compilation workers, and
// from a warm file cache (a new cache object each time, so the in-memory
// cache cannot answer).
func BenchmarkCompile(b *testing.B) {
	_, out, _ := statefulGuest(b)
	b.Run("interpreter", func(b *testing.B) {
		loopWithCPU(b, func() { compileOnce(b, wazero.NewRuntimeConfigInterpreter(), out, 1) })
	})
	for _, workers := range []int{1, 2} {
		b.Run("compiler/workers="+strconv.Itoa(workers), func(b *testing.B) {
			loopWithCPU(b, func() { compileOnce(b, wazero.NewRuntimeConfigCompiler(), out, workers) })
		})
	}
	b.Run("compiler/filecache-warm", func(b *testing.B) {
		dir := b.TempDir()
		fill, err := wazero.NewCompilationCacheWithDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		compileOnce(b, wazero.NewRuntimeConfigCompiler().WithCompilationCache(fill), out, 2)
		fill.Close(context.Background())
		loopWithCPU(b, func() {
			c, err := wazero.NewCompilationCacheWithDir(dir)
			if err != nil {
				b.Fatal(err)
			}
			compileOnce(b, wazero.NewRuntimeConfigCompiler().WithCompilationCache(c), out, 2)
			c.Close(context.Background())
		})
	})
}

func compileOnce(b *testing.B, cfg wazero.RuntimeConfig, wasm []byte, workers int) {
	ctx := experimental.WithCompilationWorkers(context.Background(), workers)
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer r.Close(ctx)
	if _, err := r.CompileModule(ctx, wasm); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkInstantiate measures instantiating the compiled guest and
// running its _initialize (a first start), and instantiating without start
// functions (the target of a move), per engine.
func BenchmarkInstantiate(b *testing.B) {
	ctx := context.Background()
	_, out, _ := statefulGuest(b)
	for _, e := range engines() {
		r := wasiRuntime(b, e.cfg)
		cm, err := r.CompileModule(ctx, out)
		if err != nil {
			b.Fatal(err)
		}
		for _, fresh := range []bool{true, false} {
			name := e.name + "/initialize"
			if !fresh {
				name = e.name + "/no-start"
			}
			b.Run(name, func(b *testing.B) {
				var stderr bytes.Buffer
				loopWithCPU(b, func() {
					m, err := r.InstantiateModule(ctx, cm, guestConfig(&stderr, fresh))
					if err != nil {
						b.Fatal(err)
					}
					m.Close(ctx)
				})
			})
		}
	}
}

type engine struct {
	name string
	cfg  wazero.RuntimeConfig
}

func engines() []engine {
	return []engine{
		{"interpreter", wazero.NewRuntimeConfigInterpreter()},
		{"compiler", wazero.NewRuntimeConfigCompiler()},
	}
}

// BenchmarkMove measures moving the hand-written module's state with
// 20 and 256 pages of memory: Capture, Restore into a fresh instance, and
// Transfer (source to fresh target in one copy).
func BenchmarkMove(b *testing.B) {
	ctx := context.Background()
	out, info, err := ExportState(testModule{}.build())
	if err != nil {
		b.Fatal(err)
	}
	_, comp := newRuntimes(b)
	interp := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer interp.Close(ctx)
	cm, err := comp.CompileModule(ctx, out)
	if err != nil {
		b.Fatal(err)
	}
	for _, pages := range []uint32{20, 256} {
		src, err := interp.InstantiateWithConfig(ctx, out, wazero.NewModuleConfig().WithName(""))
		if err != nil {
			b.Fatal(err)
		}
		src.Memory().Grow(pages - 1)
		view, _ := src.Memory().Read(0, src.Memory().Size())
		for i := range view {
			view[i] = byte(i * 7)
		}
		fresh := func(b *testing.B) api.Module {
			b.StopTimer()
			m, err := comp.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName("").WithStartFunctions())
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			return m
		}
		p := strconv.Itoa(int(pages))
		b.Run("capture/pages="+p, func(b *testing.B) {
			b.SetBytes(int64(pages) * pageSize)
			for b.Loop() {
				if _, err := Capture(ctx, src, info); err != nil {
					b.Fatal(err)
				}
			}
		})
		snap, _ := Capture(ctx, src, info)
		b.Run("restore/pages="+p, func(b *testing.B) {
			b.SetBytes(int64(pages) * pageSize)
			for b.Loop() {
				dst := fresh(b)
				if err := Restore(ctx, dst, info, snap); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				dst.Close(ctx)
				b.StartTimer()
			}
		})
		b.Run("transfer/pages="+p, func(b *testing.B) {
			b.SetBytes(int64(pages) * pageSize)
			for b.Loop() {
				dst := fresh(b)
				if err := Transfer(ctx, src, dst, info); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				dst.Close(ctx)
				b.StartTimer()
			}
		})
		src.Close(ctx)
	}
}

// tightLoop is a module exporting loop(n i64) -> i64, a three-instruction
// arithmetic loop: the worst case for a per-iteration interruption check.
func tightLoop() []byte {
	return cat(wasmHeader,
		sec(secType, vec([]byte{0x60, 0x01, 0x7e, 0x01, 0x7e})),
		sec(secFunction, vec([]byte{0})),
		sec(secExport, vec(cat(str("loop"), []byte{0x00, 0x00}))),
		sec(secCode, vec(body([]byte{0x01, 0x01, 0x7e}, // local 1: acc i64
			[]byte{0x03, 0x40},                                                                              // loop
			[]byte{0x20, 0x01, 0x42}, sleb(6364136223846793005), []byte{0x7e, 0x42, 0x01, 0x7c, 0x21, 0x01}, // acc = acc*K + 1
			[]byte{0x20, 0x00, 0x42, 0x01, 0x7d, 0x22, 0x00, 0x42, 0x00, 0x52, 0x0d, 0x00}, // n--; br_if n != 0
			[]byte{0x0b, 0x20, 0x01, 0x0b}))))
}

// BenchmarkGuest measures guest speed per engine and deadline mechanism:
// none, WithCloseOnContextDone(true), and the interrupt flag of
// Options.Interrupt, always calling under a context with a deadline.
// Functions: work (sort, format and hash a 200-row frame: an update+render
// stand-in), step (allocation, maps, a goroutine switch), spin (a Go
// arithmetic loop) and loop (a three-instruction wasm loop, hand-written).
func BenchmarkGuest(b *testing.B) {
	_, plainGo, _ := statefulGuest(b)
	_, checkedGo, _ := statefulGuestWith(b, Options{Interrupt: true})
	plainLoop, _, err := ExportState(tightLoop())
	if err != nil {
		b.Fatal(err)
	}
	checkedLoop, _, err := Rewrite(tightLoop(), Options{Interrupt: true})
	if err != nil {
		b.Fatal(err)
	}
	type call struct {
		fn  string
		arg uint64
	}
	for _, e := range engines() {
		for _, mode := range []string{"none", "close-on-done", "interrupt-flag"} {
			b.Run(e.name+"/"+mode, func(b *testing.B) {
				ctx := context.Background()
				r := wazero.NewRuntimeWithConfig(ctx, e.cfg.WithCloseOnContextDone(mode == "close-on-done"))
				defer r.Close(ctx)
				wasi_snapshot_preview1.MustInstantiate(ctx, r)
				goBin, loopBin := plainGo, plainLoop
				if mode == "interrupt-flag" {
					goBin, loopBin = checkedGo, checkedLoop
				}
				var stderr bytes.Buffer
				g, err := r.InstantiateWithConfig(ctx, goBin, guestConfig(&stderr, true))
				if err != nil {
					b.Fatal(err)
				}
				l, err := r.InstantiateWithConfig(ctx, loopBin, wazero.NewModuleConfig().WithName(""))
				if err != nil {
					b.Fatal(err)
				}
				dctx, cancel := context.WithTimeout(ctx, time.Hour)
				defer cancel()
				for _, c := range []call{{"work", 1}, {"step", 1}, {"spin", 100000}, {"loop", 200000}} {
					m := g
					if c.fn == "loop" {
						m = l
					}
					fn := m.ExportedFunction(c.fn)
					b.Run(c.fn, func(b *testing.B) {
						loopWithCPU(b, func() {
							if _, err := fn.Call(dctx, c.arg); err != nil {
								b.Fatal(err)
							}
						})
					})
				}
			})
		}
	}
}
