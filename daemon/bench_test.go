package daemon_test

// Benchmarks of the daemon as people run it: the real `tessera daemon`
// binary, real processes on real ptys, the control API over the unix
// socket. Figures and how to read them: bench/README.md, section "Daemon".
//
//	go test -run '^$' -bench Daemon -benchtime 1x -count 5 ./daemon
//
// Every daemon gets its own XDG directories under a short /tmp directory
// (socket paths are limited to 108 bytes) and is stopped by the benchmark.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/tessera-ws/tessera/internal/ctl"
	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
	"github.com/tessera-ws/tessera/internal/testutil/wasmgen"
	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
	"github.com/tessera-ws/tessera/proto/control/v1/controlv1connect"
)

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// TestMain removes the tessera binary the benchmarks built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// tesseraBinary builds cmd/tessera once per test binary.
func tesseraBinary(b *testing.B) string {
	b.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "tessera-bench-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "tessera")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/tessera-ws/tessera/cmd/tessera").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("build tessera: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		b.Fatal(binErr)
	}
	return binPath
}

// compileCache is the plugin compilation cache shared by every daemon of
// the benchmarks (and the command's tests): a cold compile of a Go plugin
// takes seconds and is not what these benchmarks measure.
func compileCache() string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "tessera-test-compiled")
}

// benchDaemon is one `tessera daemon` process with its own XDG directories.
type benchDaemon struct {
	b      *testing.B
	base   string
	file   string // the workspace file
	cmd    *exec.Cmd
	pid    int
	socket string
	api    controlv1connect.ControlServiceClient
	stderr *bytes.Buffer
	exited chan struct{}
}

// newBenchDaemon writes the workspace and starts `tessera daemon
// --background` on it (the daemon waits for a client's apply), returning
// once its socket answers.
func newBenchDaemon(b *testing.B, workspace string) *benchDaemon {
	b.Helper()
	bin := tesseraBinary(b)
	base, err := os.MkdirTemp("/tmp", "tdb")
	if err != nil {
		b.Fatal(err)
	}
	d := &benchDaemon{b: b, base: base, file: filepath.Join(base, "ws", "workspace.hcl"), stderr: &bytes.Buffer{}, exited: make(chan struct{})}
	for _, dir := range []string{"ws", "rt", "state", "data"} {
		if err := os.MkdirAll(filepath.Join(base, dir), 0o700); err != nil {
			b.Fatal(err)
		}
	}
	d.write(workspace)
	d.cmd = exec.Command(bin, "daemon", "--background", d.file)
	d.cmd.Dir = filepath.Join(base, "ws")
	d.cmd.Env = append(os.Environ(),
		"XDG_RUNTIME_DIR="+filepath.Join(base, "rt"),
		"XDG_STATE_HOME="+filepath.Join(base, "state"),
		"XDG_DATA_HOME="+filepath.Join(base, "data"),
		"XDG_CACHE_HOME="+compileCache(),
		"TESSERA_WORKSPACE=",
		"SHELL=/bin/sh",
	)
	d.cmd.Stderr = d.stderr
	if err := d.cmd.Start(); err != nil {
		os.RemoveAll(base)
		b.Fatal(err)
	}
	d.pid = d.cmd.Process.Pid
	go func() { d.cmd.Wait(); close(d.exited) }()
	b.Cleanup(d.stop)

	deadline := time.Now().Add(60 * time.Second)
	for d.socket == "" {
		if time.Now().After(deadline) {
			b.Fatalf("the daemon did not start:\n%s", d.stderr)
		}
		select {
		case <-d.exited:
			b.Fatalf("the daemon exited:\n%s", d.stderr)
		case <-time.After(10 * time.Millisecond):
		}
		ents, _ := os.ReadDir(filepath.Join(base, "rt", "tessera"))
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".sock") && ctl.Alive(filepath.Join(base, "rt", "tessera", e.Name())) {
				d.socket = filepath.Join(base, "rt", "tessera", e.Name())
			}
		}
	}
	d.api = ctl.Client(d.socket)
	return d
}

