//go:build unix

package sandboxfs

import (
	"os"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"golang.org/x/sys/unix"
)

// setAppend toggles O_APPEND on an open descriptor.
func setAppend(fd uintptr, enable bool) experimentalsys.Errno {
	fl, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
	if err != nil {
		return toErrno(err)
	}
	if enable {
		fl |= unix.O_APPEND
	} else {
		fl &^= unix.O_APPEND
	}
	_, err = unix.FcntlInt(fd, unix.F_SETFL, fl)
	return toErrno(err)
}

// renameat renames between two open directories.
func renameat(fromDir *os.File, from string, toDir *os.File, to string) error {
	err := unix.Renameat(int(fromDir.Fd()), from, int(toDir.Fd()), to)
	if err != nil {
		return &os.LinkError{Op: "renameat", Old: from, New: to, Err: err}
	}
	return nil
}

// unixFcntlGetfl returns the file status flags of fd.
func unixFcntlGetfl(fd uintptr) (int, error) {
	return unix.FcntlInt(fd, unix.F_GETFL, 0)
}
