package screen

import (
	"io"
	"strconv"
)

// DefaultScrollback is the number of scrollback lines a terminal keeps when
// Options.Scrollback is zero.
const DefaultScrollback = 10000

// MaxScrollback bounds Options.Scrollback.
const MaxScrollback = 1_000_000

// Options configure a terminal screen.
type Options struct {
	// Scrollback is how many lines that leave the top of the main screen
	// are kept: 0 means DefaultScrollback, a negative value none.
	Scrollback int
	// Reply receives the terminal's answers to queries (device
	// attributes, cursor position and status reports, mode requests),
	// to be written back to the pty. It is called from Write and must not
	// block (queue the bytes); p is only valid during the call. Nil drops
	// replies.
	Reply func(p []byte)
}

// Terminal is what a terminal pane needs of its screen. *Screen implements
// it; like Screen it is not goroutine-safe.
type Terminal interface {
	io.Writer
	Resize(rows, cols int)
	Size() (rows, cols int)
	Lines() []string
	ANSI() string
	Scrollback(n int) []string
	ScrollbackANSI(n int) string
	ScrollbackLen() int
	Cursor() (row, col int)
	Modes() Modes
	Title() string
	Damage() []int
	ClearDamage()
}

var _ Terminal = (*Screen)(nil)

// MouseMode is the mouse tracking a program asked for.
type MouseMode uint8

// Mouse tracking modes (DECSET 9, 1000, 1002, 1003).
const (
	MouseNone   MouseMode = iota
	MouseX10              // 9: presses only
	MouseNormal           // 1000: presses and releases
	MouseButton           // 1002: and motion while a button is down
	MouseAny              // 1003: and all motion
)

// Modes are the terminal modes an attached client needs to encode input
// and draw the cursor.
type Modes struct {
	AppCursor      bool      // DECCKM: cursor keys send ESC O
	AppKeypad      bool      // DECKPAM / DECNKM
	BracketedPaste bool      // 2004
	AltScreen      bool      // 47, 1047 or 1049 active
	Insert         bool      // IRM
	Origin         bool      // DECOM
	AutoWrap       bool      // DECAWM
	CursorVisible  bool      // DECTCEM
	NewLine        bool      // LNM: LF also returns the carriage
	FocusEvents    bool      // 1004
	Mouse          MouseMode // tracking mode
	MouseSGR       bool      // 1006: SGR encoding of mouse reports
}

// NewTerminal returns a terminal screen of rows × cols (each clamped to
// [0, MaxDimension]) with scrollback, for a pty's output fed through Write.
//
// Resize keeps content the way tmux does without reflow: shrinking pushes
// rows above the cursor into scrollback (after dropping blank rows below
// it), growing pulls lines back from scrollback; lines are cut or padded at
// the right edge, never rewrapped.
func NewTerminal(rows, cols int, opt Options) *Screen {
	s := New(rows, cols)
	s.terminal = true
	switch {
	case opt.Scrollback == 0:
		s.hist.limit = DefaultScrollback
	case opt.Scrollback > 0:
		s.hist.limit = min(opt.Scrollback, MaxScrollback)
	}
	s.reply = opt.Reply
	return s
}

// Write interprets p as terminal output. It never fails and never blocks:
// an escape or UTF-8 sequence split across calls continues in the next.
func (s *Screen) Write(p []byte) (int, error) {
	s.vt.feed(p)
	return len(p), nil
}

// Modes returns the current terminal modes.
func (s *Screen) Modes() Modes {
	m := s.mode
	m.AltScreen = s.altOn
	return m
}

// Title returns the window title last set by OSC 0 or 2.
func (s *Screen) Title() string { return s.title }

// Damage returns the visible rows changed since the last ClearDamage, in
// order (content moved by scrolling counts as changed).
func (s *Screen) Damage() []int {
	if !s.anyDirty {
		return nil
	}
	var out []int
	for y, d := range s.dirty {
		if d {
			out = append(out, y)
		}
	}
	return out
}

// ClearDamage forgets the damage recorded so far.
func (s *Screen) ClearDamage() {
	if s.anyDirty {
		clear(s.dirty)
		s.anyDirty = false
	}
}

// ScrollbackLen returns the number of lines in scrollback.
func (s *Screen) ScrollbackLen() int { return s.hist.Len() }

// histRange returns the index of the first of the last n lines.
func (s *Screen) histRange(n int) int {
	total := s.hist.Len()
	if n < 0 || n > total {
		n = total
	}
	return total - n
}

