package ctl

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// pieces is a reader that returns its pieces one per Read, as an io.Pipe
// fed by separate writes does.
type pieces struct {
	p   [][]byte
	err error
}

func (r *pieces) Read(b []byte) (int, error) {
	if len(r.p) == 0 {
		return 0, r.err
	}
	n := copy(b, r.p[0])
	if n == len(r.p[0]) {
		r.p = r.p[1:]
	} else {
		r.p[0] = r.p[0][n:]
	}
	return n, nil
}

func (r *pieces) Close() error { return nil }

func envelope(msg string) (prefix, data []byte) {
	prefix = make([]byte, 5)
	binary.BigEndian.PutUint32(prefix[1:], uint32(len(msg)))
	return prefix, []byte(msg)
}

// TestEnvelopeReader: messages written as prefix and data come out one
// whole message per Read (whatever the pieces), in order, then EOF; a
// small buffer gets a message over several Reads; a truncated last message
// is handed on as it is, then EOF.
func TestEnvelopeReader(t *testing.T) {
	var src [][]byte
	var want bytes.Buffer
	for _, m := range []string{"first line\n", "", "x", string(bytes.Repeat([]byte("y"), 70000))} {
		p, d := envelope(m)
		src = append(src, p, d[:len(d)/2], d[len(d)/2:])
		want.Write(p)
		want.Write(d)
	}
	r := &envelopeReader{r: &pieces{p: src, err: io.EOF}}
	buf := make([]byte, 1<<20)
	var got bytes.Buffer
	var sizes []int
	for {
		n, err := r.Read(buf)
		got.Write(buf[:n])
		if n > 0 {
			sizes = append(sizes, n)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("got %d bytes, want %d", got.Len(), want.Len())
	}
	if wantSizes := []int{5 + 11, 5, 5 + 1, 5 + 70000}; !equalInts(sizes, wantSizes) {
		t.Errorf("reads of %v bytes, want one per message %v", sizes, wantSizes)
	}

	// A small buffer.
	p, d := envelope("hello")
	r = &envelopeReader{r: &pieces{p: [][]byte{p, d}, err: io.EOF}}
	var all []byte
	small := make([]byte, 3)
	for {
		n, err := r.Read(small)
		all = append(all, small[:n]...)
		if err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
	}
	if !bytes.Equal(all, append(p, d...)) {
		t.Errorf("small reads: %q", all)
	}

	// A truncated message, then EOF.
	r = &envelopeReader{r: &pieces{p: [][]byte{p, d[:2]}, err: io.EOF}}
	all, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(all, append(p, d[:2]...)) {
		t.Errorf("truncated: %q, %v", all, err)
	}
	// Another error is reported.
	boom := errors.New("boom")
	r = &envelopeReader{r: &pieces{p: [][]byte{p}, err: boom}}
	if _, err := io.ReadAll(r); !errors.Is(err, boom) {
		t.Errorf("error: %v, want boom", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
