//go:build unix

package sandboxfs

import (
	"errors"
	"os"
	"strings"
	"syscall"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// toErrno maps an error from os or os.Root to an Errno. Errors os.Root makes
// up itself (a path or link that would leave the root) become EPERM, the
// errno wazero uses for paths that are not valid in a mount.
func toErrno(err error) experimentalsys.Errno {
	if err == nil {
		return 0
	}
	var errno experimentalsys.Errno
	if errors.As(err, &errno) {
		return errno
	}
	if e := experimentalsys.UnwrapOSError(err); e != experimentalsys.EIO {
		return e
	}
	var se syscall.Errno
	if errors.As(err, &se) {
		return experimentalsys.UnwrapOSError(se)
	}
	switch {
	case errors.Is(err, os.ErrClosed):
		return experimentalsys.EBADF
	case errors.Is(err, os.ErrPermission):
		return experimentalsys.EPERM
	case errors.Is(err, os.ErrNotExist):
		return experimentalsys.ENOENT
	case errors.Is(err, os.ErrExist):
		return experimentalsys.EEXIST
	}
	// os.Root reports an escape with an unexported error ("path escapes
	// from parent"); it has no errno, and nothing else os.Root returns lacks
	// one, except "not a directory" from opening a root on a file.
	msg := err.Error()
	switch {
	case strings.Contains(msg, "escapes"):
		return experimentalsys.EPERM
	case strings.Contains(msg, "not a directory"):
		return experimentalsys.ENOTDIR
	}
	return experimentalsys.EIO
}

// toOSFlag converts an Oflag to a flag for os.Root.OpenFile. O_NOFOLLOW is
// handled by the caller: os.Root adds it to every step itself.
func toOSFlag(oflag experimentalsys.Oflag) int {
	var flag int
	switch oflag & (experimentalsys.O_RDONLY | experimentalsys.O_RDWR | experimentalsys.O_WRONLY) {
	case experimentalsys.O_RDWR:
		flag = os.O_RDWR
	case experimentalsys.O_WRONLY:
		flag = os.O_WRONLY
	default:
		flag = os.O_RDONLY
	}
	for _, m := range [...]struct {
		from experimentalsys.Oflag
		to   int
	}{
		{experimentalsys.O_APPEND, os.O_APPEND},
		{experimentalsys.O_CREAT, os.O_CREATE},
		{experimentalsys.O_EXCL, os.O_EXCL},
		{experimentalsys.O_SYNC, os.O_SYNC},
		{experimentalsys.O_TRUNC, os.O_TRUNC},
		{experimentalsys.O_DIRECTORY, syscall.O_DIRECTORY},
		{experimentalsys.O_DSYNC, oDSYNC},
		{experimentalsys.O_NONBLOCK, syscall.O_NONBLOCK},
		{experimentalsys.O_RSYNC, oRSYNC},
	} {
		if oflag&m.from != 0 {
			flag |= m.to
		}
	}
	return flag
}
