package fsutil

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

func TestReadFileRegular(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, 511, 512, 513, 4096, 10000} {
		want := bytes.Repeat([]byte{'x'}, n)
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, want, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(p, 10000)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%d bytes: got %d bytes, %v", n, len(got), err)
		}
	}
}

func TestReadFileTooLarge(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, make([]byte, 101), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(p, 100)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Size != 101 || tl.Limit != 100 || tl.Path != p {
		t.Fatalf("err = %#v", err)
	}
	if want := p + " has 101 B, over the limit of 100 B"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	if _, err := ReadFile(p, 101); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}

// A sparse file of a terabyte is refused from its size, without reading.
func TestReadFileHugeSparse(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sparse")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 40); err != nil {
		f.Close()
		t.Skipf("no sparse files here: %v", err)
	}
	f.Close()
	_, err = ReadFile(p, MaxWorkspaceFile)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Size != 1<<40 {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "has 1 TiB, over the limit of 4 MiB") {
		t.Errorf("message: %v", err)
	}
}

func TestReadFileNotRegular(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/zero or FIFOs")
	}
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, what string }{
		{"/dev/zero", "a character device"},
		{fifo, "a named pipe (FIFO)"}, // no writer: opening must not wait for one
		{t.TempDir(), "a directory"},
	} {
		_, err := ReadFile(c.path, MaxWorkspaceFile)
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("%s: err = %v", c.path, err)
			continue
		}
		if want := c.path + " is " + c.what + ", not a regular file"; err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "nope"), 10)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v", err)
	}
}

func TestReadAll(t *testing.T) {
	b, err := ReadAll(strings.NewReader("hello"), "stdin", 5)
	if err != nil || string(b) != "hello" {
		t.Errorf("got %q, %v", b, err)
	}
	// An endless stream stops after limit+1 bytes.
	f, err := os.Open("/dev/zero")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	_, err = ReadAll(f, "stdin", 1<<20)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Size != -1 || err.Error() != "stdin is over the limit of 1 MiB" {
		t.Errorf("err = %v", err)
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1 KiB", 1536: "1.5 KiB", 4 << 20: "4 MiB", 64 << 20: "64 MiB", 3 << 30: "3 GiB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
