package screen

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The reference check: the same bytes go to a detached tmux pane of the
// same size and to a terminal Screen; tmux's capture-pane must match
// Lines (and Scrollback), and its colours (capture-pane -e, parsed back)
// must match the cells' styles. The inputs are generated here
// (deterministic) and kept in testdata/tmux/ for inspection; run with
// -update to rewrite them.

const tmuxDone = "tessera-capture-done"

type tmuxCapture struct {
	lines   []string // visible rows
	styled  []string // visible rows with SGR (capture-pane -e)
	history []string // scrollback, oldest first
	cursor  [2]int   // row, col
}

// runTmux feeds input to a fresh tmux server's pane of rows × cols and
// captures it once everything was consumed.
func runTmux(t *testing.T, rows, cols int, input []byte) tmuxCapture {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install tmux): skipping the reference comparison")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	// The title marks the end of the input: tmux handles a pane's output
	// in order, so once the title shows, every byte before it was drawn.
	data := append(append([]byte(nil), input...), "\x1b]2;"+tmuxDone+"\x07"...)
	if err := os.WriteFile(in, data, 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "run.sh")
	// -opost: the pty passes bytes through (no LF → CRLF, no tab expansion).
	body := fmt.Sprintf("stty -opost -echo; cat %q; exec sleep 600\n", in)
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	tmux := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("tmux", append([]string{"-S", sock, "-f", "/dev/null"}, args...)...)
		cmd.Env = append(os.Environ(), "TMUX=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	tmux("start-server", ";", "set", "-g", "history-limit", "20000", ";",
		"new-session", "-d", "-s", "ref", "-x", strconv.Itoa(cols), "-y", strconv.Itoa(rows), "sh "+script)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", sock, "kill-server").Run() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		out := tmux("display", "-p", "-t", "ref", "#{pane_title}")
		if strings.TrimSpace(out) == tmuxDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tmux did not consume the input within 30 s (title %q)", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := strings.TrimSpace(tmux("display", "-p", "-t", "ref", "#{pane_width}x#{pane_height}")); got != fmt.Sprintf("%dx%d", cols, rows) {
		t.Fatalf("tmux pane is %s, want %dx%d", got, cols, rows)
	}
	var c tmuxCapture
	c.lines = splitRows(tmux("capture-pane", "-p", "-t", "ref"))
	c.styled = splitRows(tmux("capture-pane", "-p", "-e", "-t", "ref"))
	all := splitRows(tmux("capture-pane", "-p", "-S", "-", "-t", "ref"))
	hsize, _ := strconv.Atoi(strings.TrimSpace(tmux("display", "-p", "-t", "ref", "#{history_size}")))
	c.history = all[:min(hsize, len(all))]
	fmt.Sscanf(tmux("display", "-p", "-t", "ref", "#{cursor_y} #{cursor_x}"), "%d %d", &c.cursor[0], &c.cursor[1])
	return c
}

func splitRows(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}

// compareWithTmux feeds input to both and reports every difference.
func compareWithTmux(t *testing.T, rows, cols int, input []byte, checkStyle bool) {
	t.Helper()
	ref := runTmux(t, rows, cols, input)
	s := NewTerminal(rows, cols, Options{})
	// Feed in uneven pieces: sequences split across writes must not matter.
	for i, step := 0, 1; i < len(input); step = step%97 + 13 {
		j := min(i+step, len(input))
		s.Write(input[i:j])
		i = j
	}
	diffLines(t, "screen", s.Lines(), ref.lines)
	if ref.history != nil {
		diffLines(t, "scrollback", s.Scrollback(-1), ref.history)
	}
	if y, x := s.Cursor(); y != ref.cursor[0] || x != ref.cursor[1] {
		t.Errorf("cursor (%d,%d), tmux (%d,%d)", y, x, ref.cursor[0], ref.cursor[1])
	}
	if !checkStyle {
		return
	}
	// Parse tmux's styled rows back and compare cell styles.
	bad := 0
	for y, row := range ref.styled {
		if y >= rows {
			break
		}
		want := New(1, cols)
		want.Frame([]byte(row))
		for x := range cols {
			a, b := s.Cell(y, x), want.Cell(0, x)
			if a.Rune == ' ' && b.Rune == ' ' && a.BG == b.BG && (a.Attrs&Reverse) == (b.Attrs&Reverse) {
				continue // blanks: only the background shows
			}
			if a.FG != b.FG || a.BG != b.BG || a.Attrs != b.Attrs {
				if bad++; bad <= 5 {
					t.Errorf("style at (%d,%d) %q: ours fg=%v bg=%v %q, tmux fg=%v bg=%v %q\ntmux row %q",
						y, x, a.Rune, a.FG, a.BG, a.Attrs, b.FG, b.BG, b.Attrs, row)
				}
			}
		}
	}
}

func diffLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	t.Errorf("%s: %d lines, tmux %d", what, len(got), len(want))
	shown := 0
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("%s line %d:\n ours %q\n tmux %q", what, i, g, w)
			if shown++; shown == 8 {
				return
			}
		}
	}
}

