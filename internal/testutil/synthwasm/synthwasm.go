// Package synthwasm assembles synthetic plugin modules for benchmarks that
// need a module of a given size and shape without building a guest.
//
// It is the same module as wasi's statusBarSizedModule benchmark helper, so
// that a whole-process benchmark (cmd/tessera) can measure the module the
// in-process benchmarks use.
package synthwasm

import "encoding/binary"

// StatusBarSized assembles a plugin module of the size of Zellij's
// status bar: about 1.5 MB of code in 3,000 functions, 20 pages of memory
// (a 64 KiB data segment, load writes all the other pages), a mutable global, the
// imports of a plugin (fd_write, fd_read, host_run_plugin_command) and the
// exports load, update, render, _start and memory.
func StatusBarSized() []byte {
	le := func(v uint64) []byte { return binary.AppendUvarint(nil, v) } // unsigned LEB128
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	sec := func(id byte, body []byte) []byte { return cat([]byte{id}, le(uint64(len(body))), body) }
	name := func(s string) []byte { return cat(le(uint64(len(s))), []byte(s)) }
	fn := func(code []byte) []byte { return cat(le(uint64(len(code))), code) }
	const fillers, pages = 3000, 20
	types := cat([]byte{5},
		[]byte{0x60, 0, 0},                               // 0: () -> ()
		[]byte{0x60, 0, 1, 0x7f},                         // 1: () -> i32
		[]byte{0x60, 2, 0x7f, 0x7f, 0},                   // 2: (i32, i32) -> ()
		[]byte{0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f}, // 3: fd_write, fd_read
		[]byte{0x60, 1, 0x7f, 1, 0x7f})                   // 4: (i32) -> i32
	imports := cat([]byte{3},
		name("wasi_snapshot_preview1"), name("fd_write"), []byte{0, 3},
		name("wasi_snapshot_preview1"), name("fd_read"), []byte{0, 3},
		name("zellij"), name("host_run_plugin_command"), []byte{0, 0})
	funcs := cat(le(4+fillers), []byte{0, 1, 2, 0})
	for i := 0; i < fillers; i++ {
		funcs = append(funcs, 4)
	}
	exports := cat([]byte{5}, name("memory"), []byte{2, 0}, name("load"), []byte{0, 3}, name("update"), []byte{0, 4},
		name("render"), []byte{0, 5}, name("_start"), []byte{0, 6})
	globals := []byte{1, 0x7f, 1, 0x41, 0x80, 0x80, 0xc0, 0, 0x0b} // mut i32 = 1 MiB
	sleb := func(v int64) []byte {
		var out []byte
		for {
			c := byte(v & 0x7f)
			v >>= 7
			if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
				return append(out, c)
			}
			out = append(out, c|0x80)
		}
	}
	// load writes every page after the data segment: memory.fill(64 KiB, 1, 19 pages).
	load := fn(cat([]byte{0, 0x41}, sleb(1<<16), []byte{0x41, 1, 0x41}, sleb((pages-1)<<16), []byte{0xfc, 0x0b, 0, 0x0b}))
	update := fn([]byte{0, 0x41, 1, 0x0b})
	render := fn([]byte{0,
		0x41, 0, 0x10, 7, 0x1a, // call the first filler
		0x41, 1, 0x41, 0, 0x41, 1, 0x41, 16, 0x10, 0, 0x1a, // fd_write(1, iov@0, 1, @16)
		0x0b})
	start := fn([]byte{0, 0x0b})
	code := cat(le(4+fillers), load, update, render, start)
	for i := 0; i < fillers; i++ {
		body := []byte{0, 0x20, 0} // local.get 0
		for k := 0; len(body) < 480; k++ {
			body = append(body, 0x41, byte(k&0x3f), 0x6a, 0x41, byte((k*7)&0x3f), 0x73) // i32.add c; i32.xor c'
			if k%16 == 15 {
				body = append(body, 0x28, 2, 0)                   // i32.load (address from the running value; traps only if out of range)
				body = append(body, 0x41, 0xff, 0xff, 0x03, 0x71) // i32.and 0xffff
			}
		}
		if i+1 < fillers && i%8 != 7 {
			body = append(body, 0x10)
			body = append(body, le(uint64(8+i))...) // call the next filler
		}
		body = append(body, 0x0b)
		code = append(code, fn(body)...)
	}
	data := []byte{32, 0, 0, 0, 7, 0, 0, 0} // iov {32, 7}
	data = append(data, make([]byte, 24)...)
	data = append(data, "status\n"...)
	for len(data) < 64<<10 {
		data = append(data, byte(len(data)*31))
	}
	return cat(
		[]byte{0, 'a', 's', 'm', 1, 0, 0, 0},
		sec(1, types), sec(2, imports), sec(3, funcs),
		sec(5, []byte{1, 0, pages}),
		sec(6, globals),
		sec(7, exports),
		sec(10, code),
		sec(11, cat([]byte{1, 0, 0x41, 0, 0x0b}, le(uint64(len(data))), data)),
	)
}
