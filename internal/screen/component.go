package screen

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// UI components arrive as `ESC P z <name>;[x/y/width/height;]params ESC \`.
// Each is drawn as if its own SGR/CUP rendering were fed to the terminal:
// the cursor ends after the last character drawn and the pen keeps the
// component's last style. A malformed component draws nothing. The d
// (disabled) flag is honoured by text and ribbon; table cells and list
// items draw as if it were absent.

// ribbonArrow is the powerline separator drawn at both ends of a ribbon when
// arrow fonts are available.
const ribbonArrow = '\ue0b0'

// Emphasis levels of a serialised Text beyond the four colours.
const (
	levelDim     = 4
	levelUnbold  = 5
	levelError   = 6
	levelSuccess = 7
	numLevels    = 8
)

// uiText is a parsed serialised Text: `[x][z][d]` flags, `$`-terminated
// index groups, then comma-separated decimal UTF-8 bytes.
type uiText struct {
	runes    []rune
	levels   []uint8 // per rune: bit L set when the rune is listed at level L
	indexed  bool    // at least one index group was given
	selected bool
	opaque   bool
	disabled bool
}

// coords is the optional x/y/width/height of a component.
type coords struct {
	x, y       int
	w, h       int
	hasW, hasH bool
}

// component parses and draws one DCS `z` payload.
func (s *Screen) component(payload []byte) {
	params := strings.Split(strings.ToValidUTF8(string(payload), "\uFFFD"), ";")
	name, rest := params[0], params[1:]
	var co *coords
	if len(rest) > 0 {
		c, found, ok := parseCoords(rest[0])
		if !ok {
			return
		}
		if found {
			co = &c
			rest = rest[1:]
		}
	}
	s.sub.reset()
	switch name {
	case "text":
		if t, ok := firstText(rest); ok {
			s.drawTextComponent(t, co)
		}
	case "ribbon":
		if t, ok := firstText(rest); ok {
			s.drawRibbon(t, co)
		}
	case "table":
		if len(rest) < 2 {
			return
		}
		cols, ok1 := parseUint(rest[0])
		_, ok2 := parseUint(rest[1])
		if !ok1 || !ok2 || cols == 0 {
			return
		}
		var cells []*uiText
		for _, p := range rest[2:] {
			if t, ok := parseText(p); ok {
				cells = append(cells, t)
			}
		}
		s.drawTable(cols, cells, co)
	case "nested_list":
		var items []listItem
		for _, p := range rest {
			level := 0
			for level < len(p) && p[level] == '|' {
				level++
			}
			if t, ok := parseText(p[level:]); ok {
				items = append(items, listItem{t, level})
			}
		}
		s.drawNestedList(items, co)
	}
	s.sub.reset()
}

// firstText returns the first parameter that parses as a Text.
func firstText(params []string) (*uiText, bool) {
	for _, p := range params {
		if t, ok := parseText(p); ok {
			return t, true
		}
	}
	return nil, false
}

