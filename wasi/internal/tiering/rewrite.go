package tiering

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// ReservedPrefix starts every export name ExportState adds. A module that
// already exports a name with this prefix is refused.
const ReservedPrefix = "__tessera_"

// GlobalExportName is the reserved export name under which ExportState
// exports the global with the given index (in the module's global index
// space, imported globals first).
func GlobalExportName(index uint32) string {
	return ReservedPrefix + "g" + strconv.FormatUint(uint64(index), 10)
}

// Section ids of the binary format.
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
	secTag       = 13
)

// GlobalInfo describes one global defined (not imported) by a module.
type GlobalInfo struct {
	// Index is the global's index in the module's global index space.
	Index uint32
	// Type is the value type; reference and v128 types are reported with
	// their wazero api.ValueType codes.
	Type api.ValueType
	// Mutable is true for `(mut T)` globals; only these are captured.
	Mutable bool
	// Export is the reserved export name ExportState gave the global.
	Export string
}

// MemoryInfo describes the module's linear memory.
type MemoryInfo struct {
	// Imported is true when the memory comes from another module.
	Imported bool
	// MinPages and MaxPages are the declared limits (MaxPages valid when HasMax).
	MinPages, MaxPages uint64
	HasMax             bool
	// Shared is true for a threads-proposal shared memory.
	Shared bool
}

// ModuleInfo is what ExportState learned about a module: where its state
// lives and whether that state can be moved between instances.
type ModuleInfo struct {
	// Globals lists every defined global, in index order.
	Globals []GlobalInfo
	// ImportedGlobals is the number of imported globals (they precede the
	// defined ones in the index space and are not the module's own state).
	ImportedGlobals uint32
	// Memory is nil when the module has no memory.
	Memory *MemoryInfo
	// Tables is the number of tables (imported and defined).
	Tables int
	// UsesDataDrop is true when code runs memory.init or data.drop. Moving
	// is still safe: memory is copied, and a segment dropped in the old
	// instance but present in the new one only changes the outcome of a
	// memory.init that would have trapped.
	UsesDataDrop bool

	reason       string
	hasInterrupt bool // Rewrite added an interrupt flag ...
	interrupt    int  // ... at this index of Globals
}

// Migratable reports whether an instance of the module can be moved to
// another instance of the same rewritten binary with Capture and Restore,
// and if not, why.
func (info *ModuleInfo) Migratable() (bool, string) {
	if info == nil {
		return false, "no module information"
	}
	return info.reason == "", info.reason
}

func (info *ModuleInfo) refuse(format string, args ...any) {
	if info.reason == "" {
		info.reason = fmt.Sprintf(format, args...)
	}
}

// section is one section of a module: its id and the byte range of its
// contents within the original binary.
type section struct {
	id         byte
	start, end int // whole section, header included
	body       []byte
}

// ExportState rewrites a WebAssembly binary so that every global it defines
// is exported under a reserved name (GlobalExportName), which lets Capture
// and Restore read and write the globals through wazero's API. The export
// section is rebuilt (or added when absent) and the data segments are
// merged where that leaves the initial memory the same (see mergeData);
// all other sections, custom sections included, are kept byte for byte. It also reports where
// the module keeps its state and whether that state can be moved (see
// ModuleInfo.Migratable). Both engines must run the rewritten binary.
//
// A malformed binary is an error; a binary whose code cannot be analysed
// is rewritten but reported as not migratable.
func ExportState(wasm []byte) (out []byte, info *ModuleInfo, err error) {
	return Rewrite(wasm, Options{})
}

// Options selects what Rewrite adds to a module.
type Options struct {
	// Interrupt adds two mutable i32 globals (a flag and a budget), a
	// counter local to every function with a loop and, before every branch
	// back to a loop head, a decrement of that counter. The first back edge
	// of every activation and every 256th after it run the global check
	// (also inserted at every function entry when the module uses tail
	// calls): it decrements the budget and, every 256 global checks (so at
	// most every 65536 back edges), leaves compiled code for Go (so the Go
	// scheduler and garbage collector can preempt the goroutine) and traps
	// with `unreachable` if the flag is raised. The host raises it with the function Interrupter
	// returns, from any goroutine, to end a runaway call on the compiler
	// without WithCloseOnContextDone, whose check costs a round trip
	// through Go at every loop iteration. A module without memory gets the
	// flag check but no exit to Go. Rewriting the code section shifts code
	// offsets, so DWARF custom sections no longer match the code.
	Interrupt bool
}

