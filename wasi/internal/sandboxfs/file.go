//go:build unix

package sandboxfs

import (
	"io"
	"os"
	"syscall"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
)

// file is an open file or directory of an FS. Its descriptor was opened
// through the root, so it needs no path afterwards: it keeps working after a
// rename, a SetRoot or a Close of the FS.
type file struct {
	experimentalsys.UnimplementedFile

	fs   *FS
	f    *os.File
	fd   uintptr
	flag experimentalsys.Oflag

	// counted is true when the file is in fs.open.
	counted bool
	// mountPoint is true for wazero's handle on the mount point itself: it
	// follows SetRoot (gen is the root generation it was opened on).
	mountPoint bool
	gen        uint64

	closed bool
	st     *cachedStat
}

// fileOffset is int64. Naming it keeps vet's stdmethods check, which expects
// io.Seeker's signature of any method called Seek, off wazero's File.Seek.
type fileOffset = int64

type cachedStat struct {
	dev   uint64
	ino   sys.Inode
	isDir bool
}

var (
	_ experimentalsys.File         = (*file)(nil)
	_ experimentalsys.PollableFile = (*file)(nil)
)

func (f *file) readable() bool {
	return f.flag&(experimentalsys.O_WRONLY|experimentalsys.O_RDWR) != experimentalsys.O_WRONLY
}

func (f *file) writable() bool {
	return f.flag&(experimentalsys.O_WRONLY|experimentalsys.O_RDWR) != 0
}

// followRoot reopens the mount point handle on the current root after a
// SetRoot.
func (f *file) followRoot() experimentalsys.Errno {
	if !f.mountPoint {
		return 0
	}
	r, ok := f.fs.acquire()
	if !ok {
		return 0 // closed FS: keep the old directory
	}
	defer f.fs.mu.RUnlock()
	if f.fs.gen == f.gen {
		return 0
	}
	nf, err := r.Open(".")
	if err != nil {
		return toErrno(err)
	}
	_ = f.f.Close()
	f.f, f.fd, f.gen, f.st = nf, nf.Fd(), f.fs.gen, nil
	return 0
}

func (f *file) cachedStat() (*cachedStat, experimentalsys.Errno) {
	if f.st == nil {
		if _, errno := f.Stat(); errno != 0 {
			return nil, errno
		}
	}
	return f.st, 0
}

// Dev implements experimentalsys.File.
func (f *file) Dev() (uint64, experimentalsys.Errno) {
	st, errno := f.cachedStat()
	if errno != 0 {
		return 0, errno
	}
	return st.dev, 0
}

// Ino implements experimentalsys.File.
func (f *file) Ino() (sys.Inode, experimentalsys.Errno) {
	st, errno := f.cachedStat()
	if errno != 0 {
		return 0, errno
	}
	return st.ino, 0
}

// IsDir implements experimentalsys.File.
func (f *file) IsDir() (bool, experimentalsys.Errno) {
	st, errno := f.cachedStat()
	if errno != 0 {
		return false, errno
	}
	return st.isDir, 0
}

// IsAppend implements experimentalsys.File.
func (f *file) IsAppend() bool {
	return f.flag&experimentalsys.O_APPEND != 0
}

// SetAppend implements experimentalsys.File.
func (f *file) SetAppend(enable bool) experimentalsys.Errno {
	if errno := f.check(false); errno != 0 {
		return errno
	}
	if enable && f.fs.readOnly {
		return experimentalsys.EROFS
	}
	if errno := setAppend(f.fd, enable); errno != 0 {
		return errno
	}
	if enable {
		f.flag |= experimentalsys.O_APPEND
	} else {
		f.flag &^= experimentalsys.O_APPEND
	}
	return 0
}

// check returns EBADF for a closed file and, unless dirOK, EISDIR for a
// directory.
func (f *file) check(dirOK bool) experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	if !dirOK {
		if isDir, errno := f.IsDir(); errno != 0 {
			return errno
		} else if isDir {
			return experimentalsys.EISDIR
		}
	}
	return 0
}

