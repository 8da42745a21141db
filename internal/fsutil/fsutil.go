// Package fsutil reads files that come from users (workspace files, files
// named by file(), wasm modules, scripts) with a size cap, and refuses
// anything that is not a regular file.
//
// os.ReadFile trusts the file: /dev/zero grows the buffer until the process
// is killed, and a named pipe blocks the open until a writer appears. ReadFile
// opens without blocking, checks the opened file (not the path, which could
// change in between) with fstat, and reads at most limit+1 bytes, so a file
// that grows while it is read is refused as well.
package fsutil

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Limits per kind of input. They are generous for real inputs and small
// enough that reading one never threatens the process.
const (
	// MaxWorkspaceFile bounds one workspace (.hcl) file. The largest
	// realistic workspace (1,000 panes) is about 140 KB.
	MaxWorkspaceFile = 4 << 20
	// MaxIncludedFile bounds a file read by an expression (file() in a
	// workspace): its contents become a value in the model, sent to every
	// console.
	MaxIncludedFile = 1 << 20
	// MaxWasmModule bounds a plugin module. Zellij's own plugins are 1–10
	// MiB; the largest known third-party plugins are under 30 MiB.
	MaxWasmModule = 64 << 20
	// MaxScript bounds a `plugin run` script.
	MaxScript = 4 << 20
)

// ErrNotRegular is matched (errors.Is) by a *NotRegularError.
var ErrNotRegular = errors.New("not a regular file")

// NotRegularError reports a path that names a directory, a named pipe, a
// device or a socket where a regular file was expected.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, e.Kind())
}

// Kind names what the path is instead: "a directory", "a named pipe (FIFO)",
// "a character device", ...
func (e *NotRegularError) Kind() string { return describeMode(e.Mode) }

// Is makes errors.Is(err, ErrNotRegular) true.
func (e *NotRegularError) Is(target error) bool { return target == ErrNotRegular }

func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a regular file"
}

// TooLargeError reports an input over its limit.
type TooLargeError struct {
	// Path names the input ("" for a stream with no name).
	Path string
	// Size is the input's size when it is known (from fstat), or -1 when the
	// input was cut off after Limit+1 bytes.
	Size  int64
	Limit int64
}

func (e *TooLargeError) Error() string {
	name := e.Path
	if name == "" {
		name = "input"
	}
	if e.Size >= 0 {
		return fmt.Sprintf("%s has %s, over the limit of %s", name, FormatSize(e.Size), FormatSize(e.Limit))
	}
	return fmt.Sprintf("%s is over the limit of %s", name, FormatSize(e.Limit))
}

// ReadFile reads the regular file at path, refusing it with a
// *NotRegularError when it is anything else and with a *TooLargeError when it
// has more than limit bytes. Other errors are those of os.Open, as
// *fs.PathError (errors.Is(err, fs.ErrNotExist) works).
func ReadFile(path string, limit int64) ([]byte, error) {
	f, st, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st.Size() > limit {
		return nil, &TooLargeError{Path: path, Size: st.Size(), Limit: limit}
	}
	// Some regular files (in /proc) report size 0 and have contents: the
	// size only sizes the buffer; the limit is enforced on what is read.
	b, err := readAtMost(f, limit, st.Size())
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if int64(len(b)) > limit {
		return nil, &TooLargeError{Path: path, Size: -1, Limit: limit}
	}
	return b, nil
}

// Open opens the regular file at path for reading, without blocking on a
// named pipe, and returns it with its fstat information. Anything but a
// regular file is refused with a *NotRegularError.
func Open(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, &NotRegularError{Path: path, Mode: st.Mode()}
	}
	return f, st, nil
}

// ReadAll reads r to its end, or fails with a *TooLargeError (with Path name)
// as soon as it has read more than limit bytes. It is ReadFile for streams
// such as stdin.
func ReadAll(r io.Reader, name string, limit int64) ([]byte, error) {
	b, err := readAtMost(r, limit, 0)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &TooLargeError{Path: name, Size: -1, Limit: limit}
	}
	return b, nil
}

// readAtMost reads up to limit+1 bytes of r; hint is the expected size.
func readAtMost(r io.Reader, limit, hint int64) ([]byte, error) {
	size := min(max(hint+1, 512), limit+1)
	b := make([]byte, 0, size)
	lr := io.LimitReader(r, limit+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// FormatSize renders a byte count for messages: "4 MiB", "1.5 KiB", "17 B".
func FormatSize(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f := float64(n)
	u := 0
	for f >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	if u == 0 || f == float64(int64(f)) {
		return fmt.Sprintf("%d %s", int64(f), units[u])
	}
	return fmt.Sprintf("%.1f %s", f, units[u])
}