// Rewrite is ExportState with options; see Options.
func Rewrite(wasm []byte, opt Options) (out []byte, info *ModuleInfo, err error) {
	secs, err := splitSections(wasm)
	if err != nil {
		return nil, nil, fmt.Errorf("rewrite: %w", err)
	}
	info = &ModuleInfo{}
	var exportSec, globalSec, codeSec, dataSec *section
	hasDataCount := false
	var code *codeScan
	var sig *signatures // parameter counts, for the counter local (Interrupt only)
	for i := range secs {
		s := &secs[i]
		r := &reader{b: s.body}
		switch s.id {
		case secType:
			if opt.Interrupt {
				sig = &signatures{}
				err = sig.parseTypes(r)
			}
		case secFunction:
			if opt.Interrupt {
				if sig == nil {
					sig = &signatures{}
				}
				err = sig.parseFunctions(r)
			}
		case secImport:
			err = info.parseImports(r)
		case secTable:
			err = info.parseTables(r)
		case secMemory:
			err = info.parseMemories(r)
		case secGlobal:
			globalSec = s
			err = info.parseGlobals(r)
		case secExport:
			exportSec = s
			err = checkExports(r)
		case secData:
			dataSec = s
		case secDataCount:
			hasDataCount = true
		case secStart:
			info.refuse("module has a start section: it would run again in the new instance")
		case secCode:
			codeSec = s
			var cerr error
			if code, cerr = info.scanCode(r, opt.Interrupt, sig); cerr != nil {
				if opt.Interrupt {
					return nil, nil, fmt.Errorf("rewrite: code: %w", cerr)
				}
				info.refuse("code not analysable: %v", cerr)
			}
		}
		if err != nil {
			return nil, nil, fmt.Errorf("rewrite: section %d: %w", s.id, err)
		}
	}
	if info.Memory != nil {
		switch {
		case info.Memory.Imported:
			info.refuse("memory is imported: its state belongs to another module")
		case info.Memory.Shared:
			info.refuse("memory is shared")
		}
	}

	// The interrupt flag and the check budget are appended after the
	// existing globals, so no existing index moves.
	var newGlobals []byte
	if opt.Interrupt {
		idx := uint64(info.ImportedGlobals) + uint64(len(info.Globals))
		if idx+1 > 1<<32-1 {
			return nil, nil, errors.New("rewrite: too many globals")
		}
		info.Globals = append(info.Globals,
			GlobalInfo{Index: uint32(idx), Type: api.ValueTypeI32, Mutable: true},
			GlobalInfo{Index: uint32(idx + 1), Type: api.ValueTypeI32, Mutable: true})
		info.interrupt, info.hasInterrupt = len(info.Globals)-2, true
		var old []byte
		var n uint64
		if globalSec != nil {
			r := &reader{b: globalSec.body}
			c, _ := r.u32() // validated by parseGlobals
			n, old = uint64(c), globalSec.body[r.pos:]
		}
		body := appendULEB(nil, n+2)
		body = append(body, old...)
		body = append(body, valI32, 1, 0x41, 0x00, 0x0b) // flag = 0
		body = append(body, valI32, 1, 0x41)             // budget = checkBudget
		body = append(body, sleb32(checkBudget)...)
		body = append(body, 0x0b)
		newGlobals = sectionBytes(secGlobal, body)
	}
	for i := range info.Globals {
		g := &info.Globals[i]
		g.Export = GlobalExportName(g.Index)
		if !g.Mutable {
			continue
		}
		switch g.Type {
		case api.ValueTypeI32, api.ValueTypeI64, api.ValueTypeF32, api.ValueTypeF64:
		case valV128:
			info.refuse("global %d is a mutable v128: wazero cannot read or write all its bits", g.Index)
		default:
			info.refuse("global %d is a mutable reference: references cannot be moved between instances", g.Index)
		}
	}

	// The export section: the old entries verbatim, then ours.
	var oldCount uint32
	var oldEntries []byte
	if exportSec != nil {
		r := &reader{b: exportSec.body}
		oldCount, _ = r.u32() // validated by checkExports
		oldEntries = exportSec.body[r.pos:]
	}
	total := uint64(oldCount) + uint64(len(info.Globals))
	if total > 1<<32-1 {
		return nil, nil, errors.New("rewrite: too many exports")
	}
	body := appendULEB(nil, total)
	body = append(body, oldEntries...)
	for _, g := range info.Globals {
		body = appendULEB(body, uint64(len(g.Export)))
		body = append(body, g.Export...)
		body = append(body, byte(api.ExternTypeGlobal))
		body = appendULEB(body, uint64(g.Index))
	}
	newExports := sectionBytes(secExport, body)

	var newCode []byte
	if opt.Interrupt && codeSec != nil {
		newCode = code.rewrite(info.Globals[info.interrupt].Index, info.Memory != nil)
	}

	var newData []byte
	if dataSec != nil && !hasDataCount {
		if body, ok := mergeData(dataSec.body); ok {
			newData = sectionBytes(secData, body)
		}
	}

	// Emit the sections in order, replacing or inserting ours where the
	// binary format wants them.
	out = make([]byte, 0, len(wasm)+len(newExports)+len(newGlobals)+len(newCode)+len(newData))
	out = append(out, wasm[:8]...)
	pending := []struct {
		id  byte
		sec []byte
	}{{secGlobal, newGlobals}, {secExport, newExports}}
	flush := func(before byte) {
		for i := range pending {
			if pending[i].sec != nil && (before == 0xff || sectionRank(before) > sectionRank(pending[i].id)) {
				out = append(out, pending[i].sec...)
				pending[i].sec = nil
			}
		}
	}
	for _, s := range secs {
		if s.id != secCustom {
			flush(s.id)
		}
		switch {
		case s.id == secGlobal && newGlobals != nil:
			out = append(out, newGlobals...)
			pending[0].sec = nil
		case s.id == secExport:
			out = append(out, newExports...)
			pending[1].sec = nil
		case s.id == secCode && newCode != nil:
			out = append(out, newCode...)
		case s.id == secData && newData != nil:
			out = append(out, newData...)
		default:
			out = append(out, wasm[s.start:s.end]...)
		}
	}
	flush(0xff)
	return out, info, nil
}

