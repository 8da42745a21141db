package screen

import (
	"fmt"
	"strings"
	"testing"
)

// statusBarFrame is a one-line status bar of about 300 bytes: a mode label
// and key hints in 256 colours with powerline arrows, filled with ESC[0K.
func statusBarFrame() []byte {
	var b strings.Builder
	b.WriteString("\x1b[1;38;5;16;48;5;154m NORMAL \x1b[38;5;154;48;5;238m\ue0b0")
	for _, h := range []struct{ key, label string }{{"p", "PANE"}, {"t", "TAB"}, {"q", "QUIT"}} {
		fmt.Fprintf(&b, "\x1b[38;5;238;48;5;245m\ue0b0\x1b[1;38;5;166m<%s>\x1b[22;38;5;16m %s \x1b[38;5;245;48;5;238m\ue0b0", h.key, h.label)
	}
	b.WriteString("\x1b[0K")
	return []byte(b.String())
}

// fullScreenFrame is a 24×80 session-manager-like frame: ribbons, a table
// with a selected row, a nested list and text components at coordinates.
func fullScreenFrame() []byte {
	var b strings.Builder
	b.WriteString("\x1b[1;1H")
	b.WriteString(dcs("ribbon;x" + enc("Sessions")))
	b.WriteString(dcs("ribbon;" + enc("New session")))
	b.WriteString(dcs("ribbon;" + enc("Resurrect")))
	b.WriteString("\x1b[48;5;238m\x1b[0K\x1b[0m")
	cells := []string{enc("SESSION"), enc("TABS"), enc("PANES"), enc("CREATED")}
	for i := range 14 {
		flag := ""
		if i == 3 {
			flag = "x"
		}
		cells = append(cells,
			flag+"0,1$"+enc(fmt.Sprintf("session-%02d", i)),
			flag+enc(fmt.Sprint(i%7+1)),
			flag+enc(fmt.Sprint(i*3%11+1)),
			flag+enc(fmt.Sprintf("%dh %02dm ago", i, i*7%60)))
	}
	b.WriteString(dcs("table;1/2/78/16;4;15;" + strings.Join(cells, ";")))
	items := []string{enc("layouts"), "|" + enc("default.kdl"), "|x" + enc("compact.kdl"), "||" + enc("tab-1"), enc("plugins")}
	b.WriteString(dcs("nested_list;50/2/28/5;" + strings.Join(items, ";")))
	b.WriteString(dcs("text;1/19/78/;$$0,1,2,3,4,5,6$$" + enc("<ENTER> switch  <Ctrl r> rename  <Del> kill  <Ctrl x> kill all  <Esc> close")))
	for row := 20; row < 24; row++ {
		fmt.Fprintf(&b, "\x1b[%d;1H\x1b[2mline %d of plain help text with some \x1b[0;1;38;2;200;100;50mcolour\x1b[0m and more words", row+1, row)
	}
	return []byte(b.String())
}

func BenchmarkFrameStatusBar(b *testing.B) {
	in := statusBarFrame()
	s := New(1, 120)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		s.Frame(in)
	}
}

func BenchmarkFrameFullScreen(b *testing.B) {
	in := fullScreenFrame()
	s := New(24, 80)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		s.Frame(in)
	}
}

func BenchmarkANSIFullScreen(b *testing.B) {
	s := New(24, 80)
	s.Frame(fullScreenFrame())
	b.ReportAllocs()
	for b.Loop() {
		_ = s.ANSI()
	}
}

func TestBenchmarkFrames(t *testing.T) {
	// The benchmark inputs draw what they claim to.
	if n := len(statusBarFrame()); n < 250 || n > 400 {
		t.Errorf("status bar frame is %d bytes", n)
	}
	s := New(1, 120)
	s.Frame(statusBarFrame())
	if !strings.Contains(s.Lines()[0], "<q> QUIT") {
		t.Errorf("status bar = %q", s.Lines()[0])
	}
	s = New(24, 80)
	s.Frame(fullScreenFrame())
	lines := s.Lines()
	for _, want := range []struct {
		row  int
		text string
	}{{0, "Sessions"}, {2, "SESSION"}, {6, "session-03"}, {2, "> layouts"}, {19, "<ENTER> switch"}, {23, "line 23"}} {
		if !strings.Contains(lines[want.row], want.text) {
			t.Errorf("row %d = %q, want %q in it", want.row, lines[want.row], want.text)
		}
	}
}
