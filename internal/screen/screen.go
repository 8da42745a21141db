// Package screen is Tessera's terminal model. One Screen type serves two
// owners:
//
//   - plugin panes: Frame interprets a plugin's whole render output (a VT
//     byte stream with SGR colours, cursor positioning, erasing and the DCS
//     `z` UI components of the plugin ABI) on a cleared grid;
//   - terminal panes: Write feeds a pty's output stream to a full VT
//     emulator (scroll regions, alternate screen, modes, tab stops,
//     replies, charsets) with compact scrollback (see NewTerminal).
//
// Both read back through Lines, ANSI, Cell and Cursor.
//
// A Screen is not goroutine-safe; its owner serialises calls.
package screen

import (
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

// MaxDimension bounds rows and columns accepted by New and Resize; larger
// values are clamped so that memory stays bounded.
const MaxDimension = 1000

// maxCombining bounds the bytes of combining marks kept on one cell.
const maxCombining = 32

// pen is the current drawing style.
type pen struct {
	fg, bg Color
	attr   Attr
}

// Internal cell flags, kept in the high bits of a cell's attr (SGR
// attributes use the low byte).
const (
	flagWide Attr = 1 << 13 // lead half of a wide character
	flagCont Attr = 1 << 14 // right half of a wide character (r == 0)
	flagComb Attr = 1 << 15 // combining marks in the grid's side table
	flagMask      = flagWide | flagCont | flagComb
)

// cell is one grid position: 16 bytes (rune, two colours, attributes and
// flags). A wide character occupies a lead cell (flagWide) followed by a
// continuation cell (flagCont, r == 0). Combining marks live in the grid's
// side table, keyed by cell index, when flagComb is set.
type cell struct {
	pen
	r rune
}

var blankCell = cell{r: ' '}

// width returns the number of columns the cell's character takes.
func (c cell) width() int {
	switch {
	case c.attr&flagCont != 0:
		return 0
	case c.attr&flagWide != 0:
		return 2
	}
	return 1
}

// style returns the cell's pen without internal flags.
func (c cell) style() pen {
	p := c.pen
	p.attr &^= flagMask
	return p
}

// Cell is the content of one grid position, as returned by Screen.Cell.
type Cell struct {
	Rune      rune   // ' ' for a blank cell, 0 for the right half of a wide character
	Combining string // combining marks attached to Rune
	Width     int    // 1, 2 for a wide character, 0 for its right half
	FG, BG    Color
	Attrs     Attr
}

// grid is one screen buffer (main or alternate): cells stored by physical
// row, and a permutation from visible rows to physical rows so that
// scrolling a region moves row indices, not cells.
type grid struct {
	cells   []cell
	line    []int32          // visible row → physical row
	wrapped []bool           // by physical row: autowrap continued it on the next row
	comb    map[int32]string // combining marks by physical cell index
}

func newGrid(rows, cols int) grid {
	g := grid{cells: make([]cell, rows*cols), line: make([]int32, rows), wrapped: make([]bool, rows)}
	for i := range g.cells {
		g.cells[i] = blankCell
	}
	for i := range g.line {
		g.line[i] = int32(i)
	}
	return g
}

// savedCursor is what DECSC saves.
type savedCursor struct {
	x, y    int
	pen     pen
	origin  bool
	charset [2]bool
	shift   int
}

// Screen is a grid of cells driven by a VT byte stream.
//
// Frame replaces the content with a new plugin render frame; Write feeds a
// terminal stream. Lines, ANSI, Cell and Cursor read the visible grid back;
// Scrollback reads the lines that scrolled off a terminal's main screen.
type Screen struct {
	rows, cols int
	main, alt  grid
	g          *grid // active grid: &main or &alt
	altOn      bool
	terminal   bool // created by NewTerminal: tmux-like resize, history
	frameMode  bool // inside Frame: LF is CR+LF, DCS z components drawn

	x, y int // cursor; x may equal cols (pending wrap: the next printable wraps first)
	pen  pen

	saved [2]savedCursor // DECSC slot of the main and the alternate screen

	// scroll region: rows [top, bottom)
	top, bottom int

	mode     Modes
	tabs     []bool
	charset  [2]bool // G0, G1 designate DEC special graphics
	shift    int     // 0: G0 in GL, 1: G1 (SO)
	lastRune rune    // last printed graphic character, for REP
	title    string
	reply    func([]byte)
	replyBuf []byte

	hist history

	dirty    []bool // by visible row
	anyDirty bool

	// last printed cell, for attaching combining marks; lastY < 0 when none.
	lastX, lastY int

	style Style
	vt    vt
	sub   vt // parser for text drawn by UI components

	// budget is how many more cells UI components may draw in this frame:
	// component widths come from the plugin, so padding is bounded.
	budget int

	width   *runewidth.Condition
	dcs     []byte  // payload of the DCS `z` being collected
	oscBuf  []byte  // OSC string being collected (bounded)
	scratch []int32 // row-index scratch for scrolling
}

// New returns an empty screen of rows × cols cells (each clamped to
// [0, MaxDimension]) using DefaultStyle, for plugin frames: no scrollback,
// and Resize keeps the top-left content.
func New(rows, cols int) *Screen {
	s := &Screen{style: DefaultStyle(), width: &runewidth.Condition{}}
	s.vt.s = s
	s.sub.s = s
	s.sub.nested = true
	s.g = &s.main
	s.Resize(rows, cols)
	s.resetState()
	return s
}

func clampDim(n int) int {
	return max(0, min(n, MaxDimension))
}

// SetStyle sets the theme used by UI components in later frames.
func (s *Screen) SetStyle(st Style) { s.style = st }

// Style returns the theme in use.
func (s *Screen) Style() Style { return s.style }

// Size returns the grid's rows and columns.
func (s *Screen) Size() (rows, cols int) { return s.rows, s.cols }

// row returns the cells of visible row y.
func (s *Screen) row(y int) []cell {
	i := int(s.g.line[y]) * s.cols
	return s.cells(i)
}

func (s *Screen) cells(i int) []cell { return s.g.cells[i : i+s.cols : i+s.cols] }

// physIndex returns the side-table key of visible cell (y, x).
func (s *Screen) physIndex(y, x int) int32 { return s.g.line[y]*int32(s.cols) + int32(x) }

// touch marks visible row y damaged.
func (s *Screen) touch(y int) {
	s.dirty[y] = true
	s.anyDirty = true
}

func (s *Screen) touchRange(from, to int) {
	for y := from; y < to; y++ {
		s.dirty[y] = true
	}
	s.anyDirty = true
}

// resetState puts modes, pen, cursor, region, tabs and charsets to their
// power-on values (the grid is left alone).
func (s *Screen) resetState() {
	s.x, s.y = 0, 0
	s.pen = pen{}
	s.saved = [2]savedCursor{}
	s.top, s.bottom = 0, s.rows
	s.mode = Modes{AutoWrap: true, CursorVisible: true}
	s.charset, s.shift = [2]bool{}, 0
	s.lastRune = 0
	s.lastY = -1
	s.resetTabs(0)
}

// resetTabs sets a tab stop every 8 columns from column from on.
func (s *Screen) resetTabs(from int) {
	if cap(s.tabs) < s.cols {
		t := make([]bool, s.cols)
		copy(t, s.tabs)
		s.tabs = t
	}
	s.tabs = s.tabs[:s.cols]
	for i := from; i < s.cols; i++ {
		s.tabs[i] = i > 0 && i%8 == 0
	}
}

// clearGrid blanks every row of the active grid with pen p.
func (s *Screen) clearGrid(p pen) {
	b := cell{r: ' ', pen: p}
	for i := range s.g.cells {
		s.g.cells[i] = b
	}
	clear(s.g.wrapped)
	clear(s.g.comb)
	if s.rows > 0 {
		s.touchRange(0, s.rows)
	}
	s.lastY = -1
}

// reset clears the grid and all drawing state (RIS, and the start of a
// frame). Scrollback is kept.
func (s *Screen) reset() {
	if s.altOn {
		s.altOn = false
		s.g = &s.main
	}
	s.clearGrid(pen{})
	s.resetState()
	s.title = ""
	s.vt.reset()
	s.dcs = s.dcs[:0]
}

// componentBudget is the number of cells UI components may draw in one
// frame: several screenfuls, far more than a frame that fits its pane needs.
func componentBudget(rows, cols int) int { return 8*rows*cols + 8192 }

// Frame replaces the content with a whole render frame: the grid is cleared,
// the cursor goes home with default colours, then b is interpreted. LF acts
// as CR+LF (the host turns every "\n" of plugin output into "\n\r").
//
// # Notes
//
//   - Nothing carries over from the previous frame: an escape sequence left
//     unterminated at the end of b is dropped, and the saved cursor is reset.
//   - Printing past the last row scrolls the grid up; only the last rows
//     stay visible.
//   - UI components may draw a bounded number of cells per frame (several
//     screenfuls); padding requested beyond that is not drawn.
func (s *Screen) Frame(b []byte) {
	s.frameMode = true
	s.reset()
	s.budget = componentBudget(s.rows, s.cols)
	s.vt.feed(b)
	s.vt.reset()
	s.dcs = s.dcs[:0]
	s.frameMode = false
}

// Cursor returns the cursor position (0-based). Column may equal the column
// count after a full line was printed (the next character wraps first).
func (s *Screen) Cursor() (row, col int) { return s.y, s.x }

// Cell returns the cell at (row, col), 0-based; outside the grid it returns
// a blank cell.
func (s *Screen) Cell(row, col int) Cell {
	if row < 0 || row >= s.rows || col < 0 || col >= s.cols {
		return Cell{Rune: ' ', Width: 1}
	}
	c := s.row(row)[col]
	out := Cell{Rune: c.r, Width: c.width(), FG: c.fg, BG: c.bg, Attrs: c.attr &^ flagMask}
	if c.attr&flagComb != 0 {
		out.Combining = s.g.comb[s.physIndex(row, col)]
	}
	return out
}

// appendText appends the text of visible row y (a wide character once,
// combining marks after their base) to b.
func (s *Screen) appendText(b []byte, y int) []byte {
	row := s.row(y)
	for x, c := range row {
		if c.attr&(flagCont|flagComb) != 0 {
			if c.attr&flagCont != 0 {
				continue
			}
			b = utf8.AppendRune(b, c.r)
			b = append(b, s.g.comb[s.physIndex(y, x)]...)
			continue
		}
		b = utf8.AppendRune(b, c.r)
	}
	return b
}

// Lines returns the plain text of each visible row, trailing blanks
// trimmed. A wide character appears once.
func (s *Screen) Lines() []string {
	out := make([]string, s.rows)
	var b []byte
	for y := range s.rows {
		b = s.appendText(b[:0], y)
		out[y] = strings.TrimRight(string(b), " ")
	}
	return out
}

// ANSI returns every row followed by "\n", with the SGR sequences needed to
// reproduce colours and attributes. Each row starts from default colours and
// ends with a reset when it changed them; trailing default blanks are
// dropped.
func (s *Screen) ANSI() string {
	buf := make([]byte, 0, s.rows*(s.cols+1)+64)
	for y := range s.rows {
		buf = s.appendANSIRow(buf, y)
	}
	return string(buf)
}

// AppendRowANSI appends visible row y as ANSI writes it, without the
// newline; a row outside the grid appends nothing. It lets a client redraw
// only the rows Damage reports.
func (s *Screen) AppendRowANSI(buf []byte, y int) []byte {
	if y < 0 || y >= s.rows {
		return buf
	}
	buf = s.appendANSIRow(buf, y)
	return buf[:len(buf)-1]
}

func (s *Screen) appendANSIRow(buf []byte, y int) []byte {
	row := s.row(y)
	end := len(row)
	for end > 0 && row[end-1] == blankCell {
		end--
	}
	cur := pen{}
	for x, c := range row[:end] {
		if c.attr&flagCont != 0 {
			continue
		}
		if p := c.style(); p != cur {
			buf = appendTransition(buf, cur, p)
			cur = p
		}
		buf = utf8.AppendRune(buf, c.r)
		if c.attr&flagComb != 0 {
			buf = append(buf, s.g.comb[s.physIndex(y, x)]...)
		}
	}
	if cur != (pen{}) {
		buf = append(buf, "\x1b[0m"...)
	}
	return append(buf, '\n')
}

// appendTransition appends one SGR sequence that turns style from into to.
func appendTransition(buf []byte, from, to pen) []byte {
	buf = append(buf, "\x1b["...)
	n := len(buf)
	sep := func() {
		if len(buf) > n {
			buf = append(buf, ';')
		}
	}
	if from.attr&^to.attr != 0 {
		// An attribute goes off: start from a reset.
		buf = append(buf, '0')
		from = pen{}
	}
	for _, ac := range attrCodes {
		if to.attr&ac.a != 0 && from.attr&ac.a == 0 {
			sep()
			buf = append(buf, ac.code...)
		}
	}
	if to.fg != from.fg {
		sep()
		buf = to.fg.appendSGR(buf, true)
	}
	if to.bg != from.bg {
		sep()
		buf = to.bg.appendSGR(buf, false)
	}
	return append(buf, 'm')
}

// runeWidth is the number of cells r takes: 0 for combining marks and other
// zero-width characters, 2 for wide East Asian characters and emoji.
func (s *Screen) runeWidth(r rune) int {
	if r >= 0x20 && r < 0x7f {
		return 1
	}
	return s.width.RuneWidth(r)
}

// decSpecial maps 0x60–0x7e to the DEC special graphics set (line drawing).
var decSpecial = [...]rune{
	'◆', '▒', '␉', '␌', '␍', '␊', '°', '±', '␤', '␋', '┘', '┐', '┌', '└', '┼', '⎺',
	'⎻', '─', '⎼', '⎽', '├', '┤', '┴', '┬', '│', '≤', '≥', 'π', '≠', '£', '·',
}

// print draws r at the cursor with the current pen.
func (s *Screen) print(r rune) {
	if s.rows == 0 || s.cols == 0 {
		return
	}
	if r >= 0x60 && r <= 0x7e && s.charset[s.shift] {
		r = decSpecial[r-0x60]
	}
	w := s.runeWidth(r)
	if w == 0 {
		s.combine(r)
		return
	}
	if w > s.cols {
		return // a wide character never fits in a one-column pane
	}
	if s.x+w > s.cols {
		if s.mode.AutoWrap || s.frameMode {
			s.g.wrapped[s.g.line[s.y]] = true
			s.x = 0
			s.index()
		} else {
			s.x = s.cols - w
		}
	}
	row := s.row(s.y)
	if s.mode.Insert && !s.frameMode {
		s.insertCells(row, s.x, w)
	}
	s.clearAt(row, s.x)
	if w == 2 {
		s.clearAt(row, s.x+1)
		row[s.x] = cell{r: r, pen: pen{s.pen.fg, s.pen.bg, s.pen.attr | flagWide}}
		row[s.x+1] = cell{pen: pen{s.pen.fg, s.pen.bg, s.pen.attr | flagCont}}
	} else {
		row[s.x] = cell{r: r, pen: s.pen}
	}
	s.touch(s.y)
	s.lastX, s.lastY = s.x, s.y
	s.lastRune = r
	s.x += w
	if s.x >= s.cols && !s.mode.AutoWrap && !s.frameMode {
		s.x = s.cols - 1
	}
}

// printASCII draws a run of printable ASCII bytes; the caller checked that
// no charset, insert mode or disabled autowrap needs the slow path.
func (s *Screen) printASCII(b []byte) {
	if s.rows == 0 || s.cols == 0 {
		return
	}
	for len(b) > 0 {
		if s.x >= s.cols {
			s.g.wrapped[s.g.line[s.y]] = true
			s.x = 0
			s.index()
		}
		row := s.row(s.y)
		n := min(len(b), s.cols-s.x)
		s.clearAt(row, s.x)
		s.clearAt(row, s.x+n-1)
		dst := row[s.x : s.x+n]
		p := s.pen
		for i, c := range b[:n] {
			dst[i] = cell{pen: p, r: rune(c)}
		}
		s.x += n
		s.lastX, s.lastY = s.x-1, s.y
		s.lastRune = rune(b[n-1])
		s.touch(s.y)
		b = b[n:]
	}
}

// combine attaches a zero-width character to the last printed cell.
func (s *Screen) combine(r rune) {
	if s.lastY < 0 || r < 0x20 || (r >= 0x7f && r < 0xa0) {
		return
	}
	c := &s.row(s.lastY)[s.lastX]
	if c.attr&flagCont != 0 {
		return
	}
	k := s.physIndex(s.lastY, s.lastX)
	if s.g.comb == nil {
		s.g.comb = make(map[int32]string)
	}
	old := ""
	if c.attr&flagComb != 0 {
		old = s.g.comb[k]
	}
	if len(old)+utf8.RuneLen(r) > maxCombining {
		return
	}
	s.g.comb[k] = old + string(r)
	c.attr |= flagComb
	s.touch(s.lastY)
}

// clearAt prepares x for being overwritten: when x is either half of a
// wide character, both halves become blanks in the character's style.
func (s *Screen) clearAt(row []cell, x int) {
	if x < 0 || x >= len(row) {
		return
	}
	switch {
	case row[x].attr&flagCont != 0:
		if x > 0 {
			row[x-1] = cell{r: ' ', pen: row[x-1].style()}
		}
		row[x] = cell{r: ' ', pen: row[x].style()}
	case row[x].attr&flagWide != 0:
		if x+1 < len(row) {
			row[x+1] = cell{r: ' ', pen: row[x+1].style()}
		}
		row[x] = cell{r: ' ', pen: row[x].style()}
	}
}

// erasePen is the pen of erased cells: the terminal fills with the current
// background only (as xterm and tmux do); plugin frames keep the whole pen.
func (s *Screen) erasePen() pen {
	if s.frameMode {
		return s.pen
	}
	return pen{bg: s.pen.bg}
}

// erase blanks columns [from, to) of row y with the erase pen.
func (s *Screen) erase(y, from, to int) {
	if y < 0 || y >= s.rows {
		return
	}
	from, to = max(from, 0), min(to, s.cols)
	if from >= to {
		return
	}
	row := s.row(y)
	s.clearAt(row, from)
	s.clearAt(row, to-1)
	blank := cell{r: ' ', pen: s.erasePen()}
	for i := from; i < to; i++ {
		row[i] = blank
	}
	if to == s.cols {
		s.g.wrapped[s.g.line[y]] = false
	}
	if s.lastY == y && s.lastX >= from && s.lastX < to {
		s.lastY = -1
	}
	s.touch(y)
}

// insertCells shifts cells [x, cols) of row right by n, blanking [x, x+n).
func (s *Screen) insertCells(row []cell, x, n int) {
	if x >= len(row) {
		return
	}
	n = min(n, len(row)-x)
	s.clearAt(row, x)
	copy(row[x+n:], row[x:])
	// A wide character pushed half off the right edge goes.
	if last := row[len(row)-1]; last.attr&flagWide != 0 {
		row[len(row)-1] = cell{r: ' ', pen: last.style()}
	}
	blank := cell{r: ' ', pen: s.erasePen()}
	for i := x; i < x+n; i++ {
		row[i] = blank
	}
}

// deleteCells removes n cells at x of row y, blanks enter at the right.
func (s *Screen) deleteCells(y, x, n int) {
	row := s.row(y)
	if x >= len(row) {
		return
	}
	n = min(n, len(row)-x)
	s.clearAt(row, x)
	s.clearAt(row, x+n-1)
	copy(row[x:], row[x+n:])
	blank := cell{r: ' ', pen: s.erasePen()}
	for i := len(row) - n; i < len(row); i++ {
		row[i] = blank
	}
	s.touch(y)
	s.lastY = -1
}

// scrollPen is the pen of rows scrolled in: plugin frames bring in default
// rows, terminals the current background.
func (s *Screen) scrollPen() pen {
	if s.frameMode {
		return pen{}
	}
	return pen{bg: s.pen.bg}
}

// scrollUp moves rows [top, bottom) up by n: the top n leave (into
// scrollback when toHist, on the main screen), blank rows enter at the
// bottom.
func (s *Screen) scrollUp(top, bottom, n int, toHist bool) {
	if n <= 0 || top >= bottom {
		return
	}
	n = min(n, bottom-top)
	g := s.g
	// Like tmux, lines leaving any scroll region of the main screen are kept.
	if toHist && !s.altOn && s.hist.limit > 0 {
		for y := top; y < top+n; y++ {
			s.pushHistory(y)
		}
	}
	tmp := append(s.scratch[:0], g.line[top:top+n]...)
	copy(g.line[top:], g.line[top+n:bottom])
	copy(g.line[bottom-n:bottom], tmp)
	s.scratch = tmp
	s.blankRows(bottom-n, bottom, s.scrollPen())
	s.touchRange(top, bottom)
	if s.lastY >= top && s.lastY < bottom {
		s.lastY -= n
		if s.lastY < top {
			s.lastY = -1
		}
	}
}

// scrollDown moves rows [top, bottom) down by n; blank rows enter at top.
func (s *Screen) scrollDown(top, bottom, n int) {
	if n <= 0 || top >= bottom {
		return
	}
	n = min(n, bottom-top)
	g := s.g
	tmp := append(s.scratch[:0], g.line[bottom-n:bottom]...)
	copy(g.line[top+n:bottom], g.line[top:bottom-n])
	copy(g.line[top:top+n], tmp)
	s.scratch = tmp
	s.blankRows(top, top+n, s.scrollPen())
	s.touchRange(top, bottom)
	if s.lastY >= top && s.lastY < bottom {
		s.lastY = -1
	}
}

// blankRows blanks visible rows [from, to) in pen p.
func (s *Screen) blankRows(from, to int, p pen) {
	b := cell{r: ' ', pen: p}
	for y := from; y < to; y++ {
		row := s.row(y)
		for i := range row {
			row[i] = b
		}
		s.g.wrapped[s.g.line[y]] = false
	}
}

// index moves the cursor down one row, scrolling the region up at its
// bottom margin.
func (s *Screen) index() {
	if s.rows == 0 {
		return
	}
	switch {
	case s.y == s.bottom-1:
		s.scrollUp(s.top, s.bottom, 1, true)
	case s.y < s.rows-1:
		s.y++
	}
}

// reverseIndex moves the cursor up one row, scrolling the region down at
// its top margin.
func (s *Screen) reverseIndex() {
	if s.rows == 0 {
		return
	}
	switch {
	case s.y == s.top:
		s.scrollDown(s.top, s.bottom, 1)
	case s.y > 0:
		s.y--
	}
}

// moveTo places the cursor at (y, x), clamped to the grid.
func (s *Screen) moveTo(y, x int) {
	s.y = max(0, min(y, s.rows-1))
	s.x = max(0, min(x, s.cols-1))
	s.lastY = -1
}

// curX is the cursor column for relative moves (a pending wrap counts as
// the last column).
func (s *Screen) curX() int { return min(s.x, max(s.cols-1, 0)) }
