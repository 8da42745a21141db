package tiering

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/tetratelabs/wazero"
)

// dataModule is a module with one memory of one page exported as "memory"
// and the given data section body (and a data count section if dataCount).
func dataModule(dataBody []byte, dataCount bool) []byte {
	parts := [][]byte{
		[]byte("\x00asm\x01\x00\x00\x00"),
		sec(secMemory, vec([]byte{0, 1})),
		sec(secExport, vec(cat(str("memory"), []byte{2, 0}))),
	}
	if dataCount {
		n, _ := (&reader{b: dataBody}).u32()
		parts = append(parts, sec(secDataCount, uleb(uint64(n))))
	}
	parts = append(parts, sec(secData, dataBody))
	return cat(parts...)
}

func active(off int64, data string) []byte {
	return cat([]byte{0, 0x41}, sleb(off), []byte{0x0b}, str(data))
}

func memoryAfterInstantiation(t *testing.T, wasm []byte) []byte {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	m, err := r.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.Memory().Read(0, m.Memory().Size())
	return bytes.Clone(b)
}

func dataSegments(t *testing.T, wasm []byte) []dataSegment {
	t.Helper()
	secs, err := splitSections(wasm)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs {
		if s.id == secData {
			segs, ok := parseConstData(s.body)
			if !ok {
				t.Fatal("data section not parsed")
			}
			return segs
		}
	}
	return nil
}

func TestRewriteMergesDataSegments(t *testing.T) {
	// Segments 0-2 merge (gaps of 2 and 4095 bytes); 3 starts mergeGap
	// bytes after 2's end; 4 overlaps 3 and must overwrite it; 5 is at
	// an offset written as a multi-byte LEB.
	body := vec(
		active(0, "ab"),
		active(4, "cd"),
		active(6+4095, "ef"),
		active(6+4095+2+mergeGap, "gh"),
		active(6+4095+2+mergeGap+1, "XY"),
		active(60000, "end"),
	)
	wasm := dataModule(body, false)
	out, _, err := Rewrite(wasm, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := dataSegments(t, out)
	if len(got) != 4 {
		t.Fatalf("%d segments after merging, want 4: %+v", len(got), got)
	}
	if got[0].offset != 0 || len(got[0].data) != 6+4095+2 {
		t.Fatalf("first merged segment at %d, %d bytes", got[0].offset, len(got[0].data))
	}
	if want, have := memoryAfterInstantiation(t, wasm), memoryAfterInstantiation(t, out); !bytes.Equal(want, have) {
		t.Fatal("memory after instantiation differs from the original's")
	}
}

func TestRewriteKeepsDataSegments(t *testing.T) {
	passive := cat([]byte{1}, str("p"))
	for _, tc := range []struct {
		name      string
		body      []byte
		dataCount bool
	}{
		{"data count section", vec(active(0, "a"), active(2, "b")), true},
		{"passive segment", vec(active(0, "a"), passive, active(2, "b")), false},
		{"descending offsets", vec(active(8, "a"), active(2, "b")), false},
		// Merging the last two would fill 11..150 with zeros over the
		// first segment's bytes.
		{"gap over an earlier segment", vec(active(100, "first"), active(0, "b"), active(150, "c")), false},
		{"one segment", vec(active(8, "a")), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wasm := dataModule(tc.body, tc.dataCount)
			out, _, err := Rewrite(wasm, Options{})
			if err != nil {
				t.Fatal(err)
			}
			orig, rewritten := dataBody(t, wasm), dataBody(t, out)
			if !bytes.Equal(orig, rewritten) {
				t.Fatal("data section changed")
			}
		})
	}
}

func dataBody(t *testing.T, wasm []byte) []byte {
	t.Helper()
	secs, err := splitSections(wasm)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs {
		if s.id == secData {
			return s.body
		}
	}
	t.Fatal("no data section")
	return nil
}

func TestCompactData(t *testing.T) {
	wasm := dataModule(vec(active(0, "ab"), active(4, "cd"), active(9000, "ef")), false)
	out := CompactData(wasm)
	if n := len(dataSegments(t, out)); n != 2 {
		t.Fatalf("%d segments, want 2", n)
	}
	if !bytes.Equal(memoryAfterInstantiation(t, wasm), memoryAfterInstantiation(t, out)) {
		t.Fatal("memory after instantiation differs from the original's")
	}
	same := dataModule(vec(active(0, "ab"), active(4, "cd")), true)
	if got := CompactData(same); !bytes.Equal(got, same) {
		t.Fatal("module with a data count section changed")
	}
	if got := CompactData([]byte("junk")); string(got) != "junk" {
		t.Fatal("malformed input changed")
	}
}

