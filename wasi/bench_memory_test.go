package wasi

import (
	"context"
	"encoding/binary"
	"runtime"
	"runtime/debug"
	"testing"
)

// Memory per instance on a module whose linear memory grows during load
// the way Zellij's status bar does (a Rust plugin: 20 pages at start, 33
// pages = 2.06 MiB after load, grown one allocator step at a time). See
// bench/README.md, "Memory per instance".

// growingPages is the memory growingModule reaches after load.
const (
	growingStartPages = 20
	growingPages      = 33
)

// growingModule assembles a plugin of the status bar's shape whose memory
// grows during load: 20 pages declared (no maximum, like a Rust module),
// and load grows it one page at a time to 33 pages (2.06 MiB), writing
// every byte of every page, the initial ones included (the worst case for
// resident memory); load traps if memory.grow fails. The code is status-bar
// sized (fillers functions of about 480 bytes, as wasmgen.StatusBarSized),
// because what wazero keeps per instance may depend on it.
func growingModule(fillers int) []byte {
	le := func(v uint64) []byte { return binary.AppendUvarint(nil, v) }
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	sec := func(id byte, body []byte) []byte { return cat([]byte{id}, le(uint64(len(body))), body) }
	name := func(s string) []byte { return cat(le(uint64(len(s))), []byte(s)) }
	fn := func(code []byte) []byte { return cat(le(uint64(len(code))), code) }
	types := cat([]byte{5},
		[]byte{0x60, 0, 0},                               // 0: () -> ()
		[]byte{0x60, 0, 1, 0x7f},                         // 1: () -> i32
		[]byte{0x60, 2, 0x7f, 0x7f, 0},                   // 2: (i32, i32) -> ()
		[]byte{0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f}, // 3: fd_write, fd_read
		[]byte{0x60, 1, 0x7f, 1, 0x7f})                   // 4: (i32) -> i32
	imports := cat([]byte{3},
		name("wasi_snapshot_preview1"), name("fd_write"), []byte{0, 3},
		name("wasi_snapshot_preview1"), name("fd_read"), []byte{0, 3},
		name("zellij"), name("host_run_plugin_command"), []byte{0, 0})
	funcs := cat(le(uint64(4+fillers)), []byte{0, 1, 2, 0})
	for i := 0; i < fillers; i++ {
		funcs = append(funcs, 4)
	}
	exports := cat([]byte{5}, name("memory"), []byte{2, 0}, name("load"), []byte{0, 3}, name("update"), []byte{0, 4},
		name("render"), []byte{0, 5}, name("_start"), []byte{0, 6})
	sleb := func(v int64) []byte {
		var out []byte
		for {
			c := byte(v & 0x7f)
			v >>= 7
			if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
				return append(out, c)
			}
			out = append(out, c|0x80)
		}
	}
	// load: memory.fill(64, 0x5a, 20 pages - 64) (the initial pages, past
	// the iov at 0), then loop { if memory.grow(1) == -1 unreachable;
	// memory.fill(page, 0x5a, 64 KiB) } until memory.size == 33.
	load := fn(cat(
		[]byte{0},
		[]byte{0x41}, sleb(64), []byte{0x41}, sleb(0x5a), []byte{0x41}, sleb(growingStartPages<<16-64), []byte{0xfc, 0x0b, 0},
		[]byte{0x03, 0x40}, // loop
		[]byte{0x41, 1, 0x40, 0, 0x41, 0x7f, 0x46, 0x04, 0x40, 0x00, 0x0b}, // memory.grow 1; == -1: unreachable
		[]byte{0x3f, 0, 0x41, 1, 0x6b, 0x41, 16, 0x74},                     // (memory.size - 1) << 16
		[]byte{0x41}, sleb(0x5a), []byte{0x41}, sleb(1<<16), []byte{0xfc, 0x0b, 0},
		[]byte{0x3f, 0, 0x41}, sleb(growingPages), []byte{0x49, 0x0d, 0}, // br_if 0 (memory.size < 33)
		[]byte{0x0b},
		[]byte{0x0b}))
	update := fn([]byte{0, 0x41, 0, 0x0b})
	render := fn([]byte{0,
		0x41, 0, 0x10, 7, 0x1a, // call the first filler
		0x41, 1, 0x41, 0, 0x41, 1, 0x41, 16, 0x10, 0, 0x1a, // fd_write(1, iov@0, 1, @16)
		0x0b})
	start := fn([]byte{0, 0x0b})
	code := cat(le(uint64(4+fillers)), load, update, render, start)
	for i := 0; i < fillers; i++ {
		body := []byte{0, 0x20, 0}
		for k := 0; len(body) < 480; k++ {
			body = append(body, 0x41, byte(k&0x3f), 0x6a, 0x41, byte((k*7)&0x3f), 0x73)
			if k%16 == 15 {
				body = append(body, 0x28, 2, 0, 0x41, 0xff, 0xff, 0x03, 0x71)
			}
		}
		if i+1 < fillers && i%8 != 7 {
			body = append(body, 0x10)
			body = append(body, le(uint64(8+i))...)
		}
		body = append(body, 0x0b)
		code = append(code, fn(body)...)
	}
	data := []byte{32, 0, 0, 0, 7, 0, 0, 0}
	data = append(data, make([]byte, 24)...)
	data = append(data, "status\n"...)
	return cat(
		[]byte{0, 'a', 's', 'm', 1, 0, 0, 0},
		sec(1, types), sec(2, imports), sec(3, funcs),
		sec(5, []byte{1, 0, growingStartPages}),
		sec(7, exports),
		sec(10, code),
		sec(11, cat([]byte{1, 0, 0x41, 0, 0x0b}, le(uint64(len(data))), data)),
	)
}

