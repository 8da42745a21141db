package sdk

import (
	"errors"
	"strconv"
)

// Every protobuf message crosses the guest boundary as one line holding a
// JSON array of the message's bytes in decimal: "[8,3]" for a two-byte
// message, "[]" for an empty one. The guest writes commands as such a line
// terminated by "\n"; the host writes replies, events and configuration
// terminated by "\r\n" or "\n".

// decimal holds the decimal text of every byte value followed by a comma.
var decimal = func() (t [256]string) {
	for i := range t {
		t[i] = strconv.Itoa(i) + ","
	}
	return t
}()

// AppendFrame appends the JSON byte-array encoding of msg to dst, followed by
// a newline, and returns the extended slice.
func AppendFrame(dst, msg []byte) []byte {
	dst = append(dst, '[')
	for _, b := range msg {
		dst = append(dst, decimal[b]...)
	}
	if len(msg) > 0 {
		dst = dst[:len(dst)-1] // the last comma
	}
	return append(dst, ']', '\n')
}

// ErrEmptyFrame reports a frame with no JSON array at all: an empty line, or
// nothing read because the host wrote no line.
var ErrEmptyFrame = errors.New("empty frame")

// ParseFrame decodes one line holding a JSON array of byte values (0 to 255)
// into the bytes it denotes. Whitespace around the array and between its
// elements is allowed, so a trailing "\r" or "\r\n" is harmless. An empty
// array gives a non-nil empty slice.
func ParseFrame(line []byte) ([]byte, error) {
	i := skipSpace(line, 0)
	if i == len(line) {
		return nil, ErrEmptyFrame
	}
	if line[i] != '[' {
		return nil, newError("parse frame: expected '[' at offset " + itoa(i) + ", found " + quoteByte(line[i]))
	}
	// A frame of n bytes is at least 2n+1 characters long; size for that.
	out := make([]byte, 0, len(line)/2)
	i = skipSpace(line, i+1)
	if i < len(line) && line[i] == ']' {
		return checkTail(out, line, i+1)
	}
	for {
		if i == len(line) {
			return nil, errors.New("parse frame: unterminated array")
		}
		start := i
		v := 0
		for i < len(line) && line[i] >= '0' && line[i] <= '9' {
			v = v*10 + int(line[i]-'0')
			if v > 255 {
				return nil, newError("parse frame: value at offset " + itoa(start) + " exceeds 255")
			}
			i++
		}
		if i == start {
			if i == len(line) {
				return nil, errors.New("parse frame: unterminated array")
			}
			return nil, newError("parse frame: expected a byte value at offset " + itoa(i) + ", found " + quoteByte(line[i]))
		}
		if i-start > 1 && line[start] == '0' {
			return nil, newError("parse frame: leading zero at offset " + itoa(start))
		}
		out = append(out, byte(v))
		i = skipSpace(line, i)
		if i == len(line) {
			return nil, errors.New("parse frame: unterminated array")
		}
		switch line[i] {
		case ',':
			i = skipSpace(line, i+1)
		case ']':
			return checkTail(out, line, i+1)
		default:
			return nil, newError("parse frame: expected ',' or ']' at offset " + itoa(i) + ", found " + quoteByte(line[i]))
		}
	}
}

func checkTail(out, line []byte, i int) ([]byte, error) {
	if i = skipSpace(line, i); i != len(line) {
		return nil, newError("parse frame: trailing data at offset " + itoa(i))
	}
	return out, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}
