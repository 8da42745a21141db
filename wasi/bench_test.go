package wasi

import (
	"context"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tetratelabs/wazero"
	"google.golang.org/protobuf/proto"

	"github.com/tessera-ws/tessera/proto/pluginpb"
)

// Benchmarks of the plugin host. Run:
//
//	go test -run '^$' -bench . -count=6 ./wasi/
//
// The guest is the probe test plugin (a 3 MB Go reactor).

func BenchmarkCompileCold(b *testing.B) {
	wasm := probeWasm(b)
	ctx := context.Background()
	for b.Loop() {
		h, err := NewHost(ctx, HostConfig{NoDiskCache: true, Engine: EngineCompiler})
		if err != nil {
			b.Fatal(err)
		}
		if err := h.Compile(ctx, wasm); err != nil {
			b.Fatal(err)
		}
		h.Close(ctx)
	}
}

func BenchmarkCompileWarmDiskCache(b *testing.B) {
	wasm := probeWasm(b)
	ctx := context.Background()
	dir := b.TempDir()
	h, err := NewHost(ctx, HostConfig{CacheDir: dir, Engine: EngineCompiler})
	if err != nil {
		b.Fatal(err)
	}
	if err := h.Compile(ctx, wasm); err != nil {
		b.Fatal(err)
	}
	h.Close(ctx)
	b.ResetTimer()
	for b.Loop() {
		h, err := NewHost(ctx, HostConfig{CacheDir: dir, Engine: EngineCompiler})
		if err != nil {
			b.Fatal(err)
		}
		if err := h.Compile(ctx, wasm); err != nil {
			b.Fatal(err)
		}
		h.Close(ctx)
	}
}

// BenchmarkFirstLoadTiered is the first Load of a module in a fresh process
// with EngineAuto: rewrite, interpreter compile, load (compare with
// CompileCold plus Load). The background compile is cancelled by Close.
func BenchmarkFirstLoadTiered(b *testing.B) {
	wasm := probeWasm(b)
	ctx := context.Background()
	for b.Loop() {
		// The gate keeps the background compile out of the figure.
		h, err := NewHost(gated(ctx), HostConfig{NoDiskCache: true, Engine: EngineAuto})
		if err != nil {
			b.Fatal(err)
		}
		p, err := h.Load(ctx, wasm, PluginConfig{ID: 1})
		if err != nil {
			b.Fatal(err)
		}
		if p.Engine() != EngineInterpreter {
			b.Fatal("not tiered")
		}
		b.StopTimer()
		h.Close(ctx)
		close(fastGate(h))
		b.StartTimer()
	}
}

// BenchmarkInstantiate is one sandboxed instance of a compiled module,
// without running any of its code.
func BenchmarkInstantiate(b *testing.B) {
	p := loadProbe(b, PluginConfig{ID: 1})
	for b.Loop() {
		in, err := p.newInstance("bench", wazero.NewFSConfig())
		if err != nil {
			b.Fatal(err)
		}
		in.mod.Close(context.Background())
	}
}

// BenchmarkLoad is Load of an already compiled module: instantiate,
// _initialize, _start, the worker instance, configuration and load.
func BenchmarkLoad(b *testing.B) {
	h := testHost(b)
	wasm := probeWasm(b)
	ctx := context.Background()
	if err := h.Compile(ctx, wasm); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p, err := h.Load(ctx, wasm, PluginConfig{ID: 1, Config: map[string]string{"a": "b"}})
		if err != nil {
			b.Fatal(err)
		}
		p.Close(ctx)
	}
}

// BenchmarkUpdateRender is one event delivered through Update that makes the
// guest render a frame (delivered to the observer).
func BenchmarkUpdateRender(b *testing.B) {
	var frames atomic.Int64
	p := loadProbe(b, PluginConfig{ID: 1, Builtin: true, Config: map[string]string{"subscribe": "3"}, Observer: countFrames(&frames)})
	p.Resize(24, 80)
	act(b, p, "clear", "")
	ctx := context.Background()
	ev := keyEvent('a')
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.Update(ctx, ev); err != nil {
			b.Fatal(err)
		}
		if frames.Load()%256 == 0 {
			act(b, p, "clear", "")
		}
	}
	b.StopTimer()
	p.Sync(ctx)
	if frames.Load() < int64(b.N) {
		b.Fatalf("%d frames for %d updates", frames.Load(), b.N)
	}
}

// BenchmarkCommandRoundTrip is one GetPluginIds command issued by the guest
// in a loop: frame printed, host call, decode, reply framed, reply read.
func BenchmarkCommandRoundTrip(b *testing.B) {
	p := loadProbe(b, PluginConfig{ID: 1, Limits: Limits{CommandsPerSecond: -1}})
	ctx := context.Background()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(b.N-done, 100000)
		if _, err := p.Pipe(ctx, &pluginpb.PipeMessage{Name: "loopids", Payload: proto.String(strconv.Itoa(n))}); err != nil {
			b.Fatal(err)
		}
		done += n
	}
	b.StopTimer()
	if s := p.Stats(); s.Commands < uint64(b.N) {
		b.Fatalf("%d commands for %d", s.Commands, b.N)
	}
}

