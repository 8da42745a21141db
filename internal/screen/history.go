package screen

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"
)

// Scrollback storage. A line that leaves the top of a terminal's main
// screen is packed into append-only blocks:
//
//	flags byte        bit 0: the line wrapped onto the next; bit 1: styled
//	uvarint textLen   bytes of UTF-8 text (wide characters once, combining
//	                  marks after their base, trailing default blanks cut)
//	if styled:
//	  uvarint nRuns, then per run: uvarint bytes, uvarint attrs,
//	  uvarint fg, uvarint bg (colours as packColor)
//	text
//
// A line in the default style costs its text plus two or three bytes, and
// an 8-byte reference. Blocks are freed as their last line is dropped.

const histBlock = 16 << 10

const (
	lineWrapped = 1 << iota
	lineStyled
)

// lineRef locates one packed line.
type lineRef struct {
	blk int32 // block id (blocks[blk-base])
	off int32
}

type history struct {
	limit  int
	blocks [][]byte
	base   int32
	refs   []lineRef // oldest first, from start
	start  int
	spare  []byte // a freed block kept for reuse

	text, runs []byte // encoding scratch
}

// Len returns the number of lines held.
func (h *history) Len() int { return len(h.refs) - h.start }

// packColor maps a Color to a small integer: 0 default, 1+n indexed,
// 257+rgb for 24-bit.
func packColor(c Color) uint64 {
	if n, ok := c.Index(); ok {
		return 1 + uint64(n)
	}
	if r, g, b, ok := c.RGB(); ok {
		return 257 + uint64(r)<<16 | uint64(g)<<8 | uint64(b)
	}
	return 0
}

func unpackColor(v uint64) Color {
	switch {
	case v == 0:
		return DefaultColor
	case v <= 256:
		return Indexed(uint8(v - 1))
	}
	v -= 257
	return RGB(uint8(v>>16), uint8(v>>8), uint8(v))
}

// push packs one row (cells of physical row phys of g, cols wide).
func (h *history) push(row []cell, g *grid, phys int32, cols int, wrapped bool) {
	end := len(row)
	for end > 0 && row[end-1] == blankCell {
		end--
	}
	text, runs := h.text[:0], h.runs[:0]
	nruns := 0
	styled := false
	var cur pen
	runStart := 0
	// raw is the previous cell's pen when it had no flags: a following
	// ASCII cell with the same pen takes the fast path.
	sentinel := pen{attr: flagMask}
	raw := pen{}
	for x := range end {
		c := &row[x]
		if c.pen == raw && c.r < utf8.RuneSelf {
			text = append(text, byte(c.r))
			continue
		}
		raw = sentinel
		if c.attr&flagMask == 0 {
			raw = c.pen
		}
		if c.attr&flagCont != 0 {
			continue
		}
		if p := c.style(); p != cur {
			// The pen starts at the default: any change means a styled line.
			styled = true
			if len(text) > runStart {
				runs = appendRun(runs, len(text)-runStart, cur)
				nruns++
				runStart = len(text)
			}
			cur = p
		}
		text = utf8.AppendRune(text, c.r)
		if c.attr&flagComb != 0 {
			text = append(text, g.comb[phys*int32(cols)+int32(x)]...)
		}
	}
	if len(text) > runStart {
		runs = appendRun(runs, len(text)-runStart, cur)
		nruns++
	}
	h.text, h.runs = text, runs

	var hdr [1 + 2*binary.MaxVarintLen64]byte
	flags := byte(0)
	if wrapped {
		flags |= lineWrapped
	}
	if styled {
		flags |= lineStyled
	}
	hdr[0] = flags
	n := 1 + binary.PutUvarint(hdr[1:], uint64(len(text)))
	if styled {
		n += binary.PutUvarint(hdr[n:], uint64(nruns))
	}
	size := n + len(text)
	if styled {
		size += len(runs)
	}
	blk := h.block(size)
	off := len(*blk)
	*blk = append(*blk, hdr[:n]...)
	if styled {
		*blk = append(*blk, runs...)
	}
	*blk = append(*blk, text...)
	h.refs = append(h.refs, lineRef{blk: h.base + int32(len(h.blocks)-1), off: int32(off)})
	if h.Len() > h.limit {
		h.dropOldest()
	}
}

func appendRun(b []byte, n int, p pen) []byte {
	b = binary.AppendUvarint(b, uint64(n))
	b = binary.AppendUvarint(b, uint64(p.attr))
	b = binary.AppendUvarint(b, packColor(p.fg))
	return binary.AppendUvarint(b, packColor(p.bg))
}

// block returns the block to append size bytes to, starting a new one when
// the last is full.
func (h *history) block(size int) *[]byte {
	if k := len(h.blocks); k > 0 && len(h.blocks[k-1])+size <= cap(h.blocks[k-1]) {
		return &h.blocks[k-1]
	}
	var b []byte
	if size <= histBlock && h.spare != nil {
		b, h.spare = h.spare[:0], nil
	} else {
		b = make([]byte, 0, max(histBlock, size))
	}
	h.blocks = append(h.blocks, b)
	return &h.blocks[len(h.blocks)-1]
}

