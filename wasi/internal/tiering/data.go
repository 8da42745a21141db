package tiering

import (
	"errors"
	"slices"
)

// Data segment merging.
//
// wazero keeps one slice header (24 bytes) per data segment in every
// instance, for memory.init and data.drop. Go's linker splits a module's
// data at every run of zeros, so a Go plugin has tens of thousands of
// segments (the status example: 34,983, 0.8 MiB in each instance). Rewrite
// merges them: consecutive active segments of memory 0 at constant offsets,
// each starting at or after the end of the previous one and less than
// mergeGap bytes after it, become one segment with the gaps filled with
// zeros, provided no segment applied before the merged one wrote a byte in
// a gap (the zeros would overwrite it). The memory starts zeroed, so it
// holds the same bytes after instantiation, and a gap shorter than a page
// cannot contain a whole page that the original segments left untouched,
// so no more memory becomes resident. Segments out of address order are
// allowed anywhere (Go's linker emits some): they only end a run. Modules
// with a data count section (which memory.init and data.drop need, and
// whose segment indices they name) are left alone, as are sections with
// any other kind of segment.

// mergeGap bounds the zeros inserted between two merged segments.
const mergeGap = 4096

// dataSegment is one active segment of memory 0 at a constant offset.
type dataSegment struct {
	offset uint32
	data   []byte
}

// spans is a sorted set of disjoint half-open byte ranges [start, end).
type spans []struct{ start, end uint64 }

// overlaps reports whether any range of s intersects [lo, hi).
func (s spans) overlaps(lo, hi uint64) bool {
	i, _ := slices.BinarySearchFunc(s, lo, func(r struct{ start, end uint64 }, lo uint64) int {
		if r.end <= lo {
			return -1
		}
		return 1
	})
	return i < len(s) && s[i].start < hi
}

// add inserts [lo, hi), joining the ranges it touches.
func (s *spans) add(lo, hi uint64) {
	if lo >= hi {
		return
	}
	r := *s
	// Ranges before i end before lo; ranges from j on start after hi.
	i, _ := slices.BinarySearchFunc(r, lo, func(x struct{ start, end uint64 }, lo uint64) int {
		if x.end < lo {
			return -1
		}
		return 1
	})
	j := i
	for j < len(r) && r[j].start <= hi {
		lo, hi = min(lo, r[j].start), max(hi, r[j].end)
		j++
	}
	*s = slices.Replace(r, i, j, struct{ start, end uint64 }{lo, hi})
}

// mergeData returns the data section body with its segments merged, and
// whether it changed anything.
func mergeData(body []byte) ([]byte, bool) {
	segs, ok := parseConstData(body)
	if !ok || len(segs) < 2 {
		return nil, false
	}
	var merged []dataSegment
	var cur *dataSegment
	var buf []byte // bytes of cur when it grew past its first segment
	// written holds the bytes of the segments before cur: the zeros of a
	// gap must not overwrite any of them.
	var written spans
	curEnd := func() uint64 {
		if buf != nil {
			return uint64(cur.offset) + uint64(len(buf))
		}
		return uint64(cur.offset) + uint64(len(cur.data))
	}
	flush := func() {
		if cur != nil {
			written.add(uint64(cur.offset), curEnd())
			if buf != nil {
				cur.data = buf
			}
			merged = append(merged, *cur)
		}
	}
	for i := range segs {
		s := segs[i]
		if cur != nil {
			end := curEnd()
			if off := uint64(s.offset); off >= end && off-end < mergeGap && !written.overlaps(end, off) {
				if buf == nil {
					buf = append([]byte(nil), cur.data...)
				}
				buf = append(buf, make([]byte, off-end)...)
				buf = append(buf, s.data...)
				continue
			}
		}
		flush()
		cur, buf = &s, nil
	}
	flush()
	if len(merged) == len(segs) {
		return nil, false
	}
	out := appendULEB(nil, uint64(len(merged)))
	for _, s := range merged {
		out = append(out, 0, 0x41)
		out = append(out, sleb32(int32(s.offset))...)
		out = append(out, 0x0b)
		out = appendULEB(out, uint64(len(s.data)))
		out = append(out, s.data...)
	}
	return out, true
}

// parseConstData reads a data section whose segments are all active on
// memory 0 with an i32.const offset; ok is false for any other section.
func parseConstData(body []byte) (segs []dataSegment, ok bool) {
	r := &reader{b: body}
	n, err := r.count(3)
	if err != nil {
		return nil, false
	}
	segs = make([]dataSegment, 0, n)
	for i := uint32(0); i < n; i++ {
		flag, err := r.u32()
		if err != nil {
			return nil, false
		}
		switch flag {
		case 0:
		case 2:
			if mem, err := r.u32(); err != nil || mem != 0 {
				return nil, false
			}
		default: // passive
			return nil, false
		}
		if op, err := r.byte(); err != nil || op != 0x41 {
			return nil, false
		}
		off, err := r.sleb32()
		if err != nil {
			return nil, false
		}
		if end, err := r.byte(); err != nil || end != 0x0b {
			return nil, false
		}
		size, err := r.u32()
		if err != nil {
			return nil, false
		}
		data, err := r.bytes(uint64(size))
		if err != nil {
			return nil, false
		}
		segs = append(segs, dataSegment{offset: uint32(off), data: data})
	}
	if !r.eof() {
		return nil, false
	}
	return segs, true
}

