package ui

import (
	"strconv"
	"strings"
)

// Plain escape sequences for drawing with SGR attributes. A plugin's render
// output may use SGR colours (8-bit and truecolour), absolute cursor moves
// (CUP) and erase-in-line; the host keeps nothing between frames.
const (
	// Reset clears every SGR attribute.
	Reset = "\x1b[0m"
	// EraseLine clears from the cursor to the end of the line with the
	// current background colour: print it after setting a background to
	// fill the rest of the line.
	EraseLine = "\x1b[0K"
)

// MoveTo returns the CUP sequence that moves the cursor to row, col
// (0-based, within the content area).
func MoveTo(row, col int) string {
	return "\x1b[" + strconv.Itoa(max(row, 0)+1) + ";" + strconv.Itoa(max(col, 0)+1) + "H"
}

type colorKind uint8

const (
	colorNone colorKind = iota
	colorRGB
	colorIndex
)

// Color is a terminal colour: 24-bit RGB, a 256-colour palette index, or
// the zero value, which means "the terminal's default".
type Color struct {
	kind    colorKind
	r, g, b uint8
	index   uint8
}

// RGB returns a truecolour colour.
func RGB(r, g, b uint8) Color { return Color{kind: colorRGB, r: r, g: g, b: b} }

// Index returns a colour of the 256-colour palette (0-15 are the terminal's
// own ANSI colours).
func Index(n uint8) Color { return Color{kind: colorIndex, index: n} }

// IsSet reports whether c is a colour rather than the default.
func (c Color) IsSet() bool { return c.kind != colorNone }

// RGBValues returns the components of an RGB colour and true, or false for
// other colours.
func (c Color) RGBValues() (r, g, b uint8, ok bool) {
	return c.r, c.g, c.b, c.kind == colorRGB
}

// IndexValue returns the palette index of an indexed colour and true, or
// false for other colours.
func (c Color) IndexValue() (uint8, bool) { return c.index, c.kind == colorIndex }

func (c Color) appendSGR(dst []byte, base int) []byte {
	switch c.kind {
	case colorRGB:
		dst = strconv.AppendInt(dst, int64(base), 10)
		dst = append(dst, ";2;"...)
		dst = strconv.AppendUint(dst, uint64(c.r), 10)
		dst = append(dst, ';')
		dst = strconv.AppendUint(dst, uint64(c.g), 10)
		dst = append(dst, ';')
		dst = strconv.AppendUint(dst, uint64(c.b), 10)
	case colorIndex:
		dst = strconv.AppendInt(dst, int64(base), 10)
		dst = append(dst, ";5;"...)
		dst = strconv.AppendUint(dst, uint64(c.index), 10)
	}
	return dst
}

// Style is a set of SGR attributes. The zero Style is the terminal default.
type Style struct {
	Fg, Bg                                Color
	Bold, Dim, Italic, Underline, Reverse bool
}

// Foreground returns a Style with only the foreground colour set.
func Foreground(c Color) Style { return Style{Fg: c} }

// SGR returns the escape sequence that resets the attributes and then
// applies s, for example "\x1b[0;1;38;2;255;0;0m".
func (s Style) SGR() string { return string(s.AppendSGR(nil)) }

// AppendSGR appends the sequence returned by SGR to dst. It allocates
// only when dst has no room.
func (s Style) AppendSGR(dst []byte) []byte {
	dst = append(dst, "\x1b[0"...)
	if s.Bold {
		dst = append(dst, ";1"...)
	}
	if s.Dim {
		dst = append(dst, ";2"...)
	}
	if s.Italic {
		dst = append(dst, ";3"...)
	}
	if s.Underline {
		dst = append(dst, ";4"...)
	}
	if s.Reverse {
		dst = append(dst, ";7"...)
	}
	if s.Fg.IsSet() {
		dst = append(dst, ';')
		dst = s.Fg.appendSGR(dst, 38)
	}
	if s.Bg.IsSet() {
		dst = append(dst, ';')
		dst = s.Bg.appendSGR(dst, 48)
	}
	return append(dst, 'm')
}

// Paint returns text drawn with s followed by Reset.
func (s Style) Paint(text string) string {
	var b strings.Builder
	b.Grow(len(text) + 32)
	b.Write(s.AppendSGR(make([]byte, 0, 32)))
	b.WriteString(text)
	b.WriteString(Reset)
	return b.String()
}