// dropOldest forgets the oldest line and frees blocks no line uses.
func (h *history) dropOldest() {
	h.start++
	if h.start > 1024 && h.start > len(h.refs)/2 {
		n := copy(h.refs, h.refs[h.start:])
		h.refs = h.refs[:n]
		h.start = 0
	}
	if h.Len() == 0 {
		h.clear()
		return
	}
	for h.base < h.refs[h.start].blk {
		if cap(h.blocks[0]) == histBlock {
			h.spare = h.blocks[0]
		}
		h.blocks[0] = nil
		h.blocks = h.blocks[1:]
		h.base++
	}
}

// popNewest removes the newest line and returns its packed bytes (valid
// until the next push).
func (h *history) popNewest() []byte {
	r := h.refs[len(h.refs)-1]
	h.refs = h.refs[:len(h.refs)-1]
	i := int(r.blk - h.base)
	data := h.blocks[i][r.off:]
	h.blocks[i] = h.blocks[i][:r.off]
	if r.off == 0 && i == len(h.blocks)-1 {
		h.blocks = h.blocks[:i]
	}
	if h.Len() == 0 {
		out := append([]byte(nil), data...)
		h.clear()
		return out
	}
	return data
}

func (h *history) clear() {
	h.blocks, h.refs, h.start = nil, h.refs[:0], 0
	h.base = 0
}

// line returns the packed bytes of line i (0 is the oldest).
func (h *history) line(i int) []byte {
	r := h.refs[h.start+i]
	return h.blocks[r.blk-h.base][r.off:]
}

// packedLine is a decoded view of a packed line.
type packedLine struct {
	wrapped bool
	nruns   int
	runs    []byte // undecoded runs, nil when unstyled
	text    []byte
	size    int // packed bytes
}

func decodeLine(b []byte) packedLine {
	var l packedLine
	flags := b[0]
	l.wrapped = flags&lineWrapped != 0
	tl, n := binary.Uvarint(b[1:])
	p := 1 + n
	if flags&lineStyled != 0 {
		nr, n := binary.Uvarint(b[p:])
		p += n
		l.nruns = int(nr)
		start := p
		for range l.nruns {
			for range 4 {
				_, n := binary.Uvarint(b[p:])
				p += n
			}
		}
		l.runs = b[start:p]
	}
	l.text = b[p : p+int(tl)]
	l.size = p + int(tl)
	return l
}

// each calls f for each run of the line: its text and pen.
func (l packedLine) each(f func(text []byte, p pen)) {
	if l.runs == nil {
		f(l.text, pen{})
		return
	}
	b, t := l.runs, l.text
	for range l.nruns {
		var v [4]uint64
		for i := range v {
			x, n := binary.Uvarint(b)
			v[i], b = x, b[n:]
		}
		k := min(int(v[0]), len(t))
		f(t[:k], pen{attr: Attr(v[1]) &^ flagMask, fg: unpackColor(v[2]), bg: unpackColor(v[3])})
		t = t[k:]
	}
}

// plain returns the line's text, trailing blanks trimmed.
func (l packedLine) plain() string { return strings.TrimRight(string(l.text), " ") }

// appendANSI appends the line in the format of Screen.ANSI.
func (l packedLine) appendANSI(buf []byte) []byte {
	cur := pen{}
	l.each(func(text []byte, p pen) {
		if p != cur {
			buf = appendTransition(buf, cur, p)
			cur = p
		}
		buf = append(buf, text...)
	})
	if cur != (pen{}) {
		buf = append(buf, "\x1b[0m"...)
	}
	return append(buf, '\n')
}

// unpack draws the line into row (physical row phys of g) and reports
// whether it wrapped.
func (s *Screen) unpack(l packedLine, g *grid, phys int32, row []cell) {
	for i := range row {
		row[i] = blankCell
	}
	x := 0
	l.each(func(text []byte, p pen) {
		for _, r := range string(text) {
			w := s.runeWidth(r)
			switch {
			case w == 0:
				if x > 0 {
					lx := x - 1
					if row[lx].attr&flagCont != 0 {
						lx--
					}
					k := phys*int32(len(row)) + int32(lx)
					if g.comb == nil {
						g.comb = make(map[int32]string)
					}
					if row[lx].attr&flagComb == 0 {
						g.comb[k] = ""
					}
					if len(g.comb[k])+utf8.RuneLen(r) <= maxCombining {
						g.comb[k] += string(r)
					}
					row[lx].attr |= flagComb
				}
			case x+w > len(row):
				return
			case w == 2:
				row[x] = cell{r: r, pen: pen{p.fg, p.bg, p.attr | flagWide}}
				row[x+1] = cell{pen: pen{p.fg, p.bg, p.attr | flagCont}}
				x += 2
			default:
				row[x] = cell{r: r, pen: p}
				x++
			}
		}
	})
	g.wrapped[phys] = l.wrapped
}

// pushHistory packs visible row y of the active grid into scrollback.
func (s *Screen) pushHistory(y int) {
	g := s.g
	p := g.line[y]
	s.hist.push(s.row(y), g, p, s.cols, g.wrapped[p])
}
