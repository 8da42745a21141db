package sdk

import "github.com/tessera-ws/tessera/proto/frame"

// Every protobuf message crosses the guest boundary as one line holding a
// JSON array of the message's bytes in decimal: "[8,3]" for a two-byte
// message, "[]" for an empty one. The codec is package proto/frame, shared
// with the host; the names here are the SDK's view of it.

// AppendFrame appends the JSON byte-array encoding of msg to dst, followed by
// a newline, and returns the extended slice.
func AppendFrame(dst, msg []byte) []byte { return frame.AppendCommand(dst, msg) }

// ErrEmptyFrame reports a frame with no JSON array at all: an empty line, or
// nothing read because the host wrote no line.
var ErrEmptyFrame = frame.ErrEmpty

// ParseFrame decodes one line holding a JSON array of byte values (0 to 255)
// into the bytes it denotes. Whitespace around the array and between its
// elements is allowed, so a trailing "\r" or "\r\n" is harmless. An empty
// array gives a non-nil empty slice.
func ParseFrame(line []byte) ([]byte, error) {
	out, err := frame.Decode(make([]byte, 0, len(line)/2), line)
	if err != nil {
		return nil, err
	}
	return out, nil
}
