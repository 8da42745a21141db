package screen

import (
	"slices"
	"strings"
	"testing"
)

// frame renders input on a fresh rows × cols screen with the default style.
func frame(rows, cols int, input string) *Screen {
	s := New(rows, cols)
	s.Frame([]byte(input))
	return s
}

func TestControls(t *testing.T) {
	tests := []struct {
		name       string
		rows, cols int
		in         string
		want       []string
		row, col   int // expected cursor
	}{
		{"plain", 2, 10, "abc", []string{"abc", ""}, 0, 3},
		{"lf is cr+lf", 3, 10, "ab\ncd", []string{"ab", "cd", ""}, 1, 2},
		{"host lf cr", 3, 10, "ab\n\rcd\n\r", []string{"ab", "cd", ""}, 2, 0},
		{"cr overwrites", 1, 10, "abcd\rXY", []string{"XYcd"}, 0, 2},
		{"bs", 1, 10, "abc\b\bX", []string{"aXc"}, 0, 2},
		{"bs at col 0", 1, 10, "\bX", []string{"X"}, 0, 1},
		{"tab", 1, 20, "a\tb\tc", []string{"a       b       c"}, 0, 17},
		{"tab clamps", 1, 10, "abcdefghi\tX", []string{"abcdefghiX"}, 0, 10},
		{"wrap", 3, 4, "abcdefghij", []string{"abcd", "efgh", "ij"}, 2, 2},
		{"full line then lf", 3, 4, "abcd\nef", []string{"abcd", "ef", ""}, 1, 2},
		{"scroll", 2, 5, "1\n2\n3\n4", []string{"3", "4"}, 1, 1},
		{"scroll by wrap", 2, 2, "abcdef", []string{"cd", "ef"}, 1, 2},
		{"cup", 3, 10, "\x1b[2;3HX", []string{"", "  X", ""}, 1, 3},
		{"cup f", 3, 10, "\x1b[3;1fX", []string{"", "", "X"}, 2, 1},
		{"cup home", 2, 10, "abc\x1b[HX", []string{"Xbc", ""}, 0, 1},
		{"cup defaults", 2, 10, "abc\x1b[;2HX", []string{"aXc", ""}, 0, 2},
		{"cup clamps", 2, 5, "\x1b[99;99HX", []string{"", "    X"}, 1, 5},
		{"cup zero", 2, 5, "\x1b[0;0HX", []string{"X", ""}, 0, 1},
		{"cuu cud", 3, 10, "\x1b[3;1Ha\x1b[2Ab\x1b[Bc", []string{" b", "  c", "a"}, 1, 3},
		{"cuf cub", 1, 10, "a\x1b[3Cb\x1b[2Dc", []string{"a  cb"}, 0, 4},
		{"cub clamps", 1, 10, "ab\x1b[9DX", []string{"Xb"}, 0, 1},
		{"cha", 1, 10, "abc\x1b[6GX\x1b[GY", []string{"Ybc  X"}, 0, 1},
		{"vpa", 3, 10, "ab\x1b[3dX", []string{"ab", "", "  X"}, 2, 3},
		{"cnl cpl", 3, 10, "ab\x1b[2EX\x1b[FY", []string{"ab", "Y", "X"}, 1, 1},
		{"el 0", 1, 10, "abcdef\x1b[3G\x1b[K", []string{"ab"}, 0, 2},
		{"el 0 explicit", 1, 10, "abcdef\x1b[3G\x1b[0K", []string{"ab"}, 0, 2},
		{"el 1", 1, 10, "abcdef\x1b[3G\x1b[1K", []string{"   def"}, 0, 2},
		{"el 2", 1, 10, "abcdef\x1b[3G\x1b[2K", []string{""}, 0, 2},
		{"el after full line keeps it", 1, 4, "abcd\x1b[K", []string{"abcd"}, 0, 4},
		{"ed 0", 3, 5, "aaa\nbbb\nccc\x1b[2;2H\x1b[J", []string{"aaa", "b", ""}, 1, 1},
		{"ed 1", 3, 5, "aaa\nbbb\nccc\x1b[2;2H\x1b[1J", []string{"", "  b", "ccc"}, 1, 1},
		{"ed 2", 3, 5, "aaa\nbbb\nccc\x1b[2J", []string{"", "", ""}, 2, 3},
		{"ech", 1, 10, "abcdef\x1b[2G\x1b[3X", []string{"a   ef"}, 0, 1},
		{"save restore", 2, 10, "ab\x1b7\x1b[2;5Hx\x1b8c", []string{"abc", "    x"}, 0, 3},
		{"save restore csi", 2, 10, "ab\x1b[s\x1b[2;5Hx\x1b[uc", []string{"abc", "    x"}, 0, 3},
		{"restore without save", 1, 10, "ab\x1b8c", []string{"cb"}, 0, 1},
		{"index and nel", 3, 10, "ab\x1bDc\x1bEd", []string{"ab", "  c", "d"}, 2, 1},
		{"reverse index scrolls", 2, 10, "ab\nc\x1b[H\x1bMz", []string{"z", "ab"}, 0, 1},
		{"osc ignored bel", 1, 10, "a\x1b]0;title\x07b", []string{"ab"}, 0, 2},
		{"osc ignored st", 1, 10, "a\x1b]8;;http://x\x1b\\b", []string{"ab"}, 0, 2},
		{"unknown csi", 1, 10, "a\x1b[?25lb\x1b[5nc\x1b[>1;2zd", []string{"abcd"}, 0, 4},
		{"unknown esc", 1, 10, "a\x1b(Bb\x1b=c\x1b#8d", []string{"abcd"}, 0, 4},
		{"apc ignored", 1, 10, "a\x1b_Gf=1;AAAA\x1b\\b", []string{"ab"}, 0, 2},
		{"other dcs ignored", 1, 10, "a\x1bP1$qm\x1b\\b", []string{"ab"}, 0, 2},
		{"can aborts csi", 1, 10, "a\x1b[3\x18Cb", []string{"aCb"}, 0, 3},
		{"esc restarts csi", 1, 10, "a\x1b[3\x1b[1Gb", []string{"b"}, 0, 1},
		{"controls inside csi", 2, 10, "a\x1b[\n2Cb", []string{"a", "  b"}, 1, 3},
		{"bel and nul ignored", 1, 10, "a\x07\x00b", []string{"ab"}, 0, 2},
		{"utf8", 1, 10, "héllo", []string{"héllo"}, 0, 5},
		{"invalid utf8", 1, 10, "a\xffb\xc3", []string{"a\ufffdb"}, 0, 3},
		{"truncated utf8", 1, 10, "a\xe2\x82b", []string{"a\ufffdb"}, 0, 3},
		{"wide", 1, 10, "a世b", []string{"a世b"}, 0, 4},
		{"wide wraps early", 2, 3, "ab世", []string{"ab", "世"}, 1, 2},
		{"wide in 1 col", 1, 1, "世a", []string{"a"}, 0, 1},
		{"overwrite wide half", 1, 10, "世\x1b[2Gx", []string{" x"}, 0, 2},
		{"overwrite wide lead", 1, 10, "世\x1b[1Gx", []string{"x"}, 0, 1},
		{"combining", 1, 10, "e\u0301x", []string{"e\u0301x"}, 0, 2},
		{"combining at start dropped", 1, 10, "\u0301x", []string{"x"}, 0, 1},
		{"zwj emoji", 1, 10, "a\u200db", []string{"a\u200db"}, 0, 2},
		{"zero size", 0, 0, "abc\n\x1b[5;5Hx\x1b[2J", []string{}, 0, 0},
		{"zero cols", 2, 0, "abc\ndef", []string{"", ""}, 1, 0},
		{"ris", 2, 10, "abc\nd\x1bcX", []string{"X", ""}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := frame(tt.rows, tt.cols, tt.in)
			if got := s.Lines(); !slices.Equal(got, tt.want) {
				t.Errorf("Lines() = %q, want %q", got, tt.want)
			}
			if r, c := s.Cursor(); r != tt.row || c != tt.col {
				t.Errorf("Cursor() = (%d,%d), want (%d,%d)", r, c, tt.row, tt.col)
			}
		})
	}
}

