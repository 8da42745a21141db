package frame

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"regexp"
	"runtime"
	"strconv"
	"testing"
)

func TestAppendJSONBytes(t *testing.T) {
	tests := []struct {
		msg  []byte
		want string
	}{
		{nil, "[]"},
		{[]byte{}, "[]"},
		{[]byte{0}, "[0]"},
		{[]byte{8, 2, 32, 0}, "[8,2,32,0]"},
		{[]byte{9, 10, 99, 100, 255}, "[9,10,99,100,255]"},
		{[]byte{8, 7, 16, 146, 33, 26, 4, 47, 116, 109, 112, 32, 1}, "[8,7,16,146,33,26,4,47,116,109,112,32,1]"},
	}
	for _, tt := range tests {
		if got := string(AppendJSONBytes(nil, tt.msg)); got != tt.want {
			t.Errorf("AppendJSONBytes(%v) = %q, want %q", tt.msg, got, tt.want)
		}
		// Appending keeps the existing prefix, with and without spare capacity.
		for _, dst := range [][]byte{[]byte("x"), append(make([]byte, 0, 1000), 'x')} {
			if got := string(AppendJSONBytes(dst, tt.msg)); got != "x"+tt.want {
				t.Errorf("AppendJSONBytes(%q, %v) = %q", dst, tt.msg, got)
			}
		}
		if got := string(AppendLine(nil, tt.msg)); got != tt.want+"\r\n" {
			t.Errorf("AppendLine(%v) = %q", tt.msg, got)
		}
	}
}