// Scrollback returns the last n scrollback lines (all when n < 0 or
// larger than what is kept), oldest first, as text with trailing blanks
// trimmed.
func (s *Screen) Scrollback(n int) []string {
	from := s.histRange(n)
	out := make([]string, 0, s.hist.Len()-from)
	for i := from; i < s.hist.Len(); i++ {
		out = append(out, decodeLine(s.hist.line(i)).plain())
	}
	return out
}

// ScrollbackANSI returns the last n scrollback lines like Scrollback, each
// followed by "\n" and styled as ANSI styles rows.
func (s *Screen) ScrollbackANSI(n int) string {
	var buf []byte
	for i := s.histRange(n); i < s.hist.Len(); i++ {
		buf = decodeLine(s.hist.line(i)).appendANSI(buf)
	}
	return string(buf)
}

// ClearScrollback drops every scrollback line (as CSI 3 J does).
func (s *Screen) ClearScrollback() { s.hist.clear() }

// sendReply passes a reply to the owner's sink.
func (s *Screen) sendReply(b []byte) {
	if s.reply != nil && !s.frameMode {
		s.reply(b)
	}
}

// Resize changes the grid's size. A plugin screen (New) keeps its top-left
// content; a terminal (NewTerminal) behaves as NewTerminal describes. The
// cursor is clamped, the scroll region reset, and every row is damaged.
func (s *Screen) Resize(rows, cols int) {
	rows, cols = clampDim(rows), clampDim(cols)
	if s.main.cells != nil && rows == s.rows && cols == s.cols {
		return
	}
	oldRows, oldCols := s.rows, s.cols
	if s.main.cells == nil {
		s.main = newGrid(rows, cols)
		s.rows, s.cols = rows, cols
	} else {
		from := 0
		mainY := s.y
		if s.altOn {
			mainY = s.saved[0].y
		}
		var pulled [][]byte
		if s.terminal && rows < oldRows {
			// Drop blank rows below the cursor first, then push the top.
			d := oldRows - rows
			g := s.main
			for y := oldRows - 1; y > mainY && d > 0; y-- {
				if !rowBlank(g.cells[int(g.line[y])*oldCols : (int(g.line[y])+1)*oldCols]) {
					break
				}
				d--
			}
			from = d
			if !s.altOn {
				old := s.g
				s.g = &s.main
				for y := range d {
					if s.hist.limit > 0 {
						s.pushHistory(y)
					}
				}
				s.g = old
			}
		}
		if s.terminal && rows > oldRows && s.hist.limit > 0 {
			for range min(rows-oldRows, s.hist.Len()) {
				pulled = append(pulled, append([]byte(nil), s.hist.popNewest()...))
			}
		}
		s.main = s.copyGrid(&s.main, oldRows, oldCols, from, rows, cols, pulled)
		if s.alt.cells != nil {
			s.alt = s.copyGrid(&s.alt, oldRows, oldCols, 0, rows, cols, nil)
		}
		s.rows, s.cols = rows, cols
		shift := len(pulled) - from
		if s.altOn {
			s.saved[0].y += shift
		} else {
			s.y += shift
		}
	}
	if s.altOn {
		s.g = &s.alt
	} else {
		s.g = &s.main
	}
	clampY := func(y int) int { return max(0, min(y, rows-1)) }
	clampX := func(x int) int { return max(0, min(x, cols-1)) }
	s.y, s.x = clampY(s.y), clampX(s.x)
	for i := range s.saved {
		s.saved[i].y, s.saved[i].x = clampY(s.saved[i].y), clampX(s.saved[i].x)
	}
	s.top, s.bottom = 0, rows
	s.resetTabs(min(oldCols, cols))
	s.dirty = make([]bool, rows)
	if rows > 0 {
		s.touchRange(0, rows)
	}
	s.lastY = -1
}

// rowBlank reports whether every cell is a default blank.
func rowBlank(row []cell) bool {
	for _, c := range row {
		if c != blankCell {
			return false
		}
	}
	return true
}

// copyGrid returns a rows × cols grid holding pulled (packed lines, newest
// first) then old's visible rows from `from` on, cut or padded at the
// right.
func (s *Screen) copyGrid(old *grid, oldRows, oldCols, from, rows, cols int, pulled [][]byte) grid {
	g := newGrid(rows, cols)
	y := 0
	for i := len(pulled) - 1; i >= 0 && y < rows; i-- {
		s.unpack(decodeLine(pulled[i]), &g, int32(y), g.cells[y*cols:(y+1)*cols])
		y++
	}
	for oy := from; oy < oldRows && y < rows; oy++ {
		p := old.line[oy]
		src := old.cells[int(p)*oldCols : (int(p)+1)*oldCols]
		dst := g.cells[y*cols : (y+1)*cols]
		n := copy(dst, src)
		if n > 0 && dst[n-1].attr&flagWide != 0 && n < len(src) {
			dst[n-1] = cell{r: ' ', pen: dst[n-1].style()}
		}
		for x := range n {
			if dst[x].attr&flagComb != 0 {
				if g.comb == nil {
					g.comb = make(map[int32]string)
				}
				g.comb[int32(y*cols+x)] = old.comb[p*int32(oldCols)+int32(x)]
			}
		}
		g.wrapped[y] = old.wrapped[p] && cols == oldCols
		y++
	}
	return g
}

