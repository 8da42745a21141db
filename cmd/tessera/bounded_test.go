package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runBinary runs the tessera binary built by TestMain. The deadline only
// turns a hang (the bug these tests guard against) into a failure.
func runBinary(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tesseraBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("tessera %q hung", args)
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// Inputs that used to be read without bound (until the process was killed)
// or to block forever are refused, by the real binary.
func TestBinaryRefusesUnboundedInputs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/zero or FIFOs")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "ws.hcl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sparse := filepath.Join(dir, "huge.hcl")
	if err := os.WriteFile(sparse, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(sparse, 64<<30); err != nil {
		t.Skipf("no sparse files: %v", err)
	}
	included := filepath.Join(t.TempDir(), "ws.hcl")
	src := "session \"s\" {\n  tab \"t\" {\n    pane \"p\" { command = file(\"/dev/zero\") }\n    pane \"q\" { command = file(\"" + sparse + "\") }\n  }\n}\n"
	if err := os.WriteFile(included, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"validate", "/dev/zero"}, exitUsage, []string{"/dev/zero:1:1: error: Not a workspace file", "This is a character device, not a regular file."}},
		{[]string{"validate", fifo}, exitUsage, []string{fifo + ":1:1: error: Not a workspace file", "This is a named pipe (FIFO)"}},
		{[]string{"validate", dir}, exitUsage, []string{"Not a workspace file", "File too large", "this one has 64 GiB"}},
		{[]string{"validate", sparse}, exitUsage, []string{"error: File too large", "A workspace file may have at most 4 MiB; this one has 64 GiB."}},
		{[]string{"validate", included}, exitUsage, []string{
			`Call to function "file" failed: /dev/zero is a character device; file() reads only regular files.`,
			`has 64 GiB; file() reads at most 1 MiB.`,
		}},
		{[]string{"plan", "--to", "/dev/zero"}, exitUsage, []string{"Not a workspace file"}},
		{[]string{"plan", "--from", fifo, "--to", included}, exitUsage, []string{"Not a workspace file"}},
		{[]string{"fmt", "--check", "/dev/zero"}, exitError, []string{"tessera fmt: /dev/zero is a character device, not a regular file"}},
		{[]string{"fmt", fifo}, exitError, []string{"is a named pipe (FIFO), not a regular file"}},
		{[]string{"fmt", "--diff", sparse}, exitError, []string{"has 64 GiB, over the limit of 4 MiB"}},
	} {
		code, _, errs := runBinary(t, c.args...)
		if code != c.code {
			t.Errorf("tessera %q: exit %d, want %d:\n%s", c.args, code, c.code, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("tessera %q: stderr lacks %q:\n%s", c.args, w, errs)
			}
		}
	}
}

// blockedReadingStdin reports whether a thread of process pid is in a
// read(2) of file descriptor 0 (Linux: /proc/PID/task/*/syscall).
func blockedReadingStdin(pid int, readSyscall string) bool {
	tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "syscall"))
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err == nil && strings.HasPrefix(string(b), readSyscall+" 0x0 ") {
			return true
		}
	}
	return false
}

// A command blocked reading stdin (fmt - on a pipe whose writer stays open)
// stops on SIGINT and SIGTERM with the shell's status for the signal.
func TestBinarySignalExitStatus(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("finds the blocked read in /proc")
	}
	readSyscall := map[string]string{"amd64": "0", "arm64": "63", "386": "3", "arm": "3", "riscv64": "63"}[runtime.GOARCH]
	if readSyscall == "" {
		t.Skip("read(2) number unknown on " + runtime.GOARCH)
	}
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(tesseraBin, "fmt", "-")
		cmd.Stdin = r
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r.Close()
		// Wait (without a time limit of our own) until the command is
		// blocked in the read: its signal handling is set up by then.
		for !blockedReadingStdin(cmd.Process.Pid, readSyscall) {
			if st, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "stat")); strings.Contains(string(st), ") Z ") {
				_ = cmd.Wait()
				t.Fatalf("exited before reading stdin: %v, stderr %q", cmd.ProcessState, errb.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err := cmd.Process.Signal(c.sig); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		w.Close()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("%v: %v", c.sig, err)
		}
		if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() || ee.ExitCode() != c.code {
			t.Errorf("%v: status %v (signaled %v), want exit %d; stderr %q", c.sig, ee, ws.Signaled(), c.code, errb.String())
		}
	}
}
