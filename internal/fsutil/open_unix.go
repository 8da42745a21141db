//go:build unix

package fsutil

import "syscall"

// openFlags open a named pipe without waiting for a writer, so that Stat can
// refuse it; reads of regular files are not affected by O_NONBLOCK.
const openFlags = syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC
