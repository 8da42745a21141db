package tiering

import (
	"bytes"
	"context"
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
