package screen

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
	"golang.org/x/tools/txtar"
)

// FuzzFrame feeds arbitrary bytes to a screen: it must never panic, keep its
// size, keep the cursor inside the grid, never produce a row wider than the
// grid, and its ANSI output must reproduce the same cells.
func FuzzFrame(f *testing.F) {
	seeds := []string{
		"", "abc\ndef", "\x1b[1;31mred\x1b[0m", "\x1b[2;3H\x1b[K\x1b[J", "世界\u0301",
		"\x1bPztext;$$0,1,2,3,4,5$6$70,73,78,68,58,32,95\x1b\\",
		"\x1bPzribbon;1/1/5/;x65,66\x1b\\", "\x1bPztable;2;2;65;66;x67;68\x1b\\",
		"\x1bPznested_list;65;|66;||x67\x1b\\", "\x1b[38:2::1:2:3m\x1b[4:3m",
	}
	files, _ := filepath.Glob("testdata/*.txtar")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, sec := range txtar.Parse(data).Files {
			if sec.Name != "input" {
				continue
			}
			var in strings.Builder
			for line := range strings.SplitSeq(strings.TrimSpace(string(sec.Data)), "\n") {
				if s, err := strconv.Unquote(line); err == nil {
					in.WriteString(s)
				}
			}
			seeds = append(seeds, in.String())
		}
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint8(6), uint8(30))
	}
	f.Fuzz(func(t *testing.T, in []byte, rows, cols uint8) {
		r, c := int(rows%40), int(cols%120)
		s := New(r, c)
		s.Frame(in)
		if gr, gc := s.Size(); gr != r || gc != c {
			t.Fatalf("size changed to %dx%d", gr, gc)
		}
		lines := s.Lines()
		if len(lines) != r {
			t.Fatalf("%d lines for %d rows", len(lines), r)
		}
		for _, l := range lines {
			if w := runewidth.StringWidth(l); w > c {
				// StringWidth measures clusters; count cells the way the grid does.
				cells := 0
				for _, ru := range l {
					cells += s.runeWidth(ru)
				}
				if cells > c {
					t.Fatalf("line %q is %d cells wide, grid has %d", l, cells, c)
				}
			}
		}
		if y, x := s.Cursor(); r > 0 && (y < 0 || y >= r || x < 0 || x > c) {
			t.Fatalf("cursor (%d,%d) outside %dx%d", y, x, r, c)
		}
		again := New(r, c)
		again.Frame([]byte(strings.TrimSuffix(s.ANSI(), "\n")))
		for y := range r {
			for x := range c {
				a, b := s.Cell(y, x), again.Cell(y, x)
				if a.Width == 0 {
					a.FG, a.BG, a.Attrs = b.FG, b.BG, b.Attrs // a right half carries no style of its own
				}
				if a != b {
					t.Fatalf("ANSI round trip differs at (%d,%d): %+v != %+v\nANSI %q", y, x, a, b, s.ANSI())
				}
			}
		}
	})
}

// FuzzTerminal feeds arbitrary bytes, in two writes with a resize between,
// to a terminal with a small scrollback: it must never panic, keep the
// cursor and scroll region inside the grid, keep every row at most cols
// cells wide, keep wide pairs whole, and keep scrollback readable.
func FuzzTerminal(f *testing.F) {
	for _, tc := range tmuxCases {
		in := tc.gen()
		f.Add(in[:min(len(in), 4096)], uint8(10), uint8(30), uint8(7))
	}
	f.Add([]byte("\x1b[2;5r\x1b[?6h\x1b[4L\x1b[?1049h漢\x1b[3@\x1b[?1049l\x1b[2J\x1b[3J"), uint8(5), uint8(3), uint8(9))
	f.Fuzz(func(t *testing.T, in []byte, rows, cols, cut uint8) {
		r, c := int(rows%30), int(cols%100)
		s := NewTerminal(r, c, Options{Scrollback: 50, Reply: func([]byte) {}})
		k := min(int(cut)*len(in)/256, len(in))
		s.Write(in[:k])
		r2, c2 := int(cols%23), int(rows%90)
		if k%3 == 0 {
			s.Resize(r2, c2)
			r, c = r2, c2
		}
		s.Write(in[k:])
		checkInvariants(t, s, r, c)
		if s.ScrollbackLen() > 50 {
			t.Fatalf("%d scrollback lines, limit 50", s.ScrollbackLen())
		}
		_ = s.Scrollback(-1)
		_ = s.ScrollbackANSI(-1)
		if n := len(s.Scrollback(-1)); n != s.ScrollbackLen() {
			t.Fatalf("Scrollback returned %d of %d lines", n, s.ScrollbackLen())
		}
	})
}

func checkInvariants(t *testing.T, s *Screen, r, c int) {
	t.Helper()
	if gr, gc := s.Size(); gr != r || gc != c {
		t.Fatalf("size %dx%d, want %dx%d", gr, gc, r, c)
	}
	if y, x := s.Cursor(); r > 0 && (y < 0 || y >= r || x < 0 || x > c) {
		t.Fatalf("cursor (%d,%d) outside %dx%d", y, x, r, c)
	}
	if r > 0 && (s.top < 0 || s.bottom > r || s.top >= s.bottom) {
		t.Fatalf("scroll region [%d,%d) in %d rows", s.top, s.bottom, r)
	}
	if len(s.Lines()) != r {
		t.Fatalf("%d lines for %d rows", len(s.Lines()), r)
	}
	for y := range r {
		w := 0
		for x := 0; x < c; x++ {
			cell := s.Cell(y, x)
			switch cell.Width {
			case 2:
				if x+1 >= c || s.Cell(y, x+1).Width != 0 {
					t.Fatalf("wide character at (%d,%d) without its right half", y, x)
				}
			case 0:
				if x == 0 || s.Cell(y, x-1).Width != 2 {
					t.Fatalf("right half at (%d,%d) without its lead", y, x)
				}
			}
			w += cell.Width
		}
		if w != c {
			t.Fatalf("row %d is %d cells wide, want %d", y, w, c)
		}
	}
}
