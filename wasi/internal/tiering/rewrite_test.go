package tiering

import (
	"bytes"
	"context"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

func newRuntimes(t testing.TB) (interp, comp wazero.Runtime) {
	ctx := context.Background()
	interp = wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	comp = wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	t.Cleanup(func() {
		interp.Close(ctx)
		comp.Close(ctx)
	})
	return interp, comp
}

func mustCall(t testing.TB, m api.Module, name string, params ...uint64) []uint64 {
	t.Helper()
	res, err := m.ExportedFunction(name).Call(context.Background(), params...)
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	return res
}

// state returns the full observable state of a hand-written test module
// instance: memory bytes, every global and the results of both table
// entries.
type instState struct {
	mem     []byte
	globals []uint64
	calls   []uint64
}

func observe(t *testing.T, m api.Module, info *ModuleInfo) instState {
	t.Helper()
	var s instState
	view, _ := m.Memory().Read(0, m.Memory().Size())
	s.mem = bytes.Clone(view)
	for _, g := range info.Globals {
		s.globals = append(s.globals, m.ExportedGlobal(g.Export).Get())
	}
	s.calls = append(s.calls, mustCall(t, m, "call", 0)[0], mustCall(t, m, "call", 1)[0])
	return s
}

func compareStates(t *testing.T, got, want instState) {
	t.Helper()
	if len(got.mem) != len(want.mem) {
		t.Fatalf("memory size %d, want %d", len(got.mem), len(want.mem))
	}
	if !bytes.Equal(got.mem, want.mem) {
		t.Fatal("memory contents differ")
	}
	for i := range want.globals {
		if got.globals[i] != want.globals[i] {
			t.Errorf("global %d = %#x, want %#x", i, got.globals[i], want.globals[i])
		}
	}
	for i := range want.calls {
		if got.calls[i] != want.calls[i] {
			t.Errorf("table entry %d returned %d, want %d", i, got.calls[i], want.calls[i])
		}
	}
}

func TestExportStateHandWritten(t *testing.T) {
	in := testModule{}.build()
	out, info, err := ExportState(in)
	if err != nil {
		t.Fatal(err)
	}
	if ok, why := info.Migratable(); !ok {
		t.Fatalf("not migratable: %s", why)
	}
	want := []GlobalInfo{
		{0, api.ValueTypeI32, true, "__tessera_g0"},
		{1, api.ValueTypeI64, true, "__tessera_g1"},
		{2, api.ValueTypeF32, true, "__tessera_g2"},
		{3, api.ValueTypeF64, true, "__tessera_g3"},
		{4, api.ValueTypeI32, false, "__tessera_g4"},
	}
	if len(info.Globals) != len(want) {
		t.Fatalf("globals %+v", info.Globals)
	}
	for i := range want {
		if info.Globals[i] != want[i] {
			t.Errorf("global %d = %+v, want %+v", i, info.Globals[i], want[i])
		}
	}
	if info.Memory == nil || info.Memory.MinPages != 1 || info.Memory.HasMax || info.Tables != 1 {
		t.Errorf("memory %+v tables %d", info.Memory, info.Tables)
	}
	if info.UsesDataDrop {
		t.Error("UsesDataDrop set for a module without data.drop")
	}

	// Every section but the export section is byte-identical, in order.
	a, _ := splitSections(in)
	b, err := splitSections(out)
	if err != nil {
		t.Fatalf("rewritten binary: %v", err)
	}
	if len(a) != len(b) {
		t.Fatalf("%d sections, want %d", len(b), len(a))
	}
	for i := range a {
		if a[i].id != b[i].id {
			t.Fatalf("section %d id %d, want %d", i, b[i].id, a[i].id)
		}
		if a[i].id != secExport && !bytes.Equal(a[i].body, b[i].body) {
			t.Errorf("section %d (id %d) changed", i, a[i].id)
		}
	}

	// wazero accepts it and sees the new exports with their types.
	ctx := context.Background()
	_, comp := newRuntimes(t)
	cm, err := comp.CompileModule(ctx, out)
	if err != nil {
		t.Fatalf("compile rewritten: %v", err)
	}
	inst, err := comp.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range want {
		h := inst.ExportedGlobal(g.Export)
		_, mutable := h.(api.MutableGlobal)
		if h == nil || h.Type() != g.Type || mutable != g.Mutable {
			t.Errorf("export %s: %v", g.Export, h)
		}
	}
	if len(cm.ExportedFunctions()) != 3 {
		t.Errorf("exported functions %d, want 3", len(cm.ExportedFunctions()))
	}
}

func TestExportStateAddsMissingExportSection(t *testing.T) {
	in := testModule{noExports: true}.build()
	out, info, err := ExportState(in)
	if err != nil {
		t.Fatal(err)
	}
	secs, _ := splitSections(out)
	var ids []byte
	for _, s := range secs {
		ids = append(ids, s.id)
	}
	// type, custom, function, table, memory, global, export (new), element, code, custom
	if !bytes.Equal(ids, []byte{1, 0, 3, 4, 5, 6, 7, 9, 10, 0}) {
		t.Fatalf("section order %v", ids)
	}
	_, comp := newRuntimes(t)
	inst, err := comp.InstantiateWithConfig(context.Background(), out, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	for _, g := range info.Globals {
		if inst.ExportedGlobal(g.Export) == nil {
			t.Errorf("export %s missing", g.Export)
		}
	}
}

func TestMigratableReasons(t *testing.T) {
	v128 := cat([]byte{0x7b, 1, 0xfd, 0x0c}, make([]byte, 16), []byte{0x0b})
	funcref := []byte{0x70, 1, 0xd0, 0x70, 0x0b}
	immutableV128 := cat([]byte{0x7b, 0, 0xfd, 0x0c}, make([]byte, 16), []byte{0x0b})
	cases := []struct {
		name string
		tm   testModule
		want string // "" = migratable
	}{
		{"plain", testModule{}, ""},
		{"immutable v128 global", testModule{extraGlobals: [][]byte{immutableV128}}, ""},
		{"mutable v128 global", testModule{extraGlobals: [][]byte{v128}}, "mutable v128"},
		{"mutable funcref global", testModule{extraGlobals: [][]byte{funcref}}, "mutable reference"},
		{"table.set", testModule{extraCode: []byte{0x41, 0x00, 0xd0, 0x70, 0x26, 0x00}}, "table.set"},
		{"table.grow", testModule{extraCode: []byte{0xd0, 0x70, 0x41, 0x01, 0xfc, 0x0f, 0x00, 0x1a}}, "table.grow"},
		{"table.fill", testModule{extraCode: []byte{0x41, 0x00, 0xd0, 0x70, 0x41, 0x01, 0xfc, 0x11, 0x00}}, "table.fill"},
		{"table.copy", testModule{extraCode: []byte{0x41, 0x00, 0x41, 0x01, 0x41, 0x01, 0xfc, 0x0e, 0x00, 0x00}}, "table.copy"},
		{"start section", testModule{start: true}, "start section"},
		{"imported table", testModule{importedTable: true}, "imported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, info, err := ExportState(c.tm.build())
			if err != nil {
				t.Fatal(err)
			}
			ok, why := info.Migratable()
			if c.want == "" && !ok {
				t.Fatalf("refused: %s", why)
			}
			if c.want != "" && (ok || !strings.Contains(why, c.want)) {
				t.Fatalf("Migratable() = %v, %q; want refusal mentioning %q", ok, why, c.want)
			}
			// The rewritten module must still be valid for wazero.
			_, comp := newRuntimes(t)
			if _, err := comp.CompileModule(context.Background(), out); err != nil && !c.tm.importedTable {
				t.Fatalf("compile: %v", err)
			}
			if c.want != "" {
				if _, err := Capture(context.Background(), nil, info); err == nil {
					t.Fatal("Capture accepted a module that is not migratable")
				}
			}
		})
	}
}

func TestExportStateRejects(t *testing.T) {
	good := testModule{}.build()
	cases := map[string][]byte{
		"empty":          nil,
		"bad magic":      append([]byte("\x00asn"), good[4:]...),
		"version 2":      append(append([]byte{}, good[:4]...), append([]byte{2, 0, 0, 0}, good[8:]...)...),
		"reserved name":  testModule{reservedName: true}.build(),
		"truncated":      good[:len(good)-3],
		"section id 99":  append(append([]byte{}, good...), 99, 0),
		"huge section":   append(append([]byte{}, wasmHeader...), 1, 0xff, 0xff, 0xff, 0xff, 0x0f),
		"overlong leb":   append(append([]byte{}, wasmHeader...), 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
		"duplicate type": append(append(append([]byte{}, wasmHeader...), 1, 1, 0), 1, 1, 0),
	}
	for name, b := range cases {
		if _, _, err := ExportState(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestExportStateNoPanic feeds every truncation and many random mutations
// of a valid module: ExportState must return (an error or a result)
// without panicking, and whatever it returns must not crash wazero.
func TestExportStateNoPanic(t *testing.T) {
	good := testModule{}.build()
	for i := 0; i < len(good); i++ {
		ExportState(good[:i])
		Rewrite(good[:i], Options{Interrupt: true})
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		b := bytes.Clone(good)
		for j := 0; j < 1+rng.Intn(4); j++ {
			b[8+rng.Intn(len(b)-8)] = byte(rng.Intn(256))
		}
		ExportState(b)
		Rewrite(b, Options{Interrupt: true})
	}
}

func FuzzExportState(f *testing.F) {
	f.Add(testModule{}.build())
	f.Add(testModule{noExports: true, start: true}.build())
	f.Fuzz(func(t *testing.T, b []byte) {
		Rewrite(b, Options{Interrupt: true})
		out, info, err := ExportState(b)
		if err != nil {
			return
		}
		if info == nil || len(out) < len(b) {
			t.Fatalf("bad result: info %v, %d bytes from %d", info, len(out), len(b))
		}
	})
}

// migrateHandWritten runs bump n times on src, moves to a fresh instance on
// dst and runs bump m more times, comparing with an unmoved instance.
func TestMigrateHandWritten(t *testing.T) {
	ctx := context.Background()
	out, info, err := ExportState(testModule{}.build())
	if err != nil {
		t.Fatal(err)
	}
	interp, comp := newRuntimes(t)
	for _, dir := range []struct {
		name     string
		src, dst wazero.Runtime
		transfer bool
	}{
		{"interpreter to compiler", interp, comp, false},
		{"compiler to interpreter", comp, interp, false},
		{"interpreter to compiler, transfer", interp, comp, true},
	} {
		t.Run(dir.name, func(t *testing.T) {
			const n, m = 7, 5
			ref, err := dir.dst.InstantiateWithConfig(ctx, out, wazero.NewModuleConfig().WithName(""))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n+m; i++ {
				mustCall(t, ref, "bump")
			}
			src, err := dir.src.InstantiateWithConfig(ctx, out, wazero.NewModuleConfig().WithName(""))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				mustCall(t, src, "bump")
			}
			dst, err := dir.dst.InstantiateWithConfig(ctx, out, wazero.NewModuleConfig().WithName("").WithStartFunctions())
			if err != nil {
				t.Fatal(err)
			}
			if dir.transfer {
				err = Transfer(ctx, src, dst, info)
			} else {
				var snap *Snapshot
				snap, err = Capture(ctx, src, info)
				if err == nil {
					if len(snap.Globals) != 4 || len(snap.Memory) != (1+n/3)*pageSize {
						t.Fatalf("snapshot: %d globals, %d bytes", len(snap.Globals), len(snap.Memory))
					}
					err = Restore(ctx, dst, info, snap)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			src.Close(ctx)
			for i := 0; i < m; i++ {
				mustCall(t, dst, "bump")
			}
			got, want := observe(t, dst, info), observe(t, ref, info)
			compareStates(t, got, want)
			if f := math.Float64frombits(got.globals[3]); f != 1.25*math.Pow(2, n+m) {
				t.Errorf("f64 global = %v", f)
			}
			if a, b := mustCall(t, dst, "mix")[0], mustCall(t, ref, "mix")[0]; a != b {
				t.Errorf("mix = %d on the moved instance, %d on the reference", a, b)
			}
		})
	}
}

func TestRestoreRejects(t *testing.T) {
	ctx := context.Background()
	out, info, err := ExportState(testModule{}.build())
	if err != nil {
		t.Fatal(err)
	}
	_, comp := newRuntimes(t)
	m, err := comp.InstantiateWithConfig(ctx, out, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Capture(ctx, m, info)
	if err != nil {
		t.Fatal(err)
	}
	mustCall(t, m, "bump")
	mustCall(t, m, "bump")
	mustCall(t, m, "bump") // grows memory: now larger than the snapshot
	if err := Restore(ctx, m, info, snap); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("restore into a larger memory: %v", err)
	}
	bad := *snap
	bad.Globals = bad.Globals[:2]
	if err := Restore(ctx, m, info, &bad); err == nil {
		t.Error("restore with missing globals accepted")
	}
	bad = *snap
	bad.Memory = bad.Memory[:100]
	if err := Restore(ctx, m, info, &bad); err == nil {
		t.Error("restore with a partial page accepted")
	}
	if err := Restore(ctx, m, info, nil); err == nil {
		t.Error("nil snapshot accepted")
	}
	// A module instantiated from the original binary lacks the exports.
	plain, err := comp.InstantiateWithConfig(ctx, testModule{}.build(), wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Capture(ctx, plain, info); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("capture of an unrewritten instance: %v", err)
	}
	m.Close(ctx)
	if _, err := Capture(ctx, m, info); err == nil {
		t.Error("capture of a closed module accepted")
	}
}

func TestRewriteInterruptHandWritten(t *testing.T) {
	ctx := context.Background()
	in := testModule{}.build()
	plain, pinfo, err := ExportState(in)
	if err != nil {
		t.Fatal(err)
	}
	out, info, err := Rewrite(in, Options{Interrupt: true})
	if err != nil {
		t.Fatal(err)
	}
	if !info.Interruptible() || pinfo.Interruptible() {
		t.Fatal("Interruptible() wrong")
	}
	if ok, why := info.Migratable(); !ok {
		t.Fatalf("not migratable: %s", why)
	}
	if len(info.Globals) != len(pinfo.Globals)+2 {
		t.Fatalf("%d globals, want %d", len(info.Globals), len(pinfo.Globals)+2)
	}
	a, _ := splitSections(in)
	b, err := splitSections(out)
	if err != nil || len(a) != len(b) {
		t.Fatalf("sections: %v (%d vs %d)", err, len(b), len(a))
	}
	for i := range a {
		switch a[i].id {
		case secGlobal, secExport, secCode:
		default:
			if !bytes.Equal(a[i].body, b[i].body) {
				t.Errorf("section %d (id %d) changed", i, a[i].id)
			}
		}
	}
	_, comp := newRuntimes(t)
	mp, err := comp.InstantiateWithConfig(ctx, plain, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	mi, err := comp.InstantiateWithConfig(ctx, out, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatalf("instantiate rewritten: %v", err)
	}
	for i := 0; i < 9; i++ {
		mustCall(t, mp, "bump")
		mustCall(t, mi, "bump")
	}
	compareStates(t, observe(t, mi, pinfo), observe(t, mp, pinfo))
	if x, y := mustCall(t, mi, "mix")[0], mustCall(t, mp, "mix")[0]; x != y {
		t.Fatalf("mix = %d with checks, %d without", x, y)
	}
	raise, err := Interrupter(mi, info)
	if err != nil {
		t.Fatal(err)
	}
	raise()
	mustCall(t, mi, "bump") // no loop: runs to the end
	mustCall(t, mi, "mix")  // its loop never branches back: no check, runs to the end

	// A real loop traps at its first back edge once the flag is raised.
	lout, linfo, err := Rewrite(tightLoop(), Options{Interrupt: true})
	if err != nil {
		t.Fatal(err)
	}
	lm, err := comp.InstantiateWithConfig(ctx, lout, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := comp.InstantiateWithConfig(ctx, tightLoop(), wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	// More iterations than the check budget: the slow path runs and, with
	// the flag down, lets the loop go on.
	if x, y := mustCall(t, lm, "loop", 3*checkBudget+5)[0], mustCall(t, ref, "loop", 3*checkBudget+5)[0]; x != y {
		t.Fatalf("loop = %d with checks, %d without", x, y)
	}
	raiseLoop, err := Interrupter(lm, linfo)
	if err != nil {
		t.Fatal(err)
	}
	raiseLoop()
	if _, err := lm.ExportedFunction("loop").Call(ctx, 10); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("loop with the flag raised: %v, want an unreachable trap", err)
	}
}

func TestRewriteInterruptAddsGlobalSection(t *testing.T) {
	// A module with no globals and no exports: both sections are created in order.
	m := cat(wasmHeader,
		sec(secType, vec([]byte{0x60, 0x00, 0x00})),
		sec(secFunction, vec([]byte{0})),
		sec(secCode, vec(body([]byte{0x00}, []byte{0x03, 0x40, 0x0b, 0x0b}))))
	out, info, err := Rewrite(m, Options{Interrupt: true})
	if err != nil {
		t.Fatal(err)
	}
	secs, _ := splitSections(out)
	var ids []byte
	for _, s := range secs {
		ids = append(ids, s.id)
	}
	if !bytes.Equal(ids, []byte{1, 3, 6, 7, 10}) { // no memory: the check has no memory.grow
		t.Fatalf("section order %v", ids)
	}
	_, comp := newRuntimes(t)
	if _, err := comp.CompileModule(context.Background(), out); err != nil {
		t.Fatalf("compile: %v", err)
	}
	if len(info.Globals) != 2 || info.Globals[0].Index != 0 {
		t.Fatalf("globals %+v", info.Globals)
	}
}