// write replaces the workspace file as editors do (a new file renamed over
// the old one).
func (d *benchDaemon) write(src string) {
	tmp := d.file + ".tmp"
	if err := os.WriteFile(tmp, []byte(src), 0o600); err != nil {
		d.b.Fatal(err)
	}
	if err := os.Rename(tmp, d.file); err != nil {
		d.b.Fatal(err)
	}
}

// stop shuts the daemon down over the API (SIGKILL if it does not exit)
// and removes its directories.
func (d *benchDaemon) stop() {
	if d.cmd == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_, _ = d.api.Shutdown(ctx, connect.NewRequest(&controlv1.ShutdownRequest{}))
	cancel()
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		d.cmd.Process.Kill()
		<-d.exited
	}
	d.cmd = nil
	os.RemoveAll(d.base)
}

// apply applies the workspace file and waits until every pane and plugin
// has started; it fails the benchmark when one failed.
func (d *benchDaemon) apply() *controlv1.ApplyResponse {
	d.b.Helper()
	res, err := d.api.Apply(context.Background(), connect.NewRequest(&controlv1.ApplyRequest{Wait: true}))
	if err != nil {
		d.b.Fatalf("apply: %v\n%s", err, d.stderr)
	}
	if len(res.Msg.Diagnostics) > 0 || len(res.Msg.Failed) > 0 {
		d.b.Fatalf("apply: %d diagnostics, %d failed:\n%s\n%v", len(res.Msg.Diagnostics), len(res.Msg.Failed), res.Msg.Text, res.Msg.Failed)
	}
	return res.Msg
}

// rssMiB is the daemon process's resident set (VmRSS) in MiB.
func (d *benchDaemon) rssMiB() float64 {
	d.b.Helper()
	return procRSSMiB(d.b, d.pid)
}

func procRSSMiB(b *testing.B, pid int) float64 {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(st), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				b.Fatalf("VmRSS %q: %v", v, err)
			}
			return float64(kb) / 1024
		}
	}
	b.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// events follows the daemon's events of the given types; the stream is
// subscribed when it returns.
func (d *benchDaemon) events(ctx context.Context, types ...string) <-chan *controlv1.Event {
	d.b.Helper()
	st, err := d.api.Events(ctx, connect.NewRequest(&controlv1.EventsRequest{Types: types}))
	if err != nil {
		d.b.Fatal(err)
	}
	if !st.Receive() {
		d.b.Fatalf("events: %v", st.Err())
	}
	ch := make(chan *controlv1.Event, 1024)
	go func() {
		defer close(ch)
		defer st.Close()
		for st.Receive() {
			ch <- st.Msg()
		}
	}()
	return ch
}

// waitEvent returns the first event of typ for address.
func waitEvent(b *testing.B, ch <-chan *controlv1.Event, typ, address string) *controlv1.Event {
	b.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				b.Fatalf("the event stream ended while waiting for %s of %s", typ, address)
			}
			if ev.Lagged {
				b.Fatalf("the event reader fell behind (%d dropped)", ev.Dropped)
			}
			if ev.Type == typ && ev.Address == address {
				return ev
			}
		case <-timeout:
			b.Fatalf("no %s event for %s", typ, address)
		}
	}
}

// panePID returns a terminal pane's current pid.
func (d *benchDaemon) panePID(addr string) int32 {
	d.b.Helper()
	res, err := d.api.Describe(context.Background(), connect.NewRequest(&controlv1.DescribeRequest{Address: addr}))
	if err != nil {
		d.b.Fatal(err)
	}
	return res.Msg.Object.Pid
}

