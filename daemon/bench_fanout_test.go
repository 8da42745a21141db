package daemon

// The fan-out of session state to plugins, measured inside the daemon: a
// real Daemon (Run, its loop, the wasi host on the compiler) with 100
// plugin panes of the status example, each a separate instance of the
// same compiled module. Figures: bench/README.md, section "Fan-out".
//
//	go test -run '^$' -bench PluginFanout -benchtime 300x -count 3 ./daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
	"github.com/tessera-ws/tessera/wasi"
)

// fanoutWorkspace declares n plugin panes of the status plugin at wasm
// (distinct config, so n instances), 20 per tab.
func fanoutWorkspace(wasm string, n int) string {
	var ws strings.Builder
	fmt.Fprintf(&ws, "plugin \"status\" {\n  source = %q\n  permissions = [\"ReadApplicationState\"]\n}\n", wasm)
	ws.WriteString("session \"fan\" {\n")
	for i := range n {
		if i%20 == 0 {
			if i > 0 {
				ws.WriteString("  }\n")
			}
			fmt.Fprintf(&ws, "  tab \"t%d\" {\n", i/20)
		}
		fmt.Fprintf(&ws, "    plugin_pane \"s%d\" {\n      plugin = plugin.status\n      config = { instance = \"%d\" }\n    }\n", i, i)
	}
	ws.WriteString("  }\n}\n")
	return ws.String()
}

// runBenchDaemon runs a daemon (Run, in this process) on the workspace in
// its own XDG directories, without applying it. Plugins run on the
// compiler (the compilation cache is shared with the other benchmarks, so
// only the first run ever compiles). It is stopped at cleanup.
func runBenchDaemon(b *testing.B, ws string) *Daemon {
	b.Helper()
	base, err := os.MkdirTemp("/tmp", "tfo")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(base) })
	for _, dir := range []string{"ws", "rt", "state", "data"} {
		if err := os.MkdirAll(filepath.Join(base, dir), 0o700); err != nil {
			b.Fatal(err)
		}
	}
	b.Setenv("XDG_RUNTIME_DIR", filepath.Join(base, "rt"))
	b.Setenv("XDG_STATE_HOME", filepath.Join(base, "state"))
	b.Setenv("XDG_DATA_HOME", filepath.Join(base, "data"))
	file := filepath.Join(base, "ws", "workspace.hcl")
	if err := os.WriteFile(file, []byte(ws), 0o600); err != nil {
		b.Fatal(err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	d, err := New(Config{
		Workspace:  file,
		CacheDir:   filepath.Join(cache, "tessera-test-compiled"),
		Engine:     wasi.EngineCompiler,
		DeferApply: true,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	b.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			b.Errorf("daemon: %v", err)
		}
	})
	return d
}

// startFanoutDaemon runs a daemon on the workspace and returns it once
// every pane is ready and every plugin is idle.
func startFanoutDaemon(b *testing.B, ws string) (*Daemon, *session, []*wasi.Plugin, []*pluginView) {
	b.Helper()
	d := runBenchDaemon(b, ws)
	ctx := context.Background()
	var readies []chan struct{}
	if err := d.call(ctx, func() {
		d.reload("benchmark")
		for _, o := range d.objectsLocked() {
			if p, ok := o.(*pane); ok {
				readies = append(readies, p.ready)
			}
		}
	}); err != nil {
		b.Fatal(err)
	}
	for _, r := range readies {
		select {
		case <-r:
		case <-time.After(5 * time.Minute):
			b.Fatal("the plugins did not draw their first frame")
		}
	}
	// A pane can be ready (first frame) a moment before the loop has
	// taken its loaded plugin: wait until every one runs.
	var s *session
	var plugins []*wasi.Plugin
	var views []*pluginView
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var waiting []string
		plugins, views = nil, nil
		if err := d.call(ctx, func() {
			s = d.sessions[0]
			for _, t := range s.tabs {
				for _, p := range t.panes {
					if p.plug == nil || p.plug.p == nil || p.plug.state != StateRunning {
						waiting = append(waiting, fmt.Sprintf("%s: %s (%s)", p.addr, p.currentState(), p.plug.lastErr))
						continue
					}
					plugins = append(plugins, p.plug.p)
					views = append(views, p.plug.view)
				}
			}
		}); err != nil {
			b.Fatal(err)
		}
		if len(waiting) == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("plugins not running: %s", strings.Join(waiting, "; "))
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i, p := range plugins {
		if p.Engine() != wasi.EngineCompiler {
			b.Fatalf("plugin %d runs on %s, want the compiler", i, p.Engine())
		}
	}
	syncAll(b, plugins)
	return d, s, plugins, views
}