// sectionBytes frames a section body with its id and size.
func sectionBytes(id byte, body []byte) []byte {
	b := appendULEB([]byte{id}, uint64(len(body)))
	return append(b, body...)
}

// sectionRank is a known section's position in the binary format's
// required order (the tag section sits between memory and global).
func sectionRank(id byte) int {
	return [...]int{
		secType: 1, secImport: 2, secFunction: 3, secTable: 4, secMemory: 5, secTag: 6,
		secGlobal: 7, secExport: 8, secStart: 9, secElement: 10, secDataCount: 11, secCode: 12, secData: 13,
	}[id]
}

var wasmHeader = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// splitSections checks the header and splits a module into its sections.
func splitSections(wasm []byte) ([]section, error) {
	if len(wasm) < 8 || !bytes.Equal(wasm[:8], wasmHeader) {
		return nil, errors.New("not a WebAssembly 1.0 binary (bad magic or version)")
	}
	r := &reader{b: wasm, pos: 8}
	var secs []section
	seen := map[byte]bool{}
	for !r.eof() {
		start := r.pos
		id, _ := r.byte()
		size, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("section header at %d: %w", start, err)
		}
		body, err := r.bytes(uint64(size))
		if err != nil {
			return nil, fmt.Errorf("section %d at %d: size %d: %w", id, start, size, err)
		}
		if id > secTag {
			return nil, fmt.Errorf("unknown section id %d at %d", id, start)
		}
		if id != secCustom {
			if seen[id] {
				return nil, fmt.Errorf("duplicate section id %d", id)
			}
			seen[id] = true
		}
		secs = append(secs, section{id: id, start: start, end: r.pos, body: body})
	}
	return secs, nil
}