// Go's linker emits a segment far above the others among them (the status
// example: its 2,175th of 34,983). The run after it still merges, and the
// gaps of that run never cover the high segment.
func TestRewriteMergesAfterOutOfOrderSegment(t *testing.T) {
	var segs [][]byte
	for i := 0; i < 10; i++ {
		segs = append(segs, active(int64(i*16), "0123456789"))
	}
	segs = append(segs, active(40000, "high"))
	for i := 0; i < 10; i++ {
		segs = append(segs, active(int64(1000+i*16), "abcdefghij"))
	}
	// A new run just below "high"; the next segment's gap would cover
	// "high", so it starts a run of its own.
	segs = append(segs, active(39990, "below"), active(40010, "above"))
	wasm := dataModule(vec(segs...), false)
	out, _, err := Rewrite(wasm, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := dataSegments(t, out)
	// Runs: the first ten, high, the second ten, below, above.
	if len(got) != 5 {
		t.Fatalf("%d segments after merging, want 5: offsets %v", len(got), offsets(got))
	}
	if want, have := memoryAfterInstantiation(t, wasm), memoryAfterInstantiation(t, out); !bytes.Equal(want, have) {
		t.Fatal("memory after instantiation differs from the original's")
	}
}

// A gap may not cover a segment applied before its run, even one that is
// not the last of the segments before it.
func TestRewriteGapSkipsEarlierSegments(t *testing.T) {
	body := vec(
		active(500, "keep"), // written first
		active(9000, "far"), // out of order: 500's run ends
		active(100, "a"),    // a new run
		active(2000, "b"),   // its gap 101..2000 covers 500: no merge
		active(2010, "c"),   // merges with b
	)
	wasm := dataModule(body, false)
	out, _, err := Rewrite(wasm, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := dataSegments(t, out); len(got) != 4 {
		t.Fatalf("%d segments after merging, want 4: offsets %v", len(got), offsets(got))
	}
	if want, have := memoryAfterInstantiation(t, wasm), memoryAfterInstantiation(t, out); !bytes.Equal(want, have) {
		t.Fatal("memory after instantiation differs from the original's")
	}
}

// Random data sections, mostly ascending with some segments out of order
// or overlapping: the merged module's memory after instantiation is the
// original's, byte for byte.
func TestMergeDataDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const page = 65536
	mergedAny := 0
	for c := 0; c < 300; c++ {
		n := 2 + rng.IntN(40)
		var segs [][]byte
		off := rng.IntN(2000)
		for i := 0; i < n; i++ {
			size := 1 + rng.IntN(60)
			switch rng.IntN(8) {
			case 0: // anywhere
				off = rng.IntN(page - 100)
			case 1: // overlapping the previous one
				off = max(0, off-rng.IntN(40))
			default: // after it, gap of 0 to ~5000 bytes
				off += rng.IntN(5000)
			}
			if off+size > page {
				off = rng.IntN(page - size)
			}
			data := make([]byte, size)
			for j := range data {
				data[j] = byte(1 + rng.IntN(255))
			}
			segs = append(segs, active(int64(off), string(data)))
			off += size
		}
		wasm := dataModule(vec(segs...), false)
		out := CompactData(wasm)
		if len(out) != len(wasm) || !bytes.Equal(out, wasm) {
			mergedAny++
		}
		if want, have := memoryAfterInstantiation(t, wasm), memoryAfterInstantiation(t, out); !bytes.Equal(want, have) {
			t.Fatalf("case %d: memory after instantiation differs from the original's", c)
		}
	}
	if mergedAny < 200 {
		t.Fatalf("only %d of 300 sections merged anything", mergedAny)
	}
}

// The Go guest's tens of thousands of segments become a handful.
func TestGoGuestDataMerged(t *testing.T) {
	orig, out, _ := statefulGuest(t)
	before, after := len(dataSegments(t, orig)), len(dataSegments(t, out))
	t.Logf("data segments: %d → %d", before, after)
	if before < 1000 || after > 20 {
		t.Fatalf("data segments %d → %d, want a Go guest's thousands down to at most 20", before, after)
	}
}

func offsets(segs []dataSegment) []uint32 {
	var o []uint32
	for _, s := range segs {
		o = append(o, s.offset)
	}
	return o
}
