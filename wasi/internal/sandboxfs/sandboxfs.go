//go:build unix

// Package sandboxfs implements a wazero experimental/sys.FS confined to one
// host directory.
//
// Every path operation goes through an os.Root, so no path, ".." component,
// symbolic link (absolute or relative, planted on the host or created by the
// guest), hard link or rename can reach a file outside the directory. The
// guest may create symbolic links only with relative targets that never
// climb ("a/b", never "../a" or "/etc"), so a link stays inside the tree
// wherever it is later moved, even for host tools that follow it without an
// os.Root. A read-only FS refuses every write with EROFS.
//
// Mount it for a guest with wazero's experimental sysfs:
//
//	fsys, err := sandboxfs.New(dir, sandboxfs.Options{ReadOnly: true})
//	...
//	cfg := wazero.NewFSConfig().(sysfs.FSConfig).WithSysFSMount(fsys, "/data")
//
// # Notes
//
//   - The root can be switched at runtime with SetRoot; files the guest
//     already holds open keep working on the old directory.
//   - A hard link planted on the host by the host user is a file of the
//     directory like any other; the guest cannot create one to a file outside.
//   - Checks on the final component (O_NOFOLLOW, Unlink of a directory, Rmdir
//     of a file) look before they act, so two guests racing on one directory
//     may get a less precise errno; confinement never depends on these checks.
//   - Files are opened non-blocking, so a FIFO in the directory cannot hang
//     the host in open(2); reads and writes block unless the guest asked for
//     O_NONBLOCK.
//   - As with os.Root, a mount point, bind mount or device node that the host
//     user placed inside the directory is reachable; Readlink shows the
//     target text of a planted link even when following it is refused.
//   - Unix only (os.Root semantics and descriptor calls used here).
package sandboxfs

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
)

// Options configures an FS.
type Options struct {
	// ReadOnly refuses every operation that would change the directory:
	// opening for write, create, truncate or append, mkdir, rmdir, unlink,
	// rename, link, symlink, chmod and utimes all fail with EROFS. Defaults
	// to false.
	ReadOnly bool
}

// FS is an experimentalsys.FS confined to one host directory.
//
// Methods are safe for concurrent use. Files it returns are used by one
// goroutine at a time, as wazero does.
type FS struct {
	experimentalsys.UnimplementedFS

	readOnly bool

	// mu guards root and gen. Path operations hold it for reading, so SetRoot
	// and Close never close a root under a running operation.
	mu   sync.RWMutex
	root *os.Root // nil after Close
	dir  string
	gen  uint64 // incremented on every SetRoot

	// open counts files and directories the guest holds open.
	open atomic.Int64
}

var _ experimentalsys.FS = (*FS)(nil)

// New returns an FS confined to hostDir, which must be an existing directory.
// The path is made absolute; symbolic links in hostDir itself are followed
// once, when the root is opened.
func New(hostDir string, opt Options) (*FS, error) {
	r, dir, err := openRoot(hostDir)
	if err != nil {
		return nil, err
	}
	return &FS{readOnly: opt.ReadOnly, root: r, dir: dir}, nil
}

func openRoot(hostDir string) (*os.Root, string, error) {
	if hostDir == "" {
		return nil, "", fmt.Errorf("open sandbox root: empty directory name")
	}
	dir, err := filepath.Abs(hostDir)
	if err != nil {
		return nil, "", fmt.Errorf("open sandbox root %s: %w", hostDir, err)
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, "", fmt.Errorf("open sandbox root %s: %w", dir, err)
	}
	return r, dir, nil
}

// SetRoot switches the directory the FS is confined to. Files already open
// keep reading and writing the old directory; every later path operation,
// and the directory handle wazero keeps for the mount point itself, uses the
// new one. On error the FS keeps its current root.
func (f *FS) SetRoot(hostDir string) error {
	r, dir, err := openRoot(hostDir)
	if err != nil {
		return err
	}
	f.mu.Lock()
	if f.root == nil {
		f.mu.Unlock()
		r.Close()
		return fmt.Errorf("set sandbox root %s: %w", dir, os.ErrClosed)
	}
	old := f.root
	f.root, f.dir = r, dir
	f.gen++
	f.mu.Unlock()
	return old.Close()
}