// count reads a vector length, refusing lengths that cannot fit in the
// remaining input (each entry needs at least min bytes).
func (r *reader) count(min int) (uint32, error) {
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if uint64(n)*uint64(min) > uint64(len(r.b)-r.pos) {
		return 0, fmt.Errorf("vector length %d exceeds section", n)
	}
	return n, nil
}

func (info *ModuleInfo) parseImports(r *reader) error {
	n, err := r.count(4)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		if _, err := r.name(); err != nil {
			return fmt.Errorf("import %d module: %w", i, err)
		}
		if _, err := r.name(); err != nil {
			return fmt.Errorf("import %d name: %w", i, err)
		}
		kind, err := r.byte()
		if err != nil {
			return err
		}
		switch kind {
		case 0x00: // function
			_, err = r.u32()
		case 0x01: // table
			if _, err = r.valType(); err == nil {
				_, _, _, _, err = r.limits()
			}
			info.Tables++
			info.refuse("a table is imported: its state belongs to another module")
		case 0x02: // memory
			var m MemoryInfo
			m.MinPages, m.MaxPages, m.HasMax, m.Shared, err = r.limits()
			m.Imported = true
			info.addMemory(&m)
		case 0x03: // global
			if _, err = r.valType(); err == nil {
				_, err = r.byte()
			}
			info.ImportedGlobals++
		case 0x04: // tag
			if _, err = r.byte(); err == nil {
				_, err = r.u32()
			}
		default:
			err = fmt.Errorf("invalid import kind 0x%02x", kind)
		}
		if err != nil {
			return fmt.Errorf("import %d: %w", i, err)
		}
	}
	return nil
}

func (info *ModuleInfo) addMemory(m *MemoryInfo) {
	if info.Memory != nil {
		info.refuse("module has more than one memory")
		return
	}
	info.Memory = m
}

func (info *ModuleInfo) parseTables(r *reader) error {
	n, err := r.count(2)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		var f opFeatures
		if r.pos < len(r.b) && r.b[r.pos] == 0x40 { // table with an initialiser expression
			r.pos++
			if b, err := r.byte(); err != nil || b != 0 {
				return fmt.Errorf("table %d: bad initialiser prefix", i)
			}
			if _, err := r.valType(); err != nil {
				return fmt.Errorf("table %d: %w", i, err)
			}
			if _, _, _, _, err := r.limits(); err != nil {
				return fmt.Errorf("table %d: %w", i, err)
			}
			if err := r.expr(&f); err != nil {
				return fmt.Errorf("table %d initialiser: %w", i, err)
			}
		} else {
			if _, err := r.valType(); err != nil {
				return fmt.Errorf("table %d: %w", i, err)
			}
			if _, _, _, _, err := r.limits(); err != nil {
				return fmt.Errorf("table %d: %w", i, err)
			}
		}
		info.Tables++
	}
	return nil
}

func (info *ModuleInfo) parseMemories(r *reader) error {
	n, err := r.count(2)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		var m MemoryInfo
		if m.MinPages, m.MaxPages, m.HasMax, m.Shared, err = r.limits(); err != nil {
			return fmt.Errorf("memory %d: %w", i, err)
		}
		info.addMemory(&m)
	}
	return nil
}

func (info *ModuleInfo) parseGlobals(r *reader) error {
	n, err := r.count(3)
	if err != nil {
		return err
	}
	info.Globals = make([]GlobalInfo, 0, n)
	for i := uint32(0); i < n; i++ {
		t, err := r.valType()
		if err != nil {
			return fmt.Errorf("global %d type: %w", i, err)
		}
		mut, err := r.byte()
		if err != nil {
			return fmt.Errorf("global %d: %w", i, err)
		}
		if mut > 1 {
			return fmt.Errorf("global %d: invalid mutability 0x%02x", i, mut)
		}
		var f opFeatures
		if err := r.expr(&f); err != nil {
			return fmt.Errorf("global %d initialiser: %w", i, err)
		}
		idx := uint64(info.ImportedGlobals) + uint64(i)
		if idx > 1<<32-1 {
			return errors.New("too many globals")
		}
		info.Globals = append(info.Globals, GlobalInfo{Index: uint32(idx), Type: apiValueType(t), Mutable: mut == 1})
	}
	return nil
}

