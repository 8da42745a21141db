package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
	"github.com/tessera-ws/tessera/internal/testutil/wasmgen"
)

// BenchmarkPluginRunFirstFrameCold measures `tessera plugin run` with an
// empty compilation cache, from the start to the first line of the frame
// on its stdout, on two modules:
//
//   - status: examples/plugins/status, a 3.6 MB Go module (the issue's
//     "status-bar-sized" figure is measured on it);
//   - synthetic: wasmgen.StatusBarSized, 1.5 MB of code with the shape of
//     Zellij's status bar (no Go runtime), the size the issue names.
//
// process runs the real binary: each op is a fresh process and a fresh
// cache; ms-exit is until the process exited (the background compile and
// cache writes included). inprocess runs the same command in the test
// process (a fresh cache each op, no wait for the background compile), so
// that the difference is what a fresh process costs. Reported:
// ms-first-frame, the median of the ops.
func BenchmarkPluginRunFirstFrameCold(b *testing.B) {
	for _, m := range []struct {
		name string
		wasm func(testing.TB) string
		args []string
	}{
		{"status", func(tb testing.TB) string { return guestbuild.Build(tb, "../../examples/plugins/status") },
			[]string{"--grant", "ReadApplicationState"}},
		{"synthetic", synthFile, nil},
	} {
		b.Run(m.name+"/process", func(b *testing.B) {
			wasm := m.wasm(b)
			var first, exit []float64
			for i := 0; i < b.N; i++ {
				cache := b.TempDir()
				args := append([]string{"plugin", "run", "--size", "2x80"}, m.args...)
				cmd := exec.Command(tesseraBin, append(args, wasm)...)
				cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(cache, "c"))
				out, err := cmd.StdoutPipe()
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				r := bufio.NewReader(out)
				if _, err := r.ReadString('\n'); err != nil {
					b.Fatalf("no frame: %v", err)
				}
				first = append(first, float64(time.Since(start).Microseconds())/1000)
				_, _ = r.WriteTo(discard{})
				if err := cmd.Wait(); err != nil {
					b.Fatalf("plugin run: %v", err)
				}
				exit = append(exit, float64(time.Since(start).Microseconds())/1000)
			}
			b.ReportMetric(median(first), "ms-first-frame")
			b.ReportMetric(median(exit), "ms-exit")
		})
		b.Run(m.name+"/inprocess", func(b *testing.B) {
			wasm := m.wasm(b)
			var first []float64
			for i := 0; i < b.N; i++ {
				args := append([]string{"plugin", "run", "--size", "2x80", "--compile-wait", "0", "--cache-dir", b.TempDir()}, m.args...)
				w := &firstWrite{start: time.Now()}
				var errb strings.Builder
				if code := run(context.Background(), append(args, wasm), stdio{in: strings.NewReader(""), out: w, err: &errb}); code != exitOK {
					b.Fatalf("plugin run: exit %d: %s", code, errb.String())
				}
				if w.at == 0 {
					b.Fatal("no frame")
				}
				first = append(first, float64(w.at.Microseconds())/1000)
			}
			b.ReportMetric(median(first), "ms-first-frame")
		})
	}
}

// synthFile writes wasmgen.StatusBarSized to a file for the command line,
// beside the tessera binary (TestMain removes that directory).
func synthFile(tb testing.TB) string {
	synthOnce.Do(func() {
		synthPath = filepath.Join(filepath.Dir(tesseraBin), "synthetic.wasm")
		synthErr = os.WriteFile(synthPath, wasmgen.StatusBarSized(), 0o644)
	})
	if synthErr != nil {
		tb.Fatal(synthErr)
	}
	return synthPath
}

var (
	synthOnce sync.Once
	synthPath string
	synthErr  error
)

// firstWrite discards what is written and records when the first write
// came, counted from start.
type firstWrite struct {
	start time.Time
	at    time.Duration
}

func (w *firstWrite) Write(p []byte) (int, error) {
	if w.at == 0 && len(p) > 0 {
		w.at = time.Since(w.start)
	}
	return len(p), nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}
