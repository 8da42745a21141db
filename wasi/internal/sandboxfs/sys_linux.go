package sandboxfs

import (
	"os"
	"syscall"
	"unsafe"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"golang.org/x/sys/unix"
)

const (
	oRSYNC = syscall.O_RSYNC
	oDSYNC = syscall.O_DSYNC
)

func datasync(f *os.File) experimentalsys.Errno {
	return toErrno(unix.Fdatasync(int(f.Fd())))
}

// futimens sets the times of an open file with utimensat(fd, NULL, ...),
// honouring UTIME_OMIT.
func futimens(fd uintptr, atim, mtim int64) experimentalsys.Errno {
	ts := [2]unix.Timespec{toTimespec(atim), toTimespec(mtim)}
	_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, fd, 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	if e != 0 {
		return toErrno(e)
	}
	return 0
}

func toTimespec(n int64) unix.Timespec {
	if n == experimentalsys.UTIME_OMIT {
		return unix.Timespec{Nsec: unix.UTIME_OMIT}
	}
	return unix.NsecToTimespec(n)
}
