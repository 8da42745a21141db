package ui

import "github.com/tessera-ws/tessera/sdk/pb"

// Declaration is the colour set of one kind of UI element: its text
// colour, its background and four emphasis colours.
type Declaration struct {
	Base, Background Color
	Emphasis         [4]Color
}

// Style returns the SGR style of the element's plain text: Base on
// Background.
func (d Declaration) Style() Style { return Style{Fg: d.Base, Bg: d.Background} }

// EmphasisStyle returns the SGR style of text at emphasis level 0-3 (clamped):
// that emphasis colour, bold, on Background.
func (d Declaration) EmphasisStyle(level int) Style {
	level = min(max(level, 0), 3)
	return Style{Fg: d.Emphasis[level], Bg: d.Background, Bold: true}
}

// Palette is the session theme's colours for UI elements, as the host sends
// them in ModeUpdate (Style.styling). Plugins that draw with SGR use it to
// match the host-drawn components.
type Palette struct {
	TextUnselected, TextSelected                       Declaration
	RibbonUnselected, RibbonSelected                   Declaration
	TableTitle, TableCellUnselected, TableCellSelected Declaration
	ListUnselected, ListSelected                       Declaration
	FrameUnselected, FrameSelected, FrameHighlight     Declaration
	ExitCodeSuccess, ExitCodeError                     Declaration
	MultiplayerUserColors                              []Color
}

// ColorFromProto converts a wire colour. A nil or malformed colour is the
// default colour (not set).
func ColorFromProto(c *pb.Color) Color {
	switch {
	case c.GetRgbColorPayload() != nil:
		rgb := c.GetRgbColorPayload()
		return RGB(uint8(min(rgb.GetRed(), 255)), uint8(min(rgb.GetGreen(), 255)), uint8(min(rgb.GetBlue(), 255)))
	case c != nil && c.EightBitColorPayload != nil:
		return Index(uint8(min(*c.EightBitColorPayload, 255)))
	}
	return Color{}
}

// declaration converts a wire declaration: six colours in the order base,
// background, emphasis 0-3. Any other count leaves fallback in place.
func declaration(cs []*pb.Color, fallback Declaration) (Declaration, bool) {
	if len(cs) != 6 {
		return fallback, false
	}
	d := Declaration{Base: ColorFromProto(cs[0]), Background: ColorFromProto(cs[1])}
	for i := range d.Emphasis {
		d.Emphasis[i] = ColorFromProto(cs[2+i])
	}
	return d, true
}

// PaletteFromStyle converts the style of a ModeUpdate event. Declarations
// that are missing or malformed (not exactly six colours) keep the
// DefaultPalette colours; complete reports whether every declaration except
// the optional FrameUnselected was present and well formed.
func PaletteFromStyle(s *pb.Style) (p Palette, complete bool) {
	p = DefaultPalette()
	st := s.GetStyling()
	complete = st != nil
	conv := func(dst *Declaration, cs []*pb.Color, optional bool) {
		d, ok := declaration(cs, *dst)
		*dst = d
		if !ok && !(optional && len(cs) == 0) {
			complete = false
		}
	}
	conv(&p.TextUnselected, st.GetTextUnselected(), false)
	conv(&p.TextSelected, st.GetTextSelected(), false)
	conv(&p.RibbonUnselected, st.GetRibbonUnselected(), false)
	conv(&p.RibbonSelected, st.GetRibbonSelected(), false)
	conv(&p.TableTitle, st.GetTableTitle(), false)
	conv(&p.TableCellUnselected, st.GetTableCellUnselected(), false)
	conv(&p.TableCellSelected, st.GetTableCellSelected(), false)
	conv(&p.ListUnselected, st.GetListUnselected(), false)
	conv(&p.ListSelected, st.GetListSelected(), false)
	conv(&p.FrameUnselected, st.GetFrameUnselected(), true)
	conv(&p.FrameSelected, st.GetFrameSelected(), false)
	conv(&p.FrameHighlight, st.GetFrameHighlight(), false)
	conv(&p.ExitCodeSuccess, st.GetExitCodeSuccess(), false)
	conv(&p.ExitCodeError, st.GetExitCodeError(), false)
	if cs := st.GetMultiplayerUserColors(); len(cs) > 0 {
		p.MultiplayerUserColors = make([]Color, len(cs))
		for i, c := range cs {
			p.MultiplayerUserColors[i] = ColorFromProto(c)
		}
	} else {
		complete = false
	}
	return p, complete
}

// DefaultPalette returns the colours used when the host sent no style: a
// dark theme with warm emphasis colours.
func DefaultPalette() Palette {
	var (
		fg     = RGB(0xdc, 0xdf, 0xe4)
		bg     = RGB(0x28, 0x2c, 0x34)
		dark   = RGB(0x1e, 0x21, 0x27)
		grey   = RGB(0x5c, 0x63, 0x70)
		orange = RGB(0xe5, 0xa0, 0x5c)
		cyan   = RGB(0x56, 0xb6, 0xc2)
		green  = RGB(0x98, 0xc3, 0x79)
		pink   = RGB(0xd1, 0x7f, 0xc9)
		red    = RGB(0xe0, 0x6c, 0x75)
		blue   = RGB(0x61, 0xaf, 0xef)
	)
	emph := [4]Color{orange, cyan, green, pink}
	decl := func(base, bgc Color) Declaration { return Declaration{Base: base, Background: bgc, Emphasis: emph} }
	return Palette{
		TextUnselected:      decl(fg, bg),
		TextSelected:        decl(fg, grey),
		RibbonUnselected:    decl(dark, RGB(0xab, 0xb2, 0xbf)),
		RibbonSelected:      decl(dark, green),
		TableTitle:          decl(green, bg),
		TableCellUnselected: decl(fg, bg),
		TableCellSelected:   decl(fg, grey),
		ListUnselected:      decl(fg, bg),
		ListSelected:        decl(fg, grey),
		FrameUnselected:     decl(grey, bg),
		FrameSelected:       decl(green, bg),
		FrameHighlight:      decl(orange, bg),
		ExitCodeSuccess:     decl(green, bg),
		ExitCodeError:       decl(red, bg),
		MultiplayerUserColors: []Color{
			blue, orange, cyan, pink, green, red,
			RGB(0xc6, 0x78, 0xdd), RGB(0xe5, 0xc0, 0x7b), RGB(0x4d, 0xb6, 0xac), RGB(0xbe, 0x50, 0x46),
		},
	}
}