func TestSGR(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		fg, bg Color
		attrs  Attr
	}{
		{"none", "x", DefaultColor, DefaultColor, 0},
		{"bold", "\x1b[1mx", DefaultColor, DefaultColor, Bold},
		{"all attrs", "\x1b[1;2;3;4;5;7;8;9mx", DefaultColor, DefaultColor, Bold | Dim | Italic | Underline | Blink | Reverse | Hidden | Strike},
		{"fast blink", "\x1b[6mx", DefaultColor, DefaultColor, Blink},
		{"resets", "\x1b[1;2;3;4;5;7;8;9m\x1b[22;23;24;25;27;28;29mx", DefaultColor, DefaultColor, 0},
		{"21 resets bold", "\x1b[1;3m\x1b[21mx", DefaultColor, DefaultColor, Italic},
		{"reset 0", "\x1b[1;31;42m\x1b[0mx", DefaultColor, DefaultColor, 0},
		{"reset empty", "\x1b[1;31;42m\x1b[mx", DefaultColor, DefaultColor, 0},
		{"reset empty param", "\x1b[1;31;42m\x1b[;4mx", DefaultColor, DefaultColor, Underline},
		{"basic fg bg", "\x1b[31;42mx", Indexed(1), Indexed(2), 0},
		{"bright fg bg", "\x1b[97;100mx", Indexed(15), Indexed(8), 0},
		{"default fg bg", "\x1b[31;42m\x1b[39;49mx", DefaultColor, DefaultColor, 0},
		{"256", "\x1b[38;5;208;48;5;17mx", Indexed(208), Indexed(17), 0},
		{"truecolor", "\x1b[38;2;1;2;3;48;2;250;251;252mx", RGB(1, 2, 3), RGB(250, 251, 252), 0},
		{"truecolor then bold", "\x1b[38;2;1;2;3;1mx", RGB(1, 2, 3), DefaultColor, Bold},
		{"colon 256", "\x1b[38:5:208;48:5:17mx", Indexed(208), Indexed(17), 0},
		{"colon rgb", "\x1b[38:2:1:2:3mx", RGB(1, 2, 3), DefaultColor, 0},
		{"colon rgb colorspace", "\x1b[38:2::1:2:3;1mx", RGB(1, 2, 3), DefaultColor, Bold},
		{"colon underline style", "\x1b[4:3mx", DefaultColor, DefaultColor, Underline},
		{"colon underline off", "\x1b[4m\x1b[4:0mx", DefaultColor, DefaultColor, 0},
		{"underline colour dropped", "\x1b[58;2;9;9;9;1mx", DefaultColor, DefaultColor, Bold},
		{"out of range ignored", "\x1b[38;5;300;1mx", DefaultColor, DefaultColor, Bold},
		{"truncated extended", "\x1b[38;5mx", DefaultColor, DefaultColor, 0},
		{"huge params saturate", "\x1b[99999999999999;1mx", DefaultColor, DefaultColor, Bold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := frame(1, 10, tt.in).Cell(0, 0)
			if c.Rune != 'x' || c.FG != tt.fg || c.BG != tt.bg || c.Attrs != tt.attrs {
				t.Errorf("cell = %q fg=%v bg=%v attrs=%q, want fg=%v bg=%v attrs=%q",
					c.Rune, c.FG, c.BG, c.Attrs, tt.fg, tt.bg, tt.attrs)
			}
		})
	}
}

