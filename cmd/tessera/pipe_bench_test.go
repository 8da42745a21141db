package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tessera-ws/tessera/console"
	"github.com/tessera-ws/tessera/internal/testutil/guestbuild"
)

// BenchmarkPipe measures `tessera pipe` end to end: one process sends b.N
// lines of stdin to the filter example in a plugin pane, which renders on
// every message, writes each line back with cli_pipe_output and releases
// it; the plugin gets each line only once it released the one before.
// window=1 also reads each line of stdin only then (a strict round trip
// between the processes per line); window=16 is the default, which sends
// up to 16 lines ahead of the releases. msgs/s is the figure of
// bench/README.md.
func BenchmarkPipe(b *testing.B) {
	base, err := os.MkdirTemp("/tmp", "tsb")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(base)
	dir := filepath.Join(base, "ws")
	os.MkdirAll(dir, 0o700)
	os.MkdirAll(filepath.Join(base, "rt"), 0o700)
	env := append(os.Environ(),
		"XDG_RUNTIME_DIR="+filepath.Join(base, "rt"),
		"XDG_STATE_HOME="+filepath.Join(base, "state"),
		"XDG_DATA_HOME="+filepath.Join(base, "data"),
		"XDG_CACHE_HOME="+prCacheDir,
		"TESSERA_WORKSPACE=",
	)
	wasm := guestbuild.Build(b, "../../examples/plugins/filter")
	file := filepath.Join(dir, "workspace.hcl")
	ws := fmt.Sprintf(`
plugin "filter" {
  source      = %q
  permissions = ["ReadCliPipes"]
  # Two commands per line (output, unblock): over the default 1000/s.
  limits {
    commands_per_second = 100000
  }
}

session "bench" {
  tab "main" {
    plugin_pane "filter" {
      plugin = plugin.filter
    }
  }
}
`, wasm)
	if err := os.WriteFile(file, []byte(ws), 0o600); err != nil {
		b.Fatal(err)
	}
	run := func(stdin string, args ...string) string {
		cmd := exec.Command(tesseraBin, args...)
		cmd.Env, cmd.Dir = env, dir
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			b.Fatalf("tessera %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
		}
		return out.String()
	}
	run("", "up", file)
	defer run("", "down", "-w", file)
	pipe := []string{"pipe", "-w", file, "--plugin", "file:" + wasm}
	lines := func(n int) string {
		var sb strings.Builder
		for i := range n {
			fmt.Fprintf(&sb, "line %d of the benchmark input\n", i)
		}
		return sb.String()
	}
	// Warm up: the plugin moves to compiled code in the background; the
	// measurement starts once it runs there.
	run(lines(3000), pipe...)
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var res struct {
			Objects []struct {
				Engine string `json:"engine"`
			} `json:"objects"`
		}
		out := run("", "console", "-w", file, "--json", "-c", "plugins")
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			b.Fatalf("plugins: %v\n%s", err, out)
		}
		if len(res.Objects) == 1 && res.Objects[0].Engine == "compiler" {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("the plugin does not run compiled code after 5 minutes: %s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}

	for _, window := range []int{1, console.PipeWindow} {
		b.Run(fmt.Sprintf("window=%d", window), func(b *testing.B) {
			// The measured run reads a file and writes one, as `tessera
			// pipe <in >out` does: no goroutine of this process copies
			// its streams.
			in := lines(b.N)
			inFile, outFile := filepath.Join(base, "in"), filepath.Join(base, "out")
			if err := os.WriteFile(inFile, []byte(in), 0o600); err != nil {
				b.Fatal(err)
			}
			stdin, err := os.Open(inFile)
			if err != nil {
				b.Fatal(err)
			}
			defer stdin.Close()
			stdout, err := os.Create(outFile)
			if err != nil {
				b.Fatal(err)
			}
			defer stdout.Close()
			cmd := exec.Command(tesseraBin, append(pipe, "--window", fmt.Sprint(window))...)
			cmd.Env, cmd.Dir = env, dir
			cmd.Stdin, cmd.Stdout = stdin, stdout
			var errb bytes.Buffer
			cmd.Stderr = &errb
			b.ResetTimer()
			err = cmd.Run()
			b.StopTimer()
			if err != nil {
				b.Fatalf("tessera pipe: %v\n%s", err, errb.String())
			}
			if out, _ := os.ReadFile(outFile); string(out) != in {
				b.Fatalf("the filter wrote %d bytes back for %d bytes of input", len(out), len(in))
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