// BenchmarkMemoryPerInstance reports the resident memory added by each
// extra loaded plugin (main instance plus its worker instance) of the 3 MB
// probe guest, over 20 plugins.
func BenchmarkMemoryPerInstance(b *testing.B) {
	h := testHost(b)
	wasm := probeWasm(b)
	ctx := context.Background()
	if err := h.Compile(ctx, wasm); err != nil {
		b.Fatal(err)
	}
	const n = 20
	var perInstance float64
	for b.Loop() {
		debug.FreeOSMemory()
		before := rss(b)
		var ps []*Plugin
		for i := 0; i < n; i++ {
			p, err := h.Load(ctx, wasm, PluginConfig{ID: uint32(i)})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.Render(ctx, 24, 80); err != nil {
				b.Fatal(err)
			}
			ps = append(ps, p)
		}
		debug.FreeOSMemory()
		perInstance = float64(rss(b)-before) / n
		for _, p := range ps {
			p.Close(ctx)
		}
	}
	b.ReportMetric(perInstance/(1<<20), "MiB/plugin")
}

func rss(b *testing.B) int64 {
	s, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		b.Skip("no /proc/self/statm")
	}
	f := strings.Fields(string(s))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// BenchmarkDeadline compares a tight guest loop (10M iterations) under the
// deadline mechanisms: interrupt flag (default), wazero's context watch, none.
func BenchmarkDeadline(b *testing.B) {
	for _, tc := range []struct {
		name string
		mode deadlineMode
	}{{"interrupt", deadlineInterrupt}, {"context", deadlineContext}, {"none", deadlineNone}} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			h, err := NewHost(context.WithValue(ctx, deadlineModeKey{}, tc.mode), HostConfig{CacheDir: b.TempDir(), Engine: EngineCompiler})
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close(ctx)
			p, err := h.Load(ctx, probeWasm(b), PluginConfig{ID: 1, Limits: Limits{CallTimeout: 60e9}})
			if err != nil {
				b.Fatal(err)
			}
			msg := &pluginpb.PipeMessage{Name: "count", Payload: proto.String("10000000")}
			b.ResetTimer()
			for b.Loop() {
				if _, err := p.Pipe(ctx, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCommandRoundTripMinimal is the host's share of a command round
// trip: a hand-assembled guest whose update loops 1000 times over fd_write of
// a GetPluginIds frame, host_run_plugin_command and fd_read of the reply.
// Reported per command.
func BenchmarkCommandRoundTripMinimal(b *testing.B) {
	ctx := context.Background()
	p, err := testHost(b).Load(ctx, cmdLoopModule(), PluginConfig{ID: 1, Limits: Limits{CommandsPerSecond: -1}})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(ctx)
	ev := permResult()
	b.ResetTimer()
	for done := 0; done < b.N; done += 1000 {
		if _, err := p.Update(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if s := p.Stats(); s.Commands < uint64(b.N) || len(s.Incidents) != 0 {
		b.Fatalf("stats %+v for %d", s, b.N)
	}
}

// cmdLoopModule assembles the guest of BenchmarkCommandRoundTripMinimal.
func cmdLoopModule() []byte {
	sec := func(id byte, body []byte) []byte { return append([]byte{id, byte(len(body))}, body...) }
	name := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	fn := func(code ...byte) []byte { return append([]byte{byte(len(code))}, code...) }
	update := fn(1, 1, 0x7f, // one i32 local
		0x03, 0x40, // loop
		0x41, 1, 0x41, 0, 0x41, 1, 0x41, 16, 0x10, 0, 0x1a, // fd_write(1, iov@0, 1, @16)
		0x10, 1, // host_run_plugin_command
		0x41, 0, 0x41, 8, 0x41, 1, 0x41, 20, 0x10, 2, 0x1a, // fd_read(0, iov@8, 1, @20)
		0x20, 0, 0x41, 1, 0x6a, 0x22, 0, 0x41, 0xe8, 0x07, 0x49, 0x0d, 0, // ++i < 1000
		0x0b, 0x41, 0, 0x0b)
	data := []byte{32, 0, 0, 0, 6, 0, 0, 0, 64, 0, 0, 0, 0, 1, 0, 0}
	data = append(data, make([]byte, 16)...)
	data = append(data, "[8,3]\n"...)
	return cat(
		[]byte{0, 'a', 's', 'm', 1, 0, 0, 0},
		sec(1, []byte{4, 0x60, 0, 0, 0x60, 0, 1, 0x7f, 0x60, 2, 0x7f, 0x7f, 0, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f}),
		sec(2, cat([]byte{3},
			name("wasi_snapshot_preview1"), name("fd_write"), []byte{0, 3},
			name("zellij"), name("host_run_plugin_command"), []byte{0, 0},
			name("wasi_snapshot_preview1"), name("fd_read"), []byte{0, 3})),
		sec(3, []byte{4, 0, 1, 2, 0}),
		sec(5, []byte{1, 0, 1}),
		sec(7, cat([]byte{5}, name("memory"), []byte{2, 0}, name("load"), []byte{0, 3}, name("update"), []byte{0, 4},
			name("render"), []byte{0, 5}, name("_start"), []byte{0, 6})),
		sec(10, cat([]byte{4}, fn(0, 0x0b), update, fn(0, 0x0b), fn(0, 0x0b))),
		sec(11, cat([]byte{1, 0, 0x41, 0, 0x0b, byte(len(data))}, data)),
	)
}

// BenchmarkUpdateRenderMinimal is the host's share of an event round trip:
// a hand-assembled guest whose update returns 1 and whose render writes one
// short line; the frame goes to the observer.
func BenchmarkUpdateRenderMinimal(b *testing.B) {
	ctx := context.Background()
	var frames atomic.Int64
	p, err := testHost(b).Load(ctx, tinyModule([]string{"_start"}, returnOne, "frame-ok\n", true),
		PluginConfig{ID: 1, Observer: countFrames(&frames)})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(ctx)
	p.Resize(24, 80)
	ev := permResult()
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.Update(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	p.Sync(ctx)
	if frames.Load() < int64(b.N) {
		b.Fatalf("%d frames", frames.Load())
	}
}
