package screen

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// lsInput is about 1 MiB of colored `ls -lR`-like output (13,000+ lines).
func lsInput() []byte {
	in := lsLike(16000)
	return in[:min(len(in), 1<<20)]
}

// plainInput is about 1 MiB of plain text lines of 20–79 characters.
func plainInput() []byte {
	var b strings.Builder
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, "%06d %s\r\n", i, strings.Repeat("plain words ", 1+i%6))
	}
	return []byte(b.String()[:1<<20])
}

func benchWrite(b *testing.B, in []byte) {
	s := NewTerminal(24, 80, Options{})
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		s.Write(in)
	}
}

// BenchmarkWrite measures parsing throughput of a terminal pane (80×24,
// 10,000 lines of scrollback, so every line is also packed).
func BenchmarkWrite(b *testing.B) {
	b.Run("ls-lR", func(b *testing.B) { benchWrite(b, lsInput()) })
	b.Run("plain", func(b *testing.B) { benchWrite(b, plainInput()) })
}

// BenchmarkPaneMemory feeds 200 terminals of 80×24 with 1 MiB of colored
// ls output each (scrollback full at 10,000 lines) and reports the live
// heap per pane, grid and scrollback included.
func BenchmarkPaneMemory(b *testing.B) {
	const panes = 200
	in := lsInput()
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		screens := make([]*Screen, panes)
		for i := range screens {
			screens[i] = NewTerminal(24, 80, Options{})
			screens[i].Write(in)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/panes/(1<<20), "MiB/pane")
		b.ReportMetric(float64(screens[0].ScrollbackLen()), "lines/pane")
		runtime.KeepAlive(screens)
	}
}

// BenchmarkTmuxThroughput is the reference: tmux consuming the same ls
// output (32 MiB through a detached 80×24 pane's pty), from the start of
// cat until tmux has drawn the last byte. It includes the pty and cat.
func BenchmarkTmuxThroughput(b *testing.B) {
	if _, err := exec.LookPath("tmux"); err != nil {
		b.Skip("tmux is not installed")
	}
	dir := b.TempDir()
	in := lsInput()
	data := make([]byte, 0, 32<<20)
	for len(data)+len(in) <= 32<<20 {
		data = append(data, in...)
	}
	file := filepath.Join(dir, "in")
	if err := os.WriteFile(file, append(data, "\x1b]2;"+tmuxDone+"\x07"...), 0o600); err != nil {
		b.Fatal(err)
	}
	script := filepath.Join(dir, "run.sh")
	os.WriteFile(script, []byte(fmt.Sprintf("stty -opost -echo; read go; cat %q; exec sleep 600\n", file)), 0o700)
	b.SetBytes(int64(len(data)))
	for i := 0; b.Loop(); i++ {
		sock := filepath.Join(dir, fmt.Sprint("s", i))
		tmux := func(args ...string) string {
			out, err := exec.Command("tmux", append([]string{"-S", sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
			if err != nil {
				b.Fatalf("tmux %v: %v %s", args, err, out)
			}
			return strings.TrimSpace(string(out))
		}
		b.StopTimer()
		tmux("start-server", ";", "set", "-g", "history-limit", "10000", ";",
			"new-session", "-d", "-s", "ref", "-x", "80", "-y", "24", "sh "+script)
		time.Sleep(200 * time.Millisecond) // the shell reaches `read`
		b.StartTimer()
		tmux("send-keys", "-t", "ref", "Enter")
		for tmux("display", "-p", "-t", "ref", "#{pane_title}") != tmuxDone {
			time.Sleep(5 * time.Millisecond)
		}
		b.StopTimer()
		exec.Command("tmux", "-S", sock, "kill-server").Run()
		b.StartTimer()
	}
}

func TestBenchmarkInputs(t *testing.T) {
	ls, plain := lsInput(), plainInput()
	if len(ls) < 1<<20-200 || len(plain) != 1<<20 {
		t.Fatalf("inputs are %d and %d bytes", len(ls), len(plain))
	}
	s := NewTerminal(24, 80, Options{})
	s.Write(ls)
	if s.ScrollbackLen() != DefaultScrollback {
		t.Fatalf("1 MiB of ls output left %d scrollback lines", s.ScrollbackLen())
	}
}
