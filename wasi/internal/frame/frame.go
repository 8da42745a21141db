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

	pframe "github.com/tessera-ws/tessera/proto/frame"
)

// AppendLine appends the frame of msg terminated by "\r\n" (the terminator the
// reference host writes; guests accept it and a plain "\n"). It uses the
// shared codec of proto/frame.
func AppendLine(dst, msg []byte) []byte { return pframe.AppendLine(dst, msg) }

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
	i := 0
	for i < len(src) && isSpace(src[i]) {
		i++
	}
	if i == len(src) {
		return dst, ErrEmpty
	}
	out, err := pframe.AppendParseJSONBytes(dst, src)
	if err != nil {
		return dst, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return out, nil
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
