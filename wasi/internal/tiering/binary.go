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
	if r.pos < len(r.b) && r.b[r.pos] < 0x80 {
		r.pos++
		return uint64(r.b[r.pos-1]), nil
	}
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
	if r.pos < len(r.b) && r.b[r.pos] < 0x80 {
		r.pos++
		return r.b[r.pos-1], nil
	}
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

// Immediate shapes of single-byte opcodes, for table-driven decoding.
const (
	immInvalid  = iota
	immNone     // no immediate
	immBlock    // block type; opens a block
	immEnd      // end; closes a block
	immU32      // one u32 index or label
	immU32x2    // two u32 indices
	immBrTable  // vec(label) label
	immSelectT  // vec(valtype)
	immTryTable // block type, vec(catch); opens a block
	immMemarg   // memory immediate
	immS32      // i32.const
	immS64      // i64.const
	immF32      // 4 bytes
	immF64      // 8 bytes
	immHeapType // ref.null
	immTableSet // table.set: a table mutation
	immPrefixFC
	immPrefixFD
	immPrefixFE
)

// opImm maps each single-byte opcode to the shape of its immediates.
var opImm = func() (t [256]uint8) {
	set := func(kind uint8, ops ...int) {
		for _, op := range ops {
			t[op] = kind
		}
	}
	for op := 0x45; op <= 0xc4; op++ { // numeric instructions
		t[op] = immNone
	}
	for op := 0x28; op <= 0x3e; op++ { // loads and stores
		t[op] = immMemarg
	}
	set(immNone, 0x00, 0x01, 0x05, 0x0a, 0x0f, 0x19, 0x1a, 0x1b, 0xd1, 0xd3, 0xd4)
	set(immBlock, 0x02, 0x03, 0x04, 0x06) // block, loop, if, try
	set(immEnd, 0x0b)
	set(immU32,
		0x07, 0x08, 0x09, 0x18, // catch, throw, rethrow, delegate
		0x0c, 0x0d, // br, br_if
		0x10, 0x12, 0x14, 0x15, // call, return_call, call_ref, return_call_ref
		0x20, 0x21, 0x22, 0x23, 0x24, // local.*, global.*
		0x25,       // table.get
		0x3f, 0x40, // memory.size, memory.grow
		0xd2,       // ref.func
		0xd5, 0xd6) // br_on_null, br_on_non_null
	set(immU32x2, 0x11, 0x13) // call_indirect, return_call_indirect
	set(immBrTable, 0x0e)
	set(immSelectT, 0x1c)
	set(immTryTable, 0x1f)
	set(immS32, 0x41)
	set(immS64, 0x42)
	set(immF32, 0x43)
	set(immF64, 0x44)
	set(immHeapType, 0xd0)
	set(immTableSet, 0x26)
	set(immPrefixFC, 0xfc)
	set(immPrefixFD, 0xfd)
	set(immPrefixFE, 0xfe)
	return t
}()

// instr decodes one instruction starting at r.pos, advancing past its
// immediates. It returns the opcode byte and adjusts *depth for block
// structure (block, loop, if, try, try_table open; end closes).
func (r *reader) instr(depth *int, f *opFeatures) (byte, error) {
	if r.pos >= len(r.b) {
		return 0, errTruncated
	}
	op := r.b[r.pos]
	r.pos++
	var err error
	switch opImm[op] {
	case immNone:
	case immBlock:
		*depth++
		err = r.blockType()
	case immEnd:
		*depth--
	case immU32:
		err = r.skipU32()
	case immU32x2:
		if err = r.skipU32(); err == nil {
			err = r.skipU32()
		}
	case immTableSet:
		if f.tableMutation == "" {
			f.tableMutation = "table.set"
		}
		err = r.skipU32()
	case immBrTable:
		var n uint32
		if n, err = r.u32(); err != nil {
			break
		}
		for i := uint64(0); i <= uint64(n) && err == nil; i++ {
			err = r.skipU32()
		}
	case immSelectT:
		var n uint32
		if n, err = r.u32(); err != nil {
			break
		}
		for i := uint32(0); i < n && err == nil; i++ {
			_, err = r.valType()
		}
	case immTryTable:
		*depth++
		err = r.tryTable()
	case immMemarg:
		err = r.memarg()
	case immS32:
		_, err = r.sleb(32)
	case immS64:
		_, err = r.sleb(64)
	case immF32:
		err = r.skip(4)
	case immF64:
		err = r.skip(8)
	case immHeapType:
		_, err = r.sleb(33)
	case immPrefixFC:
		err = r.miscInstr(f)
	case immPrefixFD:
		err = r.simdInstr()
	case immPrefixFE:
		err = r.atomicInstr()
	default:
		return op, fmt.Errorf("unknown opcode 0x%02x", op)
	}
	return op, err
}

// skipU32 skips a u32 LEB128, with a fast path for one-byte values.
func (r *reader) skipU32() error {
	if r.pos < len(r.b) && r.b[r.pos] < 0x80 {
		r.pos++
		return nil
	}
	_, err := r.u32()
	return err
}

// tryTable decodes try_table's block type and catch clauses.
func (r *reader) tryTable() error {
	if err := r.blockType(); err != nil {
		return err
	}
	n, err := r.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		kind, err := r.byte()
		if err != nil {
			return err
		}
		switch kind {
		case 0x00, 0x01: // catch, catch_ref: tag, label
			if err = r.skipU32(); err == nil {
				err = r.skipU32()
			}
		case 0x02, 0x03: // catch_all, catch_all_ref: label
			err = r.skipU32()
		default:
			err = fmt.Errorf("invalid catch kind 0x%02x", kind)
		}
		if err != nil {
			return err
		}
	}
	return nil
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