// apiValueType maps a binary value type code to wazero's api.ValueType;
// typed references map to funcref, the other codes are kept as they are.
func apiValueType(c byte) api.ValueType {
	if c == valRefNull || c == valRef {
		return valFuncref
	}
	return c
}

// checkExports validates the export section and refuses reserved names.
func checkExports(r *reader) error {
	n, err := r.count(3)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		name, err := r.name()
		if err != nil {
			return fmt.Errorf("export %d: %w", i, err)
		}
		if strings.HasPrefix(name, ReservedPrefix) {
			return fmt.Errorf("export %q uses the reserved prefix %q", name, ReservedPrefix)
		}
		if _, err := r.byte(); err != nil {
			return fmt.Errorf("export %d: %w", i, err)
		}
		if _, err := r.u32(); err != nil {
			return fmt.Errorf("export %d: %w", i, err)
		}
	}
	if !r.eof() {
		return errors.New("trailing bytes after exports")
	}
	return nil
}

// codeScan keeps what rewriting the code section needs: each function
// body and the offsets in it where an interrupt check goes.
type codeScan struct {
	count   uint32
	bodies  [][]byte
	inserts [][]int
	entry   bool // also check at every function entry (tail calls present)
	// Per function: the local declarations (groups count, then groups)
	// end at declEnd; groupsAt is where the groups start (after their
	// count); counter is the index the added counter local gets.
	groups   []uint32
	groupsAt []int
	declEnd  []int
	counter  []uint32
}

// scanCode decodes every function body and records the instructions that
// change state a move cannot carry; with checks, it also records where
// interrupt checks go.
func (info *ModuleInfo) scanCode(r *reader, checks bool, sig *signatures) (*codeScan, error) {
	n, err := r.count(2)
	if err != nil {
		return nil, err
	}
	if sig == nil {
		sig = &signatures{}
	}
	if checks && uint64(len(sig.funcs)) != uint64(n) {
		return nil, errors.New("function and code sections disagree")
	}
	var f opFeatures
	var loopStack []bool
	cs := &codeScan{count: n}
	for i := uint32(0); i < n; i++ {
		size, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("function %d: %w", i, err)
		}
		b, err := r.bytes(uint64(size))
		if err != nil {
			return nil, fmt.Errorf("function %d: %w", i, err)
		}
		fr := &reader{b: b}
		groups, err := fr.count(2)
		if err != nil {
			return nil, fmt.Errorf("function %d locals: %w", i, err)
		}
		groupsAt := fr.pos
		var nlocals uint64
		for j := uint32(0); j < groups; j++ {
			c, err := fr.u32()
			if err != nil {
				return nil, fmt.Errorf("function %d locals: %w", i, err)
			}
			nlocals += uint64(c)
			if _, err := fr.valType(); err != nil {
				return nil, fmt.Errorf("function %d locals: %w", i, err)
			}
		}
		var at []int
		if checks {
			at = append(at, fr.pos) // function entry; kept only when needed
		}
		// loops[k] tells whether the k-th enclosing construct (from the
		// outside; the function body first) is a loop.
		loops := append(loopStack[:0], false)
		depth := 1
		for depth > 0 {
			start := fr.pos
			if checks && start < len(fr.b) {
				switch op := fr.b[start]; op {
				case 0x0c, 0x0d, 0xd5, 0xd6, 0x0e: // br, br_if, br_on_null, br_on_non_null, br_table
					if backEdge(fr.b[start+1:], op == 0x0e, loops) {
						at = append(at, start)
					}
				}
			}
			op, err := fr.instr(&depth, &f)
			if err != nil {
				return nil, fmt.Errorf("function %d at byte %d: %w", i, fr.pos, err)
			}
			switch op {
			case 0x02, 0x04, 0x06, 0x1f: // block, if, try, try_table
				loops = append(loops, false)
			case 0x03:
				loops = append(loops, true)
			case 0x0b:
				if len(loops) > 0 {
					loops = loops[:len(loops)-1]
				}
			case 0x12, 0x13, 0x15:
				cs.entry = true
			}
		}
		loopStack = loops
		if !fr.eof() {
			return nil, fmt.Errorf("function %d: %d bytes after the final end", i, len(fr.b)-fr.pos)
		}
		if checks {
			cs.bodies = append(cs.bodies, b)
			cs.inserts = append(cs.inserts, at)
			if len(at) > 1 { // has back edges: it gets a counter local
				ti := sig.funcs[i]
				if uint64(ti) >= uint64(len(sig.params)) {
					return nil, fmt.Errorf("function %d: type index %d out of range", i, ti)
				}
				idx := uint64(sig.params[ti]) + nlocals
				if idx >= maxLocals || groups == 1<<32-1 {
					return nil, fmt.Errorf("function %d: too many locals to add a counter", i)
				}
				cs.groups = append(cs.groups, groups)
				cs.groupsAt = append(cs.groupsAt, groupsAt)
				cs.declEnd = append(cs.declEnd, at[0])
				cs.counter = append(cs.counter, uint32(idx))
			} else {
				cs.groups = append(cs.groups, 0)
				cs.groupsAt = append(cs.groupsAt, 0)
				cs.declEnd = append(cs.declEnd, 0)
				cs.counter = append(cs.counter, 0)
			}
		}
	}
	if f.tableMutation != "" {
		info.refuse("code mutates a table (%s): table contents cannot be carried", f.tableMutation)
	}
	info.UsesDataDrop = f.dataDrop
	return cs, nil
}

