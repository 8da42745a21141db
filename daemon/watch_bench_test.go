package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// suspendedWorkspace is a workspace of sessions × tabs × panes suspended
// terminal panes (nothing is started); variant changes every pane's restart
// policy (an update in place).
func suspendedWorkspace(sessions, tabs, panes int, variant int) string {
	var b strings.Builder
	for s := range sessions {
		fmt.Fprintf(&b, "session \"s%d\" {\n  env = { STAGE = \"dev\" }\n", s)
		for t := range tabs {
			fmt.Fprintf(&b, "  tab \"t%d\" {\n", t)
			for p := range panes {
				fmt.Fprintf(&b, `    pane "p%d" {
      command         = "true"
      args            = ["-v", "--name", "p%d"]
      env             = { N = "%d" }
      restart         = "%s"
      start_suspended = true
    }
`, p, p, p, []string{"on-failure", "always"}[variant%2])
			}
			b.WriteString("  }\n")
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// BenchmarkLoopDuringReload1000Panes: how long the loop takes to answer a
// request posted right after a save of a 1,000-pane workspace is picked up,
// with the workspace loaded on the loop (as reloads were) and off it. The
// reported figure is the median and p99 wait of the request.
func BenchmarkLoopDuringReload1000Panes(b *testing.B) {
	for _, mode := range []string{"on-loop", "off-loop"} {
		b.Run(mode, func(b *testing.B) {
			d, _ := loopDaemon(b)
			onLoop(b, d, func() { d.sessions = nil })
			file := d.paths.Workspace
			if err := os.WriteFile(file, []byte(suspendedWorkspace(10, 10, 10, 0)), 0o600); err != nil {
				b.Fatal(err)
			}
			onLoop(b, d, func() { d.reload("first") })
			var waits []time.Duration
			i := 0
			for b.Loop() {
				i++
				if err := os.WriteFile(filepath.Join(file), []byte(suspendedWorkspace(10, 10, 10, i)), 0o600); err != nil {
					b.Fatal(err)
				}
				if mode == "on-loop" {
					d.post(func() { d.reload("save") })
				} else {
					d.reloadAsync("save")
				}
				start := time.Now()
				if err := d.call(context.Background(), func() {}); err != nil {
					b.Fatal(err)
				}
				waits = append(waits, time.Since(start))
				d.wg.Wait() // the load (off the loop) has posted its result
				onLoop(b, d, func() {})
			}
			sort.Slice(waits, func(i, j int) bool { return waits[i] < waits[j] })
			b.ReportMetric(float64(waits[len(waits)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(waits[len(waits)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