// setAlt switches between the main and the alternate screen.
func (s *Screen) setAlt(on, clearAlt bool) {
	if on == s.altOn {
		if on && clearAlt {
			s.clearGrid(pen{})
		}
		return
	}
	if on {
		if s.alt.cells == nil || len(s.alt.line) != s.rows || len(s.alt.cells) != s.rows*s.cols {
			s.alt = newGrid(s.rows, s.cols)
		}
		s.g = &s.alt
		s.altOn = true
		if clearAlt {
			s.clearGrid(pen{})
		}
	} else {
		s.g = &s.main
		s.altOn = false
	}
	if s.rows > 0 {
		s.touchRange(0, s.rows)
	}
	s.lastY = -1
}

func (s *Screen) saveCursor() {
	i := 0
	if s.altOn {
		i = 1
	}
	s.saved[i] = savedCursor{x: s.x, y: s.y, pen: s.pen, origin: s.mode.Origin, charset: s.charset, shift: s.shift}
}

func (s *Screen) restoreCursor() {
	i := 0
	if s.altOn {
		i = 1
	}
	c := s.saved[i]
	s.x, s.y = min(c.x, s.cols), min(c.y, max(s.rows-1, 0))
	s.pen, s.mode.Origin, s.charset, s.shift = c.pen, c.origin, c.charset, c.shift
	s.lastY = -1
}

// setMode applies DECSET/DECRST (private) or SM/RM parameters.
func (v *vt) setMode(private bool, on bool) {
	s := v.s
	for i := range max(v.nparams, 1) {
		p := v.params[i]
		if !private {
			switch p {
			case 4:
				s.mode.Insert = on
			case 20:
				s.mode.NewLine = on
			}
			continue
		}
		switch p {
		case 1:
			s.mode.AppCursor = on
		case 6:
			s.mode.Origin = on
			s.cup(0, 0)
		case 7:
			s.mode.AutoWrap = on
		case 25:
			s.mode.CursorVisible = on
		case 66:
			s.mode.AppKeypad = on
		case 9, 1000, 1002, 1003:
			m := mouseModes[p]
			if on {
				s.mode.Mouse = m
			} else if s.mode.Mouse == m {
				s.mode.Mouse = MouseNone
			}
		case 1004:
			s.mode.FocusEvents = on
		case 1006:
			s.mode.MouseSGR = on
		case 2004:
			s.mode.BracketedPaste = on
		case 47, 1047, 1049:
			if s.frameMode {
				continue // a plugin frame has one screen
			}
		}
		switch p {
		case 47:
			s.setAlt(on, false)
		case 1047:
			if !on && s.altOn {
				s.clearGrid(pen{})
			}
			s.setAlt(on, false)
		case 1048:
			if on {
				s.saveCursor()
			} else {
				s.restoreCursor()
			}
		case 1049:
			if on {
				if !s.altOn {
					s.saveCursor()
				}
				s.setAlt(true, true)
			} else if s.altOn {
				s.setAlt(false, false)
				s.restoreCursor()
			}
		}
	}
}

var mouseModes = map[int]MouseMode{9: MouseX10, 1000: MouseNormal, 1002: MouseButton, 1003: MouseAny}

// modeState reports a mode for DECRQM: 1 set, 2 reset, 0 not recognised.
func (s *Screen) modeState(private bool, p int) int {
	b := func(on bool) int {
		if on {
			return 1
		}
		return 2
	}
	if !private {
		switch p {
		case 4:
			return b(s.mode.Insert)
		case 20:
			return b(s.mode.NewLine)
		}
		return 0
	}
	switch p {
	case 1:
		return b(s.mode.AppCursor)
	case 6:
		return b(s.mode.Origin)
	case 7:
		return b(s.mode.AutoWrap)
	case 25:
		return b(s.mode.CursorVisible)
	case 66:
		return b(s.mode.AppKeypad)
	case 9:
		return b(s.mode.Mouse == MouseX10)
	case 1000:
		return b(s.mode.Mouse == MouseNormal)
	case 1002:
		return b(s.mode.Mouse == MouseButton)
	case 1003:
		return b(s.mode.Mouse == MouseAny)
	case 1004:
		return b(s.mode.FocusEvents)
	case 1006:
		return b(s.mode.MouseSGR)
	case 2004:
		return b(s.mode.BracketedPaste)
	case 47, 1047, 1049:
		return b(s.altOn)
	}
	return 0
}

