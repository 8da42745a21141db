// Package wire is the protobuf wire format at its lowest level: tags,
// varints, fixed-size values and length-delimited bytes. It offers the part
// of google.golang.org/protobuf/encoding/protowire that the plugin SDK uses,
// with the same names and semantics, without importing package fmt (which
// protowire pulls in and which adds about 300 KB to a WebAssembly plugin).
package wire

import (
	"errors"
	"math/bits"
)

// Number is a field number.
type Number int32

// Type is a wire type.
type Type int8

// Wire types.
const (
	VarintType     Type = 0
	Fixed64Type    Type = 1
	BytesType      Type = 2
	StartGroupType Type = 3
	EndGroupType   Type = 4
	Fixed32Type    Type = 5
)

// Parse error codes, returned as negative lengths by the Consume functions.
const (
	errCodeTruncated = -1 - iota
	errCodeFieldNumber
	errCodeOverflow
	errCodeReserved
	errCodeEndGroup
	errCodeRecursion
)

const maxGroupDepth = 64

var (
	errTruncated   = errors.New("unexpected end of input")
	errFieldNumber = errors.New("invalid field number")
	errOverflow    = errors.New("variable length integer overflow")
	errReserved    = errors.New("cannot parse reserved wire type")
	errEndGroup    = errors.New("mismatching end group marker")
	errRecursion   = errors.New("groups nested too deeply")
	errParse       = errors.New("parse error")
)

// ParseError converts a negative length from a Consume function into an
// error.
func ParseError(n int) error {
	switch n {
	case errCodeTruncated:
		return errTruncated
	case errCodeFieldNumber:
		return errFieldNumber
	case errCodeOverflow:
		return errOverflow
	case errCodeReserved:
		return errReserved
	case errCodeEndGroup:
		return errEndGroup
	case errCodeRecursion:
		return errRecursion
	}
	return errParse
}

// AppendVarint appends v as a base-128 varint.
func AppendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// ConsumeVarint parses a varint and returns it with its length, or a
// negative length on error.
func ConsumeVarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < 10; i++ {
		if i >= len(b) {
			return 0, errCodeTruncated
		}
		c := b[i]
		if i == 9 && c > 1 {
			return 0, errCodeOverflow
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, errCodeOverflow
}

// SizeVarint returns the encoded length of v.
func SizeVarint(v uint64) int { return int(9*uint32(bits.Len64(v))+64) / 64 }

// AppendTag appends a field's tag: its number and wire type.
func AppendTag(b []byte, num Number, typ Type) []byte {
	return AppendVarint(b, uint64(num)<<3|uint64(typ&7))
}

// ConsumeTag parses a tag, or returns a negative length on error. Field
// numbers outside 1..2^29-1 are an error.
func ConsumeTag(b []byte) (Number, Type, int) {
	v, n := ConsumeVarint(b)
	if n < 0 {
		return 0, 0, n
	}
	num, typ := Number(v>>3), Type(v&7)
	if v>>3 > 1<<29-1 || num < 1 {
		return 0, 0, errCodeFieldNumber
	}
	return num, typ, n
}

// AppendFixed32 appends v as four little-endian bytes.
func AppendFixed32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

// ConsumeFixed32 parses four little-endian bytes.
func ConsumeFixed32(b []byte) (uint32, int) {
	if len(b) < 4 {
		return 0, errCodeTruncated
	}
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24, 4
}

// AppendFixed64 appends v as eight little-endian bytes.
func AppendFixed64(b []byte, v uint64) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24),
		byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56))
}

// ConsumeFixed64 parses eight little-endian bytes.
func ConsumeFixed64(b []byte) (uint64, int) {
	if len(b) < 8 {
		return 0, errCodeTruncated
	}
	lo, _ := ConsumeFixed32(b)
	hi, _ := ConsumeFixed32(b[4:])
	return uint64(lo) | uint64(hi)<<32, 8
}

// AppendBytes appends v with its length as a varint prefix.
func AppendBytes(b []byte, v []byte) []byte {
	return append(AppendVarint(b, uint64(len(v))), v...)
}

// AppendString appends v with its length as a varint prefix.
func AppendString(b []byte, v string) []byte {
	return append(AppendVarint(b, uint64(len(v))), v...)
}

// ConsumeBytes parses a length-prefixed run of bytes; the result aliases b.
func ConsumeBytes(b []byte) ([]byte, int) {
	m, n := ConsumeVarint(b)
	if n < 0 {
		return nil, n
	}
	if m > uint64(len(b)-n) {
		return nil, errCodeTruncated
	}
	return b[n : n+int(m)], n + int(m)
}

// ConsumeFieldValue returns the length of the value of field num with wire
// type typ at the start of b (the tag already consumed), or a negative
// length on error. Groups are skipped whole.
func ConsumeFieldValue(num Number, typ Type, b []byte) int {
	return consumeFieldValue(num, typ, b, maxGroupDepth)
}

func consumeFieldValue(num Number, typ Type, b []byte, depth int) int {
	switch typ {
	case VarintType:
		_, n := ConsumeVarint(b)
		return n
	case Fixed32Type:
		_, n := ConsumeFixed32(b)
		return n
	case Fixed64Type:
		_, n := ConsumeFixed64(b)
		return n
	case BytesType:
		_, n := ConsumeBytes(b)
		return n
	case StartGroupType:
		if depth <= 0 {
			return errCodeRecursion
		}
		total := 0
		for {
			num2, typ2, n := ConsumeTag(b)
			if n < 0 {
				return n
			}
			b, total = b[n:], total+n
			if typ2 == EndGroupType {
				if num2 != num {
					return errCodeEndGroup
				}
				return total
			}
			n = consumeFieldValue(num2, typ2, b, depth-1)
			if n < 0 {
				return n
			}
			b, total = b[n:], total+n
		}
	case EndGroupType:
		return errCodeEndGroup
	}
	return errCodeReserved
}

// EncodeZigZag maps a signed integer to an unsigned one, small magnitudes
// to small values.
func EncodeZigZag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

// DecodeZigZag inverts EncodeZigZag.
func DecodeZigZag(v uint64) int64 { return int64(v>>1) ^ int64(v)<<63>>63 }

// EncodeBool returns 1 for true and 0 for false.
func EncodeBool(v bool) uint64 {
	if v {
		return 1
	}
	return 0
}

// DecodeBool reports whether v is not zero.
func DecodeBool(v uint64) bool { return v != 0 }