// panesWorkspace declares n terminal panes running `sleep 600`, 20 per
// tab; args of pane 0 can be varied.
func panesWorkspace(n int, firstArg string) string {
	var b strings.Builder
	b.WriteString("session \"bench\" {\n")
	for i := 0; i < n; i++ {
		if i%20 == 0 {
			if i > 0 {
				b.WriteString("  }\n")
			}
			fmt.Fprintf(&b, "  tab \"t%d\" {\n", i/20)
		}
		arg := "600"
		if i == 0 {
			arg = firstArg
		}
		fmt.Fprintf(&b, "    pane \"p%d\" {\n      command = \"sleep\"\n      args    = [%q]\n    }\n", i, arg)
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// BenchmarkDaemonApply200Cold: a daemon that runs nothing is asked to apply
// a workspace of 200 terminal panes (10 tabs of 20, each `sleep 600`) and
// to wait until every pane runs. One apply per op; the daemon is started
// before and stopped after the timed part.
func BenchmarkDaemonApply200Cold(b *testing.B) {
	const panes = 200
	ws := panesWorkspace(panes, "600")
	for b.Loop() {
		b.StopTimer()
		d := newBenchDaemon(b, ws)
		b.StartTimer()
		t0 := time.Now()
		res := d.apply()
		el := time.Since(t0)
		b.StopTimer()
		if len(res.Started) != panes {
			b.Fatalf("%d panes started, want %d", len(res.Started), panes)
		}
		for _, o := range res.Started {
			if o.State != "running" || o.Pid <= 0 {
				b.Fatalf("%s: state %s pid %d", o.Address, o.State, o.Pid)
			}
		}
		b.ReportMetric(float64(el.Microseconds())/1000, "ms/apply")
		d.stop()
		b.StartTimer()
	}
}

// BenchmarkDaemonPaneChange: one pane's args change in a running
// 200-pane workspace; measured from the save (the rename of the new file
// over the old one) to the pane.started event of its new process, as a
// client of the event stream receives it. Twenty changes per op, medians
// reported.
//
// watch: the daemon's file watcher applies the save; its debounce (the
// default, 150 ms) is subtracted. api: the client calls Apply right after
// the save (what `tessera apply` does); the watcher's own reload comes
// later and finds nothing to do.
func BenchmarkDaemonPaneChange(b *testing.B) {
	const panes, changes = 200, 20
	const debounce = 150 * time.Millisecond // daemon.Config's default
	const addr = "session.bench.tab.t0.pane.p0"
	for _, path := range []string{"watch", "api"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				d := newBenchDaemon(b, panesWorkspace(panes, "600"))
				d.apply()
				ctx, cancel := context.WithCancel(context.Background())
				evs := d.events(ctx, "pane.started")
				var times []float64
				for i := 1; i <= changes; i++ {
					before := d.panePID(addr)
					time.Sleep(2 * debounce) // the previous save's reload is over
					b.StartTimer()
					t0 := time.Now()
					d.write(panesWorkspace(panes, strconv.Itoa(600+i)))
					if path == "api" {
						if _, err := d.api.Apply(ctx, connect.NewRequest(&controlv1.ApplyRequest{})); err != nil {
							b.Fatal(err)
						}
					}
					ev := waitEvent(b, evs, "pane.started", addr)
					el := time.Since(t0)
					b.StopTimer()
					if path == "watch" {
						el -= debounce
					}
					times = append(times, float64(el.Microseconds())/1000)
					if ev.Fields["pid"] == strconv.Itoa(int(before)) {
						b.Fatalf("pane.started with the old pid %d", before)
					}
				}
				// Every other pane kept its process.
				if n := d.countRunning(); n != panes {
					b.Fatalf("%d panes running, want %d", n, panes)
				}
				cancel()
				d.stop()
				slices.Sort(times)
				b.ReportMetric(times[len(times)/2], "ms/change")
				b.ReportMetric(times[len(times)*9/10], "p90-ms")
				b.StartTimer()
			}
		})
	}
}

func (d *benchDaemon) countRunning() int {
	d.b.Helper()
	res, err := d.api.List(context.Background(), connect.NewRequest(&controlv1.ListRequest{Kinds: []string{"terminal_pane"}}))
	if err != nil {
		d.b.Fatal(err)
	}
	n := 0
	for _, o := range res.Msg.Objects {
		if o.State == "running" {
			n++
		}
	}
	return n
}

