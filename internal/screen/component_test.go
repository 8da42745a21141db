package screen

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// enc serialises s as the decimal, comma-separated UTF-8 bytes of a Text.
func enc(s string) string {
	parts := make([]string, len(s))
	for i := range len(s) {
		parts[i] = fmt.Sprint(s[i])
	}
	return strings.Join(parts, ",")
}

// dcs wraps a component payload in ESC P z … ESC \.
func dcs(payload string) string { return "\x1bPz" + payload + "\x1b\\" }

type cellWant struct {
	row, col int
	r        rune
	fg, bg   Color
	attrs    Attr
}

func checkCells(t *testing.T, s *Screen, want []cellWant) {
	t.Helper()
	for _, w := range want {
		c := s.Cell(w.row, w.col)
		if c.Rune != w.r || c.FG != w.fg || c.BG != w.bg || c.Attrs != w.attrs {
			t.Errorf("cell (%d,%d) = %q fg=%v bg=%v attrs=%q; want %q fg=%v bg=%v attrs=%q",
				w.row, w.col, c.Rune, c.FG, c.BG, c.Attrs, w.r, w.fg, w.bg, w.attrs)
		}
	}
}

func TestTextComponent(t *testing.T) {
	st := DefaultStyle()
	tu, ts := st.TextUnselected, st.TextSelected
	tests := []struct {
		name     string
		in       string
		lines    []string
		row, col int
		cells    []cellWant
	}{
		{
			name:  "strider FIND example",
			in:    "\x1bPztext;$$0,1,2,3,4,5$6$70,73,78,68,58,32,95\x1b\\",
			lines: []string{"FIND: _", ""}, row: 0, col: 7,
			cells: []cellWant{
				{0, 0, 'F', tu.Emphasis[2], DefaultColor, Bold},
				{0, 5, ' ', tu.Emphasis[2], DefaultColor, Bold},
				{0, 6, '_', tu.Emphasis[3], DefaultColor, Bold},
			},
		},
		{
			name:  "plain text uses base, bold, default background",
			in:    dcs("text;" + enc("hi")),
			lines: []string{"hi", ""}, row: 0, col: 2,
			cells: []cellWant{{0, 0, 'h', tu.Base, DefaultColor, Bold}},
		},
		{
			name:  "pen keeps the component style afterwards",
			in:    dcs("text;"+enc("a")) + "b",
			lines: []string{"ab", ""}, row: 0, col: 2,
			cells: []cellWant{{0, 1, 'b', tu.Base, DefaultColor, Bold}},
		},
		{
			name:  "selected",
			in:    dcs("text;x0$" + enc("ab")),
			lines: []string{"ab", ""}, row: 0, col: 2,
			cells: []cellWant{
				{0, 0, 'a', ts.Emphasis[0], ts.Background, Bold},
				{0, 1, 'b', ts.Base, ts.Background, Bold},
			},
		},
		{
			name:  "opaque",
			in:    dcs("text;z" + enc("ab")),
			lines: []string{"ab", ""}, row: 0, col: 2,
			cells: []cellWant{{0, 0, 'a', tu.Base, tu.Background, Bold}},
		},
		{
			name:  "flags in any order",
			in:    dcs("text;zx" + enc("a")),
			lines: []string{"a", ""}, row: 0, col: 1,
			cells: []cellWant{{0, 0, 'a', ts.Base, ts.Background, Bold}},
		},
		{
			name:  "disabled ignores emphasis",
			in:    dcs("text;d0,1$" + enc("ab")),
			lines: []string{"ab", ""}, row: 0, col: 2,
			cells: []cellWant{{0, 0, 'a', tu.Base, DefaultColor, Italic}},
		},
		{
			name:  "disabled opaque",
			in:    dcs("text;zd" + enc("a")),
			lines: []string{"a", ""}, row: 0, col: 1,
			cells: []cellWant{{0, 0, 'a', tu.Base, tu.Background, Italic}},
		},
		{
			name:  "later level wins",
			in:    dcs("text;0,1$1$$1$" + enc("abc")),
			lines: []string{"abc", ""}, row: 0, col: 3,
			cells: []cellWant{
				{0, 0, 'a', tu.Emphasis[0], DefaultColor, Bold},
				{0, 1, 'b', tu.Emphasis[3], DefaultColor, Bold},
				{0, 2, 'c', tu.Base, DefaultColor, Bold},
			},
		},
		{
			name:  "dim unbold error success levels",
			in:    dcs("text;$$$$0$1$2$3$" + enc("abcd")),
			lines: []string{"abcd", ""}, row: 0, col: 4,
			cells: []cellWant{
				{0, 0, 'a', DefaultColor, DefaultColor, Bold | Dim},
				{0, 1, 'b', tu.Base, DefaultColor, 0},
				{0, 2, 'c', st.ExitCodeError.Base, DefaultColor, Bold},
				{0, 3, 'd', st.ExitCodeSuccess.Base, DefaultColor, Bold},
			},
		},
		{
			name:  "coordinates place and clip",
			in:    dcs("text;2/1/4/;" + enc("abcdef")),
			lines: []string{"", "  abcd"}, row: 1, col: 6,
		},
		{
			name:  "width pads with blanks",
			in:    dcs("text;1/0/6/;z"+enc("ab")) + "|",
			lines: []string{" ab    |", ""}, row: 0, col: 8,
			cells: []cellWant{{0, 6, ' ', tu.Base, tu.Background, Bold}},
		},
		{
			name:  "coordinates without width",
			in:    dcs("text;3/1//;" + enc("xyz")),
			lines: []string{"", "   xyz"}, row: 1, col: 6,
		},
		{
			name:  "wide characters clip by cells",
			in:    dcs("text;0/0/3/;" + enc("世界")),
			lines: []string{"世", ""}, row: 0, col: 3,
		},
		{
			name:  "coordinates clamp to the pane, then wrap",
			in:    dcs("text;50/9//;" + enc("ab")),
			lines: []string{"         a", "b"}, row: 1, col: 1,
		},
		{
			name:  "newline byte inside text is a line feed",
			in:    dcs("text;" + enc("a\nb")),
			lines: []string{"a", "b"}, row: 1, col: 1,
		},
		{
			name:  "escape sequences inside text act",
			in:    dcs("text;" + enc("a\x1b[2;1Hb")),
			lines: []string{"a", "b"}, row: 1, col: 1,
		},
		{
			name:  "nested component is not expanded",
			in:    dcs("text;" + enc("a\x1bPztext;98\x1b")),
			lines: []string{"a", ""}, row: 0, col: 1,
		},
		{
			name:  "invalid text dropped, next used",
			in:    dcs("text;300;" + enc("ok")),
			lines: []string{"ok", ""}, row: 0, col: 2,
		},
		{name: "empty text draws nothing", in: "a" + dcs("text;") + "b", lines: []string{"ab", ""}, row: 0, col: 2},
		{name: "unknown component", in: "a" + dcs("button;"+enc("x")) + "b", lines: []string{"ab", ""}, row: 0, col: 2},
		{name: "bad x coordinate", in: "a" + dcs("text;/1/2/3;"+enc("x")) + "b", lines: []string{"ab", ""}, row: 0, col: 2},
		{name: "empty payload", in: "a" + dcs("") + "b", lines: []string{"ab", ""}, row: 0, col: 2},
		{name: "cancelled component", in: "a\x1bPztext;65\x18b", lines: []string{"ab", ""}, row: 0, col: 2},
		{name: "bel inside does not end it", in: "a\x1bPztext;65\x07\x1b\\b", lines: []string{"ab", ""}, row: 0, col: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := frame(2, 10, tt.in)
			if got := s.Lines(); !slices.Equal(got, tt.lines) {
				t.Errorf("Lines() = %q, want %q", got, tt.lines)
			}
			if r, c := s.Cursor(); r != tt.row || c != tt.col {
				t.Errorf("Cursor() = (%d,%d), want (%d,%d)", r, c, tt.row, tt.col)
			}
			checkCells(t, s, tt.cells)
		})
	}
}