// Stat implements experimentalsys.File.
func (f *file) Stat() (sys.Stat_t, experimentalsys.Errno) {
	if f.closed {
		return sys.Stat_t{}, experimentalsys.EBADF
	}
	if errno := f.followRoot(); errno != 0 {
		return sys.Stat_t{}, errno
	}
	fi, err := f.f.Stat()
	if err != nil {
		return sys.Stat_t{}, toErrno(err)
	}
	st := sys.NewStat_t(fi)
	f.st = &cachedStat{dev: st.Dev, ino: st.Ino, isDir: fi.IsDir()}
	return st, 0
}

// Read implements experimentalsys.File.
func (f *file) Read(buf []byte) (int, experimentalsys.Errno) {
	if f.closed || !f.readable() {
		return 0, experimentalsys.EBADF
	}
	if len(buf) == 0 {
		return 0, 0
	}
	var n int
	var err error
	if f.IsNonblock() {
		// os.File would wait for readiness; the guest wants EAGAIN.
		n, err = syscall.Read(int(f.fd), buf)
		n = max(n, 0)
	} else if n, err = f.f.Read(buf); err == io.EOF {
		err = nil
	}
	if err != nil {
		if errno := f.check(false); errno != 0 {
			return n, errno
		}
	}
	return n, toErrno(err)
}

// Pread implements experimentalsys.File.
func (f *file) Pread(buf []byte, off int64) (int, experimentalsys.Errno) {
	if f.closed || !f.readable() {
		return 0, experimentalsys.EBADF
	}
	if off < 0 {
		return 0, experimentalsys.EINVAL
	}
	if len(buf) == 0 {
		return 0, 0
	}
	n, err := f.f.ReadAt(buf, off)
	if err == io.EOF {
		err = nil
	}
	if err != nil {
		if errno := f.check(false); errno != 0 {
			return n, errno
		}
	}
	return n, toErrno(err)
}

// Seek implements experimentalsys.File. A directory may only be rewound
// (offset 0 from the start), which makes Readdir start over and see entries
// added since.
func (f *file) Seek(offset fileOffset, whence int) (int64, experimentalsys.Errno) {
	if f.closed {
		return 0, experimentalsys.EBADF
	}
	if whence < io.SeekStart || whence > io.SeekEnd {
		return 0, experimentalsys.EINVAL
	}
	isDir, errno := f.IsDir()
	if errno != 0 {
		return 0, errno
	}
	if isDir {
		if offset != 0 || whence != io.SeekStart {
			return 0, experimentalsys.EINVAL
		}
		if errno := f.followRoot(); errno != 0 {
			return 0, errno
		}
	}
	n, err := f.f.Seek(offset, whence)
	return n, toErrno(err)
}

// Readdir implements experimentalsys.File. Entries carry their inode and
// type, read with fstatat on the directory's descriptor; "." and ".." are
// left out (wazero adds them).
func (f *file) Readdir(n int) ([]experimentalsys.Dirent, experimentalsys.Errno) {
	if f.closed {
		return nil, experimentalsys.EBADF
	}
	if isDir, errno := f.IsDir(); errno != 0 {
		return nil, errno
	} else if !isDir {
		return nil, experimentalsys.EBADF
	}
	if errno := f.followRoot(); errno != 0 {
		return nil, errno
	}
	fis, err := f.f.Readdir(n)
	if err != nil && err != io.EOF {
		errno := toErrno(err)
		if errno == experimentalsys.EINVAL || errno == experimentalsys.ENOTDIR {
			errno = experimentalsys.EBADF
		}
		return nil, errno
	}
	dirents := make([]experimentalsys.Dirent, 0, len(fis))
	for _, fi := range fis {
		var ino sys.Inode
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			ino = sys.Inode(st.Ino)
		}
		dirents = append(dirents, experimentalsys.Dirent{Name: fi.Name(), Ino: ino, Type: fi.Mode().Type()})
	}
	return dirents, 0
}

