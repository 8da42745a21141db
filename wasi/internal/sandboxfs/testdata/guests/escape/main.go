// Command escape is a hostile test guest: each exported function tries to
// leave the directories mounted at /host (read-write) and /data (read-only)
// and prints one line per attempt, "name<TAB>ok<TAB>detail" or
// "name<TAB>err<TAB>error", for the host test to check against the host
// filesystem itself.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
	"unsafe"
)

func main() {}

func report(name string, detail string, err error) {
	if err != nil {
		fmt.Printf("%s\terr\t%v\n", name, err)
		return
	}
	fmt.Printf("%s\tok\t%q\n", name, detail)
}

func read(name, path string) {
	b, err := os.ReadFile(path)
	report(name, string(b), err)
}

func do(name string, err error) { report(name, "", err) }

// Raw WASI calls, so paths reach the host exactly as written (the Go
// runtime would clean "/host/../x" to "/x" before any call).

//go:wasmimport wasi_snapshot_preview1 path_open
func pathOpen(fd int32, dirflags uint32, path unsafe.Pointer, pathLen uint32, oflags uint32, rightsBase uint64, rightsInheriting uint64, fdflags uint32, outFd unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 path_symlink
func pathSymlink(oldPath unsafe.Pointer, oldPathLen uint32, fd int32, newPath unsafe.Pointer, newPathLen uint32) uint32

//go:wasmimport wasi_snapshot_preview1 path_rename
func pathRename(fd int32, oldPath unsafe.Pointer, oldPathLen uint32, newFd int32, newPath unsafe.Pointer, newPathLen uint32) uint32

//go:wasmimport wasi_snapshot_preview1 path_link
func pathLink(oldFd int32, oldFlags uint32, oldPath unsafe.Pointer, oldPathLen uint32, newFd int32, newPath unsafe.Pointer, newPathLen uint32) uint32

func ptr(s string) (unsafe.Pointer, uint32) {
	b := []byte(s)
	return unsafe.Pointer(&b[0]), uint32(len(b))
}

func errnoErr(e uint32) error {
	if e == 0 {
		return nil
	}
	return fmt.Errorf("wasi errno %d", e)
}

func hostFd() int32 {
	d, err := os.Open("/host")
	if err != nil {
		panic(err)
	}
	heldDirs = append(heldDirs, d) // closed by release
	return int32(d.Fd())
}

var heldDirs []*os.File

func rawRead(name string, dirfd int32, path string) {
	p, n := ptr(path)
	var fd int32
	const rightRead = 1 << 1
	e := pathOpen(dirfd, 1, p, n, 0, rightRead, 0, 0, unsafe.Pointer(&fd))
	if e != 0 {
		report(name, "", errnoErr(e))
		return
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	b, err := io.ReadAll(f)
	report(name, string(b), err)
}

//go:wasmexport run
func run() {
	outside := os.Getenv("OUTSIDE")

	// Reads that must work.
	read("read-inside", "/host/file.txt")
	read("read-inlink", "/host/inlink")
	read("read-data", "/data/file.txt")
	ents, err := os.ReadDir("/host")
	var names []string
	for _, e := range ents {
		names = append(names, e.Name()+":"+e.Type().String())
	}
	sort.Strings(names)
	report("list-host", strings.Join(names, ","), err)

	// Escapes through paths and planted links.
	read("read-dotdot", "/host/../../etc/passwd")
	read("read-dotdot-outside", "/host/../outside/secret.txt")
	read("read-abs-outside", outside+"/secret.txt")
	read("read-absfile", "/host/absfile")
	read("read-absdir", "/host/absdir/passwd")
	read("read-rel", "/host/rel")
	read("read-reldir", "/host/reldir/secret.txt")
	read("read-deep", "/host/deep")
	read("read-chain", "/host/chain1")
	read("read-loop", "/host/loop1")
	dirfd := hostFd()
	rawRead("raw-dotdot", dirfd, "../outside/secret.txt")
	rawRead("raw-abs", dirfd, outside+"/secret.txt")
	rawRead("raw-rel", dirfd, "rel")
	rawRead("raw-reldir", dirfd, "reldir/secret.txt")

	// Links the guest creates itself.
	do("symlink-slash", os.Symlink("/", "/host/slash"))
	read("read-via-slash", "/host/slash/etc/passwd")
	do("symlink-outside-abs", os.Symlink(outside, "/host/out"))
	read("read-via-out", "/host/out/secret.txt")
	do("symlink-up", os.Symlink("../../../../../../../..", "/host/up"))
	read("read-via-up", "/host/up/etc/passwd")
	do("symlink-outside-rel", os.Symlink("../outside", "/host/out2"))
	read("read-via-out2", "/host/out2/secret.txt")
	{
		o, on := ptr("../outside")
		n, nn := ptr("out3")
		do("raw-symlink-up", errnoErr(pathSymlink(o, on, dirfd, n, nn)))
	}
	do("symlink-down", os.Symlink("sub/inner.txt", "/host/down"))
	read("read-via-down", "/host/down")

	// Renames and hard links out.
	do("rename-dotdot", os.Rename("/host/file.txt", "/host/../x"))
	do("rename-reldir", os.Rename("/host/file.txt", "/host/reldir/moved"))
	do("rename-in", os.Rename("/host/reldir/secret.txt", "/host/stolen"))
	{
		o, on := ptr("file.txt")
		n, nn := ptr("../outside/moved-raw")
		do("raw-rename-out", errnoErr(pathRename(dirfd, o, on, dirfd, n, nn)))
		o, on = ptr("../outside/secret.txt")
		n, nn = ptr("stolen-raw")
		do("raw-link-in", errnoErr(pathLink(dirfd, 1, o, on, dirfd, n, nn)))
	}
	do("link-in", os.Link("/host/reldir/secret.txt", "/host/stolen2"))
	do("link-out", os.Link("/host/file.txt", "/host/reldir/linked"))
	do("create-via-reldir", os.WriteFile("/host/reldir/planted", []byte("x"), 0o644))
	do("create-via-dangabs", os.WriteFile("/host/dangabs", []byte("x"), 0o644))
	do("create-via-dangrel", os.WriteFile("/host/dangrel", []byte("x"), 0o644))
	do("mkdir-via-reldir", os.Mkdir("/host/reldir/newdir", 0o755))
	do("truncate-via-absfile", os.Truncate("/host/absfile", 0))
	do("chmod-via-rel", os.Chmod("/host/rel", 0o777))
	do("chtimes-via-rel", os.Chtimes("/host/rel", time.Unix(0, 0), time.Unix(0, 0)))
	do("remove-via-reldir", os.Remove("/host/reldir/secret.txt"))

	// Writes that are allowed on /host.
	do("write-host", os.WriteFile("/host/created.txt", []byte("made by guest"), 0o644))
	do("mkdir-host", os.Mkdir("/host/newdir", 0o755))

	// Every write on the read-only /data.
	do("ro-create", os.WriteFile("/data/new.txt", []byte("x"), 0o644))
	do("ro-trunc", func() error {
		f, err := os.OpenFile("/data/file.txt", os.O_WRONLY|os.O_TRUNC, 0)
		if err == nil {
			f.Close()
		}
		return err
	}())
	do("ro-append", func() error {
		f, err := os.OpenFile("/data/file.txt", os.O_WRONLY|os.O_APPEND, 0)
		if err == nil {
			f.Write([]byte("x"))
			f.Close()
		}
		return err
	}())
	do("ro-truncate", os.Truncate("/data/file.txt", 0))
	do("ro-mkdir", os.Mkdir("/data/d", 0o755))
	do("ro-rmdir", os.Remove("/data/empty"))
	do("ro-unlink", os.Remove("/data/file.txt"))
	do("ro-rename", os.Rename("/data/file.txt", "/data/moved"))
	do("ro-link", os.Link("/data/file.txt", "/data/hard"))
	do("ro-symlink", os.Symlink("file.txt", "/data/sym"))
	do("ro-chmod", os.Chmod("/data/file.txt", 0o777))
	do("ro-chtimes", os.Chtimes("/data/file.txt", time.Unix(0, 0), time.Unix(0, 0)))
	do("ro-rename-cross", os.Rename("/host/created.txt", "/data/created.txt"))
	read("ro-read-after", "/data/file.txt")
}

// probe only reads through the planted links; it is what a plain wazero
// directory mount is compared on.
//
//go:wasmexport probe
func probe() {
	read("read-absfile", "/host/absfile")
	read("read-rel", "/host/rel")
	read("read-reldir", "/host/reldir/secret.txt")
}

var held *os.File

// hold opens /host/file.txt and keeps it open across calls.
//
//go:wasmexport hold
func hold() {
	var err error
	held, err = os.Open("/host/file.txt")
	report("hold", "", err)
}

// readheld reads the held file from its start.
//
//go:wasmexport readheld
func readheld() {
	b := make([]byte, 64)
	n, err := held.ReadAt(b, 0)
	if err == io.EOF {
		err = nil
	}
	report("readheld", string(b[:n]), err)
}

// readnew opens /host/file.txt afresh and lists /host.
//
//go:wasmexport readnew
func readnew() {
	read("readnew", "/host/file.txt")
	ents, err := os.ReadDir("/host")
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	report("listnew", strings.Join(names, ","), err)
}

// release closes everything held.
//
//go:wasmexport release
func release() {
	if held != nil {
		held.Close()
		held = nil
	}
	for _, d := range heldDirs {
		d.Close()
	}
	heldDirs = nil
	report("release", "", nil)
}

// readloop reads /host/file.txt n times (for benchmarks).
//
//go:wasmexport readloop
func readloop(n int32) int32 {
	var total int32
	for i := int32(0); i < n; i++ {
		b, err := os.ReadFile("/host/file.txt")
		if err != nil {
			return -1
		}
		total += int32(len(b))
	}
	return total
}
