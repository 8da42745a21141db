package tiering

import (
	"errors"
	"fmt"
)

// errTruncated is returned when a read runs past the end of its input.
var errTruncated = errors.New("unexpected end of input")

// reader is a bounds-checked cursor over a byte slice. Every method returns
// an error instead of panicking on malformed or truncated input.
type reader struct {
	b   []byte
	pos int
}

func (r *reader) eof() bool { return r.pos >= len(r.b) }

func (r *reader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, errTruncated
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

func (r *reader) bytes(n uint64) ([]byte, error) {
	if n > uint64(len(r.b)-r.pos) {
		return nil, errTruncated
	}
	s := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return s, nil
}

func (r *reader) skip(n uint64) error {
	_, err := r.bytes(n)
	return err
}

// uleb reads an unsigned LEB128 number of at most bits bits.
func (r *reader) uleb(bits uint) (uint64, error) {
	var v uint64
	var shift uint
	maxBytes := (bits + 6) / 7
	for i := uint(0); ; i++ {
		if i >= maxBytes {
			return 0, fmt.Errorf("leb128 longer than %d bytes", maxBytes)
		}
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if i == maxBytes-1 && bits < 64 {
			// The last byte may only carry the remaining bits.
			if c&0x80 != 0 || uint64(c)>>(bits-shift) != 0 {
				return 0, fmt.Errorf("leb128 overflows %d bits", bits)
			}
		}
		if i == maxBytes-1 && bits == 64 && c > 1 {
			return 0, errors.New("leb128 overflows 64 bits")
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
		shift += 7
	}
}

func (r *reader) u32() (uint32, error) {
	v, err := r.uleb(32)
	return uint32(v), err
}

// sleb skips a signed LEB128 number of at most bits bits and returns its
// first byte (enough to recognise single-byte type codes).
func (r *reader) sleb(bits uint) (first byte, err error) {
	maxBytes := int((bits + 6) / 7)
	for i := 0; ; i++ {
		if i >= maxBytes {
			return 0, fmt.Errorf("signed leb128 longer than %d bytes", maxBytes)
		}
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if i == 0 {
			first = c
		}
		if c&0x80 == 0 {
			return first, nil
		}
	}
}

// name reads a length-prefixed UTF-8 string.
func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	b, err := r.bytes(uint64(n))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// appendULEB appends v as unsigned LEB128.
func appendULEB(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

// Value type codes of the binary format.
const (
	valI32       = 0x7f
	valI64       = 0x7e
	valF32       = 0x7d
	valF64       = 0x7c
	valV128      = 0x7b
	valFuncref   = 0x70
	valExternref = 0x6f
	valExnref    = 0x69
	valRefNull   = 0x63 // (ref null ht), typed function references
	valRef       = 0x64 // (ref ht)
)

// valType reads a value type and returns its leading code byte. Reference
// types with a heap type immediate (0x63, 0x64) consume the heap type too.
func (r *reader) valType() (byte, error) {
	c, err := r.byte()
	if err != nil {
		return 0, err
	}
	if c == valRefNull || c == valRef {
		if _, err := r.sleb(33); err != nil {
			return 0, fmt.Errorf("heap type: %w", err)
		}
	}
	return c, nil
}

// limits reads memory or table limits.
func (r *reader) limits() (min, max uint64, hasMax, shared bool, err error) {
	flag, err := r.byte()
	if err != nil {
		return 0, 0, false, false, err
	}
	if flag > 0x07 {
		return 0, 0, false, false, fmt.Errorf("invalid limits flag 0x%02x", flag)
	}
	if min, err = r.uleb(64); err != nil {
		return 0, 0, false, false, err
	}
	if flag&1 != 0 {
		if max, err = r.uleb(64); err != nil {
			return 0, 0, false, false, err
		}
		hasMax = true
	}
	return min, max, hasMax, flag&2 != 0, nil
}

// opFeatures records the state-relevant instructions found while decoding
// code.
type opFeatures struct {
	tableMutation string // name of the first table-mutating instruction seen
	dataDrop      bool   // data.drop or memory.init is used
}

// memarg skips a memory immediate (alignment, optional memory index, offset).
func (r *reader) memarg() error {
	align, err := r.u32()
	if err != nil {
		return err
	}
	if align&0x40 != 0 { // multi-memory: a memory index follows
		if _, err := r.u32(); err != nil {
			return err
		}
	}
	_, err = r.uleb(64)
	return err
}

// blockType skips a block type: 0x40, a value type, or a type index (s33).
func (r *reader) blockType() error {
	if r.pos < len(r.b) && (r.b[r.pos] == valRefNull || r.b[r.pos] == valRef) {
		_, err := r.valType()
		return err
	}
	_, err := r.sleb(33)
	return err
}

// instr decodes one instruction starting at r.pos, advancing past its
// immediates. It returns the opcode byte and adjusts *depth for block
// structure (block, loop, if, try, try_table open; end closes).
func (r *reader) instr(depth *int, f *opFeatures) (byte, error) {
	op, err := r.byte()
	if err != nil {
		return 0, err
	}
	u32 := func() error { _, err := r.u32(); return err }
	switch {
	case op == 0x00, op == 0x01, op == 0x05, op == 0x0a, op == 0x0f,
		op == 0x19, op == 0x1a, op == 0x1b, op == 0xd1, op == 0xd3, op == 0xd4,
		op >= 0x45 && op <= 0xc4:
		// No immediates.
	case op == 0x02, op == 0x03, op == 0x04, op == 0x06: // block, loop, if, try
		*depth++
		err = r.blockType()
	case op == 0x0b: // end
		*depth--
	case op == 0x07, op == 0x08, op == 0x09, op == 0x18, // catch, throw, rethrow, delegate
		op == 0x0c, op == 0x0d, // br, br_if
		op == 0x10, op == 0x12, op == 0x14, op == 0x15, // call, return_call, call_ref, return_call_ref
		op >= 0x20 && op <= 0x24, // local.*, global.*
		op == 0x25,               // table.get
		op == 0x3f, op == 0x40,   // memory.size, memory.grow
		op == 0xd2,             // ref.func
		op == 0xd5, op == 0xd6: // br_on_null, br_on_non_null
		err = u32()
	case op == 0x26: // table.set
		if f.tableMutation == "" {
			f.tableMutation = "table.set"
		}
		err = u32()
	case op == 0x0e: // br_table
		var n uint32
		if n, err = r.u32(); err != nil {
			break
		}
		for i := uint64(0); i <= uint64(n) && err == nil; i++ {
			err = u32()
		}
	case op == 0x11, op == 0x13: // call_indirect, return_call_indirect
		if err = u32(); err == nil {
			err = u32()
		}
	case op == 0x1c: // select t*
		var n uint32
		if n, err = r.u32(); err != nil {
			break
		}
		for i := uint32(0); i < n && err == nil; i++ {
			_, err = r.valType()
		}
	case op == 0x1f: // try_table
		*depth++
		if err = r.blockType(); err != nil {
			break
		}
		var n uint32
		if n, err = r.u32(); err != nil {
			break
		}
		for i := uint32(0); i < n && err == nil; i++ {
			var kind byte
			if kind, err = r.byte(); err != nil {
				break
			}
			switch kind {
			case 0x00, 0x01: // catch, catch_ref: tag, label
				if err = u32(); err == nil {
					err = u32()
				}
			case 0x02, 0x03: // catch_all, catch_all_ref: label
				err = u32()
			default:
				err = fmt.Errorf("invalid catch kind 0x%02x", kind)
			}
		}
	case op >= 0x28 && op <= 0x3e: // loads and stores
		err = r.memarg()
	case op == 0x41: // i32.const
		_, err = r.sleb(32)
	case op == 0x42: // i64.const
		_, err = r.sleb(64)
	case op == 0x43:
		err = r.skip(4)
	case op == 0x44:
		err = r.skip(8)
	case op == 0xd0: // ref.null heaptype
		_, err = r.sleb(33)
	case op == 0xfc:
		err = r.miscInstr(f)
	case op == 0xfd:
		err = r.simdInstr()
	case op == 0xfe:
		err = r.atomicInstr()
	default:
		return op, fmt.Errorf("unknown opcode 0x%02x", op)
	}
	return op, err
}

// miscInstr decodes the rest of a 0xFC-prefixed instruction.
func (r *reader) miscInstr(f *opFeatures) error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	n := 0 // number of u32 immediates
	switch sub {
	case 0, 1, 2, 3, 4, 5, 6, 7: // saturating truncations
	case 8: // memory.init dataidx memidx
		f.dataDrop = true
		n = 2
	case 9: // data.drop
		f.dataDrop = true
		n = 1
	case 10: // memory.copy
		n = 2
	case 11: // memory.fill
		n = 1
	case 13: // elem.drop: only changes what a later table.init may copy
		n = 1
	case 12, 14, 15, 17: // table.init, table.copy, table.grow, table.fill
		if f.tableMutation == "" {
			f.tableMutation = [...]string{"table.init", "", "table.copy", "table.grow", "", "table.fill"}[sub-12]
		}
		n = 2
		if sub == 15 || sub == 17 {
			n = 1
		}
	case 16: // table.size
		n = 1
	default:
		return fmt.Errorf("unknown 0xfc sub-opcode %d", sub)
	}
	for i := 0; i < n; i++ {
		if _, err := r.u32(); err != nil {
			return err
		}
	}
	return nil
}

// simdInstr decodes the rest of a 0xFD-prefixed (128-bit SIMD, including
// relaxed SIMD) instruction.
func (r *reader) simdInstr() error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	switch {
	case sub <= 11, sub == 92, sub == 93: // loads, store, load zero
		return r.memarg()
	case sub == 12, sub == 13: // v128.const, i8x16.shuffle
		return r.skip(16)
	case sub >= 21 && sub <= 34: // extract/replace lane
		return r.skip(1)
	case sub >= 84 && sub <= 91: // load/store lane
		if err := r.memarg(); err != nil {
			return err
		}
		return r.skip(1)
	case sub <= 0x113: // every other SIMD and relaxed SIMD op has no immediate
		return nil
	default:
		return fmt.Errorf("unknown 0xfd sub-opcode %d", sub)
	}
}

// atomicInstr decodes the rest of a 0xFE-prefixed (threads) instruction.
func (r *reader) atomicInstr() error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	switch {
	case sub == 3: // atomic.fence
		return r.skip(1)
	case sub <= 2, sub >= 0x10 && sub <= 0x4e:
		return r.memarg()
	default:
		return fmt.Errorf("unknown 0xfe sub-opcode %d", sub)
	}
}

// expr decodes a constant or function-body expression up to and including
// its final end.
func (r *reader) expr(f *opFeatures) error {
	depth := 1
	for depth > 0 {
		if _, err := r.instr(&depth, f); err != nil {
			return err
		}
	}
	return nil
}