// liveHeap is the Go heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkMemoryGrowing loads 100 plugins of growingModule (each grows
// its memory to 2.06 MiB during load and renders once) and reports what
// each extra plugin adds: resident memory (MiB/instance), live Go heap
// (heap-MiB/instance), its linear memory (linear-MiB/instance) and the
// issue's target, linear memory + 0.25 MiB (target-MiB/instance).
func BenchmarkMemoryGrowing(b *testing.B) {
	wasm := growingModule(3000)
	h := testHost(b)
	ctx := context.Background()
	if err := h.Compile(ctx, wasm); err != nil {
		b.Fatal(err)
	}
	const n = 100
	var perRSS, perHeap, linear float64
	for b.Loop() {
		debug.FreeOSMemory()
		rss0, heap0 := rss(b), liveHeap()
		ps := make([]*Plugin, 0, n)
		for i := 0; i < n; i++ {
			p, err := h.Load(ctx, wasm, PluginConfig{ID: uint32(i), Builtin: true, Limits: statusLimits})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.Render(ctx, 1, 80); err != nil {
				b.Fatal(err)
			}
			ps = append(ps, p)
		}
		heap1 := liveHeap()
		debug.FreeOSMemory()
		rss1 := rss(b)
		perRSS = float64(rss1-rss0) / n
		perHeap = (float64(heap1) - float64(heap0)) / n
		linear = 0
		for _, p := range ps {
			linear += float64(p.main.mod.Memory().Size())
		}
		linear /= n
		for _, p := range ps {
			p.Close(ctx)
		}
	}
	if want := float64(growingPages << 16); linear != want {
		b.Fatalf("linear memory %v bytes per instance, want %v", linear, want)
	}
	b.ReportMetric(perRSS/(1<<20), "MiB/instance")
	b.ReportMetric(perHeap/(1<<20), "heap-MiB/instance")
	b.ReportMetric(linear/(1<<20), "linear-MiB/instance")
	b.ReportMetric(linear/(1<<20)+0.25, "target-MiB/instance")
}