// sleb32 reads a signed LEB128 number of at most 32 bits.
func (r *reader) sleb32() (int32, error) {
	var v int64
	var shift uint
	for i := 0; i < 5; i++ {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			if v < -1<<31 || v > 1<<31-1 {
				return 0, errSleb32
			}
			return int32(v), nil
		}
	}
	return 0, errSleb32
}

var errSleb32 = errors.New("signed leb128 out of 32-bit range")

// CompactData returns wasm with its data segments merged as Rewrite merges
// them, for a module that is not otherwise rewritten; wasm itself if
// nothing merges or the binary is not understood (the compile reports
// malformed input).
func CompactData(wasm []byte) []byte {
	secs, err := splitSections(wasm)
	if err != nil {
		return wasm
	}
	var data *section
	for i := range secs {
		switch secs[i].id {
		case secDataCount:
			return wasm
		case secData:
			data = &secs[i]
		}
	}
	if data == nil {
		return wasm
	}
	body, ok := mergeData(data.body)
	if !ok {
		return wasm
	}
	newData := sectionBytes(secData, body)
	out := make([]byte, 0, len(wasm)-(data.end-data.start)+len(newData))
	out = append(out, wasm[:data.start]...)
	out = append(out, newData...)
	return append(out, wasm[data.end:]...)
}

// DataSegments returns the number of data segments of wasm (0 without a
// data section, -1 if the binary is not understood).
func DataSegments(wasm []byte) int {
	secs, err := splitSections(wasm)
	if err != nil {
		return -1
	}
	for _, s := range secs {
		if s.id == secData {
			n, err := (&reader{b: s.body}).u32()
			if err != nil {
				return -1
			}
			return int(n)
		}
	}
	return 0
}

// DataSegment is an active data segment of memory 0 at a constant offset.
type DataSegment struct {
	Offset uint32
	Data   []byte
}

// StripData returns wasm without its data section, and the segments that
// section held in order (later ones overwrite earlier ones where they
// overlap), for a host that writes the initial memory itself. end is the
// highest byte a segment writes, plus one. ok is false, and wasm is to be
// compiled as it is, unless every segment is active on memory 0 at a
// constant offset, the module defines its memory (does not import it),
// the memory is not 64-bit or shared, every segment lies within its
// initial size, and there is no data count section.
func StripData(wasm []byte) (out []byte, segs []DataSegment, end uint64, ok bool) {
	secs, err := splitSections(wasm)
	if err != nil {
		return nil, nil, 0, false
	}
	var data *section
	var minBytes uint64
	hasMemory := false
	for i := range secs {
		s := &secs[i]
		r := &reader{b: s.body}
		switch s.id {
		case secDataCount:
			return nil, nil, 0, false
		case secData:
			data = s
		case secImport:
			n, err := r.count(4)
			if err != nil {
				return nil, nil, 0, false
			}
			for j := uint32(0); j < n; j++ {
				if _, err := r.name(); err != nil {
					return nil, nil, 0, false
				}
				if _, err := r.name(); err != nil {
					return nil, nil, 0, false
				}
				kind, err := r.byte()
				if err != nil {
					return nil, nil, 0, false
				}
				switch kind {
				case 0: // function
					_, err = r.u32()
				case 1: // table
					if _, err = r.byte(); err == nil {
						_, _, _, _, err = r.limits()
					}
				case 3: // global
					if _, err = r.valType(); err == nil {
						_, err = r.byte()
					}
				default: // a memory, or something not understood
					return nil, nil, 0, false
				}
				if err != nil {
					return nil, nil, 0, false
				}
			}
		case secMemory:
			n, err := r.count(1)
			if err != nil || n != 1 || r.pos >= len(s.body) {
				return nil, nil, 0, false
			}
			flag := s.body[r.pos]
			min, _, _, shared, err := r.limits()
			if err != nil || shared || flag&4 != 0 || min > 1<<16 {
				return nil, nil, 0, false
			}
			hasMemory, minBytes = true, min<<16
		}
	}
	if data == nil || !hasMemory {
		return nil, nil, 0, false
	}
	parsed, ok := parseConstData(data.body)
	if !ok {
		return nil, nil, 0, false
	}
	segs = make([]DataSegment, len(parsed))
	for i, s := range parsed {
		e := uint64(s.offset) + uint64(len(s.data))
		if e > minBytes {
			return nil, nil, 0, false
		}
		end = max(end, e)
		segs[i] = DataSegment{Offset: s.offset, Data: s.data}
	}
	out = make([]byte, 0, len(wasm)-(data.end-data.start))
	out = append(out, wasm[:data.start]...)
	out = append(out, wasm[data.end:]...)
	return out, segs, end, true
}
