package tiering

import (
	"bytes"
	"testing"
)

// copySparse makes dst equal src block by block, and leaves alone (does
// not read or write) the blocks both sides report as untouched.
func TestCopySparse(t *testing.T) {
	const bs = 16
	block := func(c byte) []byte { return bytes.Repeat([]byte{c}, bs) }
	cat := func(bl ...[]byte) []byte { return bytes.Join(bl, nil) }
	zero := block(0)
	// Blocks: 0 both untouched; 1 source untouched, target holds data;
	// 2 source data, target untouched; 3 both touched, equal; 4 both
	// touched, different; 5 source untouched, target touched but zero;
	// 6 a short last block, different.
	src := cat(zero, zero, block('s'), block('e'), block('x'), zero, []byte("tail"))
	dst := cat(block('!'), block('d'), zero, block('e'), block('y'), zero, []byte("TAIL"))
	srcU := []bool{true, true, false, false, false, true, false}
	dstU := []bool{true, false, true, false, false, false, false}
	copySparse(dst, src, srcU, dstU, bs)
	// Block 0 was declared untouched on both sides: it is not looked at
	// (its '!' bytes stand for pages that must stay unread).
	if !bytes.Equal(dst[:bs], block('!')) {
		t.Fatalf("block untouched on both sides was written: %q", dst[:bs])
	}
	if !bytes.Equal(dst[bs:], src[bs:]) {
		t.Fatalf("dst %q, want %q", dst[bs:], src[bs:])
	}
}

func TestCopyChanged(t *testing.T) {
	src := bytes.Repeat([]byte("abcdefgh"), copyBlock/2+3)
	dst := make([]byte, len(src))
	copy(dst[copyBlock:], src[copyBlock:2*copyBlock])
	copyChanged(dst, src)
	if !bytes.Equal(dst, src) {
		t.Fatal("dst differs from src after copyChanged")
	}
}

func TestAllZero(t *testing.T) {
	b := make([]byte, 3*len(zeros)+5)
	if !allZero(b) {
		t.Fatal("zeros reported non-zero")
	}
	for _, i := range []int{0, len(zeros), len(b) - 1} {
		b[i] = 1
		if allZero(b) {
			t.Fatalf("byte %d set, reported zero", i)
		}
		b[i] = 0
	}
}