// writeCheck is the shared precondition of Write, Pwrite and Truncate.
func (f *file) writeCheck() experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	if f.fs.readOnly {
		return experimentalsys.EROFS
	}
	if errno := f.check(false); errno != 0 {
		return errno
	}
	if !f.writable() {
		return experimentalsys.EBADF
	}
	return 0
}

// Write implements experimentalsys.File.
func (f *file) Write(buf []byte) (int, experimentalsys.Errno) {
	if errno := f.writeCheck(); errno != 0 {
		if errno == experimentalsys.EISDIR {
			errno = experimentalsys.EBADF // as documented for File.Write
		}
		return 0, errno
	}
	if len(buf) == 0 {
		return 0, 0
	}
	if f.IsNonblock() {
		n, err := syscall.Write(int(f.fd), buf)
		return max(n, 0), toErrno(err)
	}
	n, err := f.f.Write(buf)
	return n, toErrno(err)
}

// Pwrite implements experimentalsys.File. It writes at off even when the file
// is in append mode on systems that allow it (Linux appends regardless).
func (f *file) Pwrite(buf []byte, off int64) (int, experimentalsys.Errno) {
	if errno := f.writeCheck(); errno != 0 {
		return 0, errno
	}
	if off < 0 {
		return 0, experimentalsys.EINVAL
	}
	var done int
	for done < len(buf) {
		n, err := syscall.Pwrite(int(f.fd), buf[done:], off+int64(done))
		if err == syscall.EINTR {
			continue
		}
		if n > 0 {
			done += n
		}
		if err != nil {
			return done, toErrno(err)
		}
		if n == 0 {
			return done, experimentalsys.EIO
		}
	}
	return done, 0
}

// Truncate implements experimentalsys.File.
func (f *file) Truncate(size int64) experimentalsys.Errno {
	if errno := f.writeCheck(); errno != 0 {
		return errno
	}
	if size < 0 {
		return experimentalsys.EINVAL
	}
	return toErrno(f.f.Truncate(size))
}

// Sync implements experimentalsys.File.
func (f *file) Sync() experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	return toErrno(f.f.Sync())
}

// Datasync implements experimentalsys.File.
func (f *file) Datasync() experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	return datasync(f.f)
}

// Utimens implements experimentalsys.File.
func (f *file) Utimens(atim, mtim int64) experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	if f.fs.readOnly {
		return experimentalsys.EROFS
	}
	if atim == experimentalsys.UTIME_OMIT && mtim == experimentalsys.UTIME_OMIT {
		return 0
	}
	return futimens(f.fd, atim, mtim)
}

// Poll implements experimentalsys.Pollable. A regular file is always ready
// for reading.
func (f *file) Poll(flag experimentalsys.Pflag, _ int32) (bool, experimentalsys.Errno) {
	if f.closed {
		return false, experimentalsys.EBADF
	}
	if flag != experimentalsys.POLLIN {
		return false, experimentalsys.ENOTSUP
	}
	if isDir, errno := f.IsDir(); errno != 0 {
		return false, errno
	} else if isDir {
		return false, experimentalsys.EISDIR
	}
	return true, 0
}

// IsNonblock implements experimentalsys.PollableFile.
func (f *file) IsNonblock() bool {
	return f.flag&experimentalsys.O_NONBLOCK != 0
}

// SetNonblock implements experimentalsys.PollableFile.
func (f *file) SetNonblock(enable bool) experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	if err := syscall.SetNonblock(int(f.fd), enable); err != nil {
		return toErrno(err)
	}
	if enable {
		f.flag |= experimentalsys.O_NONBLOCK
	} else {
		f.flag &^= experimentalsys.O_NONBLOCK
	}
	return 0
}

// Close implements experimentalsys.File. Closing twice is a no-op.
func (f *file) Close() experimentalsys.Errno {
	if f.closed {
		return 0
	}
	f.closed = true
	if f.counted {
		f.fs.open.Add(-1)
	}
	return toErrno(f.f.Close())
}
