package screen

import (
	"strings"
	"testing"
)

func TestDefaultStyleComplete(t *testing.T) {
	st := DefaultStyle()
	fields := st.Fields()
	for i, f := range fields {
		field := i + 1
		want := 6
		switch field {
		case fieldFrameUnselected:
			want = 0
		case fieldMultiplayer:
			want = 10
		}
		if len(f) != want {
			t.Errorf("field %d has %d colours, want %d", field, len(f), want)
		}
		for _, c := range f {
			if c.IsDefault() {
				t.Errorf("field %d has a default colour", field)
			}
		}
	}
	back, err := StyleFromFields(fields, true)
	if err != nil {
		t.Fatal(err)
	}
	if back != st {
		t.Fatalf("round trip changed the style:\n%+v\n%+v", back, st)
	}
}

func TestStyleFromFields(t *testing.T) {
	fields := DefaultStyle().Fields()
	fields[fieldFrameUnselected-1] = []Color{RGB(1, 2, 3), RGB(4, 5, 6), Indexed(1), Indexed(2), Indexed(3), Indexed(4)}
	st, err := StyleFromFields(fields, false)
	if err != nil {
		t.Fatal(err)
	}
	if !st.HasFrameUnselected || st.FrameUnselected.Background != RGB(4, 5, 6) || st.FrameUnselected.Emphasis[3] != Indexed(4) {
		t.Fatalf("frame_unselected = %+v", st.FrameUnselected)
	}
	if st.ArrowFonts {
		t.Fatal("ArrowFonts set")
	}
	if got := st.Fields()[fieldFrameUnselected-1]; len(got) != 6 {
		t.Fatalf("Fields() frame_unselected = %v", got)
	}

	bad := []struct {
		field int
		n     int
	}{{1, 5}, {9, 7}, {10, 3}, {14, 0}, {15, 9}}
	for _, b := range bad {
		f := DefaultStyle().Fields()
		f[b.field-1] = make([]Color, b.n)
		_, err := StyleFromFields(f, true)
		if err == nil || !strings.Contains(err.Error(), "field ") {
			t.Errorf("field %d with %d colours: err = %v", b.field, b.n, err)
		}
	}
}

func TestColor(t *testing.T) {
	if !DefaultColor.IsDefault() || Indexed(0).IsDefault() || RGB(0, 0, 0).IsDefault() {
		t.Fatal("IsDefault wrong")
	}
	if n, ok := Indexed(200).Index(); !ok || n != 200 {
		t.Fatal("Index wrong")
	}
	if r, g, b, ok := RGB(1, 2, 3).RGB(); !ok || r != 1 || g != 2 || b != 3 {
		t.Fatal("RGB wrong")
	}
	if _, ok := RGB(1, 2, 3).Index(); ok {
		t.Fatal("RGB colour has an index")
	}
	for c, want := range map[Color]string{DefaultColor: "default", Indexed(7): "idx:7", RGB(0xab, 0, 0xff): "#ab00ff"} {
		if c.String() != want {
			t.Errorf("%v.String() = %q", want, c.String())
		}
	}
	if got := (Bold | Strike).String(); got != "bold|strike" {
		t.Errorf("Attr.String() = %q", got)
	}
}
