package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"

	"github.com/tessera-ws/tessera/console"
	"github.com/tessera-ws/tessera/internal/ctl"
	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
	controlv1 "github.com/tessera-ws/tessera/proto/control/v1"
	"github.com/tessera-ws/tessera/proto/control/v1/controlv1connect"
)

// startDaemon runs a daemon in-process for the workspace src (in its own
// XDG directories) until the test ends, and waits until every plugin runs.
func startDaemon(tb testing.TB, src string) controlv1connect.ControlServiceClient {
	tb.Helper()
	base, err := os.MkdirTemp("/tmp", "tdp")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(base) })
	for _, kv := range [][2]string{{"XDG_RUNTIME_DIR", "rt"}, {"XDG_STATE_HOME", "state"}, {"XDG_DATA_HOME", "data"}} {
		os.MkdirAll(filepath.Join(base, kv[1]), 0o700)
		tb.Setenv(kv[0], filepath.Join(base, kv[1]))
	}
	file := filepath.Join(base, "workspace.hcl")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		tb.Fatal(err)
	}
	cache, _ := os.UserCacheDir()
	d, err := New(Config{Workspace: file, CacheDir: filepath.Join(cache, "tessera-test-compiled")})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		<-ran
	})
	client := ctl.Client(d.Paths().Socket)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		res, err := client.List(context.Background(), connect.NewRequest(&controlv1.ListRequest{Kinds: []string{"plugin"}}))
		if err == nil && len(res.Msg.Objects) > 0 {
			running := true
			for _, o := range res.Msg.Objects {
				running = running && o.State == StateRunning
			}
			if running {
				return client
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the workspace's plugins did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func filterWorkspace(tb testing.TB, panes int) string {
	wasm := guestbuild.Build(tb, "../examples/plugins/filter")
	var b strings.Builder
	fmt.Fprintf(&b, `
plugin "filter" {
  source      = %q
  permissions = ["ReadCliPipes"]
  limits {
    commands_per_second = 100000
  }
}
session "s" {
  tab "t" {
`, wasm)
	for i := range panes {
		fmt.Fprintf(&b, "    plugin_pane \"f%d\" {\n      plugin = plugin.filter\n      config = { pattern = %q }\n    }\n", i, fmt.Sprint(i))
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// lines yields the lines given, then the end of the input.
func lines(ls ...string) func() (*string, bool, error) {
	i := 0
	return func() (*string, bool, error) {
		switch {
		case i < len(ls):
			i++
			return &ls[i-1], true, nil
		case i == len(ls):
			i++
			return nil, true, nil
		}
		return nil, false, nil
	}
}

// TestPipeBroadcastAndDirected runs CLI pipes in-process (under -race):
// a broadcast reaches the two filters, each writing back the lines that
// match its pattern; a directed pipe selects one instance by configuration;
// concurrent pipes do not mix their output.
func TestPipeBroadcastAndDirected(t *testing.T) {
	client := startDaemon(t, filterWorkspace(t, 2))
	var out bytes.Buffer
	if err := console.RunPipe(context.Background(), client, console.PipeSpec{Name: "b"}, lines("x0\n", "x1\n", "x01\n"), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	// f0 keeps lines with 0, f1 lines with 1: x01 comes back twice.
	if strings.Count(got, "x0\n") != 1 || strings.Count(got, "x1\n") != 1 || strings.Count(got, "x01\n") != 2 {
		t.Fatalf("broadcast output %q", got)
	}

	url := "file:" + guestbuild.Build(t, "../examples/plugins/filter")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	outs := make([]bytes.Buffer, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ls []string
			for j := range 50 {
				ls = append(ls, fmt.Sprintf("p%d-%d-1\n", i, j))
			}
			spec := console.PipeSpec{Plugin: url, Config: map[string]string{"pattern": "1"}}
			errs[i] = console.RunPipe(context.Background(), client, spec, lines(ls...), &outs[i])
		}()
	}
	wg.Wait()
	for i := range 4 {
		if errs[i] != nil {
			t.Fatalf("pipe %d: %v", i, errs[i])
		}
		var want strings.Builder
		for j := range 50 {
			fmt.Fprintf(&want, "p%d-%d-1\n", i, j)
		}
		if outs[i].String() != want.String() {
			t.Errorf("pipe %d got %q", i, outs[i].String())
		}
	}

	// A configuration no instance has, on a path that does not exist: the
	// load fails and the pipe says why.
	err := console.RunPipe(context.Background(), client, console.PipeSpec{Plugin: "/nonexistent/x.wasm"}, lines("a\n"), &out)
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("pipe to a missing plugin: %v", err)
	}
}

// TestPipeWindow: with a window of 4, a plugin that blocks the pipe holds
// the client to 4 unreleased lines (the filter with batch=3 releases lines
// 1 and 2 and blocks on line 3 until its timer writes the batch): next is
// called for lines 1 to 6 (3 to 6 unreleased) and not again. With a timer that fires, every
// line goes through, in order, the plugin blocking every third.
func TestPipeWindow(t *testing.T) {
	client := startDaemon(t, filterWorkspace(t, 1))
	url := "file:" + guestbuild.Build(t, "../examples/plugins/filter")

	spec := console.PipeSpec{Plugin: url, Config: map[string]string{"batch": "3", "interval": "1h"}, Window: 4}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	calls := 0
	called := make(chan int, 100)
	var out bytes.Buffer
	ran := make(chan error, 1)
	go func() {
		ran <- console.RunPipe(ctx, client, spec, func() (*string, bool, error) {
			mu.Lock()
			calls++
			n := calls
			mu.Unlock()
			called <- n
			line := fmt.Sprintf("w%d\n", n)
			return &line, true, nil
		}, &out)
	}()
	for {
		n := <-called
		if n == 6 {
			break
		}
	}
	// Nothing is released any more: a seventh line would be a fifth
	// unreleased one. Give a wrong client time to ask for it.
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	n := calls
	mu.Unlock()
	if n != 6 {
		t.Fatalf("next was called %d times with lines 3 to %d unreleased, want 6", n, n)
	}
	cancel()
	if err := <-ran; !errors.Is(err, context.Canceled) {
		t.Fatalf("RunPipe after cancel: %v", err)
	}
	if out.Len() != 0 {
		t.Fatalf("output before the batch was written: %q", out.String())
	}

	spec = console.PipeSpec{Plugin: url, Config: map[string]string{"batch": "3", "interval": "5ms"}, Window: 4}
	var ls []string
	var want strings.Builder
	for i := range 20 {
		ls = append(ls, fmt.Sprintf("v%d\n", i))
		fmt.Fprintf(&want, "v%d\n", i)
	}
	out.Reset()
	if err := console.RunPipe(context.Background(), client, spec, lines(ls...), &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != want.String() {
		t.Fatalf("output %q, want %q", out.String(), want.String())
	}
}

// waitCompiled waits until every plugin runs compiled code (the engine
// moves there in the background after the first frame), so that a
// benchmark measures the compiled plugin and no compile competes for the CPU.
func waitCompiled(tb testing.TB, client controlv1connect.ControlServiceClient) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		res, err := client.List(context.Background(), connect.NewRequest(&controlv1.ListRequest{Kinds: []string{"plugin"}}))
		if err != nil {
			tb.Fatal(err)
		}
		compiled := len(res.Msg.Objects) > 0
		for _, o := range res.Msg.Objects {
			compiled = compiled && o.Engine == "compiler"
		}
		if compiled {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatal("the plugins still do not run compiled code after 5 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkPipeInProcess is BenchmarkPipe (cmd/tessera) without the CLI
// process: the control API, the daemon and the plugin. window=1 reads each
// line only once the one before was released (a strict round trip per
// line); window=16 is the CLI's default (console.PipeWindow): lines travel
// while the plugin processes the one before, which the daemon still hands
// it only after the release. The output is checked line for line.
func BenchmarkPipeInProcess(b *testing.B) {
	client := startDaemon(b, filterWorkspace(b, 1))
	url := "file:" + guestbuild.Build(b, "../examples/plugins/filter")
	spec := console.PipeSpec{Plugin: url, Config: map[string]string{"pattern": "0"}}
	run := func(b *testing.B, count int) string {
		var out bytes.Buffer
		n := 0
		err := console.RunPipe(context.Background(), client, spec, func() (*string, bool, error) {
			n++
			line := fmt.Sprintf("line %d of the benchmark 0\n", n)
			return &line, n <= count, nil
		}, &out)
		if err != nil {
			b.Fatal(err)
		}
		return out.String()
	}
	// Warm up until the plugin runs compiled code.
	run(b, 3000)
	waitCompiled(b, client)
	for _, window := range []int{1, console.PipeWindow} {
		b.Run(fmt.Sprintf("window=%d", window), func(b *testing.B) {
			spec.Window = window
			if path := os.Getenv("TESSERA_PIPE_CPUPROFILE"); path != "" {
				f, err := os.Create(fmt.Sprintf("%s.%d", path, window))
				if err != nil {
					b.Fatal(err)
				}
				pprof.StartCPUProfile(f)
				defer func() { pprof.StopCPUProfile(); f.Close() }()
			}
			b.ResetTimer()
			out := run(b, b.N)
			b.StopTimer()
			var want strings.Builder
			for i := range b.N {
				fmt.Fprintf(&want, "line %d of the benchmark 0\n", i+1)
			}
			if out != want.String() {
				b.Fatalf("%d bytes back, want %d in order", len(out), want.Len())
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// TestSendPipeItems: queued output goes out in order, in messages no larger
// than pipeSendMax, cut between characters, with the last release.
func TestSendPipeItems(t *testing.T) {
	big := strings.Repeat("é", pipeSendMax/2+3) // two bytes each: cuts fall inside characters
	items := []*controlv1.PipeResponse{
		{Output: "a"},
		{Output: big},
		{Released: &controlv1.PipeReleased{Line: 1}},
		{Output: big, Released: &controlv1.PipeReleased{Line: 2}},
		{Output: "z"},
	}
	var got []*controlv1.PipeResponse
	if err := sendPipeItems(func(m *controlv1.PipeResponse) error { got = append(got, m); return nil }, items); err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	var last uint64
	for i, m := range got {
		if len(m.Output) > pipeSendMax || !utf8.ValidString(m.Output) {
			t.Errorf("message %d: %d bytes, valid UTF-8 %v", i, len(m.Output), utf8.ValidString(m.Output))
		}
		all.WriteString(m.Output)
		if m.Released != nil {
			last = m.Released.Line
		}
	}
	if want := "a" + big + big + "z"; all.String() != want {
		t.Errorf("output: %d bytes, want %d in order", all.Len(), len(want))
	}
	if last != 2 || len(got) != 3 {
		t.Errorf("%d messages, last release %d; want 3 and 2", len(got), last)
	}
	if err := sendPipeItems(func(*controlv1.PipeResponse) error { return errors.New("gone") }, items); err == nil {
		t.Error("a send error is not returned")
	}
}