func TestRibbon(t *testing.T) {
	st := DefaultStyle()
	ru, rs, bar := st.RibbonUnselected, st.RibbonSelected, st.TextUnselected.Background

	s := frame(1, 20, dcs("ribbon;"+enc("ab"))+dcs("ribbon;x0$"+enc("cd")))
	if got, want := s.Lines()[0], "\ue0b0 ab \ue0b0\ue0b0 cd \ue0b0"; got != want {
		t.Fatalf("Lines()[0] = %q, want %q", got, want)
	}
	checkCells(t, s, []cellWant{
		{0, 0, '\ue0b0', bar, ru.Background, Bold},
		{0, 1, ' ', ru.Base, ru.Background, Bold},
		{0, 2, 'a', ru.Base, ru.Background, Bold},
		{0, 4, ' ', ru.Base, ru.Background, Bold},
		{0, 5, '\ue0b0', ru.Background, bar, Bold},
		{0, 6, '\ue0b0', bar, rs.Background, Bold},
		{0, 8, 'c', rs.Emphasis[0], rs.Background, Bold},
		{0, 9, 'd', rs.Base, rs.Background, Bold},
		{0, 11, '\ue0b0', rs.Background, bar, Bold},
	})
	if r, c := s.Cursor(); r != 0 || c != 12 {
		t.Fatalf("Cursor() = %d,%d", r, c)
	}
	// The pen is reset after a ribbon.
	s.Frame([]byte(dcs("ribbon;"+enc("a")) + "z"))
	checkCells(t, s, []cellWant{{0, 5, 'z', DefaultColor, DefaultColor, 0}})

	// Without arrow fonts: text between two spaces.
	plain := st
	plain.ArrowFonts = false
	s.SetStyle(plain)
	s.Frame([]byte(dcs("ribbon;" + enc("ab"))))
	if got := s.Lines()[0]; got != " ab" {
		t.Fatalf("no-arrow ribbon = %q", got)
	}

	// A width covers arrows and padding: the text gets width-4 cells.
	s.SetStyle(st)
	s.Frame([]byte(dcs("ribbon;2/0/8/;"+enc("abcdef")) + "|"))
	if got, want := s.Lines()[0], "  \ue0b0 abcd \ue0b0|"; got != want {
		t.Fatalf("clipped ribbon = %q, want %q", got, want)
	}
	s.Frame([]byte(dcs("ribbon;0/0/8/;"+enc("a")) + "|"))
	if got, want := s.Lines()[0], "\ue0b0 a    \ue0b0|"; got != want {
		t.Fatalf("padded ribbon = %q, want %q", got, want)
	}

	// Disabled: unselected colours, italic text, emphasis ignored.
	s.Frame([]byte(dcs("ribbon;xd0$" + enc("a"))))
	checkCells(t, s, []cellWant{{0, 2, 'a', ru.Base, ru.Background, Italic}})
}