// syncAll waits until every plugin has processed everything posted to it
// (in parallel: the time is that of the last one).
func syncAll(b *testing.B, plugins []*wasi.Plugin) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(plugins))
	for i, p := range plugins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.Sync(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			b.Fatalf("plugin %d: %v", i, err)
		}
	}
}

// waitFrames waits until every view has more frames than before (woken by
// the views' change channels, not polling).
func waitFrames(b *testing.B, views []*pluginView, before []uint64) {
	deadline := time.After(time.Minute)
	for i, v := range views {
		for {
			v.mu.Lock()
			n, ch := v.frames, v.changed
			v.mu.Unlock()
			if n > before[i] {
				break
			}
			select {
			case <-ch:
			case <-deadline:
				b.Fatalf("plugin %d drew no frame after the change", i)
			}
		}
	}
}

func frameCounts(views []*pluginView) []uint64 {
	out := make([]uint64, len(views))
	for i, v := range views {
		v.mu.Lock()
		out[i] = v.frames
		v.mu.Unlock()
	}
	return out
}

// BenchmarkPluginFanout: a tab opened in a session with 100 plugin panes
// (and, for reference, 1) of the status example, which subscribes to
// TabUpdate and renders on it. One op is the time from the change (newTab on the loop) until the
// last of the instances has processed the TabUpdate, rendered, and its
// frame reached the daemon's view (Sync on each, in parallel). The tab is
// closed again (untimed) so that every op sees the same session. p50 and
// p99 over the ops are reported, and the CPU time of the whole process
// per op (the host, the guests and the measurement's own Syncs).
func BenchmarkPluginFanout(b *testing.B) {
	wasm := guestbuild.Build(b, "../examples/plugins/status")
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("plugins=%d", n), func(b *testing.B) { benchFanout(b, wasm, n) })
	}
}

func benchFanout(b *testing.B, wasm string, n int) {
	d, s, plugins, views := startFanoutDaemon(b, fanoutWorkspace(wasm, n))
	if len(plugins) != n {
		b.Fatalf("%d plugins running, want %d", len(plugins), n)
	}
	ctx := context.Background()
	var lat []time.Duration
	var cpu time.Duration
	calls0 := guestCalls(plugins)
	if path := os.Getenv("TESSERA_FANOUT_CPUPROFILE"); path != "" && n > 1 {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	for b.Loop() {
		before := frameCounts(views)
		c0 := processCPU()
		t0 := time.Now()
		if err := d.call(ctx, func() { d.newTab(s, "fan") }); err != nil {
			b.Fatal(err)
		}
		// The loop offers the update to each plugin's state feed after the
		// message that made the change (flushDirty); the op ends when every
		// plugin has drawn a frame after it.
		waitFrames(b, views, before)
		lat = append(lat, time.Since(t0))
		cpu += processCPU() - c0

		b.StopTimer()
		after := frameCounts(views)
		for i := range after {
			if after[i] <= before[i] {
				b.Fatalf("plugin %d did not render on the TabUpdate (%d frames before, %d after)", i, before[i], after[i])
			}
		}
		if err := d.call(ctx, func() {
			if err := d.closeTabAt(s, len(s.tabs)-1); err != nil {
				b.Error(err)
			}
		}); err != nil {
			b.Fatal(err)
		}
		// The close is a change too: wait until every plugin has drawn it
		// (its state feed calls the plugin on its own goroutine, which a
		// Sync alone may not yet see), so that it does not run into the
		// next op.
		waitFrames(b, views, after)
		syncAll(b, plugins)
		b.StartTimer()
	}
	// Guest calls per instance per op, including the untimed close of the
	// tab (two changes: 4 when each costs one update and one render).
	b.ReportMetric(float64(guestCalls(plugins)-calls0)/float64(len(lat)*n), "calls/plugin/op")
	slices.Sort(lat)
	q := func(p int) float64 {
		i := min(len(lat)-1, (len(lat)*p+99)/100-1)
		return float64(lat[max(0, i)].Microseconds()) / 1000
	}
	b.ReportMetric(q(50), "p50-ms")
	b.ReportMetric(q(99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(lat)), "cpu-ms/op")
}

// guestCalls sums the guest calls the plugins made.
func guestCalls(plugins []*wasi.Plugin) uint64 {
	var n uint64
	for _, p := range plugins {
		n += p.Stats().Calls
	}
	return n
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
