package frame

import (
	"bytes"
	"errors"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
		err  error
	}{
		{"[]", []byte{}, nil},
		{"[]\r\n", []byte{}, nil},
		{" [ ] ", []byte{}, nil},
		{"[8,3]\n", []byte{8, 3}, nil},
		{"[8, 3 ]\r\n", []byte{8, 3}, nil},
		{"[0,255,10]", []byte{0, 255, 10}, nil},
		{"", nil, ErrEmpty},
		{" \r\n", nil, ErrEmpty},
		{"[256]", nil, ErrSyntax},
		{"[1,]", nil, ErrSyntax},
		{"[,1]", nil, ErrSyntax},
		{"[1 2]", nil, ErrSyntax},
		{"[01]", nil, ErrSyntax},
		{"[1", nil, ErrSyntax},
		{"[-1]", nil, ErrSyntax},
		{"[1]x", nil, ErrSyntax},
		{"{}", nil, ErrSyntax},
		{"[99999999999999999999]", nil, ErrSyntax},
	}
	for _, tc := range tests {
		got, err := Decode(nil, []byte(tc.in))
		if !errors.Is(err, tc.err) {
			t.Errorf("Decode(%q) err = %v, want %v", tc.in, err, tc.err)
			continue
		}
		if err == nil && !bytes.Equal(got, tc.want) {
			t.Errorf("Decode(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestAppendLineRoundTrip(t *testing.T) {
	msg := make([]byte, 256)
	for i := range msg {
		msg[i] = byte(i)
	}
	line := AppendLine(nil, msg)
	if !bytes.HasSuffix(line, []byte("]\r\n")) || line[0] != '[' {
		t.Fatalf("bad line %q", line)
	}
	got, err := Decode(nil, line)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("round trip: %v %v", got, err)
	}
	if s := string(AppendLine(nil, nil)); s != EmptyLine {
		t.Fatalf("empty line = %q", s)
	}
	if s := string(AppendLine(nil, []byte{8, 7, 16, 146})); s != "[8,7,16,146]\r\n" {
		t.Fatalf("line = %q", s)
	}
}

func TestSplitLast(t *testing.T) {
	p, f := SplitLast([]byte("hello\n\x1b[0K[8,3]\n"))
	if string(p) != "hello\n\x1b[0K" || string(f) != "[8,3]\n" {
		t.Fatalf("got %q %q", p, f)
	}
	p, f = SplitLast([]byte("no frame"))
	if len(p) != 0 || string(f) != "no frame" {
		t.Fatalf("got %q %q", p, f)
	}
}

func TestPeekUvarintField1(t *testing.T) {
	if v, ok := PeekUvarintField1([]byte{8, 211, 1, 138, 10, 0}); !ok || v != 211 {
		t.Fatalf("got %d %v", v, ok)
	}
	if _, ok := PeekUvarintField1([]byte{18, 0}); ok {
		t.Fatal("field 2 taken for field 1")
	}
	if _, ok := PeekUvarintField1([]byte{8, 0x80}); ok {
		t.Fatal("truncated varint accepted")
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"[]", "[8,3]\n", "[1,2,3]\r\n", "[256]", "x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := Decode(nil, in)
		if err != nil {
			return
		}
		again, err := Decode(nil, AppendLine(nil, got))
		if err != nil || !bytes.Equal(again, got) {
			t.Fatalf("re-decode of %q: %v %v", in, again, err)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	line := AppendLine(nil, bytes.Repeat([]byte{200, 7}, 32))
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		dst, err = Decode(dst[:0], line)
		if err != nil {
			b.Fatal(err)
		}
	}
}