// Root returns the absolute host directory the FS is confined to.
func (f *FS) Root() string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.dir
}

// OpenFiles returns how many files and directories the guest holds open
// through this FS right now.
//
// It does not count the handle wazero's pre-open keeps on the mount point
// itself (opened lazily with OpenFile(".", O_RDONLY, 0)): a new module
// instance re-creates it, so it is no state of the guest.
func (f *FS) OpenFiles() int {
	return int(f.open.Load())
}

// Close releases the root directory. Files already open keep working until
// closed; every later path operation fails (OpenFile with ENOENT, the others
// with EBADF).
func (f *FS) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.root == nil {
		return nil
	}
	err := f.root.Close()
	f.root = nil
	return err
}

// String implements fmt.Stringer.
func (f *FS) String() string { return f.Root() }

// acquire returns the current root with f.mu held for reading; the caller
// must call f.mu.RUnlock when done with it.
func (f *FS) acquire() (*os.Root, bool) {
	f.mu.RLock()
	if f.root == nil {
		f.mu.RUnlock()
		return nil, false
	}
	return f.root, true
}

// rel turns a guest path into a name relative to the root. Leading slashes
// are dropped (the root is the mount point); ".." is left to os.Root, which
// allows it only while it stays inside.
func rel(p string) (string, experimentalsys.Errno) {
	if strings.IndexByte(p, 0) >= 0 {
		return "", experimentalsys.EINVAL
	}
	p = strings.TrimLeft(p, "/")
	if p == "" {
		return ".", 0
	}
	return p, 0
}

// do runs op on the current root for the guest path p.
func (f *FS) do(p string, op func(r *os.Root, name string) error) experimentalsys.Errno {
	name, errno := rel(p)
	if errno != 0 {
		return errno
	}
	r, ok := f.acquire()
	if !ok {
		return experimentalsys.EBADF
	}
	defer f.mu.RUnlock()
	return toErrno(op(r, name))
}

const writeFlags = experimentalsys.O_WRONLY | experimentalsys.O_RDWR |
	experimentalsys.O_CREAT | experimentalsys.O_TRUNC | experimentalsys.O_APPEND

// OpenFile implements experimentalsys.FS.
func (f *FS) OpenFile(p string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	name, errno := rel(p)
	if errno != 0 {
		return nil, errno
	}
	if f.readOnly && flag&writeFlags != 0 {
		return nil, experimentalsys.EROFS
	}
	isWrite := flag&(experimentalsys.O_WRONLY|experimentalsys.O_RDWR) != 0
	if flag&experimentalsys.O_DIRECTORY != 0 && isWrite {
		return nil, experimentalsys.EISDIR
	}
	r, ok := f.acquire()
	if !ok {
		// wazero's pre-open treats anything but ENOENT as a bug.
		return nil, experimentalsys.ENOENT
	}
	gen := f.gen
	defer f.mu.RUnlock()

	// os.Root follows a final symbolic link even with O_NOFOLLOW, so refuse
	// it here (O_CREAT|O_EXCL never follows, and the kernel reports EEXIST).
	if flag&experimentalsys.O_NOFOLLOW != 0 && !strings.HasSuffix(name, "/") &&
		flag&(experimentalsys.O_CREAT|experimentalsys.O_EXCL) != experimentalsys.O_CREAT|experimentalsys.O_EXCL {
		if fi, err := r.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, experimentalsys.ELOOP
		}
	}

	// wazero's pre-open opens the mount point itself lazily with exactly
	// these arguments; guest opens always pass a non-zero perm (path_open
	// uses 0o600). That handle follows SetRoot and is not guest state.
	mountPoint := name == "." && flag == experimentalsys.O_RDONLY && perm == 0

	// Always open non-blocking, so a FIFO planted in the directory cannot
	// hang the host thread in open(2); the descriptor is made blocking
	// again below unless the guest asked for O_NONBLOCK.
	osf, err := r.OpenFile(name, toOSFlag(flag)|syscall.O_NONBLOCK, perm&fs.ModePerm)
	if err != nil {
		if mountPoint {
			// The pre-open panics on anything but ENOENT (say EACCES after
			// the host made the directory unreadable); the guest then sees
			// EBADF on the mount instead.
			return nil, experimentalsys.ENOENT
		}
		return nil, toErrno(err)
	}
	file := &file{fs: f, f: osf, fd: osf.Fd(), flag: flag, gen: gen}
	if err := syscall.SetNonblock(int(file.fd), flag&experimentalsys.O_NONBLOCK != 0); err != nil {
		osf.Close()
		return nil, toErrno(err)
	}
	if mountPoint {
		file.mountPoint = true
	} else {
		file.counted = true
		f.open.Add(1)
	}
	return file, 0
}