// backEdge reports whether the branch whose immediates start at imm
// targets an enclosing loop (for br_table: any of its targets).
func backEdge(imm []byte, table bool, loops []bool) bool {
	r := &reader{b: imm}
	n := uint32(1)
	if table {
		c, err := r.u32()
		if err != nil {
			return false
		}
		n = c + 1
	}
	for i := uint32(0); i < n; i++ {
		l, err := r.u32()
		if err != nil {
			return false
		}
		if uint64(l) < uint64(len(loops)) && loops[len(loops)-1-int(l)] {
			return true
		}
	}
	return false
}

// The interrupt checks count in two stages. Each function with a branch
// back to a loop head gets a counter local (a register in compiled code);
// every back edge decrements it, and when it goes negative the slow path
// reloads it with counterChunk-1 and runs the global check: it decrements
// the budget global and, when that reaches zero, refills it, leaves
// compiled code for Go and tests the flag. Locals start at zero, so the
// first back edge of every activation takes the slow path: a loop that runs
// forever by calling functions whose own loops end quickly still drains the
// global budget (at least once per activation that loops), and a single
// activation drains it once every counterChunk back edges. Between two
// exits to Go there are thus at most counterChunk*checkBudget back edges
// of one activation, fewer when activations are short.
const (
	// counterChunk is how many back edges of one activation run per
	// global check.
	counterChunk = 1 << 8
	// checkBudget is how many global checks run between two exits to Go.
	checkBudget = 1 << 8
	// maxLocals bounds the local index of the added counter (wazero
	// refuses functions with more locals than this anyway).
	maxLocals = 1 << 27
)

