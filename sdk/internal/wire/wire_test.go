package wire

import (
	"bytes"
	"math"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// TestAgreesWithProtowire compares every function with protowire.
func TestAgreesWithProtowire(t *testing.T) {
	vals := []uint64{0, 1, 127, 128, 300, 1<<32 - 1, 1 << 35, math.MaxInt64, math.MaxUint64}
	for _, v := range vals {
		if got, want := AppendVarint(nil, v), protowire.AppendVarint(nil, v); !bytes.Equal(got, want) {
			t.Errorf("AppendVarint(%d) = %v, want %v", v, got, want)
		}
		enc := protowire.AppendVarint(nil, v)
		if got, n := ConsumeVarint(enc); got != v || n != len(enc) {
			t.Errorf("ConsumeVarint(%v) = %d, %d", enc, got, n)
		}
		if SizeVarint(v) != protowire.SizeVarint(v) {
			t.Errorf("SizeVarint(%d)", v)
		}
		if got, want := AppendFixed64(nil, v), protowire.AppendFixed64(nil, v); !bytes.Equal(got, want) {
			t.Errorf("AppendFixed64(%d)", v)
		}
		if got, n := ConsumeFixed64(protowire.AppendFixed64(nil, v)); got != v || n != 8 {
			t.Errorf("ConsumeFixed64(%d) = %d", v, got)
		}
		if got, n := ConsumeFixed32(protowire.AppendFixed32(nil, uint32(v))); got != uint32(v) || n != 4 {
			t.Errorf("ConsumeFixed32(%d) = %d", v, got)
		}
		s := int64(v)
		if EncodeZigZag(s) != protowire.EncodeZigZag(s) || DecodeZigZag(v) != protowire.DecodeZigZag(v) {
			t.Errorf("zigzag %d", v)
		}
	}
	for _, num := range []Number{1, 15, 16, 2047, 1<<29 - 1} {
		for _, typ := range []Type{VarintType, Fixed64Type, BytesType, Fixed32Type} {
			got := AppendTag(nil, num, typ)
			if want := protowire.AppendTag(nil, protowire.Number(num), protowire.Type(typ)); !bytes.Equal(got, want) {
				t.Errorf("AppendTag(%d, %d)", num, typ)
			}
			if n2, t2, n := ConsumeTag(got); n2 != num || t2 != typ || n != len(got) {
				t.Errorf("ConsumeTag(%v) = %d %d %d", got, n2, t2, n)
			}
		}
	}
	if got := AppendString(nil, "héllo"); !bytes.Equal(got, protowire.AppendString(nil, "héllo")) {
		t.Errorf("AppendString = %v", got)
	}
	if v, n := ConsumeBytes([]byte{3, 'a', 'b', 'c', 'd'}); string(v) != "abc" || n != 4 {
		t.Errorf("ConsumeBytes = %q %d", v, n)
	}
}

func TestMalformed(t *testing.T) {
	cases := []struct {
		name string
		n    int
	}{
		{"truncated varint", func() int { _, n := ConsumeVarint([]byte{0x80}); return n }()},
		{"overflow", func() int {
			_, n := ConsumeVarint([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02})
			return n
		}()},
		{"field 0", func() int { _, _, n := ConsumeTag([]byte{0x02}); return n }()},
		{"short bytes", func() int { _, n := ConsumeBytes([]byte{5, 1}); return n }()},
		{"short fixed32", func() int { _, n := ConsumeFixed32([]byte{1}); return n }()},
		{"reserved type", ConsumeFieldValue(1, 7, []byte{0})},
		{"end group", ConsumeFieldValue(1, EndGroupType, nil)},
		{"unterminated group", ConsumeFieldValue(1, StartGroupType, []byte{8, 1})},
		{"wrong end group", ConsumeFieldValue(1, StartGroupType, []byte{0x14})},
	}
	for _, c := range cases {
		if c.n >= 0 || ParseError(c.n) == nil {
			t.Errorf("%s: n = %d", c.name, c.n)
		}
	}
	// A group with a field inside, properly closed: tag(2,varint)=0x10 1, end(1)=0x0c.
	if n := ConsumeFieldValue(1, StartGroupType, []byte{0x10, 1, 0x0c}); n != 3 {
		t.Errorf("group length = %d", n)
	}
	// Deeply nested groups are refused.
	var deep []byte
	for i := 0; i < 100; i++ {
		deep = append(deep, 0x0b) // start group 1
	}
	if n := ConsumeFieldValue(1, StartGroupType, deep); n >= 0 {
		t.Errorf("deep groups: n = %d", n)
	}
}
