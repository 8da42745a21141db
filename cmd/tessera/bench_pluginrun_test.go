package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
)

// BenchmarkPluginRunFirstFrameCold measures a whole `tessera plugin run`
// process on a status-bar-sized plugin (examples/plugins/status, a 3.6 MB
// Go module) with an empty compilation cache: from the process start to the
// first line of the frame on its stdout. Each op is a fresh process and a
// fresh cache. Reported: ms-first-frame (median of the ops), and
// ms-exit (until the process exited, cache write included).
func BenchmarkPluginRunFirstFrameCold(b *testing.B) {
	wasm := guestbuild.Build(b, "../../examples/plugins/status")
	var first, exit []float64
	for i := 0; i < b.N; i++ {
		cache := b.TempDir()
		cmd := exec.Command(tesseraBin, "plugin", "run", "--grant", "ReadApplicationState", "--size", "2x80", wasm)
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
