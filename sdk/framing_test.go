package sdk

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestAppendFrame(t *testing.T) {
	tests := []struct {
		msg  []byte
		want string
	}{
		{nil, "[]\n"},
		{[]byte{8, 2, 32, 0}, "[8,2,32,0]\n"},
		{[]byte{255, 0, 100}, "[255,0,100]\n"},
	}
	for _, tc := range tests {
		if got := string(AppendFrame(nil, tc.msg)); got != tc.want {
			t.Errorf("AppendFrame(%v) = %q, want %q", tc.msg, got, tc.want)
		}
	}
	if got := string(AppendFrame([]byte("x"), []byte{1})); got != "x[1]\n" {
		t.Errorf("AppendFrame does not append: %q", got)
	}
}

func TestParseFrame(t *testing.T) {
	tests := []struct {
		line string
		want []byte
	}{
		{"[]", []byte{}},
		{"[]\r", []byte{}},
		{"[8,3,42,2,24,97]", []byte{8, 3, 42, 2, 24, 97}},
		{"[8,3,42,2,24,97]\r\n", []byte{8, 3, 42, 2, 24, 97}},
		{" [ 1 , 2 ,3 ] ", []byte{1, 2, 3}},
		{"[0,255]", []byte{0, 255}},
	}
	for _, tc := range tests {
		got, err := ParseFrame([]byte(tc.line))
		if err != nil || !bytes.Equal(got, tc.want) || got == nil {
			t.Errorf("ParseFrame(%q) = %v, %v; want %v", tc.line, got, err, tc.want)
		}
	}
}

func TestParseFrameErrors(t *testing.T) {
	tests := []struct {
		line string
		want string
	}{
		{"", "empty frame"},
		{"\r", "empty frame"},
		{"{}", "want '['"},
		{"[1,2", "unexpected end of input"},
		{"[1,", "unexpected end of input"},
		{"[", "unexpected end of input"},
		{"[256]", "above 255"},
		{"[99999999999999999999]", "above 255"},
		{"[-1]", "want a number"},
		{"[1.5]", "want ',' or ']'"},
		{"[1,,2]", "want a number"},
		{"[,]", "want a number"},
		{"[1]x", "after the array"},
		{"[1][2]", "after the array"},
		{"[01]", "leading zero"},
		{`["a"]`, "want a number"},
	}
	for _, tc := range tests {
		got, err := ParseFrame([]byte(tc.line))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseFrame(%q) = %v, %v; want error containing %q", tc.line, got, err, tc.want)
		}
	}
	if _, err := ParseFrame(nil); !errors.Is(err, ErrEmptyFrame) {
		t.Errorf("ParseFrame(nil) error = %v, want ErrEmptyFrame", err)
	}
}

func TestFrameRoundTrip(t *testing.T) {
	msg := make([]byte, 256)
	for i := range msg {
		msg[i] = byte(i)
	}
	got, err := ParseFrame(AppendFrame(nil, msg))
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("round trip = %v, %v", got, err)
	}
}

func FuzzParseFrame(f *testing.F) {
	for _, s := range []string{"[]", "[1,2,3]\r\n", "[256]", " [ 0 ] ", "[1,"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		b, err := ParseFrame(line)
		if err != nil {
			return
		}
		// Whatever parses must re-encode to an equivalent frame.
		again, err := ParseFrame(AppendFrame(nil, b))
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("re-parse of %v = %v, %v", b, again, err)
		}
	})
}

// chunks is a reader that returns the given pieces one per Read, then EOF
// for every further Read (a host pipe that is empty between writes).
type chunks struct{ parts []string }

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.parts[0])
	c.parts[0] = c.parts[0][n:]
	if c.parts[0] == "" {
		c.parts = c.parts[1:]
	}
	return n, nil
}

func readAll(t *testing.T, lr *lineReader) []string {
	t.Helper()
	var lines []string
	for {
		l, err := lr.ReadLine()
		if errors.Is(err, ErrNoLine) {
			return lines
		}
		if err != nil {
			t.Fatalf("ReadLine: %v", err)
		}
		lines = append(lines, string(l))
	}
}

