package main

import "strconv"

// field is one decoded protobuf field.
type field struct {
	num int
	typ int    // wire type: 0 varint, 1 fixed64, 2 bytes, 5 fixed32
	v   uint64 // varint, fixed64 or fixed32 value
	b   []byte // bytes value
}

// parse decodes one protobuf message strictly (as prost would reject it):
// a truncated varint or length, a field number 0, groups or unknown wire
// types make the guest crash.
func parse(b []byte, what string) []field {
	var out []field
	for len(b) > 0 {
		tag, n := uvarint(b)
		if n <= 0 {
			fail(what + ": malformed tag")
		}
		b = b[n:]
		f := field{num: int(tag >> 3), typ: int(tag & 7)}
		if f.num == 0 || tag>>3 > 1<<29-1 {
			fail(what + ": invalid field number " + strconv.FormatUint(tag>>3, 10))
		}
		switch f.typ {
		case 0:
			v, n := uvarint(b)
			if n <= 0 {
				fail(what + ": truncated varint in field " + strconv.Itoa(f.num))
			}
			f.v, b = v, b[n:]
		case 1:
			if len(b) < 8 {
				fail(what + ": truncated fixed64")
			}
			for i := 7; i >= 0; i-- {
				f.v = f.v<<8 | uint64(b[i])
			}
			b = b[8:]
		case 2:
			l, n := uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				fail(what + ": truncated length-delimited field " + strconv.Itoa(f.num))
			}
			f.b, b = b[n:n+int(l)], b[n+int(l):]
		case 5:
			if len(b) < 4 {
				fail(what + ": truncated fixed32")
			}
			f.v = uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24
			b = b[4:]
		default:
			fail(what + ": unsupported wire type " + strconv.Itoa(f.typ))
		}
		out = append(out, f)
	}
	return out
}

func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, -1
}

// want checks the wire type of a field against its declared type.
func want(f field, typ int, what string) {
	if f.typ != typ {
		fail(what + ": field " + strconv.Itoa(f.num) + " has wire type " + strconv.Itoa(f.typ) + ", want " + strconv.Itoa(typ))
	}
}

// varints returns the values of a repeated scalar field, packed or not.
func varints(f field, what string) []uint64 {
	if f.typ == 0 {
		return []uint64{f.v}
	}
	want(f, 2, what)
	var out []uint64
	b := f.b
	for len(b) > 0 {
		v, n := uvarint(b)
		if n <= 0 {
			fail(what + ": malformed packed varint")
		}
		out = append(out, v)
		b = b[n:]
	}
	return out
}

// enc appends protobuf fields.
type enc []byte

func (e enc) tag(num, typ int) enc { return e.raw(uint64(num)<<3 | uint64(typ)) }

func (e enc) raw(v uint64) enc {
	for v >= 0x80 {
		e = append(e, byte(v)|0x80)
		v >>= 7
	}
	return append(e, byte(v))
}

func (e enc) varint(num int, v uint64) enc { return e.tag(num, 0).raw(v) }

func (e enc) bytes(num int, b []byte) enc {
	e = e.tag(num, 2).raw(uint64(len(b)))
	return append(e, b...)
}

func (e enc) str(num int, s string) enc { return e.bytes(num, []byte(s)) }

func (e enc) fixed64(num int, v uint64) enc {
	e = e.tag(num, 1)
	for i := 0; i < 8; i++ {
		e = append(e, byte(v>>(8*i)))
	}
	return e
}

// jsonBytes encodes b as the framing's JSON array of decimal bytes.
func jsonBytes(b []byte) []byte {
	out := make([]byte, 0, 2+len(b)*4)
	out = append(out, '[')
	for i, c := range b {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendUint(out, uint64(c), 10)
	}
	return append(out, ']')
}

// parseJSONBytes decodes a JSON array of integers 0..255 the way serde_json
// decodes a Vec<u8>: whitespace between tokens, nothing else.
func parseJSONBytes(s []byte, what string) []byte {
	i := 0
	ws := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
			i++
		}
	}
	bad := func(msg string) { fail(what + ": invalid JSON byte array (" + msg + "): " + clip(string(s))) }
	ws()
	if i >= len(s) || s[i] != '[' {
		bad("want [")
	}
	i++
	ws()
	out := []byte{}
	if i < len(s) && s[i] == ']' {
		i++
	} else {
		for {
			ws()
			start := i
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
			if start == i {
				bad("want a number")
			}
			if i-start > 1 && s[start] == '0' {
				bad("leading zero")
			}
			v, err := strconv.Atoi(string(s[start:i]))
			if err != nil || v > 255 {
				bad("number out of range")
			}
			out = append(out, byte(v))
			ws()
			if i < len(s) && s[i] == ',' {
				i++
				continue
			}
			if i < len(s) && s[i] == ']' {
				i++
				break
			}
			bad("want , or ]")
		}
	}
	ws()
	if i != len(s) {
		bad("trailing characters")
	}
	return out
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