func TestTable(t *testing.T) {
	st := DefaultStyle()
	in := dcs("table;3;3;"+strings.Join([]string{
		enc("Name"), enc("Tabs"), enc("Id"),
		enc("main"), enc("3"), enc("12345"),
		"x" + enc("dev"), "z" + enc("10"), "0$" + enc("7"),
	}, ";")) + "END"
	s := frame(5, 20, in)
	want := []string{"Name Tabs Id", "main 3    12345", "dev  10   7", "END", ""}
	if got := s.Lines(); !slices.Equal(got, want) {
		t.Fatalf("Lines() = %q, want %q", got, want)
	}
	cu, cs := st.TableCellUnselected, st.TableCellSelected
	checkCells(t, s, []cellWant{
		{0, 0, 'N', st.TableTitle.Base, DefaultColor, Bold},
		{0, 4, ' ', st.TableTitle.Base, DefaultColor, Bold},
		{1, 0, 'm', cu.Base, DefaultColor, Bold},
		{2, 0, 'd', cs.Base, cs.Background, Bold},
		{2, 3, ' ', cs.Base, cs.Background, Bold}, // padding of a selected cell
		{2, 4, ' ', cs.Base, cs.Background, Bold}, // separator in the cell's style
		{2, 5, '1', cu.Base, cu.Background, Bold}, // opaque
		{2, 10, '7', cu.Emphasis[0], DefaultColor, Bold},
		{3, 0, 'E', DefaultColor, DefaultColor, 0}, // pen reset after the table
	})

	// Coordinates: columns that do not fit are dropped, rows beyond the
	// height are dropped, the cursor ends below the last drawn row.
	s = frame(5, 20, dcs("table;1/1/10/2;3;3;"+strings.Join([]string{
		enc("Name"), enc("Tabs"), enc("Id"),
		enc("main"), enc("3"), enc("12345"),
		enc("dev"), enc("10"), enc("7"),
	}, ";")))
	want = []string{"", " Name Tabs", " main 3", "", ""}
	if got := s.Lines(); !slices.Equal(got, want) {
		t.Fatalf("clipped Lines() = %q, want %q", got, want)
	}
	if r, c := s.Cursor(); r != 3 || c != 1 {
		t.Fatalf("Cursor() = %d,%d", r, c)
	}

	// A short last row and a bad cell (dropped, shifting the rest).
	s = frame(4, 20, dcs("table;2;2;"+enc("A")+";"+enc("B")+";999;"+enc("C")))
	want = []string{"A B", "C", "", ""}
	if got := s.Lines(); !slices.Equal(got, want) {
		t.Fatalf("short Lines() = %q, want %q", got, want)
	}

	for _, bad := range []string{"table;0;1;65", "table;x;1;65", "table;1", "table"} {
		if got := frame(1, 10, "a"+dcs(bad)+"b").Lines()[0]; got != "ab" {
			t.Errorf("%q drew %q", bad, got)
		}
	}
}

