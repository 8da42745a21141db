package wasi

import (
	"context"
	"encoding/binary"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// Benchmarks of the targets on the status example plugin (a Go
// SDK plugin, built by guestbuild) and on a synthetic module the size of
// Zellij's status bar. See bench/README.md.

func statusWasm(b testing.TB) []byte {
	b.Helper()
	path, err := guestbuild.BuildPath("../examples/plugins/status")
	if err != nil {
		b.Fatal(err)
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return wasm
}

var statusLimits = Limits{CallTimeout: 60 * time.Second, LoadTimeout: 60 * time.Second}

// firstFrame is what a process does to show a plugin: a new host, Load,
// then the first render.
func firstFrame(b *testing.B, cfg HostConfig, wasm []byte) (*Host, *Plugin) {
	ctx := context.Background()
	h, err := NewHost(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	p, err := h.Load(ctx, wasm, PluginConfig{ID: 1, Builtin: true, Limits: statusLimits})
	if err != nil {
		b.Fatal(err)
	}
	if f, err := p.Render(ctx, 1, 80); err != nil || len(f) == 0 {
		b.Fatalf("first frame %q: %v", f, err)
	}
	return h, p
}

// BenchmarkFirstFrame is NewHost + Load + the first Render of a plugin
// with the default engine choice of `plugin run` (tiering), for the status
// example (a 3.6 MB Go plugin) and the synthetic status-bar-sized module
// (1.5 MB, see statusBarSizedModule).
//
//   - cold: an empty cache directory each time. The plugin starts on the
//     interpreter; the background compile starts after its first frame.
//     After the timed part, the benchmark waits (without calls) until the
//     plugin runs compiled code and reports that wait as ms-to-compiled
//     (from the first frame).
//   - warm: the cache directory of an earlier run (compiled code, marker
//     and rewritten binary); the plugin starts on compiled code.
//   - interpreter: HostConfig.Interpreter (never compiles).
func BenchmarkFirstFrame(b *testing.B) {
	ctx := context.Background()
	for _, mod := range []struct {
		name string
		wasm func(testing.TB) []byte
	}{
		{"status", statusWasm},
		{"synthetic", func(testing.TB) []byte { return statusBarSizedModule() }},
	} {
		wasm := mod.wasm(b)
		b.Run(mod.name+"/cold", func(b *testing.B) {
			var toCompiled time.Duration
			n := 0
			for b.Loop() {
				h, p := firstFrame(b, HostConfig{CacheDir: b.TempDir(), Engine: EngineAuto}, wasm)
				b.StopTimer()
				t0 := time.Now()
				if p.Engine() != EngineInterpreter {
					b.Fatalf("cold start on %s", p.Engine())
				}
				for p.Engine() != EngineCompiler {
					if time.Since(t0) > 2*time.Minute {
						b.Fatal("never moved to compiled code")
					}
					time.Sleep(time.Millisecond)
				}
				toCompiled += time.Since(t0)
				n++
				h.WaitCompiled(ctx)
				h.Close(ctx)
				b.StartTimer()
			}
			b.ReportMetric(float64(toCompiled.Milliseconds())/float64(n), "ms-to-compiled")
		})
		b.Run(mod.name+"/warm", func(b *testing.B) {
			dir := b.TempDir()
			h, _ := firstFrame(b, HostConfig{CacheDir: dir, Engine: EngineCompiler}, wasm)
			h.WaitCompiled(ctx)
			h.Close(ctx)
			b.ResetTimer()
			for b.Loop() {
				h, p := firstFrame(b, HostConfig{CacheDir: dir, Engine: EngineAuto}, wasm)
				b.StopTimer()
				if p.Engine() != EngineCompiler {
					b.Fatalf("warm start on %s", p.Engine())
				}
				h.Close(ctx)
				b.StartTimer()
			}
		})
		b.Run(mod.name+"/interpreter", func(b *testing.B) {
			for b.Loop() {
				h, _ := firstFrame(b, HostConfig{Engine: EngineInterpreter}, wasm)
				b.StopTimer()
				h.Close(ctx)
				b.StartTimer()
			}
		})
	}
}

// statusEvents are the events the status plugin renders on: a mode change
// and a tab update with three tabs.
func statusEvents() []*pluginpb.Event {
	mode := func(m pluginpb.InputMode) *pluginpb.Event {
		return &pluginpb.Event{Name: pluginpb.EventType_ModeUpdate, Payload: &pluginpb.Event_ModeUpdatePayload{
			ModeUpdatePayload: &pluginpb.ModeUpdatePayload{CurrentMode: m, SessionName: strPtr("tessera")}}}
	}
	var tabs []*pluginpb.TabInfo
	for i, name := range []string{"editor", "build", "logs"} {
		tabs = append(tabs, &pluginpb.TabInfo{Position: uint32(i), Name: name, Active: i == 1})
	}
	tab := &pluginpb.Event{Name: pluginpb.EventType_TabUpdate, Payload: &pluginpb.Event_TabUpdatePayload{
		TabUpdatePayload: &pluginpb.TabUpdatePayload{TabInfo: tabs}}}
	return []*pluginpb.Event{mode(pluginpb.InputMode_Normal), tab, mode(pluginpb.InputMode_Locked), tab}
}

func strPtr(s string) *string { return &s }

// BenchmarkStatusUpdateRender is one event that the status plugin renders
// on (Update, update returns 1, render, frame to the observer), on each engine:
// the compiler with interrupt deadlines (the default), the compiler without
// any deadline mechanism (to show their cost) and the interpreter.
func BenchmarkStatusUpdateRender(b *testing.B) {
	wasm := statusWasm(b)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		cfg  HostConfig
		mode deadlineMode
	}{
		{"compiler", HostConfig{CacheDir: b.TempDir(), Engine: EngineCompiler}, deadlineInterrupt},
		{"compiler-no-deadline", HostConfig{CacheDir: b.TempDir(), Engine: EngineCompiler}, deadlineNone},
		{"interpreter", HostConfig{Engine: EngineInterpreter}, deadlineInterrupt},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h, err := NewHost(context.WithValue(ctx, deadlineModeKey{}, tc.mode), tc.cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close(ctx)
			var frames atomic.Int64
			p, err := h.Load(ctx, wasm, PluginConfig{ID: 1, Builtin: true, Limits: statusLimits, Observer: countFrames(&frames)})
			if err != nil {
				b.Fatal(err)
			}
			if want, _, _ := strings.Cut(tc.name, "-"); p.Engine().String() != want {
				b.Fatalf("runs on %s", p.Engine())
			}
			p.Resize(1, 120)
			evs := statusEvents()
			for _, ev := range evs {
				p.Update(ctx, ev)
			}
			p.Sync(ctx)
			start := frames.Load()
			i := 0
			b.ResetTimer()
			for b.Loop() {
				if _, err := p.Update(ctx, evs[i%len(evs)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.StopTimer()
			p.Sync(ctx)
			if frames.Load()-start < int64(i) {
				b.Fatalf("%d frames for %d updates", frames.Load()-start, i)
			}
		})
	}
}

// BenchmarkMemoryPerPlugin reports the resident memory each extra loaded
// plugin adds (over 20 plugins of one module, each rendered once), the
// linear memory of its instances, and the difference: what the host and
// wazero add per plugin beyond linear memory.
//
//   - status: the status example (Go, one instance).
//   - synthetic: a module shaped like Zellij's status bar (≈1.5 MB of code
//     in 3,000 functions, 20 pages of memory: a 64 KiB data segment and 19
//     pages written by load; the plugin imports and exports).
func BenchmarkMemoryPerPlugin(b *testing.B) {
	for _, tc := range []struct {
		name string
		wasm func(testing.TB) []byte
	}{
		{"status", statusWasm},
		{"synthetic", func(testing.TB) []byte { return statusBarSizedModule() }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			wasm := tc.wasm(b)
			h := testHost(b)
			ctx := context.Background()
			if err := h.Compile(ctx, wasm); err != nil {
				b.Fatal(err)
			}
			const n = 20
			var perPlugin, linear float64
			for b.Loop() {
				debug.FreeOSMemory()
				before := rss(b)
				var ps []*Plugin
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
				debug.FreeOSMemory()
				perPlugin = float64(rss(b)-before) / n
				linear = 0
				for _, p := range ps {
					p.instMu.Lock()
					for _, in := range p.instances {
						linear += float64(in.mod.Memory().Size())
					}
					p.instMu.Unlock()
				}
				linear /= n
				for _, p := range ps {
					p.Close(ctx)
				}
			}
			b.ReportMetric(perPlugin/(1<<20), "MiB/plugin")
			b.ReportMetric(linear/(1<<20), "linear-MiB/plugin")
			b.ReportMetric((perPlugin-linear)/(1<<20), "beyond-linear-MiB/plugin")
			b.ReportMetric(float64(len(wasm))/(1<<20), "module-MiB")
		})
	}
}

// statusBarSizedModule assembles a plugin module of the size of Zellij's
// status bar: about 1.5 MB of code in 3,000 functions, 20 pages of memory
// (a 64 KiB data segment, load writes all the other pages), a mutable global, the
// imports of a plugin (fd_write, fd_read, host_run_plugin_command) and the
// exports load, update, render, _start and memory.
func statusBarSizedModule() []byte {
	le := func(v uint64) []byte { return binary.AppendUvarint(nil, v) } // unsigned LEB128
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
	const fillers, pages = 3000, 20
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
	funcs := cat(le(4+fillers), []byte{0, 1, 2, 0})
	for i := 0; i < fillers; i++ {
		funcs = append(funcs, 4)
	}
	exports := cat([]byte{5}, name("memory"), []byte{2, 0}, name("load"), []byte{0, 3}, name("update"), []byte{0, 4},
		name("render"), []byte{0, 5}, name("_start"), []byte{0, 6})
	globals := []byte{1, 0x7f, 1, 0x41, 0x80, 0x80, 0xc0, 0, 0x0b} // mut i32 = 1 MiB
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
	// load writes every page after the data segment: memory.fill(64 KiB, 1, 19 pages).
	load := fn(cat([]byte{0, 0x41}, sleb(1<<16), []byte{0x41, 1, 0x41}, sleb((pages-1)<<16), []byte{0xfc, 0x0b, 0, 0x0b}))
	update := fn([]byte{0, 0x41, 1, 0x0b})
	render := fn([]byte{0,
		0x41, 0, 0x10, 7, 0x1a, // call the first filler
		0x41, 1, 0x41, 0, 0x41, 1, 0x41, 16, 0x10, 0, 0x1a, // fd_write(1, iov@0, 1, @16)
		0x0b})
	start := fn([]byte{0, 0x0b})
	code := cat(le(4+fillers), load, update, render, start)
	for i := 0; i < fillers; i++ {
		body := []byte{0, 0x20, 0} // local.get 0
		for k := 0; len(body) < 480; k++ {
			body = append(body, 0x41, byte(k&0x3f), 0x6a, 0x41, byte((k*7)&0x3f), 0x73) // i32.add c; i32.xor c'
			if k%16 == 15 {
				body = append(body, 0x28, 2, 0)                   // i32.load (address from the running value; traps only if out of range)
				body = append(body, 0x41, 0xff, 0xff, 0x03, 0x71) // i32.and 0xffff
			}
		}
		if i+1 < fillers && i%8 != 7 {
			body = append(body, 0x10)
			body = append(body, le(uint64(8+i))...) // call the next filler
		}
		body = append(body, 0x0b)
		code = append(code, fn(body)...)
	}
	data := []byte{32, 0, 0, 0, 7, 0, 0, 0} // iov {32, 7}
	data = append(data, make([]byte, 24)...)
	data = append(data, "status\n"...)
	for len(data) < 64<<10 {
		data = append(data, byte(len(data)*31))
	}
	return cat(
		[]byte{0, 'a', 's', 'm', 1, 0, 0, 0},
		sec(1, types), sec(2, imports), sec(3, funcs),
		sec(5, []byte{1, 0, pages}),
		sec(6, globals),
		sec(7, exports),
		sec(10, code),
		sec(11, cat([]byte{1, 0, 0x41, 0, 0x0b}, le(uint64(len(data))), data)),
	)
}
