package screen

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// term feeds input to a fresh terminal and returns it with its replies.
func term(rows, cols int, input string) (*Screen, *[]string) {
	var replies []string
	s := NewTerminal(rows, cols, Options{Reply: func(p []byte) { replies = append(replies, string(p)) }})
	s.Write([]byte(input))
	return s, &replies
}

func TestTerminalLineFeed(t *testing.T) {
	// LF is a pure index on a terminal (the pty adds CR), CR+LF with LNM.
	s, _ := term(3, 10, "ab\ncd\x1b[20h\nef")
	if got := s.Lines(); !slices.Equal(got, []string{"ab", "  cd", "ef"}) {
		t.Fatalf("Lines() = %q", got)
	}
}

func TestInsertDeleteLineCursor(t *testing.T) {
	// IL and DL inside a region leave the cursor at column 0 of the same
	// row, as DEC terminals and xterm do (tmux keeps the column; vim
	// addresses the cursor after either way).
	for _, seq := range []string{"\x1b[2L", "\x1b[2M"} {
		s, _ := term(6, 10, "1\r\n2\r\n3\r\n4\r\n5\r\n6\x1b[2;5r\x1b[3;4H"+seq)
		if y, x := s.Cursor(); y != 2 || x != 0 {
			t.Errorf("%q: cursor (%d,%d), want (2,0)", seq, y, x)
		}
	}
	s, _ := term(6, 10, "1\r\n2\r\n3\r\n4\r\n5\r\n6\x1b[2;5r\x1b[3;4H\x1b[2LX")
	if got := s.Lines(); !slices.Equal(got, []string{"1", "2", "X", "", "3", "6"}) {
		t.Errorf("IL in region: %q", got)
	}
	s, _ = term(6, 10, "1\r\n2\r\n3\r\n4\r\n5\r\n6\x1b[2;5r\x1b[3;4H\x1b[2MX")
	if got := s.Lines(); !slices.Equal(got, []string{"1", "2", "X", "", "", "6"}) {
		t.Errorf("DL in region: %q", got)
	}
	// Outside the region IL/DL do nothing.
	s, _ = term(4, 10, "1\r\n2\r\n3\r\n4\x1b[2;3r\x1b[4;1H\x1b[L")
	if got := s.Lines(); !slices.Equal(got, []string{"1", "2", "3", "4"}) {
		t.Errorf("IL outside region: %q", got)
	}
}

func TestScrollRegionBounds(t *testing.T) {
	// The region's last row scrolls; the status line below stays.
	s, _ := term(4, 10, "\x1b[4;1Hstatus\x1b[1;3r\x1b[1;1Ha\r\nb\r\nc\r\nd\r\ne")
	if got := s.Lines(); !slices.Equal(got, []string{"c", "d", "e", "status"}) {
		t.Fatalf("Lines() = %q", got)
	}
	// Invalid regions are ignored.
	s, _ = term(4, 10, "\x1b[3;2r\x1b[4;1Hx\n")
	if got := s.Lines(); !slices.Equal(got, []string{"", "", "x", ""}) {
		t.Fatalf("invalid region: %q", got)
	}
}

func TestReplies(t *testing.T) {
	_, r := term(5, 10, "\x1b[c\x1b[>c\x1b[5n\x1b[3;4H\x1b[6n\x1b[?2004h\x1b[?2004$p\x1b[?1$p\x1b[4$p\x1b[?9999$p")
	want := []string{"\x1b[?62;22c", "\x1b[>1;10;0c", "\x1b[0n", "\x1b[3;4R", "\x1b[?2004;1$y", "\x1b[?1;2$y", "\x1b[4;2$y", "\x1b[?9999;0$y"}
	if !slices.Equal(*r, want) {
		t.Fatalf("replies %q, want %q", *r, want)
	}
	// Origin mode reports relative to the region; frames never reply.
	_, r = term(5, 10, "\x1b[2;4r\x1b[?6h\x1b[2;3H\x1b[6n")
	if !slices.Equal(*r, []string{"\x1b[2;3R"}) {
		t.Fatalf("origin CPR %q", *r)
	}
	s := NewTerminal(2, 2, Options{Reply: func([]byte) { t.Fatal("a frame replied") }})
	s.Frame([]byte("\x1b[c\x1b[6n"))
}

func TestModes(t *testing.T) {
	s, _ := term(3, 10, "\x1b[?1h\x1b=\x1b[?2004h\x1b[?1002h\x1b[?1006h\x1b[?25l\x1b[4h\x1b[?1004h")
	want := Modes{AppCursor: true, AppKeypad: true, BracketedPaste: true, Mouse: MouseButton, MouseSGR: true,
		Insert: true, AutoWrap: true, FocusEvents: true}
	if got := s.Modes(); got != want {
		t.Fatalf("Modes() = %+v, want %+v", got, want)
	}
	s.Write([]byte("\x1b[?1003h\x1b[?1002l\x1b>\x1b[!p"))
	if m := s.Modes(); m.Mouse != MouseAny || m.AppKeypad || m.Insert || !m.CursorVisible {
		t.Fatalf("after 1003h/1002l/DECSTR: %+v", m)
	}
}

