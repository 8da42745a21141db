package ui

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/<name>.golden, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestTextSerialized(t *testing.T) {
	tests := []struct {
		name string
		text Text
		want string
	}{
		{"plain", NewText("ab"), "97,98"},
		{"empty", NewText(""), ""},
		// The strider search line: levels 0 and 1 empty, 0-5 at 2, 6 at 3.
		{"strider find", NewText("FIND: _").ColorRange(Emphasis2, 0, 6).Color(Emphasis3, 6),
			"$$0,1,2,3,4,5$6$70,73,78,68,58,32,95"},
		{"flags order", NewText("x").Disabled().Opaque().Selected(), "xzd120"},
		{"flags with indices", NewText("ab").Disabled().Color(0, 0, 1), "d0,1$97,98"},
		{"range clipped", NewText("abc").ColorRange(1, -5, 99), "$0,1,2$97,98,99"},
		{"empty range ignored", NewText("abc").ColorRange(1, 2, 2), "97,98,99"},
		{"negative level ignored", NewText("a").Color(-1, 0), "97"},
		{"negative index dropped", NewText("ab").Color(0, -1, 1), "1$97,98"},
		{"color all", NewText("héé").ColorAll(0), "0,1,2$104,195,169,195,169"},
		// Indices count runes: "é" is one character but two bytes.
		{"substring runes", NewText("é-ab-ab").ColorSubstring(1, "ab"), "$2,3,5,6$195,169,45,97,98,45,97,98"},
		{"substring absent", NewText("abc").ColorSubstring(1, "zz"), "97,98,99"},
		{"dim level", NewText("ab").Color(Dim, 1), "$$$$1$97,98"},
		{"semicolon is data", NewText("a;b"), "97,59,98"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.text.Serialized(); got != tc.want {
				t.Errorf("Serialized() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTextIsImmutable(t *testing.T) {
	base := NewText("abcd").Color(0, 0)
	a := base.Color(0, 1)
	b := base.Color(0, 2).Selected()
	if got := base.Serialized(); got != "0$97,98,99,100" {
		t.Errorf("base changed: %q", got)
	}
	if got := a.Serialized(); got != "0,1$97,98,99,100" {
		t.Errorf("a = %q", got)
	}
	if got := b.Serialized(); got != "x0,2$97,98,99,100" {
		t.Errorf("b = %q", got)
	}
}

func TestComponentsGolden(t *testing.T) {
	table := NewTable().
		AddRow("Name", "Size").
		AddStyledRow(NewText("main.go").Selected().ColorAll(Emphasis0), NewText("12 KiB")).
		AddRow("short") // padded with an empty cell
	cases := []struct {
		name string
		c    Component
		at   *Coordinates
	}{
		{"text", NewText("FIND: _").ColorRange(Emphasis2, 0, 6).Color(Emphasis3, 6), nil},
		{"text at", NewText("hi").Opaque(), At(3, 1)},
		{"text at sized", NewText("hi"), At(0, 2).Sized(10, 0)},
		{"text at height only", NewText("hi"), At(5, 5).Sized(0, 3)},
		{"ribbon", AsRibbon(NewText("Tab #1").Selected()), nil},
		{"ribbon at", AsRibbon(NewText("Tab #2")), At(8, 0).Sized(12, 1)},
		{"table", table, nil},
		{"table at", NewTable().AddRow("a", "b").AddRow("c", "d"), At(1, 2).Sized(10, 0)},
		{"table empty", NewTable(), nil},
		{"nested list", NestedList{Item("src", 0), Item("main.go", 1), {Text: NewText("ui").Selected(), Indent: 2}}, nil},
		{"nested list at", NestedList{Item("one", 0)}, At(0, 0).Sized(20, 5)},
		{"nested list empty", NestedList{}, nil},
	}
	var out bytes.Buffer
	for _, tc := range cases {
		var s string
		if tc.at == nil {
			s = Serialize(tc.c)
		} else {
			s = SerializeAt(tc.c, tc.at)
		}
		if !strings.HasPrefix(s, "\x1bPz") || !strings.HasSuffix(s, "\x1b\\") || strings.Count(s, "\x1b") != 2 {
			t.Errorf("%s: not one DCS sequence: %q", tc.name, s)
		}
		var w bytes.Buffer
		if err := Print(&w, tc.c, tc.at); err != nil || w.String() != s {
			t.Errorf("%s: Print wrote %q, %v; want %q", tc.name, w.String(), err, s)
		}
		fmt.Fprintf(&out, "%s: %q\n", tc.name, s)
	}
	golden(t, "components", out.Bytes())
}

func TestTableShape(t *testing.T) {
	tb := NewTable().AddRow("a").AddRow("b", "c", "d")
	if tb.Rows() != 2 || tb.Columns() != 3 {
		t.Fatalf("rows, cols = %d, %d; want 2, 3", tb.Rows(), tb.Columns())
	}
	got := Serialize(tb)
	// 3 columns x 2 rows = 6 cells, separated by 5 semicolons after the counts.
	body := strings.TrimSuffix(strings.TrimPrefix(got, "\x1bPztable;3;2;"), "\x1b\\")
	if n := strings.Count(body, ";"); n != 5 {
		t.Errorf("cells separators = %d in %q, want 5", n, body)
	}
}

func TestSGR(t *testing.T) {
	tests := []struct {
		name  string
		style Style
		want  string
	}{
		{"zero", Style{}, "\x1b[0m"},
		{"bold rgb", Style{Bold: true, Fg: RGB(255, 0, 10)}, "\x1b[0;1;38;2;255;0;10m"},
		{"index bg", Style{Bg: Index(238)}, "\x1b[0;48;5;238m"},
		{"all flags", Style{Bold: true, Dim: true, Italic: true, Underline: true, Reverse: true, Fg: Index(2), Bg: RGB(1, 2, 3)},
			"\x1b[0;1;2;3;4;7;38;5;2;48;2;1;2;3m"},
	}
	for _, tc := range tests {
		if got := tc.style.SGR(); got != tc.want {
			t.Errorf("%s: SGR() = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := Foreground(Index(1)).Paint("x"); got != "\x1b[0;38;5;1mx\x1b[0m" {
		t.Errorf("Paint = %q", got)
	}
	if got := MoveTo(0, 4); got != "\x1b[1;5H" {
		t.Errorf("MoveTo = %q", got)
	}
	if r, g, b, ok := RGB(1, 2, 3).RGBValues(); !ok || r != 1 || g != 2 || b != 3 {
		t.Errorf("RGBValues = %d %d %d %v", r, g, b, ok)
	}
	if _, _, _, ok := Index(3).RGBValues(); ok {
		t.Error("indexed colour reported as RGB")
	}
	if n, ok := Index(3).IndexValue(); !ok || n != 3 {
		t.Errorf("IndexValue = %d %v", n, ok)
	}
	if (Color{}).IsSet() {
		t.Error("zero colour is set")
	}
}

func TestWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"héllo", 5},
		{"e\u0301", 1}, // combining acute
		{"日本", 4},
		{"🚀x", 3},
		{"a\tb", 2}, // control characters take no cell
		{"ｈｉ", 4},   // fullwidth
		{"a\x7fb", 2},
		{"ab 日 ·\x00e\u0301", 8}, // ASCII first, then the rest
	}
	for _, tc := range tests {
		if got := Width(tc.s); got != tc.want {
			t.Errorf("Width(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

// FuzzWidth checks Width (which counts ASCII bytewise) against the sum of
// RuneWidth over the runes.
func FuzzWidth(f *testing.F) {
	for _, s := range []string{"", "abc", "a\tb\x7f", "日本 x", "\xff\xfe", "e\u0301…"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := 0
		for _, r := range s {
			want += RuneWidth(r)
		}
		if got := Width(s); got != want {
			t.Errorf("Width(%q) = %d, sum of RuneWidth = %d", s, got, want)
		}
	})
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		s     string
		width int
		tail  string
		want  string
	}{
		{"hello", 10, "…", "hello"},
		{"hello", 5, "…", "hello"},
		{"hello world", 5, "…", "hell…"},
		{"hello", 3, "", "hel"},
		{"日本語", 5, "", "日本"},
		{"日本語", 4, "…", "日…"},
		{"abc", 0, "…", ""},
		{"abc", 1, "..", "a"}, // the tail does not fit: plain cut
	}
	for _, tc := range tests {
		got := Truncate(tc.s, tc.width, tc.tail)
		if got != tc.want {
			t.Errorf("Truncate(%q, %d, %q) = %q, want %q", tc.s, tc.width, tc.tail, got, tc.want)
		}
		if Width(got) > tc.width {
			t.Errorf("Truncate(%q, %d) = %q is wider than %d", tc.s, tc.width, got, tc.width)
		}
	}
}

func BenchmarkTableComponent(b *testing.B) {
	tb := NewTable().AddRow("Name", "Size", "Modified")
	for i := 0; i < 50; i++ {
		tb.AddStyledRow(NewText(fmt.Sprintf("file-%03d.go", i)).ColorRange(Emphasis0, 0, 4), NewText("12 KiB"), NewText("2026-11-23"))
	}
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = tb.AppendComponent(buf[:0], nil)
	}
	b.SetBytes(int64(len(buf)))
}