// tmuxCase is one reference input: generated, and kept under testdata/tmux.
type tmuxCase struct {
	name       string
	rows, cols int
	style      bool
	gen        func() []byte
}

var tmuxCases = []tmuxCase{
	{"vim", 24, 80, true, vimLike},
	{"vim-quit", 24, 80, true, func() []byte { return append(vimLike(), "\x1b[?25h\x1b[?1049l\r\n$ "...) }},
	{"less", 24, 80, true, lessLike},
	{"ls-lR", 24, 80, true, func() []byte { return lsLike(2500) }},
	{"wide", 12, 40, false, wideChars},
	{"wrap", 10, 20, false, wrapping},
	{"controls", 16, 40, true, controlsMix},
}

func TestAgainstTmux(t *testing.T) {
	for _, tc := range tmuxCases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.gen()
			file := filepath.Join("testdata", "tmux", tc.name+".vt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, in, 0o644); err != nil {
					t.Fatal(err)
				}
			} else if kept, err := os.ReadFile(file); err != nil || string(kept) != string(in) {
				t.Fatalf("%s is missing or stale (run go test -run TestAgainstTmux -update)", file)
			}
			compareWithTmux(t, tc.rows, tc.cols, in, tc.style)
		})
	}
}

// vimLike draws like a full-screen editor: alternate screen, a scroll
// region above a status line, insert/delete line inside it, reverse index
// at the top, cursor addressing, insert/delete characters.
func vimLike() []byte {
	var b strings.Builder
	b.WriteString("$ vim main.go\r\n")
	b.WriteString("\x1b[?1049h\x1b[22;0;0t\x1b[?1h\x1b=\x1b[H\x1b[2J\x1b[?25l")
	b.WriteString("\x1b[1;23r") // text area above the status line
	for i := 1; i <= 23; i++ {
		fmt.Fprintf(&b, "\x1b[%d;1H\x1b[33m%3d \x1b[m%s", i, i, codeLine(i))
	}
	b.WriteString("\x1b[24;1H\x1b[1m-- INSERT --\x1b[m\x1b[24;63H1,1           All")
	// Scroll the text area up three lines (cursor at its bottom margin).
	for i := 24; i <= 26; i++ {
		fmt.Fprintf(&b, "\x1b[23;1H\n\x1b[33m%3d \x1b[m%s", i, codeLine(i))
	}
	// Open lines in the middle (IL moves the cursor to column 0 here, as in
	// xterm, but tmux keeps the column: editors address the cursor after).
	b.WriteString("\x1b[5;20H\x1b[3L\x1b[5;1Hopened-1\r\n\x1b[Kopened-2")
	// Delete two lines lower down, then type on that row.
	b.WriteString("\x1b[12;30H\x1b[2M\x1b[12;1HX")
	// Scroll back down by one with reverse index at the top margin.
	b.WriteString("\x1b[1;1H\x1bM\x1b[33m  0 \x1b[mpackage main // top")
	// Insert and delete characters, erase characters.
	b.WriteString("\x1b[8;5H\x1b[4@>>>>\x1b[9;5H\x1b[3P\x1b[10;10H\x1b[5X")
	// Scroll region operations: SU / SD.
	b.WriteString("\x1b[2S\x1b[1T")
	// A region that is not the whole text area, and IL/DL inside it.
	b.WriteString("\x1b[15;20r\x1b[17;4H\x1b[2L\x1b[17;4Hinside\x1b[20;1H\n\x1b[31mlast\x1b[m\x1b[15;1H\x1b[1M\x1b[15;1Hgone")
	b.WriteString("\x1b[1;23r\x1b[24;63H\x1b[K8,12          Top\x1b[8;12H\x1b[?25h")
	return []byte(b.String())
}

func codeLine(i int) string {
	words := []string{"func", "return", "if err != nil {", "x := y + z", "}", "for i := range n {", "// note"}
	w := words[i%len(words)]
	return strings.Repeat("\t", i%3) + w + strings.Repeat(" pad", i%5)
}

// lessLike pages a file: alternate screen, reverse-video status line,
// forward scrolling by newline and backward by reverse index.
func lessLike() []byte {
	var b strings.Builder
	b.WriteString("$ less notes.txt\r\n\x1b[?1049h\x1b[?1h\x1b=\r")
	line := func(i int) string { return fmt.Sprintf("line %04d %s", i, strings.Repeat("lorem ", i%12)) }
	for i := range 23 {
		b.WriteString(line(i) + "\r\n")
	}
	b.WriteString("\x1b[7mnotes.txt\x1b[27m\x1b[K")
	// Forward by four lines.
	for i := 23; i < 27; i++ {
		b.WriteString("\r\x1b[K" + line(i) + "\r\n")
	}
	b.WriteString("\x1b[7m:\x1b[27m\x1b[K")
	// Back by six: clear the prompt, home, reverse index, draw the new top.
	for i := 3; i >= -2; i-- {
		b.WriteString("\r\x1b[K\x1b[H\x1bM" + line(i+100))
	}
	b.WriteString("\x1b[24;1H\r\x1b[K\x1b[7m(END)\x1b[27m\x1b[K")
	return []byte(b.String())
}