// parseUint parses a non-empty decimal number of at most 9 digits (an
// optional leading '+' is accepted).
func parseUint(s string) (int, bool) {
	s = strings.TrimPrefix(s, "+")
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// coordsPattern finds x/y/width/height anywhere in a parameter (the
// leftmost match, as Zellij's pattern does). RE2 matching is linear.
var coordsPattern = regexp.MustCompile(`([0-9]*)/([0-9]*)/([0-9]*)/([0-9]*)`)

// parseCoords finds the first `digits/digits/digits/digits` in p. found is
// false when there is none; ok is false when one is found but x or y is not
// a number (the whole component is then dropped).
func parseCoords(p string) (c coords, found, ok bool) {
	m := coordsPattern.FindStringSubmatch(p)
	if m == nil {
		return coords{}, false, true
	}
	x, okx := parseUint(m[1])
	y, oky := parseUint(m[2])
	if !okx || !oky {
		return coords{}, true, false
	}
	c = coords{x: x, y: y}
	c.w, c.hasW = parseUint(m[3])
	c.h, c.hasH = parseUint(m[4])
	return c, true, true
}

// parseFlags removes the x/z/d flags from the leading run of flag letters.
func parseFlags(p string) (rest string, selected, opaque, disabled bool) {
	n := 0
	for n < len(p) && (p[n] == 'x' || p[n] == 'z' || p[n] == 'd') {
		n++
	}
	prefix := p[:n]
	take := func(f byte) bool {
		if i := strings.IndexByte(prefix, f); i >= 0 {
			prefix = prefix[:i] + prefix[i+1:]
			return true
		}
		return false
	}
	selected, opaque, disabled = take('x'), take('z'), take('d')
	return prefix + p[n:], selected, opaque, disabled
}

// parseText decodes a serialised Text; ok is false when its bytes are not
// all decimal numbers 0–255 (such a Text is skipped, as Zellij does).
func parseText(p string) (*uiText, bool) {
	t := &uiText{}
	p, t.selected, t.opaque, t.disabled = parseFlags(p)
	var groups []string
	if last := strings.LastIndexByte(p, '$'); last >= 0 {
		groups = strings.Split(p[:last], "$")
		p = p[last+1:]
		t.indexed = true
	}
	raw := make([]byte, 0, strings.Count(p, ",")+1)
	for field := range strings.SplitSeq(p, ",") {
		n, ok := parseUint(field)
		if !ok || n > 255 {
			return nil, false
		}
		raw = append(raw, byte(n))
	}
	t.runes = []rune(strings.ToValidUTF8(string(raw), "\uFFFD"))
	t.levels = make([]uint8, len(t.runes))
	for level, g := range groups {
		if level >= numLevels {
			break
		}
		for f := range strings.SplitSeq(g, ",") {
			if i, ok := parseUint(f); ok && i < len(t.runes) {
				t.levels[i] |= 1 << level
			}
		}
	}
	return t, true
}

// styleFor returns the pen of rune i drawn over base.
func (s *Screen) styleFor(t *uiText, i int, d *Declaration, base pen) pen {
	var lv uint8
	if i < len(t.levels) {
		lv = t.levels[i]
	}
	p := base
	switch {
	case lv&(1<<levelError) != 0:
		p.fg = s.style.ExitCodeError.Base
	case lv&(1<<levelSuccess) != 0:
		p.fg = s.style.ExitCodeSuccess.Base
	default:
		p.fg = d.Base
		for l := 3; l >= 0; l-- {
			if lv&(1<<l) != 0 {
				p.fg = d.Emphasis[l]
				break
			}
		}
	}
	switch {
	case lv&(1<<levelUnbold) != 0:
		p.attr &^= Bold
	case lv&(1<<levelDim) != 0:
		p.fg = DefaultColor
		p.attr |= Dim
	default:
		p.attr |= Bold
		p.attr &^= Dim
	}
	return p
}

// emit draws r as component output: controls in a Text act as they would
// in the stream.
func (s *Screen) emit(r rune) {
	if s.sub.state == stGround && s.sub.utfNeed == 0 && (r >= 0x20 && r < 0x7f || r >= 0xa0) {
		s.print(r)
		return
	}
	var b [utf8.UTFMax]byte
	n := utf8.EncodeRune(b[:], r)
	s.sub.feed(b[:n])
}

// put draws one cell of component output, within the frame's budget.
func (s *Screen) put(r rune) {
	if s.budget <= 0 {
		return
	}
	s.budget--
	s.emit(r)
}

func (s *Screen) emitSpaces(n int) {
	for range min(n, max(s.budget, 0)) {
		s.put(' ')
	}
}

// drawText draws t clipped to the component width (minus leftPad already
// used on the line), then pads with blanks to that width. padTo extends the
// text itself with blanks to that many cells first (table cells). It
// returns the width drawn, padding included.
func (s *Screen) drawText(t *uiText, leftPad int, co *coords, d *Declaration, style pen, padTo int) int {
	base := style
	if t.opaque || t.selected {
		base.bg = d.Background
	}
	s.pen = base
	styled := t.indexed || t.selected || t.opaque
	w := 0
	clipped := false
	draw := func(i int, r rune) bool {
		cw := max(s.runeWidth(r), 0)
		if co != nil && co.hasW && leftPad+w+cw > co.w {
			return false
		}
		w += cw
		if styled {
			s.pen = s.styleFor(t, i, d, base)
			s.put(r)
			s.pen = base
		} else {
			s.put(r)
		}
		return s.budget > 0
	}
	for i, r := range t.runes {
		if !draw(i, r) {
			clipped = true
			break
		}
	}
	for i := len(t.runes); !clipped && w < padTo; i++ {
		clipped = !draw(i, ' ')
	}
	if co != nil && co.hasW && leftPad+w < co.w {
		pad := co.w - (leftPad + w)
		s.emitSpaces(pad)
		w += pad
	}
	return w
}

// disabledCopy returns t without flags or emphasis, for disabled drawing.
func (t *uiText) disabledCopy() *uiText {
	return &uiText{runes: t.runes, levels: make([]uint8, len(t.runes)), disabled: true}
}

func (s *Screen) moveToCoords(co *coords, dy int) {
	if co != nil {
		s.moveTo(co.y+dy, co.x)
	}
}

func (s *Screen) drawTextComponent(t *uiText, co *coords) {
	st := &s.style
	s.moveToCoords(co, 0)
	if t.disabled {
		d := st.TextUnselected
		base := pen{fg: d.Base, attr: Italic}
		if t.opaque || t.selected {
			base.bg = d.Background
		}
		s.pen = base
		s.drawText(t.disabledCopy(), 0, co, &d, base, 0)
		return
	}
	d := st.TextUnselected
	if t.selected {
		d = st.TextSelected
	}
	base := pen{fg: d.Base, attr: Bold}
	s.pen = base
	s.drawText(t, 0, co, &d, base, 0)
}

func (s *Screen) drawRibbon(t *uiText, co *coords) {
	st := &s.style
	bar := st.TextUnselected.Background
	d := st.RibbonUnselected
	if t.selected && !t.disabled {
		d = st.RibbonSelected
	}
	first := pen{fg: bar, bg: d.Background, attr: Bold}
	text := pen{fg: d.Base, bg: d.Background, attr: Bold}
	last := pen{fg: d.Background, bg: bar, attr: Bold}
	if t.disabled {
		text.attr = Italic
		t = t.disabledCopy()
	}
	s.moveToCoords(co, 0)
	s.pen = pen{}
	leftPad := 0
	s.pen = first
	if st.ArrowFonts {
		s.put(ribbonArrow)
		leftPad = 4
	}
	s.pen = text
	s.put(' ')
	s.drawText(t, leftPad, co, &d, text, 0)
	s.put(' ')
	s.pen = last
	if st.ArrowFonts {
		s.put(ribbonArrow)
	}
	s.pen = pen{}
}

// textWidth is the display width of t's runes.
func (s *Screen) textWidth(t *uiText) int {
	w := 0
	for _, r := range t.runes {
		w += s.runeWidth(r)
	}
	return w
}

func (s *Screen) newline() {
	s.x = 0
	s.index()
}

func (s *Screen) drawTable(columns int, cells []*uiText, co *coords) {
	st := &s.style
	// Cell i belongs to column i % columns; a column that does not fit in
	// the width (with its one-blank separator) is dropped with all after it.
	ncols := min(columns, len(cells))
	var rows [][]tableCell
	rowWidth := 0
	for c := range ncols {
		maxW := 0
		for i := c; i < len(cells); i += columns {
			maxW = max(maxW, s.textWidth(cells[i]))
		}
		if co != nil && co.hasW && rowWidth+maxW+1 > co.w {
			break
		}
		rowWidth += maxW + 1
		for r, i := 0, c; i < len(cells); r, i = r+1, i+columns {
			if r == len(rows) {
				rows = append(rows, nil)
			}
			rows[r] = append(rows[r], tableCell{cells[i], maxW})
		}
	}
	s.moveToCoords(co, 0)
	for r, row := range rows {
		if co != nil && co.hasH && r+1 > co.h || s.budget <= 0 {
			break
		}
		for ci, cell := range row {
			d := st.TableCellUnselected
			switch {
			case r == 0:
				d = st.TableTitle
			case cell.t.selected:
				d = st.TableCellSelected
			}
			style := pen{fg: d.Base, attr: Bold}
			if cell.t.opaque || cell.t.selected {
				style.bg = d.Background
			}
			s.pen = style
			s.drawText(cell.t, 0, nil, &d, style, cell.w)
			if ci < len(row)-1 {
				s.put(' ')
			}
			s.pen = pen{}
		}
		if co != nil {
			s.moveToCoords(co, r+1)
		} else {
			s.newline()
		}
	}
}

type tableCell struct {
	t *uiText
	w int // column width the cell is padded to
}

type listItem struct {
	text  *uiText
	level int
}

func (s *Screen) drawNestedList(items []listItem, co *coords) {
	st := &s.style
	maxW := 0
	if co != nil && co.hasW {
		maxW = co.w
	} else {
		for _, it := range items {
			maxW = max(maxW, s.textWidth(it.text)+2+it.level*2+1)
		}
	}
	for li, it := range items {
		if co != nil && co.hasH && li+1 > co.h || s.budget <= 0 {
			break
		}
		d := st.ListUnselected
		if it.text.selected {
			d = st.ListSelected
		}
		pad := it.level*2 + 1
		bullet := "> "
		if it.level%2 == 1 {
			bullet = "- "
		}
		style := pen{fg: d.Base}
		if it.text.opaque || it.text.selected {
			style.bg = d.Background
		}
		if co != nil {
			s.moveToCoords(co, li)
		} else if li != 0 {
			s.newline()
		}
		s.pen = style
		s.emitSpaces(pad)
		s.put(rune(bullet[0]))
		s.put(' ')
		bold := style
		bold.attr |= Bold
		s.pen = bold
		w := s.drawText(it.text, pad+2, co, &d, bold, 0)
		if maxW > w+pad+2 {
			s.emitSpaces(maxW - (w + pad + 2))
		}
		s.pen = pen{}
	}
}
