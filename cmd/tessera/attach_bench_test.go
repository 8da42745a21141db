package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/tessera-ws/tessera/internal/screen"
)

// BenchmarkAttachKeyEcho measures, end to end over real processes and
// ptys, the time from a key typed into `tessera attach`'s terminal to the
// shell's echo of it drawn there: attach client → control socket → daemon
// → the pane's pty → the shell's echo → the pane's screen → the attach
// stream → the client's redraw. p50 and p99 are reported in µs.
func BenchmarkAttachKeyEcho(b *testing.B) {
	base, err := os.MkdirTemp("/tmp", "tsb")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(base)
	dir := filepath.Join(base, "ws")
	os.MkdirAll(dir, 0o700)
	os.MkdirAll(filepath.Join(base, "rt"), 0o700)
	file := filepath.Join(dir, "workspace.hcl")
	os.WriteFile(file, []byte(`session "b" {
  tab "t" {
    pane "shell" {
      command = "sh"
    }
  }
}
`), 0o600)
	env := append(os.Environ(), "XDG_RUNTIME_DIR="+filepath.Join(base, "rt"), "XDG_STATE_HOME="+filepath.Join(base, "state"),
		"XDG_DATA_HOME="+filepath.Join(base, "data"), "XDG_CACHE_HOME="+prCacheDir, "TESSERA_WORKSPACE=", "TERM=xterm-256color", "PS1=$ ")
	run := func(args ...string) {
		cmd := exec.Command(tesseraBin, args...)
		cmd.Env, cmd.Dir = env, dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("tessera %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("up", file)
	defer run("down", "-w", file)

	cmd := exec.Command(tesseraBin, "attach", "-w", file, "shell")
	cmd.Env, cmd.Dir = env, dir
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 25, Cols: 80})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { ptmx.Write([]byte{0x11}); cmd.Wait(); ptmx.Close() }()
	scr := screen.NewTerminal(25, 80, screen.Options{Scrollback: -1})
	buf := make([]byte, 64<<10)
	// waitLine reads what attach draws until a row of the pane ends with s.
	waitLine := func(s string) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			for _, l := range scr.Lines()[:24] {
				if strings.HasSuffix(l, s) {
					return
				}
			}
			if time.Now().After(deadline) {
				b.Fatalf("timed out waiting for %q; screen:\n%s", s, strings.Join(scr.Lines(), "\n"))
			}
			ptmx.SetReadDeadline(deadline)
			n, err := ptmx.Read(buf)
			if err != nil {
				b.Fatalf("read: %v", err)
			}
			scr.Write(buf[:n])
		}
	}
	waitLine("$")
	typed := ""
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if len(typed) == 60 {
			b.StopTimer()
			ptmx.Write([]byte{0x15}) // Ctrl-U: the line is empty again
			typed = ""
			waitLine("$")
			b.StartTimer()
		}
		c := byte('a' + i%26)
		typed += string(c)
		t0 := time.Now()
		ptmx.Write([]byte{c})
		waitLine("$ " + typed)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