// lsLike is colored `ls -lR` output: directory headers, dirs, executables,
// links and 256/truecolor names, some lines wider than the screen.
func lsLike(n int) []byte {
	var b strings.Builder
	for i := range n {
		if i%40 == 0 {
			fmt.Fprintf(&b, "\r\n./src/pkg%03d:\r\ntotal %d\r\n", i/40, i*3)
		}
		mode, name := "-rw-r--r--", fmt.Sprintf("file_%05d.go", i)
		switch i % 7 {
		case 0:
			mode, name = "drwxr-xr-x", "\x1b[01;34m"+fmt.Sprintf("dir_%05d", i)+"\x1b[0m"
		case 1:
			mode, name = "-rwxr-xr-x", "\x1b[01;32m"+fmt.Sprintf("run_%05d.sh", i)+"\x1b[0m"
		case 2:
			mode, name = "lrwxrwxrwx", "\x1b[01;36m"+fmt.Sprintf("link_%d", i)+"\x1b[0m -> \x1b[38;5;208mtarget\x1b[0m"
		case 3:
			name = "\x1b[38;2;200;120;40m" + fmt.Sprintf("data_%05d.csv", i) + "\x1b[0m"
		case 4:
			name = fmt.Sprintf("long_name_%05d_%s.txt", i, strings.Repeat("x", i%30))
		}
		fmt.Fprintf(&b, "%s 1 dev dev %8d Jan %2d %02d:%02d %s\r\n", mode, i*37%100000, i%28+1, i%24, i%60, name)
	}
	return []byte(b.String())
}

// wideChars mixes CJK, emoji, fullwidth forms and combining marks, with
// wide characters at the last column.
func wideChars() []byte {
	var b strings.Builder
	b.WriteString("漢字とかなカナ 한국어 ＡＢＣ 😀 end\r\n")
	b.WriteString("e\u0301 o\u0308 a\u0300\u0301 n\u0303 漢\u0301\r\n")
	b.WriteString(strings.Repeat("x", 39) + "漢next\r\n") // wraps early: no room for two columns
	b.WriteString(strings.Repeat("y", 38) + "字\r\n")     // fits exactly
	b.WriteString("中文中文中文中文中文中文中文中文中文中文中文中文\r\n")
	b.WriteString("ab漢字cd\x1b[4D\x1b[1@Z\x1b[2P\r\n")        // insert and delete before a wide character
	b.WriteString("漢字漢字\x1b[3G!\x1b[7G?\r\n")                // overwrite a lead half
	b.WriteString("\x1b[1;31m赤\x1b[0m \x1b[4m下線\x1b[0m\r\n") // styled wide
	return []byte(b.String())
}

// wrapping exercises autowrap and its pending state at the last column.
func wrapping() []byte {
	var b strings.Builder
	b.WriteString(strings.Repeat("a", 20) + "\r\n")    // exact fit, then CRLF: no blank row
	b.WriteString(strings.Repeat("b", 21) + "\r\n")    // one over
	b.WriteString(strings.Repeat("c", 45) + "\r\n")    // two wraps
	b.WriteString(strings.Repeat("d", 20) + "\bX\r\n") // BS from the pending state
	b.WriteString("\x1b[?7l" + strings.Repeat("e", 30) + "\x1b[?7h\r\n")
	b.WriteString(strings.Repeat("f", 20) + "\x1b[Kg\r\n")
	b.WriteString("tab\tstop\tat\t8\tand\tend\r\n")
	for i := range 6 {
		fmt.Fprintf(&b, "%d%s", i, strings.Repeat("w", 19))
	}
	return []byte(b.String())
}

// controlsMix covers origin mode, tab stops, REP, insert mode, save and
// restore, scrolling commands and erasing.
func controlsMix() []byte {
	var b strings.Builder
	for i := range 16 {
		fmt.Fprintf(&b, "\x1b[%d;1Hrow %02d %s", i+1, i, strings.Repeat("=", 20+i))
	}
	b.WriteString("\x1b[3;12r\x1b[?6h\x1b[1;1Horigin\x1b[20;1Hclamped\x1b[?6l")
	b.WriteString("\x1b[14;1H\x1b[3g\x1b[14;5H\x1bH\x1b[14;15H\x1bH\x1b[14;1H\ta\tb\tc")
	b.WriteString("\x1b[15;1H\x1b[2I1\x1b[Z2")
	b.WriteString("\x1b[13;1H-\x1b[9b|")
	b.WriteString("\x1b[2;1H\x1b[4hINS\x1b[4l")
	b.WriteString("\x1b[5;5H\x1b7\x1b[1;32m\x1b[9;9Hsaved\x1b8here")
	b.WriteString("\x1b[12;1H\n\n\x1b[3;1H\x1bM\x1bM")
	b.WriteString("\x1b[r\x1b[16;1H\x1b[44mbg\x1b[K\x1b[0m")
	b.WriteString("\x1b[6;10H\x1b[1K\x1b[7;10H\x1b[0J")
	b.WriteString("\x1b[1;1H\x1b[2J\x1b[3;3Hafter clear")
	return []byte(b.String())
}