func TestEraseUsesPenBackground(t *testing.T) {
	s := frame(2, 6, "ab\x1b[44m\x1b[K\n\x1b[0mc")
	for col := 2; col < 6; col++ {
		if c := s.Cell(0, col); c.BG != Indexed(4) || c.Rune != ' ' {
			t.Fatalf("cell (0,%d) = %+v, want blank on blue", col, c)
		}
	}
	if c := s.Cell(0, 1); c.BG != DefaultColor {
		t.Fatalf("cell (0,1) bg = %v, want default", c.BG)
	}
	if got, want := s.ANSI(), "ab\x1b[44m    \x1b[0m\nc\n"; got != want {
		t.Fatalf("ANSI() = %q, want %q", got, want)
	}
}

func TestWideCells(t *testing.T) {
	s := frame(1, 6, "a世")
	lead, cont := s.Cell(0, 1), s.Cell(0, 2)
	if lead.Rune != '世' || lead.Width != 2 || cont.Width != 0 || cont.Rune != 0 {
		t.Fatalf("wide cells = %+v %+v", lead, cont)
	}
	if c := s.Cell(5, 5); c.Rune != ' ' {
		t.Fatalf("outside cell = %+v", c)
	}
}

func TestFrameReplaces(t *testing.T) {
	s := New(2, 10)
	s.Frame([]byte("\x1b[31mfirst\nline two\x1b[2;3H\x1b7\x1b]0;unterminated"))
	s.Frame([]byte("x"))
	if got := s.Lines(); !slices.Equal(got, []string{"x", ""}) {
		t.Fatalf("Lines() = %q", got)
	}
	if c := s.Cell(0, 0); c.FG != DefaultColor {
		t.Fatalf("pen leaked between frames: %+v", c)
	}
	s.Frame([]byte("\x1b8y"))
	if got := s.Lines(); got[0] != "y" {
		t.Fatalf("saved cursor leaked between frames: %q", got)
	}
}