func TestNestedList(t *testing.T) {
	st := DefaultStyle()
	lu, ls := st.ListUnselected, st.ListSelected
	s := frame(5, 20, dcs("nested_list;"+enc("one")+";|"+enc("two")+";||x"+enc("three")+";|z0$"+enc("four"))+"!")
	want := []string{" > one", "   - two", "     > three", "   - four   !", ""}
	if got := s.Lines(); !slices.Equal(got, want) {
		t.Fatalf("Lines() = %q, want %q", got, want)
	}
	checkCells(t, s, []cellWant{
		{0, 1, '>', lu.Base, DefaultColor, 0},
		{0, 3, 'o', lu.Base, DefaultColor, Bold},
		{0, 6, ' ', lu.Base, DefaultColor, Bold}, // padded to the widest item (12)
		{2, 0, ' ', ls.Base, ls.Background, 0},
		{2, 5, '>', ls.Base, ls.Background, 0},
		{2, 7, 't', ls.Base, ls.Background, Bold},
		{3, 5, 'f', lu.Emphasis[0], lu.Background, Bold},
		{3, 12, '!', DefaultColor, DefaultColor, 0}, // pen reset after the list
	})

	// Coordinates: each item on its own row, clipped and padded to width,
	// rows beyond the height dropped.
	s = frame(4, 20, dcs("nested_list;2/1/8/2;"+enc("abcdefgh")+";|"+enc("b")+";"+enc("c"))+"|")
	want = []string{"", "   > abcde", "     - b  |", ""}
	if got := s.Lines(); !slices.Equal(got, want) {
		t.Fatalf("coords Lines() = %q, want %q", got, want)
	}
}

func TestHostileComponentsStayBounded(t *testing.T) {
	// A huge width would pad a billion blanks; the frame's budget stops it.
	in := strings.Repeat(dcs("text;0/0/999999999/;z"+enc("a")), 50) + "\x1b[Hend"
	s := frame(3, 10, in)
	if got := s.Lines()[0]; got != "end" {
		t.Fatalf("Lines()[0] = %q", got)
	}
	// A long run of digits is searched for coordinates in linear time.
	digits := strings.Repeat("1", maxDCSPayload-20)
	s = frame(1, 10, dcs("text;"+digits+";"+enc("ok")))
	if got := s.Lines()[0]; got != "ok" {
		t.Fatalf("Lines()[0] = %q", got)
	}
	// Table cells padded to a very wide column do not materialise.
	wide := enc(strings.Repeat("w", 20000))
	cells := strings.Repeat(enc("x")+";", 20000)
	s = frame(2, 10, dcs("table;1;1;"+wide+";"+cells))
	if r, c := s.Size(); r != 2 || c != 10 {
		t.Fatalf("Size() = %d,%d", r, c)
	}
	// Each UI component starts from a fresh text parser.
	s = frame(1, 10, dcs("text;"+enc("a\x1b["))+dcs("text;"+enc("1mb")))
	if got := s.Lines()[0]; got != "a1mb" {
		t.Fatalf("Lines()[0] = %q", got)
	}
}
