package screen

import "strconv"

// Color is a cell or palette colour: the terminal default, an index into the
// 256-colour palette, or a 24-bit RGB value. The zero Color is the default.
type Color uint32

const (
	colorKindShift = 24
	kindIndexed    = 1
	kindRGB        = 2
)

// DefaultColor is the terminal's default foreground or background.
const DefaultColor Color = 0

// Indexed returns the palette colour n (0–7 are the ANSI colours, 8–15 their
// bright variants, 16–255 the xterm cube and grey ramp).
func Indexed(n uint8) Color { return Color(kindIndexed<<colorKindShift | uint32(n)) }

// RGB returns a 24-bit colour.
func RGB(r, g, b uint8) Color {
	return Color(kindRGB<<colorKindShift | uint32(r)<<16 | uint32(g)<<8 | uint32(b))
}

// IsDefault reports whether c is the terminal default colour.
func (c Color) IsDefault() bool { return c>>colorKindShift == 0 }

// Index returns the palette index of an indexed colour; ok is false otherwise.
func (c Color) Index() (n uint8, ok bool) {
	if c>>colorKindShift != kindIndexed {
		return 0, false
	}
	return uint8(c), true
}

// RGB returns the components of a 24-bit colour; ok is false otherwise.
func (c Color) RGB() (r, g, b uint8, ok bool) {
	if c>>colorKindShift != kindRGB {
		return 0, 0, 0, false
	}
	return uint8(c >> 16), uint8(c >> 8), uint8(c), true
}

// String renders c for test output: "default", "idx:N" or "#rrggbb".
func (c Color) String() string {
	if n, ok := c.Index(); ok {
		return "idx:" + strconv.Itoa(int(n))
	}
	if r, g, b, ok := c.RGB(); ok {
		const hex = "0123456789abcdef"
		return string([]byte{'#', hex[r>>4], hex[r&15], hex[g>>4], hex[g&15], hex[b>>4], hex[b&15]})
	}
	return "default"
}

// appendSGR appends the SGR parameters selecting c as foreground (fg true)
// or background, without the CSI introducer or the final 'm'.
func (c Color) appendSGR(buf []byte, fg bool) []byte {
	base := 30
	if !fg {
		base = 40
	}
	if n, ok := c.Index(); ok {
		switch {
		case n < 8:
			return strconv.AppendInt(buf, int64(base+int(n)), 10)
		case n < 16:
			return strconv.AppendInt(buf, int64(base+60+int(n)-8), 10)
		}
		buf = strconv.AppendInt(buf, int64(base+8), 10)
		buf = append(buf, ";5;"...)
		return strconv.AppendInt(buf, int64(n), 10)
	}
	if r, g, b, ok := c.RGB(); ok {
		buf = strconv.AppendInt(buf, int64(base+8), 10)
		buf = append(buf, ";2;"...)
		buf = strconv.AppendInt(buf, int64(r), 10)
		buf = append(buf, ';')
		buf = strconv.AppendInt(buf, int64(g), 10)
		buf = append(buf, ';')
		return strconv.AppendInt(buf, int64(b), 10)
	}
	return strconv.AppendInt(buf, int64(base+9), 10)
}

// Attr is a set of character attributes.
type Attr uint16

// Character attributes set by SGR.
const (
	Bold Attr = 1 << iota
	Dim
	Italic
	Underline
	Blink
	Reverse
	Hidden
	Strike
)

// attrCodes lists each attribute with its SGR "on" code, in emission order.
var attrCodes = [...]struct {
	a    Attr
	code string
}{
	{Bold, "1"}, {Dim, "2"}, {Italic, "3"}, {Underline, "4"},
	{Blink, "5"}, {Reverse, "7"}, {Hidden, "8"}, {Strike, "9"},
}

// String lists the attributes, e.g. "bold|underline", or "" when none.
func (a Attr) String() string {
	names := [...]string{"bold", "dim", "italic", "underline", "blink", "reverse", "hidden", "strike"}
	var out []byte
	for i, n := range names {
		if a&(1<<i) != 0 {
			if len(out) > 0 {
				out = append(out, '|')
			}
			out = append(out, n...)
		}
	}
	return string(out)
}