// lsLike is colored `ls -lR`-like output: n lines plus a directory header
// every 40 (the shape of internal/screen's benchmark input).
func lsLike(w io.Writer, from, n int) {
	for i := from; i < from+n; i++ {
		if i%40 == 0 {
			fmt.Fprintf(w, "\n./src/pkg%03d:\ntotal %d\n", i/40, i*3)
		}
		mode, name := "-rw-r--r--", fmt.Sprintf("file_%05d.go", i)
		switch i % 7 {
		case 0:
			mode, name = "drwxr-xr-x", "\x1b[01;34m"+fmt.Sprintf("dir_%05d", i)+"\x1b[0m"
		case 1:
			mode, name = "-rwxr-xr-x", "\x1b[01;32m"+fmt.Sprintf("run_%05d.sh", i)+"\x1b[0m"
		case 2:
			mode, name = "lrwxrwxrwx", "\x1b[01;36m"+fmt.Sprintf("link_%d", i)+"\x1b[0m -> \x1b[38;5;208mtarget\x1b[0m"
		case 3:
			name = "\x1b[38;2;200;120;40m" + fmt.Sprintf("data_%05d.csv", i) + "\x1b[0m"
		case 4:
			name = fmt.Sprintf("long_name_%05d_%s.txt", i, strings.Repeat("x", i%30))
		}
		fmt.Fprintf(w, "%s 1 dev dev %8d Jan %2d %02d:%02d %s\n", mode, i*37%100000, i%28+1, i%24, i%60, name)
	}
}

const idlePane = `
session "base" {
  tab "idle" {
    pane "idle" {
      command = "sleep"
      args    = ["600"]
    }
  }
}
`

