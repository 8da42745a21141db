// Package frame is the line framing of the plugin ABI, shared by the host
// (package wasi) and the plugin SDK: every protobuf message crosses a
// plugin's stdin/stdout as one line holding a JSON array of its bytes in
// decimal, such as `[8,2,32,0]`, with `[]` for an empty message. The host
// ends the lines it writes with "\r\n", a guest its commands with "\n".
//
// The functions work on caller-provided buffers, allocate at most the output
// slice, and never panic on malformed input. The package depends on neither
// the protobuf runtime nor fmt, so that a WebAssembly plugin stays small.
//
//	line := frame.AppendLine(nil, []byte{8, 3}) // "[8,3]\r\n"
//	msg, err := frame.Decode(nil, line)         // []byte{8, 3}, nil
package frame

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
)

// ErrSyntax is wrapped by every error ParseJSONBytes returns.
var ErrSyntax = errors.New("malformed byte array")

// ErrEmpty reports a line without any array: blank, or nothing read
// because no line was written.
var ErrEmpty = errors.New("empty frame")

// EmptyLine is the line of an empty message as the host writes it.
const EmptyLine = "[]\r\n"

// SyntaxError reports where and why ParseJSONBytes rejected its input.
type SyntaxError struct {
	Offset int    // byte offset in the input
	Msg    string // what was wrong
}

// Error describes the problem and its offset.
func (e *SyntaxError) Error() string {
	return "parse byte array: offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Unwrap makes errors.Is(err, ErrSyntax) true.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// digits[b] holds the decimal text of b followed by a comma, packed little
// endian into 4 bytes; lens[b] is the length of the text plus the comma.
var (
	digits [256]uint32
	lens   [256]uint8
)

func init() {
	for i := range 256 {
		var b [4]byte
		s := strconv.Itoa(i)
		copy(b[:], s)
		b[len(s)] = ','
		digits[i] = binary.LittleEndian.Uint32(b[:])
		lens[i] = uint8(len(s) + 1)
	}
}

// AppendJSONBytes appends msg encoded as a JSON array of decimal bytes (no
// spaces, `[]` when msg is empty) to dst and returns the extended slice.
func AppendJSONBytes(dst, msg []byte) []byte {
	// Worst case: 3 digits and a comma per byte, plus the brackets.
	if need := len(dst) + 4*len(msg) + 2; need > cap(dst) {
		grown := make([]byte, len(dst), need)
		copy(grown, dst)
		dst = grown
	}
	n := len(dst)
	dst = dst[:cap(dst)]
	dst[n] = '['
	n++
	for _, b := range msg {
		// Store the digits and a trailing comma at once; the comma after the
		// last byte is overwritten by the closing bracket.
		binary.LittleEndian.PutUint32(dst[n:n+4], digits[b])
		n += int(lens[b])
	}
	if len(msg) > 0 {
		n--
	}
	dst[n] = ']'
	return dst[:n+1]
}

// AppendLine appends msg as a JSON byte array followed by "\r\n", the line
// form the host writes to a plugin's stdin.
func AppendLine(dst, msg []byte) []byte {
	dst = AppendJSONBytes(dst, msg)
	return append(dst, '\r', '\n')
}

// AppendCommand appends msg as a JSON byte array followed by "\n", the line
// form a guest writes its commands in.
func AppendCommand(dst, msg []byte) []byte {
	dst = AppendJSONBytes(dst, msg)
	return append(dst, '\n')
}

// Decode is AppendParseJSONBytes reporting a blank src as ErrEmpty.
func Decode(dst, src []byte) ([]byte, error) {
	if skipSpace(src, 0) == len(src) {
		return dst, ErrEmpty
	}
	return AppendParseJSONBytes(dst, src)
}

// SplitLast splits guest output that ends with a command frame into the text
// printed before it and the frame itself: the frame starts at the last '['
// (a JSON byte array contains no other bracket). Trailing whitespace belongs
// to the frame. If out holds no '[', prefix is empty and the whole of out is
// returned as the frame, so that Decode reports it.
func SplitLast(out []byte) (prefix, frame []byte) {
	if i := bytes.LastIndexByte(out, '['); i >= 0 {
		return out[:i], out[i:]
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
	v, n := binary.Uvarint(msg[1:])
	if n <= 0 {
		return 0, false
	}
	return v, true
}

// ParseJSONBytes decodes a JSON array of integers 0-255, such as the output
// a plugin prints for one command. JSON whitespace (space, tab, CR, LF) is
// allowed around the array and between its tokens; anything else (signs,
// leading zeros, fractions, values above 255, trailing commas, text after
// the array) is rejected with a *SyntaxError. The result is a new slice,
// empty but not nil for `[]`.
func ParseJSONBytes(src []byte) ([]byte, error) {
	// A valid array has one element more than it has commas, and each
	// element takes at least two input bytes (a digit and a comma or
	// bracket), so the allocation never exceeds half the input size.
	n := min(bytes.Count(src, comma)+1, len(src)/2)
	return AppendParseJSONBytes(make([]byte, 0, n), src)
}

var comma = []byte{','}

// AppendParseJSONBytes is ParseJSONBytes appending the decoded bytes to dst.
// On error it returns dst unchanged (its spare capacity may be overwritten).
func AppendParseJSONBytes(dst, src []byte) ([]byte, error) {
	i := skipSpace(src, 0)
	if i == len(src) {
		return dst, syntaxErr(i, "empty input, want '['")
	}
	if src[i] != '[' {
		return dst, syntaxErr(i, "want '[', found "+quote(src[i]))
	}
	i = skipSpace(src, i+1)
	out := dst
	if i < len(src) && src[i] == ']' {
		return finish(dst, out, src, i+1)
	}
	for {
		if i == len(src) {
			return dst, syntaxErr(i, "unexpected end of input, want a number")
		}
		d := src[i] - '0'
		if d > 9 {
			return dst, syntaxErr(i, "want a number 0-255, found "+quote(src[i]))
		}
		start := i
		v := uint(d)
		i++
		// At most three digits; a fourth is always out of range.
		if i < len(src) {
			if d = src[i] - '0'; d <= 9 {
				if v == 0 {
					return dst, syntaxErr(start, "number with a leading zero")
				}
				v = v*10 + uint(d)
				i++
				if i < len(src) {
					if d = src[i] - '0'; d <= 9 {
						v = v*10 + uint(d)
						i++
						if v > 255 || (i < len(src) && src[i]-'0' <= 9) {
							return dst, syntaxErr(start, "number above 255")
						}
					}
				}
			}
		}
		out = append(out, byte(v))
		// Fast path: a comma right after the number.
		if i < len(src) && src[i] == ',' {
			i++
			if i < len(src) && src[i]-'0' <= 9 {
				continue
			}
			i = skipSpace(src, i)
			continue
		}
		i = skipSpace(src, i)
		if i == len(src) {
			return dst, syntaxErr(i, "unexpected end of input, want ',' or ']'")
		}
		switch src[i] {
		case ',':
			i = skipSpace(src, i+1)
		case ']':
			return finish(dst, out, src, i+1)
		default:
			return dst, syntaxErr(i, "want ',' or ']', found "+quote(src[i]))
		}
	}
}

func finish(dst, out, src []byte, i int) ([]byte, error) {
	i = skipSpace(src, i)
	if i != len(src) {
		return dst, syntaxErr(i, "unexpected "+quote(src[i])+" after the array")
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

func skipSpace(src []byte, i int) int {
	for i < len(src) {
		switch src[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

func syntaxErr(off int, msg string) error {
	return &SyntaxError{Offset: off, Msg: msg}
}

func quote(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}