func TestAltScreen(t *testing.T) {
	s, _ := term(3, 10, "main\r\nsecond\x1b[?1049h\x1b[H\x1b[31malt")
	if !s.Modes().AltScreen || !slices.Equal(s.Lines(), []string{"alt", "", ""}) {
		t.Fatalf("alt: %q %+v", s.Lines(), s.Modes())
	}
	// Lines scrolled on the alternate screen do not enter scrollback.
	s.Write([]byte("\n\n\n\n"))
	if s.ScrollbackLen() != 0 {
		t.Fatalf("alternate screen scrolled into scrollback: %q", s.Scrollback(-1))
	}
	s.Write([]byte("\x1b[?1049lX"))
	if got := s.Lines(); !slices.Equal(got, []string{"main", "secondX", ""}) {
		t.Fatalf("back on main: %q", got)
	}
	if c := s.Cell(1, 6); c.FG != DefaultColor {
		t.Fatalf("pen not restored: %+v", c)
	}
	// 47 keeps the alternate content, 1047 clears it on leaving.
	s.Write([]byte("\x1b[?47h\x1b[Hkeep\x1b[?47l\x1b[?47h"))
	if s.Lines()[0] != "keep" {
		t.Fatalf("47: %q", s.Lines())
	}
	s.Write([]byte("\x1b[?47l\x1b[?1047h\x1b[?1047l\x1b[?47h"))
	if s.Lines()[0] != "" {
		t.Fatalf("1047 did not clear: %q", s.Lines())
	}
}

func TestTitleAndOSC(t *testing.T) {
	s, _ := term(1, 10, "\x1b]0;first\x07\x1b]2;sec\x01ond\x1b\\\x1b]8;;http://x\x1b\\a\x1b]1;icon\x07")
	if s.Title() != "second" || s.Lines()[0] != "a" {
		t.Fatalf("title %q, lines %q", s.Title(), s.Lines())
	}
	s.Write([]byte("\x1b]2;" + strings.Repeat("t", 10000) + "\x07"))
	if len(s.Title()) > maxOSC {
		t.Fatalf("title of %d bytes kept", len(s.Title()))
	}
}

func TestLineDrawing(t *testing.T) {
	s, _ := term(2, 10, "\x1b(0lqqk\x1b(B x\x0e\x1b)0\x0exq\x0fq")
	if got := s.Lines()[0]; got != "┌──┐ x│─q" {
		t.Fatalf("Lines()[0] = %q", got)
	}
}

func TestSplitWrites(t *testing.T) {
	in := "\x1b[1;31m漢字\x1b[0m e\u0301 \x1b]2;title\x07\x1b[2;3Hx\x1b[?1049h\x1b[?1049l"
	whole, _ := term(3, 20, in)
	for cut := 1; cut < len(in); cut++ {
		s := NewTerminal(3, 20, Options{})
		s.Write([]byte(in[:cut]))
		s.Write([]byte(in[cut:]))
		if s.ANSI() != whole.ANSI() || s.Title() != whole.Title() {
			t.Fatalf("split at %d: %q, want %q", cut, s.ANSI(), whole.ANSI())
		}
	}
}

func TestWideEdits(t *testing.T) {
	// Writing over either half of a wide character blanks the other half.
	s, _ := term(1, 10, "漢字漢字\x1b[2G!\x1b[5G?")
	if got := s.Lines()[0]; got != " !字? 字" {
		t.Fatalf("Lines()[0] = %q", got)
	}
	// ICH in the middle of a wide character splits it into blanks.
	s, _ = term(1, 10, "ab漢字cd\x1b[6G\x1b[1@Z")
	if got := s.Lines()[0]; got != "ab漢 Z cd" {
		t.Fatalf("ICH: %q", got)
	}
	// REP repeats the last character, wide ones too.
	s, _ = term(1, 10, "字\x1b[2b")
	if got := s.Lines()[0]; got != "字字字" {
		t.Fatalf("REP: %q", got)
	}
}

