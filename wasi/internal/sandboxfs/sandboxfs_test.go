//go:build unix

package sandboxfs

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

const secret = "TOP-SECRET-OUTSIDE"

// layout builds:
//
//	<tmp>/outside/secret.txt, <tmp>/outside/dir/
//	<tmp>/root/{file.txt, sub/inner.txt, empty/} plus symlinks planted by the
//	host: absdir -> /etc, absfile -> <tmp>/outside/secret.txt,
//	rel -> ../outside/secret.txt, reldir -> ../outside,
//	deep -> sub/../../outside/secret.txt, chain1 -> chain2 -> rel,
//	loop1 <-> loop2, inlink -> sub/inner.txt, subup -> sub/.. (inside),
//	and dangling links to files that do not exist yet outside:
//	dangabs -> <tmp>/outside/created-through-dangabs (absolute),
//	dangrel -> ../outside/created-through-dangrel.
func layout(t testing.TB) (root, outside string) {
	t.Helper()
	tmp := t.TempDir()
	outside = filepath.Join(tmp, "outside")
	root = filepath.Join(tmp, "root")
	for _, d := range []string{outside, filepath.Join(outside, "dir"), root, filepath.Join(root, "sub"), filepath.Join(root, "empty")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(outside, "secret.txt"), secret)
	write(filepath.Join(root, "file.txt"), "hello")
	write(filepath.Join(root, "sub", "inner.txt"), "inner")
	links := map[string]string{
		"absdir":  "/etc",
		"absfile": filepath.Join(outside, "secret.txt"),
		"rel":     "../outside/secret.txt",
		"reldir":  "../outside",
		"deep":    "sub/../../outside/secret.txt",
		"chain1":  "chain2",
		"chain2":  "rel",
		"loop1":   "loop2",
		"loop2":   "loop1",
		"inlink":  "sub/inner.txt",
		"subup":   "sub/..",
		"dangabs": filepath.Join(outside, "created-through-dangabs"),
		"dangrel": "../outside/created-through-dangrel",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	return root, outside
}

// snapshot describes every entry under dir: type, mode, size, mtime and a
// digest of the content, so a test can prove nothing there changed.
func snapshot(t testing.TB, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(&b, "%s %v %d %d", rel, fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		if fi.Mode().IsRegular() {
			c, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " %x", sha256.Sum256(c))
		}
		b.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func newFS(t testing.TB, dir string, ro bool) *FS {
	t.Helper()
	f, err := New(dir, Options{ReadOnly: ro})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func wantErrno(t *testing.T, what string, got experimentalsys.Errno, want ...experimentalsys.Errno) {
	t.Helper()
	if !slices.Contains(want, got) {
		t.Errorf("%s: errno %v (%d), want one of %v", what, got, got, want)
	}
}

func readAll(t *testing.T, f experimentalsys.File) string {
	t.Helper()
	var out []byte
	buf := make([]byte, 64)
	for {
		n, errno := f.Read(buf)
		if errno != 0 {
			t.Fatalf("read: %v", errno)
		}
		if n == 0 {
			return string(out)
		}
		out = append(out, buf[:n]...)
	}
}

func TestNew(t *testing.T) {
	root, _ := layout(t)
	for _, dir := range []string{"", filepath.Join(root, "missing"), filepath.Join(root, "file.txt")} {
		if f, err := New(dir, Options{}); err == nil {
			f.Close()
			t.Errorf("New(%q) succeeded", dir)
		} else if !strings.HasPrefix(err.Error(), "open sandbox root") {
			t.Errorf("New(%q): unexpected error text %q", dir, err)
		}
	}
	f := newFS(t, root, false)
	if f.Root() != root {
		t.Errorf("Root() = %q, want %q", f.Root(), root)
	}
}

func TestReadInside(t *testing.T) {
	root, _ := layout(t)
	f := newFS(t, root, false)
	for path, want := range map[string]string{
		"file.txt":               "hello",
		"/file.txt":              "hello",
		"sub/inner.txt":          "inner",
		"sub/../file.txt":        "hello", // ".." that stays inside is fine
		"inlink":                 "inner",
		"subup/file.txt":         "hello", // symlink climbing back to the root itself
		"sub/../sub/../file.txt": "hello",
	} {
		file, errno := f.OpenFile(path, experimentalsys.O_RDONLY, 0o600)
		if errno != 0 {
			t.Errorf("open %q: %v", path, errno)
			continue
		}
		if got := readAll(t, file); got != want {
			t.Errorf("read %q = %q, want %q", path, got, want)
		}
		file.Close()
	}
	st, errno := f.Stat("inlink")
	if errno != 0 || st.Size != int64(len("inner")) || st.Mode.Type() != 0 {
		t.Errorf("stat inlink: %+v %v", st, errno)
	}
	st, errno = f.Lstat("inlink")
	if errno != 0 || st.Mode.Type() != fs.ModeSymlink {
		t.Errorf("lstat inlink: %+v %v", st, errno)
	}
	if dst, errno := f.Readlink("inlink"); errno != 0 || dst != "sub/inner.txt" {
		t.Errorf("readlink inlink = %q %v", dst, errno)
	}
}

// TestEscapes tries every way out of the root and checks both the errno and
// the host directory outside the root.
func TestEscapes(t *testing.T) {
	root, outside := layout(t)
	before := snapshot(t, outside)
	f := newFS(t, root, false)

	escaping := []string{
		"../outside/secret.txt",
		"/../outside/secret.txt",
		"sub/../../outside/secret.txt",
		"../../../../../../etc/passwd",
		"absdir/passwd",
		"absfile",
		"rel",
		"reldir/secret.txt",
		"reldir/dir",
		"deep",
		"chain1",
		"subup/../outside/secret.txt",
	}
	denied := []experimentalsys.Errno{experimentalsys.EPERM, experimentalsys.EACCES, experimentalsys.ENOENT}
	for _, p := range escaping {
		if file, errno := f.OpenFile(p, experimentalsys.O_RDONLY, 0o600); errno == 0 {
			buf := make([]byte, 64)
			n, _ := file.Read(buf)
			file.Close()
			t.Errorf("open %q succeeded, read %q", p, buf[:n])
		} else {
			wantErrno(t, "open "+p, errno, denied...)
		}
		if _, errno := f.Stat(p); errno == 0 {
			t.Errorf("stat %q succeeded", p)
		}
		if file, errno := f.OpenFile(p, experimentalsys.O_RDWR|experimentalsys.O_TRUNC, 0o600); errno == 0 {
			file.Close()
			t.Errorf("open %q for truncate succeeded", p)
		}
		if errno := f.Chmod(p, 0o777); errno == 0 {
			t.Errorf("chmod %q succeeded", p)
		}
		if errno := f.Utimens(p, 0, 0); errno == 0 {
			t.Errorf("utimens %q succeeded", p)
		}
	}
	if _, errno := f.OpenFile("loop1", experimentalsys.O_RDONLY, 0o600); errno == 0 {
		t.Error("open of a symlink loop succeeded")
	} else {
		wantErrno(t, "open loop1", errno, experimentalsys.ELOOP, experimentalsys.EPERM)
	}

	// Writes that would land outside.
	for _, c := range []struct {
		name string
		do   func() experimentalsys.Errno
	}{
		{"create via reldir", func() experimentalsys.Errno {
			file, errno := f.OpenFile("reldir/new.txt", experimentalsys.O_CREAT|experimentalsys.O_WRONLY, 0o644)
			if errno == 0 {
				file.Close()
			}
			return errno
		}},
		{"create via ..", func() experimentalsys.Errno {
			file, errno := f.OpenFile("../outside/new.txt", experimentalsys.O_CREAT|experimentalsys.O_WRONLY, 0o644)
			if errno == 0 {
				file.Close()
			}
			return errno
		}},
		{"create through absolute file link", func() experimentalsys.Errno {
			file, errno := f.OpenFile("absfile", experimentalsys.O_CREAT|experimentalsys.O_WRONLY|experimentalsys.O_APPEND, 0o644)
			if errno == 0 {
				file.Write([]byte("pwned"))
				file.Close()
			}
			return errno
		}},
		{"create through dangling absolute link", func() experimentalsys.Errno {
			file, errno := f.OpenFile("dangabs", experimentalsys.O_CREAT|experimentalsys.O_WRONLY, 0o644)
			if errno == 0 {
				file.Close()
			}
			return errno
		}},
		{"create through dangling relative link", func() experimentalsys.Errno {
			file, errno := f.OpenFile("dangrel", experimentalsys.O_CREAT|experimentalsys.O_RDWR|experimentalsys.O_TRUNC, 0o644)
			if errno == 0 {
				file.Close()
			}
			return errno
		}},
		{"mkdir through dangling link", func() experimentalsys.Errno { return f.Mkdir("dangrel", 0o755) }},
		{"mkdir via reldir", func() experimentalsys.Errno { return f.Mkdir("reldir/newdir", 0o755) }},
		{"mkdir via ..", func() experimentalsys.Errno { return f.Mkdir("../outside/newdir", 0o755) }},
		{"rename out via ..", func() experimentalsys.Errno { return f.Rename("file.txt", "../outside/moved") }},
		{"rename out via reldir", func() experimentalsys.Errno { return f.Rename("file.txt", "reldir/moved") }},
		{"rename out via absdir", func() experimentalsys.Errno { return f.Rename("file.txt", "absdir/moved") }},
		{"rename in from outside", func() experimentalsys.Errno { return f.Rename("../outside/secret.txt", "stolen") }},
		{"rename in via reldir", func() experimentalsys.Errno { return f.Rename("reldir/secret.txt", "stolen") }},
		{"link from outside via ..", func() experimentalsys.Errno { return f.Link("../outside/secret.txt", "stolen") }},
		{"link from outside via reldir", func() experimentalsys.Errno { return f.Link("reldir/secret.txt", "stolen") }},
		{"link to outside", func() experimentalsys.Errno { return f.Link("file.txt", "reldir/linked") }},
		{"unlink via reldir", func() experimentalsys.Errno { return f.Unlink("reldir/secret.txt") }},
		{"unlink via ..", func() experimentalsys.Errno { return f.Unlink("../outside/secret.txt") }},
		{"rmdir via reldir", func() experimentalsys.Errno { return f.Rmdir("reldir/dir") }},
		{"rmdir of the root", func() experimentalsys.Errno { return f.Rmdir(".") }},
		{"symlink placed outside", func() experimentalsys.Errno { return f.Symlink("file.txt", "reldir/planted") }},
		{"symlink absolute target", func() experimentalsys.Errno { return f.Symlink("/etc/passwd", "s1") }},
		{"symlink absolute outside target", func() experimentalsys.Errno { return f.Symlink(filepath.Join(outside, "secret.txt"), "s2") }},
		{"symlink climbing target", func() experimentalsys.Errno { return f.Symlink("../outside/secret.txt", "s3") }},
		{"symlink climbing inside a path", func() experimentalsys.Errno { return f.Symlink("sub/../../outside", "s4") }},
		{"symlink with .. that stays inside", func() experimentalsys.Errno { return f.Symlink("..", "sub/s5") }},
	} {
		if errno := c.do(); errno == 0 {
			t.Errorf("%s: succeeded", c.name)
		}
	}
	for _, name := range []string{"stolen", "s1", "s2", "s3", "s4", "sub/s5"} {
		if _, err := os.Lstat(filepath.Join(root, name)); err == nil {
			t.Errorf("%s was created in the root", name)
		}
	}

	// A hard link to a planted symlink is a link to the link: following it
	// is still confined.
	if errno := f.Link("rel", "hardrel"); errno != 0 {
		t.Fatalf("link to a symlink: %v", errno)
	}
	if fi, err := os.Lstat(filepath.Join(root, "hardrel")); err != nil || fi.Mode().Type() != fs.ModeSymlink {
		t.Fatalf("hardrel is not a symlink: %v %v", fi, err)
	}
	if _, errno := f.OpenFile("hardrel", experimentalsys.O_RDONLY, 0o600); errno == 0 {
		t.Error("open through a hard link of an escaping symlink succeeded")
	}
	// Removing a planted link removes the link, not its target.
	if errno := f.Unlink("rel"); errno != 0 {
		t.Errorf("unlink rel: %v", errno)
	}
	// Renaming the planted directory link moves the link only.
	if errno := f.Rename("reldir", "reldir2"); errno != 0 {
		t.Errorf("rename reldir: %v", errno)
	}
	if _, errno := f.OpenFile("reldir2/secret.txt", experimentalsys.O_RDONLY, 0o600); errno == 0 {
		t.Error("open through renamed link succeeded")
	}

	if after := snapshot(t, outside); after != before {
		t.Errorf("outside changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestGuestSymlinks checks what the guest may create: downward relative
// links work; moving one anywhere in the tree can never make it point out.
func TestGuestSymlinks(t *testing.T) {
	root, outside := layout(t)
	before := snapshot(t, outside)
	f := newFS(t, root, false)

	if errno := f.Symlink("sub/inner.txt", "ok"); errno != 0 {
		t.Fatalf("symlink: %v", errno)
	}
	if errno := f.Symlink("./inner.txt", "sub/ok2"); errno != 0 {
		t.Fatalf("symlink: %v", errno)
	}
	for _, p := range []string{"ok", "sub/ok2"} {
		file, errno := f.OpenFile(p, experimentalsys.O_RDONLY, 0o600)
		if errno != 0 {
			t.Fatalf("open %s: %v", p, errno)
		}
		if got := readAll(t, file); got != "inner" {
			t.Errorf("read %s = %q", p, got)
		}
		file.Close()
	}
	// A link to "." then a deep path through it: the old lexical trick
	// ("a/a/a/l -> ../../../x") is refused because of "..".
	if errno := f.Symlink(".", "dot"); errno != 0 {
		t.Fatalf("symlink to .: %v", errno)
	}
	wantErrno(t, "climb via dot", f.Symlink("../../../outside/secret.txt", "dot/dot/dot/l"), experimentalsys.EPERM)
	// Moving a guest link up keeps it pointing below itself.
	if errno := f.Rename("sub/ok2", "moved"); errno != 0 {
		t.Fatalf("rename: %v", errno)
	}
	if _, errno := f.OpenFile("moved", experimentalsys.O_RDONLY, 0o600); errno != experimentalsys.ENOENT {
		t.Errorf("moved link: errno %v, want ENOENT (dangling inside)", errno)
	}
	wantErrno(t, "symlink existing", f.Symlink("x", "file.txt"), experimentalsys.EEXIST)
	wantErrno(t, "symlink empty target", f.Symlink("", "e"), experimentalsys.ENOENT)

	// Every link the guest made resolves, with plain host path rules, inside
	// the root.
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type() != fs.ModeSymlink {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if _, planted := map[string]bool{"absdir": true, "absfile": true, "rel": true, "reldir": true, "deep": true, "chain1": true, "chain2": true, "loop1": true, "loop2": true, "inlink": true, "subup": true, "dangabs": true, "dangrel": true}[rel]; planted {
			return nil
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil // dangling, inside
		}
		if !strings.HasPrefix(real, root+string(filepath.Separator)) && real != root {
			t.Errorf("guest link %s resolves to %s, outside the root", rel, real)
		}
		return nil
	})
	if after := snapshot(t, outside); after != before {
		t.Errorf("outside changed")
	}
}

func TestReadOnly(t *testing.T) {
	root, outside := layout(t)
	beforeRoot, beforeOut := snapshot(t, root), snapshot(t, outside)
	f := newFS(t, root, true)

	rofs := experimentalsys.EROFS
	for _, flag := range []experimentalsys.Oflag{
		experimentalsys.O_WRONLY,
		experimentalsys.O_RDWR,
		experimentalsys.O_RDONLY | experimentalsys.O_CREAT,
		experimentalsys.O_RDONLY | experimentalsys.O_TRUNC,
		experimentalsys.O_RDONLY | experimentalsys.O_APPEND,
		experimentalsys.O_WRONLY | experimentalsys.O_CREAT | experimentalsys.O_EXCL,
	} {
		for _, p := range []string{"file.txt", "new.txt"} {
			file, errno := f.OpenFile(p, flag, 0o644)
			if errno == 0 {
				file.Close()
			}
			wantErrno(t, fmt.Sprintf("open %s flag %#x", p, flag), errno, rofs)
		}
	}
	wantErrno(t, "mkdir", f.Mkdir("newdir", 0o755), rofs)
	wantErrno(t, "rmdir", f.Rmdir("empty"), rofs)
	wantErrno(t, "unlink", f.Unlink("file.txt"), rofs)
	wantErrno(t, "rename", f.Rename("file.txt", "x"), rofs)
	wantErrno(t, "link", f.Link("file.txt", "x"), rofs)
	wantErrno(t, "symlink", f.Symlink("file.txt", "x"), rofs)
	wantErrno(t, "chmod", f.Chmod("file.txt", 0o777), rofs)
	wantErrno(t, "utimens", f.Utimens("file.txt", 0, 0), rofs)

	file, errno := f.OpenFile("file.txt", experimentalsys.O_RDONLY, 0o600)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer file.Close()
	if _, errno := file.Write([]byte("x")); errno != rofs {
		t.Errorf("write: %v", errno)
	}
	if _, errno := file.Pwrite([]byte("x"), 0); errno != rofs {
		t.Errorf("pwrite: %v", errno)
	}
	wantErrno(t, "truncate", file.Truncate(0), rofs)
	wantErrno(t, "futimens", file.Utimens(0, 0), rofs)
	wantErrno(t, "set append", file.SetAppend(true), rofs)
	if got := readAll(t, file); got != "hello" {
		t.Errorf("read = %q", got)
	}
	// Reading still works everywhere inside.
	dir, errno := f.OpenFile(".", experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY, 0o600)
	if errno != 0 {
		t.Fatal(errno)
	}
	if ents, errno := dir.Readdir(-1); errno != 0 || len(ents) == 0 {
		t.Errorf("readdir: %d entries, %v", len(ents), errno)
	}
	dir.Close()

	if snapshot(t, root) != beforeRoot || snapshot(t, outside) != beforeOut {
		t.Error("read-only FS changed the host")
	}
}

func TestReadOnlyHandleOnWritableFS(t *testing.T) {
	root, _ := layout(t)
	f := newFS(t, root, false)
	file, errno := f.OpenFile("file.txt", experimentalsys.O_RDONLY, 0o600)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer file.Close()
	if _, errno := file.Write([]byte("x")); errno != experimentalsys.EBADF {
		t.Errorf("write: %v", errno)
	}
	if _, errno := file.Pwrite([]byte("x"), 0); errno != experimentalsys.EBADF {
		t.Errorf("pwrite: %v", errno)
	}
	wantErrno(t, "truncate", file.Truncate(0), experimentalsys.EBADF)
	w, errno := f.OpenFile("file.txt", experimentalsys.O_WRONLY, 0o600)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer w.Close()
	if _, errno := w.Read(make([]byte, 4)); errno != experimentalsys.EBADF {
		t.Errorf("read of write-only file: %v", errno)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "file.txt")); string(b) != "hello" {
		t.Errorf("file changed: %q", b)
	}
}

func TestErrnos(t *testing.T) {
	root, _ := layout(t)
	f := newFS(t, root, false)
	open := func(p string, flag experimentalsys.Oflag) experimentalsys.Errno {
		file, errno := f.OpenFile(p, flag, 0o644)
		if errno == 0 {
			file.Close()
		}
		return errno
	}
	E := experimentalsys.Errno(0)
	for _, c := range []struct {
		name string
		got  experimentalsys.Errno
		want experimentalsys.Errno
	}{
		{"open missing", open("missing", experimentalsys.O_RDONLY), experimentalsys.ENOENT},
		{"open missing parent", open("nodir/x", experimentalsys.O_CREAT|experimentalsys.O_WRONLY), experimentalsys.ENOENT},
		{"open under a file", open("file.txt/x", experimentalsys.O_RDONLY), experimentalsys.ENOTDIR},
		{"open file as directory", open("file.txt", experimentalsys.O_DIRECTORY), experimentalsys.ENOTDIR},
		{"open dir for write", open("sub", experimentalsys.O_RDWR), experimentalsys.EISDIR},
		{"open dir for write O_DIRECTORY", open("sub", experimentalsys.O_RDWR|experimentalsys.O_DIRECTORY), experimentalsys.EISDIR},
		{"create exclusive existing", open("file.txt", experimentalsys.O_CREAT|experimentalsys.O_EXCL|experimentalsys.O_WRONLY), experimentalsys.EEXIST},
		{"nofollow on symlink", open("inlink", experimentalsys.O_RDONLY|experimentalsys.O_NOFOLLOW), experimentalsys.ELOOP},
		{"nofollow on file", open("file.txt", experimentalsys.O_RDONLY|experimentalsys.O_NOFOLLOW), E},
		{"nul in path", open("a\x00b", experimentalsys.O_RDONLY), experimentalsys.EINVAL},
		{"stat missing", func() experimentalsys.Errno { _, e := f.Stat("missing"); return e }(), experimentalsys.ENOENT},
		{"lstat missing", func() experimentalsys.Errno { _, e := f.Lstat("missing"); return e }(), experimentalsys.ENOENT},
		{"readlink of a file", func() experimentalsys.Errno { _, e := f.Readlink("file.txt"); return e }(), experimentalsys.EINVAL},
		{"mkdir existing", f.Mkdir("sub", 0o755), experimentalsys.EEXIST},
		{"mkdir over file", f.Mkdir("file.txt", 0o755), experimentalsys.EEXIST},
		{"mkdir missing parent", f.Mkdir("nodir/x", 0o755), experimentalsys.ENOENT},
		{"rmdir file", f.Rmdir("file.txt"), experimentalsys.ENOTDIR},
		{"rmdir symlink", f.Rmdir("subup"), experimentalsys.ENOTDIR},
		{"rmdir non-empty", f.Rmdir("sub"), experimentalsys.ENOTEMPTY},
		{"rmdir missing", f.Rmdir("missing"), experimentalsys.ENOENT},
		{"unlink dir", f.Unlink("sub"), experimentalsys.EISDIR},
		{"unlink missing", f.Unlink("missing"), experimentalsys.ENOENT},
		{"rename missing", f.Rename("missing", "x"), experimentalsys.ENOENT},
		{"rename file over dir", f.Rename("file.txt", "empty"), experimentalsys.EISDIR},
		{"rename dir over file", f.Rename("empty", "file.txt"), experimentalsys.ENOTDIR},
		{"rename dir over non-empty dir", f.Rename("empty", "sub"), experimentalsys.ENOTEMPTY},
		{"rename to itself", f.Rename("file.txt", "file.txt"), E},
		{"link existing", f.Link("file.txt", "sub/inner.txt"), experimentalsys.EEXIST},
		{"link missing", f.Link("missing", "x"), experimentalsys.ENOENT},
		{"link directory", f.Link("sub", "subhard"), experimentalsys.EPERM},
		{"chmod missing", f.Chmod("missing", 0o644), experimentalsys.ENOENT},
		{"utimens missing", f.Utimens("missing", 0, 0), experimentalsys.ENOENT},
		{"utimens omit missing", f.Utimens("missing", experimentalsys.UTIME_OMIT, experimentalsys.UTIME_OMIT), experimentalsys.ENOENT},
	} {
		if c.got != c.want {
			t.Errorf("%s: errno %v (%d), want %v", c.name, c.got, c.got, c.want)
		}
	}
	// ENOTEMPTY on Linux, EEXIST on some BSDs for rename over a non-empty dir
	// is covered above for Linux only.
}

func TestFileOps(t *testing.T) {
	root, _ := layout(t)
	f := newFS(t, root, false)
	file, errno := f.OpenFile("new.txt", experimentalsys.O_RDWR|experimentalsys.O_CREAT|experimentalsys.O_EXCL, 0o640)
	if errno != 0 {
		t.Fatal(errno)
	}
	if fi, err := os.Stat(filepath.Join(root, "new.txt")); err != nil || fi.Mode().Perm()&^0o640 != 0 {
		t.Errorf("created mode %v %v", fi.Mode(), err)
	}
	must := func(what string, errno experimentalsys.Errno) {
		t.Helper()
		if errno != 0 {
			t.Fatalf("%s: %v", what, errno)
		}
	}
	n, errno := file.Write([]byte("hello world"))
	must("write", errno)
	if n != 11 {
		t.Fatalf("wrote %d", n)
	}
	n, errno = file.Pwrite([]byte("W"), 6)
	must("pwrite", errno)
	if n != 1 {
		t.Fatalf("pwrote %d", n)
	}
	off, errno := file.Seek(0, io.SeekCurrent)
	must("seek", errno)
	if off != 11 {
		t.Errorf("pwrite moved the offset to %d", off)
	}
	_, errno = file.Seek(0, io.SeekStart)
	must("seek", errno)
	buf := make([]byte, 32)
	n, errno = file.Read(buf)
	must("read", errno)
	if string(buf[:n]) != "hello World" {
		t.Errorf("read %q", buf[:n])
	}
	n, errno = file.Read(buf)
	if n != 0 || errno != 0 {
		t.Errorf("read at EOF: %d %v", n, errno)
	}
	n, errno = file.Pread(buf[:5], 6)
	must("pread", errno)
	if string(buf[:n]) != "World" {
		t.Errorf("pread %q", buf[:n])
	}
	n, errno = file.Pread(buf, 100)
	if n != 0 || errno != 0 {
		t.Errorf("pread past EOF: %d %v", n, errno)
	}
	wantErrno(t, "pread negative", func() experimentalsys.Errno { _, e := file.Pread(buf, -1); return e }(), experimentalsys.EINVAL)
	wantErrno(t, "pwrite negative", func() experimentalsys.Errno { _, e := file.Pwrite(buf, -1); return e }(), experimentalsys.EINVAL)
	wantErrno(t, "seek whence", func() experimentalsys.Errno { _, e := file.Seek(0, 7); return e }(), experimentalsys.EINVAL)
	wantErrno(t, "seek negative", func() experimentalsys.Errno { _, e := file.Seek(-1, io.SeekStart); return e }(), experimentalsys.EINVAL)
	wantErrno(t, "truncate negative", file.Truncate(-1), experimentalsys.EINVAL)
	must("truncate", file.Truncate(5))
	st, errno := file.Stat()
	must("stat", errno)
	if st.Size != 5 || st.Mode.Type() != 0 {
		t.Errorf("stat after truncate: %+v", st)
	}
	if ino, _ := file.Ino(); ino != st.Ino || ino == 0 {
		t.Errorf("ino %d vs %d", ino, st.Ino)
	}
	if isDir, _ := file.IsDir(); isDir {
		t.Error("IsDir of a file")
	}
	must("sync", file.Sync())
	must("datasync", file.Datasync())

	mtime := time.Date(2020, 1, 2, 3, 4, 5, 6000, time.UTC).UnixNano()
	must("futimens", file.Utimens(experimentalsys.UTIME_OMIT, mtime))
	st, _ = file.Stat()
	if st.Mtim != mtime {
		t.Errorf("mtime %d, want %d", st.Mtim, mtime)
	}
	must("utimens path", f.Utimens("inlink", mtime, mtime)) // follows the link
	if fi, _ := os.Stat(filepath.Join(root, "sub", "inner.txt")); fi.ModTime().UnixNano() != mtime {
		t.Errorf("utimens through link: %v", fi.ModTime())
	}

	// Append mode.
	if file.IsAppend() {
		t.Error("IsAppend before SetAppend")
	}
	must("set append", file.SetAppend(true))
	if !file.IsAppend() {
		t.Error("IsAppend after SetAppend")
	}
	file.Seek(0, io.SeekStart)
	file.Write([]byte("!"))
	must("unset append", file.SetAppend(false))
	file.Seek(0, io.SeekStart)
	file.Write([]byte("J"))
	if b, _ := os.ReadFile(filepath.Join(root, "new.txt")); string(b) != "Jello!" {
		t.Errorf("content after append toggling: %q", b)
	}

	pf := file.(experimentalsys.PollableFile)
	if pf.IsNonblock() {
		t.Error("nonblock by default")
	}
	must("set nonblock", pf.SetNonblock(true))
	if !pf.IsNonblock() {
		t.Error("IsNonblock after SetNonblock")
	}
	if ready, errno := pf.Poll(experimentalsys.POLLIN, 0); !ready || errno != 0 {
		t.Errorf("poll: %v %v", ready, errno)
	}

	must("chmod", f.Chmod("new.txt", 0o600))
	if fi, _ := os.Stat(filepath.Join(root, "new.txt")); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after chmod %v", fi.Mode())
	}

	must("close", file.Close())
	must("close twice", file.Close())
	for what, errno := range map[string]experimentalsys.Errno{
		"read":     func() experimentalsys.Errno { _, e := file.Read(buf); return e }(),
		"pread":    func() experimentalsys.Errno { _, e := file.Pread(buf, 0); return e }(),
		"write":    func() experimentalsys.Errno { _, e := file.Write(buf); return e }(),
		"pwrite":   func() experimentalsys.Errno { _, e := file.Pwrite(buf, 0); return e }(),
		"seek":     func() experimentalsys.Errno { _, e := file.Seek(0, 0); return e }(),
		"stat":     func() experimentalsys.Errno { _, e := file.Stat(); return e }(),
		"readdir":  func() experimentalsys.Errno { _, e := file.Readdir(1); return e }(),
		"truncate": file.Truncate(0),
		"sync":     file.Sync(),
		"datasync": file.Datasync(),
		"utimens":  file.Utimens(0, 0),
		"append":   file.SetAppend(true),
	} {
		wantErrno(t, what+" after close", errno, experimentalsys.EBADF)
	}
}

func TestDirectory(t *testing.T) {
	root, _ := layout(t)
	f := newFS(t, root, false)
	dir, errno := f.OpenFile("sub", experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY, 0o600)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer dir.Close()
	if isDir, errno := dir.IsDir(); !isDir || errno != 0 {
		t.Fatalf("IsDir: %v %v", isDir, errno)
	}
	wantErrno(t, "read dir", func() experimentalsys.Errno { _, e := dir.Read(make([]byte, 8)); return e }(), experimentalsys.EISDIR)
	wantErrno(t, "pread dir", func() experimentalsys.Errno { _, e := dir.Pread(make([]byte, 8), 0); return e }(), experimentalsys.EISDIR)
	wantErrno(t, "write dir", func() experimentalsys.Errno { _, e := dir.Write([]byte("x")); return e }(), experimentalsys.EBADF)
	wantErrno(t, "pwrite dir", func() experimentalsys.Errno { _, e := dir.Pwrite([]byte("x"), 0); return e }(), experimentalsys.EISDIR)
	wantErrno(t, "truncate dir", dir.Truncate(0), experimentalsys.EISDIR)
	wantErrno(t, "append dir", dir.SetAppend(true), experimentalsys.EISDIR)
	wantErrno(t, "seek dir", func() experimentalsys.Errno { _, e := dir.Seek(3, io.SeekStart); return e }(), experimentalsys.EINVAL)

	names := func() []string {
		var out []string
		for {
			ents, errno := dir.Readdir(1)
			if errno != 0 {
				t.Fatalf("readdir: %v", errno)
			}
			if len(ents) == 0 {
				break
			}
			for _, e := range ents {
				st, errno := f.Lstat("sub/" + e.Name)
				if errno != 0 {
					t.Fatal(errno)
				}
				if e.Ino != st.Ino || e.Ino == 0 || e.Type != st.Mode.Type() {
					t.Errorf("dirent %v, lstat ino %d type %v", e.String(), st.Ino, st.Mode.Type())
				}
				out = append(out, e.Name)
			}
		}
		sort.Strings(out)
		return out
	}
	if got := names(); !slices.Equal(got, []string{"inner.txt"}) {
		t.Errorf("entries %v", got)
	}
	os.WriteFile(filepath.Join(root, "sub", "later.txt"), nil, 0o644)
	os.Mkdir(filepath.Join(root, "sub", "d"), 0o755)
	os.Symlink("inner.txt", filepath.Join(root, "sub", "l"))
	if _, errno := dir.Seek(0, io.SeekStart); errno != 0 {
		t.Fatalf("rewind: %v", errno)
	}
	if got := names(); !slices.Equal(got, []string{"d", "inner.txt", "l", "later.txt"}) {
		t.Errorf("entries after rewind %v", got)
	}
	dir.Seek(0, io.SeekStart)
	all, errno := dir.Readdir(-1)
	if errno != 0 || len(all) != 4 {
		t.Errorf("readdir(-1): %d %v", len(all), errno)
	}

	file, _ := f.OpenFile("file.txt", experimentalsys.O_RDONLY, 0o600)
	defer file.Close()
	wantErrno(t, "readdir of a file", func() experimentalsys.Errno { _, e := file.Readdir(1); return e }(), experimentalsys.EBADF)
}

func TestOpenFilesAndSetRoot(t *testing.T) {
	rootA, _ := layout(t)
	rootB := t.TempDir()
	os.WriteFile(filepath.Join(rootB, "file.txt"), []byte("from B"), 0o644)
	os.WriteFile(filepath.Join(rootB, "only-b"), nil, 0o644)

	f := newFS(t, rootA, false)
	// wazero's pre-open handle on the mount point is not counted.
	mount, errno := f.OpenFile(".", experimentalsys.O_RDONLY, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	if n := f.OpenFiles(); n != 0 {
		t.Errorf("OpenFiles with only the mount point = %d", n)
	}
	old, errno := f.OpenFile("file.txt", experimentalsys.O_RDWR, 0o600)
	if errno != 0 {
		t.Fatal(errno)
	}
	d, errno := f.OpenFile(".", experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY, 0o600)
	if errno != 0 {
		t.Fatal(errno)
	}
	if n := f.OpenFiles(); n != 2 {
		t.Errorf("OpenFiles = %d, want 2", n)
	}
	inoA, _ := mount.Ino()
	if inoA == 0 {
		t.Fatal("mount point has no inode")
	}

	if err := f.SetRoot(filepath.Join(rootB, "missing")); err == nil {
		t.Error("SetRoot to a missing dir succeeded")
	}
	if f.Root() != rootA {
		t.Errorf("failed SetRoot changed Root to %q", f.Root())
	}
	if err := f.SetRoot(rootB); err != nil {
		t.Fatal(err)
	}
	if f.Root() != rootB {
		t.Errorf("Root() = %q", f.Root())
	}
	// The open file still reads and writes the old directory.
	if got := readAll(t, old); got != "hello" {
		t.Errorf("old file reads %q", got)
	}
	if _, errno := old.Pwrite([]byte("J"), 0); errno != 0 {
		t.Errorf("old file write: %v", errno)
	}
	if b, _ := os.ReadFile(filepath.Join(rootA, "file.txt")); string(b) != "Jello" {
		t.Errorf("old root file = %q", b)
	}
	// New opens go to the new root.
	nf, errno := f.OpenFile("file.txt", experimentalsys.O_RDONLY, 0o600)
	if errno != 0 {
		t.Fatal(errno)
	}
	if got := readAll(t, nf); got != "from B" {
		t.Errorf("new open reads %q", got)
	}
	if _, errno := f.Stat("sub"); errno != experimentalsys.ENOENT {
		t.Errorf("stat of an old-root name: %v", errno)
	}
	// The mount point handle follows; a guest directory handle does not.
	ents, errno := mount.Readdir(-1)
	if errno != 0 {
		t.Fatal(errno)
	}
	if len(ents) != 2 {
		t.Errorf("mount point lists %d entries after SetRoot, want 2 (%v)", len(ents), ents)
	}
	ents, _ = d.Readdir(-1)
	if len(ents) <= 2 {
		t.Errorf("guest dir handle lists %d entries, want the old root", len(ents))
	}
	if n := f.OpenFiles(); n != 3 {
		t.Errorf("OpenFiles = %d, want 3", n)
	}
	for _, c := range []experimentalsys.File{old, d, nf, mount} {
		c.Close()
	}
	old.Close()
	if n := f.OpenFiles(); n != 0 {
		t.Errorf("OpenFiles after closing = %d", n)
	}
}

func TestClose(t *testing.T) {
	root, _ := layout(t)
	f, err := New(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	file, errno := f.OpenFile("file.txt", experimentalsys.O_RDONLY, 0o600)
	if errno != 0 {
		t.Fatal(errno)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if got := readAll(t, file); got != "hello" {
		t.Errorf("open file after FS close reads %q", got)
	}
	file.Close()
	if _, errno := f.OpenFile(".", experimentalsys.O_RDONLY, 0); errno != experimentalsys.ENOENT {
		t.Errorf("open after close: %v", errno)
	}
	if _, errno := f.Stat("file.txt"); errno != experimentalsys.EBADF {
		t.Errorf("stat after close: %v", errno)
	}
	if err := f.SetRoot(root); err == nil {
		t.Error("SetRoot after Close succeeded")
	}
}

// TestConcurrentSetRoot hammers SetRoot against path operations and open
// files (run with -race).
func TestConcurrentSetRoot(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	for i, d := range dirs {
		os.WriteFile(filepath.Join(d, "f"), []byte{byte('A' + i)}, 0o644)
	}
	f := newFS(t, dirs[0], false)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1)
			for {
				select {
				case <-stop:
					return
				default:
				}
				file, errno := f.OpenFile("f", experimentalsys.O_RDONLY, 0o600)
				if errno != 0 {
					t.Errorf("open: %v", errno)
					return
				}
				if n, errno := file.Read(buf); n != 1 || errno != 0 || (buf[0] != 'A' && buf[0] != 'B') {
					t.Errorf("read %q %v", buf[:n], errno)
				}
				file.Close()
				if _, errno := f.Stat("f"); errno != 0 {
					t.Errorf("stat: %v", errno)
				}
				_ = f.Root()
			}
		}()
	}
	wg.Add(1)
	go func() { // wazero's mount point handle follows every switch
		defer wg.Done()
		mount, errno := f.OpenFile(".", experimentalsys.O_RDONLY, 0)
		if errno != 0 {
			t.Errorf("open mount point: %v", errno)
			return
		}
		defer mount.Close()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, errno := mount.Stat(); errno != 0 {
				t.Errorf("stat mount point: %v", errno)
			}
			mount.Seek(0, io.SeekStart)
			if ents, errno := mount.Readdir(-1); errno != 0 || len(ents) != 1 {
				t.Errorf("readdir mount point: %v %v", ents, errno)
			}
		}
	}()
	for i := 0; i < 200; i++ {
		if err := f.SetRoot(dirs[i%2]); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if n := f.OpenFiles(); n != 0 {
		t.Errorf("OpenFiles = %d after hammer", n)
	}
}

func TestToErrno(t *testing.T) {
	for _, c := range []struct {
		err  error
		want experimentalsys.Errno
	}{
		{nil, 0},
		{&os.PathError{Op: "openat", Path: "x", Err: syscall.ENOENT}, experimentalsys.ENOENT},
		{&os.LinkError{Op: "linkat", Old: "a", New: "b", Err: syscall.EXDEV}, experimentalsys.EIO},
		{fmt.Errorf("wrapped: %w", &os.PathError{Op: "x", Err: syscall.ENOTEMPTY}), experimentalsys.ENOTEMPTY},
		{os.ErrClosed, experimentalsys.EBADF},
		{experimentalsys.EROFS, experimentalsys.EROFS},
		{&os.PathError{Op: "openat", Path: "x", Err: fmt.Errorf("path escapes from parent")}, experimentalsys.EPERM},
	} {
		if got := toErrno(c.err); got != c.want {
			t.Errorf("toErrno(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestRename(t *testing.T) {
	root, _ := layout(t)
	f := newFS(t, root, false)
	must := func(what string, errno experimentalsys.Errno) {
		t.Helper()
		if errno != 0 {
			t.Fatalf("%s: %v", what, errno)
		}
	}
	must("across directories", f.Rename("sub/inner.txt", "empty/moved.txt"))
	if b, err := os.ReadFile(filepath.Join(root, "empty", "moved.txt")); err != nil || string(b) != "inner" {
		t.Errorf("moved file: %q %v", b, err)
	}
	must("file over file", f.Rename("empty/moved.txt", "file.txt"))
	if b, _ := os.ReadFile(filepath.Join(root, "file.txt")); string(b) != "inner" {
		t.Errorf("replaced file: %q", b)
	}
	// POSIX lets a directory replace an empty one (os.Root.Rename refuses).
	must("mkdir", f.Mkdir("d1", 0o755))
	must("dir over empty dir", f.Rename("sub", "d1"))
	if _, err := os.Stat(filepath.Join(root, "sub")); !os.IsNotExist(err) {
		t.Errorf("sub still exists: %v", err)
	}
	must("rename a symlink", f.Rename("inlink", "empty/inlink"))
	if dst, _ := os.Readlink(filepath.Join(root, "empty", "inlink")); dst != "sub/inner.txt" {
		t.Errorf("renamed link -> %q", dst)
	}
	must("trailing slash", f.Rename("d1/", "d2/"))
	wantErrno(t, "into itself", f.Rename("d2", "d2/x"), experimentalsys.EINVAL)
	wantErrno(t, "rename root", f.Rename(".", "x"), experimentalsys.EINVAL, experimentalsys.EPERM, experimentalsys.EIO)
}

// TestUnreadableMountPoint: wazero's pre-open panics unless opening the
// mount point succeeds or fails with ENOENT.
func TestUnreadableMountPoint(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads a mode 000 directory")
	}
	dir := t.TempDir()
	f := newFS(t, dir, false)
	os.Chmod(dir, 0)
	defer os.Chmod(dir, 0o755)
	if _, errno := f.OpenFile(".", experimentalsys.O_RDONLY, 0); errno != experimentalsys.ENOENT {
		t.Errorf("mount point open: %v, want ENOENT", errno)
	}
	if _, errno := f.OpenFile(".", experimentalsys.O_RDONLY, 0o600); errno != experimentalsys.EACCES {
		t.Errorf("guest open: %v, want EACCES", errno)
	}
}

// TestFIFO: opening a FIFO planted in the directory returns at once instead
// of blocking the host thread until a writer appears, and the descriptor is
// blocking unless the guest asked for O_NONBLOCK.
func TestFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	f := newFS(t, dir, false)
	done := make(chan experimentalsys.Errno, 1)
	go func() {
		file, errno := f.OpenFile("fifo", experimentalsys.O_RDONLY, 0o600)
		if errno == 0 {
			if pf := file.(experimentalsys.PollableFile); pf.IsNonblock() || fdNonblock(t, file) {
				t.Error("FIFO opened without O_NONBLOCK is non-blocking")
			}
			file.Close()
		}
		done <- errno
	}()
	select {
	case errno := <-done:
		if errno != 0 {
			t.Fatalf("open fifo: %v", errno)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("open of a FIFO blocked")
	}
	file, errno := f.OpenFile("fifo", experimentalsys.O_RDONLY|experimentalsys.O_NONBLOCK, 0o600)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer file.Close()
	if !file.(experimentalsys.PollableFile).IsNonblock() || !fdNonblock(t, file) {
		t.Error("O_NONBLOCK was not kept")
	}
	if n, errno := file.Read(make([]byte, 8)); n != 0 || errno != 0 {
		t.Errorf("read of a writerless FIFO: %d %v", n, errno)
	}
	// With a writer that has not written, a non-blocking read says EAGAIN.
	w, errno := f.OpenFile("fifo", experimentalsys.O_WRONLY, 0o600)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer w.Close()
	if _, errno := file.Read(make([]byte, 8)); errno != experimentalsys.EAGAIN {
		t.Errorf("non-blocking read of an empty FIFO: %v, want EAGAIN", errno)
	}
	if n, errno := w.Write([]byte("hi")); n != 2 || errno != 0 {
		t.Fatalf("write fifo: %d %v", n, errno)
	}
	buf := make([]byte, 8)
	if n, errno := file.Read(buf); errno != 0 || string(buf[:n]) != "hi" {
		t.Errorf("read fifo: %q %v", buf[:n], errno)
	}
}

func fdNonblock(t *testing.T, f experimentalsys.File) bool {
	t.Helper()
	fl, err := unixFcntlGetfl(f.(*file).fd)
	if err != nil {
		t.Fatal(err)
	}
	return fl&syscall.O_NONBLOCK != 0
}
