package tiering

import (
	"reflect"
	"testing"
)

func TestModuleInfoRoundTrip(t *testing.T) {
	for _, opt := range []Options{{}, {Interrupt: true}} {
		_, _, info := statefulGuestWith(t, opt)
		b, err := info.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var got ModuleInfo
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&got, info) {
			t.Fatalf("interrupt=%v: round trip changed the info:\n got %+v\nwant %+v", opt.Interrupt, &got, info)
		}
		// Every truncation is an error, never a panic or a silent success.
		for n := 0; n < len(b); n++ {
			var bad ModuleInfo
			if err := bad.UnmarshalBinary(b[:n]); err == nil {
				t.Fatalf("truncated to %d of %d bytes: accepted", n, len(b))
			}
		}
		if err := new(ModuleInfo).UnmarshalBinary(append(b, 0)); err == nil {
			t.Fatal("trailing byte accepted")
		}
	}
	// A refused module keeps its reason.
	info := &ModuleInfo{}
	info.refuse("module has a start section")
	b, _ := info.MarshalBinary()
	var got ModuleInfo
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if ok, why := got.Migratable(); ok || why != "module has a start section" {
		t.Fatalf("Migratable() = %v, %q", ok, why)
	}
}

func FuzzModuleInfoUnmarshal(f *testing.F) {
	info := &ModuleInfo{ImportedGlobals: 1, Globals: []GlobalInfo{{Index: 1, Type: 0x7f, Mutable: true}, {Index: 2, Type: 0x7f, Mutable: true}},
		Memory: &MemoryInfo{MinPages: 20}, hasInterrupt: true}
	b, _ := info.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		var got ModuleInfo
		if err := got.UnmarshalBinary(data); err != nil {
			return
		}
		again, err := got.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var twice ModuleInfo
		if err := twice.UnmarshalBinary(again); err != nil || !reflect.DeepEqual(&got, &twice) {
			t.Fatalf("accepted input does not round-trip: %v", err)
		}
	})
}