// sleb32 encodes v as signed LEB128.
func sleb32(v int32) []byte {
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

// counterCheck returns the instructions inserted before each back edge of
// a function whose counter local has index local: the fast path is a
// decrement and a sign test on the local; the slow path reloads it and runs
// the global check (see interruptCheck).
func counterCheck(local uint32, global []byte) []byte {
	l := appendULEB(nil, uint64(local))
	c := concat([]byte{0x20}, l, []byte{0x41, 0x01, 0x6b, 0x22}, l) // counter -= 1
	c = append(c, 0x41, 0x00, 0x48, 0x04, 0x40)                     // if counter < 0 {
	c = append(c, global...)                                        //   global check
	// The reload follows the global check, whose exit to Go is a call:
	// the counter is then not live across that call.
	c = concat(c, []byte{0x41}, sleb32(counterChunk-1), []byte{0x21}, l) //   counter = chunk-1
	return append(c, 0x0b)                                               // }
}

// interruptCheck returns the global check: inserted as it is at function
// entries (tail calls), and as the slow path of counterCheck.
// The fast path decrements a budget; when it runs out, the slow path
// refills it, leaves compiled code for Go with `memory.grow 0` (a no-op
// that wazero's compiler implements as a call into Go, so the goroutine can
// be preempted and the garbage collector can stop the world), then traps
// with `unreachable` if the flag is raised. The operand stack is left as
// found.
func interruptCheck(flag uint32, hasMemory bool) []byte {
	f := appendULEB(nil, uint64(flag))
	bud := appendULEB(nil, uint64(flag)+1)
	c := concat([]byte{0x23}, bud, []byte{0x41, 0x01, 0x6b, 0x24}, bud) // budget -= 1
	c = concat(c, []byte{0x23}, bud, []byte{0x45, 0x04, 0x40})          // if budget == 0 {
	c = concat(c, []byte{0x41}, sleb32(checkBudget), []byte{0x24}, bud) //   budget = checkBudget
	if hasMemory {
		c = append(c, 0x41, 0x00, 0x40, 0x00, 0x1a) //   drop(memory.grow(0))
	}
	c = concat(c, []byte{0x23}, f, []byte{0x04, 0x40, 0x00, 0x0b}) //   if flag { unreachable }
	return append(c, 0x0b)                                         // }
}

// concat joins byte slices.
func concat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// rewrite returns the code section with an interrupt check (see
// interruptCheck) inserted at every recorded offset.
func (cs *codeScan) rewrite(flag uint32, hasMemory bool) []byte {
	check := interruptCheck(flag, hasMemory)
	body := appendULEB(nil, uint64(cs.count))
	var fn []byte
	for i, b := range cs.bodies {
		at := cs.inserts[i]
		fn = fn[:0]
		prev := 0
		if len(at) > 1 {
			// Declare the counter local: one more group of one i32.
			fn = appendULEB(fn, uint64(cs.groups[i])+1)
			fn = append(fn, b[cs.groupsAt[i]:cs.declEnd[i]]...)
			fn = append(fn, 1, valI32)
			prev = cs.declEnd[i]
		}
		if cs.entry {
			fn = append(fn, b[prev:at[0]]...)
			fn = append(fn, check...)
			prev = at[0]
		}
		if len(at) > 1 {
			back := counterCheck(cs.counter[i], check)
			for _, off := range at[1:] {
				fn = append(fn, b[prev:off]...)
				fn = append(fn, back...)
				prev = off
			}
		}
		fn = append(fn, b[prev:]...)
		body = appendULEB(body, uint64(len(fn)))
		body = append(body, fn...)
	}
	return sectionBytes(secCode, body)
}

// signatures keeps what the counter local's index depends on: the number
// of parameters of every type and the type of every defined function.
type signatures struct {
	params []uint32 // per type index; 0 for non-function types
	funcs  []uint32 // type index per defined function
}

func (sig *signatures) parseTypes(r *reader) error {
	n, err := r.count(1)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		form, err := r.byte()
		if err != nil {
			return err
		}
		if form != 0x60 {
			return fmt.Errorf("type %d: form 0x%02x not supported", i, form)
		}
		np, err := r.count(1)
		if err != nil {
			return fmt.Errorf("type %d: %w", i, err)
		}
		for j := uint32(0); j < np; j++ {
			if _, err := r.valType(); err != nil {
				return fmt.Errorf("type %d: %w", i, err)
			}
		}
		nr, err := r.count(1)
		if err != nil {
			return fmt.Errorf("type %d: %w", i, err)
		}
		for j := uint32(0); j < nr; j++ {
			if _, err := r.valType(); err != nil {
				return fmt.Errorf("type %d: %w", i, err)
			}
		}
		sig.params = append(sig.params, np)
	}
	return nil
}

func (sig *signatures) parseFunctions(r *reader) error {
	n, err := r.count(1)
	if err != nil {
		return err
	}
	sig.funcs = make([]uint32, n)
	for i := range sig.funcs {
		if sig.funcs[i], err = r.u32(); err != nil {
			return fmt.Errorf("function %d: %w", i, err)
		}
	}
	return nil
}