func TestResize(t *testing.T) {
	s := frame(2, 4, "ab世\ncd")
	s.Resize(3, 3)
	if r, c := s.Size(); r != 3 || c != 3 {
		t.Fatalf("Size() = %d,%d", r, c)
	}
	if got := s.Lines(); !slices.Equal(got, []string{"ab", "cd", ""}) {
		t.Fatalf("Lines() after shrink = %q", got)
	}
	s.Resize(-1, MaxDimension+5)
	if r, c := s.Size(); r != 0 || c != MaxDimension {
		t.Fatalf("Size() after clamp = %d,%d", r, c)
	}
	s.Frame([]byte("abc"))
	if len(s.Lines()) != 0 {
		t.Fatal("zero-row screen has lines")
	}
}

func TestANSIMinimal(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "ab  ", "ab\n"},
		{"one run", "\x1b[1;31mab\x1b[0m", "\x1b[1;31mab\x1b[0m\n"},
		{"only changes", "\x1b[31ma\x1b[1mb\x1b[44mc", "\x1b[31ma\x1b[1mb\x1b[44mc\x1b[0m\n"},
		{"attr off resets", "\x1b[1;31ma\x1b[22mb", "\x1b[1;31ma\x1b[0;31mb\x1b[0m\n"},
		{"back to default", "\x1b[31ma\x1b[39mb", "\x1b[31ma\x1b[39mb\n"},
		{"256 and rgb", "\x1b[38;5;200;48;2;1;2;3ma", "\x1b[38;5;200;48;2;1;2;3ma\x1b[0m\n"},
		{"wide once", "世", "世\n"},
		{"styled trailing blanks kept", "a\x1b[7m  ", "a\x1b[7m  \x1b[0m\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := frame(1, 10, tt.in).ANSI(); got != tt.want {
				t.Errorf("ANSI() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestANSIRoundTrip(t *testing.T) {
	in := "\x1b[1;38;5;154mAB\x1b[0m \x1b[3;48;2;9;8;7mC世\x1b[0m\n\x1b[4;31mtwo\x1b[24m three\x1b[0m\n\x1b[7m   \x1b[0m"
	a := frame(3, 12, in)
	b := frame(3, 12, strings.TrimSuffix(a.ANSI(), "\n"))
	for r := range 3 {
		for c := range 12 {
			if a.Cell(r, c) != b.Cell(r, c) {
				t.Fatalf("cell (%d,%d): %+v != %+v", r, c, a.Cell(r, c), b.Cell(r, c))
			}
		}
	}
}

func TestBoundedParams(t *testing.T) {
	// Thousands of parameters are dropped beyond the cap, not stored.
	in := "\x1b[" + strings.Repeat("1;", 5000) + "31mx"
	c := frame(1, 4, in).Cell(0, 0)
	if c.Rune != 'x' || c.Attrs != Bold {
		t.Fatalf("cell = %+v", c)
	}
}

func TestOversizedComponentDropped(t *testing.T) {
	payload := "text;" + strings.Repeat("65,", maxDCSPayload/3) + "66"
	s := frame(1, 10, "a\x1bPz"+payload+"\x1b\\b")
	if got := s.Lines()[0]; got != "ab" {
		t.Fatalf("Lines()[0] = %q", got)
	}
}

func TestWholeRowErase(t *testing.T) {
	s := frame(3, 4, "ab\ncd\x1b[44m\x1b[2J\x1b[0m\x1b[2;2Hx\x1b[41m\x1b[3;1H\x1b[2K")
	want := func(row, col int, r rune, bg Color) {
		t.Helper()
		if c := s.Cell(row, col); c.Rune != r || c.BG != bg {
			t.Errorf("cell (%d,%d) = %q bg=%v, want %q bg=%v", row, col, c.Rune, c.BG, r, bg)
		}
	}
	want(0, 0, ' ', Indexed(4))
	want(1, 0, ' ', Indexed(4))
	want(1, 1, 'x', DefaultColor)
	want(1, 3, ' ', Indexed(4))
	want(2, 2, ' ', Indexed(1))
	// Scrolling brings in default blank rows.
	s.Frame([]byte("\x1b[44m\x1b[2J\x1b[3;1H\n"))
	want(0, 0, ' ', Indexed(4))
	want(2, 0, ' ', DefaultColor)
	if got := s.ANSI(); got != "\x1b[44m    \x1b[0m\n\x1b[44m    \x1b[0m\n\n" {
		t.Errorf("ANSI() = %q", got)
	}
	// Reverse index at the top brings in a default blank row.
	s.Frame([]byte("\x1b[44m\x1b[2J\x1bM"))
	want(0, 0, ' ', DefaultColor)
	want(1, 0, ' ', Indexed(4))
}