func TestLineReader(t *testing.T) {
	tests := []struct {
		name  string
		parts []string
		want  []string
	}{
		{"one crlf line", []string{"[1]\r\n"}, []string{"[1]"}},
		{"one lf line", []string{"[1]\n"}, []string{"[1]"}},
		{"queued lines", []string{"[1]\r\n[2]\n[]\r\n"}, []string{"[1]", "[2]", "[]"}},
		{"split line", []string{"[1,", "2", "]\r", "\n"}, []string{"[1,2]"}},
		{"split across lines", []string{"[1]\r\n[", "2]\r\n[3", "]\n"}, []string{"[1]", "[2]", "[3]"}},
		{"partial line at eof", []string{"[1]\n[2"}, []string{"[1]", "[2"}},
		{"empty line", []string{"\r\n[1]\n"}, []string{"", "[1]"}},
		{"nothing", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := readAll(t, newLineReader(&chunks{parts: append([]string(nil), tc.parts...)}))
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("lines = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLineReaderOneBytePerRead(t *testing.T) {
	in := "[8,3,42,2,24,97]\r\n[10,4]\n"
	lr := newLineReader(iotest.OneByteReader(strings.NewReader(in)))
	got := readAll(t, lr)
	if len(got) != 2 || got[0] != "[8,3,42,2,24,97]" || got[1] != "[10,4]" {
		t.Errorf("lines = %q", got)
	}
}

// pipe is a host-owned stdin: the host appends, the guest reads, and an
// empty pipe reads as EOF without being closed.
type pipe struct{ bytes.Buffer }

func (p *pipe) Read(b []byte) (int, error) {
	if p.Len() == 0 {
		return 0, io.EOF
	}
	return p.Buffer.Read(b)
}

func TestLineReaderKeepsLeftoversAcrossEOF(t *testing.T) {
	p := &pipe{}
	lr := newLineReader(p)
	if _, err := lr.ReadLine(); !errors.Is(err, ErrNoLine) {
		t.Fatalf("empty pipe: err = %v, want ErrNoLine", err)
	}
	p.WriteString("[1]\r\n[2]\r\n")
	if l, err := lr.ReadLine(); err != nil || string(l) != "[1]" {
		t.Fatalf("first = %q, %v", l, err)
	}
	if lr.Buffered() != len("[2]\r\n") {
		t.Fatalf("Buffered = %d", lr.Buffered())
	}
	// The host writes more while a line is still buffered.
	p.WriteString("[3]\n")
	for _, want := range []string{"[2]", "[3]"} {
		if l, err := lr.ReadLine(); err != nil || string(l) != want {
			t.Fatalf("got %q, %v; want %q", l, err, want)
		}
	}
	if _, err := lr.ReadLine(); !errors.Is(err, ErrNoLine) {
		t.Fatalf("drained pipe: err = %v, want ErrNoLine", err)
	}
	p.WriteString("[4]\n")
	if l, err := lr.ReadLine(); err != nil || string(l) != "[4]" {
		t.Fatalf("after EOF = %q, %v", l, err)
	}
}

func TestLineReaderLongLine(t *testing.T) {
	// A line much longer than the read chunk, followed by a short one.
	long := AppendFrame(nil, bytes.Repeat([]byte{200}, 40000))
	p := &pipe{}
	p.Write(long)
	p.WriteString("[7]\r\n")
	lr := newLineReader(p)
	l, err := lr.ReadLine()
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseFrame(l)
	if err != nil || len(b) != 40000 {
		t.Fatalf("long frame: %d bytes, %v", len(b), err)
	}
	if l, err := lr.ReadLine(); err != nil || string(l) != "[7]" {
		t.Fatalf("next = %q, %v", l, err)
	}
}

func TestLineReaderError(t *testing.T) {
	boom := errors.New("boom")
	lr := newLineReader(iotest.ErrReader(boom))
	if _, err := lr.ReadLine(); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
}

func BenchmarkParseFrame(b *testing.B) {
	msg := make([]byte, 4096)
	for i := range msg {
		msg[i] = byte(i * 7)
	}
	line := AppendFrame(nil, msg)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFrame(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendFrame(b *testing.B) {
	msg := make([]byte, 4096)
	for i := range msg {
		msg[i] = byte(i * 7)
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendFrame(buf[:0], msg)
	}
	b.SetBytes(int64(len(buf)))
}
