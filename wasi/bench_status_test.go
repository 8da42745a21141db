package wasi

import (
	"context"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
	"github.com/tessera-ws/tessera/internal/testutil/wasmgen"
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
// (1.5 MB, see wasmgen.StatusBarSized).
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
		{"synthetic", func(testing.TB) []byte { return wasmgen.StatusBarSized() }},
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
		{"synthetic", func(testing.TB) []byte { return wasmgen.StatusBarSized() }},
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