// Lstat implements experimentalsys.FS.
func (f *FS) Lstat(p string) (st sys.Stat_t, errno experimentalsys.Errno) {
	errno = f.do(p, func(r *os.Root, name string) error {
		fi, err := r.Lstat(name)
		if err == nil {
			st = sys.NewStat_t(fi)
		}
		return err
	})
	return st, errno
}

// Stat implements experimentalsys.FS.
func (f *FS) Stat(p string) (st sys.Stat_t, errno experimentalsys.Errno) {
	errno = f.do(p, func(r *os.Root, name string) error {
		fi, err := r.Stat(name)
		if err == nil {
			st = sys.NewStat_t(fi)
		}
		return err
	})
	return st, errno
}

// Mkdir implements experimentalsys.FS.
func (f *FS) Mkdir(p string, perm fs.FileMode) experimentalsys.Errno {
	if f.readOnly {
		return experimentalsys.EROFS
	}
	return f.do(p, func(r *os.Root, name string) error {
		return r.Mkdir(name, perm&fs.ModePerm)
	})
}

// Chmod implements experimentalsys.FS.
func (f *FS) Chmod(p string, perm fs.FileMode) experimentalsys.Errno {
	if f.readOnly {
		return experimentalsys.EROFS
	}
	return f.do(p, func(r *os.Root, name string) error {
		return r.Chmod(name, perm&fs.ModePerm)
	})
}

// Rename implements experimentalsys.FS. Both names are inside the root.
func (f *FS) Rename(from, to string) experimentalsys.Errno {
	if f.readOnly {
		return experimentalsys.EROFS
	}
	toName, errno := rel(to)
	if errno != 0 {
		return errno
	}
	return f.do(from, func(r *os.Root, fromName string) error {
		if fromName == toName {
			_, err := r.Lstat(fromName)
			return err
		}
		return renameIn(r, fromName, toName)
	})
}

// renameIn renames with POSIX semantics inside r. os.Root.Rename refuses to
// replace a directory (EEXIST), so rename(2) is called here on descriptors
// of the two parent directories, opened through the root; the final names
// are single components, which renameat never follows.
func renameIn(r *os.Root, from, to string) error {
	fromDir, fromBase := splitParent(from)
	toDir, toBase := splitParent(to)
	if fromBase == "" || toBase == "" {
		return r.Rename(from, to) // "." or a climbing name: let os.Root judge
	}
	fd, err := r.OpenFile(fromDir, os.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		return err
	}
	defer fd.Close()
	td := fd
	if toDir != fromDir {
		if td, err = r.OpenFile(toDir, os.O_RDONLY|syscall.O_DIRECTORY, 0); err != nil {
			return err
		}
		defer td.Close()
	}
	return renameat(fd, fromBase, td, toBase)
}

