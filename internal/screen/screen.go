// Package screen models the content area of a plugin pane: it interprets a
// plugin's render output (a VT byte stream with SGR colours, cursor
// positioning, erasing and the DCS `z` UI components of the plugin ABI) into
// a grid of cells that can be read back as plain text or as ANSI.
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

// cell is one grid position. A wide character occupies a lead cell
// (width 2) followed by a continuation cell (width 0, r == 0).
type cell struct {
	r     rune
	comb  string
	width uint8
	pen
}

var blankCell = cell{r: ' ', width: 1}

// Cell is the content of one grid position, as returned by Screen.Cell.
type Cell struct {
	Rune      rune   // ' ' for a blank cell, 0 for the right half of a wide character
	Combining string // combining marks attached to Rune
	Width     int    // 1, 2 for a wide character, 0 for its right half
	FG, BG    Color
	Attrs     Attr
}

// Screen is the grid of one plugin pane's content area.
//
// Frame replaces the content with a new render frame. Lines, ANSI, Cell and
// Cursor read it back. SetStyle chooses the colours of UI components.
type Screen struct {
	rows, cols int
	cells      []cell // rows*cols, stored as a ring of rows starting at top
	top        int
	// fill[i] is set when physical row i is entirely blank in pen fillPen[i]
	// and its cells have not been written yet: erasing or scrolling a whole
	// row costs O(1).
	fill    []bool
	fillPen []pen

	x, y int // cursor; x may equal cols (the next printable wraps first)
	pen  pen

	saved struct {
		x, y int
		pen  pen
	}

	// last printed cell, for attaching combining marks; lastY < 0 when none.
	lastX, lastY int

	style Style
	vt    vt
	sub   vt // parser for text drawn by UI components

	// budget is how many more cells UI components may draw in this frame:
	// component widths come from the plugin, so padding is bounded.
	budget int

	width *runewidth.Condition
	dcs   []byte // payload of the DCS `z` being collected
}