func TestAppendJSONBytesAllValues(t *testing.T) {
	msg := make([]byte, 256)
	want := []byte{'['}
	for i := range msg {
		msg[i] = byte(i)
		if i > 0 {
			want = append(want, ',')
		}
		want = strconv.AppendInt(want, int64(i), 10)
	}
	want = append(want, ']')
	if got := AppendJSONBytes(nil, msg); !bytes.Equal(got, want) {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

func TestParseJSONBytes(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
	}{
		{"[]", []byte{}},
		{"[]\n", []byte{}},
		{"[]\r\n", []byte{}},
		{" \t[ ]\r\n", []byte{}},
		{"[0]", []byte{0}},
		{"[8,2,32,0]\n", []byte{8, 2, 32, 0}},
		{"[8,2,32,0]\n\r", []byte{8, 2, 32, 0}}, // stdout after the host's \n -> \n\r rewrite
		{"[255,0,10,100]", []byte{255, 0, 10, 100}},
		{"[ 1 ,\n2 ,\t3 ]", []byte{1, 2, 3}},
		{"\r\n\r\n[1]\r\n\r\n", []byte{1}},
	}
	for _, tt := range tests {
		got, err := ParseJSONBytes([]byte(tt.in))
		if err != nil {
			t.Errorf("ParseJSONBytes(%q): %v", tt.in, err)
			continue
		}
		if got == nil || !bytes.Equal(got, tt.want) {
			t.Errorf("ParseJSONBytes(%q) = %#v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseJSONBytesRejects(t *testing.T) {
	tests := []struct {
		in     string
		offset int
	}{
		{"", 0},
		{"   \r\n", 5},
		{"x", 0},
		{"[", 1},
		{"[1", 2},
		{"[1,", 3},
		{"[1,]", 3},
		{"[,1]", 1},
		{"[1 2]", 3},
		{"[256]", 1},
		{"[1000]", 1},
		{"[99999999999999999999999]", 1},
		{"[01]", 1},
		{"[00]", 1},
		{"[-1]", 1},
		{"[-0]", 1},
		{"[+1]", 1},
		{"[1.0]", 2},
		{"[1e2]", 2},
		{"[\"1\"]", 1},
		{"[null]", 1},
		{"null", 0},
		{"{}", 0},
		{"[1]]", 3},
		{"[1] [2]", 4},
		{"[1]x", 3},
		{"hello [1]", 0},
		{"[1]\x00", 3},
		{"[\xff]", 1},
		{"\ufeff[1]", 0}, // a byte-order mark is not JSON whitespace
	}
	for _, tt := range tests {
		got, err := ParseJSONBytes([]byte(tt.in))
		if err == nil {
			t.Errorf("ParseJSONBytes(%q) = %v, want an error", tt.in, got)
			continue
		}
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseJSONBytes(%q): error %v does not wrap ErrSyntax", tt.in, err)
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("ParseJSONBytes(%q): error %T is not a *SyntaxError", tt.in, err)
		}
		if se.Offset != tt.offset {
			t.Errorf("ParseJSONBytes(%q): offset %d, want %d (%v)", tt.in, se.Offset, tt.offset, err)
		}
	}
}

func TestAppendParseJSONBytesKeepsPrefix(t *testing.T) {
	dst := append(make([]byte, 0, 64), 0xAA)
	got, err := AppendParseJSONBytes(dst, []byte("[1,2,3]"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, []byte{0xAA, 1, 2, 3}) {
		t.Fatalf("got %v", got)
	}
	got, err = AppendParseJSONBytes(dst, []byte("[1,2,x]"))
	if err == nil || !bytes.Equal(got, dst) {
		t.Fatalf("on error got %v, %v; want dst unchanged and an error", got, err)
	}
}

func TestParseAllocationIsBounded(t *testing.T) {
	// Hostile inputs must not make the parser allocate more than about half
	// the input size.
	for _, src := range [][]byte{
		bytes.Repeat([]byte{','}, 1<<20),
		append([]byte("["), bytes.Repeat([]byte("1,"), 1<<19)...),
		bytes.Repeat([]byte{' '}, 1<<20),
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ParseJSONBytes(src)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("hostile input of %d bytes parsed", len(src))
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > uint64(len(src)/2+64<<10) {
			t.Errorf("parsing %d bytes allocated %d bytes", len(src), got)
		}
	}
}

func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		msg := make([]byte, r.IntN(300))
		for i := range msg {
			msg[i] = byte(r.UintN(256))
		}
		enc := AppendLine(nil, msg)
		got, err := ParseJSONBytes(enc)
		if err != nil {
			t.Fatalf("parse %q: %v", enc, err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("round trip of %v gave %v", msg, got)
		}
		// encoding/json agrees on the text.
		var ints []int
		if err := json.Unmarshal(enc, &ints); err != nil || len(ints) != len(msg) {
			t.Fatalf("encoding/json rejects %q: %v", enc, err)
		}
	}
}

func TestZeroAllocs(t *testing.T) {
	msg := bytes.Repeat([]byte{200, 7, 42}, 17)
	buf := make([]byte, 0, 512)
	if a := testing.AllocsPerRun(100, func() { buf = AppendJSONBytes(buf[:0], msg) }); a != 0 {
		t.Errorf("AppendJSONBytes into a large enough buffer: %v allocations", a)
	}
	line := AppendLine(nil, msg)
	out := make([]byte, 0, 512)
	if a := testing.AllocsPerRun(100, func() { out, _ = AppendParseJSONBytes(out[:0], line) }); a != 0 {
		t.Errorf("AppendParseJSONBytes into a large enough buffer: %v allocations", a)
	}
}

var canonicalNumber = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)

// referenceParse decodes src with encoding/json and applies the byte-array
// rules; ok is false when the input is not an array of integers 0-255.
func referenceParse(src []byte) (out []byte, ok bool) {
	if !json.Valid(src) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	arr, isArr := v.([]any)
	if !isArr {
		return nil, false
	}
	out = []byte{}
	for _, e := range arr {
		n, isNum := e.(json.Number)
		if !isNum || !canonicalNumber.MatchString(string(n)) {
			return nil, false
		}
		x, err := strconv.Atoi(string(n))
		if err != nil || x > 255 {
			return nil, false
		}
		out = append(out, byte(x))
	}
	return out, true
}

func FuzzParseJSONBytes(f *testing.F) {
	for _, s := range []string{
		"[]", "[]\r\n", "[8,2,32,0]\n", "[8,7,16,146,33,26,4,47,116,109,112,32,1]\r\n",
		"[ 1 , 2 ]", "[256]", "[01]", "[-1]", "[1,]", "[1.5]", "[1e1]", "", " ", "[", "]",
		"[1]x", "[\"a\"]", "[null]", "{}", "[[1]]", "[1]\n\r",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		got, err := ParseJSONBytes(src)
		want, ok := referenceParse(src)
		if ok != (err == nil) {
			t.Fatalf("ParseJSONBytes(%q) error %v; encoding/json says valid=%v", src, err, ok)
		}
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v does not wrap ErrSyntax", err)
			}
			return
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("ParseJSONBytes(%q) = %v, encoding/json gives %v", src, got, want)
		}
		if len(got) > len(src)/2 {
			t.Fatalf("output of %d bytes from %d input bytes", len(got), len(src))
		}
		if back, err := ParseJSONBytes(AppendJSONBytes(nil, got)); err != nil || !bytes.Equal(back, got) {
			t.Fatalf("re-encoding %v does not round-trip: %v %v", got, back, err)
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{8, 2, 32, 0})
	f.Add([]byte{0, 9, 10, 99, 100, 255})
	f.Fuzz(func(t *testing.T, msg []byte) {
		enc := AppendJSONBytes([]byte("prefix"), msg)
		if !bytes.HasPrefix(enc, []byte("prefix")) {
			t.Fatalf("prefix lost: %q", enc)
		}
		got, err := ParseJSONBytes(enc[len("prefix"):])
		if err != nil {
			t.Fatalf("parse %q: %v", enc, err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("round trip of %v gave %v", msg, got)
		}
	})
}

// msg50 is a typical 50-byte command.
var msg50 = func() []byte {
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, 50)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}()

func BenchmarkAppendJSONBytes50(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.SetBytes(int64(len(msg50)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendJSONBytes(buf[:0], msg50)
	}
}

func BenchmarkParseJSONBytes50(b *testing.B) {
	line := AppendJSONBytes(nil, msg50)
	line = append(line, '\n')
	b.SetBytes(int64(len(msg50)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseJSONBytes(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendParseJSONBytes50(b *testing.B) {
	line := AppendJSONBytes(nil, msg50)
	line = append(line, '\n')
	out := make([]byte, 0, 256)
	b.SetBytes(int64(len(msg50)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if out, err = AppendParseJSONBytes(out[:0], line); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodingJSON50 is the baseline: encoding/json on the same line.
func BenchmarkEncodingJSON50(b *testing.B) {
	line := AppendJSONBytes(nil, msg50)
	b.SetBytes(int64(len(msg50)))
	b.ReportAllocs()
	for b.Loop() {
		var v []uint16
		if err := json.Unmarshal(line, &v); err != nil {
			b.Fatal(err)
		}
	}
}
