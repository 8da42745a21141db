package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestHugePageHeap checks that adviseHugePages leaves an advised mapping
// (VmFlags "hg" in /proc/self/smaps) where the kernel honours the advice,
// and that the runtime hands that memory out again: an allocation of the
// same size lands (its middle at least) in an advised mapping.
func TestHugePageHeap(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || !strings.Contains(string(mode), "[madvise]") {
		t.Skip("transparent huge pages are not in madvise mode here")
	}
	if strings.Contains(os.Getenv("GODEBUG"), "disablethp=1") {
		t.Skip("GODEBUG=disablethp=1")
	}
	base := adviseHugePages(heapForCompile)
	if base == 0 {
		t.Fatal("nothing advised")
	}
	if flags, ok := vmFlags(t, base); !ok || !strings.Contains(" "+flags+" ", " hg ") {
		t.Fatalf("advised range at %#x: mapping flags %q, want hg (MADV_HUGEPAGE)", base, flags)
	}
	b := make([]byte, heapForCompile)
	// Other tests allocate meanwhile, so the allocation may start a little
	// before the advised range: it is judged by its middle.
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b))) + heapForCompile/2
	flags, ok := vmFlags(t, addr)
	if !ok {
		t.Fatalf("no mapping holds %#x", addr)
	}
	if !strings.Contains(" "+flags+" ", " hg ") {
		t.Errorf("allocation around %#x (advised range at %#x): mapping flags %q, want hg", addr, base, flags)
	}
	b[0] = 1
}

// vmFlags returns the VmFlags line of the mapping of /proc/self/smaps that
// holds addr.
func vmFlags(t *testing.T, addr uintptr) (string, bool) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := parseRange(line); ok {
			in = addr >= lo && addr < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmFlags:")), true
		}
	}
	return "", false
}

// parseRange parses the address range at the start of an smaps mapping
// header ("c000000000-c004000000 rw-p ...").
func parseRange(line string) (lo, hi uintptr, ok bool) {
	rng, _, _ := strings.Cut(line, " ")
	a, b, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	x, err1 := strconv.ParseUint(a, 16, 64)
	y, err2 := strconv.ParseUint(b, 16, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uintptr(x), uintptr(y), true
}
