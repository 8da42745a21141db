package tiering

import (
	"encoding/binary"
	"math"
)

// A tiny assembler for hand-written test modules.

func uleb(v uint64) []byte { return appendULEB(nil, v) }

func sleb(v int64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func str(s string) []byte { return append(uleb(uint64(len(s))), s...) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func vec(items ...[]byte) []byte { return cat(append([][]byte{uleb(uint64(len(items)))}, items...)...) }

func sec(id byte, body ...[]byte) []byte {
	c := cat(body...)
	return cat([]byte{id}, uleb(uint64(len(c))), c)
}

func custom(name string, payload []byte) []byte { return sec(0, str(name), payload) }

func f32c(v float32) []byte {
	return binary.LittleEndian.AppendUint32([]byte{0x43}, math.Float32bits(v))
}

func f64c(v float64) []byte {
	return binary.LittleEndian.AppendUint64([]byte{0x44}, math.Float64bits(v))
}

func body(locals []byte, code ...[]byte) []byte {
	c := cat(append([][]byte{locals}, code...)...)
	return cat(uleb(uint64(len(c))), c)
}

// testModule describes a hand-written module with four mutable globals of
// every number type, one immutable global, a funcref table filled by an
// element segment, and functions that change all of them.
type testModule struct {
	extraGlobals  [][]byte // appended global entries
	extraCode     []byte   // appended to bump's body (before end)
	start         bool     // add a start section calling `a`
	noExports     bool     // omit the export section
	reservedName  bool     // export a name with the reserved prefix
	importedTable bool
}

func (tm testModule) build() []byte {
	i32, i64, f32, f64 := byte(0x7f), byte(0x7e), byte(0x7d), byte(0x7c)
	types := sec(secType, vec(
		[]byte{0x60, 0x00, 0x00},      // t0 () -> ()
		[]byte{0x60, 0x00, 0x01, i32}, // t1 () -> i32
		[]byte{0x60, 0x01, i32, 0x01, i32},
	))
	var imports []byte
	if tm.importedTable {
		imports = sec(secImport, vec(cat(str("env"), str("t"), []byte{0x01, 0x70, 0x00, 0x02})))
	}
	funcs := sec(secFunction, vec([]byte{0}, []byte{1}, []byte{1}, []byte{2}, []byte{1}))
	table := sec(secTable, vec([]byte{0x70, 0x00, 0x02}))
	mem := sec(secMemory, vec([]byte{0x00, 0x01}))
	globals := [][]byte{
		{i32, 1, 0x41, 0x01, 0x0b},
		{i64, 1, 0x42, 0x02, 0x0b},
		cat([]byte{f32, 1}, f32c(0.5), []byte{0x0b}),
		cat([]byte{f64, 1}, f64c(1.25), []byte{0x0b}),
		{i32, 0, 0x41, 0x2a, 0x0b},
	}
	globals = append(globals, tm.extraGlobals...)
	globalSec := sec(secGlobal, vec(globals...))
	exports := [][]byte{
		cat(str("memory"), []byte{0x02, 0x00}),
		cat(str("bump"), []byte{0x00, 0x00}),
		cat(str("call"), []byte{0x00, 0x03}),
		cat(str("mix"), []byte{0x00, 0x04}),
		cat(str("g4"), []byte{0x03, 0x04}),
	}
	if tm.reservedName {
		exports = append(exports, cat(str(ReservedPrefix+"x"), []byte{0x00, 0x00}))
	}
	exportSec := sec(secExport, vec(exports...))
	if tm.noExports {
		exportSec = nil
	}
	var start []byte
	if tm.start {
		start = sec(secStart, uleb(0))
	}
	elem := sec(secElement, vec([]byte{0x00, 0x41, 0x00, 0x0b, 0x02, 0x01, 0x02}))

	bump := body([]byte{0x00},
		[]byte{0x23, 0x00, 0x41, 0x01, 0x6a, 0x24, 0x00}, // g0 += 1
		[]byte{0x23, 0x01, 0x42, 0x03, 0x7e, 0x24, 0x01}, // g1 *= 3
		[]byte{0x23, 0x02}, f32c(1.5), []byte{0x92, 0x24, 0x02}, // g2 += 1.5
		[]byte{0x23, 0x03}, f64c(2), []byte{0xa2, 0x24, 0x03}, // g3 *= 2
		// mem[100] = mem[100]*7 + g0
		[]byte{0x41, 0xe4, 0x00, 0x41, 0xe4, 0x00, 0x28, 0x02, 0x00, 0x41, 0x07, 0x6c, 0x23, 0x00, 0x6a, 0x36, 0x02, 0x00},
		// if g0 % 3 == 0 { memory.grow 1 }
		[]byte{0x23, 0x00, 0x41, 0x03, 0x70, 0x45, 0x04, 0x40, 0x41, 0x01, 0x40, 0x00, 0x1a, 0x0b},
		// mem[size-4] = g0
		[]byte{0x3f, 0x00, 0x41, 0x10, 0x74, 0x41, 0x04, 0x6b, 0x23, 0x00, 0x36, 0x02, 0x00},
		tm.extraCode,
		[]byte{0x0b},
	)
	a := body([]byte{0x00}, []byte{0x23, 0x00, 0x0b})
	b := body([]byte{0x00}, []byte{0x41, 0xe4, 0x00, 0x28, 0x02, 0x00, 0x0b})
	call := body([]byte{0x00}, []byte{0x20, 0x00, 0x11, 0x01, 0x00, 0x0b})
	code := sec(secCode, vec(bump, a, b, call, mixBody()))
	return cat(wasmHeader, types, custom("tessera.test", []byte("keep me")), imports, funcs, table, mem,
		globalSec, exportSec, start, elem, code, custom("name", []byte{0x00, 0x02, 0x01, 0x41}))
}

// mixBody is a function of type () -> i32 that exercises immediates of
// many instruction families (SIMD, bulk memory, reference types, br_table,
// typed select, constants of every width) so the decoder's immediate sizes
// are checked against wazero's validator.
func mixBody() []byte {
	lanes := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	return body([]byte{0x01, 0x01, 0x7b}, // one v128 local
		[]byte{0xfd, 0x0c}, lanes, []byte{0xfd, 0x0c}, lanes,
		[]byte{0xfd, 0x0d}, []byte{0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14, 31}, // i8x16.shuffle
		[]byte{0x21, 0x00},
		[]byte{0x20, 0x00, 0x20, 0x00, 0xfd, 0xae, 0x01, 0x21, 0x00},             // i32x4.add (two-byte sub-opcode)
		[]byte{0x41, 0x00, 0xfd, 0x00, 0x04, 0x00, 0x21, 0x00},                   // v128.load
		[]byte{0x41, 0x10, 0x20, 0x00, 0xfd, 0x0b, 0x04, 0x00},                   // v128.store
		[]byte{0x41, 0x00, 0x20, 0x00, 0xfd, 0x54, 0x00, 0x00, 0x03, 0x21, 0x00}, // v128.load8_lane
		[]byte{0x41, 0x00, 0xfd, 0x5c, 0x02, 0x04, 0x21, 0x00},                   // v128.load32_zero offset 4
		[]byte{0x41, 0x00, 0x41, 0x00, 0x41, 0x08, 0xfc, 0x0b, 0x00},             // memory.fill
		[]byte{0x41, 0x00, 0x41, 0x08, 0x41, 0x08, 0xfc, 0x0a, 0x00, 0x00},       // memory.copy
		f32c(1.0), []byte{0xfc, 0x00, 0x1a}, // i32.trunc_sat_f32_s
		[]byte{0xd0, 0x70, 0xd1, 0x1a},       // ref.null func, ref.is_null
		[]byte{0xfc, 0x10, 0x00, 0x1a},       // table.size
		[]byte{0x41, 0x00, 0x25, 0x00, 0x1a}, // table.get
		[]byte{0x42}, sleb(-1234567890123), []byte{0x1a},
		f64c(-3.5), []byte{0x1a},
		[]byte{0x02, 0x40, 0x03, 0x40, 0x41, 0x00, 0x0d, 0x00 + 1, 0x41, 0x00, 0x0e, 0x02, 0x01, 0x01, 0x01, 0x0b, 0x0b},
		[]byte{0x41, 0x01, 0x41, 0x02, 0x41, 0x00, 0x1c, 0x01, 0x7f, 0x1a}, // select (result i32)
		[]byte{0x41, 0x01, 0x04, 0x7f, 0x41, 0x05, 0x05, 0x41, 0x06, 0x0b}, // if (result i32) 5 else 6
		[]byte{0x20, 0x00, 0xfd, 0x15, 0x02, 0x6a},                         // i8x16.extract_lane_s 2; i32.add
		[]byte{0x0b},
	)
}