func TestScrollbackPacking(t *testing.T) {
	s := NewTerminal(3, 20, Options{Scrollback: 5})
	for i := range 10 {
		fmt.Fprintf(s, "\x1b[1;3%dmline %d\x1b[0m plain \x1b[44m  \x1b[0m e\u0301 漢\r\n", i%8, i)
	}
	if s.ScrollbackLen() != 5 {
		t.Fatalf("ScrollbackLen() = %d", s.ScrollbackLen())
	}
	got := s.Scrollback(-1)
	if got[0] != "line 3 plain    e\u0301 漢" || got[4] != "line 7 plain    e\u0301 漢" {
		t.Fatalf("Scrollback = %q", got)
	}
	if last := s.Scrollback(2); !slices.Equal(last, got[3:]) {
		t.Fatalf("Scrollback(2) = %q", last)
	}
	// The ANSI form reproduces the cells: replay it and compare.
	ansi := s.ScrollbackANSI(1)
	want := "\x1b[1;37mline 7\x1b[0m plain \x1b[44m  \x1b[49m e\u0301 漢\n"
	if ansi != want {
		t.Fatalf("ScrollbackANSI(1) = %q, want %q", ansi, want)
	}
	// Default-style lines cost their text and a small header.
	s = NewTerminal(2, 80, Options{})
	for range 100 {
		s.Write([]byte(strings.Repeat("x", 60) + "\r\n"))
	}
	if n := decodeLine(s.hist.line(0)).size; n > 64 {
		t.Fatalf("plain 60-byte line packed in %d bytes", n)
	}
	s.Write([]byte("\x1b[3J"))
	if s.ScrollbackLen() != 0 {
		t.Fatal("CSI 3 J kept scrollback")
	}
	// A cleared screen's content goes to scrollback (as in tmux).
	s, _ = term(3, 10, "a\r\nb\x1b[2J")
	if got := s.Scrollback(-1); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("after ED 2: %q", got)
	}
}

func TestScrollbackDropsBlocks(t *testing.T) {
	s := NewTerminal(2, 80, Options{Scrollback: 1000})
	line := []byte(strings.Repeat("y", 79) + "\r\n")
	for range 20000 {
		s.Write(line)
	}
	if s.ScrollbackLen() != 1000 {
		t.Fatalf("ScrollbackLen() = %d", s.ScrollbackLen())
	}
	if n := len(s.hist.blocks); n > 1000*85/histBlock+2 {
		t.Fatalf("%d blocks kept for 1000 lines", n)
	}
}

func TestTerminalResize(t *testing.T) {
	s, _ := term(4, 10, "one\r\ntwo\r\nthree\r\nfour")
	s.Resize(2, 10)
	if got := s.Lines(); !slices.Equal(got, []string{"three", "four"}) {
		t.Fatalf("shrunk: %q", got)
	}
	if y, x := s.Cursor(); y != 1 || x != 4 {
		t.Fatalf("cursor (%d,%d)", y, x)
	}
	if got := s.Scrollback(-1); !slices.Equal(got, []string{"one", "two"}) {
		t.Fatalf("scrollback %q", got)
	}
	// Growing pulls lines back from scrollback.
	s.Resize(5, 6)
	if got := s.Lines(); !slices.Equal(got, []string{"one", "two", "three", "four", ""}) {
		t.Fatalf("grown: %q", got)
	}
	if y, _ := s.Cursor(); y != 3 || s.ScrollbackLen() != 0 {
		t.Fatalf("cursor row %d, scrollback %d", y, s.ScrollbackLen())
	}
	// Blank rows below the cursor go first.
	s, _ = term(5, 10, "a\r\nb")
	s.Resize(3, 10)
	if got := s.Lines(); !slices.Equal(got, []string{"a", "b", ""}) || s.ScrollbackLen() != 0 {
		t.Fatalf("shrunk below cursor: %q", got)
	}
	if d := s.Damage(); len(d) != 3 {
		t.Fatalf("Damage() after resize = %v", d)
	}
}

func TestDamage(t *testing.T) {
	s, _ := term(4, 10, "abc")
	s.ClearDamage()
	if d := s.Damage(); d != nil {
		t.Fatalf("Damage() = %v after clear", d)
	}
	s.Write([]byte("\x1b[3;1Hx\x1b[2;1H\x1b[K"))
	if d := s.Damage(); !slices.Equal(d, []int{1, 2}) {
		t.Fatalf("Damage() = %v", d)
	}
	s.ClearDamage()
	s.Write([]byte("\x1b[4;1H\n"))
	if d := s.Damage(); !slices.Equal(d, []int{0, 1, 2, 3}) {
		t.Fatalf("Damage() after scroll = %v", d)
	}
}

func TestDECALNAndRIS(t *testing.T) {
	s, _ := term(2, 3, "\x1b#8")
	if got := s.Lines(); !slices.Equal(got, []string{"EEE", "EEE"}) {
		t.Fatalf("DECALN: %q", got)
	}
	s.Write([]byte("\x1b[?25l\x1b[2;2r\x1bc"))
	if m := s.Modes(); !m.CursorVisible || s.Lines()[0] != "" {
		t.Fatalf("RIS: %+v %q", m, s.Lines())
	}
}

func TestTabStops(t *testing.T) {
	s, _ := term(1, 30, "\x1b[3g\x1b[5G\x1bH\x1b[12G\x1bH\x1b[1Ga\tb\tc\x1b[Zd")
	if got := s.Lines()[0]; got != "a   b      d" {
		t.Fatalf("Lines()[0] = %q", got)
	}
}
