package tiering

import (
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// infoEncodingVersion changes whenever the encoding of ModuleInfo or the
// code Rewrite produces changes, so that a host keeping rewritten binaries
// with their encoded ModuleInfo does not reuse stale ones. 2: interrupt
// checks count in a local before touching the budget global.
const infoEncodingVersion = 2

// MarshalBinary encodes the module information, so a host can keep it with
// the rewritten binary and skip Rewrite in a later process.
func (info *ModuleInfo) MarshalBinary() ([]byte, error) {
	if info == nil {
		return nil, errors.New("marshal module info: nil")
	}
	b := []byte{infoEncodingVersion}
	b = appendULEB(b, uint64(info.ImportedGlobals))
	b = appendULEB(b, uint64(len(info.Globals)))
	for _, g := range info.Globals {
		b = appendULEB(b, uint64(g.Index))
		b = append(b, byte(g.Type), boolByte(g.Mutable))
	}
	if m := info.Memory; m == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1, boolByte(m.Imported), boolByte(m.HasMax), boolByte(m.Shared))
		b = appendULEB(b, m.MinPages)
		b = appendULEB(b, m.MaxPages)
	}
	b = appendULEB(b, uint64(info.Tables))
	b = append(b, boolByte(info.UsesDataDrop), boolByte(info.hasInterrupt))
	b = appendULEB(b, uint64(info.interrupt))
	b = appendULEB(b, uint64(len(info.reason)))
	b = append(b, info.reason...)
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary produced. Malformed input is
// an error (never a panic) and leaves info unchanged; it does not prove
// that the information matches any binary, so callers keep it together
// with the binary under a checksum.
func (info *ModuleInfo) UnmarshalBinary(data []byte) error {
	out, err := decodeInfo(data)
	if err != nil {
		return fmt.Errorf("unmarshal module info: %w", err)
	}
	*info = *out
	return nil
}

func decodeInfo(data []byte) (*ModuleInfo, error) {
	r := &reader{b: data}
	v, err := r.byte()
	if err != nil {
		return nil, err
	}
	if v != infoEncodingVersion {
		return nil, fmt.Errorf("encoding version %d, want %d", v, infoEncodingVersion)
	}
	info := &ModuleInfo{}
	if info.ImportedGlobals, err = r.u32(); err != nil {
		return nil, err
	}
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	if uint64(n)*3 > uint64(len(data)) {
		return nil, errTruncated
	}
	info.Globals = make([]GlobalInfo, n)
	for i := range info.Globals {
		g := &info.Globals[i]
		if g.Index, err = r.u32(); err != nil {
			return nil, err
		}
		if uint64(g.Index) != uint64(info.ImportedGlobals)+uint64(i) {
			return nil, fmt.Errorf("global %d: index %d out of order", i, g.Index)
		}
		t, err := r.byte()
		if err != nil {
			return nil, err
		}
		g.Type = api.ValueType(t)
		if g.Mutable, err = r.bool(); err != nil {
			return nil, err
		}
		g.Export = GlobalExportName(g.Index)
	}
	hasMem, err := r.bool()
	if err != nil {
		return nil, err
	}
	if hasMem {
		m := &MemoryInfo{}
		for _, p := range []*bool{&m.Imported, &m.HasMax, &m.Shared} {
			if *p, err = r.bool(); err != nil {
				return nil, err
			}
		}
		if m.MinPages, err = r.uleb(64); err != nil {
			return nil, err
		}
		if m.MaxPages, err = r.uleb(64); err != nil {
			return nil, err
		}
		info.Memory = m
	}
	tables, err := r.u32()
	if err != nil {
		return nil, err
	}
	info.Tables = int(tables)
	if info.UsesDataDrop, err = r.bool(); err != nil {
		return nil, err
	}
	if info.hasInterrupt, err = r.bool(); err != nil {
		return nil, err
	}
	idx, err := r.u32()
	if err != nil {
		return nil, err
	}
	info.interrupt = int(idx)
	if info.hasInterrupt {
		if uint64(idx)+2 > uint64(len(info.Globals)) {
			return nil, fmt.Errorf("interrupt globals at %d of %d", idx, len(info.Globals))
		}
		for _, g := range info.Globals[idx : idx+2] {
			if g.Type != api.ValueTypeI32 || !g.Mutable {
				return nil, errors.New("interrupt globals are not mutable i32")
			}
		}
	}
	rl, err := r.u32()
	if err != nil {
		return nil, err
	}
	reason, err := r.bytes(uint64(rl))
	if err != nil {
		return nil, err
	}
	info.reason = string(reason)
	if !r.eof() {
		return nil, fmt.Errorf("%d trailing bytes", len(data)-r.pos)
	}
	return info, nil
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

func (r *reader) bool() (bool, error) {
	c, err := r.byte()
	if err != nil {
		return false, err
	}
	if c > 1 {
		return false, fmt.Errorf("bad boolean %d", c)
	}
	return c == 1, nil
}