// report answers DA, DSR and DECRQM.
func (v *vt) report(final byte) {
	s := v.s
	buf := s.replyBuf[:0]
	switch {
	case final == 'c' && v.private == 0 && v.param(0, 0) == 0:
		buf = append(buf, "\x1b[?62;22c"...) // VT220 with ANSI colour
	case final == 'c' && v.private == '>' && v.param(0, 0) == 0:
		buf = append(buf, "\x1b[>1;10;0c"...)
	case final == 'n' && v.private == 0 && v.param(0, 0) == 5:
		buf = append(buf, "\x1b[0n"...)
	case final == 'n' && (v.private == 0 || v.private == '?') && v.param(0, 0) == 6:
		y, x := s.y, s.curX()
		if s.mode.Origin {
			y -= s.top
		}
		buf = append(buf, "\x1b["...)
		if v.private == '?' {
			buf = append(buf, '?')
		}
		buf = strconv.AppendInt(buf, int64(y+1), 10)
		buf = append(buf, ';')
		buf = strconv.AppendInt(buf, int64(x+1), 10)
		buf = append(buf, 'R')
	case final == 'p' && v.inter == '$':
		p := v.param(0, 0)
		buf = append(buf, "\x1b["...)
		if v.private == '?' {
			buf = append(buf, '?')
		}
		buf = strconv.AppendInt(buf, int64(p), 10)
		buf = append(buf, ';')
		buf = strconv.AppendInt(buf, int64(s.modeState(v.private == '?', p)), 10)
		buf = append(buf, "$y"...)
	default:
		return
	}
	s.replyBuf = buf
	s.sendReply(buf)
}

// cup moves to (y, x) as CUP does: relative to the scroll region and
// confined to it in origin mode.
func (s *Screen) cup(y, x int) {
	if s.mode.Origin && !s.frameMode {
		y = max(s.top, min(y+s.top, s.bottom-1))
	}
	s.moveTo(y, x)
}

// oscDispatch handles a complete OSC string (only titles are kept).
func (s *Screen) oscDispatch(b []byte) {
	i := 0
	n := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' && n < 10000 {
		n = n*10 + int(b[i]-'0')
		i++
	}
	if i == 0 || i >= len(b) || b[i] != ';' {
		return
	}
	switch n {
	case 0, 2:
		t := []rune(string(b[i+1:])) // invalid UTF-8 becomes U+FFFD
		out := t[:0]
		for _, r := range t {
			if r >= 0x20 && r != 0x7f {
				out = append(out, r)
			}
		}
		s.title = string(out)
	}
}

// tab moves the cursor to the n-th next (n > 0) or previous (n < 0) tab
// stop, stopping at the margins.
func (s *Screen) tab(n int) {
	if s.cols == 0 {
		return
	}
	x := s.curX()
	if n > 0 && s.x >= s.cols-1 {
		return // at the right margin (or wrap pending): nothing moves, as in tmux
	}
	for ; n > 0; n-- {
		x++
		for x < s.cols-1 && !s.tabs[x] {
			x++
		}
		if x >= s.cols-1 {
			x = s.cols - 1
			break
		}
	}
	for ; n < 0; n++ {
		x--
		for x > 0 && !s.tabs[x] {
			x--
		}
		if x <= 0 {
			x = 0
			break
		}
	}
	s.x = x
}

// alignmentTest fills the screen with 'E' (DECALN).
func (s *Screen) alignmentTest() {
	s.top, s.bottom = 0, s.rows
	for y := range s.rows {
		row := s.row(y)
		for i := range row {
			row[i] = cell{r: 'E'}
		}
		s.g.wrapped[s.g.line[y]] = false
	}
	clear(s.g.comb)
	if s.rows > 0 {
		s.touchRange(0, s.rows)
	}
	s.moveTo(0, 0)
}

// softReset is DECSTR.
func (s *Screen) softReset() {
	s.mode.CursorVisible = true
	s.mode.Insert = false
	s.mode.Origin = false
	s.mode.AutoWrap = true
	s.mode.AppCursor = false
	s.mode.AppKeypad = false
	s.top, s.bottom = 0, s.rows
	s.pen = pen{}
	s.charset, s.shift = [2]bool{}, 0
	s.saved = [2]savedCursor{}
}