// BenchmarkDaemonRSSTerminalPanes: the daemon's RSS with 100 terminal
// panes that each printed 12,000 lines of colored ls output (about
// 900 KiB; 10,000 lines stay in scrollback) and then sleep. The baseline is
// the same daemon before the apply, running one idle pane; the figure is
// the growth divided by the panes.
func BenchmarkDaemonRSSTerminalPanes(b *testing.B) {
	const panes = 100
	dir := b.TempDir()
	out := filepath.Join(dir, "ls.txt")
	var buf bytes.Buffer
	lsLike(&buf, 0, 12000)
	buf.WriteString("END-OF-OUTPUT\n")
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	var ws strings.Builder
	ws.WriteString(idlePane)
	ws.WriteString("session \"bench\" {\n")
	for i := 0; i < panes; i++ {
		if i%20 == 0 {
			if i > 0 {
				ws.WriteString("  }\n")
			}
			fmt.Fprintf(&ws, "  tab \"t%d\" {\n", i/20)
		}
		fmt.Fprintf(&ws, "    pane \"p%d\" {\n      command = \"sh\"\n      args    = [\"-c\", \"cat %s; exec sleep 600\"]\n    }\n", i, out)
	}
	ws.WriteString("  }\n}\n")
	for b.Loop() {
		b.StopTimer()
		d := newBenchDaemon(b, idlePane)
		d.apply()
		time.Sleep(time.Second)
		base := d.rssMiB()
		d.write(ws.String())
		b.StartTimer()
		d.apply()
		// Every pane has drawn its whole output.
		for i := 0; i < panes; i++ {
			addr := fmt.Sprintf("session.bench.tab.t%d.pane.p%d", i/20, i)
			deadline := time.Now().Add(2 * time.Minute)
			for {
				res, err := d.api.Screen(context.Background(), connect.NewRequest(&controlv1.ScreenRequest{Address: addr}))
				if err != nil {
					b.Fatal(err)
				}
				if slices.Contains(res.Msg.Lines, "END-OF-OUTPUT") {
					break
				}
				if time.Now().After(deadline) {
					b.Fatalf("%s never showed the end of its output", addr)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		b.StopTimer()
		sb, err := d.api.Scrollback(context.Background(), connect.NewRequest(&controlv1.ScrollbackRequest{Address: "session.bench.tab.t0.pane.p0"}))
		if err != nil {
			b.Fatal(err)
		}
		full := d.rssMiB()
		time.Sleep(5 * time.Second) // what the daemon keeps once idle
		idle := d.rssMiB()
		b.ReportMetric(base, "MiB-baseline")
		b.ReportMetric((full-base)/panes, "MiB/pane")
		b.ReportMetric((idle-base)/panes, "MiB/pane-idle5s")
		b.ReportMetric(float64(len(sb.Msg.Lines)), "lines/pane")
		d.stop()
		b.StartTimer()
	}
}

// BenchmarkDaemonRSSPlugins: the daemon's RSS with 100 plugin panes of one
// module, each with its own config, so 100 instances of one compiled
// module; baseline as above (target: growth ≤ 250 MiB for the 100).
// status: the status example (a 3.6 MB Go reactor); synthetic: a 1.5 MB
// module of the status bar's size and shape that is not a Go program
// (wasmgen.StatusBarSized). MiB-100 is measured when the apply returns
// (every plugin loaded); MiB-100-idle5s 5 s later, once the daemon has
// settled: the memory of the loads given back (1 s after the last) and
// each idle plugin's zero pages (2 s after its last call).
func BenchmarkDaemonRSSPlugins(b *testing.B) {
	const plugins = 100
	for _, mod := range []struct {
		name string
		path func(b *testing.B) string
	}{
		{"status", func(b *testing.B) string { return guestbuild.Build(b, "../examples/plugins/status") }},
		{"synthetic", func(b *testing.B) string {
			path := filepath.Join(b.TempDir(), "statusbar.wasm")
			if err := os.WriteFile(path, wasmgen.StatusBarSized(), 0o600); err != nil {
				b.Fatal(err)
			}
			return path
		}},
	} {
		b.Run(mod.name, func(b *testing.B) {
			benchRSSPlugins(b, mod.path(b), plugins)
		})
	}
}

func benchRSSPlugins(b *testing.B, wasm string, plugins int) {
	var ws strings.Builder
	ws.WriteString(idlePane)
	fmt.Fprintf(&ws, "plugin \"status\" {\n  source = %q\n  permissions = [\"ReadApplicationState\"]\n}\n", wasm)
	ws.WriteString("session \"bench\" {\n")
	for i := 0; i < plugins; i++ {
		if i%20 == 0 {
			if i > 0 {
				ws.WriteString("  }\n")
			}
			fmt.Fprintf(&ws, "  tab \"t%d\" {\n", i/20)
		}
		fmt.Fprintf(&ws, "    plugin_pane \"s%d\" {\n      plugin = plugin.status\n      config = { instance = \"%d\" }\n    }\n", i, i)
	}
	ws.WriteString("  }\n}\n")
	for b.Loop() {
		b.StopTimer()
		d := newBenchDaemon(b, idlePane)
		d.apply()
		time.Sleep(time.Second)
		base := d.rssMiB()
		d.write(ws.String())
		b.StartTimer()
		res := d.apply()
		b.StopTimer()
		ids := map[uint32]bool{}
		for _, o := range res.Started {
			if o.Kind == "plugin_pane" {
				ids[o.Id] = true
			}
		}
		if len(ids) != plugins {
			b.Fatalf("%d plugin instances, want %d", len(ids), plugins)
		}
		full := d.rssMiB()
		time.Sleep(5 * time.Second)
		idle := d.rssMiB()
		b.ReportMetric(base, "MiB-baseline")
		b.ReportMetric(full-base, "MiB-100")
		b.ReportMetric(idle-base, "MiB-100-idle5s")
		b.ReportMetric((idle-base)/float64(plugins), "MiB/plugin-idle5s")
		d.stop()
		b.StartTimer()
	}
}

// catFile writes about 100 MB (10^8 bytes) of colored ls-like text ending
// with a marker line.
func catFile(b *testing.B, dir string) (string, int64) {
	path := filepath.Join(dir, "cat.txt")
	var buf bytes.Buffer
	buf.Grow(100_100_000)
	for i := 0; buf.Len() < 100_000_000; i += 1000 {
		lsLike(&buf, i, 1000)
	}
	buf.WriteString("END-OF-CAT\n")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	return path, int64(buf.Len())
}

// BenchmarkDaemonCat100MB: `cat` of a 100 MB file of colored ls-like text
// through a terminal pane of the daemon (80×24, 10,000 lines of
// scrollback), from the restart that starts it to its pane.exited event,
// and the same cat in a detached 80×24 tmux pane (history-limit 10,000) in
// the same op, from new-session until cat has finished. While the daemon's
// cat runs, a client calls Screen on another pane every 5 ms (other-p50-ms,
// other-p99-ms) and on the busy pane itself (busy-p99-ms). ns/op is both
// cats together.
func BenchmarkDaemonCat100MB(b *testing.B) {
	if _, err := exec.LookPath("tmux"); err != nil {
		b.Skip("tmux is not installed (make deps)")
	}
	dir, err := os.MkdirTemp("/tmp", "tdcat")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	file, size := catFile(b, dir)
	ws := fmt.Sprintf(`
session "bench" {
  tab "t" {
    pane "cat" {
      command         = "cat"
      args            = [%q]
      start_suspended = true
    }
    pane "other" {
      command = "sh"
      args    = ["-c", "echo other pane; exec sleep 600"]
    }
  }
}
`, file)
	const catAddr, otherAddr = "session.bench.tab.t.pane.cat", "session.bench.tab.t.pane.other"
	d := newBenchDaemon(b, ws)
	d.apply()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	evs := d.events(ctx, "pane.exited")
	b.SetBytes(size)
	var tesseraS, tmuxS []float64
	var other, busy []time.Duration
	for i := 0; b.Loop(); i++ {
		// The daemon.
		stop := make(chan struct{})
		var probes sync.WaitGroup
		var oLat, bLat []time.Duration
		probe := func(addr string, out *[]time.Duration) {
			defer probes.Done()
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				t0 := time.Now()
				_, err := d.api.Screen(ctx, connect.NewRequest(&controlv1.ScreenRequest{Address: addr}))
				if err != nil {
					b.Error(err)
					return
				}
				*out = append(*out, time.Since(t0))
			}
		}
		t0 := time.Now()
		if _, err := d.api.Restart(ctx, connect.NewRequest(&controlv1.RestartRequest{Address: catAddr})); err != nil {
			b.Fatal(err)
		}
		probes.Add(2)
		go probe(otherAddr, &oLat)
		go probe(catAddr, &bLat)
		ev := waitEvent(b, evs, "pane.exited", catAddr)
		el := time.Since(t0)
		close(stop)
		probes.Wait()
		if ev.Fields["status"] != "0" {
			b.Fatalf("cat exited with %s", ev.Fields["status"])
		}
		tesseraS = append(tesseraS, el.Seconds())
		other = append(other, oLat...)
		busy = append(busy, bLat...)
		res, err := d.api.Screen(ctx, connect.NewRequest(&controlv1.ScreenRequest{Address: catAddr}))
		if err != nil {
			b.Fatal(err)
		}
		if !slices.Contains(res.Msg.Lines, "END-OF-CAT") {
			b.Errorf("the pane's screen lacks cat's last line:\n%s", strings.Join(res.Msg.Lines, "\n"))
		}

		// tmux, same file, same size, same history.
		sock := filepath.Join(dir, fmt.Sprint("tmux", i))
		tmux := func(args ...string) {
			out, err := exec.Command("tmux", append([]string{"-S", sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
			if err != nil {
				b.Fatalf("tmux %v: %v %s", args, err, out)
			}
		}
		t0 = time.Now()
		tmux("start-server", ";", "set", "-g", "history-limit", "10000", ";",
			"new-session", "-d", "-s", "ref", "-x", "80", "-y", "24",
			fmt.Sprintf("cat %q; tmux -S %q wait-for -S catdone; sleep 600", file, sock))
		tmux("wait-for", "catdone")
		tmuxS = append(tmuxS, time.Since(t0).Seconds())
		exec.Command("tmux", "-S", sock, "kill-server").Run()
	}
	mb := float64(size) / 1e6
	b.ReportMetric(mb/median(tesseraS), "tessera-MB/s")
	b.ReportMetric(mb/median(tmuxS), "tmux-MB/s")
	b.ReportMetric(median(tmuxS)/median(tesseraS), "ratio")
	b.ReportMetric(ms(pct(other, 50)), "other-p50-ms")
	b.ReportMetric(ms(pct(other, 99)), "other-p99-ms")
	b.ReportMetric(ms(pct(busy, 50)), "busy-p50-ms")
	b.ReportMetric(ms(pct(busy, 99)), "busy-p99-ms")
	b.ReportMetric(float64(len(other)), "probes")
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