// splitParent splits a cleaned name into its parent directory and final
// component; the component is "" when the name is "." or climbs with "..".
func splitParent(name string) (dir, base string) {
	name = path.Clean(name)
	dir, base = path.Split(name)
	if base == "." || base == ".." || strings.HasPrefix(name, "../") || name == ".." {
		return "", ""
	}
	if dir == "" {
		return ".", base
	}
	return strings.TrimSuffix(dir, "/"), base
}

// Rmdir implements experimentalsys.FS.
func (f *FS) Rmdir(p string) experimentalsys.Errno {
	if f.readOnly {
		return experimentalsys.EROFS
	}
	return f.do(p, func(r *os.Root, name string) error {
		fi, err := r.Lstat(name)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return experimentalsys.ENOTDIR
		}
		if path.Clean(name) == "." {
			return experimentalsys.EINVAL // never the mount point itself
		}
		return r.Remove(name)
	})
}

// Unlink implements experimentalsys.FS. A symbolic link is removed, never
// its target.
func (f *FS) Unlink(p string) experimentalsys.Errno {
	if f.readOnly {
		return experimentalsys.EROFS
	}
	return f.do(p, func(r *os.Root, name string) error {
		fi, err := r.Lstat(strings.TrimRight(name, "/"))
		if err != nil {
			return err
		}
		if fi.IsDir() {
			return experimentalsys.EISDIR
		}
		return r.Remove(name)
	})
}

// Link implements experimentalsys.FS. Both names are inside the root; when
// oldPath is a symbolic link the new name links to the link itself.
func (f *FS) Link(oldPath, newPath string) experimentalsys.Errno {
	if f.readOnly {
		return experimentalsys.EROFS
	}
	newName, errno := rel(newPath)
	if errno != 0 {
		return errno
	}
	return f.do(oldPath, func(r *os.Root, oldName string) error {
		return r.Link(oldName, newName)
	})
}

// Symlink implements experimentalsys.FS. linkName is inside the root;
// target must be relative and must not contain a ".." component, so the link
// resolves below its own directory wherever it is moved (EPERM otherwise).
func (f *FS) Symlink(target, linkName string) experimentalsys.Errno {
	if f.readOnly {
		return experimentalsys.EROFS
	}
	if errno := checkSymlinkTarget(target); errno != 0 {
		return errno
	}
	return f.do(linkName, func(r *os.Root, name string) error {
		return r.Symlink(target, name)
	})
}

// checkSymlinkTarget enforces the rule for links the guest creates.
func checkSymlinkTarget(target string) experimentalsys.Errno {
	switch {
	case target == "":
		return experimentalsys.ENOENT
	case strings.IndexByte(target, 0) >= 0:
		return experimentalsys.EINVAL
	case strings.HasPrefix(target, "/") || filepath.IsAbs(target):
		return experimentalsys.EPERM
	}
	for _, part := range strings.Split(target, "/") {
		if part == ".." {
			return experimentalsys.EPERM
		}
	}
	return 0
}

// Readlink implements experimentalsys.FS.
func (f *FS) Readlink(p string) (dst string, errno experimentalsys.Errno) {
	errno = f.do(p, func(r *os.Root, name string) (err error) {
		dst, err = r.Readlink(name)
		return err
	})
	return filepath.ToSlash(dst), errno
}

// Utimens implements experimentalsys.FS, following a final symbolic link
// inside the root.
func (f *FS) Utimens(p string, atim, mtim int64) experimentalsys.Errno {
	if f.readOnly {
		return experimentalsys.EROFS
	}
	return f.do(p, func(r *os.Root, name string) error {
		if atim == experimentalsys.UTIME_OMIT && mtim == experimentalsys.UTIME_OMIT {
			_, err := r.Stat(name)
			return err
		}
		// A zero time.Time leaves that time unchanged.
		return r.Chtimes(name, nanosToTime(atim), nanosToTime(mtim))
	})
}

func nanosToTime(n int64) time.Time {
	if n == experimentalsys.UTIME_OMIT {
		return time.Time{}
	}
	return time.Unix(0, n)
}
