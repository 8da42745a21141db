//go:build unix && !linux

package sandboxfs

import (
	"os"
	"syscall"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"golang.org/x/sys/unix"
)

// O_DSYNC is not defined everywhere; O_SYNC is the stronger promise.
const (
	oRSYNC = 0
	oDSYNC = syscall.O_SYNC
)

func datasync(f *os.File) experimentalsys.Errno {
	return toErrno(f.Sync())
}

// futimens sets the times of an open file; UTIME_OMIT keeps the current
// value, read with fstat first.
func futimens(fd uintptr, atim, mtim int64) experimentalsys.Errno {
	if atim == experimentalsys.UTIME_OMIT || mtim == experimentalsys.UTIME_OMIT {
		var st unix.Stat_t
		if err := unix.Fstat(int(fd), &st); err != nil {
			return toErrno(err)
		}
		if atim == experimentalsys.UTIME_OMIT {
			atim = unix.TimespecToNsec(st.Atim)
		}
		if mtim == experimentalsys.UTIME_OMIT {
			mtim = unix.TimespecToNsec(st.Mtim)
		}
	}
	tv := []unix.Timeval{unix.NsecToTimeval(atim), unix.NsecToTimeval(mtim)}
	return toErrno(unix.Futimes(int(fd), tv))
}