// New returns an empty screen of rows × cols cells (each clamped to
// [0, MaxDimension]) using DefaultStyle.
func New(rows, cols int) *Screen {
	s := &Screen{style: DefaultStyle(), width: &runewidth.Condition{}}
	s.vt.s = s
	s.sub.s = s
	s.sub.nested = true
	s.Resize(rows, cols)
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

// Resize changes the grid's size, keeping the top-left content that still
// fits. The next Frame redraws everything anyway.
func (s *Screen) Resize(rows, cols int) {
	rows, cols = clampDim(rows), clampDim(cols)
	if s.cells != nil && rows == s.rows && cols == s.cols {
		return
	}
	cells := make([]cell, rows*cols)
	for i := range cells {
		cells[i] = blankCell
	}
	for y := 0; y < min(rows, s.rows); y++ {
		old := s.row(y)
		n := min(cols, s.cols)
		copy(cells[y*cols:y*cols+n], old[:n])
		// A wide character cut in half at the new right edge becomes blank.
		if n > 0 && cells[y*cols+n-1].width == 2 {
			cells[y*cols+n-1] = blankCell
		}
	}
	s.cells, s.rows, s.cols, s.top = cells, rows, cols, 0
	s.fill, s.fillPen = make([]bool, rows), make([]pen, rows)
	s.x, s.y = min(s.x, cols), min(s.y, max(rows-1, 0))
	s.lastY = -1
}

// phys returns the physical row index of visible row y.
func (s *Screen) phys(y int) int {
	i := s.top + y
	if i >= s.rows {
		i -= s.rows
	}
	return i
}

// row returns the cells of visible row y, writing out a pending fill.
func (s *Screen) row(y int) []cell {
	i := s.phys(y)
	r := s.cells[i*s.cols : (i+1)*s.cols]
	if s.fill[i] {
		s.fill[i] = false
		b := cell{r: ' ', width: 1, pen: s.fillPen[i]}
		for j := range r {
			r[j] = b
		}
	}
	return r
}

// fillRow marks visible row y entirely blank in pen p.
func (s *Screen) fillRow(y int, p pen) {
	i := s.phys(y)
	s.fill[i], s.fillPen[i] = true, p
	if s.lastY == y {
		s.lastY = -1
	}
}

// reset clears the grid and all drawing state.
func (s *Screen) reset() {
	s.top = 0
	for i := range s.fill {
		s.fill[i], s.fillPen[i] = true, pen{}
	}
	s.x, s.y = 0, 0
	s.pen = pen{}
	s.saved.x, s.saved.y, s.saved.pen = 0, 0, pen{}
	s.lastY = -1
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
	s.reset()
	s.budget = componentBudget(s.rows, s.cols)
	s.vt.feed(b)
	s.vt.reset()
	s.dcs = s.dcs[:0]
}

// Cursor returns the cursor position (0-based). Column may equal the column
// count after a full line was printed.
func (s *Screen) Cursor() (row, col int) { return s.y, s.x }

// Cell returns the cell at (row, col), 0-based; outside the grid it returns
// a blank cell.
func (s *Screen) Cell(row, col int) Cell {
	if row < 0 || row >= s.rows || col < 0 || col >= s.cols {
		return Cell{Rune: ' ', Width: 1}
	}
	c := s.row(row)[col]
	return Cell{Rune: c.r, Combining: c.comb, Width: int(c.width), FG: c.fg, BG: c.bg, Attrs: c.attr}
}

// Lines returns the plain text of each row, trailing blanks trimmed. A wide
// character appears once.
func (s *Screen) Lines() []string {
	out := make([]string, s.rows)
	var b strings.Builder
	for y := range s.rows {
		b.Reset()
		for _, c := range s.row(y) {
			if c.width == 0 {
				continue
			}
			b.WriteRune(c.r)
			b.WriteString(c.comb)
		}
		out[y] = strings.TrimRight(b.String(), " ")
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
		row := s.row(y)
		end := len(row)
		for end > 0 && row[end-1] == blankCell {
			end--
		}
		cur := pen{}
		for _, c := range row[:end] {
			if c.width == 0 {
				continue
			}
			if c.pen != cur {
				buf = appendTransition(buf, cur, c.pen)
				cur = c.pen
			}
			buf = utf8.AppendRune(buf, c.r)
			buf = append(buf, c.comb...)
		}
		if cur != (pen{}) {
			buf = append(buf, "\x1b[0m"...)
		}
		buf = append(buf, '\n')
	}
	return string(buf)
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

// print draws r at the cursor with the current pen.
func (s *Screen) print(r rune) {
	if s.rows == 0 || s.cols == 0 {
		return
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
		s.x = 0
		s.index()
	}
	row := s.row(s.y)
	s.clearAt(row, s.x)
	if w == 2 {
		s.clearAt(row, s.x+1)
		row[s.x] = cell{r: r, width: 2, pen: s.pen}
		row[s.x+1] = cell{width: 0, pen: s.pen}
	} else {
		row[s.x] = cell{r: r, width: 1, pen: s.pen}
	}
	s.lastX, s.lastY = s.x, s.y
	s.x += w
}

// combine attaches a zero-width character to the last printed cell.
func (s *Screen) combine(r rune) {
	if s.lastY < 0 || r < 0x20 || (r >= 0x7f && r < 0xa0) {
		return
	}
	c := &s.row(s.lastY)[s.lastX]
	if c.width == 0 || len(c.comb)+4 > maxCombining {
		return
	}
	c.comb += string(r)
}

// clearAt blanks x's partner half when x is part of a wide character that
// is about to be overwritten.
func (s *Screen) clearAt(row []cell, x int) {
	if x >= len(row) {
		return
	}
	switch row[x].width {
	case 0:
		if x > 0 {
			row[x-1] = cell{r: ' ', width: 1, pen: row[x-1].pen}
		}
	case 2:
		if x+1 < len(row) {
			row[x+1] = cell{r: ' ', width: 1, pen: row[x+1].pen}
		}
	}
}

// erase blanks columns [from, to) of row y with the current pen.
func (s *Screen) erase(y, from, to int) {
	if y < 0 || y >= s.rows {
		return
	}
	from, to = max(from, 0), min(to, s.cols)
	if from >= to {
		return
	}
	if from == 0 && to == s.cols {
		s.fillRow(y, s.pen)
		return
	}
	row := s.row(y)
	s.clearAt(row, from)
	s.clearAt(row, to-1)
	blank := cell{r: ' ', width: 1, pen: s.pen}
	for i := from; i < to; i++ {
		row[i] = blank
	}
	if s.lastY == y && s.lastX >= from && s.lastX < to {
		s.lastY = -1
	}
}

// index moves the cursor down one row, scrolling the grid up at the bottom.
func (s *Screen) index() {
	if s.rows == 0 {
		return
	}
	if s.y < s.rows-1 {
		s.y++
		return
	}
	// Scroll: the top row leaves, a blank row enters at the bottom.
	s.fillRow(0, pen{})
	s.top++
	if s.top == s.rows {
		s.top = 0
	}
	s.lastY--
	if s.lastY < 0 {
		s.lastY = -1
	}
}

// reverseIndex moves the cursor up one row, scrolling the grid down at the top.
func (s *Screen) reverseIndex() {
	if s.rows == 0 {
		return
	}
	if s.y > 0 {
		s.y--
		return
	}
	s.top--
	if s.top < 0 {
		s.top = s.rows - 1
	}
	s.lastY = -1
	s.fillRow(0, pen{})
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
