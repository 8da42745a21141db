// Package frame encodes and decodes the line framing of the plugin ABI: every
// protobuf message crosses the guest's stdin/stdout as one line holding a JSON
// array of its bytes in decimal ("[8,3]", "[]" for an empty message).
//
// The functions append to caller-owned buffers and do not allocate when the
// buffers are large enough, so a host can service a command without garbage.
package frame

import (
	"errors"
	"fmt"
)

// digits[b] is the decimal text of b.
var digits [256]string

func init() {
	for i := range digits {
		digits[i] = fmt.Sprint(i)
	}
}

// AppendLine appends the frame of msg terminated by "\r\n" (the terminator the
// reference host writes; guests accept it and a plain "\n").
func AppendLine(dst, msg []byte) []byte {
	dst = append(dst, '[')
	for i, b := range msg {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, digits[b]...)
	}
	return append(dst, ']', '\r', '\n')
}

// EmptyLine is the frame of an empty message with its terminator.
const EmptyLine = "[]\r\n"

// Errors returned by Decode.
var (
	ErrEmpty     = errors.New("empty frame")
	ErrMalformed = errors.New("malformed frame")
)

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// Decode parses src, one JSON array of integers 0..255 with optional
// whitespace around the array and its elements, and appends the bytes it
// denotes to dst. Anything else is an error wrapping ErrMalformed (or
// ErrEmpty when src holds only whitespace).
func Decode(dst, src []byte) ([]byte, error) {
	i, n := 0, len(src)
	for i < n && isSpace(src[i]) {
		i++
	}
	if i == n {
		return dst, ErrEmpty
	}
	if src[i] != '[' {
		return dst, fmt.Errorf("%w: expected '[' at offset %d", ErrMalformed, i)
	}
	i++
	for i < n && isSpace(src[i]) {
		i++
	}
	if i < n && src[i] == ']' {
		i++
	} else {
		for {
			for i < n && isSpace(src[i]) {
				i++
			}
			start := i
			v := 0
			for i < n && src[i] >= '0' && src[i] <= '9' {
				v = v*10 + int(src[i]-'0')
				if v > 255 {
					return dst, fmt.Errorf("%w: value out of byte range at offset %d", ErrMalformed, start)
				}
				i++
			}
			if i == start {
				return dst, fmt.Errorf("%w: expected a number at offset %d", ErrMalformed, i)
			}
			if i-start > 1 && src[start] == '0' {
				return dst, fmt.Errorf("%w: leading zero at offset %d", ErrMalformed, start)
			}
			dst = append(dst, byte(v))
			for i < n && isSpace(src[i]) {
				i++
			}
			if i == n {
				return dst, fmt.Errorf("%w: unterminated array", ErrMalformed)
			}
			if src[i] == ']' {
				i++
				break
			}
			if src[i] != ',' {
				return dst, fmt.Errorf("%w: expected ',' or ']' at offset %d", ErrMalformed, i)
			}
			i++
		}
	}
	for i < n && isSpace(src[i]) {
		i++
	}
	if i != n {
		return dst, fmt.Errorf("%w: trailing data at offset %d", ErrMalformed, i)
	}
	return dst, nil
}

// SplitLast splits guest output that ends with a command frame into the text
// printed before it and the frame itself: the frame starts at the last '['
// (a JSON byte array contains no other bracket). Trailing whitespace belongs
// to the frame. If out holds no '[', prefix is empty and the whole of out is
// returned as the frame, so that Decode reports it.
func SplitLast(out []byte) (prefix, frame []byte) {
	for i := len(out) - 1; i >= 0; i-- {
		if out[i] == '[' {
			return out[:i], out[i:]
		}
	}
	return out[:0], out
}

// PeekUvarintField1 returns the value of field 1 when msg starts with it as a
// varint (how a PluginCommand or Event encodes its name), without decoding the
// rest. ok is false when msg does not start with field 1; for proto3 that
// means the value is 0 unless the field appears later.
func PeekUvarintField1(msg []byte) (v uint64, ok bool) {
	if len(msg) == 0 || msg[0] != 0x08 {
		return 0, false
	}
	var shift uint
	for i := 1; i < len(msg) && i < 11; i++ {
		b := msg[i]
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v, true
		}
		shift += 7
	}
	return 0, false
}
